"""The progress bulletin (进度通报) as an editable Word document: the ``Bulletin`` that
``app.reports.bulletin_pdf.bulletin_story`` draws, in the same order, wording and colours —
发文字号 and 期号 about the title, the 落款 with the office's full name, the 版记 at the end."""

from __future__ import annotations

from docx.shared import RGBColor

from app.reports.docx.official_docx import AMBER, GREEN, RED, OfficialDocx
from app.services.assessment import explanation
from app.services.bulletin import Bulletin
from app.services.progress import pace_status
from app.services.wording import cn_date, signed

PACE_COLOURS = {"green": GREEN, "amber": AMBER, "red": RED}


def head(doc: OfficialDocx, b: Bulletin) -> None:
    """发文字号 (when given), the title, 期号 (第5期) and the as-of date."""
    if b.document_number:
        doc.centred(b.document_number)
    doc.title(b.title)
    if b.issue_label:
        doc.centred(b.issue_label)
    doc.centred(f"（截至{cn_date(b.as_of)}）")


def overview(doc: OfficialDocx, b: Bulletin) -> None:
    """一、总体情况: time elapsed and every goal; 已达成 green, 未达成 red."""
    doc.heading("一、总体情况")
    doc.body(b.elapsed_sentence)
    rows = [["工作目标", "目标值", "实际", "状态"]]
    rows += [[g.title, g.target_text, g.actual_text, "已达成" if g.met else "未达成"]
             for g in b.goals]  # fmt: skip
    colours = {(n, 3): GREEN if g.met else RED for n, g in enumerate(b.goals, start=1)}
    doc.table(rows, [74, 24, 34, 24], colours=colours)


def legend(doc: OfficialDocx) -> None:
    """The colours' legend, each colour's name in its colour."""
    paragraph = doc.note("指标完成率不低于时间进度为")
    for text, colour in (("绿色", GREEN), ("，达到时间进度八成为", None), ("橙色", AMBER),
                         ("，其余为", None), ("红色", RED), ("。", None)):  # fmt: skip
        run = paragraph.add_run(text)
        if colour is not None:
            run.font.color.rgb = RGBColor.from_string(colour)


def ranking(doc: OfficialDocx, b: Bulletin) -> None:
    """二、各科室进度与考核得分: the ranking, completion coloured against time elapsed."""
    doc.heading("二、各科室进度与考核得分")
    rows = [["排名", "科室", "台账（条）", "指标完成率", "时间进度", "得分"]]
    colours = {}
    for n, s in enumerate(b.scores, start=1):
        rows.append([str(s.rank), s.name, str(b.entries.get(s.unit_id, 0)),
                     f"{s.completion * 100:.0f}%", f"{b.year_elapsed * 100:.0f}%",
                     signed(s.total, plus=False)])  # fmt: skip
        colours[(n, 3)] = PACE_COLOURS[pace_status(s.completion, b.year_elapsed)]
    doc.table(rows, [14, 50, 22, 26, 22, 22], left=(1,), colours=colours)
    legend(doc)


def explanations(doc: OfficialDocx, b: Bulletin) -> None:
    """三、得分说明: each department's score explained as on the page, by category (true minus
    signs)."""
    doc.heading("三、得分说明")
    doc.body(f"按《{b.scheme_name}》计分。")
    for s in b.scores:
        rows = [["项目", "说明", "分值"]]
        rows += [[row.shown_label, row.detail, signed(row.points)] for row in explanation(s)]
        rows.append(["合计", f"第{s.rank}名", signed(s.total, plus=False)])
        doc.subheading(s.name)
        doc.table(rows, [36, 98, 22], left=(1,))


def overdue(doc: OfficialDocx, b: Bulletin) -> None:
    """四、逾期事项."""
    doc.heading("四、逾期事项")
    if not b.overdue:
        doc.body("截至通报日，无逾期事项。")
        return
    rows = [["类别", "单位", "事项", "期限", "逾期"]]
    rows += [[i.kind, i.unit, i.text, cn_date(i.due) if i.due else "—",
              f"{i.days_late}天" if i.days_late else "—"] for i in b.overdue]  # fmt: skip
    doc.table(rows, [24, 30, 58, 28, 16], left=(1,))


def highlights(doc: OfficialDocx, b: Bulletin) -> None:
    """五、工作亮点, then the 落款 (the office's full name from the template)."""
    doc.heading("五、工作亮点")
    for line in b.highlights or ["暂无。"]:
        doc.body(line)
    doc.closing(b.issuer, b.date_text)


def imprint(doc: OfficialDocx, b: Bulletin) -> None:
    """版记 (GB/T 9704 7.4): 抄送, then 印发机关 and 印发日期, between rules."""
    printed_by, printed_on = b.printed_line
    if printed_by or b.copy_line:
        doc.imprint(b.copy_line, printed_by, printed_on)


def build_bulletin(doc: OfficialDocx, b: Bulletin) -> None:
    """Write the bulletin into ``doc``."""
    head(doc, b)
    overview(doc, b)
    ranking(doc, b)
    explanations(doc, b)
    overdue(doc, b)
    highlights(doc, b)
    imprint(doc, b)


def render_bulletin_docx(bulletin: Bulletin) -> bytes:
    """The bulletin as .docx bytes."""
    title = f"{bulletin.title}（{bulletin.issue_label or cn_date(bulletin.as_of)}）"
    doc = OfficialDocx(title, bulletin.issuer)
    build_bulletin(doc, bulletin)
    return doc.to_bytes()
