"""Three units, the county and the city, each its own database file, exchanging packages over
several rounds with edits, deletions, photos and a conflict. The county ends with the union of
the units' records; the city gets reference data and the county's aggregate, no ledger."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import (
    AggregateReport,
    Attachment,
    CorrectionSubject,
    EntryAttachment,
    ExchangeConflict,
    LedgerEntry,
    PackageLog,
)
from app.services import ledger
from app.services.aggregate import aggregate_figures
from app.services.database import Database
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import current_programme
from app.services.setup import initialise
from app.services.subjects import SubjectInput
from app.sync.conflicts import open_conflicts, resolve
from app.sync.exchange import export_package, import_package
from app.sync.package import package_order_key
from app.sync.registration import (
    join_existing,
    join_with_credential,
    read_credential,
    write_credential,
)
from tests.conftest import TEMPLATE_KEY
from tests.helpers import kind_ids, make_jpeg, new_database, unit_ids, valid_id_number

UNITS = ("法律援助中心", "办公室（政治处）", "瓯南司法所")


class Office:
    """One office's PC: its database and a USB folder it writes packages to."""

    def __init__(self, name: str, database: Database, folder: Path) -> None:
        self.name, self.db, self.folder = name, database, folder
        self.sent = 0

    def send(self, to: str, full: bool = False) -> Path:
        self.sent += 1
        out = self.folder / f"{self.name}-至-{to}-{self.sent}.bjpkg"
        export_package(self.db, to, out, full=full)
        return out

    def receive(self, *packages: Path):
        return [import_package(self.db, p) for p in sorted(packages, key=package_order_key)]

    def add(self, title: str, tmp: Path, photo: bool = False, served: int = 1) -> str:
        with self.db.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            if self.name == "法律援助中心":
                data = EntryInput(
                    kind_id=kinds["legal_aid"],
                    unit_id=units[self.name],
                    entry_date=date(2018, 8, 3),
                    title=title,
                    subjects_served=served,
                    values={
                        "applicant": "李玥",
                        "relation": "本人",
                        "case_type": "民事",
                        "approved_on": "2018-08-01",
                        "result": "办理中",
                    },
                    subject=SubjectInput(
                        name="李玥",
                        category="缓刑",
                        id_number=valid_id_number(),
                        office_id=units["瓯南司法所"],
                    ),
                )
            else:
                data = EntryInput(
                    kind_id=kinds["funding"],
                    unit_id=units[self.name],
                    entry_date=date(2018, 8, 5),
                    title=title,
                    subjects_served=served,
                    values={"amount": "1200", "purpose": "帮教走访"},
                )
            if photo:
                colour = (len(title) * 37 % 255, 90, 120)
                data.photos = [
                    PhotoInput(caption="现场", path=make_jpeg(tmp / f"{title}.jpg", colour=colour))
                ]
            entry_id = ledger.save_entry(s, self.db.attachments, None, data)
            s.flush()
            return s.get(LedgerEntry, entry_id).uuid

    def edit(self, uuid: str, title: str) -> None:
        with self.db.session() as s:
            s.scalar(select(LedgerEntry).where(LedgerEntry.uuid == uuid)).title = title

    def delete(self, uuid: str) -> None:
        with self.db.session() as s:
            s.scalar(select(LedgerEntry).where(LedgerEntry.uuid == uuid)).deleted = True


def _entries(db: Database, owners: set[str] | None = None) -> set[tuple]:
    from app.models import Unit

    with db.session() as s:
        rows = s.execute(
            select(LedgerEntry.uuid, LedgerEntry.title, LedgerEntry.revision, LedgerEntry.deleted,
                   LedgerEntry.subjects_served, Unit.name)
            .join(Unit, Unit.id == LedgerEntry.owner_unit_id)
        ).all()  # fmt: skip
    return {tuple(r) for r in rows if owners is None or r[-1] in owners}


def _links(db: Database) -> set[tuple]:
    with db.session() as s:
        return set(s.execute(
            select(LedgerEntry.uuid, Attachment.sha256, EntryAttachment.deleted)
            .join(EntryAttachment, EntryAttachment.entry_id == LedgerEntry.id)
            .join(Attachment, Attachment.id == EntryAttachment.attachment_id)
        ).all())  # fmt: skip


