"""进度通报 (progress bulletin) as of a date: goals, each department's progress, score and
rank, what is overdue, and highlights — fed to the PDF, Word and spreadsheet builders.

Its document elements are data from the template's ``[bulletin]`` table: the title, the issuing
office's full name (落款), 发文字号, 期号 and the 版记 (抄送, 印发机关, 印发日期). A bulletin made
here is a draft until the county publishes it (``app.services.issued_bulletins``: frozen, with
its 期号 in the register): its 期号 is the number the clerk gives (``bulletin --issue N``), else
the one after the last published, else (:func:`first_issue_number`) its month's place in a
monthly series whose 第1期 is the template's ``first_issue`` month — for the programme of that
month's year; a later year's series restarts at 第1期.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Brand, BrandStatus, IssuedBulletin, LedgerEntry, Programme
from app.services.assessment import DepartmentScore, department_scores, scheme_for
from app.services.documents import template_section
from app.services.errors import ValidationError
from app.services.goals import GoalFigure, goal_figures
from app.services.overdue import OverdueItem, overdue_items
from app.services.period import programme_period
from app.services.progress import IndicatorProgress, indicator_progress
from app.services.wording import book_title, cn_date, signed

DEFAULT_TITLE = "社区矫正“大帮教”工作进度通报"
DRAFT_LABEL = "征求意见稿（未发布，不编期号）"


@dataclass
class Bulletin:
    """Everything the bulletin shows, document elements included (for the PDF and Word)."""

    issuer: str  # the issuing office's full name (落款, 版头)
    programme_title: str  # in 《》
    scheme_name: str
    as_of: date
    year_elapsed: float  # the share of the assessment period gone (0 on its first day)
    goals: list[GoalFigure]
    scores: list[DepartmentScore]
    entries: dict[int | None, int]  # ledger entries by owning unit
    overdue: list[OverdueItem]
    highlights: list[str] = field(default_factory=list)
    title: str = DEFAULT_TITLE
    issue_number: int | None = None  # 期号
    document_number: str = ""  # 发文字号, e.g. 青矫办〔2018〕5号; "" when the template has none
    copy_to: str = ""  # 版记: 抄送机关
    printed_by: str = ""  # 版记: 印发机关
    printed_on: date | None = None  # 版记: 印发日期 (the bulletin's date)
    period_label: str = ""  # the assessment period "time gone" is measured on
    draft: bool = False  # a preview (征求意见稿): not published, no 期号 nor 发文字号

    @property
    def elapsed_sentence(self) -> str:
        """一、总体情况's opening: how much of the assessment period has gone."""
        period = f"实施期（{self.period_label}）" if self.period_label else "实施期"
        return (
            f"截至{cn_date(self.as_of)}，{self.programme_title}{period}已过"
            f"{self.year_elapsed * 100:.0f}%。各项工作目标完成情况如下："
        )

    @property
    def issue_label(self) -> str:
        """第5期, or "" without an issue number; a draft's says it is one (no 期号)."""
        if self.draft:
            return DRAFT_LABEL
        return f"第{self.issue_number}期" if self.issue_number else ""

    @property
    def date_text(self) -> str:
        """The 落款 date: 2018年10月20日."""
        return cn_date(self.as_of)

    @property
    def copy_line(self) -> str:
        """版记 first line: 抄送：…。 ("" without 抄送)."""
        return f"抄送：{self.copy_to}" if self.copy_to else ""

    @property
    def printed_line(self) -> tuple[str, str]:
        """版记 second line: (印发机关, 2018年10月20日印发)."""
        return self.printed_by, f"{cn_date(self.printed_on or self.as_of)}印发"


def issue_number_for(first_issue: str, as_of: date) -> int | None:
    """The monthly 期号 of a bulletin as of ``as_of`` when ``first_issue`` (YYYY-MM) is the
    month of 第1期; None before that month or without a (valid) first month."""
    try:
        year, month = (int(part) for part in str(first_issue).split("-")[:2])
    except ValueError:
        return None
    number = (as_of.year - year) * 12 + as_of.month - month + 1
    return number if number >= 1 else None


def first_issue_number(first_issue: str, programme_year: int, as_of: date) -> int | None:
    """The 期号 of a programme's first bulletin (none published yet) as of ``as_of``: for the
    programme of ``first_issue``'s year, the monthly numbering (:func:`issue_number_for`); for
    a programme of another year 第1期 (a new year's series restarts); None without a (valid)
    first month."""
    try:
        first_year = int(str(first_issue).split("-")[0])
    except ValueError:
        return None
    if first_year != programme_year:
        return 1
    return issue_number_for(first_issue, as_of)


