"""A clock for tests that moves only when told: by the test, or by the code's own waits (`advance`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass
class MovedClock:
    at: datetime.datetime

    def now(self) -> datetime.datetime:
        return self.at.astimezone(datetime.UTC)

    def advance(self, seconds: float) -> None:
        self.at += datetime.timedelta(seconds=seconds)
