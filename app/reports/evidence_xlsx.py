"""The 核查 list (台账核查) as an Excel workbook: one row per flag, with the entries it names,
and a sheet saying what was checked. Correction subjects' names in titles are masked (王*)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from app.reports.xlsx_file import save_workbook
from app.services.errors import ValidationError
from app.services.evidence_check import HAMMING_THRESHOLD, Flag
from app.services.privacy import name_masker

SHEET_TITLE = "台账核查"
NOTES_TITLE = "核查说明"
COLUMNS = (
    ("序号", 6),
    ("核查类型", 20),
    ("情况", 48),
    ("涉及单位", 20),
    ("涉及台账（编号 日期 单位：标题）", 60),
    ("处理状态", 12),
    ("处理说明", 40),
)


def write_evidence_xlsx(flags: list[Flag], out_path: Path, days: int) -> int:
    """Write ``flags`` to ``out_path`` (replaced whole, or left as it was on failure); the
    number of flags written."""
    out_path = Path(out_path)
    folder = out_path.parent
    if not folder.is_dir():
        raise ValidationError(f"文件夹“{folder}”不存在，无法导出。", "out")
    mask = name_masker(e.subject_name for f in flags for e in f.entries)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    sheet.append([header for header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, flag in enumerate(flags, start=1):
        entries = "\n".join(f"{e.entry_id} {mask(e.label)}" for e in flag.entries)
        sheet.append([
            number, flag.kind_label, flag.description, "、".join(flag.unit_names), entries,
            flag.state_label, mask(flag.note),
        ])  # fmt: skip
        for cell in sheet[sheet.max_row]:
            cell.alignment = wrap
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    notes = workbook.create_sheet(NOTES_TITLE)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 80
    for line in (
        ("核查条数", str(len(flags))),
        ("同一照片", f"内容相同（SHA-256），或感知哈希（pHash）相差不超过 {HAMMING_THRESHOLD} 位"
                     "（缩放、另存的副本）；几乎没有细节的纯色照片只按内容比较"),
        ("拍摄日期", f"照片 EXIF 拍摄日期与活动日期相差超过 {days} 天"),
        ("拍摄晚于登记", "照片 EXIF 拍摄时间晚于台账登记时间 1 小时以上"),
        ("缺少拍摄信息", "照片没有 EXIF 拍摄日期，而本单位其他照片多数有"),
        ("内容相同", "同一单位同一天的台账标题和情况说明相同（不计空白）"),
        ("说明", "标题中的社区矫正对象姓名已脱敏。"),
    ):  # fmt: skip
        notes.append(line)
    workbook.properties.creator = "大帮教工作台"
    workbook.properties.title = SHEET_TITLE
    save_workbook(workbook, out_path)
    return len(flags)
