"""What the county's aggregated statistics table (全县统计汇总表) shows: one report form
(月报 or 季报) for one period, a row per reporting unit and a column per figure. Built by
``app.services.statistics_reports`` from the units' reports; drawn by
``app.reports.statistics_xlsx`` and ``app.reports.statistics_pdf``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FigureColumn:
    """One figure of the report form: its label and unit of measure (件, 人次…)."""

    key: str
    label: str
    unit: str = ""


@dataclass(frozen=True)
class StatisticsRow:
    """One unit's line: its figures (``None`` where it has not reported), the report's state
    (未报 / 草稿 / 已提交 / 已退回 / 已受理), when it was submitted and whether on time."""

    unit: str
    values: tuple[int | float | None, ...]
    status: str
    submitted_on: date | None
    on_time: bool | None  # None while not yet due and not submitted


@dataclass(frozen=True)
class StatisticsTable:
    """The county's table for one report form and one period."""

    title: str  # e.g. 青田县大帮教工作统计月报汇总表
    report_name: str  # 大帮教工作统计月报
    period_label: str  # 2018年9月 / 2018年第三季度
    period_start: date
    period_end: date
    due_on: date
    columns: tuple[FigureColumn, ...]
    rows: tuple[StatisticsRow, ...]
    totals: tuple[int | float | None, ...]  # over the rows counted (submitted or accepted)
    reported: int  # units whose report is submitted or accepted
    expected: int  # units that owe this report
    on_time_rate: float | None  # on-time reports ÷ reports due so far, None before any is due
    issuer: str  # the county office's full name, for the 落款
    made_on: date  # the date printed under the table (制表日期)
    counted_statuses: tuple[str, ...] = ("已提交", "已受理")
