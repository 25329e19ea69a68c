"""Summary PDFs in the official layout: a department's phase summary, and the county's
aggregated report for the city office (cover, contents, bookmarks, chapters, photo appendix).

Photos are downscaled to at most ``PHOTO_MAX_SIDE`` pixels and re-encoded as JPEG before they
are embedded (ReportLab embeds JPEG bytes as they are), so a report with hundreds of camera
photos stays small.
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Iterable, Sequence
from itertools import count
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.frames import Frame
from reportlab.platypus.tableofcontents import TableOfContents

from app.reports.official import (
    BOTTOM,
    LEADING,
    LEFT,
    TEXT_HEIGHT,
    TEXT_WIDTH,
    OfficialDocument,
    RestartPageNumbers,
    Story,
    Styles,
    Watermark,
    cn_date,
    cn_numeral,
    ruled_table,
    styles,
)
from app.reports.typesetting import Paragraph
from app.services.summary_reports import CountyReport, DepartmentReport, ReportPhoto

if TYPE_CHECKING:
    from app.services.attachments import AttachmentStore

PHOTO_MAX_SIDE = 960  # pixels: ≈ 320 dpi across a 76 mm wide print
PHOTO_QUALITY = 70
ORIENTATION = 0x0112  # the EXIF tag
PHOTO_BOX = (76 * mm, 78 * mm)  # width, height of a photo in the two-by-two grid


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _figure(value: float | None) -> str:
    if value is None:
        return "—"
    return (
        f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    )


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


def _table(
    rows: Sequence[Sequence[object]], widths: list[float], st: Styles, total_row: bool = False
) -> Table:
    """A ruled table; with ``total_row`` its last row is shaded."""
    shade = [("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f7f7f7"))] if total_row else []
    return ruled_table(rows, widths, st, extra=shade)


# ---------------------------------------------------------------- photos
class PhotoCache:
    """Print-sized JPEG copies of photos, made once (in parallel by ``prefetch``) and kept on
    disk: beside the attachment store when the photo says where, else in a temporary folder.
    ReportLab embeds a JPEG file as it is, keyed by its name (no decoding, no hashing)."""

    def __init__(self) -> None:
        self._done: dict[Path, tuple[Path, int, int] | None] = {}
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        self._numbers = count()

    def close(self) -> None:
        """Remove the temporary copies (those not kept beside the store)."""
        if self._scratch is not None:
            self._scratch.cleanup()

    def _target(self, photo: ReportPhoto) -> Path:
        if photo.print_copy is not None:
            return photo.print_copy
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="bangjiao-print-")
        return Path(self._scratch.name) / f"{next(self._numbers)}.jpg"

    def _make(self, photo: ReportPhoto, target: Path) -> tuple[Path, int, int] | None:
        from PIL import Image as PILImage

        try:
            if target.exists():
                with PILImage.open(target) as image:
                    return target, image.width, image.height
        except OSError:
            pass  # a damaged copy: made again
        made = _downscaled(photo)
        if made is None:
            return None
        data, width, height = made
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
            partial.write_bytes(data)
            os.replace(partial, target)
        except OSError:  # a read-only store: keep the copy for this document only
            target = self._target(ReportPhoto(photo.path, photo.caption, photo.department))
            target.write_bytes(data)
        return target, width, height

    def prefetch(self, photos: Iterable[ReportPhoto]) -> None:
        """Make every copy not yet made, on all cores (Pillow releases the GIL)."""
        todo = {p.path: p for p in photos if p.path not in self._done}
        if not todo:
            return
        jobs = [(photo, self._target(photo)) for photo in todo.values()]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for (photo, _target), made in zip(
                jobs, pool.map(lambda job: self._make(*job), jobs), strict=True
            ):
                self._done[photo.path] = made

    def get(self, photo: ReportPhoto) -> tuple[Path, int, int] | None:
        """(the print copy, its width, height), or None when the photo cannot be read."""
        if photo.path not in self._done:
            self._done[photo.path] = self._make(photo, self._target(photo))
        return self._done[photo.path]


def make_print_copies(store: AttachmentStore, shas: Iterable[str]) -> int:
    """Make the print copies of these photos in ``store`` (those not made yet); how many exist."""
    photos = [ReportPhoto(store.original_path(sha), "", "", store.print_copy_path(sha))
              for sha in shas if store.has(sha)]  # fmt: skip
    cache = PhotoCache()
    try:
        cache.prefetch(photos)
    finally:
        cache.close()
    return sum(1 for photo in photos if photo.print_copy and photo.print_copy.exists())


def _downscaled(photo: ReportPhoto) -> tuple[bytes, int, int] | None:
    from PIL import Image as PILImage
    from PIL import ImageOps

    image: PILImage.Image
    try:
        with PILImage.open(photo.path) as image:
            width, height = image.size
            scale = PHOTO_MAX_SIDE / max(width, height)
            if scale < 1:  # JPEG: decode at 1/2, 1/4 or 1/8 scale, still at least the target size
                image.draft("RGB", (int(width * scale), int(height * scale)))
            if image.getexif().get(ORIENTATION, 1) != 1:
                image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE), reducing_gap=2.0)
            out = io.BytesIO()
            image.save(out, "JPEG", quality=PHOTO_QUALITY)
            return out.getvalue(), image.width, image.height
    except (OSError, ValueError):
        return None


def _photo_cell(photo: ReportPhoto, cache: PhotoCache, st: Styles) -> Story:
    made = cache.get(photo)
    box_w, box_h = PHOTO_BOX
    if made is None:
        picture: Flowable = _p("（照片文件无法读取）", st["cell_center"])
    else:
        path, width, height = made
        scale = min(box_w / width, box_h / height)
        picture = Image(str(path), width=width * scale, height=height * scale)
    return [picture, Spacer(0, 2 * mm), _p(photo.caption, st["caption"])]


def photo_pages(photos: list[ReportPhoto], cache: PhotoCache, st: Styles) -> Story:
    """Photos two by two (four to a page), each with its caption under it."""
    flowables: Story = []
    for start in range(0, len(photos), 4):
        group = photos[start : start + 4]
        cells = [_photo_cell(p, cache, st) for p in group]
        while len(cells) % 2:
            cells.append([])
        rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
        table = Table(
            rows, colWidths=[TEXT_WIDTH / 2] * 2, rowHeights=[PHOTO_BOX[1] + 16 * mm] * len(rows)
        )
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                                   ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 4)]))  # fmt: skip
        flowables.append(table)
    return flowables


# ---------------------------------------------------------------- a department's summary
def _statistics(report: DepartmentReport, st: Styles) -> Story:
    f = report.figures
    phase = f.period_name != "全年"
    flowables: Story = []
    head: list[object] = [  # the units on a line of their own: a narrow cell would break after "（"
        "工作类型",
        "本阶段\n（次）",
        "全年累计\n（次）",
        "服务对象\n本阶段（人次）",
        "服务对象\n累计（人次）",
    ]
    rows: list[list[object]] = [head if phase else ["工作类型", "全年（次）", "服务对象（人次）"]]
    for k in f.kinds:
        rows.append([k.kind, k.period_count, k.year_count, k.period_served, k.year_served] if phase
                    else [k.kind, k.year_count, k.year_served])  # fmt: skip
    total = (["合计", f.period_entries, f.year_entries, f.period_served, f.year_served] if phase
             else ["合计", f.year_entries, f.year_served])  # fmt: skip
    rows.append(total)
    widths = [40 * mm, 22 * mm, 24 * mm, 35 * mm, 35 * mm] if phase else [76 * mm, 40 * mm, 40 * mm]
    flowables.append(_table([[_figure(c) if isinstance(c, int) else c for c in r] for r in rows],
                            widths, st, total_row=True))  # fmt: skip
    if f.indicators:
        flowables.append(Spacer(0, LEADING * 0.4))
        rows = [["量化指标", "年度目标", "已完成", "完成率"]]
        rows += [[i.name, f"{_figure(i.target)}{i.measure_unit}", f"{_figure(i.actual)}{i.measure_unit}"
                  if i.actual is not None else "人工评定", _percent(i.ratio)] for i in f.indicators]  # fmt: skip
        flowables.append(_table(rows, [66 * mm, 32 * mm, 34 * mm, 24 * mm], st))
    if f.paired_offices:
        visits = "；".join(
            f"{v.office} {v.period_count} 次（全年 {v.year_count} 次）" for v in f.visits
        )
        flowables.append(_p(f"挂钩结对：{'、'.join(f.paired_offices)}。走访：{visits or '本期无记录'}。",
                            st["small"]))  # fmt: skip
    return flowables


def department_story(
    report: DepartmentReport, st: Styles, cache: PhotoCache, level: int | None = None
) -> Story:
    """The flowables of one department's summary. With ``level`` (inside the county report)
    it is a chapter: a heading at that contents level instead of a document title."""
    story: Story = []
    if level is None:
        story += [RestartPageNumbers(), Watermark("草稿" if report.draft else "")]
        title, period = report.title.rsplit("（", 1)  # the period on a line of its own
        story.append(_p(title, st["title"]))
        story.append(_p(f"（{period}", st["meta"]))
    meta = f"报送单位：{report.department}"
    if report.submitted_on:
        meta += f"　　报送日期：{cn_date(report.submitted_on)}"
        if report.late and report.deadline is not None:  # late: there is a deadline
            meta += f"（逾期，截止日期 {cn_date(report.deadline)}）"
    else:
        meta += f"　　状态：{report.status_label}"
    story.append(_p(meta, st["meta"]))
    number = 0

    def heading(text: str) -> None:  # 一、 in a document; 1． inside a chapter (GB/T 9704 levels)
        nonlocal number
        number += 1
        if level is None:
            story.append(_p(f"{cn_numeral(number)}、{text}", st["heading"]))
        else:
            story.append(_p(f"{number}．{text}", st["level3"]))

    heading("工作统计")
    story += _statistics(report, st)
    for name, text in report.sections.items():
        if text.strip():
            heading(name)
            story += [
                _p(paragraph, st["body"]) for paragraph in text.split("\n") if paragraph.strip()
            ]
    if report.photos and level is None:
        story.append(CondPageBreak(PHOTO_BOX[1] + 30 * mm))
        heading("图片资料")
        story += photo_pages(report.photos, cache, st)
    return story


def render_department_summary(report: DepartmentReport) -> bytes:
    """A department's summary as PDF bytes."""
    buffer = io.BytesIO()
    doc = OfficialDocument(buffer, report.title, report.department)
    cache = PhotoCache()
    try:
        cache.prefetch(report.photos)
        doc.build(department_story(report, summary_styles(doc), cache))
    finally:
        cache.close()
    return buffer.getvalue()


