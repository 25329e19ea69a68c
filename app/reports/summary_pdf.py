"""Summary PDFs in the official layout: a department's phase summary, and the county's
aggregated report for the city office (cover, contents, bookmarks, chapters, photo appendix).

Photos are embedded from their print copies (``app.reports.print_photos``: JPEGs of at most
``PHOTO_MAX_SIDE`` pixels, which ReportLab embeds as they are), so a report with hundreds of
camera photos stays small.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import replace
from typing import IO, Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
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
    closing,
    cn_date,
    cn_numeral,
    ruled_table,
    styles,
)
from app.reports.print_photos import PrintPhotos
from app.reports.typesetting import Paragraph, unit_name
from app.services.attachments import PRINT_MAX_SIDE
from app.services.summaries import FROZEN_AT_UPGRADE
from app.services.summary_reports import (
    SIGNED,
    CountyReport,
    DepartmentReport,
    ReportPhoto,
    meetings_sentence,
    signing_rows,
    signing_sentence,
)
from app.services.wording import figure, name_list, percent, sentence_of_lines, signed

PHOTO_MAX_SIDE = PRINT_MAX_SIDE  # the print copies': ≈ 320 dpi across a 76 mm wide print
PHOTO_BOX = (76 * mm, 78 * mm)  # width, height of a photo in the two-by-two grid
RED = "#b03a2e"  # what is not achieved, not signed, not held, overdue


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(
    rows: Sequence[Sequence[object]], widths: list[float], st: Styles, total_row: bool = False
) -> Table:
    """A ruled table; with ``total_row`` its last row is shaded."""
    shade = [("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f7f7f7"))] if total_row else []
    return ruled_table(rows, widths, st, extra=shade)


# ---------------------------------------------------------------- photos
class _JpegReader(ImageReader):  # type: ignore[misc]  # ReportLab has no type hints
    """A JPEG in memory, embedded as it is. ReportLab names an ImageReader's picture by a
    digest of its decoded pixels (decoding every photo and keeping the pixels, ≈ 2 MB each,
    as long as the story lives); the JPEG's own hash names it here instead."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._dataA = None
        self._name = hashlib.sha256(data).digest()

    def getRGBData(self) -> bytes:
        if self.jpeg_fh() is not None:  # only names the picture: the JPEG itself is embedded
            return self._name
        return super().getRGBData()  # type: ignore[no-any-return]


def picture(data: bytes, width: float, height: float) -> Image:
    """A platypus picture of a JPEG held in memory, drawn ``width`` × ``height``."""
    flowable = Image(io.BytesIO(data), width=width, height=height)
    flowable._img = _JpegReader(data)
    return flowable


def _photo_cell(photo: ReportPhoto, cache: PrintPhotos, st: Styles) -> Story:
    made = cache.get(photo.store, photo.sha256)
    box_w, box_h = PHOTO_BOX
    if made is None:
        flowable: Flowable = _p("（照片文件无法读取）", st["cell_center"])
    else:
        data, width, height = made
        scale = min(box_w / width, box_h / height)
        flowable = picture(data, width * scale, height * scale)
    return [flowable, Spacer(0, 2 * mm), _p(photo.caption, st["caption"])]


