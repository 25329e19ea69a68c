"""Other PCs' changes and the server connection, seen from the window.

:class:`DatabaseWatcher` reads the database's change marker (``services.live.change_marker``)
every few seconds in the background, through the operations path; a marker that moved, and not
by this window's own last change, is reported as ``changed_elsewhere``. A poll that fails
means the connection is gone (``connection_changed(False)``); the next one that succeeds, that
it is back. :func:`keeping_view_state` refreshes a page without losing the tables' selection
and scroll position.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelectionModel, QObject, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QWidget

from app.ui.operations import Operation
from app.ui.table_model import ROW_ROLE

if TYPE_CHECKING:
    from app.services.database import Database
    from app.ui.background import BackgroundTask

log = logging.getLogger("bangjiao.ui")

POLL_MS = 3000  # how often the marker is read: a few seconds, one index look-up each time
STOP_WAIT_MS = 10_000  # closing waits this long at most for a poll under way (connect_timeout 5 s)


class DatabaseWatcher(QObject):
    """Polls the change marker of the window's database (see the module docstring).

    ``interval_ms`` may be changed before :meth:`start` (tests shorten it). Polls never
    overlap: the next is timed from the end of the previous one, so a server that takes long
    to answer is not asked again meanwhile.

    Signals:
        changed_elsewhere(): another program changed the database since the last poll.
        polled(): a poll succeeded (the window retries a refresh it had to put off).
        connection_changed(bool): the poll failed (False) or succeeded again (True).
    """

    changed_elsewhere = Signal()
    polled = Signal()
    connection_changed = Signal(bool)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.database: Database | None = None
        self.interval_ms = POLL_MS
        self.seen: str | None = None  # the marker last seen (None: not read yet)
        self.connected = True
        self.active = False
        self.task: BackgroundTask | None = None
        self.polls = 0  # polls finished, either way (for tests and the log)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.poll)

    def watch(self, database: Database) -> None:
        """Watch ``database`` (another one than before: its marker is read afresh)."""
        if database is not self.database:
            self.seen = None
        self.database = database

    def start(self) -> None:
        """Poll every ``interval_ms`` from now on."""
        self.active = True
        if self.task is None:
            self.timer.start(self.interval_ms)

    def stop(self) -> None:
        """No more polls; a poll under way is waited for (at most ``STOP_WAIT_MS``)."""
        self.active = False
        self.timer.stop()
        task = self.task
        if task is not None:  # its thread ends once the read is done (or failed)
            task.worker_thread.quit()
            task.worker_thread.wait(STOP_WAIT_MS)

    def poll(self) -> None:
        """Read the marker now, in the background."""
        from app.services.live import change_marker

        if self.database is None or self.task is not None:
            return
        operation = Operation(
            self.parent_widget,
            self.tr("检查其他电脑的修改"),
            lambda session, _report: change_marker(session),
            database=self.database,
            changes=False,
        )
        operation.success(self._read).failure(self._failed)
        task = operation.in_background("", watch=True)
        self.task = task
        task.finished.connect(self._finished)

    def _finished(self) -> None:
        self.task = None
        self.polls += 1
        if self.active:
            self.timer.start(self.interval_ms)

    def _read(self, marker: Any) -> None:
        if not self.connected:
            self.connected = True
            log.info("与数据库服务器的连接已恢复")
            self.connection_changed.emit(True)
        marker = str(marker)
        seen, self.seen = self.seen, marker
        own = self.database is not None and marker == self.database.written_marker
        if seen is not None and marker != seen and not own:
            self.changed_elsewhere.emit()
        self.polled.emit()

    def _failed(self, error: BaseException) -> None:
        if self.connected:  # logged once per interruption, not at every poll
            self.connected = False
            log.warning("读取数据库的修改标记失败，连接可能已中断：%s", type(error).__name__,
                        exc_info=error)  # fmt: skip
            self.connection_changed.emit(False)


def _row_key(view: QAbstractItemView, row: int) -> object:
    """What identifies a table row across a reload: its record's id, else its number."""
    model = view.model()
    value = model.index(row, 0).data(ROW_ROLE)
    key = getattr(value, "id", None)
    return ("id", key) if key is not None else ("row", row)


@contextmanager
def keeping_view_state(page: QWidget) -> Iterator[None]:
    """Reload ``page`` inside: afterwards its tables select the same records again (by id)
    and scroll back to where they were (loading as many rows as before, for a paged list)."""
    saved = []
    for view in page.findChildren(QAbstractItemView):
        model = view.model()
        if model is None or not view.isVisible():
            continue
        selection = view.selectionModel()
        keys = [_row_key(view, i.row()) for i in selection.selectedRows()] if selection else []
        current = view.currentIndex()
        saved.append((view, keys, _row_key(view, current.row()) if current.isValid() else None,
                      model.rowCount(), view.verticalScrollBar().value(),
                      view.horizontalScrollBar().value()))  # fmt: skip
    yield
    for view, keys, current_key, rows, vertical, horizontal in saved:
        model = view.model()
        if model is None:
            continue
        while model.rowCount() < rows and model.canFetchMore(view.rootIndex()):
            before = model.rowCount()
            model.fetchMore(view.rootIndex())
            if model.rowCount() == before:
                break
        selection = view.selectionModel()
        if selection is not None and (keys or current_key is not None):
            wanted = set(keys)
            flags = QItemSelectionModel.SelectionFlag
            for row in range(model.rowCount()):
                key = _row_key(view, row)
                index = model.index(row, 0)
                if key == current_key:
                    selection.setCurrentIndex(index, flags.NoUpdate)
                if key in wanted:
                    selection.select(index, flags.Select | flags.Rows)
        view.verticalScrollBar().setValue(vertical)
        view.horizontalScrollBar().setValue(horizontal)


__all__ = ["DatabaseWatcher", "keeping_view_state"]
