"""A county database with what the city office's report shows: three submitted summaries with
photos, the county's own summary, agreements signed / issued / not issued, meetings held and a
month missed, an inspection with an overdue rectification, and a brand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.models import Phase
from app.services import (
    agreements,
    brands,
    county_summary,
    inspections,
    ledger,
    meetings,
    summaries,
)
from app.services.brands import BrandInput
from app.services.database import Database
from app.services.inspections import FindingInput, InspectionInput
from app.services.ledger import EntryInput, PhotoInput
from app.services.meetings import MeetingInput, ReportInput
from app.services.settings import current_programme, local_unit
from tests.helpers import kind_ids, make_jpeg, make_pdf, unit_ids

WRITERS = ("法律援助中心", "基层科", "律师管理科")  # the departments that submit
NARRATIVE = {
    "基本情况": "全县各科室按照实施方案分工，全面参与社区矫正大帮教工作。",
    "主要做法与成效": "一是挂钩结对走访司法所；二是开展法律援助和法治教育。",
    "存在问题": "部分科室台账记录不够及时。",
    "下步打算": "下一步将完善考核办法，推动大帮教常态化。",
}


def seed_county_world(database: Database, photo_dir: Path) -> tuple[int, int]:
    """Fill the county database (its local unit is 县矫正办); (programme id, phase id) of the
    总结提升 phase whose report it is."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme_id = current_programme(s).id
        here = local_unit(s)
        assert here is not None
        phase_id = s.scalar(select(Phase.id).where(Phase.name == "总结提升"))
        for d, name in enumerate(WRITERS):
            for n in range(5):
                photo = make_jpeg(photo_dir / f"{d}-{n}.jpg", size=(1200, 900),
                                  colour=(40 * n, 60 + 50 * d, 120))  # fmt: skip
                ledger.save_entry(s, database.attachments, None, EntryInput(
                    kind_id=kinds["hotline" if name == "法律援助中心" else "other"],
                    unit_id=units[name], entry_date=date(2018, 10, 2 + n),
                    title=f"{name}活动 {n}", subjects_served=n + 1,
                    values={"calls": 2} if name == "法律援助中心" else {},
                    photos=[PhotoInput(caption=f"{name}现场 {n}", path=photo)],
                ))  # fmt: skip
            summary = summaries.start_summary(s, programme_id, units[name], phase_id)
            sections = dict(summary.sections)
            sections["主要做法与成效"] = f"{name}主要做法。" * 40
            sections["下步打算"] = f"{name}下步打算。" * 12
            chosen = [(p.attachment_id, p.caption)
                      for p in summaries.candidate_photos(s, summary)]  # fmt: skip
            summaries.save_summary(s, summary.id, sections, chosen)
            summaries.submit_summary(s, summary.id, date(2018, 10, 12 + d))
        narrative = county_summary.start_county_summary(s, programme_id, phase_id)
        county_summary.save_county_summary(s, narrative.id, NARRATIVE)
        # agreements: 法律援助中心 signed, 基层科 issued, the rest drafts (not issued)
        agreements.create_all_drafts(s, programme_id, here.id)
        rows = {r.department: r for r in agreements.list_agreements(s, programme_id)}
        for name in ("法律援助中心", "基层科"):
            agreements.issue(s, database.attachments, rows[name].agreement_id, date(2018, 6, 28))
        agreements.sign(s, database.attachments, rows["法律援助中心"].agreement_id,
                        signed_on=date(2018, 6, 29), party_a_signatory="李明",
                        party_b_signatory="王芳", scans=[make_pdf(photo_dir / "scan.pdf")])  # fmt: skip
        # meetings: October and December held, November missed
        for when in (date(2018, 10, 30), date(2018, 12, 20)):
            meetings.save_meeting(s, None, MeetingInput(
                programme_id=programme_id, meeting_date=when, chair="张副局长",
                reports=[ReportInput(unit_id=units["法律援助中心"], progress="办理案件 3 件。")],
            ), here.id, date(2018, 12, 31))  # fmt: skip
        # an inspection: one item rectified, one overdue
        inspection = inspections.record_inspection(s, InspectionInput(
            inspection_date=date(2018, 10, 20), inspectors="王芳", inspected_unit_id=units["基层科"],
            findings=[FindingInput(text="结对走访记录缺失", rectify=True,
                                   responsible_unit_id=units["基层科"], deadline=date(2018, 11, 10)),
                      FindingInput(text="台账照片不全", rectify=True,
                                   responsible_unit_id=units["法律援助中心"],
                                   deadline=date(2018, 11, 10))],
            programme_id=programme_id,
        ), here.id)  # fmt: skip
        done = next(i for i in inspection.items if i.finding == "台账照片不全")
        inspections.report_progress(s, done.id, inspections.RectificationStatus.RECTIFIED,
                                    "已补齐照片", date(2018, 11, 1), units["法律援助中心"])  # fmt: skip
        brands.create_brand(s, programme_id, BrandInput(
            name="法援+", lead_unit_id=units["法律援助中心"], description="法律援助律师进驻司法所。",
        ))  # fmt: skip
    return programme_id, phase_id
