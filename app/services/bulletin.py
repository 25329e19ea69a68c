"""进度通报 (progress bulletin) as of a date: goals, each department's progress, score and
rank, what is overdue, and highlights — fed to the PDF and the spreadsheet builders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Brand, BrandStatus, LedgerEntry, Programme
from app.services.assessment import DepartmentScore, department_scores, scheme_for
from app.services.goals import GoalFigure, goal_figures
from app.services.overdue import OverdueItem, overdue_items
from app.services.progress import IndicatorProgress, indicator_progress, year_elapsed


@dataclass
class Bulletin:
    """Everything the bulletin shows."""

    issuer: str
    programme_title: str
    scheme_name: str
    as_of: date
    year_elapsed: float
    goals: list[GoalFigure]
    scores: list[DepartmentScore]
    entries: dict[int | None, int]  # ledger entries by owning unit
    overdue: list[OverdueItem]
    highlights: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The bulletin's heading."""
        return "社区矫正“大帮教”工作进度通报"


def build_bulletin(session: Session, programme_id: int, as_of: date) -> Bulletin:
    """The bulletin's content as of ``as_of``."""
    programme = session.get_one(Programme, programme_id)
    items = indicator_progress(session, programme_id, as_of)
    scores = department_scores(session, programme_id, as_of, items)
    first = date(programme.year, 1, 1)
    entries = dict(
        session.execute(
            select(LedgerEntry.owner_unit_id, func.count())
            .where(LedgerEntry.deleted.is_(False), LedgerEntry.entry_date.between(first, as_of))
            .group_by(LedgerEntry.owner_unit_id)
        ).all()
    )
    bulletin = Bulletin(
        programme.issuer, programme.title, scheme_for(session, programme_id).name, as_of,
        year_elapsed(programme.year, as_of), goal_figures(session, programme_id, as_of), scores,
        entries, overdue_items(session, programme_id, as_of),
    )  # fmt: skip
    bulletin.highlights = _highlights(session, programme_id, items, scores)
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
        lines.append(f"考核得分第一：{'、'.join(leaders)}（{scores[0].total:g} 分）。")
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
