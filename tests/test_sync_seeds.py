"""The test seeds' worlds exchanged through real packages, county → department and back: no
package made by normal use is refused.

What made such packages refused before: a brand's evidence on an entry the county recorded for
the department (the entry stays at the county: only its owner sends it), likewise a review of a
summary the county wrote for it, and a manual value whose evidence is one department's entry,
sent to every unit. The first two are now left out at the department and counted, the last
arrives elsewhere without its evidence."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.models import (
    Brand,
    BrandEvidence,
    Indicator,
    IndicatorMeasure,
    LedgerEntry,
    ManualValue,
    PhaseSummary,
    ReviewDecision,
    SummaryReview,
    Unit,
    UnitKind,
)
from app.services import brands, ledger, manual_values, reference, summaries
from app.services.database import Database, open_database
from app.services.ledger import EntryInput
from app.services.settings import current_programme, local_unit
from app.services.setup import initialise
from app.sync.exchange import ImportSummary, export_package, import_package
from app.sync.registration import join_with_credential, read_credential, write_credential
from tests.conftest import TEMPLATE_KEY
from tests.county_world import seed_county_world
from tests.helpers import kind_ids, unit_ids
from tests.seed import AID, seed_everything


def _join(county: Database, name: str, folder: Path) -> Database:
    """A department's PC joined to the county: credential, then its first package up."""
    with county.session() as s:
        write_credential(s, name, folder / f"{name}.cred", TEMPLATE_KEY)
    unit = initialise(str(folder / f"{name}.db"), TEMPLATE_KEY, name).database
    with unit.session() as s:
        join_with_credential(s, read_credential(folder / f"{name}.cred"))
    _send(unit, county, "县矫正办", folder)
    return unit


def _send(sender: Database, recipient: Database, to: str, folder: Path) -> ImportSummary:
    """A real package from ``sender`` to the unit ``to``, imported at ``recipient``."""
    with sender.session() as s:
        name = local_unit(s).name
    path, _counts = export_package(sender, to, folder / f"{name}-{to}.bjpkg")
    return import_package(recipient, path)


def _own_entry(db: Database, title: str) -> str:
    with db.session() as s:
        entry_id = ledger.save_entry(s, db.attachments, None, EntryInput(
            # after 10-15: the county's adoption of the summary it keeps for 法律援助中心 closed
            # what that summary reported on, up to then (services.period_locks)
            kind_id=kind_ids(s)["other"], unit_id=local_unit(s).id, entry_date=date(2018, 10, 20),
            title=title, programme_id=current_programme(s).id))  # fmt: skip
        s.flush()
        return s.get_one(LedgerEntry, entry_id).uuid


def _uuids(db: Database, model, *where) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(model.uuid).where(model.deleted.is_(False), *where)))


def _evidence(db: Database) -> set[str]:
    """The titles of the entries attached to brands as evidence here."""
    with db.session() as s:
        return set(s.scalars(
            select(LedgerEntry.title).join(BrandEvidence, BrandEvidence.entry_id == LedgerEntry.id)
            .where(BrandEvidence.deleted.is_(False))))  # fmt: skip


