"""Summaries as editable Word documents: a department's phase summary (``DepartmentReport``, as
``department_story`` in ``app.reports.summary_pdf`` draws it) and the county's report for the
city office (``CountyReport``, as ``county_story``): the same content in the same order.

Each part is a small function taking the document and the data, so the wording and order can be
adjusted in one place. Photos are embedded from the same print-sized copies as the PDFs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from docx.shared import Mm, Pt

from app.reports.docx.official_docx import RED, OfficialDocx
from app.reports.summary_pdf import PhotoCache
from app.services.summary_reports import CountyReport, DepartmentReport, ReportPhoto
from app.services.wording import cn_date, cn_numeral

Heading = Callable[[str], None]


def _figure(value: float | None) -> str:
    if value is None:
        return "—"
    return (
        f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    )


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


def photos(doc: OfficialDocx, items: list[ReportPhoto], cache: PhotoCache) -> None:
    """Photos two across with their captions, from the print-sized copies."""
    made = [(cache.get(p), p.caption) for p in items]
    doc.pictures([(m[0] if m else None, caption) for m, caption in made])


# ---------------------------------------------------------------- a department's summary
def statistics(doc: OfficialDocx, report: DepartmentReport) -> None:
    """The work counts, the indicators against target, the pairing line."""
    f = report.figures
    phase = f.period_name != "全年"
    if phase:
        rows = [["工作类型", "本阶段\n（次）", "全年累计\n（次）", "服务对象\n本阶段（人次）",
                 "服务对象\n累计（人次）"]]  # fmt: skip
        rows += [[k.kind, _figure(k.period_count), _figure(k.year_count),
                  _figure(k.period_served), _figure(k.year_served)] for k in f.kinds]  # fmt: skip
        rows.append(["合计", _figure(f.period_entries), _figure(f.year_entries),
                     _figure(f.period_served), _figure(f.year_served)])  # fmt: skip
        widths = [40, 22, 24, 35, 35]
    else:
        rows = [["工作类型", "全年（次）", "服务对象（人次）"]]
        rows += [[k.kind, _figure(k.year_count), _figure(k.year_served)] for k in f.kinds]
        rows.append(["合计", _figure(f.year_entries), _figure(f.year_served)])
        widths = [76, 40, 40]
    doc.table(rows, widths, total_row=True)
    if f.indicators:
        rows = [["量化指标", "年度目标", "已完成", "完成率"]]
        rows += [[i.name, f"{_figure(i.target)}{i.measure_unit}",
                  f"{_figure(i.actual)}{i.measure_unit}" if i.actual is not None else "人工评定",
                  _percent(i.ratio)] for i in f.indicators]  # fmt: skip
        doc.table(rows, [66, 32, 34, 24])
    if f.paired_offices:
        visits = "；".join(
            f"{v.office} {v.period_count} 次（全年 {v.year_count} 次）" for v in f.visits
        )
        doc.note(f"挂钩结对：{'、'.join(f.paired_offices)}。走访：{visits or '本期无记录'}。", 12)


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
    doc: OfficialDocx, report: DepartmentReport, cache: PhotoCache, chapter: bool = False
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
    if report.photos and not chapter:
        heading("图片资料")
        photos(doc, report.photos, cache)


def render_department_docx(report: DepartmentReport) -> bytes:
    """A department's summary as .docx bytes."""
    doc = OfficialDocx(report.title, report.department)
    cache = PhotoCache()
    try:
        cache.prefetch(report.photos)
        department(doc, report, cache)
    finally:
        cache.close()
    return doc.to_bytes()


# ---------------------------------------------------------------- the county report
def cover(doc: OfficialDocx, report: CountyReport) -> None:
    """The cover page (no page number): issuer, title, plan, who reports to whom, as-of."""

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
    paragraph = doc.centred(f"（{report.programme_title}）", 15)
    paragraph.paragraph_format.space_before = Mm(10)
    line(f"报送单位：{report.county}", 16, 70, title_face=False)
    line(f"报送对象：{report.recipient}", 16, 0, title_face=False)
    line(f"统计截至：{cn_date(report.as_of)}", 16, 0, title_face=False)
    doc.page_break()


def contents(doc: OfficialDocx) -> None:
    """目录: a contents field Word and WPS fill in on opening (then a numbered section)."""
    doc.title("目　录")
    doc.contents("（页码：打开文件时选择“是”更新域；或右击目录，选择“更新域”。）")
    doc.new_section(numbered=True, restart=True)


