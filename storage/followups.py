"""Queries over follow-ups, their reminder rules, each reminder's delivery and the weekly digests.

A delivery is unique on (rule, scheduled time) and a digest on (channel, scheduled time): inserting the
row is how one bot process claims a reminder, so two processes on one database never post it twice.
The tables are in storage.models.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    FAILED,
    ONCE,
    OPEN,
    PENDING,
    SENDING,
    Delivery,
    DigestPost,
    FollowUp,
    FollowupOwnerName,
    FollowupReview,
    Meeting,
    MemberLink,
    Remark,
    ReminderRule,
    Speaker,
)
from storage.queries import inserted


def add_followup(session: Session, followup: FollowUp) -> FollowUp:
    session.add(followup)
    session.flush()
    return followup


def add_rule(session: Session, rule: ReminderRule) -> ReminderRule:
    session.add(rule)
    session.flush()
    return rule


def get_followup(session: Session, followup_id: int) -> FollowUp | None:
    return session.get(FollowUp, followup_id)


def find_followups(session: Session, *, status: str | None = OPEN, channel_id: str | None = None) -> Sequence[FollowUp]:
    query = select(FollowUp).order_by(col(FollowUp.id))
    if status is not None:
        query = query.where(FollowUp.status == status)
    if channel_id is not None:
        query = query.where(FollowUp.channel_id == channel_id)
    return session.exec(query).all()


def open_followup_of_remark(session: Session, remark_id: int) -> FollowUp | None:
    query = select(FollowUp).where(FollowUp.remark_id == remark_id, FollowUp.status == OPEN).order_by(col(FollowUp.id))
    return session.exec(query).first()


def get_rule(session: Session, rule_id: int) -> ReminderRule | None:
    return session.get(ReminderRule, rule_id)


def remark_with_source(session: Session, remark_id: int) -> tuple[Remark, Meeting | None, Speaker | None] | None:
    """A remark with its meeting and speaker, for a follow-up made from it."""
    remark = session.get(Remark, remark_id)
    if remark is None:
        return None
    return remark, session.get(Meeting, remark.meeting_id), session.get(Speaker, remark.speaker_id)


def stop_rules(session: Session, followup_id: int, reason: str) -> None:
    session.execute(
        update(ReminderRule)
        .where(col(ReminderRule.followup_id) == followup_id, col(ReminderRule.active).is_(True))
        .values(active=False, stopped_reason=reason)
    )


def rules_of(session: Session, followup_id: int) -> Sequence[ReminderRule]:
    return session.exec(
        select(ReminderRule).where(ReminderRule.followup_id == followup_id).order_by(col(ReminderRule.id))
    ).all()


def next_fire_time(session: Session) -> datetime.datetime | None:
    """When the next reminder of any active rule falls due (one indexed lookup, however many rules)."""
    query = select(func.min(ReminderRule.next_fire_at)).where(col(ReminderRule.active).is_(True))
    return session.exec(query).one()


def due_rules(session: Session, now: datetime.datetime) -> Sequence[ReminderRule]:
    query = select(ReminderRule).where(col(ReminderRule.active).is_(True), col(ReminderRule.next_fire_at) <= now)
    return session.exec(query.order_by(col(ReminderRule.next_fire_at))).all()


def rules_fired_ahead_of(session: Session, now: datetime.datetime) -> Sequence[ReminderRule]:
    """Active recurring rules with a reminder scheduled after `now` already delivered: those that fired
    while the clock was ahead of where it is now (a delivery is made only once its time has come)."""
    fired = select(Delivery.rule_id).where(col(Delivery.scheduled_at) > now)
    query = select(ReminderRule).where(
        col(ReminderRule.active).is_(True), ReminderRule.kind != ONCE, col(ReminderRule.id).in_(fired)
    )
    return session.exec(query.order_by(col(ReminderRule.id))).all()


def move_rule_earlier(session: Session, rule_id: int, later: datetime.datetime, earlier: datetime.datetime) -> None:
    """Bring a rule's next reminder forward from `later` to `earlier`, unless another process moved it."""
    session.execute(
        update(ReminderRule)
        .where(col(ReminderRule.id) == rule_id, col(ReminderRule.next_fire_at) == later)
        .values(next_fire_at=earlier)
    )


def claimable_deliveries(session: Session, now: datetime.datetime) -> list[tuple[int, str]]:
    """(delivery id, channel) of deliveries waiting to be posted, for a retry, or left `sending` by a
    process whose lease ran out; oldest first."""
    query = (
        select(Delivery.id, FollowUp.channel_id)
        .join(ReminderRule, col(ReminderRule.id) == Delivery.rule_id)
        .join(FollowUp, col(FollowUp.id) == ReminderRule.followup_id)
        .where(col(Delivery.state).in_((PENDING, SENDING)), _lease_over(Delivery.claimed_until, now))
        .order_by(col(Delivery.id))
    )
    return [(delivery_id, channel) for delivery_id, channel in session.exec(query)]


