"""Annual assessment (年度考核): each department's score and rank, explained line by line.

Score = the scheme's ``indicator_points`` × the department's weighted indicator completion
(each indicator capped at 100%), plus the scheme's rules computed from the records (late
summaries, overdue rectifications, brands led or joined, meetings without a report), each
capped, plus the county's manual adjustments. The scheme is data (the template's
``[assessment]``, stored as an ``AssessmentScheme``), so another county scores its own way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    AssessmentScheme,
    Brand,
    BrandParticipant,
    BrandStatus,
    JudgementScore,
    Meeting,
    MeetingReport,
    ScoreAdjustment,
)
from app.services.accounts import may, require
from app.services.goals import departments
from app.services.progress import IndicatorProgress, department_progress, indicator_progress

RULE_CODES = {
    "late_summary": "阶段总结逾期报送或逾期未报（每份）",
    "overdue_rectification": "整改事项逾期未整改（每项）",
    "brand_lead": "牵头创建品牌（已创建，每个）",
    "brand_participant": "参与创建品牌（已创建，每个）",
    "missing_meeting_report": "月度例会未汇报（每次）",
    "late_statistics_report": "统计报表逾期报送或逾期未报（每份）",
}
DEFAULT_RULES = [
    {"code": "late_summary", "label": "阶段总结逾期", "points": -2, "cap": 4},
    {"code": "overdue_rectification", "label": "整改逾期", "points": -3, "cap": 9},
    {"code": "brand_lead", "label": "牵头创建品牌", "points": 5, "cap": 10},
]


@dataclass(frozen=True)
class ScoreLine:
    """One line of a department's score: what, how many times, the points, and the 工作类别
    it counts in ("" for the county's 加减分, outside every category)."""

    label: str
    detail: str
    points: float
    category: str = ""
    undo: str = ""  # a 加减分's: 已撤销 (a counter-entry reverses it), 撤销 (it is one), or ""


ITEM_KINDS = {
    "rule": "按记录计算（每次加减分）",
    "indicator": "量化指标完成率",
    "judgement": "县矫正办评分",
    "peer_rating": "结对司法所测评",
}


@dataclass(frozen=True)
class Item:
    """One item (考核内容) of a category. ``points``: a rule's points per occurrence (negative
    deducts), an indicator item's points for full completion, a judgement or peer-rating item's
    maximum; ``cap``: a rule's limit on its total (absolute); ``key``: the item's identity in
    the scheme (a judgement item's scores name it); ``standard``: its 评分标准 as printed."""

    kind: str
    key: str
    label: str
    points: float
    standard: str = ""
    cap: float | None = None
    code: str = ""  # a rule's counter (RULE_CODES)

    @property
    def full_marks(self) -> str:
        """The item's 分值 as printed: its maximum, or its limit for a rule."""
        if self.kind == "rule":
            sign = "+" if self.points > 0 else "-"
            return f"{sign}{self.cap:g}" if self.cap is not None else "不限"
        return f"{self.points:g}"


@dataclass(frozen=True)
class Category:
    """A 工作类别: its name, its 分值 cap (the category's total stays within ±cap; None: no
    cap) and its items."""

    name: str
    cap: float | None
    items: tuple[Item, ...]

    @property
    def sign(self) -> int:
        """-1 when every item only deducts (rules of negative points), +1 when every item
        only adds (rules of positive points), else 0 (scored out of full marks)."""
        rules = [i.points for i in self.items if i.kind == "rule"]
        if not rules or len(rules) != len(self.items):
            return 0
        if all(p < 0 for p in rules):
            return -1
        return 1 if all(p > 0 for p in rules) else 0

    @property
    def limit(self) -> str:
        """The category's 分值 as said to the clerk: 最多扣 4 分 for deductions only, 最多加 14
        分 for additions only, else 分值 100 (不设上限 without a cap)."""
        if self.cap is None:
            return "不设上限"
        verb = {-1: "最多扣", 1: "最多加"}.get(self.sign)
        return f"{verb} {self.cap:g} 分" if verb else f"分值 {self.cap:g}"

    @property
    def short_limit(self) -> str:
        """The 分值 in a column header's brackets: 100, 最多扣4, 最多加14 ("" without a cap)."""
        if self.cap is None:
            return ""
        verb = {-1: "最多扣", 1: "最多加"}.get(self.sign, "")
        return f"{verb}{self.cap:g}"


@dataclass(frozen=True)
class ItemScore:
    """An item's result for a department: points and how they came (``applied``: it gave a
    line of the score — a rule that occurred, a judgement scored, a rating given)."""

    item: Item
    points: float
    detail: str
    applied: bool
    capped: bool = False
    reason: str = ""  # a judgement's 评分理由


@dataclass
class CategoryScore:
    """A category's result: its items, their sum (``raw``), the points it counts for (within
    its cap) and whether the cap was hit (by the category or by one of its items)."""

    category: Category
    items: list[ItemScore]
    raw: float
    points: float

    @property
    def capped(self) -> bool:
        """已达上限: the category's total reached its 分值 (or went past it), or one of its
        items went past its own cap."""
        cap = self.category.cap
        reached = cap is not None and self.points != 0 and abs(self.points) >= cap
        return reached or self.points != self.raw or any(i.capped for i in self.items)


@dataclass
class DepartmentScore:
    """A department's score, its lines, and its rank among departments (1 = best)."""

    unit_id: int
    name: str
    completion: float
    lines: list[ScoreLine] = field(default_factory=list)
    rank: int = 0
    categories: list[CategoryScore] = field(default_factory=list)
    frozen_rows: list[ExplanationRow] | None = None  # a published bulletin's explanation

    @property
    def total(self) -> float:
        """The score: the sum of its lines, to two decimals."""
        return round(sum(line.points for line in self.lines), 2)

    @property
    def adjustment_points(self) -> float:
        """The county's 加减分 (lines outside every category) together: with every category's
        points they add up to :attr:`total`."""
        return round(sum(line.points for line in self.lines if not line.category), 2)

    def category(self, name: str) -> CategoryScore | None:
        """The result of the category named ``name``."""
        return next((c for c in self.categories if c.category.name == name), None)


@dataclass(frozen=True)
class Scheme:
    """The scoring scheme in force: its categories (a scheme from before categories has one
    per rule, after the indicator category, so it scores as it always did)."""

    name: str
    indicator_points: float
    rules: list[dict[str, Any]]
    categories: tuple[Category, ...] = ()

    def judgement_items(self) -> list[tuple[Category, Item]]:
        """The items the county scores by judgement, with their category."""
        return [(c, i) for c in self.categories for i in c.items if i.kind == "judgement"]

    def item(self, key: str) -> Item | None:
        """The item whose key is ``key``."""
        return next((i for c in self.categories for i in c.items if i.key == key), None)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rule_standard(rule: dict[str, Any]) -> str:
    each = float(rule["points"])
    verb = "扣" if each < 0 else "加"
    what = RULE_CODES.get(rule.get("code", ""), rule.get("label", ""))
    limit = f"，最多{verb}{float(rule['cap']):g}分" if rule.get("cap") is not None else ""
    return f"{what}，每次{verb}{abs(each):g}分{limit}"


def item_of(data: dict[str, Any], position: int = 0) -> Item:
    """An item as the template (or the stored scheme) writes it: ``kind`` (default rule),
    ``label``, ``standard``, ``points``, ``cap``, ``code`` (a rule's), ``key`` (a judgement
    item's; others default to their code or kind)."""
    kind = str(data.get("kind", "rule"))
    code = str(data.get("code", ""))
    key = str(data.get("key") or (code if kind == "rule" else f"{kind}-{position}"))
    if kind == "indicator" and not data.get("key"):
        key = "indicator"
    if kind == "peer_rating" and not data.get("key"):
        key = "peer_rating"
    standard = str(data.get("standard") or (_rule_standard(data) if kind == "rule" else ""))
    return Item(kind, key, str(data.get("label") or RULE_CODES.get(code, code)),
                float(data.get("points", 0)), standard, _number(data.get("cap")), code)  # fmt: skip


def categories_of(
    categories: list[dict[str, Any]] | None, rules: list[dict[str, Any]], indicator_points: float
) -> tuple[Category, ...]:
    """The scheme's categories; a scheme without any (from before categories) becomes the
    indicator completion, then one category per rule with the rule's cap as its 分值."""
    if categories:
        return tuple(
            Category(str(c.get("name", "")), _number(c.get("cap")),
                     tuple(item_of(i, n) for n, i in enumerate(c.get("items", []))))
            for c in categories
        )  # fmt: skip
    result = [Category("量化指标完成", indicator_points, (Item(
        "indicator", "indicator", "量化指标完成", indicator_points,
        "按各项量化指标完成率（每项封顶100%）加权计分"),))]  # fmt: skip
    for rule in rules:
        item = item_of(rule)
        result.append(Category(item.label, item.cap, (item,)))
    return tuple(result)


def scheme_for(session: Session, programme_id: int) -> Scheme:
    """The programme's scheme, or a plain default when none was loaded."""
    stored = session.scalar(
        select(AssessmentScheme).where(
            AssessmentScheme.programme_id == programme_id, AssessmentScheme.deleted.is_(False)
        )
    )
    if stored is None:
        return Scheme("年度考核", 100.0, DEFAULT_RULES, categories_of(None, DEFAULT_RULES, 100.0))
    rules = list(stored.rules or [])
    return Scheme(stored.name, stored.indicator_points, rules,
                  categories_of(stored.categories, rules, stored.indicator_points))  # fmt: skip


def check_categories(categories: Any) -> str | None:
    """Why a scheme's ``categories`` (as the template writes them) are wrong, or None."""
    if not isinstance(categories, list):
        return "考核类别（categories）应是列表"
    keys: set[str] = set()
    for category in categories:
        name = category.get("name") if isinstance(category, dict) else None
        if not isinstance(name, str) or not name.strip():
            return "考核类别缺少名称（name）"
        cap = category.get("cap")
        if cap is not None and (_number(cap) is None or cap <= 0):
            return f"考核类别“{name}”的分值（cap）应为正数"
        items = category.get("items")
        if not isinstance(items, list) or not items:
            return f"考核类别“{name}”没有考核内容（items）"
        for n, data in enumerate(items):
            if not isinstance(data, dict):
                return f"考核类别“{name}”的考核内容应是表"
            kind, label = data.get("kind", "rule"), data.get("label", "")
            what = f"考核内容“{label or n + 1}”（{name}）"
            if kind not in ITEM_KINDS:
                return f"{what}的 kind 无效：应为 {' / '.join(ITEM_KINDS)}"
            points = _number(data.get("points"))
            if points is None:
                return f"{what}缺少分值（points）"
            if kind == "rule" and data.get("code") not in RULE_CODES:
                return f"{what}的 code 无效"
            if kind != "rule" and points <= 0:
                return f"{what}的分值（points）应为正数"
            if data.get("cap") is not None and (_number(data["cap"]) or 0) <= 0:
                return f"{what}的上限（cap）应为正数"
            if kind == "judgement" and not str(data.get("key", "")).strip():
                return f"{what}缺少标识（key），评分记录以它对应考核内容"
            key = item_of(data, n).key
            if key in keys:
                return f"{what}的标识（key）“{key}”重复"
            keys.add(key)
    return None


def _late_summaries(session: Session, programme_id: int, as_of: date) -> Counter[int | None]:
    """Per department: summaries of phases with a deadline before ``as_of`` that came late or
    have not come."""
    from app.models import Phase
    from app.services.summaries import summary_rows

    phases = session.scalars(
        select(Phase.id).where(Phase.programme_id == programme_id, Phase.deleted.is_(False),
                               Phase.deadline < as_of)
    ).all()  # fmt: skip
    counts: Counter[int | None] = Counter()
    for phase_id in phases:
        for row in summary_rows(session, programme_id, phase_id):
            if row.late or row.overdue(as_of):
                counts[row.department_id] += 1
    return counts


def _overdue_rectifications(
    session: Session, programme_id: int, as_of: date
) -> Counter[int | None]:
    from app.services.inspections import overdue_items

    return Counter(item.responsible_unit_id for item in overdue_items(session, as_of, programme_id))


def _brands(session: Session, programme_id: int, as_of: date, lead: bool) -> Counter[int | None]:
    created = select(Brand).where(Brand.programme_id == programme_id, Brand.deleted.is_(False),
                                  Brand.status == BrandStatus.CREATED)  # fmt: skip
    if lead:
        return Counter(b.lead_unit_id for b in session.scalars(created))
    ids = [b.id for b in session.scalars(created)]
    rows = session.scalars(
        select(BrandParticipant.unit_id).where(
            BrandParticipant.brand_id.in_(ids), BrandParticipant.deleted.is_(False)
        )
    )
    return Counter(rows)


def _missing_reports(session: Session, programme_id: int, as_of: date) -> Counter[int | None]:
    """Per department, the monthly meetings (月度例会) it gave no report at; other types of
    meeting (动员部署会, 座谈会…) are not counted."""
    from app.services.meetings import meeting_types

    monthly = meeting_types(session, programme_id).monthly
    meetings = session.scalars(
        select(Meeting).where(Meeting.programme_id == programme_id, Meeting.deleted.is_(False),
                              Meeting.meeting_date <= as_of, Meeting.meeting_type == monthly)
    ).all()  # fmt: skip
    counts: Counter[int | None] = Counter()
    for meeting in meetings:
        reported = set(session.scalars(
            select(MeetingReport.unit_id).where(MeetingReport.meeting_id == meeting.id,
                                                MeetingReport.deleted.is_(False))
        ))  # fmt: skip
        for department in departments(session):
            if department.id not in reported:
                counts[department.id] += 1
    return counts


def _late_statistics(session: Session, programme_id: int, as_of: date) -> Counter[int | None]:
    """Per unit: statistics reports (月报/季报) due before ``as_of`` that came late or have
    not come (``statistics_reports.late_counts``)."""
    from app.services.statistics_reports import late_counts

    return late_counts(session, programme_id, as_of)


COUNTERS: dict[str, Callable[[Session, int, date], Counter[int | None]]] = {
    "late_summary": _late_summaries,
    "overdue_rectification": _overdue_rectifications,
    "brand_lead": lambda s, p, d: _brands(s, p, d, lead=True),
    "brand_participant": lambda s, p, d: _brands(s, p, d, lead=False),
    "missing_meeting_report": _missing_reports,
    "late_statistics_report": _late_statistics,
}


def peer_averages(
    session: Session, programme_id: int, as_of: date | None = None
) -> dict[int, float]:
    """Each rated department's average rating by its paired offices on a 0–100 scale (the
    rating form's totals scaled by its full marks), counting ratings given on or before
    ``as_of``; departments nobody has rated are absent. One query for every department."""
    from app.services import peer_ratings

    full = peer_ratings.full_marks(peer_ratings.rating_items(session, programme_id)) or 100.0
    totals: dict[int, list[float]] = {}
    for rating in peer_ratings.ratings_for(session, programme_id):
        if as_of is None or rating.rated_on <= as_of:
            totals.setdefault(rating.department_id, []).append(rating.total)
    return {unit: round(sum(t) / len(t) * 100 / full, 2) for unit, t in totals.items()}


def peer_average(
    session: Session, programme_id: int, unit_id: int, as_of: date | None = None
) -> float | None:
    """One department's average of :func:`peer_averages`, None when none has rated it."""
    return peer_averages(session, programme_id, as_of).get(unit_id)


def _judgements(
    session: Session, programme_id: int, as_of: date
) -> dict[tuple[int, str], list[JudgementScore]]:
    """(department, item key) → its judgement scores up to ``as_of``, oldest first (the last
    is the one that counts, the others it superseded)."""
    rows = session.scalars(
        select(JudgementScore).where(JudgementScore.programme_id == programme_id,
                                     JudgementScore.deleted.is_(False),
                                     JudgementScore.scored_on <= as_of)
        .order_by(JudgementScore.scored_on, JudgementScore.created_at, JudgementScore.id)
    ).all()  # fmt: skip
    found: dict[tuple[int, str], list[JudgementScore]] = {}
    for row in rows:
        found.setdefault((row.unit_id, row.item_key), []).append(row)
    return found


def _rule_score(item: Item, times: int) -> ItemScore:
    if not times:
        return ItemScore(item, 0.0, "无", False)
    points = item.points * times
    capped = item.cap is not None and abs(points) > item.cap
    if capped and item.cap is not None:
        points = item.cap if points > 0 else -item.cap
    verb = "扣" if item.points < 0 else "加"
    detail = f"{times} 次，每次{verb} {abs(item.points):g} 分" + (
        f"，最多{verb} {item.cap:g} 分" if capped and item.cap is not None else ""
    )
    return ItemScore(item, points, detail, True, capped)


def _judgement_score(item: Item, scores: list[JudgementScore]) -> ItemScore:
    if not scores:
        return ItemScore(item, 0.0, f"未评分（满分 {item.points:g}）", False)
    *earlier, last = scores
    detail = f"{last.scored_on:%Y-%m-%d} 县矫正办评 {last.score:g} 分（满分 {item.points:g}）：{last.reason}"
    if earlier:
        detail += "；取代 " + "、".join(
            f"{e.scored_on:%Y-%m-%d} 的 {e.score:g} 分" for e in reversed(earlier)
        )
    return ItemScore(item, last.score, detail, True, reason=last.reason)


def _peer_score(item: Item, average: float | None) -> ItemScore:
    if average is None:
        return ItemScore(item, 0.0, f"未评：尚无结对司法所测评，记 0 分（满分 {item.points:g}）",
                         False)  # fmt: skip
    points = round(item.points * average / 100, 2)
    return ItemScore(item, points, f"结对司法所测评平均 {average:.1f} 分（百分制），"
                                   f"{item.points:g} × {average:.1f}% ", True)  # fmt: skip


def _category_score(category: Category, items: list[ItemScore]) -> CategoryScore:
    raw = round(sum(i.points for i in items), 2)
    points = raw
    if category.cap is not None:
        points = max(-category.cap, min(category.cap, raw))
    return CategoryScore(category, items, raw, points)


def department_scores(
    session: Session, programme_id: int, as_of: date, items: list[IndicatorProgress] | None = None
) -> list[DepartmentScore]:
    """Every department's score as of a date, best first, with tied scores sharing a rank
    (``items``: the indicators' progress, if the caller has it already). Each category's
    items are summed and kept within its 分值; the county's 加减分 come last, outside them."""
    scheme = scheme_for(session, programme_id)
    items = items if items is not None else indicator_progress(session, programme_id, as_of)
    progress = {
        p.department_id: p for p in department_progress(session, programme_id, as_of, items)
    }
    codes = {i.code for c in scheme.categories for i in c.items if i.kind == "rule"}
    counted = {code: COUNTERS[code](session, programme_id, as_of)
               for code in codes if code in COUNTERS}  # fmt: skip
    judged = _judgements(session, programme_id, as_of)
    rated = any(i.kind == "peer_rating" for c in scheme.categories for i in c.items)
    averages = peer_averages(session, programme_id, as_of) if rated else {}
    makers = _unit_names(session)
    adjustments = session.scalars(
        select(ScoreAdjustment).where(ScoreAdjustment.programme_id == programme_id,
                                      ScoreAdjustment.deleted.is_(False),
                                      ScoreAdjustment.adjusted_on <= as_of)
        .order_by(ScoreAdjustment.adjusted_on, ScoreAdjustment.id)
    ).all()  # fmt: skip
    undo = _undo_marks(session, programme_id, adjustments)
    scores = []
    for department in departments(session):
        done = progress.get(department.id)
        completion = done.completion if done else 0.0
        score = DepartmentScore(department.id, department.name, completion)
        met = f"，{done.indicators_met}/{done.indicators} 项达标" if done else "，无量化指标"
        average = averages.get(department.id)
        for category in scheme.categories:
            results = []
            for item in category.items:
                if item.kind == "indicator":
                    detail = f"加权完成率 {completion * 100:.1f}%{met}，满分 {item.points:g}"
                    results.append(ItemScore(item, round(item.points * completion, 2), detail,
                                             True))  # fmt: skip
                elif item.kind == "rule":
                    times = counted.get(item.code, Counter()).get(department.id, 0)
                    results.append(_rule_score(item, times))
                elif item.kind == "judgement":
                    results.append(
                        _judgement_score(item, judged.get((department.id, item.key), []))
                    )
                else:
                    results.append(_peer_score(item, average))
            result = _category_score(category, results)
            score.categories.append(result)
            score.lines += [ScoreLine(i.item.label, i.detail, i.points, category.name)
                            for i in results if i.applied]  # fmt: skip
            if result.points != result.raw:
                score.lines.append(ScoreLine(
                    "已达上限",
                    f"{category.name}合计 {result.raw:+g} 分，{category.limit}，"
                    f"按 {result.points:+g} 分计",
                    round(result.points - result.raw, 2), category.name,
                ))  # fmt: skip
        for adjustment in adjustments:
            if adjustment.unit_id == department.id:
                maker = makers.get(adjustment.owner_unit_id, "")
                detail = f"{adjustment.adjusted_on:%Y-%m-%d} {adjustment.reason}" + (
                    f"（{maker}登记）" if maker else ""
                )
                score.lines.append(ScoreLine("县矫正办加减分", detail, adjustment.points,
                                             undo=undo.get(adjustment.id, "")))  # fmt: skip
        scores.append(score)
    scores.sort(key=lambda s: (-s.total, s.name))
    for position, score in enumerate(scores):
        tied = position and scores[position - 1].total == score.total
        score.rank = scores[position - 1].rank if tied else position + 1
    return scores


def _undo_marks(
    session: Session, programme_id: int, counted: Sequence[ScoreAdjustment]
) -> dict[int, str]:
    """Of the 加减分 ``counted`` (those up to a date): id → 撤销 for a counter-entry, 已撤销 for
    one whose counter-entry is counted too."""
    listed = {r.id: r for r in adjustment_rows(session, programme_id)}
    undone = {a.reverses_id for a in counted if a.reverses_id is not None}
    legacy = Counter(
        (a.unit_id, round(-a.points, 2), a.reason[len(UNDO_PREFIX) :])
        for a in counted
        if a.reverses_id is None and a.reason.startswith(UNDO_PREFIX)
    )
    marks: dict[int, str] = {}
    for adjustment in counted:
        row = listed.get(adjustment.id)
        if row is None:
            continue
        if row.is_undo:
            marks[adjustment.id] = "撤销"
        elif adjustment.id in undone:
            marks[adjustment.id] = "已撤销"
        elif row.undone and legacy[_undo_key(adjustment)] > 0:
            legacy[_undo_key(adjustment)] -= 1
            marks[adjustment.id] = "已撤销"
    return marks


@dataclass(frozen=True)
class ExplanationRow:
    """A row of the explanation grouped by category: a category's heading (``heading``: its
    分值, subtotal and 已达上限) or one of its items; the county's 加减分 last."""

    category: str
    label: str
    detail: str
    points: float
    heading: bool = False
    capped: bool = False

    @property
    def shown_label(self) -> str:
        """The 项目 as the page and the bulletin print it: 【组织领导】 for a heading, the item
        indented under it."""
        return f"【{self.label}】" if self.heading else "\u3000" + self.label


def explanation(score: DepartmentScore) -> list[ExplanationRow]:
    """The department's score line by line, grouped by category: each category's heading with
    its cap and whether it was hit, then every item (those that did not apply at 0, saying
    why), then the cap's correction; then the county's 加减分. A score from a published
    bulletin gives the rows it was published with."""
    if score.frozen_rows is not None:
        return list(score.frozen_rows)
    rows: list[ExplanationRow] = []
    for result in score.categories:
        name, limit = result.category.name, result.category.limit
        hit = "，已达上限" if result.capped else ""
        rows.append(ExplanationRow(name, name, f"{limit}，本类得分 {result.points:g}{hit}",
                                   result.points, heading=True, capped=result.capped))  # fmt: skip
        rows += [ExplanationRow(name, i.item.label, i.detail, i.points, capped=i.capped)
                 for i in result.items]  # fmt: skip
        rows += [ExplanationRow(name, line.label, line.detail, line.points, capped=True)
                 for line in score.lines if line.category == name and line.label == "已达上限"]  # fmt: skip
    adjustments = [line for line in score.lines if not line.category]
    if adjustments:
        total = round(sum(line.points for line in adjustments), 2)
        rows.append(ExplanationRow("县矫正办加减分", "县矫正办加减分",
                                   f"{len(adjustments)} 条，合计 {total:+g} 分", total, heading=True))  # fmt: skip
        rows += [ExplanationRow("县矫正办加减分", line.label,
                                line.detail + (f"【{line.undo}】" if line.undo else ""),
                                line.points) for line in adjustments]  # fmt: skip
    return rows


MAX_ADJUSTMENT_POINTS = 100


def check_adjustment(points: float, reason: str) -> None:
    """An adjustment needs a reason and points from -100 to 100, not 0; else ValidationError."""
    from app.services.errors import ValidationError

    if not reason.strip():
        raise ValidationError("请写明加减分的理由。", "reason")
    if not points or abs(points) > MAX_ADJUSTMENT_POINTS:
        raise ValidationError(
            f"加减分应在 -{MAX_ADJUSTMENT_POINTS} 到 {MAX_ADJUSTMENT_POINTS} 之间且不为 0。",
            "points",
        )


def add_adjustment(
    session: Session, programme_id: int, unit_id: int, points: float, reason: str, on: date,
    owner_unit_id: int | None, reverses_id: int | None = None,
) -> ScoreAdjustment:  # fmt: skip
    """Record a manual addition (positive) or deduction (negative) with its reason
    (``reverses_id``: the entry a 撤销 counter-entry reverses)."""
    require(session, "assessment.adjust")
    check_adjustment(points, reason)
    adjustment = ScoreAdjustment(programme_id=programme_id, unit_id=unit_id, points=float(points),
                                 reason=reason.strip(), adjusted_on=on, owner_unit_id=owner_unit_id,
                                 reverses_id=reverses_id)  # fmt: skip
    session.add(adjustment)
    session.flush()
    return adjustment


# ---------------------------------------------------------------- 加减分 on the county's PC
UNDO_PREFIX = "撤销："


@dataclass(frozen=True)
class AdjustmentRow:
    """A recorded 加减分: never edited; undone by a counter-entry (``undoes`` its reason)."""

    id: int
    unit_id: int
    unit: str
    points: float
    reason: str
    adjusted_on: date
    made_by: str
    is_undo: bool  # a counter-entry (撤销：…)
    undone: bool  # a counter-entry for it exists


def _unit_names(session: Session) -> dict[int | None, str]:
    from app.models import Unit

    return {row.id: row.name for row in session.execute(select(Unit.id, Unit.name))}


def can_adjust(session: Session) -> bool:
    """True on the county correction office's PC, the only one that records 加减分."""
    from app.models import UnitKind
    from app.services.settings import local_unit

    me = local_unit(session)
    return (
        me is not None and me.kind == UnitKind.COUNTY_OFFICE and may(session, "assessment.adjust")
    )


def _county_unit_id(session: Session, what: str = "考核加减分") -> int:
    from app.services.errors import ValidationError
    from app.services.settings import local_unit

    if not can_adjust(session):
        me = local_unit(session)
        where = f"本机单位（{me.name}）" if me is not None else "本机"
        raise ValidationError(f"{what}由县矫正办登记，{where}只能查看。")
    me = local_unit(session)
    assert me is not None
    return me.id


def _undo_key(row: ScoreAdjustment) -> tuple[int, float, str]:
    return row.unit_id, round(row.points, 2), row.reason


def adjustment_rows(session: Session, programme_id: int) -> list[AdjustmentRow]:
    """Every 加减分 of the programme, oldest first, with who recorded it and whether it was
    undone: by a counter-entry that names it (``reverses_id``), or, for a 撤销 recorded before
    that link, by one of opposite points whose reason is 撤销：<its reason>."""
    rows = session.scalars(
        select(ScoreAdjustment).where(ScoreAdjustment.programme_id == programme_id,
                                      ScoreAdjustment.deleted.is_(False))
        .order_by(ScoreAdjustment.adjusted_on, ScoreAdjustment.id)
    ).all()  # fmt: skip
    names = _unit_names(session)
    linked = {r.reverses_id for r in rows if r.reverses_id is not None}
    counters = Counter(
        (r.unit_id, round(-r.points, 2), r.reason[len(UNDO_PREFIX) :])
        for r in rows
        if r.reason.startswith(UNDO_PREFIX) and r.reverses_id is None
    )
    result = []
    for row in rows:
        is_undo = row.reverses_id is not None or row.reason.startswith(UNDO_PREFIX)
        undone = row.id in linked
        if not is_undo and not undone and counters[_undo_key(row)] > 0:
            counters[_undo_key(row)] -= 1
            undone = True
        result.append(AdjustmentRow(row.id, row.unit_id, names.get(row.unit_id, ""), row.points,
                                    row.reason, row.adjusted_on, names.get(row.owner_unit_id, ""),
                                    is_undo, undone))  # fmt: skip
    return result


def record_adjustment(
    session: Session, *, programme_id: int, unit_id: int, points: float, reason: str, on: date
) -> ScoreAdjustment:
    """The county's 加减分 for a department, dated within the programme's period, with a
    reason; refused (ValidationError naming the field) on any other PC or with bad input."""
    require(session, "assessment.adjust")
    from app.models import Unit, UnitKind
    from app.services.dates import DateRange
    from app.services.errors import ValidationError
    from app.services.period import programme_period

    county = _county_unit_id(session)
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted or unit.kind != UnitKind.DEPARTMENT:
        raise ValidationError("请选择要加减分的科室。", "unit")
    check_adjustment(points, reason)
    period = programme_period(session, programme_id)
    DateRange(earliest=period.start, latest=period.end).check(on, field="on", label="加减分日期")
    return add_adjustment(session, programme_id, unit_id, points, reason, on, county)


def undo_adjustment(session: Session, adjustment_id: int, on: date) -> ScoreAdjustment:
    """Undo a 加减分 by a counter-entry (opposite points, reason 撤销：<原因>) dated ``on`` (not
    before the entry itself): both stay listed, nothing is edited. County only."""
    require(session, "assessment.adjust")
    from app.services.errors import ValidationError

    county = _county_unit_id(session)
    row = session.get(ScoreAdjustment, adjustment_id)
    if row is None or row.deleted:
        raise ValidationError("这条加减分记录已不存在。")
    listed = {r.id: r for r in adjustment_rows(session, row.programme_id)}[row.id]
    if listed.is_undo:
        raise ValidationError("这是一条撤销记录，不能再撤销；如有需要请重新登记加减分。")
    if listed.undone:
        raise ValidationError("这条加减分已经撤销过了。")
    return add_adjustment(session, row.programme_id, row.unit_id, -row.points,
                          UNDO_PREFIX + row.reason, max(on, row.adjusted_on), county,
                          reverses_id=row.id)  # fmt: skip


# ---------------------------------------------------------------- 评分: judgement items
MAX_JUDGEMENT_REASON = 200


def check_judgement(scheme: Scheme, item_key: str, score: Any, reason: str) -> Item:
    """The judgement item a score is for, when the score is a number from 0 to the item's
    maximum and the reason is given (at most 200 characters); else ValidationError."""
    from app.services.errors import ValidationError

    item = scheme.item(item_key)
    if item is None or item.kind != "judgement":
        raise ValidationError("请选择要评分的考核内容（考核方案中由县矫正办评分的项目）。", "item")
    value = _number(score)
    if value is None:
        raise ValidationError(
            f"请填写“{item.label}”的得分（0 到 {item.points:g} 分之间）。", "score"
        )
    if not 0 <= value <= item.points:
        raise ValidationError(f"“{item.label}”的得分应在 0 到 {item.points:g} 分之间。", "score")
    if not reason.strip():
        raise ValidationError("请写明评分的理由。", "reason")
    if len(reason.strip()) > MAX_JUDGEMENT_REASON:
        raise ValidationError(f"评分理由不超过 {MAX_JUDGEMENT_REASON} 字。", "reason")
    return item


def record_judgement(
    session: Session, *, programme_id: int, unit_id: int, item_key: str, score: float,
    reason: str, on: date,
) -> JudgementScore:  # fmt: skip
    """The county's score of a department on a judgement item, with its reason, dated within
    the programme's period. A new record each time: a later score supersedes the earlier
    (both kept). Refused (ValidationError naming the field) on another PC or with bad input."""
    require(session, "assessment.adjust")
    from app.models import Unit, UnitKind
    from app.services.dates import DateRange
    from app.services.errors import ValidationError
    from app.services.period import programme_period

    county = _county_unit_id(session, "考核评分")
    unit = session.get(Unit, unit_id)
    if unit is None or unit.deleted or unit.kind != UnitKind.DEPARTMENT:
        raise ValidationError("请选择要评分的科室。", "unit")
    check_judgement(scheme_for(session, programme_id), item_key, score, reason)
    period = programme_period(session, programme_id)
    DateRange(earliest=period.start, latest=period.end).check(on, field="on", label="评分日期")
    row = JudgementScore(programme_id=programme_id, unit_id=unit_id, item_key=item_key,
                         score=float(score), reason=reason.strip(), scored_on=on,
                         owner_unit_id=county)  # fmt: skip
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- 评分表 (the score sheet)
@dataclass(frozen=True)
class ScoreSheet:
    """A department's 评分表 as of a date: the scheme's categories with its results, the
    county's 加减分, its total and rank, and the 落款 (the county office's full name)."""

    title: str
    score: DepartmentScore
    departments: int
    as_of: date
    issuer: str

    @property
    def adjustments(self) -> list[ScoreLine]:
        """The county's 加减分 (lines outside every category)."""
        return [line for line in self.score.lines if not line.category]


def score_sheets(
    session: Session, programme_id: int, as_of: date, unit: str | None = None
) -> list[ScoreSheet]:
    """The 评分表 of the department named ``unit`` (None: every department, in rank order)
    as of ``as_of``; UserError for a name that is no department."""
    from app.models import Unit, UnitKind
    from app.services.errors import UserError
    from app.services.summary_reports import full_name

    scores = department_scores(session, programme_id, as_of)
    if unit is not None:
        scores = [s for s in scores if s.name == unit]
        if not scores:
            raise UserError(f"没有名为“{unit}”的科室（评分表只为局科室生成）。")
    county = session.scalar(select(Unit).where(Unit.kind == UnitKind.COUNTY_OFFICE))
    issuer = full_name(session, programme_id, county) or "县矫正办"
    title = f"{scheme_for(session, programme_id).name}评分表"
    count = len(departments(session))
    return [ScoreSheet(title, score, count, as_of, issuer) for score in scores]
