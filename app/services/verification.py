"""核实: the county marks ledger entries 已核实 or 存疑 (with a reason); the unit whose entry
it is sees the doubt and answers it; both travel in packages (``app.models.verification``).

Only the county office marks (``ledger.verify``, a 负责人's permission), and only the entry's
own unit answers (``ledger.edit``). A mark is changed in place when the county looks again;
an answer is for the mark's revision it answers, so a doubt raised again waits anew."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    DoubtAnswer,
    EntryVerification,
    LedgerEntry,
    UnitKind,
    VerificationStatus,
)
from app.services import audit
from app.services.accounts import require
from app.services.errors import UserError, ValidationError
from app.services.settings import acting_label, local_unit
from app.services.wording import cn_date

MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class VerificationView:
    """An entry's mark as the ledger shows it."""

    entry_id: int
    status: VerificationStatus
    reason: str
    marked_on: date
    answer: str  # the unit's answer to this revision of the mark, or ""
    answered_on: date | None

    @property
    def waiting(self) -> bool:
        """A doubt the unit has not answered yet."""
        return self.status == VerificationStatus.DOUBTFUL and not self.answer

    def label(self) -> str:
        """已核实, 存疑, 存疑（已说明）: the list's column."""
        if self.status == VerificationStatus.DOUBTFUL and self.answer:
            return "存疑（已说明）"
        return self.status.value

    def note(self) -> str:
        """The mark with its reason and the unit's answer, as the list's tooltip shows it
        (on the county's PC and the unit's alike)."""
        lines = [f"{self.status.value}（{cn_date(self.marked_on)}）"]
        if self.reason:
            lines.append(f"原因：{self.reason}")
        if self.status == VerificationStatus.DOUBTFUL:
            if self.answer:
                when = f"（{cn_date(self.answered_on)}）" if self.answered_on else ""
                lines.append(f"单位说明{when}：{self.answer}")
            else:
                lines.append("单位尚未说明。")
        return "\n".join(lines)


def _entry(session: Session, entry_id: int) -> LedgerEntry:
    entry = session.get(LedgerEntry, entry_id)
    if entry is None or entry.deleted:
        raise UserError("该台账已不存在或已删除。")
    return entry


def mark_entry(
    session: Session, entry_id: int, status: VerificationStatus | str, reason: str, today: date
) -> EntryVerification:
    """The county marks an entry 已核实 or 存疑 (a doubt needs its reason)."""
    require(session, "ledger.verify")
    here = local_unit(session)
    if here is None or here.kind != UnitKind.COUNTY_OFFICE:
        raise UserError(f"台账由县矫正办核实，{acting_label(session)}不能标记核实结果。")
    try:
        status = VerificationStatus(status)
    except ValueError:
        raise ValidationError("请选择核实结果：已核实或存疑。", "status") from None
    reason = reason.strip()
    if status == VerificationStatus.DOUBTFUL and not reason:
        raise ValidationError("标记存疑时请写明存疑的原因，填报单位将看到并作出说明。", "reason")
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(f"原因不能超过 {MAX_REASON_CHARS} 个字。", "reason")
    entry = _entry(session, entry_id)
    mark = session.scalar(select(EntryVerification).where(EntryVerification.entry_id == entry.id))
    if mark is None:
        mark = EntryVerification(entry_id=entry.id, status=status, reason=reason,
                                 marked_on=today, owner_unit_id=here.id)  # fmt: skip
        session.add(mark)
    else:
        mark.status, mark.reason, mark.marked_on = status, reason, today
    session.flush()
    audit.record(session, "verify", f"核实台账：{status.value}", record=entry)
    return mark


