"""Save, open and print PDFs made by the app, with Qt's print dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from app.ui.desktop import open_with_system, temporary_copy
from app.ui.pdf_pages import render_pages

PRINT_DPI = 300  # pages are rendered at most this sharp, then scaled to the printer


def print_pdf(printer: QPrinter, data: bytes) -> int:
    """Print every page of a PDF on ``printer``, fitted to the page; returns pages printed."""
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
    finally:
        painter.end()
    return printed


def ask_and_print(parent: QWidget, data: bytes, title: str) -> bool:
    """Qt's print dialog, then print; False when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(parent.tr("打印：%1").replace("%1", title))
    if not dialog.exec():
        return False
    return print_pdf(printer, data) > 0


def open_in_viewer(parent: QWidget, data: bytes, name: str) -> Path:
    """Write the PDF to a temporary file and open it in the system's PDF viewer (or say
    where it is when the PC has none)."""
    path = temporary_copy(data, name)
    open_with_system(parent, path)
    return path
