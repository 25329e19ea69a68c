"""Published bulletins (已发布的进度通报): 期号 in sequence, a frozen snapshot, reprints.

发布 (the county's PC only) builds the bulletin as of a date (:func:`app.services.bulletin.
build_bulletin`), freezes everything it prints — goals, the ranking with each department's lines,
overdue items, highlights, the document elements — as JSON in an :class:`IssuedBulletin`, and
records it with its 期号. The PDF, Word and Excel of an issued bulletin are rendered from that
snapshot (:func:`bulletin_of`), so 第3期 reprinted months later prints the same figures. The
record travels down to every department and office in the county's packages, where the
考核与通报 page shows it read-only.

期号 run on without gaps or repeats within a programme: the next is the last + 1 (the first
follows the template's monthly numbering, ``[bulletin] first_issue``, in that month's year, and
is 第1期 in any other year or without it; ``bulletin.first_issue_number``); a bulletin counts
to a date in the programme's period and not earlier than the previous one's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import IssuedBulletin, Programme, Unit
from app.models.programme import GoalMetric
from app.services.accounts import may, require
from app.services.assessment import DepartmentScore, ExplanationRow, ScoreLine, explanation
from app.services.bulletin import Bulletin, build_bulletin, first_issue_number
from app.services.documents import template_section
from app.services.errors import ValidationError
from app.services.goals import GoalFigure
from app.services.overdue import OverdueItem
from app.services.wording import cn_date

SNAPSHOT_VERSION = 1
MAX_SNAPSHOT_BYTES = 2_000_000  # a snapshot's JSON; a county's bulletin is a few tens of KB
MAX_TEXT = 2000  # one text of a snapshot
MAX_ROWS = 2000  # rows of one list of a snapshot


@dataclass(frozen=True)
class IssuedRow:
    """One published bulletin as listed: 第N期, the date it counts to, the day issued."""

    id: int
    number: int
    as_of: date
    issued_on: date
    title: str

    @property
    def label(self) -> str:
        """第3期."""
        return f"第{self.number}期"


# ---------------------------------------------------------------- the snapshot
def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def snapshot_of(bulletin: Bulletin, unit_uuids: Mapping[int, str]) -> dict[str, Any]:
    """Everything ``bulletin`` prints, as JSON (``unit_uuids``: local unit id → uuid, so the
    departments are known on every PC)."""
    b = bulletin
    return {
        "version": SNAPSHOT_VERSION,
        "issuer": b.issuer, "programme_title": b.programme_title, "scheme_name": b.scheme_name,
        "as_of": b.as_of.isoformat(), "year_elapsed": b.year_elapsed,
        "title": b.title, "issue_number": b.issue_number, "document_number": b.document_number,
        "copy_to": b.copy_to, "printed_by": b.printed_by, "printed_on": _day(b.printed_on),
        "period_label": b.period_label, "highlights": list(b.highlights),
        "goals": [{"title": g.title, "metric": g.metric.value, "target_min": g.target_min,
                   "target_max": g.target_max, "measure_unit": g.measure_unit,
                   "actual": g.actual, "done": g.done, "out_of": g.out_of} for g in b.goals],
        "scores": [{"unit_uuid": unit_uuids.get(s.unit_id, ""), "name": s.name,
                    "completion": s.completion, "rank": s.rank,
                    "entries": b.entries.get(s.unit_id, 0),
                    "lines": [{"label": line.label, "detail": line.detail,
                               "points": line.points, "category": line.category}
                              for line in s.lines],
                    "rows": [asdict(row) for row in explanation(s)]}
                   for s in b.scores],
        "overdue": [{"kind": i.kind, "unit": i.unit, "text": i.text, "due": _day(i.due),
                     "days_late": i.days_late, "section": i.section} for i in b.overdue],
    }  # fmt: skip


def bulletin_from_snapshot(data: dict[str, Any], unit_ids: Mapping[str, int]) -> Bulletin:
    """The bulletin a snapshot keeps, for the PDF, Word and Excel builders and the page
    (``unit_ids``: unit uuid → local id; a department not known here gets a negative id)."""
    scores: list[DepartmentScore] = []
    entries: dict[int | None, int] = {}
    for position, s in enumerate(data["scores"], start=1):
        unit_id = unit_ids.get(s["unit_uuid"], -position)
        lines = [ScoreLine(str(x["label"]), str(x["detail"]), float(x["points"]),
                           str(x.get("category", ""))) for x in s["lines"]]  # fmt: skip
        rows = [ExplanationRow(str(r["category"]), str(r["label"]), str(r["detail"]),
                               float(r["points"]), bool(r["heading"]), bool(r["capped"]))
                for r in s.get("rows", [])]  # fmt: skip
        if not rows:  # published before the explanation was kept: its lines, ungrouped
            rows = [ExplanationRow(x.category, x.label, x.detail, x.points) for x in lines]
        scores.append(DepartmentScore(unit_id, str(s["name"]), float(s["completion"]), lines,
                                      int(s["rank"]), frozen_rows=rows))  # fmt: skip
        entries[unit_id] = int(s["entries"])
    goals = [GoalFigure(str(g["title"]), GoalMetric(g["metric"]), float(g["target_min"]),
                        None if g["target_max"] is None else float(g["target_max"]),
                        str(g["measure_unit"]), float(g["actual"]), int(g["done"]),
                        None if g["out_of"] is None else int(g["out_of"])) for g in data["goals"]]  # fmt: skip
    overdue = [OverdueItem(str(i["kind"]), str(i["unit"]), str(i["text"]),
                           date.fromisoformat(i["due"]) if i["due"] else None,
                           int(i["days_late"]), str(i["section"])) for i in data["overdue"]]  # fmt: skip
    return Bulletin(
        str(data["issuer"]), str(data["programme_title"]), str(data["scheme_name"]),
        date.fromisoformat(data["as_of"]), float(data["year_elapsed"]), goals, scores, entries,
        overdue, highlights=[str(h) for h in data["highlights"]], title=str(data["title"]),
        issue_number=data["issue_number"], document_number=str(data["document_number"]),
        copy_to=str(data["copy_to"]), printed_by=str(data["printed_by"]),
        printed_on=date.fromisoformat(data["printed_on"]) if data["printed_on"] else None,
        period_label=str(data["period_label"]),
    )  # fmt: skip


_KEYS = {"version", "issuer", "programme_title", "scheme_name", "as_of", "year_elapsed", "title",
         "issue_number", "document_number", "copy_to", "printed_by", "printed_on",
         "period_label", "highlights", "goals", "scores", "overdue"}  # fmt: skip


def _texts_and_numbers_sound(value: Any) -> bool:
    """Every text of ``value`` at most MAX_TEXT long, every list at most MAX_ROWS, every
    number finite."""
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int | float):
        return math.isfinite(value)
    if isinstance(value, list):
        return len(value) <= MAX_ROWS and all(map(_texts_and_numbers_sound, value))
    if isinstance(value, dict):
        return all(isinstance(k, str) and _texts_and_numbers_sound(v) for k, v in value.items())
    return False


def snapshot_problem(data: Any) -> str | None:
    """Why ``data`` is not a snapshot of :func:`snapshot_of`, in Chinese (naming no value),
    or None."""
    if type(data) is not dict or set(data) != _KEYS:
        return "不是完整的通报内容（项目不全或有多余的项目）"
    if data["version"] != SNAPSHOT_VERSION:
        return "的版本不是本程序能读的版本"
    if len(json.dumps(data, ensure_ascii=False)) > MAX_SNAPSHOT_BYTES:
        return "过大"
    if not _texts_and_numbers_sound(data):
        return "中有过长的文字、过多的行或无效的数字"
    try:
        bulletin_from_snapshot(data, {})
    except (KeyError, TypeError, ValueError, AttributeError):
        return "中有项目不全或格式不对的行"
    return None


# ---------------------------------------------------------------- the register
def issued_rows(session: Session, programme_id: int) -> list[IssuedRow]:
    """The programme's published bulletins, the latest first."""
    rows = session.execute(
        select(IssuedBulletin.id, IssuedBulletin.number, IssuedBulletin.as_of,
               IssuedBulletin.issued_on, IssuedBulletin.title)
        .where(IssuedBulletin.programme_id == programme_id, IssuedBulletin.deleted.is_(False))
        .order_by(IssuedBulletin.number.desc())
    ).all()  # fmt: skip
    return [IssuedRow(*row) for row in rows]