def build_bulletin(
    session: Session, programme_id: int, as_of: date, issue_number: int | None = None
) -> Bulletin:
    """The bulletin's content as of ``as_of``. ``issue_number`` is the 期号 the clerk gives;
    without it the one after the last published, else :func:`first_issue_number` (the
    template's ``[bulletin] first_issue``)."""
    programme = session.get_one(Programme, programme_id)
    wording = template_section(session, programme_id, "bulletin")
    if issue_number is not None and issue_number < 1:
        raise ValidationError("期号应是正整数。", "issue")
    last_issued = session.scalar(
        select(func.max(IssuedBulletin.number)).where(
            IssuedBulletin.programme_id == programme_id, IssuedBulletin.deleted.is_(False)
        )
    )
    number = issue_number or (
        last_issued + 1
        if last_issued
        else first_issue_number(wording.get("first_issue", ""), programme.year, as_of)
    )
    period = programme_period(session, programme_id)
    figures_at = min(as_of, period.end)  # a bulletin dated after the programme: its last day
    items = indicator_progress(session, programme_id, figures_at)
    scores = department_scores(session, programme_id, figures_at, items)
    first, last = period.assessment_start, period.assessed_until(figures_at)
    entries = dict(
        session.execute(
            select(LedgerEntry.owner_unit_id, func.count())
            .where(LedgerEntry.deleted.is_(False), LedgerEntry.entry_date.between(first, last))
            .group_by(LedgerEntry.owner_unit_id)
        ).all()
    )
    issuer = wording.get("issuer") or programme.issuer
    values = {"年度": str(as_of.year), "期号": str(number or "")}
    template_number = str(wording.get("document_number", ""))
    document_number = (
        template_number.format(**values)
        if template_number and (number or "{期号}" not in template_number)
        else ""
    )
    bulletin = Bulletin(
        issuer, book_title(programme.title), scheme_for(session, programme_id).name, as_of,
        period.elapsed(figures_at), goal_figures(session, programme_id, figures_at), scores,
        entries, overdue_items(session, programme_id, period.closing(as_of)),
        title=wording.get("title") or DEFAULT_TITLE, issue_number=number,
        document_number=document_number, copy_to=str(wording.get("copy_to", "")),
        printed_by=str(wording.get("printed_by") or issuer), printed_on=as_of,
        period_label=period.assessment_label,
    )  # fmt: skip
    bulletin.highlights = _highlights(session, programme_id, items, scores)
    return bulletin


def draft_bulletin(session: Session, programme_id: int, as_of: date) -> Bulletin:
    """The bulletin as of ``as_of`` as a preview (征求意见稿): without 期号 or 发文字号, so it
    cannot pass as an issue of 通报记录 (those are made by ``issued_bulletins.publish``)."""
    bulletin = build_bulletin(session, programme_id, as_of)
    bulletin.issue_number, bulletin.document_number, bulletin.draft = None, "", True
    return bulletin


def _highlights(
    session: Session,
    programme_id: int,
    items: list[IndicatorProgress],
    scores: list[DepartmentScore],
) -> list[str]:
    lines = []
    leaders = [s.name for s in scores if s.rank == 1]
    if scores:
        lines.append(
            f"考核得分第一：{'、'.join(leaders)}（{signed(scores[0].total, plus=False)}分）。"
        )
    names = {s.unit_id: s.name for s in scores}
    exceeded = [i for i in items
                if i.ratio is not None and i.ratio >= 1 and i.department_id in names]  # fmt: skip
    if exceeded:
        best = sorted(exceeded, key=lambda i: -(i.ratio or 0))[:5]
        shown = "；".join(
            f"{names[i.department_id]}“{i.name}”完成 {(i.ratio or 0) * 100:.0f}%" for i in best
        )
        lines.append(f"已完成年度目标的指标 {len(exceeded)} 项，其中：{shown}。")
    full = [s.name for s in scores if s.completion >= 1]
    if full:
        lines.append(f"全部量化指标已达标的科室：{'、'.join(full)}。")
    brands = session.scalars(
        select(Brand.name).where(Brand.programme_id == programme_id, Brand.deleted.is_(False),
                                 Brand.status == BrandStatus.CREATED)
    ).all()  # fmt: skip
    if brands:
        lines.append(f"已创建创新品牌：{'、'.join(f'“{b}”' for b in brands)}。")
    return lines