def goals(doc: OfficialDocx, report: CountyReport) -> None:
    """The plan's goals against actual figures; 未达成 in red."""
    rows = [["目标", "目标值", "实际完成", "是否达成"]]
    rows += [[g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"]
             for g in report.goals]  # fmt: skip
    red = {(n, 3): RED for n, g in enumerate(report.goals, start=1) if not g.met}
    doc.table(rows, [74, 24, 34, 24], colours=red)


def submissions(doc: OfficialDocx, report: CountyReport) -> None:
    """How many departments reported, who did not, and each one's status."""
    missing = report.missing()
    doc.body(
        f"应报送 {len(report.statuses)} 个科室，已报送 {len(report.chapters)} 个"
        + (f"；未报送：{'、'.join(f'{r.department}（{r.status_label}）' for r in missing)}。"
           if missing else "，全部按要求报送。")
    )  # fmt: skip
    rows = [["科室", "状态", "报送日期", "备注"]]
    for row in report.statuses:
        note = "逾期报送" if row.late else ("逾期未报" if row.overdue(report.as_of) else "")
        rows.append([row.department, row.status_label,
                     cn_date(row.submitted_on) if row.submitted_on else "—", note])  # fmt: skip
    doc.table(rows, [50, 30, 40, 36])


def indicators(doc: OfficialDocx, report: CountyReport) -> None:
    """Every department's indicators against target (the department named once)."""
    rows = [["科室", "量化指标", "年度目标", "已完成", "完成率"]]
    merges = []
    for name, items in report.indicators:
        first = len(rows)
        for item in items:
            rows.append([name if len(rows) == first else "", item.name,
                         f"{_figure(item.target)}{item.measure_unit}",
                         f"{_figure(item.actual)}{item.measure_unit}" if item.actual is not None
                         else "人工评定", _percent(item.ratio)])  # fmt: skip
        if len(rows) - first > 1:
            merges.append((first, 0, len(rows) - 1, 0))
    if len(rows) == 1:
        doc.body("本方案尚未设置量化指标。")
        return
    doc.table(rows, [30, 52, 27, 27, 20], left=(1,), merges=merges)


def chapters(doc: OfficialDocx, report: CountyReport, cache: PhotoCache) -> None:
    """Each submitted summary as a chapter （一）…, then those not submitted, in red."""
    for number, chapter in enumerate(report.chapters, start=1):
        doc.heading(f"（{cn_numeral(number)}）{chapter.department}", 2)
        department(doc, chapter, cache, chapter=True)
    for row in report.missing():
        doc.coloured(doc.plain(f"{row.department}：未报送总结（{row.status_label}）。"), RED)


def brands(doc: OfficialDocx, report: CountyReport) -> None:
    """The innovation brands with their description and outcomes."""
    if not report.brands:
        doc.body("本期尚无品牌创建记录。")
    for brand in report.brands:
        doc.subheading(f"“{brand.name}”（牵头：{brand.lead}，{brand.status}）")
        for text in (brand.description, brand.outcomes):
            if text.strip():
                doc.body(text)


def inspections(doc: OfficialDocx, report: CountyReport) -> None:
    """Each inspection, its findings and its rectification items."""
    if not report.inspections:
        doc.body("本期尚无督查记录。")
    for inspection in report.inspections:
        doc.body(f"{cn_date(inspection.inspected_on)}，{inspection.inspectors}对{inspection.unit}"
                 f"进行督查。" + (inspection.findings or ""))  # fmt: skip
        if inspection.items:
            rows = [["问题", "责任单位", "整改期限", "状态"]]
            rows += [[f, u, cn_date(d), s] for f, u, d, s in inspection.items]
            doc.table(rows, [70, 34, 30, 22], left=(0,))


def appendix(doc: OfficialDocx, report: CountyReport, cache: PhotoCache) -> None:
    """附件：图片资料, by department, packed continuously."""
    all_photos = [p for c in report.chapters for p in c.photos]
    if not all_photos:
        return
    doc.page_break()
    doc.heading("附件：图片资料")
    for name, group in _grouped(all_photos):
        doc.subheading(name)
        photos(doc, group, cache)


def _grouped(items: Iterable[ReportPhoto]) -> list[tuple[str, list[ReportPhoto]]]:
    groups: dict[str, list[ReportPhoto]] = {}
    for photo in items:
        groups.setdefault(photo.department, []).append(photo)
    return list(groups.items())


def county(doc: OfficialDocx, report: CountyReport, cache: PhotoCache) -> None:
    """The whole county report, in the PDF's order."""
    cover(doc, report)
    contents(doc)
    number = 0

    def chapter(text: str) -> None:
        nonlocal number
        number += 1
        doc.heading(f"{cn_numeral(number)}、{text}")

    chapter("目标完成情况")
    goals(doc, report)
    chapter("各科室总结报送情况")
    submissions(doc, report)
    chapter("各科室量化指标完成情况")
    indicators(doc, report)
    chapter("各科室工作总结")
    chapters(doc, report, cache)
    chapter("创新品牌创建情况")
    brands(doc, report)
    chapter("督查整改情况")
    inspections(doc, report)
    appendix(doc, report, cache)


def render_county_docx(report: CountyReport) -> bytes:
    """The county report as .docx bytes."""
    doc = OfficialDocx(report.title, report.county)
    doc.unnumbered_first_section()
    cache = PhotoCache()
    try:
        cache.prefetch(p for chapter in report.chapters for p in chapter.photos)
        county(doc, report, cache)
    finally:
        cache.close()
    return doc.to_bytes()
