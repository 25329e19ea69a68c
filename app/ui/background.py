"""Long work off the UI thread, with a progress dialog and results back as signals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget


class Cancelled(Exception):
    """Raised inside a task when the user pressed 取消."""


class _Worker(QObject):
    progressed = Signal(int)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, task: Callable[[Callable[[int], None]], Any]) -> None:
        super().__init__()
        self._task = task
        self.cancelled = False

    def report(self, done: int) -> None:
        if self.cancelled:
            raise Cancelled
        self.progressed.emit(done)

    @Slot()
    def run(self) -> None:
        try:
            result = self._task(self.report)
        except BaseException as exc:  # handed to the UI thread, which decides what to show
            self.failed.emit(exc)
            return
        self.succeeded.emit(result)


class BackgroundTask(QObject):
    """Runs ``task(report)`` in a thread; ``report(n)`` moves the progress bar (of ``total``;
    0 shows a busy bar; ``quiet``: no dialog at all, for work the clerk did not start, such
    as the daily automatic backup). Use it through :class:`app.ui.operations.Operation`.

    Signals:
        succeeded(object): the task's result, in the UI thread.
        failed(object): the exception it raised (Cancelled when the user cancelled).
        finished(): after either.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(
        self,
        parent: QWidget,
        title: str,
        label: str,
        total: int,
        task: Callable[[Callable[[int], None]], Any],
        quiet: bool = False,
    ) -> None:
        super().__init__(parent)
        self.dialog = QProgressDialog(label, self.tr("取消"), 0, max(total, 0), parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setMinimumDuration(400)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.quiet = quiet
        self.worker_thread = QThread(self)
        self.worker = _Worker(task)
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.run)
        if quiet:
            self.dialog.reset()  # stops the timer that would show it after minimumDuration
        else:
            self.worker.progressed.connect(self.dialog.setValue)
        self.worker.succeeded.connect(self._succeeded)
        self.worker.failed.connect(self._failed)
        self.dialog.canceled.connect(self.cancel)

    def start(self) -> None:
        """Begin the work."""
        self.worker_thread.start()

    @Slot()
    def cancel(self) -> None:
        """Ask the task to stop at its next progress report."""
        self.worker.cancelled = True

    def _stop(self) -> None:
        self.worker_thread.quit()
        self.worker_thread.wait()
        self.dialog.close()

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._stop()
        self.succeeded.emit(result)
        self.finished.emit()

    @Slot(object)
    def _failed(self, error: object) -> None:
        self._stop()
        self.failed.emit(error)
        self.finished.emit()
