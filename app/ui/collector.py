"""Python's cyclic garbage collection, done in the UI thread only.

The collector runs in whichever thread happens to allocate when a threshold is crossed. When
that is a background operation's thread (importing openpyxl for an export, laying out a PDF)
and the garbage holds Qt objects of the UI — a closed file dialog's parts, a finished
operation's progress dialog — Qt objects are destroyed from the wrong thread: "Timers cannot
be started from another thread" in the log, then a segmentation fault (seen twice by testers
right after a file dialog closed). So automatic collection is switched off and this object
collects on a timer in the UI thread, generation by generation as Python itself would.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 500


class MainThreadCollector(QObject):
    """Switches automatic collection off and collects in the UI thread every half second."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)

    @Slot()
    def collect(self) -> int:
        """Collect the generations whose counts passed their thresholds; objects freed."""
        count0, count1, count2 = gc.get_count()
        freed = 0
        if count0 > self.thresholds[0]:
            freed = gc.collect(0)
            if count1 > self.thresholds[1]:
                freed += gc.collect(1)
                if count2 > self.thresholds[2]:
                    freed += gc.collect(2)
        return freed

    def stop(self) -> None:
        """Stop, and hand collection back to Python if it had it before."""
        self.timer.stop()
        if self._was_enabled:
            gc.enable()
