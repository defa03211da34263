"""Posting due reminders exactly once, from any number of bot processes on one database.

`run_due(now)` is the one delivery path: the in-process scheduler calls it when a rule falls due and
at start-up, and `python -m bot reminders run-due` calls it from cron. Each due (rule, time) gets one
Delivery row (the unique key lets exactly one process insert it); a delivery is claimed, by a
conditional update, just before it is posted. A process that dies while posting leaves the row
`sending`; once its lease runs out another process takes it over. A process that stops (its poster
raises `Interrupted`) gives back at once the delivery it was posting.
"""

from __future__ import annotations

import datetime
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from bot.core.when import Recurrence
from bot.followups import messages
from bot.followups.poster import PERMANENT_CHANNEL_ERRORS, Interrupted, PermanentError, Poster, TransientError
from bot.followups.service import list_followups, next_fire_after, stop_rules
from storage import followups as store
from storage.followups import FAILED, OPEN, PENDING, SENDING, SENT, Delivery, DigestPost, FollowUp, ReminderRule
from storage.models import utcnow

log = logging.getLogger(__name__)

LEASE = datetime.timedelta(minutes=5)  # longer than a post with all its retries can take
MAX_ATTEMPTS = 5  # of a delivery, each with the poster's own quick retries
RETRY_DELAY = datetime.timedelta(minutes=1)  # doubled after each failed attempt
DIGEST_CATCH_UP = datetime.timedelta(hours=12)  # a digest missed longer ago than this is skipped


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


def run_due(engine: Engine, poster: Poster, tz: ZoneInfo, now: datetime.datetime | None = None, *, lease: datetime.timedelta = LEASE) -> RunReport:
    """Post every reminder due at `now` that no process has claimed, and retry those waiting for it.

    First every due (rule, time) gets its Delivery row, waiting; then each waiting delivery is claimed
    just before it is posted, channels taken in turn so that one busy channel's one-post-a-second pace
    does not hold up the others. Claiming one at a time keeps every lease short however long the run
    (10,000 reminders take minutes), and lets several processes share a large run."""
    clock = (lambda: now) if now is not None else utcnow
    report = RunReport()
    with Session(engine) as session:
        due = [(rule.id, rule.next_fire_at) for rule in store.due_rules(session, clock())]
    for rule_id, fired_at in due:
        _create_delivery(engine, rule_id or 0, fired_at, clock())
    with Session(engine) as session:
        waiting = _channels_in_turn(store.claimable_deliveries(session, clock()))
    for delivery_id in waiting:
        lease_until = clock() + lease
        with Session(engine) as session:
            if not store.reclaim_delivery(session, delivery_id, clock(), lease_until):
                continue  # another process took it
            session.commit()
        try:
            report.add(_deliver(engine, poster, delivery_id, clock(), tz))
        except Interrupted:
            report.released = _release(engine, [delivery_id], lease_until, clock())
            break
    return report


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


def _create_delivery(engine: Engine, rule_id: int, fired_at: datetime.datetime | None, now: datetime.datetime) -> None:
    """Insert the waiting delivery of (rule, fired_at) and move the rule on, in one transaction; nothing
    if another process got there first. The INSERT comes first so that SQLite takes its write lock
    before any read."""
    if fired_at is None:
        return
    with Session(engine) as session:
        session.add(Delivery(rule_id=rule_id, scheduled_at=fired_at, state=PENDING, attempts=0, claimed_until=None,
                             created_at=now, updated_at=now))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return
        rule = session.get(ReminderRule, rule_id)
        if rule is None or not store.advance_rule(session, rule_id, fired_at, next_fire_after(rule, fired_at, now)):
            session.rollback()
            return
        session.commit()