def answer_doubt(session: Session, entry_id: int, answer: str, today: date) -> DoubtAnswer:
    """The entry's own unit explains a doubt the county raised (``ledger.answer``: its
    填报员, 管理员 or 负责人)."""
    require(session, "ledger.answer")
    here = local_unit(session)
    entry = _entry(session, entry_id)
    if here is None or entry.owner_unit_id != here.id:
        raise UserError("只有填报这条台账的单位可以对存疑作出说明。")
    mark = session.scalar(select(EntryVerification).where(EntryVerification.entry_id == entry.id))
    if mark is None or mark.status != VerificationStatus.DOUBTFUL:
        raise UserError("这条台账没有被标记为存疑，不需要说明。")
    answer = answer.strip()
    if not answer:
        raise ValidationError("请写明对存疑的说明。", "answer")
    if len(answer) > MAX_REASON_CHARS:
        raise ValidationError(f"说明不能超过 {MAX_REASON_CHARS} 个字。", "answer")
    row = DoubtAnswer(entry_id=entry.id, verification_revision=mark.revision, answer=answer,
                      answered_on=today, owner_unit_id=here.id)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def verifications(session: Session, entry_ids: Collection[int]) -> dict[int, VerificationView]:
    """The marks of these entries (with the answer to each mark's current revision)."""
    if not entry_ids:
        return {}
    marks = session.scalars(
        select(EntryVerification).where(
            EntryVerification.entry_id.in_(entry_ids), EntryVerification.deleted.is_(False)
        )
    ).all()
    answers: dict[tuple[int, int], DoubtAnswer] = {}
    for row in session.scalars(
        select(DoubtAnswer)
        .where(DoubtAnswer.entry_id.in_(entry_ids), DoubtAnswer.deleted.is_(False))
        .order_by(DoubtAnswer.id)
    ):
        answers[(row.entry_id, row.verification_revision)] = row
    views = {}
    for mark in marks:
        answer = answers.get((mark.entry_id, mark.revision))
        views[mark.entry_id] = VerificationView(
            mark.entry_id, mark.status, mark.reason, mark.marked_on,
            answer.answer if answer else "", answer.answered_on if answer else None,
        )  # fmt: skip
    return views


def waiting_doubts(session: Session) -> list[int]:
    """Entries of this PC's unit the county doubts and the unit has not answered yet."""
    here = local_unit(session)
    if here is None:
        return []
    ids = session.scalars(
        select(EntryVerification.entry_id)
        .join(LedgerEntry, LedgerEntry.id == EntryVerification.entry_id)
        .where(
            EntryVerification.status == VerificationStatus.DOUBTFUL,
            EntryVerification.deleted.is_(False),
            LedgerEntry.owner_unit_id == here.id,
            LedgerEntry.deleted.is_(False),
        )
    ).all()
    views = verifications(session, ids)
    return [entry_id for entry_id in ids if views[entry_id].waiting]


@dataclass(frozen=True)
class DoubtCount:
    """A unit's entries of a period still marked 存疑: unanswered, and answered."""

    waiting: int
    answered: int

    @property
    def total(self) -> int:
        """All the entries still marked 存疑."""
        return self.waiting + self.answered

    def text(self) -> str:
        """存疑 3 条（其中 2 条尚未说明）, or "" when none."""
        if not self.total:
            return ""
        if not self.waiting:
            return f"存疑 {self.total} 条（均已说明）"
        if not self.answered:
            return f"存疑 {self.total} 条（均未说明）"
        return f"存疑 {self.total} 条（其中 {self.waiting} 条尚未说明）"


def doubts_in_period(session: Session, unit_id: int, start: date, end: date) -> DoubtCount:
    """How many of the unit's entries dated ``start``–``end`` are still marked 存疑, answered
    or not (what the county weighs before accepting the unit's report of the period)."""
    ids = session.scalars(
        select(EntryVerification.entry_id)
        .join(LedgerEntry, LedgerEntry.id == EntryVerification.entry_id)
        .where(
            EntryVerification.status == VerificationStatus.DOUBTFUL,
            EntryVerification.deleted.is_(False),
            LedgerEntry.owner_unit_id == unit_id,
            LedgerEntry.deleted.is_(False),
            LedgerEntry.entry_date >= start,
            LedgerEntry.entry_date <= end,
        )
    ).all()
    views = verifications(session, ids)
    waiting = sum(views[entry_id].waiting for entry_id in ids)
    return DoubtCount(waiting, len(ids) - waiting)
