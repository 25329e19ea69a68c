"""What the county's statistics table says in words, the same in its workbook and its PDF
(:mod:`app.reports.statistics_xlsx`, :mod:`app.reports.statistics_pdf`): the period line, the
headers, figures with a column's decimals, 按时/逾期, the rate line and the note on the total."""

from __future__ import annotations

from app.services.statistics_table import FigureColumn, StatisticsRow, StatisticsTable
from app.services.wording import cn_date

MAX_DECIMALS = 2
FIXED_BEFORE = ("序号", "单位")
FIXED_AFTER = ("状态", "报送日期", "是否按时")
NOT_REPORTED = "未报"
ON_TIME, LATE, NOT_DUE = "按时", "逾期", "未到期"
RETURNED, AWAITING_RESUBMISSION = "已退回", "待重报"


def period_line(table: StatisticsTable) -> str:
    """统计期间：2018年9月1日至2018年9月30日　报送截止：2018年10月5日."""
    return (
        f"统计期间：{cn_date(table.period_start)}至{cn_date(table.period_end)}"
        f"\u3000\u3000报送截止：{cn_date(table.due_on)}"
    )


def figure_header(column: FigureColumn) -> str:
    """A figure's header with its unit of measure: 走访次数（次）."""
    return f"{column.label}（{column.unit}）" if column.unit else column.label


def headers(table: StatisticsTable) -> list[str]:
    """The table's column headers, 序号 to 是否按时."""
    return [*FIXED_BEFORE, *(figure_header(c) for c in table.columns), *FIXED_AFTER]


def _decimals_of(value: int | float | None) -> int:
    if value is None or isinstance(value, int):
        return 0
    text = f"{value:.{MAX_DECIMALS}f}".rstrip("0")
    return len(text.partition(".")[2])


def column_decimals(table: StatisticsTable) -> tuple[int, ...]:
    """Decimals shown in each figure column: the most any of its values (or its total) has,
    at most :data:`MAX_DECIMALS`, so a column's figures line up."""
    return tuple(
        max(
            [_decimals_of(row.values[i]) for row in table.rows if i < len(row.values)]
            + [_decimals_of(table.totals[i]) if i < len(table.totals) else 0]
        )
        for i in range(len(table.columns))
    )


def figure_text(value: int | float | None, decimals: int) -> str:
    """A figure as printed: 12, 3.5 (a column's ``decimals``); "" where none was reported."""
    return "" if value is None else f"{value:.{decimals}f}"


def value_at(values: tuple[int | float | None, ...], index: int) -> int | float | None:
    """The ``index``-th figure, None when the tuple is short (a malformed row shows blank)."""
    return values[index] if index < len(values) else None


def on_time_word(row: StatisticsRow) -> str:
    """按时 / 逾期, 待重报 for a returned report (not reported until resubmitted), or 未到期
    while the report is neither due nor submitted."""
    if row.status == RETURNED:
        return AWAITING_RESUBMISSION
    if row.on_time is None:
        return NOT_DUE
    return ON_TIME if row.on_time else LATE


def rate_line(table: StatisticsTable) -> str:
    """The counts said plainly: 应报 16 个单位，已报 11 个（按时 9 个、逾期 2 个），未报 5 个；
    the on-time rate once the due day has passed (before it, a rate over the few reports in
    would read as if all were well)."""
    counted = [r for r in table.rows if r.status in table.counted_statuses]
    on_time = sum(r.on_time is True for r in counted)
    late = sum(r.on_time is False for r in counted)
    text = (
        f"应报 {table.expected} 个单位，已报 {table.reported} 个"
        f"（按时 {on_time} 个、逾期 {late} 个），未报 {table.expected - table.reported} 个"
    )
    if table.made_on <= table.due_on:
        return text + "；报送截止日未到"
    if table.on_time_rate is not None:
        text += f"；按时上报率 {table.on_time_rate * 100:.1f}%"
    return text


SIGNERS = "填表人：\u3000\u3000\u3000\u3000审核人：\u3000\u3000\u3000\u3000联系电话："
"""The line above the 落款 the city office asks for: who filled in and who checked the table."""


def total_note(table: StatisticsTable) -> str:
    """What the 合计 row counts."""
    counted = "、".join(f"“{s}”" for s in table.counted_statuses)
    return f"注：合计为状态{counted}的报表之和；{NOT_REPORTED}单位的数据为空。"
