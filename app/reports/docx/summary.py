"""Summaries as editable Word documents: a department's phase summary (``DepartmentReport``, as
``department_story`` in ``app.reports.summary_pdf`` draws it) and the county's report for the
city office (``CountyReport``, as ``county_story``): the same content in the same order.

Each part is a small function taking the document and the data, so the wording and order can be
adjusted in one place. Photos are embedded from the same print-sized copies as the PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from docx.shared import Mm, Pt

from app.reports.docx.official_docx import BODY_PT, RED, OfficialDocx, chars, set_fonts
from app.reports.print_photos import PrintPhotos
from app.services.summaries import FROZEN_AT_UPGRADE
from app.services.summary_reports import (
    SIGNED,
    CountyReport,
    DepartmentReport,
    InspectionLine,
    ReportPhoto,
    meetings_sentence,
    signing_rows,
    signing_sentence,
)
from app.services.wording import book_title, cn_date, cn_numeral, figure, percent, signed

Heading = Callable[[str], None]

APPENDIX_ENTRY = "附件：图片资料"
"""The photo appendix in the contents, as the PDF's contents and bookmark name it."""


def photos(doc: OfficialDocx, items: list[ReportPhoto], cache: PrintPhotos) -> None:
    """Photos two across with their captions, from the print-sized copies."""
    doc.pictures([(cache.get(p.store, p.sha256), p.caption) for p in items])


# ---------------------------------------------------------------- a department's summary
def statistics(doc: OfficialDocx, report: DepartmentReport) -> None:
    """The statistics as the PDF prints them: the period counted, the work counts, the
    indicators against target, 走访 — the snapshot frozen with a submitted summary (and the
    note saying how it was frozen), a draft's as computed now."""
    f = report.figures
    split = not f.whole_year  # the period and the year so far differ: a column pair for each
    doc.note(f"统计期间：{cn_date(f.period_start)}至{cn_date(f.period_end)}"
             + ("" if not split else f"；全年累计自{cn_date(f.year_start)}起"), 12)  # fmt: skip
    if split:
        rows = [["工作类型", "本阶段\n（次）", "全年累计\n（次）", "服务对象\n本阶段（人次）",
                 "服务对象\n累计（人次）"]]  # fmt: skip
        rows += [[k.kind, figure(k.period_count), figure(k.year_count),
                  figure(k.period_served), figure(k.year_served)] for k in f.kinds]  # fmt: skip
        rows.append(["合计", figure(f.period_entries), figure(f.year_entries),
                     figure(f.period_served), figure(f.year_served)])  # fmt: skip
        widths = [40, 22, 24, 35, 35]
    else:
        rows = [["工作类型", "台账（条）", "服务对象（人次）"]]
        rows += [[k.kind, figure(k.period_count), figure(k.period_served)] for k in f.kinds]
        rows.append(["合计", figure(f.period_entries), figure(f.period_served)])
        widths = [76, 40, 40]
    doc.table(rows, widths, total_row=True)
    if f.indicators:
        rows = [["量化指标", "年度目标", "已完成", "完成率"]]
        rows += [[i.name, f"{figure(i.target)}{i.measure_unit}",
                  f"{figure(i.actual)}{i.measure_unit}" if i.actual is not None else "人工评定",
                  percent(i.ratio)] for i in f.indicators]  # fmt: skip
        doc.table(rows, [66, 32, 34, 24])
    if f.paired_offices:
        each = "；".join(f"{v.office} {v.period_count} 次" for v in f.visits)
        visits = f"共 {f.period_visits} 次（{each}）" if each else "本期无记录"
        if split and f.year_visits:
            visits += f"，全年累计 {f.year_visits} 次"
        doc.note(f"挂钩结对：{'、'.join(f.paired_offices)}。走访结对司法所：{visits}。", 12)
    frozen_note(doc, report)


def frozen_note(doc: OfficialDocx, report: DepartmentReport) -> None:
    """How a submitted summary's figures were frozen, when not at submission."""
    f = report.figures
    if f.frozen == FROZEN_AT_UPGRADE and f.frozen_on is not None:
        doc.note(f"注：本总结报送于统计数据随总结冻结之前，以上统计数据为程序升级时"
                 f"（{cn_date(f.frozen_on)}）按报送日以前的台账冻结。", 12)  # fmt: skip
    elif not f.frozen and not report.draft:
        doc.note("注：报送时未附统计数据，以上按报送日以前的台账计算。", 12)


