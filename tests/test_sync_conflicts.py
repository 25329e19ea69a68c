"""Conflicts between the county and a unit: the same entry changed on both sides since they last
agreed is kept in both versions, never silently overwritten, and a person settles it (keep the
county's version, take the unit's, or merge field by field). Real database files, real packages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import ExchangeConflict, LedgerEntry, LocalEdit
from app.services import ledger
from app.services.database import Database, open_database
from app.services.errors import UserError
from app.services.forms import FormErrors
from app.services.ledger import EntryInput
from app.services.setup import initialise
from app.sync.conflicts import open_conflicts, resolve
from app.sync.exchange import export_package, import_package
from app.sync.registration import join_with_credential, read_credential, write_credential
from tests.conftest import TEMPLATE_KEY
from tests.helpers import copy_database, dump, kind_ids, new_database, unit_ids

UNIT = "法律援助中心"


class Link:
    """The county's and the unit's PCs, and the USB stick the unit's packages travel on."""

    def __init__(self, county: Database, unit: Database, folder: Path) -> None:
        self.county, self.unit, self.folder = county, unit, folder
        self.sent = 0

    def send(self, full: bool = False) -> Path:
        """The unit exports a package for the county."""
        self.sent += 1
        out = self.folder / f"{UNIT}-至-县矫正办-{self.sent}.bjpkg"
        export_package(self.unit, "县矫正办", out, full=full)
        return out


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> dict[str, str]:
    """The county's and the unit's databases as ``initialise`` leaves them (made once a module,
    copied for each test: keys and instance ids are only made on first use); SQLite files, or
    databases on the server with ``--backend=postgresql``."""
    folder = tmp_path_factory.mktemp("blank")
    made = {}
    for name, unit in (("county", "县矫正办"), ("unit", UNIT)):
        made[name] = new_database(folder, name)
        initialise(made[name], TEMPLATE_KEY, unit).database.close()
    return made


@pytest.fixture
def link(tmp_path, blank):
    copies = {name: copy_database(source, tmp_path, name) for name, source in blank.items()}
    county = open_database(copies["county"])
    with county.session() as s:
        write_credential(s, UNIT, tmp_path / "unit.cred", TEMPLATE_KEY)
    unit = open_database(copies["unit"])
    with unit.session() as s:
        join_with_credential(s, read_credential(tmp_path / "unit.cred"))
    yield Link(county, unit, tmp_path)
    county.close()
    unit.close()


def add_entry(db: Database, title: str, body: str = "") -> str:
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        entry_id = ledger.save_entry(
            s,
            db.attachments,
            None,
            EntryInput(
                kind_id=kinds["hotline"],
                unit_id=units[UNIT],
                entry_date=date(2018, 7, 2),
                title=title,
                body=body,
                values={"calls": 5},
            ),
        )
        s.flush()
        return s.get(LedgerEntry, entry_id).uuid


def edit(db: Database, uuid: str, **changes) -> None:
    """Change an entry through the ORM, as the app's form does."""
    with db.session() as s:
        entry = s.scalar(select(LedgerEntry).where(LedgerEntry.uuid == uuid))
        for name, value in changes.items():
            setattr(entry, name, value)


def row(db: Database, uuid: str) -> tuple[str, str, int, bool]:
    with db.session() as s:
        found = s.execute(
            select(LedgerEntry.title, LedgerEntry.body, LedgerEntry.revision, LedgerEntry.deleted)
            .where(LedgerEntry.uuid == uuid)
        ).one()  # fmt: skip
        return tuple(found)


def open_count(db: Database) -> int:
    with db.session() as s:
        return s.scalar(
            select(func.count())
            .select_from(ExchangeConflict)
            .where(ExchangeConflict.resolved_at.is_(None))
        )


def both_edit(link: Link, county: dict, unit: dict) -> str:
    """The unit sends an entry, the county imports it, then both change it; the uuid."""
    uuid = add_entry(link.unit, "原标题", body="原正文")
    assert import_package(link.county, link.send()).created["ledger_entries"] == 1
    edit(link.county, uuid, **county)
    edit(link.unit, uuid, **unit)
    with link.county.session() as s:  # the mapper event remembered the county's edit
        assert s.get(LocalEdit, ("ledger_entries", uuid)).base_revision == 1
    return uuid