def test_the_county_worlds_packages_reach_its_departments_and_come_back(tmp_path):
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    (tmp_path / "photos").mkdir()
    programme_id, _phase = seed_county_world(county, tmp_path / "photos")
    aid, grassroots = (_join(county, name, tmp_path) for name in (AID, "基层科"))
    try:
        sent_up = _own_entry(aid, "法律援助进司法所（中心报送）")
        _send(aid, county, "县矫正办", tmp_path)
        # the county attaches as evidence an entry it recorded for 法律援助中心 and one that
        # 法律援助中心 sent, as a clerk does on 品牌创建; and records a manual value of 法律援助中心's
        # indicator with the entry the centre sent as evidence, as on 职责与指标
        with county.session() as s:
            units = unit_ids(s)
            brand_id = s.scalar(select(Brand.id).where(Brand.name == "法援+"))
            entry_ids = dict(s.execute(select(LedgerEntry.title, LedgerEntry.id)).all())  # type: ignore[arg-type]
            brands.attach_evidence(s, brand_id, [entry_ids["法律援助中心活动 0"],
                                                 entry_ids["法律援助进司法所（中心报送）"]])  # fmt: skip
            duty = reference.list_duties(s, programme_id, units[AID])[0]
            indicator = reference.save_indicator(
                s, None, duty_id=duty.id, name="进驻司法所", measure_unit="个", annual_target=4,
                weight=0, measure=IndicatorMeasure.MANUAL, entry_kind_id=None,
                owner_unit_id=local_unit(s).id)  # fmt: skip
            manual_values.record_value(s, indicator, 2, date(2018, 10, 10), "已进驻两个所",
                                       unit_id=local_unit(s).id,
                                       evidence_entry_id=entry_ids["法律援助进司法所（中心报送）"])  # fmt: skip
            # and accepts 法律援助中心's summary, which seed_county_world wrote on the county's PC
            summary_id = s.scalar(
                select(PhaseSummary.id).where(PhaseSummary.owner_unit_id == units[AID])
            )
            summaries.review_summary(s, summary_id, ReviewDecision.ACCEPTED, "", date(2018, 10, 20),
                                     units["县矫正办"])  # fmt: skip
        at_county = {
            model: _uuids(county, model, model.owner_unit_id == units["县矫正办"])
            for model in (Brand, ManualValue, Indicator)
        }

        summary = _send(county, aid, AID, tmp_path)  # accepted: no refusal raised
        # the entry and the summary the county keeps for it: their links are left out
        assert summary.set_aside == {"brand_evidence": 1, "summary_reviews": 1}
        assert any("品牌佐证 1 条未导入" in line and "县矫正办代为登记" in line
                   for line in summary.lines())  # fmt: skip
        assert _uuids(aid, SummaryReview) == set()
        assert _evidence(aid) == {"法律援助进司法所（中心报送）"}  # its own entry, linked
        summary = _send(county, grassroots, "基层科", tmp_path)
        assert summary.set_aside == {}  # 基层科's entries are not evidence: nothing about it
        assert _evidence(grassroots) == set()
        for unit in (aid, grassroots):  # the county's records all arrived
            for model, uuids in at_county.items():
                assert uuids <= _uuids(unit, model), (unit, model)
        with grassroots.session() as s:  # the value arrived; the evidence is not 基层科's
            value = s.scalar(select(ManualValue).where(ManualValue.note == "已进驻两个所"))
            assert (value.value, value.evidence_entry_id) == (2, None)
        with aid.session() as s:  # 法律援助中心 has its entry: the value arrives with it
            value = s.scalar(select(ManualValue).where(ManualValue.note == "已进驻两个所"))
            assert value.evidence_entry.uuid == sent_up

        # and back: each department's next package is imported at the county
        for unit, name in ((aid, AID), (grassroots, "基层科")):
            uuid = _own_entry(unit, f"{name}十月走访")
            _send(unit, county, "县矫正办", tmp_path)
            assert uuid in _uuids(county, LedgerEntry)
        # a later county package (the brand moves on) still goes down without a refusal
        with county.session() as s:
            brands.set_status(s, brand_id, brands.BrandStatus.BUILDING)
        assert _send(county, aid, AID, tmp_path).updated == {"brands": 1}
        with aid.session() as s:
            assert s.get_one(Brand, s.scalar(select(Brand.id))).status == "building"
    finally:
        for db in (county, aid, grassroots):
            db.close()


def test_the_seeds_packages_import_both_ways(tmp_path):
    """seed_everything on the county's PC and on 法律援助中心's: each one's package to its partner
    PC (made by the seed through credentials and packages) is imported, and the answer too."""
    places = {}
    for here, there in (("县矫正办", AID), (AID, "县矫正办")):
        folder = tmp_path / here
        folder.mkdir()
        initialise(str(folder / "db.db"), TEMPLATE_KEY, here).database.close()
        seed_everything(folder / "db.db", folder)
        places[here] = (open_database(str(folder / "db.db")),
                        open_database(str(folder / f"partner-{there}.db")), folder)  # fmt: skip
    try:
        # the county's seed → 法律援助中心's PC: brands, milestones, the manual value arrive
        county, aid, folder = places["县矫正办"]
        with county.session() as s:
            county_id = local_unit(s).id
        summary = _send(county, aid, AID, folder)
        assert summary.created.get("brands") == 2 and summary.created.get("brand_milestones") == 1
        assert summary.created.get("manual_values") == 1
        assert summary.set_aside == {"brand_evidence": 1}  # an entry the county recorded for it
        for model in (Brand, ManualValue, Indicator):
            assert _uuids(county, model, model.owner_unit_id == county_id) <= _uuids(aid, model)
        with aid.session() as s:
            assert s.scalar(select(func.count()).select_from(BrandEvidence)) == 0

        # 法律援助中心's seed → the county's PC, and the county's answer back down
        aid, county, folder = places[AID]
        with aid.session() as s:
            aid_id = local_unit(s).id
        summary = _send(aid, county, "县矫正办", folder)
        assert summary.created.get("manual_values") == 1
        for model in (LedgerEntry, ManualValue):
            assert _uuids(aid, model, model.owner_unit_id == aid_id) <= _uuids(county, model)
        with county.session() as s:  # the department's value, with its evidence entry, arrived
            value = s.scalar(select(ManualValue).where(ManualValue.owner_unit_id != s.scalar(
                select(Unit.id).where(Unit.kind == UnitKind.COUNTY_OFFICE))))  # fmt: skip
            assert value.evidence_entry is not None and value.evidence_entry.owner_unit_id == (
                s.scalar(select(Unit.id).where(Unit.name == AID)))  # fmt: skip
        uuid = _own_entry(aid, "十月走访")
        _send(aid, county, "县矫正办", folder)
        assert uuid in _uuids(county, LedgerEntry)
        _send(county, aid, AID, folder)  # the county's answer is imported too
    finally:
        for county, partner, _folder in places.values():
            county.close()
            partner.close()