def _lease_over(claimed_until, now: datetime.datetime):
    """Nobody holds the delivery or digest: it never was claimed, or its lease (or retry wait) is over."""
    return or_(col(claimed_until).is_(None), col(claimed_until) < now)


def reclaim_delivery(
    session: Session, delivery_id: int, now: datetime.datetime, lease_until: datetime.datetime
) -> bool:
    """Claim a waiting delivery, or take over one whose lease or retry time has passed; False when
    another process got it first."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id,
            col(Delivery.state).in_((PENDING, SENDING)),
            _lease_over(Delivery.claimed_until, now),
        )
        .values(state=SENDING, claimed_until=lease_until, attempts=Delivery.attempts + 1, updated_at=now)
    )
    return result.rowcount == 1


def renew_delivery(
    session: Session, delivery_id: int, lease_until: datetime.datetime, new_until: datetime.datetime
) -> bool:
    """Hold a claimed delivery until `new_until`; False when its lease (`lease_until`) was lost to another process."""
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id) == delivery_id, col(Delivery.state) == SENDING, col(Delivery.claimed_until) == lease_until
        )
        .values(claimed_until=new_until)
    )
    return result.rowcount == 1


def release_deliveries(
    session: Session, delivery_ids: Sequence[int], lease_until: datetime.datetime, now: datetime.datetime
) -> int:
    """Give back deliveries a stopping process claimed (its lease ends at `lease_until`) and did not post:
    they wait as `pending`, claimable by any process from `now` on, and the attempt that never happened
    is not counted. A delivery whose lease ran out and that another process took over is left alone."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.id).in_(delivery_ids),
            col(Delivery.state) == SENDING,
            col(Delivery.claimed_until) == lease_until,
        )
        .values(
            state=PENDING,
            claimed_until=now,
            attempts=Delivery.attempts - 1,
            last_error="not posted yet: the bot process posting it stopped",
            updated_at=now,
        )
    )
    return result.rowcount


def advance_rule(
    session: Session, rule_id: int, fired_at: datetime.datetime, next_fire_at: datetime.datetime | None
) -> bool:
    """Move a rule past the reminder just claimed, if no one else moved it (False then)."""
    result = session.execute(
        update(ReminderRule)
        .where(col(ReminderRule.id) == rule_id, col(ReminderRule.next_fire_at) == fired_at)
        .values(next_fire_at=next_fire_at, active=next_fire_at is not None)
    )
    return result.rowcount == 1


def problem_deliveries(session: Session, followup_ids: list[int]) -> dict[int, Delivery]:
    """The latest failed or retrying delivery of each of these follow-ups, to show in lists."""
    if not followup_ids:
        return {}
    query = (
        select(Delivery, ReminderRule.followup_id)
        .join(ReminderRule, col(ReminderRule.id) == Delivery.rule_id)
        .where(
            col(ReminderRule.followup_id).in_(followup_ids), or_(Delivery.state == FAILED, Delivery.state == PENDING)
        )
        .order_by(col(Delivery.id))
    )
    return {followup_id: delivery for delivery, followup_id in session.exec(query).all()}


def deliveries_of(session: Session, followup_id: int) -> Sequence[Delivery]:
    query = (
        select(Delivery)
        .join(ReminderRule, col(ReminderRule.id) == Delivery.rule_id)
        .where(ReminderRule.followup_id == followup_id)
        .order_by(col(Delivery.id))
    )
    return session.exec(query).all()


def channels_with_open_followups(session: Session) -> list[str]:
    query = select(FollowUp.channel_id).where(FollowUp.status == OPEN).distinct().order_by(col(FollowUp.channel_id))
    return list(session.exec(query).all())


def add_delivery(session: Session, rule_id: int, scheduled_at: datetime.datetime, now: datetime.datetime) -> bool:
    """Insert the waiting delivery of (rule, scheduled time); False, the session rolled back, when another
    process inserted it first. Called before any read so that SQLite takes its write lock first."""
    session.add(
        Delivery(
            rule_id=rule_id,
            scheduled_at=scheduled_at,
            state=PENDING,
            attempts=0,
            claimed_until=None,
            created_at=now,
            updated_at=now,
        )
    )
    return inserted(session)


def delivery_with_followup(session: Session, delivery_id: int) -> tuple[Delivery, FollowUp] | None:
    delivery = session.get(Delivery, delivery_id)
    rule = session.get(ReminderRule, delivery.rule_id) if delivery else None
    followup = session.get(FollowUp, rule.followup_id) if rule else None
    if delivery is None or followup is None:
        return None
    return delivery, followup