def _last(session: Session, programme_id: int) -> IssuedBulletin | None:
    return session.scalar(
        select(IssuedBulletin)
        .where(IssuedBulletin.programme_id == programme_id, IssuedBulletin.deleted.is_(False))
        .order_by(IssuedBulletin.number.desc())
        .limit(1)
    )


def next_number(session: Session, programme_id: int, as_of: date) -> int:
    """The 期号 发布 proposes: the last issued + 1; for the first, the template's monthly
    numbering from ``first_issue`` in that month's year, else 1 (a later year's series
    restarts: ``bulletin.first_issue_number``)."""
    last = _last(session, programme_id)
    if last is not None:
        return last.number + 1
    wording = template_section(session, programme_id, "bulletin")
    year = session.get_one(Programme, programme_id).year
    return first_issue_number(wording.get("first_issue", ""), year, as_of) or 1


def check_issue(session: Session, programme_id: int, number: int, as_of: date) -> None:
    """Refuse (ValidationError naming ``number`` or ``as_of``) a 期号 already used or leaving
    a gap, and a date outside the programme's period or before the previous issue's."""
    from app.services.dates import DateRange
    from app.services.period import programme_period

    if number < 1:
        raise ValidationError("期号应是正整数。", "number")
    used = session.scalar(
        select(IssuedBulletin).where(IssuedBulletin.programme_id == programme_id,
                                     IssuedBulletin.deleted.is_(False),
                                     IssuedBulletin.number == number)
    )  # fmt: skip
    if used is not None:
        raise ValidationError(
            f"第{number}期已经发布（截至{cn_date(used.as_of)}，{cn_date(used.issued_on)}发布），"
            "期号不能重复。",
            "number",
        )
    last = _last(session, programme_id)
    if last is not None and number != last.number + 1:
        raise ValidationError(
            f"期号应接着上一期编排：上一期是第{last.number}期，这一期应为第{last.number + 1}期。",
            "number",
        )
    period = programme_period(session, programme_id)
    DateRange(earliest=period.start, latest=period.end).check(
        as_of, field="as_of", label="通报截至日期"
    )
    if last is not None and as_of < last.as_of:
        raise ValidationError(
            f"通报截至日期不能早于上一期（第{last.number}期截至{cn_date(last.as_of)}）。", "as_of"
        )


