"""The 台账卷 PDF: a unit's ledger of a period bound as a volume for inspectors.

A cover (unit, period, 卷号, 件数, 档号 range, 保管期限), the 卷内目录 (档号, date, title, page),
then each entry (件) from a new page: its 档号, title, the form's fields, its text and its photos
two to a row with captions. The page of the official documents (app/reports/official.py: A4,
the GB/T 9704 text block and fonts, "— 1 —" page numbers, from the first entry), with a 装订线
in the left margin of every page (bound on the left, printed on one side: numbers on the right).

The contents' page numbers are PDF forms drawn where each entry begins, so the volume is laid
out once (not twice as ReportLab's ``multiBuild`` would): the contents' layout does not depend
on the numbers, which all have room for four digits. Photos are printed from their print copies
(``app.reports.print_photos``, ≤ 960 px, as for summaries: made when the photo was added), each
JPEG read from the store only when the file is written, so 600 photos stay well under 100 MB.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.frames import Frame

from app.models import VerificationStatus
from app.reports.official import (
    BOTTOM,
    LEADING,
    LEFT,
    PAGE_HEIGHT,
    PAGE_NUMBER_SIZE,
    TEXT_HEIGHT,
    TEXT_WIDTH,
    TOP,
    OfficialDocument,
    RestartPageNumbers,
    Story,
    Styles,
    cn_date,
    ruled_table,
)
from app.reports.print_photos import PrintPhotos, Size
from app.reports.summary_pdf import PHOTO_BOX, summary_styles
from app.reports.typesetting import Paragraph
from app.services.errors import UserError

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import BaseDocTemplate

    from app.services.attachments import AttachmentStore
    from app.services.volumes import Volume, VolumeEntry, VolumePhoto

BINDING_X = 14 * mm  # the 装订线, from the page's left edge (the text block starts at 28 mm)
NUMBER_WIDTH = 14 * mm  # the contents' page column


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _stream_out(document: Any, target: object) -> None:
    """From now on, write the PDF's pieces to ``target`` as ReportLab formats them (those it
    formatted so far first), instead of collecting them all and joining them at the end (twice
    the file's size in memory: ≈ 90 MB for 600 photos). ReportLab's PDFFile still counts the
    offsets for the cross-reference table; it joins nothing at the end, and SaveToFile writes
    that empty rest to ``target``. Nothing is changed when ``target`` is a file name or the
    collector is not the one this was written against."""
    out: Any = getattr(document, "__accum__", None)
    write = getattr(target, "write", None)
    strings = getattr(out, "strings", None)
    if write is None or not isinstance(strings, list) or out.write != strings.append:
        return
    for piece in strings:
        write(piece)
    strings.clear()
    out.write = write


class _StoredJpeg(PDFImageXObject):  # type: ignore[misc]  # reportlab is untyped
    """A print copy as a PDF image whose JPEG is read from the store only when the file is
    written, and let go right after: the PDF's pictures are never all held at once, and (the
    file being written as it is formatted, ``_stream_out``) neither is the file."""

    def __init__(
        self,
        name: str,
        photos: PrintPhotos,
        store: AttachmentStore,
        sha: str,
        size: Size,
        target: object,
    ) -> None:
        super().__init__(name)
        self.photos, self.store, self.sha, self.target = photos, store, sha, target
        self.width, self.height = size
        self.bitsPerComponent = 8
        self.colorSpace = "DeviceRGB"  # print copies are RGB JPEGs (attachments._print_jpeg)
        self._filters = ("DCTDecode",)
        self.streamContent = b""

    def format(self, document: Any) -> bytes:
        _stream_out(document, self.target)
        self.streamContent = self.photos.jpeg(self.store, self.sha) or b""
        try:
            return super().format(document)  # type: ignore[no-any-return]
        finally:
            self.streamContent = b""


class LazyPicture(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """A photo drawn ``width`` × ``height`` (an image XObject per photo, shared when the same
    photo is on two entries); its JPEG goes into the file only when the file is written."""

    def __init__(
        self, photos: PrintPhotos, store: AttachmentStore, sha: str, width: float, height: float
    ) -> None:
        super().__init__()
        self.photos, self.store, self.sha = photos, store, sha
        self.width, self.height = width, height

    def wrap(self, *_args: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        size = self.photos.size(self.store, self.sha)
        if size is None:
            return
        name = f"photo{self.sha[:32]}"
        registered = canvas._doc.getXObjectName(name)
        if canvas._doc.idToObject.get(registered) is None:
            target = canvas._doctemplate.filename  # the file (object) the PDF goes to
            image = _StoredJpeg(name, self.photos, self.store, self.sha, size, target)
            canvas._setXObjects(image)
            canvas._doc.Reference(image, registered)
            canvas._doc.addForm(name, image)
        canvas._currentPageHasImages = 1
        canvas.saveState()
        canvas.scale(self.width, self.height)
        canvas._code.append(f"/{registered} Do")
        canvas.restoreState()
        canvas._formsinuse.append(name)  # in the page's resources


def _photo_cell(
    photo: VolumePhoto, photos: PrintPhotos, store: AttachmentStore, st: Styles
) -> Story:
    size = photos.size(store, photo.sha256)
    box_w, box_h = PHOTO_BOX
    if size is None:
        flowable: Flowable = _p("（照片文件无法读取）", st["cell_center"])
    else:
        width, height = size
        scale = min(box_w / width, box_h / height)
        flowable = LazyPicture(photos, store, photo.sha256, width * scale, height * scale)
    return [flowable, Spacer(0, 2 * mm), _p(photo.caption, st["caption"])]


def _photo_rows(
    items: list[VolumePhoto], photos: PrintPhotos, store: AttachmentStore, st: Styles
) -> Story:
    """Photos two to a row, each with its caption under it (as in summaries)."""
    flowables: Story = []
    for start in range(0, len(items), 2):
        cells = [_photo_cell(p, photos, store, st) for p in items[start : start + 2]]
        while len(cells) < 2:
            cells.append([])
        table = Table([cells], colWidths=[TEXT_WIDTH / 2] * 2)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                                   ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 4),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))  # fmt: skip
        flowables.append(table)
    return flowables


class PageRef(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """The page an entry begins on, in the contents: a form that entry's start defines."""

    def __init__(self, index: int, font: str, size: float) -> None:
        super().__init__()
        self.index, self.font, self.size = index, font, size

    def wrap(self, available_width: float, _height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.size * 1.2

    def draw(self) -> None:
        self.canv.saveState()
        self.canv.translate(self.width, self.size * 0.25)  # the number ends at the right
        self.canv.doForm(_form_name(self.index))
        self.canv.restoreState()


def _form_name(index: int) -> str:
    return f"volume_page_{index}"


class EntryStart(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size marker where an entry begins: defines its page number for the contents (right-
    aligned at the form's origin) and adds its bookmark."""

    def __init__(self, index: int, label: str, archive_number: str, font: str, size: float) -> None:
        super().__init__()
        self.index, self.label, self.font, self.size = index, label, font, size
        self.archive_number = archive_number

    def wrap(self, *_args: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas = self.canv
        doc = canvas._doctemplate
        number = canvas.getPageNumber() - doc.number_offset
        doc.entry_started = (self.archive_number, canvas.getPageNumber())
        key = f"entry{self.index}"
        canvas.bookmarkPage(key)
        canvas.addOutlineEntry(self.label, key, level=0)
        canvas.beginForm(_form_name(self.index), -100, -20, 0, 40)
        canvas.setFont(self.font, self.size)
        canvas.drawRightString(0, 0, str(number))
        canvas.endForm()


class VolumeDocument(OfficialDocument):
    """The official page with a 装订线 on every page; the cover and the contents unnumbered;
    page numbers "— n —" at the right (one-sided printing, bound on the left)."""

    def __init__(self, target: IO[bytes] | str, title: str, author: str) -> None:
        super().__init__(target, title, author)
        cover = Frame(LEFT, BOTTOM, TEXT_WIDTH, TEXT_HEIGHT, 0, 0, 0, 0, id="cover")
        self.pageTemplates.insert(0, PageTemplate("cover", [cover], onPageEnd=self._binding))
        self.entry_started: tuple[str, int] = ("", 0)  # the entry being laid out, its first page

    def _binding(self, canvas: Canvas, _doc: BaseDocTemplate | None = None) -> None:
        """The 装订线: a dashed line with 装 订 线 along it."""
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#888888"))
        canvas.setFillColor(colors.HexColor("#888888"))
        canvas.setLineWidth(0.5)
        canvas.setDash(3, 3)
        top, bottom = PAGE_HEIGHT - 20 * mm, 20 * mm
        marks = [bottom + (top - bottom) * f for f in (0.3, 0.5, 0.7)]
        half = 6 * mm
        edges = [bottom, *[y for m in marks for y in (m - half, m + half)], top]
        for low, high in zip(edges[::2], edges[1::2], strict=True):
            canvas.line(BINDING_X, low, BINDING_X, high)
        canvas.setFont(self.fonts.song, 10.5)
        for mark, char in zip(marks, "线订装", strict=True):  # 装 at the top
            canvas.drawCentredString(BINDING_X, mark - 3.5, char)
        canvas.restoreState()

    def _page_end(self, canvas: Canvas, _doc: BaseDocTemplate) -> None:
        self._binding(canvas)
        number, first_page = self.entry_started
        if number and canvas.getPageNumber() != first_page:  # an entry's next page: whose
            canvas.saveState()
            canvas.setFont(self.fonts.song, 10.5)
            canvas.drawRightString(
                LEFT + TEXT_WIDTH, PAGE_HEIGHT - TOP + 6 * mm, f"档号：{number}（续）"
            )
            canvas.restoreState()
        number = canvas.getPageNumber() - self.number_offset
        canvas.saveState()
        canvas.setFont(self.fonts.song, PAGE_NUMBER_SIZE)
        y = BOTTOM - 7 * mm - PAGE_NUMBER_SIZE * 0.8
        canvas.drawRightString(LEFT + TEXT_WIDTH - PAGE_NUMBER_SIZE, y, f"— {number} —")
        canvas.restoreState()


def _styles(doc: OfficialDocument) -> Styles:
    st = summary_styles(doc)
    f = doc.fonts
    st["entry_title"] = ParagraphStyle(
        "entry_title", parent=st["title"], fontSize=18, leading=28, spaceAfter=LEADING * 0.3
    )
    st["number"] = ParagraphStyle(
        "number", parent=st["note"], fontSize=12, leading=18, alignment=TA_RIGHT
    )
    st["label"] = ParagraphStyle("label", parent=st["cell"], fontName=f.heading1)
    st["cover_unit"] = ParagraphStyle("cu", parent=st["title"], fontSize=22, leading=34)
    st["cover_big"] = ParagraphStyle("cb", parent=st["title"], fontSize=36, leading=54)
    st["cover_cell"] = ParagraphStyle("cc", parent=st["cell"], fontSize=15, leading=22)
    st["cover_cell_head"] = ParagraphStyle(
        "cch", parent=st["cover_cell"], fontName=f.heading1, alignment=TA_CENTER
    )
    st["toc_cell"] = ParagraphStyle("tc", parent=st["cell"], fontSize=11, leading=15)
    st["toc_cell_center"] = ParagraphStyle("tcc", parent=st["toc_cell"], alignment=TA_CENTER)
    st["toc_head"] = ParagraphStyle(
        "th", parent=st["toc_cell"], fontName=f.heading1, alignment=TA_CENTER
    )
    return st


def _period(volume: Volume) -> str:
    return f"{cn_date(volume.date_from)}至{cn_date(volume.date_to)}"


def _cover(volume: Volume, st: Styles) -> Story:
    first, last = volume.entries[0], volume.entries[-1]
    rows = [
        ("单　　位", volume.unit),
        ("起止日期", _period(volume)),
        ("卷　　号", f"第{volume.volume_number}卷"),
        ("件　　数", f"共{len(volume.entries)}件（照片{volume.photo_count}张）"),
        ("档号起止", f"{first.archive_number}\n至 {last.archive_number}"),
        ("保管期限", volume.retention_text),
        ("机构代码", volume.org_code),
    ]
    if volume.fonds:
        rows.append(("全 宗 号", volume.fonds))
    table = Table(
        [[_p(k, st["cover_cell_head"]), _p(v, st["cover_cell"])] for k, v in rows],
        colWidths=[36 * mm, TEXT_WIDTH - 36 * mm - 20 * mm],
        hAlign="CENTER",
    )
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
        ("GRID", (0, 0), (-1, -1), 0.8, colors.HexColor("#444444")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ("LEFTPADDING", (0, 0), (-1, -1), 8),
    ]))  # fmt: skip
    return [
        NextPageTemplate("cover"),
        Spacer(0, 8 * mm),
        _p(volume.unit_full_name, st["cover_unit"]),
        Spacer(0, 10 * mm),
        _p("工 作 台 账", st["cover_big"]),
        _p("（社区矫正“大帮教”）", st["cover_sub"]),
        Spacer(0, 16 * mm),
        table,
        Spacer(0, 14 * mm),
        _p(f"立卷日期：{cn_date(volume.made_on)}", st["cover_sub"]),
        PageBreak(),
    ]


def _mark_short(entry: VolumeEntry) -> str:
    """The contents' 核实 cell: 已核实, 存疑 (已说明 under it once the unit answered), or ""."""
    mark = entry.verification
    if mark is None:
        return ""
    if mark.status == VerificationStatus.DOUBTFUL and mark.answer:
        return "存疑\n已说明"
    return str(mark.status.value)


def _mark_rows(entry: VolumeEntry, st: Styles) -> list[list[Paragraph]]:
    """The entry page's 核实 rows: the county's mark with its date; a doubt's reason, and the
    unit's answer when it answered; none for an unmarked entry."""
    mark = entry.verification
    if mark is None:
        return []
    text = f"{mark.status.value}（县矫正办，{cn_date(mark.marked_on)}）"
    if mark.status == VerificationStatus.DOUBTFUL:
        text += f"\n存疑原因：{mark.reason}"
    rows = [[_p("核实", st["label"]), _p(text, st["cell"])]]
    if mark.status == VerificationStatus.DOUBTFUL and mark.answer:
        answered = f"（{cn_date(mark.answered_on)}）" if mark.answered_on else ""
        rows.append([_p("单位说明", st["label"]), _p(mark.answer + answered, st["cell"])])
    return rows


def _contents(volume: Volume, st: Styles) -> Story:
    head = ["序号", "档号", "日期", "题名", "核实", "页号"]
    mark_width = 17 * mm
    title_width = TEXT_WIDTH - 76 * mm - mark_width - NUMBER_WIDTH
    widths = [12 * mm, 40 * mm, 24 * mm, title_width, mark_width, NUMBER_WIDTH]
    rows: list[list[object]] = [[_p(h, st["toc_head"]) for h in head]]
    for n, entry in enumerate(volume.entries, 1):
        rows.append([
            _p(str(n), st["toc_cell_center"]),
            _p(entry.archive_number, st["toc_cell_center"]),
            _p(entry.entry_date.isoformat(), st["toc_cell_center"]),
            _p(entry.title, st["toc_cell"]),
            _p(_mark_short(entry), st["toc_cell_center"]),
            PageRef(n, st["toc_cell"].fontName, st["toc_cell"].fontSize),
        ])  # fmt: skip
    table = ruled_table(rows, widths, st, extra=[("RIGHTPADDING", (-1, 1), (-1, -1), 6)])
    return [
        _p("卷 内 目 录", st["title"]),
        table,
        NextPageTemplate("official"),
        PageBreak(),
        RestartPageNumbers(),
    ]


def _entry(
    n: int, entry: VolumeEntry, st: Styles, photos: PrintPhotos, store: AttachmentStore
) -> Story:
    font, size = st["toc_cell"].fontName, st["toc_cell"].fontSize
    story: Story = [
        EntryStart(
            n, f"{entry.entry_date.isoformat()} {entry.title}", entry.archive_number, font, size
        ),
        _p(f"档号：{entry.archive_number}　　第{n}件", st["number"]),
        _p(entry.title, st["entry_title"]),
    ]
    label_width = 38 * mm
    rows = [[_p(label, st["label"]), _p(value, st["cell"])] for label, value in entry.fields]
    rows += _mark_rows(entry, st)
    table = Table(rows, colWidths=[label_width, TEXT_WIDTH - label_width])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#444444")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef1f6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))  # fmt: skip
    story.append(table)
    if entry.body.strip():
        story.append(CondPageBreak(LEADING * 3))
        story.append(_p("情况说明", st["heading"]))
        story += [_p(line, st["body"]) for line in entry.body.split("\n") if line.strip()]
    pictures = [p for p in entry.photos if p.is_image]
    if pictures:  # the heading kept with the first row of photos, not a fixed height
        rows = _photo_rows(pictures, photos, store, st)
        story.append(KeepTogether([_p(f"图片资料（{len(pictures)}张）", st["heading"]), rows[0]]))
        story += rows[1:]
    others = [p.name for p in entry.photos if not p.is_image]
    if others:
        story.append(_p("其他附件（未印入本卷）：" + "、".join(others), st["small"]))
    return story


def volume_story(volume: Volume, st: Styles, photos: PrintPhotos) -> Story:
    """The flowables of a volume: cover, contents and every entry from a new page."""
    story = _cover(volume, st) + _contents(volume, st)
    for n, entry in enumerate(volume.entries, 1):
        if n > 1:
            story.append(PageBreak())
        story += _entry(n, entry, st, photos, volume.store)
    return story


def volume_title(volume: Volume) -> str:
    """The document's title: 法律援助中心工作台账（2018-07-01至2018-12-31，第1卷）."""
    return (
        f"{volume.unit}工作台账（{volume.date_from}至{volume.date_to}，第{volume.volume_number}卷）"
    )


def render_volume(volume: Volume, target: IO[bytes] | None = None) -> bytes:
    """The volume as PDF bytes; written to ``target`` instead when given (b"" returned)."""
    buffer = io.BytesIO()
    doc = VolumeDocument(buffer if target is None else target, volume_title(volume), volume.unit)
    photos = PrintPhotos()
    store = volume.store
    try:
        photos.prefetch((store, p.sha256) for e in volume.entries for p in e.photos if p.is_image)
        doc.build(volume_story(volume, _styles(doc), photos))
    finally:
        photos.close()
    return buffer.getvalue()


def write_volume(volume: Volume, path: Path) -> None:
    """Write the volume to ``path`` whole or not at all (a temporary file beside it, then put
    in place), straight from ReportLab to the file: no second copy of the PDF in memory. A
    failure is a UserError saying what is wrong with the file or folder."""
    import uuid

    from app.services.errors import file_problem
    from app.services.files import replace_file

    path = Path(path)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with temp.open("wb") as fh:
            render_volume(volume, fh)
        replace_file(temp, path)
    except OSError as exc:
        raise UserError(file_problem(exc, path, writing=True)) from None
    finally:
        temp.unlink(missing_ok=True)
