"""Write rights and least data: each model's ``__exchange__`` declaration, enforced.

On import (:class:`ImportRights`), for every record of a package, before anything is written:
the table may come to this office at all (the city gets reference data and the aggregate only;
the aggregate goes nowhere else); the sending unit's kind may create, change or delete rows of
that table (:meth:`ExchangeRule.kinds`); the record's own unit columns that must name the sender
do; every reference the declaration lists points at a row the sender may touch (its own entry,
an item it is responsible for, a file it holds…); a row about another office's record (a
summary review, a brand's evidence) is about one of this office's. The first breach refuses the
whole package with a Chinese message naming the kind of record and its uuid, never its content.

On export (:func:`export_conditions`): which of the sender's rows go to a recipient. Correction
subjects and what carries them (:class:`Personal`) go up to the county whole; down to a unit
only when the unit *serves* the subject; never to the city. A unit serves a subject when

- the subject is registered with the unit (it owns the row: it recorded an entry about them),
- one of the unit's own ledger entries names the subject (the county records an entry for a
  unit as that unit's entry, so "entries the county made for the unit" are among these), or
- the subject reports to that judicial office (``office_id``, 所属司法所), which supervises them.

An entry naming a subject, its photo links and photos go down only with the subject. Changes of
whom a unit serves reach it with the next full package (incremental ones carry changed rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, assert_never

from sqlalchemy import ColumnElement, Select, Table, not_, or_, select
from sqlalchemy.orm import Session

from app.models import Base, SyncedRecord, Unit, UnitKind
from app.models.base import ExchangeRule, Personal, ToCity, Touch
from app.sync.package import PackageError
from app.sync.records import foreign_keys, ref_key

ACTION_LABELS = {"create": "新增", "change": "修改", "delete": "删除"}
_NEVER_DELETED = "这类记录登记后不删除"


@cache
def _rules() -> dict[str, ExchangeRule]:
    found: dict[str, ExchangeRule] = {}
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if issubclass(model, SyncedRecord) and "__exchange__" in vars(model):
            found[model.__tablename__] = vars(model)["__exchange__"]
    return found


def rule_for(table: Table | str) -> ExchangeRule:
    """The declaration of a travelling table (KeyError when its model declares none)."""
    return _rules()[table if isinstance(table, str) else table.name]


def undeclared(tables: Iterable[Table]) -> list[str]:
    """The tables among ``tables`` whose model declares no ``__exchange__`` of its own."""
    return [t.name for t in tables if t.name not in _rules()]


def _label(table_name: str) -> str:
    from app.sync.exchange import KIND_LABELS

    return KIND_LABELS.get(table_name, table_name)


def _kind_label(kind: UnitKind) -> str:
    from app.services.reference import UNIT_KIND_LABELS

    return UNIT_KIND_LABELS.get(kind, str(kind))


# ---------------------------------------------------------------- import
class ImportRights:
    """The rights of one package's sender, checked batch by batch as the import reads it.

    ``me`` is the importing office. Rows of tables that a later reference may accept because
    "the same package brings them" are remembered (their uuids only).
    """

    def __init__(self, session: Session, sender: Unit, me: Unit) -> None:
        self.session, self.sender, self.me = session, sender, me
        self._seen: dict[str, set[str]] = {}
        self._remember = {  # the tables references point at: their rows in this package
            foreign_keys(table)[column].name
            for table in Base.metadata.tables.values()
            if table.name in _rules()
            for column in rule_for(table).references
        }

    def refuse(self, why: str) -> PackageError:
        """The refusal of the whole package, in Chinese."""
        return PackageError(
            f"“{self.sender.name}”的数据包未导入：{why}。数据库保持原样，没有任何改动。"
        )

    def check(self, table: Table, batch: list[dict[str, Any]], existing: Mapping[Any, Any]) -> None:
        """Refuse the package unless the sender may write every record of ``batch`` (records
        of ``table``; ``existing``: the local rows with those uuids, by uuid)."""
        rule = rule_for(table)
        label = _label(table.name)
        if table.name in self._remember:
            self._seen.setdefault(table.name, set()).update(filter(None, map(_uuid, batch)))
        sender = self.sender.uuid
        mine = [r for r in batch if r.get("owner_unit_uuid") == sender]
        if existing:
            mine = [
                r for r in mine
                if getattr(existing.get(_uuid(r)), "owner_unit_id", self.sender.id) == self.sender.id
            ]  # fmt: skip
        # (a record of another owner is refused, or kept as shared content, by the import)
        if not mine:
            return
        self._check_route(rule, label, mine[0])
        may_do_anything = all(self.sender.kind in rule.kinds(a) for a in ACTION_LABELS)
        for record in [] if may_do_anything and not rule.sender_columns else mine:
            action = _action(record, existing.get(_uuid(record)))
            if self.sender.kind not in rule.kinds(action):
                reason = (
                    _NEVER_DELETED if action == "delete" and not rule.kinds(action) else rule.reason
                )
                raise self.refuse(
                    f"{_kind_label(self.sender.kind)}不能{ACTION_LABELS[action]}{label}"
                    f"（记录 {record.get('uuid')}），{reason}"
                )
            for column, reason in rule.sender_columns.items():
                if record.get(ref_key(column)) != self.sender.uuid:
                    raise self.refuse(
                        f"{label}（记录 {record.get('uuid')}）写的是别的单位，{reason}"
                    )
        for column, touch in rule.references.items():
            self._check_references(table, column, touch, label, mine)
        if rule.about is not None:
            self._check_about(table, rule.about, label, mine)

    def _check_route(self, rule: ExchangeRule, label: str, record: dict[str, Any]) -> None:
        to_city = self.me.kind == UnitKind.CITY_OFFICE
        if to_city and rule.to_city is ToCity.NO:
            why = f"{label}只在县内交换，不报送{self.me.name}"
        elif not to_city and rule.to_city is ToCity.ONLY:
            why = f"{label}只报送市矫正办"
        else:
            return
        raise self.refuse(f"其中有{label}（记录 {record.get('uuid')}），{why}")

    def _check_references(
        self, table: Table, column: str, touch: Touch, label: str, records: list[dict[str, Any]]
    ) -> None:
        target = foreign_keys(table)[column]
        key = ref_key(column)
        wanted = {r[key] for r in records if isinstance(r.get(key), str)}
        # rows this package brings: its own (the import refuses another owner's), or, for
        # content-named rows, files it holds
        if touch.in_package or (touch.owned and not rule_for(target).shared_content):
            wanted -= self._seen.get(target.name, set())
        if not wanted:
            return
        columns = [target.c.uuid, target.c.id, target.c.owner_unit_id]
        columns += [target.c[name] for name in touch.naming]
        found = {row[0]: row for row in self.session.execute(
            select(*columns).where(target.c.uuid.in_(wanted)))}  # fmt: skip

        def touchable(row: Any) -> bool:
            return (
                (touch.owned and row[2] == self.sender.id)
                or (touch.importer and row[2] == self.me.id)
                or any(value == self.sender.id for value in row[3:])
            )

        # (a row not here is left to the import, which names the missing record)
        doubtful = {ref: row for ref, row in found.items() if not touchable(row)}
        if doubtful and touch.linked_from is not None:  # only then: the sender's own links
            source = Base.metadata.tables[touch.linked_from[0]]
            link = source.c[touch.linked_from[1]]
            linked = set(self.session.scalars(select(link).where(
                source.c.owner_unit_id == self.sender.id, source.c.deleted.is_(False),
                link.in_([row[1] for row in doubtful.values()]))))  # fmt: skip
            doubtful = {ref: row for ref, row in doubtful.items() if row[1] not in linked}
        for record in records:
            ref = record.get(key)
            if isinstance(ref, str) and ref in doubtful:
                raise self.refuse(
                    f"{label}（记录 {record.get('uuid')}）不能指向{_label(target.name)}"
                    f"（记录 {ref}）：{touch.reason}"
                )

    def _check_about(
        self, table: Table, column: str, label: str, records: list[dict[str, Any]]
    ) -> None:
        target = foreign_keys(table)[column]
        key = ref_key(column)
        wanted = {r[key] for r in records if isinstance(r.get(key), str)}
        if not wanted:
            return
        others = dict(self.session.execute(
            select(target.c.uuid, target.c.owner_unit_id)
            .where(target.c.uuid.in_(wanted), target.c.owner_unit_id.is_distinct_from(self.me.id))
        ).all())  # fmt: skip
        for record in records:
            if record.get(key) in others:
                raise self.refuse(
                    f"{label}（记录 {record.get('uuid')}）说的是别的单位的{_label(target.name)}，"
                    f"不应发给{self.me.name}"
                )


def _uuid(record: dict[str, Any]) -> str | None:
    """A record's uuid, if it has one that can be looked up."""
    value = record.get("uuid")
    return value if isinstance(value, str) else None


