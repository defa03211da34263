"""Posting due reminders exactly once, from any number of bot processes on one database.

`run_due` is the one delivery path: the in-process scheduler calls it (through the follow-up service)
when a rule falls due and at start-up, and `python -m bot reminders run-due` calls it from cron. Each
due (rule, time) gets one Delivery row (the unique key lets exactly one process insert it); a delivery
is claimed, by a conditional update, just before it is posted. A process that dies while posting leaves
the row `sending`; once its lease runs out another process takes it over. A process that stops (its
poster raises `Interrupted`) gives back at once the delivery it was posting.

Exactly once, on purpose: every post carries its delivery's tag (Slack message metadata), and a delivery
that an earlier attempt may have posted (its lease ran out, or Slack answered after the client gave up)
is first looked for in the channel's recent history, so a post that reached Slack is never repeated.
While the poster waits on Slack (Retry-After, back-off, a slow answer) it holds the claim (`Tag.hold`),
so another process cannot take over a delivery that is still being posted. Transient failures are retried
with capped back-off for RETRY_WINDOW; then the delivery fails and the creator and owners are told.

Every step is a short transaction of its own, so that a claim is visible to the other processes at once;
what is due comes from the one clock given, leases and retry times from `lease_clock` (by default the clock
given; the service gives the database's, `DatabaseClock`, so that replicas agree on leases whatever their
own clocks say). A recurring rule that fired while the clock was ahead is brought back once it is not
(`_catch_up_after_clock_went_back`). What a post says and how it reaches people
is the `Poster`'s (the Slack one is bot.slack.poster).
"""

from __future__ import annotations

import datetime
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import HOLD_MARGIN, Clock, clock_at
from bot.core.when import Recurrence
from bot.followups.rules import next_fire_after
from storage import followups as store
from storage.models import FAILED, OPEN, PENDING, SENT, FollowUp

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)  # renewed by `Tag.hold` while the poster waits on Slack
RETRY_WINDOW = datetime.timedelta(hours=24)  # after its scheduled time, transient failures are retried this long
RETRY_DELAY = datetime.timedelta(minutes=1)  # doubled after each failed attempt, up to MAX_RETRY_DELAY
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
DIGEST_CATCH_UP = datetime.timedelta(hours=12)  # a digest missed longer ago than this is skipped


class PermanentError(Exception):
    """The post was refused in a way that retrying will not change; `.error` is the service's error code.
    `channel_gone`: the channel no longer takes the bot's posts (deleted, archived, the bot removed)."""

    def __init__(self, error: str, channel_gone: bool = False):
        self.error, self.channel_gone = error, channel_gone
        super().__init__(error)


class TransientError(Exception):
    """The service could not be reached or kept failing; a later attempt may succeed."""


class Interrupted(Exception):
    """The poster was stopped before the post was made: the bot is shutting down."""


class ClaimLost(Exception):
    """While the poster waited, the claim ran out and another process took the delivery over."""


@dataclass
class Tag:
    """What marks a post as one delivery's, and how the claim on it is held while Slack is waited on."""

    delivery_id: str  # "reminder:12", "digest:3": the post's metadata, to find it in the channel's history
    maybe_posted: bool  # an earlier attempt may have reached Slack: look for the post before posting
    hold: Callable[[float], None]  # keep the claim for this many more seconds; raises ClaimLost


class Poster(Protocol):
    """Where reminders and digests go. Each method raises PermanentError, TransientError or Interrupted."""

    def post_reminder(self, followup: FollowUp, now: datetime.datetime, tz: ZoneInfo, tag: Tag) -> tuple[str, str]:
        """Post the reminder of `followup` in its channel, tagged; the (channel, ts) of the post, or of the
        one found already posted."""
        ...

    def post_digest(
        self, channel: str, followups: list[FollowUp], now: datetime.datetime, tz: ZoneInfo, tag: Tag
    ) -> str:
        """Post a channel's digest of its open follow-ups, tagged; the ts of the post."""
        ...

    def tell_reminders_stopped(self, followup: FollowUp, error: str) -> None:
        """Tell the follow-up's creator, privately, that its channel refused the reminder (`error`)."""
        ...

    def tell_reminder_failed(self, followup: FollowUp, error: str) -> None:
        """Tell the follow-up's creator and owners, privately, that its reminder could not be posted."""
        ...

    def stop(self) -> None:
        """From now on every post raises Interrupted, and a wait in progress ends."""
        ...


@dataclass
class RunReport:
    posted: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    released: int = 0  # claimed, then given back unposted because the bot is stopping

    def add(self, state: str) -> None:
        field = {SENT: "posted", FAILED: "failed", PENDING: "retrying"}.get(state, "skipped")
        setattr(self, field, getattr(self, field) + 1)