@pytest.fixture
def offices(tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    county = Office(
        "县矫正办",
        initialise(new_database(tmp_path, "county"), TEMPLATE_KEY, "县矫正办").database,
        usb,
    )
    city = Office(
        "市矫正办",
        initialise(new_database(tmp_path, "city"), TEMPLATE_KEY, "市矫正办").database,
        usb,
    )
    units = {}
    for name in UNITS:
        with county.db.session() as s:
            write_credential(s, name, tmp_path / f"{name}.cred", TEMPLATE_KEY)
        db = initialise(str(tmp_path / f"{name}.db"), TEMPLATE_KEY, name).database
        with db.session() as s:
            join_with_credential(s, read_credential(tmp_path / f"{name}.cred"))
        units[name] = Office(name, db, usb)
    with city.db.session() as s:
        write_credential(s, "县矫正办", tmp_path / "county.cred", TEMPLATE_KEY)
    with county.db.session() as s:
        assert join_existing(s, read_credential(tmp_path / "county.cred")) == "市矫正办"
    yield county, city, units
    for office in (county, city, *units.values()):
        office.db.close()


def test_three_units_county_and_city_over_several_rounds(offices, tmp_path):
    county, city, units = offices
    legal, office, township = (units[n] for n in UNITS)

    # round 1: every unit sends its first entries (with photos); the county imports the USB stick
    first = {
        "legal": legal.add("劳动争议法律援助", tmp_path, photo=True, served=2),
        "legal2": legal.add("赡养纠纷法律援助", tmp_path),
        "office": office.add("帮教经费拨付", tmp_path, photo=True),
        "township": township.add("走访经费", tmp_path, photo=True, served=3),
    }
    packages = [u.send("县矫正办") for u in units.values()]
    summaries = county.receive(*packages)
    assert sum(s.created.get("ledger_entries", 0) for s in summaries) == 4
    assert _entries(county.db) == set().union(*(_entries(u.db) for u in units.values()))

    # the county answers each unit: acknowledgements (and its reference data, version 1)
    for unit in units.values():
        (summary,) = unit.receive(county.send(unit.name))
        assert summary.data_version >= 1

    # round 2: an edit and a deletion, a new photo entry, and the county and the township both
    # change the same entry (a conflict)
    legal.edit(first["legal"], "劳动争议法律援助（已结案）")
    legal.delete(first["legal2"])
    office.add("购置执法记录仪经费", tmp_path, photo=True)
    county.edit(first["township"], "走访经费（县里更正）")
    township.edit(first["township"], "走访经费（司法所补充）")
    packages = [u.send("县矫正办") for u in units.values()]
    by_unit = {summary.sender: summary for summary in county.receive(*packages)}
    # incremental: only what changed since the county confirmed round 1
    assert by_unit["法律援助中心"].updated == {"ledger_entries": 1}
    assert by_unit["法律援助中心"].deleted == {"ledger_entries": 1}
    assert by_unit["办公室（政治处）"].created["ledger_entries"] == 1
    assert by_unit["瓯南司法所"].conflicts == {"ledger_entries": 1}
    assert any("走访经费（司法所补充）" in line for line in by_unit["瓯南司法所"].lines())

    # both versions are kept: the county's row as the county left it, the township's on the page
    with county.db.session() as s:
        title = s.scalar(select(LedgerEntry.title).where(LedgerEntry.uuid == first["township"]))
        assert title == "走访经费（县里更正）"
        (conflict,) = open_conflicts(s)
        assert conflict.sender == "瓯南司法所" and conflict.kind_label == "台账"
        assert [(d.label, d.local, d.incoming) for d in conflict.differences] == [
            ("标题", "走访经费（县里更正）", "走访经费（司法所补充）")
        ]
        resolve(s, conflict.id, "incoming")
    assert _entries(county.db) == set().union(*(_entries(u.db) for u in units.values()))
    assert _links(county.db) == set().union(*(_links(u.db) for u in units.values()))
    with county.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CorrectionSubject)) == 1
        assert s.scalar(select(func.count()).select_from(ExchangeConflict).where(
            ExchangeConflict.resolved_at.is_(None))) == 0  # fmt: skip
    shas = {sha for _uuid, sha, _gone in _links(county.db)}
    assert len(shas) == 4 and all(county.db.attachments.has(sha) for sha in shas)

    # round 3: the township edits again after the county took its version: no conflict now
    township.edit(first["township"], "走访经费（第三轮）")
    (summary,) = county.receive(township.send("县矫正办"))
    assert summary.updated == {"ledger_entries": 1} and not summary.conflicts
    assert _entries(county.db) == set().union(*(_entries(u.db) for u in units.values()))

    # the county reports up: the city gets the aggregate and no ledger, no personal data
    city_package = county.send("市矫正办")
    assert valid_id_number().encode() not in city_package.read_bytes()
    (summary,) = city.receive(city_package)
    assert "ledger_entries" not in summary.created and "correction_subjects" not in summary.created
    with city.db.session() as s:
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == 0
        report = s.scalar(select(AggregateReport))
        figures, as_of = report.figures, report.as_of
    assert as_of == date(2018, 12, 31)  # the programme's year is over: the aggregate is the year's
    live = [e for e in set().union(*(_entries(u.db) for u in units.values())) if not e[3]]
    assert figures["totals"]["entries"] == len(live) == 4
    assert figures["totals"]["subjects_served"] == sum(e[4] for e in live)
    assert figures["totals"]["photos"] == 4
    rows = {r["name"]: r for r in figures["units"]}
    assert rows["办公室（政治处）"]["entries"] == 2 and rows["瓯南司法所"]["subjects_served"] == 3
    with county.db.session() as s:
        assert aggregate_figures(s, current_programme(s).id, as_of) == figures

    # every package, both ways, is in each office's history
    with county.db.session() as s:
        directions = s.execute(
            select(PackageLog.direction, func.count()).group_by(PackageLog.direction)
        ).all()
        # 3 + 3 + 1 in, 3 + 1 out, and the three units' keys registered by their first packages
        assert dict(directions) == {"received": 7, "sent": 4, "keys": 3}
