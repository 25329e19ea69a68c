"""Save, open and print PDFs made by the app, with Qt's print dialog."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QRect
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from app.services.filenames import safe_file_name
from app.ui.background import BackgroundTask
from app.ui.operations import Operation
from app.ui.pdf_pages import page_count, render_pages

if TYPE_CHECKING:
    from app.services.database import Database

PRINT_DPI = 300  # pages are rendered at most this sharp, then scaled to the printer


def _t(text: str) -> str:
    return QCoreApplication.translate("printing", text)


def print_pdf(printer: QPrinter, data: bytes, report: Callable[[int], None] | None = None) -> int:
    """Print every page of a PDF on ``printer``, fitted to the page; returns pages printed.
    ``report(n)`` is called after each page (it may raise to stop, as a progress dialog's
    取消 does: the pages printed so far stay printed)."""
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    printed = 0
    try:
        target = printer.pageRect(QPrinter.Unit.DevicePixel).toRect()
        width_px = int(target.width() * min(1.0, PRINT_DPI / max(printer.resolution(), 1)))
        for image in render_pages(data, width_px):
            if printed:
                printer.newPage()
            scale = min(target.width() / image.width(), target.height() / image.height())
            painter.drawImage(
                QRect(0, 0, int(image.width() * scale), int(image.height() * scale)), image
            )
            printed += 1
            if report is not None:
                report(printed)
    finally:
        painter.end()
    return printed


def choose_printer(parent: QWidget, title: str) -> QPrinter | None:
    """Qt's print dialog for a document called ``title``; the printer, or None when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    # the print dialog offers the document's name as the file name when printing to a file:
    # a unit name such as 办公室/政治处 must not become a folder that does not exist
    printer.setDocName(safe_file_name(title))
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(_t("打印：%1").replace("%1", title))
    return printer if dialog.exec() else None


def ask_and_print(parent: QWidget, data: bytes, title: str) -> bool:
    """Qt's print dialog, then print (in the UI thread); False when cancelled."""
    printer = choose_printer(parent, title)
    return printer is not None and print_pdf(printer, data) > 0


def print_in_background(
    parent: QWidget,
    title: str,
    pdf: bytes | Callable[..., bytes],
    *,
    database: Database | None = None,
    done: Callable[[int], Any] | None = None,
) -> BackgroundTask | None:
    """Qt's print dialog, then, off the UI thread with a progress dialog (取消 stops after the
    current page), make the PDF when ``pdf`` is a function (``pdf(session, report)`` with a
    ``database``, else ``pdf(report)``) and print it page by page. ``done(pages)`` after it
    printed; failures go through the one error policy. None when the clerk cancelled the
    print dialog."""
    printer = choose_printer(parent, title)
    if printer is None:
        return None
    total = page_count(pdf) if isinstance(pdf, bytes) else 0

    def work(*args: Any) -> int:
        report = args[-1]
        data = pdf if isinstance(pdf, bytes) else pdf(*args)
        return print_pdf(printer, data, report)

    operation = Operation(parent, _t("打印“%1”").replace("%1", title), work, database=database,
                          changes=False)  # fmt: skip
    if done is not None:
        operation.success(done)
    return operation.in_background(_t("正在打印“%1”……").replace("%1", title), total)
