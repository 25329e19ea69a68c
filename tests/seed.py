"""A database with a little of everything, for tests that walk the whole app."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.models import (
    BrandStatus,
    Indicator,
    IndicatorMeasure,
    LedgerEntry,
    RectificationStatus,
    ReviewDecision,
    UnitKind,
)
from app.services import (
    agreements,
    assessment,
    brands,
    inspections,
    issued_bulletins,
    ledger,
    manual_values,
    meetings,
    reference,
    summaries,
)
from app.services.brands import BrandInput
from app.services.inspections import FindingInput, InspectionInput
from app.services.ledger import EntryInput, PhotoInput
from app.services.meetings import DecisionInput, MeetingInput, ReportInput
from app.services.settings import current_programme, local_unit
from tests.conftest import open_unlocked
from tests.helpers import kind_ids, make_jpeg, make_pdf, unit_ids

AID = "法律援助中心"


def seed_everything(db_path: Path, photo_dir: Path) -> Path | None:
    """Entries (one with a photo), a meeting with a decision, an inspection with an item, a
    brand with a milestone, agreements (one issued on the county's PC), a 加减分 (on the county's
    PC) and a summary (on a
    department's PC returned by the county), each owned by this PC's unit where the rules ask
    for it."""
    db = open_unlocked(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        here = local_unit(s)
        programme_id = current_programme(s).id
        county = here.name in ("县矫正办", "社区矫正科")
        unit_id = units[AID] if county else here.id
        photo = make_jpeg(photo_dir / "photo.jpg")
        entry_ids = []
        for n in range(3):
            entry_id = ledger.save_entry(
                s,
                db.attachments,
                None,
                EntryInput(
                    kind_id=kinds["other"],
                    unit_id=here.id if not county else unit_id,
                    entry_date=date(2018, 7, 1 + n),
                    title=f"走访结对司法所 {n}",
                    photos=[PhotoInput(path=photo, caption="走访")] if n == 0 else [],
                    programme_id=programme_id,
                ),
            )
            entry_ids.append(entry_id)
        meetings.save_meeting(
            s,
            None,
            MeetingInput(
                programme_id=programme_id,
                meeting_date=date(2018, 7, 30),
                chair="张副局长",
                attendees="各科室负责人",
                location="三楼会议室",
                reports=[ReportInput(unit_id=units[AID], progress="办理法律援助案件 12 件。")],
                decisions=[
                    DecisionInput(
                        text="走访结对司法所",
                        responsible_unit_id=units[AID],
                        due_date=date(2018, 8, 10),
                    )
                ],
            ),
            here.id,
            date(2018, 12, 31),
        )
        if county:
            inspection = inspections.record_inspection(
                s,
                InspectionInput(
                    inspection_date=date(2018, 8, 15),
                    inspectors="王芳",
                    inspected_unit_id=units[AID],
                    findings=[
                        FindingInput(
                            text="台账照片不全",
                            rectify=True,
                            responsible_unit_id=units[AID],
                            deadline=date(2018, 9, 15),
                        )
                    ],
                    programme_id=programme_id,
                ),
                here.id,
            )
            item = inspection.items[0]
            inspections.report_progress(
                s,
                item.id,
                RectificationStatus.RECTIFIED,
                "已补齐照片",
                date(2018, 9, 1),
                units[AID],
            )
            brand_id = brands.create_brand(
                s,
                programme_id,
                BrandInput(
                    name="法援+",
                    lead_unit_id=units[AID],
                    participant_ids=[units["瓯南司法所"]],
                    description="法律援助律师进驻司法所。",
                ),
            )
            brands.add_milestone(s, brand_id, "制定方案", date(2018, 8, 31))
            brands.attach_evidence(s, brand_id, entry_ids[:1])
            brands.create_brand(
                s,
                programme_id,
                BrandInput(name="调解+", lead_unit_id=units["基层科"], description="调解进社区。"),
            )
            brands.set_status(s, brand_id, BrandStatus.BUILDING)
            agreements.create_all_drafts(s, programme_id, here.id)
            rows = agreements.list_agreements(s, programme_id)
            for row in rows[:2]:
                agreements.issue(s, db.attachments, row.agreement_id, date(2018, 6, 28))
            agreements.sign(
                s,
                db.attachments,
                rows[0].agreement_id,
                signed_on=date(2018, 6, 29),
                party_a_signatory="李明",
                party_b_signatory="王芳",
                scans=[make_pdf(photo_dir / "scan.pdf")],
            )
        # a second meeting (the crawl deletes one, and 生成纪要/打印纪要 still need a meeting)
        # and, on the county's PC, an item still to be rectified (报告整改进展 needs one)
        meetings.save_meeting(
            s,
            None,
            MeetingInput(
                programme_id=programme_id,
                meeting_date=date(2018, 8, 30),
                chair="张副局长",
                reports=[ReportInput(unit_id=units[AID], progress="走访结对司法所 3 次。")],
            ),
            here.id,
            date(2018, 12, 31),
        )
        if county:
            inspections.add_item(
                s, inspection.id, "结对走访记录缺失", units[AID], date(2018, 10, 15), here.id
            )
        phase = next(p for p in current_programme(s).phases if p.deadline)
        summary = summaries.start_summary(s, programme_id, unit_id, phase.id)
        summaries.submit_summary(s, summary.id, phase.deadline)
        if county:
            other = summaries.start_summary(s, programme_id, units["基层科"], phase.id)
            summaries.submit_summary(s, other.id, phase.deadline)
            assessment.record_adjustment(s, programme_id=programme_id, unit_id=units[AID],
                                         points=-1, reason="例会材料迟报", on=date(2018, 8, 1))  # fmt: skip
            assessment.record_judgement(s, programme_id=programme_id, unit_id=units[AID],
                                        item_key="leadership", score=4, reason="责任状、台账齐全",
                                        on=date(2018, 9, 1))  # fmt: skip
            issued_bulletins.publish(
                s, programme_id, date(2018, 9, 30), issued_on=date(2018, 10, 8)
            )
        else:  # the county's decision, as its package brings it: returned, to be resubmitted
            summaries.review_summary(s, summary.id, ReviewDecision.RETURNED, "请补充典型案例。",
                                     date(2018, 10, 20), units["县矫正办"])  # fmt: skip
        if county:
            _manual_indicator(s, programme_id, here.id, units[AID], entry_ids[0])
            _statistics_reports(s, programme_id, units)
    db.close()
    pending = seed_exchange(db_path, photo_dir)
    seed_new_keys(db_path, photo_dir)
    return pending


def _statistics_reports(s, programme_id: int, units: dict[str, int]) -> None:
    """December's monthly reports (the period the county's 统计报表 page opens on): 基层科's
    accepted (解锁台账… has one), 律师管理科's and 法律援助中心's submitted (受理, 退回…)."""
    from app.models import StatisticsDecision
    from app.services import statistics_reports

    for name in ("基层科", "律师管理科", AID):
        report = statistics_reports.start_report(s, programme_id, units[name], "monthly",
                                                 date(2018, 12, 1))  # fmt: skip
        statistics_reports.submit_report(s, report.id, date(2019, 1, 4))
        if name == "基层科":
            statistics_reports.review_report(s, report.id, StatisticsDecision.ACCEPTED, "",
                                             date(2019, 1, 8))  # fmt: skip


def _manual_indicator(s, programme_id: int, here_id: int, aid_id: int, aid_entry_id: int) -> None:
    """At the county, a manual indicator with a value where the button crawl leaves the 职责与指标
    page (the first department, its last duty: the crawl clicks the duties, then the indicators,
    then the departments), with one of 法律援助中心's entries as evidence when that department
    comes first."""
    department_id = reference.list_units(s, UnitKind.DEPARTMENT)[0].id
    duties = reference.list_duties(s, programme_id, department_id)
    duty = duties[min(len(duties), 12) - 1]
    indicator_id = reference.save_indicator(
        s, None, duty_id=duty.id, name="纳入年度工作计划", measure_unit="项", annual_target=1,
        weight=0, measure=IndicatorMeasure.MANUAL, entry_kind_id=None, owner_unit_id=here_id,
    )  # fmt: skip
    manual_values.record_value(
        s, indicator_id, 1, date(2018, 7, 5), "已纳入", unit_id=here_id,
        evidence_entry_id=aid_entry_id if department_id == aid_id else None,
    )  # fmt: skip


def _department_indicator(county_db, department_db, work_dir: Path, department: str) -> None:
    """A manual indicator the department enters itself, as the county makes one (reference
    data is the county's: a department's PC only reads it) and sends it down in a real package;
    then the department records its value with one of its own entries as evidence."""
    from app.sync.exchange import export_package, import_package

    with county_db.session() as s:
        programme_id = current_programme(s).id
        duties = reference.list_duties(s, programme_id, unit_ids(s)[department])
        indicator_id = reference.save_indicator(
            s, None, duty_id=duties[min(len(duties), 12) - 1].id, name="纳入年度工作计划",
            measure_unit="项", annual_target=1, weight=0, measure=IndicatorMeasure.MANUAL,
            entry_kind_id=None, owner_unit_id=local_unit(s).id, entered_by_department=True,
        )  # fmt: skip
        s.flush()
        indicator_uuid = s.get_one(Indicator, indicator_id).uuid
    down = export_package(county_db, department, work_dir / "seed-down.bjpkg")[0]
    import_package(department_db, down)
    with department_db.session() as s:
        here = local_unit(s)
        evidence = s.scalar(
            select(LedgerEntry.id)
            .where(LedgerEntry.owner_unit_id == here.id, LedgerEntry.deleted.is_(False))
            .order_by(LedgerEntry.entry_date)
        )
        manual_values.record_value(
            s, s.scalar(select(Indicator.id).where(Indicator.uuid == indicator_uuid)), 1,
            date(2018, 7, 5), "已纳入", unit_id=here.id, evidence_entry_id=evidence,
        )  # fmt: skip


def _own_entry(database, day: date, title: str) -> None:
    """An entry of the database's own unit."""
    with database.session() as s:
        ledger.save_entry(
            s,
            database.attachments,
            None,
            EntryInput(
                kind_id=kind_ids(s)["other"],
                unit_id=local_unit(s).id,
                entry_date=day,
                title=title,
                programme_id=current_programme(s).id,
            ),
        )


