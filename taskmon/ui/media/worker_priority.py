"""Background decoding yields the CPU to the window: worker threads run at a lower priority.

On a two-core machine two decoders and a video probe would otherwise take the
cores from the GUI thread (stalls of hundreds of ms while thumbnails are made).
On Linux `setpriority(PRIO_PROCESS, tid)` sets one thread's nice value, and
threads it starts later (FFmpeg's, for the media probe) inherit it. Elsewhere
this does nothing: Qt's own priorities are left as they are.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Final

WORKER_NICE: Final = 10  # CPU share against the GUI thread's nice 0: about 1 to 10
_done = threading.local()


def lower_this_thread() -> None:
    """Lower the calling thread's priority once (Linux); later calls cost nothing."""
    if getattr(_done, "lowered", False):
        return
    _done.lowered = True
    if not sys.platform.startswith("linux"):
        return
    try:
        current = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        os.setpriority(
            os.PRIO_PROCESS, threading.get_native_id(), max(current, min(19, WORKER_NICE))
        )
    except OSError:  # a sandbox may forbid it: decoding still works, only less politely
        return