def finish_delivery(
    session: Session,
    delivery_id: int,
    state: str,
    now: datetime.datetime,
    *,
    error: str | None,
    retry_at: datetime.datetime | None,
    channel: str | None,
    ts: str | None,
) -> None:
    session.execute(
        update(Delivery)
        .where(col(Delivery.id) == delivery_id)
        .values(state=state, last_error=error, claimed_until=retry_at, channel_id=channel, ts=ts, updated_at=now)
    )


def claim_digest(
    session: Session,
    channel_id: str,
    scheduled_at: datetime.datetime,
    now: datetime.datetime,
    lease_until: datetime.datetime,
) -> DigestPost | None:
    """This channel's digest of `scheduled_at`, claimed until `lease_until`: new, waiting for its retry time,
    or left `sending` by a process whose lease ran out. None when another process holds it or it is done."""
    post = DigestPost(channel_id=channel_id, scheduled_at=scheduled_at, claimed_until=lease_until)
    session.add(post)
    if inserted(session):
        return post
    mine = (
        col(DigestPost.channel_id) == channel_id,
        col(DigestPost.scheduled_at) == scheduled_at,
        col(DigestPost.state).in_((PENDING, SENDING)),
    )
    result = session.execute(
        update(DigestPost)
        .where(*mine, _lease_over(DigestPost.claimed_until, now))
        .values(state=SENDING, claimed_until=lease_until, attempts=DigestPost.attempts + 1)
    )
    if result.rowcount != 1:
        return None
    return session.exec(select(DigestPost).where(*mine)).one()


def renew_digest(session: Session, post_id: int, lease_until: datetime.datetime, new_until: datetime.datetime) -> bool:
    """Hold a claimed digest until `new_until`; False when its lease (`lease_until`) was lost to another process."""
    result = session.execute(
        update(DigestPost)
        .where(
            col(DigestPost.id) == post_id,
            col(DigestPost.state) == SENDING,
            col(DigestPost.claimed_until) == lease_until,
        )
        .values(claimed_until=new_until)
    )
    return result.rowcount == 1


def release_digest(session: Session, post_id: int) -> None:
    """Give a claimed, unposted digest back: another process (or the next start) posts it."""
    session.execute(delete(DigestPost).where(col(DigestPost.id) == post_id))


def finish_digest(
    session: Session,
    post_id: int,
    state: str,
    ts: str | None,
    error: str | None,
    retry_at: datetime.datetime | None = None,
) -> None:
    statement = update(DigestPost).where(col(DigestPost.id) == post_id)
    session.execute(statement.values(state=state, ts=ts, last_error=error, claimed_until=retry_at))


def claim_review(session: Session, meeting_id: int, requested_by: str, now: datetime.datetime) -> bool:
    """Claim sending a meeting's review; False, the session rolled back, when it was sent already."""
    session.add(FollowupReview(meeting_id=meeting_id, requested_by=requested_by, sent_at=now))
    return inserted(session)


def release_review(session: Session, meeting_id: int) -> None:
    """Give back the claim on sending a meeting's review, which reached nobody: the next import sends it."""
    session.execute(delete(FollowupReview).where(col(FollowupReview.meeting_id) == meeting_id))


def add_links(session: Session, name: str, user_ids: Sequence[str]) -> None:
    known = set(linked_members(session, name))
    for user_id in user_ids:
        if user_id not in known:
            session.add(MemberLink(name=name, user_id=user_id))
            known.add(user_id)
    session.flush()


def remove_links(session: Session, name: str, user_ids: Sequence[str] | None = None) -> None:
    """Unlink these members from the name, or every member when none are given."""
    query = delete(MemberLink).where(col(MemberLink.name) == name)
    if user_ids:
        query = query.where(col(MemberLink.user_id).in_(list(user_ids)))
    session.execute(query)


def linked_members(session: Session, name: str) -> list[str]:
    query = select(MemberLink.user_id).where(MemberLink.name == name).order_by(col(MemberLink.id))
    return list(session.exec(query).all())


def all_links(session: Session) -> dict[str, list[str]]:
    """{name: member ids} of every link, names in code point order (whatever the database's collation),
    members in the order they were linked."""
    links: dict[str, list[str]] = {}
    for link in session.exec(select(MemberLink).order_by(col(MemberLink.id))):
        links.setdefault(link.name, []).append(link.user_id)
    return dict(sorted(links.items()))


def names_linked_to(session: Session, user_id: str) -> list[str]:
    return sorted(session.exec(select(MemberLink.name).where(MemberLink.user_id == user_id)).all())


def set_owner_name(session: Session, followup_id: int, name: str) -> None:
    session.add(FollowupOwnerName(followup_id=followup_id, name=name))
    session.flush()


def followup_ids_owed_by(session: Session, names: Sequence[str]) -> set[int]:
    if not names:
        return set()
    query = select(FollowupOwnerName.followup_id).where(col(FollowupOwnerName.name).in_(list(names)))
    return set(session.exec(query).all())
