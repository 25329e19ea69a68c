"""Every incoming record checked before it is converted or applied.

A correctly signed package carries whatever its sender's database holds, and anyone can edit
their own database file with a SQLite editor before exporting. So each record of a package is
checked with the rules that hold when a clerk saves the same thing: the column's type, length,
choices and nullability from the model; integers inside SQLite's range, revisions as whole
numbers; references to records that are here; and the services' own rules (this module says
only which rule applies to which column: the rules are the services' functions and constants)
— a ledger entry's title, date, 服务矫正对象人数 and form values by its kind's field definitions,
a correction subject's name, category and identity number (one number, one person), an
attachment's hash and type, the dates inside the programme's ranges, the text limits.

The first record that breaks a rule refuses the whole package with a PackageError naming the
kind of record, its uuid and the field — never the value, which may be a person's name or
identity number. What to check for each table is worked out once (a plan per table, as
records.py converts), and verdicts on recurring values are remembered, so checking the
170,000 records of a large package costs a small part of applying them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    String,
    Table,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from app.models import EntryKind, LedgerEntry, SummaryStatus, Unit, UnitKind
from app.services import (
    assessment,
    attachments,
    brands,
    forms,
    inspections,
    ledger,
    manual_values,
    meetings,
    peer_ratings,
    period_locks,
    reference,
    subjects,
    summaries,
)
from app.services.dates import DatePurpose, DateRange, range_for
from app.services.errors import ValidationError
from app.services.forms import FieldDef, FormErrors
from app.sync.package import PackageError
from app.sync.records import UuidMap, foreign_keys, ref_key

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1  # SQLite's INTEGER
_MISSING = object()

# How a column's value is checked (the plan's steps).
_TEXT, _INT, _FLOAT, _BOOL, _DATE, _DATETIME, _CHOICE, _JSON, _REF, _SELF_REF = range(10)

# Text limits the services apply beyond the column's own length (Text columns have none).
TEXT_LIMITS: dict[tuple[str, str], int] = {
    ("ledger_entries", "title"): ledger.MAX_TITLE_CHARS,
    ("correction_subjects", "name"): subjects.MAX_NAME_CHARS,
    ("correction_subjects", "id_number"): 18,
    ("ledger_entries", "body"): ledger.MAX_BODY_CHARS,
    ("entry_attachments", "caption"): ledger.MAX_CAPTION_CHARS,
    ("units", "name"): reference.MAX_UNIT_NAME_CHARS,
    ("duties", "text"): reference.MAX_DUTY_CHARS,
    ("inspections", "inspectors"): inspections.MAX_INSPECTORS_CHARS,
    ("inspections", "findings"): inspections.MAX_FINDINGS_CHARS,
    ("rectification_items", "finding"): inspections.MAX_FINDING_CHARS,
    ("rectification_items", "evidence"): inspections.MAX_TEXT_CHARS,
    ("rectification_updates", "evidence"): inspections.MAX_TEXT_CHARS,
    ("meetings", "chair"): meetings.MAX_CHAIR,
    ("meetings", "location"): meetings.MAX_LOCATION,
    ("meetings", "attendees"): meetings.MAX_ATTENDEES,
    ("meetings", "notes"): meetings.MAX_NOTES,
    ("meeting_reports", "progress"): meetings.MAX_REPORT_CHARS,
    ("meeting_reports", "problems"): meetings.MAX_REPORT_CHARS,
    ("meeting_decisions", "text"): meetings.MAX_DECISION_CHARS,
    ("brands", "name"): brands.MAX_NAME_CHARS,
    ("brands", "description"): brands.MAX_DESCRIPTION_CHARS,
    ("brands", "outcomes"): brands.MAX_OUTCOMES_CHARS,
    ("brand_milestones", "title"): brands.MAX_MILESTONE_CHARS,
    ("summary_photos", "caption"): summaries.MAX_CAPTION_CHARS,
    ("manual_values", "note"): manual_values.MAX_NOTE_CHARS,
    ("judgement_scores", "reason"): assessment.MAX_JUDGEMENT_REASON,
    ("peer_ratings", "comment"): peer_ratings.MAX_COMMENT_CHARS,
}

# Dates the services keep inside a programme's range: (table, column) → purpose. The programme
# is the record's own, or its parent's (PROGRAMME_VIA).
DATE_RANGES: dict[tuple[str, str], DatePurpose] = {
    ("inspections", "inspection_date"): DatePurpose.WORK,
    ("rectification_items", "deadline"): DatePurpose.DEADLINE,
    ("rectification_items", "rectified_on"): DatePurpose.DEADLINE,
    ("rectification_items", "closed_on"): DatePurpose.DEADLINE,
    ("rectification_updates", "reported_on"): DatePurpose.DEADLINE,
    ("meetings", "meeting_date"): DatePurpose.WORK,
    ("meeting_decisions", "due_date"): DatePurpose.DEADLINE,
    ("brand_milestones", "due_date"): DatePurpose.DEADLINE,
    ("brand_milestones", "done_on"): DatePurpose.DEADLINE,
    ("agreements", "issued_on"): DatePurpose.WORK,
    ("agreements", "signed_on"): DatePurpose.WORK,
    ("issued_bulletins", "as_of"): DatePurpose.WORK,
}
# A record without a programme of its own belongs to its parent's: the references to follow.
PROGRAMME_VIA: dict[str, tuple[str, ...]] = {
    "rectification_items": ("inspection_id",),
    "rectification_updates": ("item_id", "inspection_id"),
    "meeting_decisions": ("meeting_id",),
    "brand_milestones": ("brand_id",),
    "manual_values": ("indicator_id", "duty_id"),
}


class _Bad(Exception):
    """A record breaks a rule: ``field`` (None: the record as a whole) and why, in Chinese;
    ``uuid`` names the record when it is not the one being checked (a batch's rule)."""

    def __init__(self, field: str | None, reason: str, uuid: str | None = None) -> None:
        super().__init__(field, reason)
        self.field, self.reason, self.uuid = field, reason, uuid


def _labels() -> dict[str, str]:
    from app.sync.exchange import KIND_LABELS  # exchange imports this module

    return KIND_LABELS


def _service_reason(exc: ValidationError, value: Any) -> str:
    """The service's own sentence when it does not repeat the value (it may be personal)."""
    text = str(value).strip() if value is not None else ""
    if text and text in exc.message:
        return "不符合填写规则"
    return "不符合填写规则：" + exc.message.rstrip("。")


class _Plan:
    """How the columns of one table are checked, in the table's column order."""

    def __init__(self, table: Table) -> None:
        fks = foreign_keys(table)
        # (record key, how, nullable, required, argument): required keys are those a row cannot
        # be written without (not nullable, no default in the database)
        self.steps: list[tuple[str, int, bool, bool, Any]] = []
        for column in table.columns:
            name = column.name
            if name == "id":
                continue
            nullable = bool(column.nullable)
            required = not nullable and column.server_default is None
            target = fks.get(name)
            kind = column.type
            if isinstance(kind, TypeDecorator):  # a sealed column: checked as its values are
                kind = kind.impl_instance
            argument: Any = None
            if target is not None:
                how = _SELF_REF if target is table else _REF
                argument = target
                key = ref_key(name)
            else:
                key = name
                if isinstance(kind, Enum):
                    how, argument = _CHOICE, frozenset(kind.enums)
                elif isinstance(kind, String):  # also Text
                    how = _TEXT
                    limits = [n for n in (kind.length, TEXT_LIMITS.get((table.name, name))) if n]
                    argument = min(limits) if limits else 0
                elif isinstance(kind, Boolean):
                    how = _BOOL
                elif isinstance(kind, Integer):
                    how, argument = _INT, (0 if name == "revision" else _INT_MIN)
                elif isinstance(kind, Float):
                    how = _FLOAT
                elif isinstance(kind, DateTime):
                    how = _DATETIME
                elif isinstance(kind, Date):
                    how = _DATE
                elif isinstance(kind, JSON):
                    default = getattr(column.default, "arg", None)
                    how, argument = _JSON, getattr(default, "__wrapped__", dict)
                else:  # a column type this module does not know: a bug, found by the tests
                    raise TypeError(f"{table.name}.{name}: {kind!r}")
            self.steps.append((key, how, nullable, required, argument))
        self.dates = [
            (name, purpose) for (t, name), purpose in DATE_RANGES.items() if t == table.name
        ]

        self.refs = [(key, arg) for key, how, _n, _r, arg in self.steps if how == _REF]
        self.plausible = _quick_look(table.name, self.steps)


def _quick_look(name: str, steps: list[tuple[str, int, bool, bool, Any]]) -> Callable[..., bool]:
    """A function ``(record, refs) -> bool``: whether every column of a record holds a value of
    its type inside its limits — the checks of :meth:`RecordCheck._columns` without saying why,
    compiled to straight-line code for the table (a loop over the steps costs several times
    more on 170,000 records). ``refs`` are the local uuid → id maps of the tables the record
    refers to, in the order of the plan's ``refs``. False sends the record to ``_columns``."""
    lines = ["def plausible(record, refs):", "    try:",
             "        v = record['uuid']",
             "        if type(v) is not str or uuid_match(v) is None: return False"]  # fmt: skip
    names: dict[str, Any] = {"uuid_match": _UUID.fullmatch, "parse_date": date.fromisoformat,
                             "parse_datetime": datetime.fromisoformat, "isfinite": math.isfinite}  # fmt: skip
    refs = [f"ref_{index}" for index, step in enumerate(steps) if step[1] == _REF]
    if refs:
        lines.insert(2, f"        {', '.join(refs)}, = refs")
    for index, (key, how, nullable, _required, argument) in enumerate(steps):
        if how == _TEXT:
            wrong = "type(v) is not str" + (f" or len(v) > {int(argument)}" if argument else "")
        elif how == _INT:
            wrong = f"type(v) is not int or not {int(argument)} <= v <= {_INT_MAX}"
        elif how == _REF:
            wrong = f"v not in ref_{index}"
        elif how == _SELF_REF:
            wrong = "type(v) is not str or uuid_match(v) is None"
        elif how in (_DATE, _DATETIME):  # a text that is no date raises ValueError
            parse = "parse_date" if how == _DATE else "parse_datetime"
            wrong = f"type(v) is not str or {parse}(v) is None"
        elif how == _CHOICE:
            names[f"choices_{index}"] = argument
            wrong = f"type(v) is not str or v not in choices_{index}"
        elif how == _BOOL:
            wrong = "type(v) is not bool"
        elif how == _FLOAT:
            wrong = "(type(v) is not float and type(v) is not int) or not isfinite(v)"
        else:  # _JSON
            names[f"json_{index}"] = argument
            wrong = f"type(v) is not json_{index}"
        # a missing key raises KeyError (the slow path tells whether it may be missing); None
        # is a value of no column's type, so only a nullable column needs a test for it
        lines.append(f"        v = record[{key!r}]")
        lines.append(
            f"        if {'v is not None and (' + wrong + ')' if nullable else wrong}: return False"
        )
    lines += ["    except (KeyError, TypeError, ValueError):  # missing, unhashable, or no date",
              "        return False", "    return True"]  # fmt: skip
    exec(compile("\n".join(lines), f"<checks of {name}>", "exec"), names)
    plausible: Callable[..., bool] = names["plausible"]
    return plausible


@cache
def _plan(table: Table) -> _Plan:
    """The table's plan, made once."""
    return _Plan(table)


_TYPE_NAMES = {_TEXT: "文字", _INT: "整数", _FLOAT: "数字", _BOOL: "是或否（true/false）",
               _DATE: "日期（如 2018-07-02）", _DATETIME: "日期时间", _REF: "记录编号（UUID）",
               _SELF_REF: "记录编号（UUID）"}  # fmt: skip


def is_uuid(value: object) -> bool:
    """Whether ``value`` is a record number as packages write them (a lower-case UUID)."""
    return type(value) is str and _UUID.fullmatch(value) is not None


def checked(
    session: Session,
    table: Table,
    ids: UuidMap,
    batches: Iterable[list[dict[str, Any]]],
    sender: str = "",
) -> Iterator[list[dict[str, Any]]]:
    """The batches of one table's records, each checked before it is handed on; PackageError
    (naming the kind of record, its uuid and the field, never the value) for the first record
    that breaks a rule."""
    check = RecordCheck(session, table, ids, sender)
    for batch in batches:
        check(batch)
        yield batch


def _verdict(
    verdicts: dict[Hashable, str | None],
    key: Hashable,
    check: Callable[..., object],
    args: tuple[Any, ...],
) -> str | None:
    found = verdicts.get(key, _MISSING)
    if found is _MISSING:
        try:
            check(*args)
            found = None
        except ValidationError as exc:
            found = _service_reason(exc, args[0])
        verdicts[key] = found
    return found  # type: ignore[return-value]


class _EntryForm:
    """A ledger entry kind's form in a programme, as the checks of its entries use it: the
    ranges of the entries' dates (``dates``) and of the dates in their forms."""

    def __init__(self, fields: list[FieldDef], dates: DateRange, field_dates: DateRange) -> None:
        self.fields, self.dates = fields, dates
        self.has_subject = any(f.type == "subject" for f in fields)
        self.missing_subject = ledger.missing_subject(fields, False)  # the message, if required
        self.values = forms.StoredValues(fields, field_dates)
        self._verdicts: dict[Hashable, str | None] = {}

    def verdict(self, key: Hashable, check: Callable[..., object], *args: Any) -> str | None:
        """As :meth:`RecordCheck.verdict`, remembered for this form."""
        return _verdict(self._verdicts, key, check, args)


class RecordCheck:
    """The checks of one table's records in one import (caches live as long as the import)."""

    def __init__(self, session: Session, table: Table, ids: UuidMap, sender: str = "") -> None:
        self.session, self.table, self.ids, self.sender = session, table, ids, sender
        self._locks: dict[str, list[period_locks.LockedPeriod]] = {}
        self.plan = _plan(table)
        self.rule = _RULES.get(table.name)
        self._unit_kinds: dict[str, UnitKind] | None = None
        self._forms: dict[tuple[str, str | None], _EntryForm] = {}
        self._kind_fields: dict[str, list[dict[str, Any]]] | None = None
        self._verdicts: dict[Hashable, str | None] = {}
        self._ranges: dict[tuple[int | None, DatePurpose], DateRange] = {}
        self._date_verdicts: dict[tuple[int | None, DatePurpose, str], str | None] = {}
        self._parents: dict[tuple[str, int], int | None] = {}
        self._people: dict[str, tuple[str, str]] = {}  # id number → (uuid, name) first seen
        self._meeting_types: dict[int | None, meetings.MeetingTypes] = {}
        self._rating_items: dict[int, tuple[peer_ratings.RatingItem, ...]] = {}
        self._ratings: dict[tuple[int, int, int], str] = {}  # (programme, office, dept) → uuid

    def __call__(self, records: list[dict[str, Any]]) -> None:
        """Check a batch of records; PackageError for the first that breaks a rule."""
        record: Any = None
        refs = tuple(self.ids.ids_by_uuid(target) for _key, target in self.plan.refs)
        plausible = self.plan.plausible
        try:
            for record in records:
                if type(record) is not dict or not plausible(record, refs):
                    self._columns(record)  # says what is wrong (or finds it right after all)
                if self.plan.dates:
                    self._dates(record)
                if self.rule is not None:
                    self.rule(self, record)
            if self.table.name == "correction_subjects":
                record = None
                _one_person_per_number(self, records)
            if self.table.name == "programmes":
                record = None
                _programmes_apart(self, records)
        except _Bad as bad:
            raise PackageError(self._message(record, bad)) from None

    # ------------------------------------------------------------ the message

    def _message(self, record: Any, bad: _Bad) -> str:
        labels = _labels()
        label = labels.get(self.table.name, self.table.name)
        uuid = record.get("uuid") if isinstance(record, dict) else None
        if bad.uuid is not None:
            uuid = bad.uuid
        which = f"（{uuid}）" if isinstance(uuid, str) and _UUID.fullmatch(uuid) else ""
        field = f"的“{bad.field}”" if bad.field else ""
        whose = f"“{self.sender}”的" if self.sender else ""
        return (
            f"{whose}数据包未导入：其中的{label}记录{which}{field}{bad.reason}。"
            "数据库保持原样，没有任何改动。请发送单位核对这条记录，改正后重新导出数据包。"
        )

    # ------------------------------------------------------------ every table

    def _columns(self, record: Any) -> None:
        if type(record) is not dict:
            raise _Bad(None, "不是一条完整的记录")
        uuid = record.get("uuid")
        if type(uuid) is not str or _UUID.fullmatch(uuid) is None:
            raise _Bad("uuid", "不是有效的记录编号（UUID）")
        for key, how, nullable, required, argument in self.plan.steps:
            value = record.get(key, _MISSING)
            if value is None or value is _MISSING:
                if value is None and not nullable:
                    raise _Bad(key, "不能为空")
                if value is _MISSING and required:
                    raise _Bad(key, "缺少这一项")
                continue
            kind = type(value)
            if how == _TEXT:
                if kind is not str:
                    raise _Bad(key, "应为文字")
                if argument and len(value) > argument:
                    raise _Bad(key, f"超过了 {argument} 个字的上限")
            elif how == _REF:
                if kind is not str or self.ids.id_of(argument, value) is None:
                    target = _labels().get(argument.name, argument.name)
                    raise _Bad(
                        key, f"引用了本机没有的{target}记录（可能需要先导入县矫正办的参考数据包）"
                    )
            elif how == _INT:
                if kind is not int:
                    raise _Bad(key, "应为整数")
                if not argument <= value <= _INT_MAX:
                    raise _Bad(key, "超出了允许的范围")
            elif how in (_DATE, _DATETIME):
                if kind is not str:
                    raise _Bad(key, f"应为{_TYPE_NAMES[how]}")
                try:
                    (date if how == _DATE else datetime).fromisoformat(value)
                except ValueError:
                    raise _Bad(key, f"不是有效的{_TYPE_NAMES[how]}") from None
            elif how == _CHOICE:
                if kind is not str or value not in argument:
                    raise _Bad(key, "不是允许的选项")
            elif how == _BOOL:
                if kind is not bool:
                    raise _Bad(key, "应为是或否（true/false）")
            elif how == _FLOAT:
                if (kind is not float and kind is not int) or not math.isfinite(value):
                    raise _Bad(key, "应为数字")
            elif how == _JSON:
                if kind is not argument:
                    raise _Bad(key, "应为列表" if argument is list else "应为对象（{…}）")
            elif how == _SELF_REF and (kind is not str or _UUID.fullmatch(value) is None):
                raise _Bad(key, "不是有效的记录编号（UUID）")

    def _dates(self, record: dict[str, Any]) -> None:
        for name, purpose in self.plan.dates:
            value = record.get(name)
            if value is not None:
                problem = self.date_problem(self.programme_of(record), purpose, value)
                if problem is not None:
                    raise _Bad(name, problem)

    # ------------------------------------------------------------ look-ups, cached

    def programme_of(self, record: dict[str, Any]) -> int | None:
        """The local id of the programme a record belongs to (its own, or its parent's)."""
        tables = self.table.metadata.tables
        via = PROGRAMME_VIA.get(self.table.name)
        if via is None:
            return self.ids.id_of(tables["programmes"], record.get("programme_uuid"))
        table = self.table
        target = foreign_keys(table)[via[0]]
        row_id = self.ids.id_of(target, record.get(ref_key(via[0])))
        for column in (*via[1:], "programme_id"):
            if row_id is None:
                return None
            key = (f"{target.name}.{column}", row_id)
            if key not in self._parents:
                self._parents[key] = self.session.scalar(
                    select(target.c[column]).where(target.c.id == row_id)
                )
            row_id = self._parents[key]
            if column != "programme_id":
                target = foreign_keys(target)[column]
        return row_id

    def date_range(self, programme_id: int | None, purpose: DatePurpose) -> DateRange:
        """The services' range of ``purpose`` dates for a programme (``range_for``)."""
        key = (programme_id, purpose)
        if key not in self._ranges:
            self._ranges[key] = range_for(self.session, programme_id, purpose)
        return self._ranges[key]

    def date_problem(
        self, programme_id: int | None, purpose: DatePurpose, value: str
    ) -> str | None:
        """Why a date (ISO text, already checked to be one) is outside its range, or None."""
        key = (programme_id, purpose, value)
        if key not in self._date_verdicts:
            dates = self.date_range(programme_id, purpose)
            self._date_verdicts[key] = dates.problem(date.fromisoformat(value))
        return self._date_verdicts[key]

    def unit_kind(self, unit_uuid: str) -> UnitKind | None:
        """The kind of a unit here (None: no such unit)."""
        if self._unit_kinds is None:
            rows = self.session.execute(select(Unit.uuid, Unit.kind))
            self._unit_kinds = {uuid: kind for uuid, kind in rows}
        return self._unit_kinds.get(unit_uuid)

    def locked_periods(self, unit_uuid: str) -> list[period_locks.LockedPeriod]:
        """The periods of a unit here closed by an adopted summary (remembered per package)."""
        found = self._locks.get(unit_uuid)
        if found is None:
            unit_id = self.session.scalar(select(Unit.id).where(Unit.uuid == unit_uuid))
            found = period_locks.locked_periods(self.session, unit_id) if unit_id else []
            self._locks[unit_uuid] = found
        return found

    def entry_form(self, kind_uuid: str, programme_uuid: str | None) -> _EntryForm:
        """The form of a ledger entry kind here, for entries of a programme."""
        key = (kind_uuid, programme_uuid)
        found = self._forms.get(key)
        if found is None:
            if self._kind_fields is None:
                rows = self.session.execute(select(EntryKind.uuid, EntryKind.fields))
                self._kind_fields = {uuid: fields for uuid, fields in rows}
            stored = self._kind_fields.get(kind_uuid)
            programme_id = self.ids.id_of(self.table.metadata.tables["programmes"], programme_uuid)
            found = self._forms[key] = _EntryForm(
                forms.parse_fields(stored),
                self.date_range(programme_id, DatePurpose.WORK),
                self.date_range(programme_id, DatePurpose.FORM_FIELD),
            )
        return found

    def peer_rating_items(self, programme_id: int) -> tuple[peer_ratings.RatingItem, ...]:
        """The rating form of a programme here (``peer_ratings.rating_items``)."""
        if programme_id not in self._rating_items:
            self._rating_items[programme_id] = peer_ratings.rating_items(self.session, programme_id)
        return self._rating_items[programme_id]

    def meeting_types(self, programme_id: int | None) -> meetings.MeetingTypes:
        """The kinds of meeting of a programme here (``meetings.meeting_types``)."""
        if programme_id not in self._meeting_types:
            self._meeting_types[programme_id] = meetings.meeting_types(self.session, programme_id)
        return self._meeting_types[programme_id]

    def verdict(self, key: Hashable, check: Callable[..., object], *args: Any) -> str | None:
        """Why a service's ``check(*args)`` refuses (its ValidationError), or None; remembered
        by ``key`` (the same values recur over thousands of records)."""
        return _verdict(self._verdicts, key, check, args)


# ---------------------------------------------------------------- rules of particular tables


def _ledger_entry(check: RecordCheck, record: dict[str, Any]) -> None:
    """The ledger service's rules (``save_entry``) for an entry as stored."""
    try:
        ledger.check_title(record["title"])
    except ValidationError as exc:
        raise _Bad("title", _service_reason(exc, record["title"])) from None
    served = record.get("subjects_served")
    if served is not None:
        why = check.verdict(("served", served), ledger.parse_subjects_served, served)
        if why is not None:
            raise _Bad("subjects_served", why)
    form = check.entry_form(record["kind_uuid"], record.get("programme_uuid"))
    day = record["entry_date"]
    if (why := form.verdict(day, ledger.check_entry_date, day, form.dates)) is not None:
        raise _Bad("entry_date", why)
    office = record.get("paired_office_uuid")
    if office is not None:
        kind = check.unit_kind(office)
        if (why := check.verdict(("paired", kind), ledger.check_paired_office, kind)) is not None:
            raise _Bad("paired_office_uuid", why)
    has_subject = record.get("subject_uuid") is not None
    if has_subject and not form.has_subject:
        raise _Bad("subject_uuid", "所属台账类型的表单没有社区矫正对象一项")
    if not has_subject and form.missing_subject:
        raise _Bad("subject_uuid", "不符合填写规则：" + form.missing_subject.rstrip("。"))
    _open_period(check, record, day)
    problem = form.values.problem(record["values"])
    if problem is not None:
        name, why = problem
        value = record["values"].get(name) if name is not None else None
        label = next((f.label for f in form.fields if f.name == name), None)
        field = f"values.{name}（{label}）" if name is not None else "values"
        raise _Bad(field, _service_reason(ValidationError(why), value))


def _open_period(check: RecordCheck, record: dict[str, Any], day: Any) -> None:
    """A new or changed entry dated in a period the county closed (an adopted summary,
    ``period_locks``) is refused; the same version sent again is not a change."""
    owner = record.get("owner_unit_uuid")
    if not isinstance(owner, str):
        return
    day = day if isinstance(day, date) else _as_date(day)
    closed = next((p for p in check.locked_periods(owner) if day and p.start <= day <= p.end), None)
    if closed is None:
        return
    local = check.session.scalar(
        select(LedgerEntry.revision).where(LedgerEntry.uuid == record["uuid"])
    )
    if local is not None and local >= int(record.get("revision") or 0):
        return
    raise _Bad("entry_date", f"属于{closed.name}，{closed.closed_by}，台账已锁定，不能新增或修改")


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


_SUBJECT_FIELDS = {"subject_name": "name", "subject_category": "category", "id_number": "id_number"}


def _subject(check: RecordCheck, record: dict[str, Any]) -> None:
    """The subjects service's rules (``check_subject_input``, the office's kind)."""
    data = subjects.SubjectInput(
        name=record["name"], category=record["category"], id_number=record["id_number"]
    )
    try:
        name, _category, id_number = subjects.check_subject_input(data)
    except FormErrors as exc:
        first = next(iter(exc.errors))
        field = _SUBJECT_FIELDS.get(first, first)
        raise _Bad(
            field, _service_reason(ValidationError(exc.errors[first]), record[field])
        ) from None
    if name != record["name"]:
        raise _Bad("name", "前后有多余的空格")
    if id_number != record["id_number"]:
        raise _Bad("id_number", "不是规范的写法（18 位，不含空格，校验位 X 大写）")
    office = record.get("office_uuid")
    if office is not None:
        try:
            subjects.check_subject_office(check.unit_kind(office))
        except ValidationError as exc:
            raise _Bad("office_uuid", _service_reason(exc, None)) from None


def _one_person_per_number(check: RecordCheck, records: list[dict[str, Any]]) -> None:
    """One identity number is one person (``subjects.check_same_person``): among the live
    subjects here and in the package a number never stands for two names. And a sender's own
    database registers a person once (``find_or_create_subject`` finds the person before
    creating one): one number is never on two live subjects of the same package. (Two units may
    each have registered the same person on their own PCs: that is no error here.)"""
    live = [r for r in records if r["id_number"] and not r.get("deleted")]
    holders = subjects.registered_under(check.session, {r["id_number"] for r in live})
    for record in live:
        number, uuid, name = record["id_number"], record["uuid"], record["name"]
        names = [n for u, n, _owner in holders.get(number, []) if u != uuid]
        first = check._people.get(number)
        if first is not None and first[0] != uuid:
            names.append(first[1])
        for other_name in names:
            try:
                subjects.check_same_person(other_name, name, number)
            except ValidationError:
                raise _Bad(
                    "id_number",
                    "与另一位社区矫正对象的身份证号码相同而姓名不同（一个身份证号码只属于一个人）",
                    uuid,
                ) from None
        if first is not None and first[0] != uuid:
            raise _Bad("id_number", "与同一数据包中的另一位社区矫正对象重复（同一个人登记了两次）",
                       uuid)  # fmt: skip
        check._people.setdefault(number, (uuid, name))


def _attachment(check: RecordCheck, record: dict[str, Any]) -> None:
    """What the attachment store records for a file (``AttachmentStore.add``)."""
    sha = record["sha256"]
    if not attachments.is_sha256(sha):
        raise _Bad("sha256", "不是有效的 SHA-256（64 位小写十六进制）")
    if record["uuid"] != attachments.attachment_uuid(sha):
        raise _Bad("uuid", "与文件的 SHA-256 不符")
    if record["media_type"] not in attachments.MEDIA_TYPES:
        raise _Bad("media_type", "不是照片（JPEG、PNG）或 PDF")
    try:
        attachments.check_size(record["size_bytes"], record["uuid"])
    except ValidationError as exc:
        raise _Bad("size_bytes", _service_reason(exc, None)) from None


def _entry_kind(check: RecordCheck, record: dict[str, Any]) -> None:
    """A form definition the ledger forms can use (``forms.check_kind``)."""
    try:
        fields = tuple(forms.parse_fields(record["fields"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _Bad("fields", "不是有效的表单定义") from None
    kind = forms.KindDef(record["code"], record["name"], fields=fields)
    problem = forms.check_kind(kind)
    if problem is not None:
        raise _Bad("fields", "不符合表单定义的规则：" + problem)


def _unit(check: RecordCheck, record: dict[str, Any]) -> None:
    """A unit's name as ``reference.save_unit`` accepts it."""
    try:
        reference.check_unit_name(record["name"])
    except ValidationError as exc:
        raise _Bad("name", _service_reason(exc, record["name"])) from None


def _statistics_report(check: RecordCheck, record: dict[str, Any]) -> None:
    """A statistics report as ``statistics_reports.save_draft`` and ``submit_report`` keep it:
    a form of its programme's template that the unit's kind reports on, one of the form's
    periods, figures by the form's rules (complete once submitted), a 情况说明 not too long."""
    from app.services import statistics_reports as sr

    programme_id = check.programme_of(record)
    if programme_id is None:
        return  # the columns' check names the missing programme
    key = record.get("report_key")
    forms = {f.key: f for f in sr.report_forms(check.session, programme_id)}
    form = forms.get(key) if isinstance(key, str) else None
    if form is None:
        raise _Bad("report_key", "不是本方案模板中的统计报表")
    kind = check.unit_kind(record.get("unit_uuid") or "")
    if kind is not None and kind.value not in form.unit_kinds:
        raise _Bad("unit_uuid", f"所属单位的类别不报送“{form.name}”")
    start, end = _as_date(record.get("period_start")), _as_date(record.get("period_end"))
    if start is None or end is None:
        return  # the columns' check names the bad date
    period = sr.period_containing(form, start)
    if (period.start, period.end) != (start, end):
        raise _Bad("period_start", f"不是“{form.name}”的一个统计期间")
    values = record.get("values")
    if type(values) is not dict:
        raise _Bad("values", "应为各项目的数字")
    if set(values) - {f.key for f in form.figures}:
        raise _Bad("values", "有报表中没有的项目")
    for figure in form.figures:
        problem = sr.value_problem(figure, values.get(figure.key))
        if problem is not None:
            raise _Bad(f"values.{figure.key}（{figure.label}）", _service_reason(
                ValidationError(problem), None))  # fmt: skip
    if record.get("status") == "submitted":
        if sr.missing_values(form, values):
            raise _Bad("values", "已提交的报表缺少数字")
        if _as_date(record.get("submitted_on")) is None:
            raise _Bad("submitted_on", "已提交的报表缺少提交日期")
    if len(record.get("note") or "") > sr.MAX_NOTE_CHARS:
        raise _Bad("note", f"超过 {sr.MAX_NOTE_CHARS} 字")


def _statistics_decision(check: RecordCheck, record: dict[str, Any]) -> None:
    """A decision (or an unlock) as the county's service writes it: a reason for a return,
    none too long."""
    from app.services import statistics_reports as sr

    reason = record.get("reason") or ""
    if record.get("decision") == "returned" and not reason.strip():
        raise _Bad("reason", "退回时应写明原因")
    if len(reason) > sr.MAX_REASON_CHARS:
        raise _Bad("reason", f"超过 {sr.MAX_REASON_CHARS} 字")


def _summary(check: RecordCheck, record: dict[str, Any]) -> None:
    """A summary's sections as ``summaries.save_summary`` keeps them, and its figures as
    ``summaries.submit_summary`` freezes them (a draft has none)."""
    figures = record.get("figures")
    if figures is not None:
        if record["status"] == SummaryStatus.DRAFT.value:
            raise _Bad("figures", "属于草稿：草稿的统计数据不冻结")
        problem = summaries.snapshot_problem(figures)
        if problem is not None:
            raise _Bad("figures", problem)
    sections = record["sections"]
    if not all(type(v) is str for v in sections.values()):
        raise _Bad("sections", "中的内容应为文字")
    problems = summaries.section_problems(sections)
    if "sections" in problems:
        raise _Bad("sections", "有不存在的栏目")
    if problems:
        name, why = next(iter(problems.items()))
        raise _Bad(f"sections.{name}", _service_reason(ValidationError(why), None))


def _adjustment(check: RecordCheck, record: dict[str, Any]) -> None:
    """A score adjustment as ``assessment.add_adjustment`` records it."""
    try:
        assessment.check_adjustment(record["points"], record["reason"])
    except ValidationError as exc:
        field = exc.field or "points"
        raise _Bad(field, _service_reason(exc, record[field])) from None


def _scheme(check: RecordCheck, record: dict[str, Any]) -> None:
    """An assessment scheme's categories as the template loader accepts them (None: a scheme
    from before categories)."""
    categories = record.get("categories")
    if categories is not None:
        problem = assessment.check_categories(categories)
        if problem is not None:
            raise _Bad("categories", problem)


def _judgement(check: RecordCheck, record: dict[str, Any]) -> None:
    """A judgement score as ``assessment.record_judgement`` records it: an item of its
    programme's scheme scored by judgement, 0 to its maximum, a reason, a date inside the
    programme's period."""
    programme_id = check.programme_of(record)
    if programme_id is None:
        return
    scheme = assessment.scheme_for(check.session, programme_id)
    try:
        assessment.check_judgement(
            scheme,
            str(record.get("item_key")),
            record.get("score"),
            str(record.get("reason") or ""),
        )
    except ValidationError as exc:
        field = {"item": "item_key"}.get(exc.field or "", exc.field or "score")
        raise _Bad(field, _service_reason(exc, record.get(field))) from None
    value = record.get("scored_on")
    if isinstance(value, str):
        from app.services.period import programme_period

        period = programme_period(check.session, programme_id)
        key = ("judgement_date", programme_id, value)
        why = check.verdict(
            key,
            lambda v: DateRange(earliest=period.start, latest=period.end).check(
                date.fromisoformat(v), field="scored_on", label="评分日期"
            ),
            value,
        )
        if why is not None:
            raise _Bad("scored_on", why)


def _manual_value(check: RecordCheck, record: dict[str, Any]) -> None:
    """An indicator's value as ``manual_values.record_value`` records it: a number ≥ 0, a
    note of at most 200 characters, a date inside its programme's periods."""
    try:
        manual_values.check_value(record.get("value"), record.get("note") or "")
    except ValidationError as exc:
        field = exc.field or "value"
        raise _Bad(field, _service_reason(exc, record.get(field))) from None
    programme_id = check.programme_of(record)
    value = record.get("recorded_on")
    if programme_id is not None and isinstance(value, str):
        key = ("manual_value_date", programme_id, value)
        why = check.verdict(
            key,
            lambda v: manual_values.value_dates(check.session, programme_id).check(
                date.fromisoformat(v), field="recorded_on"
            ),
            value,
        )
        if why is not None:
            raise _Bad("recorded_on", why)


def _peer_rating(check: RecordCheck, record: dict[str, Any]) -> None:
    """A rating as ``peer_ratings.record_rating`` records it: every item of its programme's
    form scored between 0 and full marks and the total their sum, a comment of at most 300
    characters, a date inside the programme's periods, a department paired with the rating
    office (the rights check that the office is the sender), and one rating per programme,
    office and department."""
    programme_id = check.programme_of(record)
    if programme_id is None:
        return
    items = check.peer_rating_items(programme_id)
    scores: dict[str, Any] = record["scores"]
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in scores.values()):
        raise _Bad("scores", "中的各项得分应为数字")
    try:
        total = peer_ratings.check_scores(items, scores)
        peer_ratings.check_comment(record.get("comment") or "")
    except ValidationError as exc:
        field = "comment" if exc.field == "comment" else "scores"
        raise _Bad(field, _service_reason(exc, None)) from None
    if abs(total - float(record["total"])) > 0.005:
        raise _Bad("total", "与各项得分之和不符")
    value = record.get("rated_on")
    if isinstance(value, str):
        why = check.verdict(
            ("peer_rating_date", programme_id, value),
            lambda v: peer_ratings.rating_dates(check.session, programme_id).check(
                date.fromisoformat(v), field="rated_on", label="评价日期"
            ),
            value,
        )
        if why is not None:
            raise _Bad("rated_on", why)
    units = check.table.metadata.tables["units"]
    office = check.ids.id_of(units, record.get("office_uuid"))
    department = check.ids.id_of(units, record.get("department_uuid"))
    if office is None or department is None:
        return  # the columns' check names the missing unit
    if not peer_ratings.is_paired(check.session, programme_id, office, department):
        raise _Bad("department_uuid", "不是评价司法所的结对部门（只能评价与本所挂钩结对的部门）")
    key = (programme_id, office, department)
    first = check._ratings.setdefault(key, record["uuid"])
    other = check.session.scalar(
        select(check.table.c.uuid).where(
            check.table.c.programme_id == programme_id, check.table.c.office_id == office,
            check.table.c.department_id == department, check.table.c.uuid != record["uuid"],
        )
    )  # fmt: skip
    if first != record["uuid"] or other is not None:
        raise _Bad(None, "重复：同一司法所每年度只评价同一结对部门一次")


def _meeting(check: RecordCheck, record: dict[str, Any]) -> None:
    """A meeting's type as ``meetings.save_meeting`` accepts it: one of its programme's
    template's types (a package from a PC that predates types carries none: 月度例会)."""
    if "meeting_type" not in record:
        return
    programme_id = check.programme_of(record)
    value = record["meeting_type"]
    key = ("meeting_type", programme_id, value)
    why = check.verdict(
        key, lambda v: meetings.check_meeting_type(check.meeting_types(programme_id), v), value
    )
    if why is not None:
        raise _Bad("meeting_type", why)


def _issued_bulletin(check: RecordCheck, record: dict[str, Any]) -> None:
    """A published bulletin as ``issued_bulletins.publish`` records it: a 期号 ≥ 1 not used by
    another bulletin of its programme, and a snapshot of what it prints."""
    from app.models import IssuedBulletin
    from app.services import issued_bulletins

    number = record["number"]
    if number < 1:
        raise _Bad("number", "应是正整数")
    programme_id = check.programme_of(record)
    other = check.session.scalar(
        select(IssuedBulletin.uuid).where(IssuedBulletin.programme_id == programme_id,
                                          IssuedBulletin.number == number,
                                          IssuedBulletin.uuid != record["uuid"])
    )  # fmt: skip
    if other is not None:
        raise _Bad("number", f"与已有的另一期通报（{other}）重号")
    problem = issued_bulletins.snapshot_problem(record["snapshot"])
    if problem is not None:
        raise _Bad("snapshot", problem)


def _programme(check: RecordCheck, record: dict[str, Any]) -> None:
    """A programme's periods as ``programme.edit_programme`` keeps them: each start on or
    before its end, within a year of the programme's year, the assessment period whole or
    absent (and, for the batch, :func:`_programmes_apart`)."""

    def day(name: str) -> date | None:
        value = record.get(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            raise _Bad(name, "不是有效的日期") from None

    start, end = day("start_date"), day("end_date")
    first, last = day("assessment_start"), day("assessment_end")
    if start is not None and end is not None and start > end:
        raise _Bad("start_date", "实施期开始日期晚于结束日期")
    if (first is None) != (last is None):
        raise _Bad("assessment_start", "考核期的开始和结束日期不全")
    if first is not None and last is not None and first > last:
        raise _Bad("assessment_start", "考核期开始日期晚于结束日期")
    year = record.get("year")
    if isinstance(year, int):
        for name, value in (("start_date", start), ("end_date", end),
                            ("assessment_start", first), ("assessment_end", last)):  # fmt: skip
            if value is not None and not year - 1 <= value.year <= year + 1:
                raise _Bad(name, f"离 {year} 年度太远")


def _record_period(record: dict[str, Any]) -> tuple[int, date, date]:
    """A checked programme record's year and period, as ``Programme.period`` works it out."""
    year = int(record["year"])

    def day(name: str) -> date | None:
        value = record.get(name)
        try:
            return date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None

    from app.models.programme import period_of

    return year, *period_of(year, day("issue_date"), day("start_date"), day("end_date"))


def _programmes_apart(check: RecordCheck, records: list[dict[str, Any]]) -> None:
    """No two programmes' periods share a day (``programme.check_no_overlap``): the live
    programmes here, as the package leaves them. An overlap that is already here between the
    same two programmes is not the package's doing and does not refuse it."""
    from app.models import Programme
    from app.services.wording import cn_date

    here = {
        p.uuid: (p.year, *p.period)
        for p in check.session.scalars(select(Programme).where(Programme.deleted.is_(False)))
    }
    after = dict(here)
    for record in records:
        if record.get("deleted"):
            after.pop(record["uuid"], None)
        else:
            after[record["uuid"]] = _record_period(record)

    def overlap(a: tuple[int, date, date], b: tuple[int, date, date]) -> bool:
        return a[1] <= b[2] and b[1] <= a[2]

    # a programme the package moves is named before one it leaves where it was
    moved = sorted((r["uuid"] for r in records if r["uuid"] in after),
                   key=lambda u: here.get(u) == after[u])  # fmt: skip
    for uuid in moved:
        mine = after[uuid]
        for other_uuid, other in sorted(after.items(), key=lambda kv: kv[1][1]):
            if other_uuid == uuid or not overlap(mine, other):
                continue
            if uuid in here and other_uuid in here and overlap(here[uuid], here[other_uuid]):
                continue
            raise _Bad(
                "start_date" if other[1] <= mine[1] else "end_date",
                f"与 {other[0]} 年度的实施期（{cn_date(other[1])}至{cn_date(other[2])}）重叠"
                "（每一天只属于一个年度）",
                uuid,
            )


_RULES: dict[str, Callable[[RecordCheck, dict[str, Any]], None]] = {
    "assessment_schemes": _scheme,
    "judgement_scores": _judgement,
    "issued_bulletins": _issued_bulletin,
    "peer_ratings": _peer_rating,
    "programmes": _programme,
    "manual_values": _manual_value,
    "meetings": _meeting,
    "score_adjustments": _adjustment,
    "ledger_entries": _ledger_entry,
    "correction_subjects": _subject,
    "attachments": _attachment,
    "entry_kinds": _entry_kind,
    "units": _unit,
    "phase_summaries": _summary,
    "statistics_reports": _statistics_report,
    "statistics_reviews": _statistics_decision,
    "statistics_unlocks": _statistics_decision,
}


# ---------------------------------------------------------------- documents that never change
# A submitted summary is frozen (its text and the figures kept with it) until the county
# returns it: what of it a package may not change.
FROZEN_SUMMARY = ("status", "sections", "figures", "submitted_on", "deleted", "phase_uuid",
                  "programme_uuid", "department_uuid")  # fmt: skip


def check_frozen(
    session: Session, table: Table, batch: list[dict[str, Any]], existing: dict[str, Any],
    sender: str = "",
) -> None:  # fmt: skip
    """Refuse a package that changes a document once submitted or issued (PackageError naming
    the record, never its content): a summary submitted here and not returned by the county
    keeps its text and its figures — a resubmission after a return is a new version; a
    published bulletin and a 结对部门评价 received here never change."""
    if table.name == "issued_bulletins" and existing:
        _check_issued_unchanged(session, table, batch, existing, sender)
    if table.name == "peer_ratings" and existing:
        _frozen_ratings(session, table, batch, existing, sender)
    if table.name == "statistics_reports" and existing:
        _frozen_statistics(session, table, batch, existing, sender)
    if table.name != "phase_summaries" or not existing:
        return
    from app.models import ReviewDecision, SummaryReview

    check = RecordCheck(session, table, UuidMap(session), sender)
    ids = check.ids
    for record in batch:
        local = existing.get(record["uuid"])
        if (local is None or local.deleted or local.status != SummaryStatus.SUBMITTED.value
                or int(record["revision"]) <= local.revision):  # fmt: skip
            continue  # not frozen here, or nothing the import would take
        returned = session.scalar(
            select(SummaryReview.id).where(
                SummaryReview.summary_id == local.id, SummaryReview.deleted.is_(False),
                SummaryReview.summary_revision == local.revision,
                SummaryReview.decision == ReviewDecision.RETURNED).limit(1)
        )  # fmt: skip
        if returned is not None or _summary_unlocked(session, local):
            continue  # sent back or unlocked by the county: the department may change it
        here = {
            "status": local.status, "sections": local.sections, "figures": local.figures,
            "submitted_on": local.submitted_on.isoformat() if local.submitted_on else None,
            "deleted": bool(local.deleted),
            "phase_uuid": ids.uuid_of(table.metadata.tables["phases"], local.phase_id),
            "programme_uuid": ids.uuid_of(table.metadata.tables["programmes"], local.programme_id),
            "department_uuid": ids.uuid_of(table.metadata.tables["units"], local.department_id),
        }  # fmt: skip
        for key in FROZEN_SUMMARY:
            if record.get(key, here[key] if key == "deleted" else None) != here[key]:
                field = "figures" if key == "figures" else key
                raise PackageError(check._message(record, _Bad(
                    field, "改动了已提交的总结（已提交的总结及其统计数据不再改动，"
                           "县矫正办退回后才能修改并重新提交）")))  # fmt: skip


# A published bulletin never changes, its figures included.
FROZEN_BULLETIN = ("programme_uuid", "number", "as_of", "issued_on", "title", "snapshot",
                   "deleted")  # fmt: skip


def _check_issued_unchanged(
    session: Session, table: Table, batch: list[dict[str, Any]], existing: dict[str, Any],
    sender: str,
) -> None:  # fmt: skip
    """Refuse a package that brings a published bulletin here changed in any way."""
    check = RecordCheck(session, table, UuidMap(session), sender)
    programmes = table.metadata.tables["programmes"]
    for record in batch:
        local = existing.get(record["uuid"])
        if local is None:
            continue
        here = {
            "programme_uuid": check.ids.uuid_of(programmes, local.programme_id),
            "number": local.number, "as_of": local.as_of.isoformat(),
            "issued_on": local.issued_on.isoformat(), "title": local.title,
            "snapshot": local.snapshot, "deleted": bool(local.deleted),
        }  # fmt: skip
        for key in FROZEN_BULLETIN:
            if record.get(key, here[key] if key == "deleted" else None) != here[key]:
                raise PackageError(check._message(record, _Bad(
                    key, "改动了已发布的进度通报（通报发布后不再改动，数字也不变；"
                         "如需更正请发布下一期）")))  # fmt: skip


FROZEN_RATING = ("scores", "total", "comment", "rated_on", "deleted", "programme_uuid",
                 "office_uuid", "department_uuid")  # fmt: skip


def _frozen_ratings(
    session: Session, table: Table, batch: list[dict[str, Any]], existing: dict[str, Any],
    sender: str,
) -> None:  # fmt: skip
    """A rating received here (it was sent, so it is final) comes again only unchanged."""
    check = RecordCheck(session, table, UuidMap(session), sender)
    tables = table.metadata.tables
    for record in batch:
        local = existing.get(record["uuid"])
        if local is None:
            continue
        here = {
            "scores": local.scores, "total": local.total, "comment": local.comment,
            "rated_on": local.rated_on.isoformat(), "deleted": bool(local.deleted),
            "programme_uuid": check.ids.uuid_of(tables["programmes"], local.programme_id),
            "office_uuid": check.ids.uuid_of(tables["units"], local.office_id),
            "department_uuid": check.ids.uuid_of(tables["units"], local.department_id),
        }  # fmt: skip
        for key in FROZEN_RATING:
            if record.get(key) != here[key] or int(record["revision"]) != local.revision:
                raise PackageError(check._message(record, _Bad(
                    key if record.get(key) != here[key] else "revision",
                    "改动了已报送的结对部门评价（评价报出后不再修改）")))  # fmt: skip


def _summary_unlocked(session: Session, local: Any) -> bool:
    from app.models import PhaseSummary
    from app.services.period_locks import summary_unlocked

    summary = session.get(PhaseSummary, local.id)
    return summary is not None and summary_unlocked(session, summary)


def _statistics_unlocked(session: Session, local: Any) -> bool:
    from app.models import StatisticsReport
    from app.services.statistics_reports import unlocked

    report = session.get(StatisticsReport, local.id)
    return report is not None and unlocked(session, report)


# A submitted statistics report is frozen (its figures and 情况说明) until the county returns it
# or unlocks its period after accepting it.
FROZEN_STATISTICS = ("status", "values", "note", "submitted_on", "deleted", "report_key",
                     "period_start", "period_end", "programme_uuid", "unit_uuid")  # fmt: skip


def _frozen_statistics(
    session: Session, table: Table, batch: list[dict[str, Any]], existing: dict[str, Any],
    sender: str,
) -> None:  # fmt: skip
    """Refuse a package that changes a report submitted here and not returned by the county."""
    from app.models import StatisticsDecision, StatisticsReview

    check = RecordCheck(session, table, UuidMap(session), sender)
    tables = table.metadata.tables
    for record in batch:
        local = existing.get(record["uuid"])
        if (local is None or local.deleted or local.status != "submitted"
                or int(record["revision"]) <= local.revision):  # fmt: skip
            continue  # not frozen here, or nothing the import would take
        returned = session.scalar(
            select(StatisticsReview.id).where(
                StatisticsReview.report_id == local.id, StatisticsReview.deleted.is_(False),
                StatisticsReview.report_revision == local.revision,
                StatisticsReview.decision == StatisticsDecision.RETURNED).limit(1)
        )  # fmt: skip
        if returned is not None or _statistics_unlocked(session, local):
            continue  # the county sent it back or unlocked it: the unit may change, resubmit
        here = {
            "status": local.status, "values": local.values, "note": local.note,
            "submitted_on": local.submitted_on.isoformat() if local.submitted_on else None,
            "deleted": bool(local.deleted), "report_key": local.report_key,
            "period_start": local.period_start.isoformat(),
            "period_end": local.period_end.isoformat(),
            "programme_uuid": check.ids.uuid_of(tables["programmes"], local.programme_id),
            "unit_uuid": check.ids.uuid_of(tables["units"], local.unit_id),
        }  # fmt: skip
        for key in FROZEN_STATISTICS:
            if record.get(key, here[key] if key == "deleted" else None) != here[key]:
                raise PackageError(check._message(record, _Bad(
                    key, "改动了已提交的统计报表（已提交的报表及其数字不再改动，"
                         "县矫正办退回后才能修改并重新提交）")))  # fmt: skip