def conflicted(link: Link, county: dict, unit: dict) -> str:
    """``both_edit``, then the unit's version arrives: one conflict, the county's row kept."""
    uuid = both_edit(link, county, unit)
    kept = row(link.county, uuid)
    summary = import_package(link.county, link.send())
    assert summary.conflicts == {"ledger_entries": 1}
    assert not summary.updated.get("ledger_entries")
    lines = summary.lines()
    assert any("冲突 1" in line for line in lines)
    assert any(f"台账“{unit.get('title', '原标题')}”" in line for line in lines)
    assert row(link.county, uuid) == kept
    assert open_count(link.county) == 1
    return uuid


def settle(db: Database, conflict_id: int, choice: str, take_incoming: set[str] | None = None):
    """A person settles a conflict on the county's PC (one session, as the page does)."""
    with db.session() as s:
        resolve(s, conflict_id, choice, take_incoming)


def the_conflict(db: Database):
    with db.session() as s:
        (conflict,) = open_conflicts(s)
        return conflict


def test_keeping_the_local_version_stands_until_the_unit_changes_the_entry_again(link):
    uuid = conflicted(link, county={"title": "县里更正的标题"}, unit={"title": "所里补充的标题"})
    conflict = the_conflict(link.county)
    assert conflict.sender == UNIT and conflict.kind_label == "台账"
    assert [(d.column, d.label, d.local, d.incoming) for d in conflict.differences] == [
        ("title", "标题", "县里更正的标题", "所里补充的标题")
    ]
    settle(link.county, conflict.id, "local")
    kept = row(link.county, uuid)
    assert kept[0] == "县里更正的标题" and open_count(link.county) == 0
    with link.county.session() as s:
        assert s.scalar(select(ExchangeConflict.resolution)) == "local"

    # the same unit state again, everything exported: nothing new, not a second conflict
    summary = import_package(link.county, link.send(full=True))
    assert summary.unchanged["ledger_entries"] == 1
    assert not summary.conflicts and not summary.updated.get("ledger_entries")
    assert row(link.county, uuid) == kept and open_count(link.county) == 0

    # the unit changes it once more: shown again as a conflict, never silently lost or taken
    edit(link.unit, uuid, title="所里再次修改")
    summary = import_package(link.county, link.send())
    assert summary.conflicts == {"ledger_entries": 1}
    assert row(link.county, uuid) == kept
    assert [(d.local, d.incoming) for d in the_conflict(link.county).differences] == [
        ("县里更正的标题", "所里再次修改")
    ]


def test_taking_the_incoming_version_makes_the_row_the_units_again(link):
    uuid = conflicted(link, county={"title": "县里更正的标题"}, unit={"title": "所里补充的标题"})
    settle(link.county, the_conflict(link.county).id, "incoming")
    assert row(link.county, uuid) == row(link.unit, uuid)
    assert row(link.county, uuid)[0] == "所里补充的标题"
    with link.county.session() as s:
        assert s.get(LocalEdit, ("ledger_entries", uuid)) is None

    # the unit's next change is a plain update
    edit(link.unit, uuid, title="所里第三次修改")
    summary = import_package(link.county, link.send())
    assert summary.updated == {"ledger_entries": 1} and not summary.conflicts
    assert row(link.county, uuid) == row(link.unit, uuid)
    assert open_count(link.county) == 0


@pytest.mark.parametrize("taken", ["body", "title"])
def test_merging_takes_the_chosen_field_from_the_unit_and_keeps_the_other(link, taken):
    county = {"title": "县里的标题", "body": "县里的正文"}
    unit = {"title": "所里的标题", "body": "所里的正文"}
    uuid = conflicted(link, county=county, unit=unit)
    county_revision, unit_revision = row(link.county, uuid)[2], row(link.unit, uuid)[2]
    conflict = the_conflict(link.county)
    assert {d.column for d in conflict.differences} == {"title", "body"}
    settle(link.county, conflict.id, "merged", take_incoming={taken})
    title, body, revision, _deleted = row(link.county, uuid)
    kept = "title" if taken == "body" else "body"
    assert {"title": title, "body": body} == {taken: unit[taken], kept: county[kept]}
    assert revision > max(county_revision, unit_revision)
    assert open_count(link.county) == 0


