"""Moves this Python process's clock by TEST_CLOCK_SHIFT_HOURS, ticking on from there.

`make test` runs the suite a second time with this folder on PYTHONPATH, so that the test process and every
bot process it starts see one clock shifted by hours: a test that passes only at some hours fails there.
Python imports `sitecustomize` at start-up from the path; nothing of the bot knows of it.
"""

import datetime
import os

_hours = os.environ.get("TEST_CLOCK_SHIFT_HOURS")
if _hours:
    import time_machine

    _shifted = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=float(_hours))
    time_machine.travel(_shifted, tick=True).start()
    # time-machine starts ticking at the first reading of the clock, not at start(): read it now, so that
    # every process's clock is the real one plus the same shift.
    datetime.datetime.now(datetime.UTC)