def department_head(doc: OfficialDocx, report: DepartmentReport, chapter: bool) -> None:
    """Title and period (a document only), then who reports and when."""
    if not chapter:
        if report.draft:
            doc.draft_mark()
        title, period = report.title.rsplit("（", 1)  # the period on a line of its own
        doc.title(title)
        doc.centred(f"（{period}", 14)
    meta = f"报送单位：{report.department}"
    if report.submitted_on:
        meta += f"　　报送日期：{cn_date(report.submitted_on)}"
        if report.late and report.deadline is not None:
            meta += f"（逾期，截止日期 {cn_date(report.deadline)}）"
    else:
        meta += f"　　状态：{report.status_label}"
    doc.centred(meta, 14).paragraph_format.space_after = Pt(8)


def department_body(doc: OfficialDocx, report: DepartmentReport, heading: Heading) -> None:
    """工作统计, then each written section with its paragraphs."""
    heading("工作统计")
    statistics(doc, report)
    for name, text in report.sections.items():
        if text.strip():
            heading(name)
            for paragraph in text.split("\n"):
                if paragraph.strip():
                    doc.body(paragraph)


def department(
    doc: OfficialDocx, report: DepartmentReport, cache: PrintPhotos, chapter: bool = False
) -> None:
    """One department's summary: a document (headings 一、) or, with ``chapter``, a chapter of
    the county report (headings 1．, no photos: they go to the appendix)."""
    number = 0

    def heading(text: str) -> None:
        nonlocal number
        number += 1
        if chapter:
            doc.heading(f"{number}．{text}", 3)
        else:
            doc.heading(f"{cn_numeral(number)}、{text}")

    department_head(doc, report, chapter)
    department_body(doc, report, heading)
    if not chapter:  # the department's 落款 under its text; photos are an attachment after it
        from datetime import date

        doc.closing(report.department, cn_date(report.submitted_on or date.today()))
    if report.photos and not chapter:
        doc.heading("附件：工作图片资料")
        photos(doc, report.photos, cache)


def render_department_docx(report: DepartmentReport) -> bytes:
    """A department's summary as .docx bytes."""
    doc = OfficialDocx(report.title, report.department)
    cache = PrintPhotos()
    try:
        cache.prefetch((p.store, p.sha256) for p in report.photos)
        department(doc, report, cache)
    finally:
        cache.close()
    return doc.to_bytes()


# ---------------------------------------------------------------- the county report
def cover(doc: OfficialDocx, report: CountyReport) -> None:
    """The cover page (no page number): issuer, title, plan in 《》, who reports to whom, as-of."""

    def line(text: str, role_size: float, before_mm: float, title_face: bool = True) -> None:
        paragraph = doc.title(text) if title_face else doc.plain(text)
        for run in paragraph.runs:
            run.font.size = Pt(role_size)
        paragraph.paragraph_format.space_before = Mm(before_mm)
        paragraph.paragraph_format.space_after = Pt(0)
        if not title_face:
            paragraph.paragraph_format.left_indent = Mm(30)

    line(report.issuer or report.county, 20, 30)
    line(report.title.replace("工作", "工作\n", 1), 26, 12)
    paragraph = doc.centred(book_title(report.programme_title), 15)
    paragraph.paragraph_format.space_before = Mm(10)
    line(f"报送单位：{report.closing_issuer or report.county}", 16, 70, title_face=False)
    line(f"报送对象：{report.recipient}", 16, 0, title_face=False)
    line(f"统计截至：{cn_date(report.as_of)}", 16, 0, title_face=False)
    doc.page_break()


def contents(doc: OfficialDocx) -> None:
    """目录: a contents field Word and WPS fill in on opening (then a numbered section)."""
    doc.title("目　录")
    doc.contents()  # the file asks Word and WPS to update it on opening
    doc.new_section(numbered=True, restart=True)


def narrative(doc: OfficialDocx, report: CountyReport) -> None:
    """全县工作总结: the county's own sections, （一）（二）… in 楷体, empty ones left out."""
    written = [(name, text) for name, text in report.narrative.items() if text.strip()]
    if not written:
        doc.coloured(doc.plain("（县矫正办尚未撰写本期全县总结：请在“阶段总结”页点“编写全县总结…”。）"),
                     RED)  # fmt: skip
        return
    for number, (name, text) in enumerate(written, start=1):
        doc.subheading(f"（{cn_numeral(number)}）{name}")
        paragraphs(doc, text)


def paragraphs(doc: OfficialDocx, text: str) -> None:
    """Body paragraphs, one a line of ``text`` (blank lines left out)."""
    for paragraph in text.split("\n"):
        if paragraph.strip():
            doc.body(paragraph)