def _action(record: dict[str, Any], local: Any) -> str:
    """What an incoming record does to this database: "create", "change" or "delete"."""
    gone = bool(record.get("deleted"))
    if local is None:
        return "delete" if gone else "create"
    return "delete" if gone and not local.deleted else "change"


# ---------------------------------------------------------------- export
def export_conditions(table: Table, me: Unit, recipient: Unit) -> list[ColumnElement[bool]] | None:
    """Conditions on ``me``'s rows of ``table`` for a package to ``recipient``; None when the
    table does not go there at all."""
    rule = rule_for(table)
    to_city = recipient.kind == UnitKind.CITY_OFFICE
    if (to_city and rule.to_city is ToCity.NO) or (not to_city and rule.to_city is ToCity.ONLY):
        return None
    conditions: list[ColumnElement[bool]] = []
    if rule.about is not None:
        target = foreign_keys(table)[rule.about]
        conditions.append(table.c[rule.about].in_(
            select(target.c.id).where(target.c.owner_unit_id == recipient.id)))  # fmt: skip
    if rule.personal is not None and recipient.kind != UnitKind.COUNTY_OFFICE:
        conditions.append(_least(table, rule.personal, me, recipient))
    return conditions


def _tables() -> tuple[Table, Table, Table]:
    tables = Base.metadata.tables
    return tables["correction_subjects"], tables["ledger_entries"], tables["entry_attachments"]


