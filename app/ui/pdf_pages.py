"""PDF pages rendered to QImages (PDFium through pypdfium2) for previews and printing."""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtGui import QImage


def page_count(data: bytes) -> int:
    """How many pages the PDF has."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return len(document)
    finally:
        document.close()


def render_pages(data: bytes, width_px: int) -> Iterator[QImage]:
    """Each page as an image ``width_px`` wide (aspect kept)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            scale = width_px / page.get_width()
            bitmap = page.render(scale=scale)
            image = bitmap.to_pil().convert("RGB")
            qimage = QImage(
                image.tobytes(),
                image.width,
                image.height,
                image.width * 3,
                QImage.Format.Format_RGB888,
            )
            yield qimage.copy()  # detach from the Python buffer
            page.close()
    finally:
        document.close()