# ---------------------------------------------------------------- the county report
class Bookmark(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Zero-size marker: a PDF outline entry (and a contents line) at this point."""

    def __init__(self, text: str, level: int, key: str) -> None:
        super().__init__()
        self.text, self.level, self.key = text, level, key

    def wrap(self, *_args: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas = self.canv
        canvas.bookmarkPage(self.key)
        canvas.addOutlineEntry(self.text, self.key, level=self.level, closed=self.level > 0)
        doc = canvas._doctemplate
        number = canvas.getPageNumber() - doc.number_offset
        doc.notify("TOCEntry", (self.level, self.text, number, self.key))


class ReportDocument(OfficialDocument):
    """The official page plus a cover page template without a page number."""

    def __init__(self, target: IO[bytes] | str, title: str, author: str) -> None:
        super().__init__(target, title, author)
        cover = Frame(LEFT, BOTTOM, TEXT_WIDTH, TEXT_HEIGHT, 0, 0, 0, 0, id="cover")
        self.pageTemplates.insert(0, PageTemplate("cover", [cover]))


def _cover(report: CountyReport, st: Styles) -> Story:
    return [
        Spacer(0, 30 * mm),
        _p(report.issuer or report.county, st["cover_issuer"]),
        Spacer(0, 12 * mm),
        _p(report.title.replace("工作", "工作\n", 1), st["cover_title"]),  # breaks where it reads
        Spacer(0, 10 * mm),
        _p(f"（{report.programme_title}）", st["cover_sub"]),
        Spacer(0, 70 * mm),
        _p(f"报送单位：{report.county}", st["cover_line"]),
        _p(f"报送对象：{report.recipient}", st["cover_line"]),
        _p(f"统计截至：{cn_date(report.as_of)}", st["cover_line"]),
        PageBreak(),  # the contents follow on an unnumbered page too
    ]


def _contents(st: Styles) -> Story:
    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [st["toc0"], st["toc1"]]
    return [
        _p("目　录", st["title"]),
        toc,
        NextPageTemplate("official"),
        PageBreak(),
        RestartPageNumbers(),
    ]


def _chapter(story: Story, text: str, key: str, st: Styles) -> None:
    story.append(CondPageBreak(LEADING * 6))
    story.append(Bookmark(text, 0, key))
    story.append(_p(text, st["heading"]))


def _goals(report: CountyReport, st: Styles) -> Story:
    rows = [["目标", "目标值", "实际完成", "是否达成"]]
    rows += [
        [g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"]
        for g in report.goals
    ]
    table = _table(rows, [74 * mm, 24 * mm, 34 * mm, 24 * mm], st)
    marks = [("TEXTCOLOR", (3, n), (3, n), colors.HexColor("#b03a2e"))
             for n, g in enumerate(report.goals, start=1) if not g.met]  # fmt: skip
    if marks:
        table.setStyle(TableStyle(marks))
    return [table]


def _indicators(report: CountyReport, st: Styles) -> Story:
    """Every department's indicators against target, from the ledger (submitted or not)."""
    rows: list[list[object]] = [["科室", "量化指标", "年度目标", "已完成", "完成率"]]
    spans = []
    for department, indicators in report.indicators:
        first = len(rows)
        for item in indicators:
            rows.append([department if len(rows) == first else "", item.name,
                         f"{_figure(item.target)}{item.measure_unit}",
                         f"{_figure(item.actual)}{item.measure_unit}" if item.actual is not None else "人工评定",
                         _percent(item.ratio)])  # fmt: skip
        if len(rows) - first > 1:
            spans.append(("SPAN", (0, first), (0, len(rows) - 1)))
    if len(rows) == 1:
        return [_p("本方案尚未设置量化指标。", st["body"])]
    table = _table(rows, [30 * mm, 52 * mm, 27 * mm, 27 * mm, 20 * mm], st)
    table.setStyle(TableStyle(spans))
    return [table]


def _status_table(report: CountyReport, st: Styles) -> Story:
    rows = [["科室", "状态", "报送日期", "备注"]]
    for row in report.statuses:
        note = "逾期报送" if row.late else ("逾期未报" if row.overdue(report.as_of) else "")
        rows.append([row.department, row.status_label,
                     cn_date(row.submitted_on) if row.submitted_on else "—", note])  # fmt: skip
    return [_table(rows, [50 * mm, 30 * mm, 40 * mm, 36 * mm], st)]


def county_story(report: CountyReport, st: Styles, cache: PhotoCache) -> Story:
    """The county report's flowables: cover, contents, chapters, photo appendix."""
    story = _cover(report, st) + _contents(st)
    chapter = 0

    def next_chapter(text: str) -> None:
        nonlocal chapter
        chapter += 1
        _chapter(story, f"{cn_numeral(chapter)}、{text}", f"c{chapter}", st)

    next_chapter("目标完成情况")
    story += _goals(report, st)
    next_chapter("各科室总结报送情况")
    missing = report.missing()
    story.append(_p(
        f"应报送 {len(report.statuses)} 个科室，已报送 {len(report.chapters)} 个"
        + (f"；未报送：{'、'.join(f'{r.department}（{r.status_label}）' for r in missing)}。" if missing else "，全部按要求报送。"),
        st["body"],
    ))  # fmt: skip
    story += _status_table(report, st)
    next_chapter("各科室量化指标完成情况")
    story += _indicators(report, st)
    next_chapter("各科室工作总结")
    for number, department in enumerate(report.chapters, start=1):
        label = f"（{cn_numeral(number)}）{department.department}"
        story.append(CondPageBreak(LEADING * 8))
        story.append(Bookmark(label, 1, f"d{number}"))
        story.append(_p(label, st["subheading"]))
        story += department_story(department, st, cache, level=1)
    for row in missing:
        story.append(_p(f"{row.department}：未报送总结（{row.status_label}）。", st["missing"]))
    next_chapter("创新品牌创建情况")
    if report.brands:
        for brand in report.brands:
            story.append(
                _p(f"“{brand.name}”（牵头：{brand.lead}，{brand.status}）", st["subheading"])
            )
            for text in (brand.description, brand.outcomes):
                if text.strip():
                    story.append(_p(text, st["body"]))
    else:
        story.append(_p("本期尚无品牌创建记录。", st["body"]))
    next_chapter("督查整改情况")
    if report.inspections:
        for inspection in report.inspections:
            story.append(_p(f"{cn_date(inspection.inspected_on)}，{inspection.inspectors}对{inspection.unit}进行督查。"
                            + (inspection.findings or ""), st["body"]))  # fmt: skip
            if inspection.items:
                rows = [["问题", "责任单位", "整改期限", "状态"]]
                rows += [[f, u, cn_date(d), s] for f, u, d, s in inspection.items]
                story.append(_table(rows, [70 * mm, 34 * mm, 30 * mm, 22 * mm], st))
    else:
        story.append(_p("本期尚无督查记录。", st["body"]))
    photos = [p for c in report.chapters for p in c.photos]
    if photos:
        story.append(PageBreak())
        story.append(Bookmark("附件：图片资料", 0, "photos"))
        story.append(_p("附件：图片资料", st["heading"]))
        for department_name, group in _grouped(photos):
            story.append(CondPageBreak(PHOTO_BOX[1] + 30 * mm))
            story.append(_p(department_name, st["subheading"]))
            story += photo_pages(group, cache, st)
    return story


def _grouped(photos: Iterable[ReportPhoto]) -> list[tuple[str, list[ReportPhoto]]]:
    groups: dict[str, list[ReportPhoto]] = {}
    for photo in photos:
        groups.setdefault(photo.department, []).append(photo)
    return list(groups.items())


def render_county_summary(report: CountyReport) -> bytes:
    """The county report as PDF bytes (built twice so the contents know the page numbers)."""
    buffer = io.BytesIO()
    doc = ReportDocument(buffer, report.title, report.county)
    st = summary_styles(doc)
    cache = PhotoCache()
    try:
        cache.prefetch(p for chapter in report.chapters for p in chapter.photos)
        doc.multiBuild(county_story(report, st, cache))
    finally:
        cache.close()
    return buffer.getvalue()


def summary_styles(doc: OfficialDocument) -> Styles:
    """The official styles plus those of summaries: meta line, captions, cover, contents."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    st = styles(doc.fonts)
    f = doc.fonts
    st["meta"] = ParagraphStyle("meta", parent=st["plain"], fontSize=14, leading=22, alignment=TA_CENTER,
                                spaceAfter=LEADING * 0.4)  # fmt: skip
    st["heading"] = ParagraphStyle("heading2", parent=st["heading"], spaceBefore=LEADING * 0.4)
    st["subheading"] = ParagraphStyle("subheading", parent=st["heading"], fontName=f.heading)
    st["level3"] = ParagraphStyle(
        "level3", parent=st["body"], fontName=f.heading, keepWithNext=1, spaceBefore=LEADING * 0.2
    )
    st["small"] = ParagraphStyle("small", parent=st["note"], fontSize=12, leading=18, spaceBefore=4)
    st["caption"] = ParagraphStyle("caption", parent=st["cell_center"], fontSize=11, leading=15)
    st["missing"] = ParagraphStyle(
        "missing", parent=st["plain"], textColor=colors.HexColor("#b03a2e")
    )
    st["cover_issuer"] = ParagraphStyle("ci", parent=st["title"], fontSize=20, leading=30)
    st["cover_title"] = ParagraphStyle("ct", parent=st["title"], fontSize=26, leading=40)
    st["cover_sub"] = ParagraphStyle(
        "cs", parent=st["plain"], fontSize=15, leading=24, alignment=TA_CENTER
    )
    st["cover_line"] = ParagraphStyle(
        "cl", parent=st["plain"], fontSize=16, leading=30, leftIndent=30 * mm
    )
    st["toc0"] = ParagraphStyle(
        "toc0", parent=st["plain"], fontName=f.heading, fontSize=15, leading=26
    )
    st["toc1"] = ParagraphStyle(
        "toc1", parent=st["plain"], fontSize=14, leading=22, leftIndent=2 * 14
    )
    return st