def goals(doc: OfficialDocx, report: CountyReport) -> None:
    """The plan's goals against actual figures; 未达成 in red."""
    rows = [["目标", "目标值", "实际完成", "是否达成"]]
    rows += [[g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"]
             for g in report.goals]  # fmt: skip
    red = {(n, 3): RED for n, g in enumerate(report.goals, start=1) if not g.met}
    doc.table(rows, [74, 24, 34, 24], colours=red)


def ranking(doc: OfficialDocx, report: CountyReport) -> None:
    """考核得分和排名: every department's completion, additions and deductions, score, rank."""
    if not report.ranking:
        doc.body("尚无考核数据。")
        return
    doc.body(f"按《{report.scheme_name}》计分，截至{cn_date(report.as_of)}各科室得分和名次如下：")
    rows = [["名次", "科室", "指标完成率", "加减分事项", "得分"]]
    for score in report.ranking:
        others = "；".join(f"{line.label} {signed(line.points)}" for line in score.lines[1:])
        rows.append([str(score.rank), score.name, percent(score.completion), others or "—",
                     f"{score.total:.2f}".replace("-", "\u2212")])  # fmt: skip
    doc.table(rows, [14, 38, 28, 54, 22], left=(1, 3))
    doc.note("注：指标完成率为各项量化指标的加权完成率（每项以 100% 为限）；得分为指标得分与"
             "各项加减分之和。", 12)  # fmt: skip


def signing(doc: OfficialDocx, report: CountyReport) -> None:
    """责任状签订情况: who has not signed (a sentence), then every department's state; what is
    not signed in red."""
    if not report.signing:
        doc.body("尚无需要签订责任状的科室。")
        return
    doc.body(signing_sentence(report, "、".join))
    rows = signing_rows(report)
    red = {(n, 1): RED for n, line in enumerate(report.signing, start=1) if line.state != SIGNED}
    doc.table(rows, [50, 36, 35, 35], colours=red)


def meetings(doc: OfficialDocx, report: CountyReport) -> None:
    """月度例会召开情况: held and missed months of the period (missed in red), the year's count."""
    text = meetings_sentence(report)
    doc.body(text)
    if not report.meetings:
        return
    rows = [["月份", "召开情况", "汇报单位"]]
    red = {}
    for n, line in enumerate(report.meetings, start=1):
        when = f"{line.month.year}年{line.month.month}月"
        if line.held_on is None:
            rows.append([when, "未召开", "—"])
            red[(n, 1)] = RED
        else:
            rows.append([when, f"{cn_date(line.held_on)}召开",
                         f"{line.reports}/{line.reporting_units}"])  # fmt: skip
    doc.table(rows, [40, 76, 40], colours=red)


def indicators(doc: OfficialDocx, report: CountyReport) -> None:
    """Every department's indicators against target (the department named once): printed here
    only, not again in the departments' chapters."""
    rows = [["科室", "量化指标", "年度目标", "已完成", "完成率"]]
    merges = []
    for name, items in report.indicators:
        first = len(rows)
        for item in items:
            rows.append([name if len(rows) == first else "", item.name,
                         f"{figure(item.target)}{item.measure_unit}",
                         f"{figure(item.actual)}{item.measure_unit}" if item.actual is not None
                         else "人工评定", percent(item.ratio)])  # fmt: skip
        if len(rows) - first > 1:
            merges.append((first, 0, len(rows) - 1, 0))
    if len(rows) == 1:
        doc.body("本方案尚未设置量化指标。")
        return
    doc.table(rows, [30, 52, 27, 27, 20], left=(1,), merges=merges)


def submissions(doc: OfficialDocx, report: CountyReport) -> None:
    """How many departments reported, and each one's status (the missing ones once, here)."""
    missing = report.missing()
    doc.body(
        f"应报送 {len(report.statuses)} 个科室，已报送 {len(report.chapters)} 个"
        + (f"，未报送 {len(missing)} 个（见下表）。" if missing else "，全部按要求报送。")
    )
    rows = [["科室", "状态", "报送日期", "备注"]]
    for row in report.statuses:
        note = "逾期报送" if row.late else ("逾期未报" if row.overdue(report.as_of) else "")
        rows.append([row.department, row.status_label,
                     cn_date(row.submitted_on) if row.submitted_on else "—", note])  # fmt: skip
    doc.table(rows, [50, 30, 40, 36])


def chapters(doc: OfficialDocx, report: CountyReport, cache: PrintPhotos) -> None:
    """Each submitted summary as a chapter （一）…, without its indicators (printed once above)."""
    for number, chapter in enumerate(report.chapters, start=1):
        doc.heading(f"（{cn_numeral(number)}）{chapter.department}", 2)
        without = replace(chapter, figures=replace(chapter.figures, indicators=[]))
        department(doc, without, cache, chapter=True)


def brands(doc: OfficialDocx, report: CountyReport) -> None:
    """The innovation brands （一）（二）… with their description and outcomes."""
    if not report.brands:
        doc.body("本期尚无品牌创建记录。")
    for number, brand in enumerate(report.brands, start=1):
        doc.subheading(
            f"（{cn_numeral(number)}）“{brand.name}”（牵头：{brand.lead}，{brand.status}）"
        )
        for text in (brand.description, brand.outcomes):
            if text.strip():
                doc.body(text)


def inspections(doc: OfficialDocx, report: CountyReport) -> None:
    """A sentence counting inspections, findings and overdue items, then each inspection with
    its items; an item past its deadline unrectified says 逾期N天, in red."""
    if not report.inspections:
        doc.body("本期尚无督查记录。")
        return
    late = [u for i in report.inspections
            for (_f, u, _d, _s), days in zip(i.items, _days(i), strict=True) if days]  # fmt: skip
    found = sum(len(i.items) for i in report.inspections)
    doc.body(f"本期开展督查 {len(report.inspections)} 次，发现问题 {found} 项"
             + (f"，其中逾期未整改 {len(late)} 项（{'、'.join(sorted(set(late)))}）。" if late
                else "，无逾期未整改事项。"))  # fmt: skip
    for inspection in report.inspections:
        doc.body(f"{cn_date(inspection.inspected_on)}，{inspection.inspectors}对{inspection.unit}"
                 f"进行督查。" + (inspection.findings or ""))  # fmt: skip
        if inspection.items:
            rows = [["问题", "责任单位", "整改期限", "状态"]]
            red = {}
            for n, ((f, u, d, s), days) in enumerate(
                zip(inspection.items, _days(inspection), strict=True), start=1
            ):
                rows.append([f, u, cn_date(d), f"{s}\n逾期{days}天" if days else s])
                if days:
                    red[(n, 3)] = RED
            doc.table(rows, [58, 34, 38, 26], left=(0,), colours=red)


def _days(inspection: InspectionLine) -> tuple[int, ...]:
    return inspection.overdue_days or (0,) * len(inspection.items)


def closing(doc: OfficialDocx, report: CountyReport, photos: int) -> None:
    """附件说明 (when there are photos), then the 落款: the office's full name centred over the
    date four characters from the right, with room for the seal."""
    if photos:
        note = doc.plain(f"附件：各科室工作图片资料（{photos} 张）")
        note.paragraph_format.left_indent = chars(2)
        note.paragraph_format.space_before = Pt(BODY_PT)
    doc.closing(report.closing_issuer or report.county, cn_date(report.as_of), seal=True)


def appendix(doc: OfficialDocx, report: CountyReport, cache: PrintPhotos) -> None:
    """附件 on a new page: 各科室工作图片资料, every photo captioned with its department, one
    after another (not a page per department)."""
    all_photos = [replace(p, caption=f"{p.department}：{p.caption}")
                  for c in report.chapters for p in c.photos]  # fmt: skip
    if not all_photos:
        return
    doc.page_break()
    label = doc.plain("附件")  # 黑体, top left (GB/T 9704 8.1); in the contents as in the PDF
    for run in label.runs:
        set_fonts(run._r, "heading1")
    label.paragraph_format.keep_with_next = True
    doc.contents_entry(label, APPENDIX_ENTRY)
    doc.title("各科室工作图片资料")
    photos(doc, all_photos, cache)


def county(doc: OfficialDocx, report: CountyReport, cache: PrintPhotos) -> None:
    """The whole county report, in the PDF's order and wording."""
    cover(doc, report)
    contents(doc)
    number = 0

    def chapter(text: str) -> None:
        nonlocal number
        number += 1
        doc.heading(f"{cn_numeral(number)}、{text}")

    for title, part in (("全县工作总结", narrative), ("目标完成情况", goals),
                        ("考核得分和排名", ranking), ("责任状签订情况", signing),
                        ("月度例会召开情况", meetings), ("各科室量化指标完成情况", indicators),
                        ("各科室总结报送情况", submissions)):  # fmt: skip
        chapter(title)
        part(doc, report)
    if report.chapters:
        chapter("各科室工作总结")
        chapters(doc, report, cache)
    chapter("创新品牌创建情况")
    brands(doc, report)
    chapter("督查整改情况")
    inspections(doc, report)
    closing(doc, report, sum(len(c.photos) for c in report.chapters))
    appendix(doc, report, cache)


def render_county_docx(report: CountyReport) -> bytes:
    """The county report as .docx bytes."""
    doc = OfficialDocx(report.title, report.closing_issuer or report.county)
    doc.unnumbered_first_section()
    cache = PrintPhotos()
    try:
        cache.prefetch((p.store, p.sha256) for chapter in report.chapters for p in chapter.photos)
        county(doc, report, cache)
    finally:
        cache.close()
    return doc.to_bytes()