def _unit_uuids(session: Session) -> dict[int, str]:
    return {row.id: row.uuid for row in session.execute(select(Unit.id, Unit.uuid))}


def _unit_ids(session: Session) -> dict[str, int]:
    return {uuid: unit_id for unit_id, uuid in _unit_uuids(session).items()}


def can_publish(session: Session) -> bool:
    """True on the county correction office's PC, the only one that publishes bulletins."""
    from app.models import UnitKind
    from app.services.settings import local_unit

    me = local_unit(session)
    return me is not None and me.kind == UnitKind.COUNTY_OFFICE and may(session, "bulletin.publish")


def publish(
    session: Session, programme_id: int, as_of: date, number: int | None = None,
    issued_on: date | None = None,
) -> IssuedBulletin:  # fmt: skip
    """发布: build the bulletin as of ``as_of`` with 期号 ``number`` (default: the next one),
    freeze it and record it as the county's (issued ``issued_on``, default today). Refused
    (ValidationError) on any other PC, or with a 期号 or date :func:`check_issue` refuses."""
    require(session, "bulletin.publish")
    from app.services.settings import local_unit

    me = local_unit(session)
    if me is None or not can_publish(session):
        where = f"本机单位（{me.name}）" if me is not None else "本机"
        raise ValidationError(f"进度通报由县矫正办发布，{where}只能查看已发布的通报。")
    number = next_number(session, programme_id, as_of) if number is None else number
    check_issue(session, programme_id, number, as_of)
    bulletin = build_bulletin(session, programme_id, as_of, number)
    issued = IssuedBulletin(
        programme_id=programme_id, number=number, as_of=as_of,
        issued_on=issued_on or date.today(), title=bulletin.title[:200],
        snapshot=snapshot_of(bulletin, _unit_uuids(session)), owner_unit_id=me.id,
    )  # fmt: skip
    session.add(issued)
    session.flush()
    return issued


def bulletin_of(session: Session, issued_id: int) -> Bulletin:
    """An issued bulletin as it was published (its snapshot), for a reprint or the page."""
    issued = session.get(IssuedBulletin, issued_id)
    if issued is None or issued.deleted:
        raise ValidationError("这期通报不存在。")
    return bulletin_from_snapshot(issued.snapshot, _unit_ids(session))


def issued_by_number(session: Session, programme_id: int, number: int) -> IssuedBulletin:
    """The programme's bulletin 第``number``期 (ValidationError when none was published)."""
    found = session.scalar(
        select(IssuedBulletin).where(IssuedBulletin.programme_id == programme_id,
                                     IssuedBulletin.deleted.is_(False),
                                     IssuedBulletin.number == number)
    )  # fmt: skip
    if found is None:
        count = session.scalar(
            select(func.count()).select_from(IssuedBulletin)
            .where(IssuedBulletin.programme_id == programme_id, IssuedBulletin.deleted.is_(False))
        )  # fmt: skip
        raise ValidationError(f"第{number}期通报没有发布过（本年度已发布 {count} 期）。", "number")
    return found
