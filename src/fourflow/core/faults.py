"""Named points where a crash test can stop a real process and kill it there.

A test starts a worker with ``FOURFLOW_PAUSE_AT=<point>`` (and ``FOURFLOW_PAUSE_MARKER=<file>``);
when the worker reaches that point it writes its process id to the marker file and waits
until it is killed, so the test can SIGKILL it at exactly that moment and check what a
restarted worker makes of the state left behind. Unset (always, outside such tests), a point
costs one environment lookup.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

PAUSE_AT = "FOURFLOW_PAUSE_AT"
PAUSE_MARKER = "FOURFLOW_PAUSE_MARKER"


def pause_point(name: str) -> None:
    if os.environ.get(PAUSE_AT) != name:
        return
    marker = os.environ.get(PAUSE_MARKER)
    if marker:
        Path(marker).write_text(str(os.getpid()))
    threading.Event().wait()  # until the test kills this process
