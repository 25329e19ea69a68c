"""Modal questions and notices in one place, so tests can replace them."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.services.errors import UserError


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question; True for yes."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    """Tell the user something went wrong."""
    QMessageBox.warning(parent, title, text)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    """Tell the user an action is done (e.g. where the files were written)."""
    QMessageBox.information(parent, title, text)


def show_bug(parent: QWidget | None, title: str) -> None:
    """Tell the user an unexpected error stopped an action and where its details were logged."""
    from app.logs import log_file

    path = log_file()
    box = QMessageBox(QMessageBox.Icon.Critical, title, "", QMessageBox.StandardButton.Ok, parent)
    box.setText(QApplication.translate("messages", "程序出现了意外错误，刚才的操作没有完成。"))
    box.setInformativeText(
        QApplication.translate(
            "messages",
            "已经保存的数据没有受到影响。错误的详细情况已记入日志文件：\n%1\n"
            "请把这个文件交给技术支持人员。可以再试一次；如果一再出现，请重新启动程序。",
        ).replace("%1", str(path))
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    folder = box.addButton(
        QApplication.translate("messages", "打开日志所在文件夹"), QMessageBox.ButtonRole.ActionRole
    )
    box.exec()
    if box.clickedButton() is folder:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


def error_messages(exc: UserError) -> dict[str, str]:
    """Field → Chinese message of a refused action ("" for a message about no one field)."""
    from app.services.forms import FormErrors  # imported when first needed (start-up)

    if isinstance(exc, FormErrors):
        return dict(exc.errors)
    return {getattr(exc, "field", None) or "": str(exc)}


def error_text(exc: UserError) -> str:
    """Every message of a refused action, a line each."""
    return "\n".join(error_messages(exc).values())