def _served(recipient: Unit) -> ColumnElement[bool]:
    """Correction subjects the recipient serves (see the module's docstring)."""
    subjects, entries, _links = _tables()
    return or_(
        subjects.c.owner_unit_id == recipient.id,
        subjects.c.office_id == recipient.id,
        subjects.c.id.in_(select(entries.c.subject_id).where(
            entries.c.owner_unit_id == recipient.id, entries.c.deleted.is_(False),
            entries.c.subject_id.is_not(None))),
    )  # fmt: skip


def _entry_goes(me: Unit, recipient: Unit) -> ColumnElement[bool]:
    """Ledger entries that may go to the recipient: no subject, or one it serves and has (its
    own, or one of ours that goes with the entry)."""
    subjects, entries, _links = _tables()
    available = select(subjects.c.id).where(
        _served(recipient), subjects.c.owner_unit_id.in_((me.id, recipient.id))
    )
    return or_(entries.c.subject_id.is_(None), entries.c.subject_id.in_(available))


def _least(table: Table, personal: Personal, me: Unit, recipient: Unit) -> ColumnElement[bool]:
    _subjects, entries, links = _tables()
    goes = _entry_goes(me, recipient)
    if personal is Personal.SUBJECT:
        return _served(recipient)
    if personal is Personal.ENTRY:
        return goes
    if personal is Personal.ENTRY_PART:
        return table.c.entry_id.in_(
            select(entries.c.id).where(entries.c.owner_unit_id == me.id, goes)
        )
    if personal is Personal.FILE:  # a file goes unless it is only a photo of withheld entries

        def photos(where: ColumnElement[bool]) -> Select[tuple[int]]:
            return (
                select(links.c.attachment_id)
                .join(entries, entries.c.id == links.c.entry_id)
                .where(where)
            )

        return or_(not_(table.c.id.in_(photos(not_(goes)))), table.c.id.in_(photos(goes)))
    assert_never(personal)