def run_due(
    engine: Engine,
    poster: Poster,
    tz: ZoneInfo,
    now: datetime.datetime | Clock | None = None,
    *,
    lease: datetime.timedelta = LEASE,
    lease_clock: Clock | None = None,
) -> RunReport:
    """Post every reminder due at the clock's time (`now`: an instant, a clock, or None for the machine's)
    that no process has claimed, and retry those waiting for it.

    First every due (rule, time) gets its Delivery row, waiting; then each waiting delivery is claimed
    just before it is posted, channels taken in turn so that one busy channel's one-post-a-second pace
    does not hold up the others. Claiming one at a time keeps every lease short however long the run
    (10,000 reminders take minutes), and lets several processes share a large run."""
    clock = clock_at(now)
    lease_now = (lease_clock or clock).now  # leases and retry times: the database's time in production
    report = RunReport()
    _catch_up_after_clock_went_back(engine, clock.now())
    with Session(engine) as session:
        due = [(rule.id, rule.next_fire_at) for rule in store.due_rules(session, clock.now())]
    for rule_id, fired_at in due:
        _create_delivery(engine, rule_id or 0, fired_at, clock.now())
    with Session(engine) as session:
        waiting = _channels_in_turn(store.claimable_deliveries(session, lease_now()))
    for delivery_id in waiting:
        claim = _Claim(engine, lease_clock or clock, lease, store.renew_delivery, delivery_id)
        with Session(engine) as session:
            if not store.reclaim_delivery(session, delivery_id, lease_now(), claim.until):
                continue  # another process took it
            session.commit()
        try:
            report.add(_deliver(engine, poster, claim, clock.now(), tz))
        except Interrupted:
            report.released = _release(engine, [delivery_id], claim.until, lease_now())
            break
    return report


Renew = Callable[[Session, int, datetime.datetime, datetime.datetime], bool]  # (session, id, lease, new lease)


class _Claim:
    """One process's claim on one delivery or digest (`row_id`), held longer while the poster waits."""

    def __init__(self, engine: Engine, clock: Clock, lease: datetime.timedelta, renew: Renew, row_id: int):
        self.engine, self.clock, self.lease, self.renew, self.row_id = engine, clock, lease, renew, row_id
        self.until = clock.now() + lease

    def hold(self, seconds: float) -> None:
        now, wait = self.clock.now(), datetime.timedelta(seconds=seconds)
        if now + wait + HOLD_MARGIN <= self.until:
            return
        until = now + wait + self.lease
        with Session(self.engine) as session:
            if not self.renew(session, self.row_id, self.until, until):
                raise ClaimLost(f"#{self.row_id}: taken over by another process")
            session.commit()
        self.until = until


def _channels_in_turn(deliveries: Sequence[tuple[int, str]]) -> list[int]:
    """Delivery ids reordered round-robin over their channels: a1 b1 c1 a2 b2 …"""
    by_channel: dict[str, list[int]] = {}
    for delivery_id, channel in deliveries:
        by_channel.setdefault(channel, []).append(delivery_id)
    return [i for turn in itertools.zip_longest(*by_channel.values()) for i in turn if i is not None]


def _release(engine: Engine, delivery_ids: list[int], lease_until: datetime.datetime, now: datetime.datetime) -> int:
    with Session(engine) as session:
        released = store.release_deliveries(session, delivery_ids, lease_until, now)
        session.commit()
    log.info("reminders: gave back %d unposted reminder(s) for another process", released)
    return released


def _catch_up_after_clock_went_back(engine: Engine, now: datetime.datetime) -> None:
    """A recurring rule that fired while the clock was days ahead moved on from that time, and once the
    clock is back it would skip the days between: bring its next reminder back to the first after now. The
    reminder already posted early is not posted again when its time comes (its delivery exists)."""
    with Session(engine) as session:
        for rule in store.rules_fired_ahead_of(session, now):
            first = next_fire_after(rule, now, now)
            if rule.id and rule.next_fire_at and first and first < rule.next_fire_at:
                store.move_rule_earlier(session, rule.id, rule.next_fire_at, first)
                log.warning("reminders: the clock went back; rule #%s next fires at %s", rule.id, first)
        session.commit()


def _create_delivery(engine: Engine, rule_id: int, fired_at: datetime.datetime | None, now: datetime.datetime) -> None:
    """Insert the waiting delivery of (rule, fired_at) and move the rule on, in one transaction; if another
    process got there first, nothing. If the delivery was made earlier (the rule was brought back after the
    clock went back), the rule is only moved on."""
    if fired_at is None:
        return
    with Session(engine) as session:
        made = store.add_delivery(session, rule_id, fired_at, now)
        rule = store.get_rule(session, rule_id)
        if rule is None or not store.advance_rule(session, rule_id, fired_at, next_fire_after(rule, fired_at, now)):
            session.rollback()
            return
        session.commit()
        if not made:
            log.info("reminders: rule #%s at %s was posted before the clock went back", rule_id, fired_at)