def _deliver(engine: Engine, poster: Poster, delivery_id: int, now: datetime.datetime, tz: ZoneInfo) -> str:
    """Post one claimed delivery; its final state for this run. Raises `Interrupted`, the delivery
    untouched, when the poster is stopped before posting."""
    with Session(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        rule = session.get(ReminderRule, delivery.rule_id) if delivery else None
        followup = session.get(FollowUp, rule.followup_id) if rule else None
        if delivery is None or followup is None:
            return "skipped"
        if followup.status != OPEN:
            return _finish(engine, delivery_id, FAILED, now, error=f"not posted: the follow-up is {followup.status}")
        text, blocks = messages.reminder_message(followup, now, tz)
        channel, attempts = followup.channel_id, delivery.attempts
        followup_id, creator, title = followup.id or 0, followup.created_by, followup.title
    try:
        posted_channel, ts = poster.post(channel, text, blocks)
    except PermanentError as error:
        state = _finish(engine, delivery_id, FAILED, now, error=error.error)
        if error.error in PERMANENT_CHANNEL_ERRORS:
            _stop_and_tell_creator(engine, poster, followup_id, creator, title, channel, error.error)
        return state
    except TransientError as error:
        if attempts >= MAX_ATTEMPTS:
            return _finish(engine, delivery_id, FAILED, now, error=str(error))
        return _finish(engine, delivery_id, PENDING, now, error=str(error), retry_at=now + RETRY_DELAY * 2 ** (attempts - 1))
    return _finish(engine, delivery_id, SENT, now, channel=posted_channel, ts=ts)


def _finish(engine: Engine, delivery_id: int, state: str, now: datetime.datetime, *, error: str | None = None,
            retry_at: datetime.datetime | None = None, channel: str | None = None, ts: str | None = None) -> str:
    with Session(engine) as session:
        session.execute(
            update(Delivery)
            .where(col(Delivery.id) == delivery_id)
            .values(state=state, last_error=error, claimed_until=retry_at, channel_id=channel, ts=ts, updated_at=now)
        )
        session.commit()
    return state


def _stop_and_tell_creator(engine: Engine, poster: Poster, followup_id: int, creator: str, title: str, channel: str, error: str) -> None:
    """The channel is gone or closed to the bot: stop every reminder of the follow-up (so the creator
    hears of it once) and say so by DM."""
    with Session(engine) as session:
        stop_rules(session, followup_id, f"channel error: {error}")
        session.commit()
    text = (
        f"I could not post the reminder of follow-up #{followup_id} “{title}” in <#{channel}> ({error}), "
        f"so its reminders are stopped. Invite me to the channel, or add the follow-up again elsewhere.\n"
        f"フォローアップ #{followup_id}「{title}」のリマインドを <#{channel}> に投稿できなかったため({error})、"
        f"リマインドを停止しました。チャンネルに招待するか、別のチャンネルで登録し直してください。"
    )
    try:
        poster.direct_message(creator, text)
    except (PermanentError, TransientError, Interrupted) as dm_error:
        log.warning("could not tell %s that follow-up #%s failed: %s", creator, followup_id, dm_error)


# --- weekly digest ----------------------------------------------------------------------------------


def run_digest(engine: Engine, poster: Poster, tz: ZoneInfo, schedule: Recurrence, now: datetime.datetime | None = None) -> RunReport:
    """Post the digest of the latest scheduled time to each channel with open follow-ups, once per
    channel and time whichever process gets there first. A digest missed by more than
    DIGEST_CATCH_UP (the bot was down) is skipped: a Monday digest on Thursday is noise."""
    now = now or utcnow()
    report = RunReport()
    scheduled = schedule.last_at_or_before(now, tz).astimezone(datetime.UTC)
    if now - scheduled > DIGEST_CATCH_UP:
        return report
    with Session(engine) as session:
        channels = store.channels_with_open_followups(session)
    for channel in channels:
        with Session(engine) as session:
            post = DigestPost(channel_id=channel, scheduled_at=scheduled)
            session.add(post)
            try:
                session.commit()
            except IntegrityError:
                continue
            post_id = post.id
            rows = [row.followup for row in list_followups(session, "open", None, now, channel_id=channel)]
        text, blocks = messages.digest_message(rows, now, tz)
        try:
            _, ts = poster.post(channel, text, blocks)
            state, error = SENT, None
        except (PermanentError, TransientError) as failure:
            state, ts, error = FAILED, None, str(failure)
        except Interrupted:
            # The bot is stopping: without its claim, another process (or the next start) posts this digest.
            with Session(engine) as session:
                session.execute(delete(DigestPost).where(col(DigestPost.id) == post_id))
                session.commit()
            break
        with Session(engine) as session:
            session.execute(update(DigestPost).where(col(DigestPost.id) == post_id).values(state=state, ts=ts, last_error=error))
            session.commit()
        report.add(state)
    return report
