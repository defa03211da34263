"""The in-process scheduler: APScheduler 3 wakes the bot when a reminder falls due; the database decides.

One wake-up job (id `reminder`) is set after every run and after every change of the rules (the scheduler
listens to the follow-up service): a date job at the earliest next fire time of any rule, which runs the
service's `run_due`; that run posts every reminder due and sets the next wake-up. One job, not one per
rule, keeps the scheduling work proportional to what is due (5,400 rules re-added at every run cost
minutes of CPU). The service's due clock decides what is due; wake-ups are set by the bot's clock (the
service translates), and only APScheduler's own timing follows the machine's.
APScheduler's default misfire_grace_time of 1 s would silently drop a job that runs late (a busy
thread pool, a suspended machine): None runs it however late, and coalesce folds repeated misses into one.
A sweep job, at start-up and then every SWEEP_SECONDS, catches up on what fell due while the bot was
down, picks up rules created by another bot process on the same database, and retries; the claims in
`run_due` keep every reminder to one post whichever process wakes first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from bot.core.when import Recurrence
from bot.followups.delivery import Poster

if TYPE_CHECKING:
    from bot.services.followups import FollowupService

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30
JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1, "replace_existing": True}


class ReminderScheduler:
    def __init__(
        self,
        service: FollowupService,
        poster: Poster,
        digest: Recurrence | None = None,
        sweep_seconds: int = SWEEP_SECONDS,
    ):
        self.service, self.poster, self.digest = service, poster, digest
        self.tz, self.clock = service.tz, service.clock
        self.sweep_seconds = sweep_seconds
        # The scheduler's zone is the bot's, never the machine's.
        self.scheduler = BackgroundScheduler(timezone=self.tz)
        self._run_lock = threading.Lock()
        # One sync at a time: each reads the rules and then adds and removes jobs, and two interleaved
        # could remove the job of a rule the other has just added.
        self._sync_lock = threading.Lock()
        self._stopping = False
        service.on_rules_changed(self.sync)

    @property
    def running(self) -> bool:
        return self.scheduler.running and not self._stopping

    def start(self) -> None:
        """Start the sweep now, in the scheduler's thread, and every sweep_seconds after: the first posts
        what fell due while the bot was down, then schedules what is to come. Returns at once, so that a
        slow catch-up (Slack asking to wait) never holds up the bot's start."""
        self.scheduler.start()
        self.scheduler.add_job(
            self.run,
            IntervalTrigger(seconds=self.sweep_seconds, timezone=self.tz),
            id="sweep",
            next_run_time=self.clock.now(),
            **JOB_OPTIONS,
        )

    def shutdown(self) -> None:
        """Stop posting (a post waiting on Slack gives its delivery back), then wait for the running job."""
        self.poster.stop()
        with self._sync_lock:
            # APScheduler's shutdown holds its locks while waiting for the running job, and a sync
            # inside that job would wait for them in turn.
            self._stopping = True
        self.scheduler.shutdown(wait=True)

    def run(self) -> None:
        """The job of every rule and of the sweep: deliver what is due, then reschedule from the database."""
        with self._run_lock:
            self._guarded(lambda: self.service.run_due(self.poster))
            if self.digest is not None:
                digest = self.digest
                self._guarded(lambda: self.service.run_digest(self.poster, digest))
        self._guarded(self.sync)

    def sync(self) -> None:
        """The wake-up job at the next fire time of any rule, none when nothing is to come.
        Runs after every change of the rules, so that a new reminder fires on the minute."""
        with self._sync_lock:
            if self._stopping:
                return
            next_fire = self.service.next_fire_time()
            if next_fire is not None:
                trigger = DateTrigger(run_date=next_fire, timezone=self.tz)
                self.scheduler.add_job(self.run, trigger, id="reminder", **JOB_OPTIONS)
            elif self.scheduler.get_job("reminder") is not None:
                self.scheduler.remove_job("reminder")
            if self.digest is not None:
                trigger = DateTrigger(run_date=self.service.next_digest_time(self.digest), timezone=self.tz)
                self.scheduler.add_job(self.run, trigger, id="digest", **JOB_OPTIONS)

    def _guarded(self, work: Callable[[], object]) -> None:
        # A failing run must not kill the scheduler's thread: the next run retries from the database.
        try:
            work()
        except SQLAlchemyError as error:
            log.error("reminders: the database cannot be used: %s", error)
