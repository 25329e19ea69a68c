"""One path for every user action: its own session, one error policy, then "changed".

The shape of Anki's ``CollectionOp``::

    Operation(page, self.tr("删除台账"), lambda s: ledger.delete_entry(s, entry_id),
              database=page.database).success(lambda _: page.reload()).run()

    Operation(page, self.tr("导出工作台账"), work, database=db)
        .in_background(self.tr("正在导出……"), total=n)     # work(session, report)

- ``run()`` does the work now, on the UI thread, in one session (committed on success, rolled
  back on any failure, so a failure leaves the database as it was); for quick actions.
- ``in_background()`` does it in a worker thread with a progress dialog whose 取消 stops the
  work at its next ``report(n)``; for imports, exports, PDFs and anything that can take more
  than a moment. The work must not touch widgets.
- On success the ``success`` callback gets the result, then, for a mutating action,
  :func:`notifier` emits ``changed`` so that open pages refresh.
- A save or delete refused because another clerk saved the record after it was opened
  (``ConcurrentEdit``, 已被他人修改) shows the conflict dialog (:func:`settle_conflict`):
  以我的为准保存 runs the same work again with that version accepted (a second, audited
  step), 采用他人的 drops the clerk's change and refreshes, 返回继续编辑 loses nothing.
- On failure the ``failure`` callback decides, if given; otherwise :func:`report_failure`:
  a refusal (UserError) shows its Chinese message; a known problem of the PC (database locked,
  disk full, read-only folder, file in use, permission denied) shows what to do; anything else
  is a bug: logged with its traceback and shown with the log file's location.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from app.services.errors import UserError, environment_problem
from app.ui import messages
from app.ui.background import BackgroundTask, Cancelled

if TYPE_CHECKING:
    from app.services.concurrency import ConcurrentEdit
    from app.services.database import Database
    from app.ui.dialogs.conflict_dialog import Choice

T = TypeVar("T")
log = logging.getLogger("bangjiao.ui")


class ChangeNotifier(QObject):
    """Tells open pages that a user action changed the database.

    Signals:
        changed(object): emitted after a mutating operation; the argument is the widget that
            started it (which has refreshed itself already).
    """

    changed = Signal(object)


_notifier: ChangeNotifier | None = None


def notifier() -> ChangeNotifier:
    """The application's one change notifier."""
    global _notifier
    if _notifier is None:
        _notifier = ChangeNotifier(QApplication.instance())
    return _notifier


def report_failure(parent: QWidget | None, title: str, error: BaseException) -> None:
    """Show ``error`` to the clerk by the one policy (see the module docstring)."""
    if isinstance(error, Cancelled):
        log.info("%s：已取消", title)
        return
    if isinstance(error, UserError):
        log.info("%s：未完成（%s）", title, type(error).__name__)
        messages.show_error(parent, title, messages.error_text(error))
        return
    problem = environment_problem(error)
    if problem is not None:
        log.warning("%s：环境问题 %s", title, type(error).__name__, exc_info=error)
        messages.show_error(parent, title, problem)
        return
    log.error("%s：程序错误", title, exc_info=error)
    messages.show_bug(parent, title)


def settle_conflict(parent: QWidget | None, title: str, conflict: ConcurrentEdit) -> Choice:
    """Show 已被他人修改 for ``conflict`` and return the clerk's choice; 以我的为准保存 (仍然删除)
    is asked a second time before it counts (else: 返回继续编辑, or 不删除 for a delete)."""
    from app.ui.dialogs.conflict_dialog import Choice, ask

    log.info("%s：已被他人修改（%s %s）", title, conflict.table, conflict.record_id)
    choice = ask(parent, conflict)
    if choice is Choice.OVERWRITE:
        question = (
            QApplication.translate("operations", "确定删除他人修改过的这条记录吗？")
            if conflict.deleting
            else QApplication.translate(
                "operations", "确定用您填写的内容覆盖%1保存的修改吗？覆盖将记入审计日志。"
            ).replace("%1", conflict.who or QApplication.translate("operations", "他人"))
        )
        if not messages.confirm(parent, title, question):
            return Choice.THEIRS if conflict.deleting else Choice.BACK
    return choice