def photo_pages(photos: list[ReportPhoto], cache: PrintPhotos, st: Styles) -> Story:
    """Photos two to a row, each with its caption under it; each row is as tall as its
    pictures, so rows follow one another down the page (three rows of landscape photos)."""
    flowables: Story = []
    for start in range(0, len(photos), 2):
        cells = [_photo_cell(p, cache, st) for p in photos[start : start + 2]]
        while len(cells) < 2:
            cells.append([])
        table = Table([cells], colWidths=[TEXT_WIDTH / 2] * 2)
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st["cell"].fontName),
                                   ("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 4),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))  # fmt: skip
        flowables.append(table)
    return flowables


# ---------------------------------------------------------------- a department's summary
def _statistics(report: DepartmentReport, st: Styles) -> Story:
    """The statistics: the period counted, entries by kind, indicators, 走访 — the snapshot
    frozen with a submitted summary, a draft's as computed now."""
    f = report.figures
    split = not f.whole_year  # the period and the year so far differ: a column pair for each
    flowables: Story = [_p(f"统计期间：{cn_date(f.period_start)}至{cn_date(f.period_end)}"
                           + ("" if not split else f"；全年累计自{cn_date(f.year_start)}起"),
                           st["small"])]  # fmt: skip
    head: list[object] = [  # the units on a line of their own: a narrow cell would break after "（"
        "工作类型",
        "本阶段\n（次）",
        "全年累计\n（次）",
        "服务对象\n本阶段（人次）",
        "服务对象\n累计（人次）",
    ]
    rows: list[list[object]] = [head if split else ["工作类型", "台账（条）", "服务对象（人次）"]]
    for k in f.kinds:
        rows.append([k.kind, k.period_count, k.year_count, k.period_served, k.year_served] if split
                    else [k.kind, k.period_count, k.period_served])  # fmt: skip
    total = (["合计", f.period_entries, f.year_entries, f.period_served, f.year_served] if split
             else ["合计", f.period_entries, f.period_served])  # fmt: skip
    rows.append(total)
    widths = [40 * mm, 22 * mm, 24 * mm, 35 * mm, 35 * mm] if split else [76 * mm, 40 * mm, 40 * mm]
    flowables.append(_table([[figure(c) if isinstance(c, int) else c for c in r] for r in rows],
                            widths, st, total_row=True))  # fmt: skip
    if f.indicators:
        flowables.append(Spacer(0, LEADING * 0.4))
        rows = [["量化指标", "年度目标", "已完成", "完成率"]]
        rows += [[i.name, f"{figure(i.target)}{i.measure_unit}", f"{figure(i.actual)}{i.measure_unit}"
                  if i.actual is not None else "人工评定", percent(i.ratio)] for i in f.indicators]  # fmt: skip
        flowables.append(_table(rows, [66 * mm, 32 * mm, 34 * mm, 24 * mm], st))
    if f.paired_offices:
        each = "；".join(f"{v.office} {v.period_count} 次" for v in f.visits)
        visits = f"共 {f.period_visits} 次（{each}）" if each else "本期无记录"
        if split and f.year_visits:
            visits += f"，全年累计 {f.year_visits} 次"
        flowables.append(_p(f"挂钩结对：{'、'.join(f.paired_offices)}。走访结对司法所：{visits}。",
                            st["small"]))  # fmt: skip
    if f.frozen == FROZEN_AT_UPGRADE and f.frozen_on is not None:
        flowables.append(_p(f"注：本总结报送于统计数据随总结冻结之前，以上统计数据为程序升级时"
                            f"（{cn_date(f.frozen_on)}）按报送日以前的台账冻结。", st["small"]))  # fmt: skip
    elif not f.frozen and not report.draft:
        flowables.append(_p("注：报送时未附统计数据，以上按报送日以前的台账计算。", st["small"]))
    return flowables


def department_story(
    report: DepartmentReport, st: Styles, cache: PrintPhotos, level: int | None = None
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
        story.append(CondPageBreak(LEADING * 3))  # the heading and two lines of its text
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
    if level is None:  # the department's 落款 under its text, the photos after it
        from datetime import date

        last = [story.pop()] if hasattr(story[-1], "frags") else []  # "frags": a paragraph
        story += closing(last, report.department, cn_date(report.submitted_on or date.today()), st)
    if report.photos and level is None:  # an attachment after the 落款, not a numbered section
        story.append(CondPageBreak(PHOTO_BOX[1] + 30 * mm))
        story.append(_p("附件：工作图片资料", st["heading"]))
        story += photo_pages(report.photos, cache, st)
    return story


def render_department_summary(report: DepartmentReport) -> bytes:
    """A department's summary as PDF bytes."""
    buffer = io.BytesIO()
    doc = OfficialDocument(buffer, report.title, report.department)
    cache = PrintPhotos()
    try:
        cache.prefetch((p.store, p.sha256) for p in report.photos)
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
        _p(f"《{report.programme_title}》", st["cover_sub"]),
        Spacer(0, 70 * mm),
        _p(f"报送单位：{report.closing_issuer or report.county}", st["cover_line"]),
        _p(f"报送对象：{report.recipient}", st["cover_line"]),
        _p(f"统计截至：{cn_date(report.as_of)}", st["cover_line"]),
        PageBreak(),  # the contents follow on an unnumbered page too
    ]


def _contents(st: Styles) -> Story:
    from reportlab.platypus import TableStyle

    toc = TableOfContents(dotsMinLevel=0)
    toc.levelStyles = [st["toc0"], st["toc1"]]
    toc.tableStyle = TableStyle([  # ReportLab's own, with our font (else Helvetica joins the file)
        ("FONTNAME", (0, 0), (-1, -1), st["toc0"].fontName), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ])  # fmt: skip
    return [
        _p("目　录", st["title"]),
        toc,
        NextPageTemplate("official"),
        PageBreak(),
        RestartPageNumbers(),
    ]


def _chapter(story: Story, text: str, key: str, st: Styles, lines: float = 4) -> None:
    """A level-1 heading with its bookmark, on a new page unless ``lines`` lines are left (the
    heading and the first lines of what follows)."""
    story.append(CondPageBreak(LEADING * lines))
    story.append(Bookmark(text, 0, key))
    story.append(_p(text, st["heading"]))


def _goals(report: CountyReport, st: Styles) -> Story:
    rows = [["目标", "目标值", "实际完成", "是否达成"]]
    rows += [
        [g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"]
        for g in report.goals
    ]
    table = _table(rows, [74 * mm, 24 * mm, 34 * mm, 24 * mm], st)
    marks = [("TEXTCOLOR", (3, n), (3, n), colors.HexColor(RED))
             for n, g in enumerate(report.goals, start=1) if not g.met]  # fmt: skip
    if marks:
        table.setStyle(TableStyle(marks))
    return [table]


def _indicators(report: CountyReport, st: Styles) -> Story:
    """Every department's indicators against target, from the ledger (submitted or not)."""
    rows: list[list[object]] = [["科室", "量化指标", "年度目标", "已完成", "完成率"]]
    spans: list[tuple[Any, ...]] = []
    for department, indicators in report.indicators:
        for item in indicators:
            rows.append([unit_name(department), item.name,
                         f"{figure(item.target)}{item.measure_unit}",
                         f"{figure(item.actual)}{item.measure_unit}" if item.actual is not None else "人工评定",
                         percent(item.ratio)])  # fmt: skip
    # every row names its department: a table continued on the next page stays readable
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


def _narrative(report: CountyReport, st: Styles) -> Story:
    """The county's own summary: its sections as level-2 headings, empty ones left out."""
    written = [(name, text) for name, text in report.narrative.items() if text.strip()]
    if not written:
        return [_p("（县矫正办尚未撰写本期全县总结：请在“阶段总结”页点“编写全县总结…”。）",
                   st["missing"])]  # fmt: skip
    story: Story = []
    for number, (name, text) in enumerate(written, start=1):
        story.append(CondPageBreak(LEADING * 3))
        story.append(_p(f"（{cn_numeral(number)}）{name}", st["subheading"]))
        story += [_p(paragraph, st["body"]) for paragraph in text.split("\n") if paragraph.strip()]
    return story


def _ranking(report: CountyReport, st: Styles) -> Story:
    """Every department's score and rank: the indicators' share, each addition or deduction."""
    if not report.ranking:
        return [_p("尚无考核数据。", st["body"])]
    rows: list[list[object]] = [["名次", "科室", "指标完成率", "加减分事项", "得分"]]
    for score in report.ranking:
        others = "；".join(f"{line.label} {signed(line.points)}" for line in score.lines[1:]) or "—"
        total = f"{score.total:.2f}".replace("-", "\u2212")  # a true minus sign
        rows.append([str(score.rank), unit_name(score.name), percent(score.completion), others,
                     total])  # fmt: skip
    intro = _p(f"按《{report.scheme_name}》计分，截至{cn_date(report.as_of)}各科室得分和名次如下：",
               st["body"])  # fmt: skip
    note = _p("注：指标完成率为各项量化指标的加权完成率（每项以 100% 为限）；得分为指标得分与"
              "各项加减分之和。", st["small"])  # fmt: skip
    return [
        intro,
        ruled_table(rows, [14 * mm, 38 * mm, 28 * mm, 54 * mm, 22 * mm], st, left=(1, 3)),
        note,
    ]


def _signing(report: CountyReport, st: Styles) -> Story:
    """The agreements: a sentence naming who has not signed, then every department's state."""
    if not report.signing:
        return [_p("尚无需要签订责任状的科室。", st["body"])]
    text = signing_sentence(report, name_list)
    rows: list[list[object]] = [list(row) for row in signing_rows(report)]
    marks = [("TEXTCOLOR", (1, n), (1, n), colors.HexColor(RED))
             for n, line in enumerate(report.signing, start=1) if line.state != SIGNED]  # fmt: skip
    table = _table(rows, [50 * mm, 36 * mm, 35 * mm, 35 * mm], st)
    table.setStyle(TableStyle(marks))
    return [_p(text, st["body"]), table]


def _meetings(report: CountyReport, st: Styles) -> Story:
    """The monthly meetings of the period: held (date, units reporting) and missed months."""
    text = meetings_sentence(report)
    story: Story = [_p(text, st["body"])]
    if report.meetings:
        rows: list[list[object]] = [["月份", "召开情况", "汇报单位（已汇报/应汇报）"]]
        marks = []
        for n, line in enumerate(report.meetings, start=1):
            when = f"{line.month.year}年{line.month.month}月"
            if line.held_on is None:
                rows.append([when, "未召开", "—"])
                marks.append(("TEXTCOLOR", (1, n), (1, n), colors.HexColor(RED)))
            else:
                rows.append([when, f"{cn_date(line.held_on)}召开",
                             f"{line.reports}/{line.reporting_units}"])  # fmt: skip
        table = _table(rows, [36 * mm, 66 * mm, 54 * mm], st)
        table.setStyle(TableStyle(marks))
        story.append(table)
    return story


def _inspections(report: CountyReport, st: Styles) -> Story:
    """Each inspection and its rectification items; an item past its deadline unrectified is
    marked 逾期 with the days, in red."""
    if not report.inspections:
        return [_p("本期尚无督查记录。", st["body"])]
    story: Story = []
    late = [(f, u, days) for i in report.inspections
            for (f, u, _d, _s), days in zip(i.items, i.overdue_days or (0,) * len(i.items), strict=True)
            if days]  # fmt: skip
    count = sum(len(i.items) for i in report.inspections)
    summary = f"本期开展督查 {len(report.inspections)} 次，发现问题 {count} 项"
    summary += (f"，其中逾期未整改 {len(late)} 项（{name_list(sorted({u for _f, u, _d in late}))}）。"
                if late else "，无逾期未整改事项。")  # fmt: skip
    story.append(_p(summary, st["body"]))
    for inspection in report.inspections:
        story.append(_p(f"{cn_date(inspection.inspected_on)}，{inspection.inspectors}对{inspection.unit}进行督查"
                        + ("，" + sentence_of_lines(inspection.findings, "发现问题：")
                           if inspection.findings.strip() else "。"), st["body"]))  # fmt: skip
        if inspection.items:
            rows: list[list[object]] = [["问题", "责任单位", "整改期限", "状态"]]
            marks: list[tuple[Any, ...]] = []
            days_list = inspection.overdue_days or (0,) * len(inspection.items)
            for n, ((f, u, d, s), days) in enumerate(
                zip(inspection.items, days_list, strict=True), 1
            ):
                rows.append([f, u, cn_date(d), f"{s}\n逾期{days}天" if days else s])
                if days:
                    marks.append(("TEXTCOLOR", (3, n), (3, n), colors.HexColor(RED)))
            story += _last_row_apart(rows, [58 * mm, 34 * mm, 38 * mm, 26 * mm], st, marks)
    return story


def _last_row_apart(
    rows: list[list[object]], widths: list[float], st: Styles, marks: list[tuple[Any, ...]]
) -> Story:
    """A ruled table as two: all but its last row, and that row right under it (it looks the
    same), so the 落款 that follows can keep with the last row instead of taking the whole
    table, or nothing, to the next page. ``marks`` are TableStyle commands by row."""
    if len(rows) < 3:
        table = _table(rows, widths, st)
        table.setStyle(TableStyle(marks))
        return [table]
    last = len(rows) - 1
    body = _table(rows[:last], widths, st)
    body.setStyle(TableStyle([m for m in marks if m[1][1] < last]))
    tail = ruled_table(rows[last:], widths, st, header=False)
    tail.setStyle(TableStyle([(m[0], (m[1][0], 0), (m[2][0], 0), *m[3:])
                              for m in marks if m[1][1] == last]))  # fmt: skip
    tail.keep_with_closing = True
    return [body, tail]


def _brands(report: CountyReport, st: Styles) -> Story:
    if not report.brands:
        return [_p("本期尚无品牌创建记录。", st["body"])]
    story: Story = []
    for number, brand in enumerate(report.brands, start=1):
        story.append(CondPageBreak(LEADING * 3))
        story.append(_p(f"（{cn_numeral(number)}）“{brand.name}”（牵头：{brand.lead}，{brand.status}）",
                        st["subheading"]))  # fmt: skip
        for text in (brand.description, brand.outcomes):
            if text.strip():
                story.append(_p(text, st["body"]))
    return story


def _chapter_of(department: DepartmentReport) -> DepartmentReport:
    """A department's summary as a chapter: its indicators are in the county's table already."""
    return replace(department, figures=replace(department.figures, indicators=[]))


def county_story(report: CountyReport, st: Styles, cache: PrintPhotos) -> Story:
    """The county report's flowables: cover, contents, the county's own summary, the figures
    the city asks for (goals, ranking, agreements, meetings, summaries sent, indicators), each
    department's summary, brands, inspections, the 落款, then the photos as an attachment."""
    story = _cover(report, st) + _contents(st)
    chapter = 0

    def next_chapter(text: str, lines: float = 4) -> None:  # 5.5: a sentence, a table's top
        nonlocal chapter
        chapter += 1
        _chapter(story, f"{cn_numeral(chapter)}、{text}", f"c{chapter}", st, lines)

    next_chapter("全县工作总结")
    story += _narrative(report, st)
    next_chapter("目标完成情况")
    story += _goals(report, st)
    next_chapter("考核得分和排名", 5.5)
    story += _ranking(report, st)
    next_chapter("责任状签订情况", 5.5)
    story += _signing(report, st)
    next_chapter("月度例会召开情况", 5.5)
    story += _meetings(report, st)
    next_chapter("各科室量化指标完成情况")
    story += _indicators(report, st)
    next_chapter("各科室总结报送情况", 5.5)
    missing = report.missing()
    story.append(_p(
        f"应报送 {len(report.statuses)} 个科室，已报送 {len(report.chapters)} 个"
        + (f"，未报送 {len(missing)} 个（见下表）。" if missing else "，全部按要求报送。"),
        st["body"],
    ))  # fmt: skip
    story += _status_table(report, st)
    if report.chapters:
        next_chapter("各科室工作总结")
    for number, department in enumerate(report.chapters, start=1):
        label = f"（{cn_numeral(number)}）{department.department}"
        story.append(CondPageBreak(LEADING * 5.5))  # with its meta line, 1．工作统计, a table row
        story.append(Bookmark(label, 1, f"d{number}"))
        story.append(_p(label, st["subheading"]))
        story += department_story(_chapter_of(department), st, cache, level=1)
    next_chapter("创新品牌创建情况")
    story += _brands(report, st)
    next_chapter("督查整改情况")
    story += _inspections(report, st)
    photos = [p for c in report.chapters for p in c.photos]
    # the 落款 kept with the last of the text (a paragraph; a table would strand its heading)
    ends_text = hasattr(story[-1], "frags") or getattr(story[-1], "keep_with_closing", False)
    tail = [story.pop()] if ends_text else []  # a paragraph ("frags"), or a table's last row
    if tail and getattr(story[-1], "style", None) is st["heading"]:  # a chapter of one paragraph
        tail[:0] = [story.pop(-2), story.pop()]  # its bookmark and heading go with it
    if photos:
        tail.append(_p(f"附件：各科室工作图片资料（{len(photos)} 张）", st["attachment_note"]))
    story += closing(tail, report.closing_issuer or report.county,
                     cn_date(report.as_of), st, seal=True)  # fmt: skip
    if photos:
        story.append(PageBreak())
        story.append(Bookmark("附件：图片资料", 0, "photos"))
        story.append(_p("附件", st["heading"]))
        story.append(_p("各科室工作图片资料", st["title"]))
        captioned = [replace(p, caption=f"{p.department}：{p.caption}") for p in photos]
        story += photo_pages(captioned, cache, st)  # one after another, not a page each
    return story


def render_county_summary(report: CountyReport) -> bytes:
    """The county report as PDF bytes (built twice so the contents know the page numbers)."""
    buffer = io.BytesIO()
    doc = ReportDocument(buffer, report.title, report.county)
    st = summary_styles(doc)
    cache = PrintPhotos()
    try:
        cache.prefetch((p.store, p.sha256) for chapter in report.chapters for p in chapter.photos)
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
    st["attachment_note"] = ParagraphStyle(  # 附件说明: under the text, two characters in
        "attachment_note", parent=st["plain"], leftIndent=2 * st["body"].fontSize,
        spaceBefore=LEADING,
    )  # fmt: skip
    # Headings are kept with the first lines of their text by a CondPageBreak before them, not
    # by keepWithNext: that keeps a heading with the whole next paragraph or table, and moves
    # both to the next page when they do not fit, leaving half a page empty.
    st["heading"] = ParagraphStyle(
        "heading2", parent=st["heading"], spaceBefore=LEADING * 0.4, keepWithNext=0
    )
    # GB/T 9704: "一、" 黑体, "（一）" 楷体, "1．" 仿宋
    st["subheading"] = ParagraphStyle("subheading", parent=st["heading"], fontName=f.heading2)
    st["level3"] = ParagraphStyle(
        "level3", parent=st["body"], fontName=f.heading3, keepWithNext=0, spaceBefore=LEADING * 0.2
    )
    st["small"] = ParagraphStyle("small", parent=st["note"], fontSize=12, leading=18, spaceBefore=4)
    st["caption"] = ParagraphStyle("caption", parent=st["cell_center"], fontSize=11, leading=15)
    st["missing"] = ParagraphStyle("missing", parent=st["plain"], textColor=colors.HexColor(RED))
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