def seed_exchange(db_path: Path, work_dir: Path) -> Path | None:
    """A real partner PC joined to this one by credential and packages, so that 数据交换 has a
    recipient to export to: at the county, 法律援助中心's PC, whose ledger entry both sides
    then changed (a conflict waits to be settled); at a department, the county's PC, which
    received the department's first package and sent down a manual indicator the department
    enters (:func:`_department_indicator`).

    Returns, at the county, a further package from 法律援助中心 not yet imported."""
    from app.models import Unit
    from app.services.setup import initialise
    from app.sync.exchange import export_package, import_package
    from app.sync.registration import join_existing, read_credential, write_credential

    here = open_unlocked(str(db_path))
    with here.session() as s:
        name, template = local_unit(s).name, current_programme(s).template_key
    county = name == "县矫正办"
    partner_name, joiner = (AID, AID) if county else ("县矫正办", name)
    partner_file = str(work_dir / f"partner-{partner_name}.db")
    partner = initialise(partner_file, template, partner_name).database
    issuer, joining = (here, partner) if county else (partner, here)
    credential = work_dir / f"{joiner}.cred"
    with issuer.session() as s:
        write_credential(s, joiner, credential, template)
    with joining.session() as s:
        join_existing(s, read_credential(credential))
    if not county:  # the department's first package, then the county's indicator for it
        first, _counts = export_package(here, partner_name, work_dir / "seed-up.bjpkg")
        import_package(partner, first)
        _department_indicator(partner, here, work_dir, name)
    if county:
        _own_entry(partner, date(2018, 7, 9), "普法宣传")
        first, _counts = export_package(partner, name, work_dir / "seed-1.bjpkg")
        import_package(here, first)
        for place, title in ((here, "普法宣传（县里更正）"), (partner, "普法宣传（中心补充）")):
            with place.session() as s:
                s.scalar(select(LedgerEntry).where(LedgerEntry.title == "普法宣传")).title = title
        second, _counts = export_package(partner, name, work_dir / "seed-2.bjpkg")
        import_package(here, second)
        _own_entry(partner, date(2018, 7, 20), "法律援助值班")
        pending: Path | None = export_package(partner, name, work_dir / "seed-3.bjpkg")[0]
    else:  # the county's published bulletin, as its package brings it
        from app.models import IssuedBulletin

        with partner.session() as s:
            issued = issued_bulletins.publish(s, current_programme(s).id, date(2018, 9, 30),
                                              issued_on=date(2018, 10, 8))  # fmt: skip
            copied = {k: getattr(issued, k) for k in ("uuid", "number", "as_of", "issued_on",
                                                      "title", "snapshot")}  # fmt: skip
        with here.session() as s:
            county_id = s.scalar(select(Unit.id).where(Unit.kind == UnitKind.COUNTY_OFFICE))
            s.add(IssuedBulletin(programme_id=current_programme(s).id, owner_unit_id=county_id,
                                 **copied))  # fmt: skip
        pending = None
    partner.close()
    here.close()
    return pending


def seed_new_keys(db_path: Path, work_dir: Path) -> None:
    """At the county: 法律援助中心 moved to a new PC with a re-issued credential, whose first
    package was held, so that 数据交换 shows new keys to confirm (核对新密钥…)."""
    from app.sync.exchange import export_package, import_package
    from app.sync.keys import NewKeysPresented
    from app.sync.registration import (
        initialise_from_credential,
        read_credential,
        write_credential,
    )

    here = open_unlocked(str(db_path))
    with here.session() as s:
        county, template = local_unit(s).name == "县矫正办", current_programme(s).template_key
    if not county:
        here.close()
        return
    credential = work_dir / f"{AID}-重新发放.cred"
    with here.session() as s:
        write_credential(s, AID, credential, template, reissue=True)
    new_pc = initialise_from_credential(
        str(work_dir / "partner-new-pc.db"), read_credential(credential)
    ).database
    package = export_package(new_pc, "县矫正办", work_dir / "seed-new-pc.bjpkg")[0]
    new_pc.close()
    try:
        import_package(here, package)
    except NewKeysPresented:
        pass  # held: the keys wait on the page
    else:
        raise AssertionError("a new PC's package should wait for its keys to be confirmed")
    finally:
        here.close()