class Operation(Generic[T]):
    """One user action (see the module docstring)."""

    def __init__(
        self,
        parent: QWidget,
        title: str,
        work: Callable[..., T],
        *,
        database: Database | None = None,
        changes: bool = True,
    ) -> None:
        self.parent = parent
        self.title = title
        self._work = work
        self._database = database
        self._changes = changes
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[BaseException], Any] | None = None
        self.task: BackgroundTask | None = None
        self._missing_glyphs: dict[str, str] = {}
        self._accepted: list[ConcurrentEdit] = []  # versions the clerk chose to save over

    def success(self, callback: Callable[[T], Any]) -> Operation[T]:
        """Call ``callback(result)`` after the work succeeded (in the UI thread)."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], Any]) -> Operation[T]:
        """Handle failures with ``callback(error)`` instead of the default policy."""
        self._failure = callback
        return self

    def accepting(self, conflict: ConcurrentEdit) -> Operation[T]:
        """Run the work again saving over the version ``conflict`` reported (以我的为准保存)."""
        self._accepted.append(conflict)
        return self

    def _call(self, *extra: Any) -> T:
        from app.reports.glyphs import watching_glyphs

        with watching_glyphs() as missing:  # characters no font could print (a PDF's names)
            if self._database is None:
                result = self._work(*extra)
            else:
                with self._database.session() as session:
                    if self._accepted:
                        from app.services.concurrency import accept

                        for conflict in self._accepted:
                            accept(session, conflict)
                    result = self._work(session, *extra)
        self._missing_glyphs = dict(missing)
        return result

    def _succeeded(self, result: T) -> None:
        if self._success is not None:
            self._success(result)
        if self._missing_glyphs:  # printed as 〓: the clerk is told, never a silent blank
            from app.reports.glyphs import missing_glyphs_warning
            from app.ui import messages

            messages.show_error(
                self.parent, self.title, missing_glyphs_warning(self._missing_glyphs)
            )
        if self._changes:
            notifier().changed.emit(self.parent)

    def _failed(self, error: BaseException) -> None:
        if self._failure is not None:
            self._failure(error)
        else:
            report_failure(self.parent, self.title, error)

    def run(self) -> tuple[bool, T | None]:
        """Do the work now; ``(True, result)`` when it succeeded, ``(False, None)`` if not."""
        try:
            result = self._call()
        except Exception as error:
            if self._failure is None and _is_conflict(error):
                return self._settle(error)
            self._failed(error)
            return False, None
        self._succeeded(result)
        return True, result

    def _settle(self, conflict: Any) -> tuple[bool, T | None]:
        """已被他人修改 on a plain action (a delete from a list): save over it, or not."""
        from app.ui.dialogs.conflict_dialog import Choice

        choice = settle_conflict(self.parent, self.title, conflict)
        if choice is Choice.OVERWRITE:
            return self.accepting(conflict).run()
        notifier().changed.emit(None)  # show what the other clerk saved
        return False, None

    def in_background(
        self, label: str, total: int = 0, *, quiet: bool = False, watch: bool = False
    ) -> BackgroundTask:
        """Do the work in a thread as ``work([session,] report)`` with a progress dialog of
        ``total`` steps (0: busy indicator; ``quiet``: none, for work the clerk did not
        start); returns the running task (its ``finished`` signal fires after the callbacks).
        ``watch``: a read the window repeats by itself (the poll for other PCs' changes):
        quiet, not counted by :func:`running_tasks` (closing the window or switching users
        does not wait for it: its owner does) and deleted once finished."""
        task = BackgroundTask(self.parent, self.title, label, total, self._call, quiet or watch)
        task.succeeded.connect(self._succeeded)
        task.failed.connect(self._failed)
        self.task = task
        if watch:

            def delete() -> None:
                task.dialog.deleteLater()
                task.deleteLater()

            task.finished.connect(delete)
        else:
            _running.add(task)
            task.finished.connect(lambda: _running.discard(task))
        task.start()
        return task


def _is_conflict(error: BaseException) -> bool:
    from app.services.concurrency import ConcurrentEdit

    return isinstance(error, ConcurrentEdit)


_running: set[BackgroundTask] = set()  # tasks stay alive until they finish


def running_tasks() -> int:
    """How many background operations are under way (the window waits for them on close)."""
    return len(_running)
