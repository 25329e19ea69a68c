"""The audit log (审计日志) as an Excel workbook: one row per line, newest first, and a sheet
with the filter and the result of the chain check. The export itself is recorded in the log."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from app.reports.xlsx_file import save_workbook
from app.services import audit
from app.services.errors import ValidationError

SHEET_TITLE = "审计日志"
NOTES_TITLE = "导出说明"
COLUMNS = (
    ("序号", 8),
    ("时间", 20),
    ("用户名", 14),
    ("姓名", 14),
    ("操作", 16),
    ("记录类型", 14),
    ("记录编号", 10),
    ("记录 UUID", 38),
    ("说明", 60),
)


def _filter_text(flt: audit.AuditFilter) -> str:
    parts = []
    if flt.user:
        parts.append(f"用户：{flt.user}")
    if flt.date_from or flt.date_to:
        start = flt.date_from.isoformat() if flt.date_from else "最早"
        end = flt.date_to.isoformat() if flt.date_to else "最近"
        parts.append(f"日期：{start} 至 {end}")
    if flt.kind:
        parts.append(f"操作：{audit.KIND_LABELS.get(flt.kind, flt.kind)}")
    return "；".join(parts) or "全部"


def write_audit_xlsx(session: Session, out_path: Path, flt: audit.AuditFilter) -> int:
    """Write the lines matching ``flt`` to ``out_path`` (replaced whole, or left as it was on
    failure); records the export in the log; the number of lines written."""
    out_path = Path(out_path)
    folder = out_path.parent
    if not folder.is_dir():
        raise ValidationError(f"文件夹“{folder}”不存在，无法导出。", "out")
    rows = audit.list_lines(session, flt)
    check = audit.verify_chain(session)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append([header for header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([
            row.seq, row.at.strftime("%Y-%m-%d %H:%M:%S"), row.user_name, row.display_name,
            row.kind_label, row.table_label, row.record_id, row.record_uuid, row.description,
        ])  # fmt: skip
    notes = workbook.create_sheet(NOTES_TITLE)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 70
    for line in (
        ("筛选条件", _filter_text(flt)),
        ("记录条数", str(len(rows))),
        ("完整性核对", check.message),
        ("说明", "审计日志只记录谁在何时对哪条记录做了什么，不含姓名、身份证号等个人信息。"),
    ):
        notes.append(line)
    workbook.properties.creator = "大帮教工作台"
    workbook.properties.title = SHEET_TITLE
    save_workbook(workbook, out_path, private=True)  # who did what: for the office only
    audit.record(session, "export", f"导出审计日志（{len(rows)} 条，{_filter_text(flt)}）")
    return len(rows)