def _deliver(engine: Engine, poster: Poster, claim: _Claim, now: datetime.datetime, tz: ZoneInfo) -> str:
    """Post one claimed delivery; its final state for this run. Raises `Interrupted`, the delivery
    untouched, when the poster is stopped before posting."""
    delivery_id = claim.row_id
    with Session(engine) as session:
        found = store.delivery_with_followup(session, delivery_id)
        if found is None:
            return "skipped"
        delivery, followup = found
        if followup.status != OPEN:
            return _finish(engine, delivery_id, FAILED, now, error=f"not posted: the follow-up is {followup.status}")
        attempts, scheduled_at = delivery.attempts, delivery.scheduled_at
    tag = Tag(f"reminder:{delivery_id}", maybe_posted=attempts > 1, hold=claim.hold)
    try:
        posted_channel, ts = poster.post_reminder(followup, now, tz, tag)
    except ClaimLost:
        return "skipped"
    except PermanentError as error:
        state = _finish(engine, delivery_id, FAILED, now, error=error.error)
        if error.channel_gone:
            _stop_and_tell_creator(engine, poster, followup, error.error)
        return state
    except TransientError as error:
        if now - scheduled_at >= RETRY_WINDOW:
            state = _finish(engine, delivery_id, FAILED, now, error=str(error))
            _tell(poster.tell_reminder_failed, followup, str(error))
            return state
        retry_at = claim.clock.now() + retry_delay(attempts)
        return _finish(engine, delivery_id, PENDING, now, error=str(error), retry_at=retry_at)
    return _finish(engine, delivery_id, SENT, now, channel=posted_channel, ts=ts)


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling, capped."""
    return min(RETRY_DELAY * 2 ** min(attempts - 1, 20), MAX_RETRY_DELAY)


def _finish(
    engine: Engine,
    delivery_id: int,
    state: str,
    now: datetime.datetime,
    *,
    error: str | None = None,
    retry_at: datetime.datetime | None = None,
    channel: str | None = None,
    ts: str | None = None,
) -> str:
    with Session(engine) as session:
        store.finish_delivery(session, delivery_id, state, now, error=error, retry_at=retry_at, channel=channel, ts=ts)
        session.commit()
    return state


def _stop_and_tell_creator(engine: Engine, poster: Poster, followup: FollowUp, error: str) -> None:
    """The channel is gone or closed to the bot: stop every reminder of the follow-up (so the creator
    hears of it once) and say so privately."""
    with Session(engine) as session:
        store.stop_rules(session, followup.id or 0, f"channel error: {error}")
        session.commit()
    _tell(poster.tell_reminders_stopped, followup, error)


def _tell(tell: Callable[[FollowUp, str], None], followup: FollowUp, error: str) -> None:
    try:
        tell(followup, error)
    except (PermanentError, TransientError, Interrupted) as dm_error:
        log.warning("could not tell the people of follow-up #%s that it failed: %s", followup.id, dm_error)


# --- weekly digest ----------------------------------------------------------------------------------


def run_digest(
    engine: Engine,
    poster: Poster,
    tz: ZoneInfo,
    schedule: Recurrence,
    now: datetime.datetime | Clock | None = None,
    *,
    lease: datetime.timedelta = LEASE,
    lease_clock: Clock | None = None,
) -> RunReport:
    """Post the digest of the latest scheduled time to each channel with open follow-ups, once per
    channel and time whichever process gets there first; one that failed for a transient reason is
    retried at later runs like a reminder, one left `sending` by a dead process is taken over after its
    lease. A digest missed by more than DIGEST_CATCH_UP (the bot was down, Slack kept failing) is
    skipped: a Monday digest on Thursday is noise."""
    clock = clock_at(now)
    lease_now = (lease_clock or clock).now  # leases and retry times: the database's time in production
    at = clock.now()
    report = RunReport()
    scheduled = schedule.last_at_or_before(at, tz).astimezone(datetime.UTC)
    if at - scheduled > DIGEST_CATCH_UP:
        return report
    with Session(engine) as session:
        channels = store.channels_with_open_followups(session)
    for channel in channels:
        claim = _Claim(engine, lease_clock or clock, lease, store.renew_digest, 0)
        with Session(engine) as session:
            post = store.claim_digest(session, channel, scheduled, lease_now(), claim.until)
            if post is None:
                continue
            session.commit()
            claim.row_id, attempts = post.id or 0, post.attempts
            followups = list(store.find_followups(session, status=OPEN, channel_id=channel))
        tag = Tag(f"digest:{claim.row_id}", maybe_posted=attempts > 1, hold=claim.hold)
        ts, state, error, retry_at = None, FAILED, None, None
        try:
            ts, state = poster.post_digest(channel, followups, at, tz, tag), SENT
        except ClaimLost:
            continue
        except PermanentError as failure:
            error = str(failure)
        except TransientError as failure:
            error, retry_at = str(failure), lease_now() + retry_delay(attempts)
            if at + retry_delay(attempts) - scheduled <= DIGEST_CATCH_UP:
                state = PENDING
        except Interrupted:
            # The bot is stopping: without its claim, another process (or the next start) posts this digest.
            with Session(engine) as session:
                store.release_digest(session, claim.row_id)
                session.commit()
            break
        with Session(engine) as session:
            store.finish_digest(session, claim.row_id, state, ts, error, retry_at if state == PENDING else None)
            session.commit()
        report.add(state)
    return report
