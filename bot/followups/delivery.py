"""Posting due reminders exactly once, from any number of bot processes on one database.

`run_due(now)` is the one delivery path: the in-process scheduler calls it when a rule falls due and
at start-up, and `python -m bot reminders run-due` calls it from cron. Each due (rule, time) is claimed
by inserting its Delivery row: the unique key lets exactly one process win. A process that dies while
posting leaves the row `sending`; once its lease runs out another process takes it over. A process that
stops (its poster raises `Interrupted`) gives back at once what it claimed and did not post.
"""

from __future__ import annotations

import datetime
import logging
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
    """Post every reminder due at `now` that no process has claimed, and retry those waiting for it."""
    now = now or utcnow()
    # Every claim of this run holds the same lease: that is how the run knows its own claims to give back.
    lease_until = now + lease
    report = RunReport()
    with Session(engine) as session:
        due = [(rule.id, rule.next_fire_at) for rule in store.due_rules(session, now)]
    claimed = [d for rule_id, fired_at in due if (d := _claim(engine, rule_id or 0, fired_at, now, lease_until)) is not None]
    with Session(engine) as session:
        retryable = [delivery.id or 0 for delivery in store.retryable_deliveries(session, now)]
    for delivery_id in retryable:
        with Session(engine) as session:
            if store.reclaim_delivery(session, delivery_id, now, lease_until):
                session.commit()
                claimed.append(delivery_id)
    for index, delivery_id in enumerate(claimed):
        try:
            report.add(_deliver(engine, poster, delivery_id, now, tz))
        except Interrupted:
            report.released = _release(engine, claimed[index:], lease_until)
            break
    return report


def _release(engine: Engine, delivery_ids: list[int], lease_until: datetime.datetime) -> int:
    with Session(engine) as session:
        released = store.release_deliveries(session, delivery_ids, lease_until, utcnow())
        session.commit()
    log.info("reminders: gave back %d unposted reminder(s) for another process", released)
    return released


def _claim(engine: Engine, rule_id: int, fired_at: datetime.datetime | None, now: datetime.datetime,
           lease_until: datetime.datetime) -> int | None:
    """Insert the delivery of (rule, fired_at) and move the rule on, in one transaction; None if another
    process got there first. The INSERT comes first so that SQLite takes its write lock before any read."""
    if fired_at is None:
        return None
    with Session(engine) as session:
        delivery = Delivery(rule_id=rule_id, scheduled_at=fired_at, state=SENDING, claimed_until=lease_until, created_at=now, updated_at=now)
        session.add(delivery)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        rule = session.get(ReminderRule, rule_id)
        if rule is None or not store.advance_rule(session, rule_id, fired_at, next_fire_after(rule, fired_at, now)):
            session.rollback()
            return None
        session.commit()
        return delivery.id


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