def test_a_resolution_is_refused_when_it_makes_no_sense_and_nothing_changes(link):
    conflicted(link, county={"title": "县里的标题"}, unit={"title": "所里的标题"})
    conflict_id = the_conflict(link.county).id
    before = dump(link.county)

    with pytest.raises(UserError, match="请选择保留本机版本、采用对方版本或逐项合并"):
        settle(link.county, conflict_id, "both")
    assert dump(link.county) == before
    with pytest.raises(
        UserError, match="合并时只能选择两个版本不同的项目"
    ):  # only the title differs
        settle(link.county, conflict_id, "merged", take_incoming={"body"})
    assert dump(link.county) == before

    settle(link.county, conflict_id, "incoming")
    settled = dump(link.county)
    assert settled != before
    for choice in ("local", "incoming"):
        with pytest.raises(UserError, match="这个冲突已经处理过了"):
            settle(link.county, conflict_id, choice)
        assert dump(link.county) == settled
    with pytest.raises(UserError, match="这个冲突已经处理过了"):
        settle(link.county, conflict_id + 100, "local")
    assert dump(link.county) == settled


def test_a_deletion_of_an_entry_the_county_changed_is_a_conflict_not_a_silent_delete(link):
    uuid = both_edit(link, county={"title": "县里更正的标题"}, unit={})
    with link.unit.session() as s:
        ledger.delete_entry(s, s.scalar(select(LedgerEntry.id).where(LedgerEntry.uuid == uuid)))
    summary = import_package(link.county, link.send())
    assert summary.conflicts == {"ledger_entries": 1} and not summary.deleted
    assert row(link.county, uuid)[::3] == ("县里更正的标题", False)
    differences = {(d.label, d.local, d.incoming) for d in the_conflict(link.county).differences}
    assert ("已删除", "否", "是") in differences
    # taking the unit's version deletes it
    settle(link.county, the_conflict(link.county).id, "incoming")
    assert row(link.county, uuid)[3] is True


def test_a_dry_run_reports_the_conflict_and_changes_nothing(link):
    uuid = both_edit(link, county={"title": "县里的标题"}, unit={"title": "所里的标题"})
    package = link.send()
    before = dump(link.county)
    preview = import_package(link.county, package, dry_run=True)
    assert preview.dry_run and preview.conflicts == {"ledger_entries": 1}
    assert any("所里的标题" in line for line in preview.lines())
    assert dump(link.county) == before
    assert open_count(link.county) == 0 and row(link.county, uuid)[0] == "县里的标题"

    summary = import_package(link.county, package)  # the preview did not use up the package
    assert summary.conflicts == {"ledger_entries": 1} and open_count(link.county) == 1


def test_the_county_edits_a_units_entry_only_as_a_conflict_aware_edit_that_keeps_the_owner(link):
    uuid = add_entry(link.unit, "原标题", body="原正文")
    import_package(link.county, link.send())
    store = link.county.attachments
    with link.county.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        entry_id = s.scalar(select(LedgerEntry.id).where(LedgerEntry.uuid == uuid))

    def change(unit: str, title: str) -> EntryInput:
        return EntryInput(kind_id=kinds["hotline"], unit_id=units[unit], entry_date=date(2018, 7, 2),
                          title=title, body="原正文", values={"calls": 5})  # fmt: skip

    before = dump(link.county)
    with link.county.session() as s, pytest.raises(FormErrors) as refused:
        ledger.save_entry(s, store, entry_id, change("县矫正办", "县里改的标题"))
    assert refused.value.errors == {"unit": "这条台账由法律援助中心填报，填报单位不能更改；"
                                            "如确属填错单位，请删除后以正确的单位重新登记。"}  # fmt: skip
    assert dump(link.county) == before

    with link.county.session() as s:
        ledger.save_entry(s, store, entry_id, change(UNIT, "县里改的标题"))
    with link.county.session() as s:
        assert s.get(LedgerEntry, entry_id).owner_unit_id == units[UNIT]
        assert s.get(LocalEdit, ("ledger_entries", uuid)).base_revision == 1  # remembered
    edit(link.unit, uuid, title="所里改的标题")
    summary = import_package(link.county, link.send())
    assert summary.conflicts == {"ledger_entries": 1} and not summary.updated
    assert row(link.county, uuid)[0] == "县里改的标题"  # not silently overwritten
    assert {(d.local, d.incoming) for d in the_conflict(link.county).differences} == {
        ("县里改的标题", "所里改的标题")}  # fmt: skip
