"""Phase summaries: figures from the ledger, lifecycle and late marking, and the two PDFs."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.models import LedgerEntry, Phase, ReviewDecision, SummaryStatus
from app.reports.summary_pdf import PHOTO_MAX_SIDE, render_county_summary, render_department_summary
from app.services import ledger, summaries
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.goals import departments
from app.services.ledger import EntryInput, PhotoInput
from app.services.settings import current_programme
from app.services.summary_reports import county_report, department_report
from tests.helpers import kind_ids, make_jpeg, unit_ids

HOTLINE = "hotline"
VISIT = "pairing_visit"


@pytest.fixture
def seeded(database, tmp_path):
    """法律援助中心 with hotline entries in and out of 组织实施, a pairing visit (and a hotline
    entry naming the paired office, which is no visit) and photos."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme = current_programme(s)
        phase = s.scalar(select(Phase).where(Phase.name == "组织实施"))
        plan = [  # date, subjects served, paired office, photo
            (date(2018, 5, 20), 2, None, False),
            (date(2018, 6, 3), 3, "瓯南司法所", True),
            (date(2018, 7, 9), 4, None, True),
            (date(2018, 9, 30), 1, "瓯南司法所", False),
            (date(2018, 10, 2), 5, None, False),  # after the phase: in no figure of it
        ]
        for n, (when, served, office, photo) in enumerate(plan):
            visit = n == 1  # the one 走访 (挂钩结对走访); the hotline entry on 9-30 is none
            data = EntryInput(
                kind_id=kinds[VISIT if visit else HOTLINE],
                unit_id=units["法律援助中心"],
                entry_date=when,
                title=f"12348 热线 {n}",
                subjects_served=served,
                values={"visitors": "张三", "content": "工作对接"} if visit else {"calls": 3},
                paired_office_id=units[office] if office else None,
            )
            if photo:
                big = make_jpeg(tmp_path / f"p{n}.jpg", size=(3000, 2000), colour=(40 * n, 90, 120))
                data.photos = [PhotoInput(caption=f"现场 {n}", path=big)]
            ledger.save_entry(s, database.attachments, None, data)
        deleted = ledger.save_entry(
            s,
            database.attachments,
            None,
            EntryInput(
                kind_id=kinds[HOTLINE],
                unit_id=units["法律援助中心"],
                entry_date=date(2018, 7, 1),
                title="作废",
                subjects_served=9,
                values={"calls": 1},
            ),
        )
        ledger.delete_entry(s, deleted)
        return programme.id, phase.id, units


def _independent(database, department_id, start, end) -> tuple[int, int]:
    with database.session() as s:
        rows = s.execute(
            select(LedgerEntry.entry_date, LedgerEntry.subjects_served, LedgerEntry.deleted)
            .where(LedgerEntry.owner_unit_id == department_id)
        ).all()  # fmt: skip
    live = [r for r in rows if not r.deleted and start <= r.entry_date <= end]
    return len(live), sum(r.subjects_served for r in live)


def test_figures_equal_those_counted_from_the_ledger(database, seeded):
    programme_id, phase_id, units = seeded
    legal = units["法律援助中心"]
    with database.session() as s:
        figures = summaries.summary_figures(s, programme_id, legal, phase_id)
        text = summaries.draft_sections(figures)["基本情况"]
    assert (figures.period_entries, figures.period_served) == _independent(
        database, legal, date(2018, 6, 1), date(2018, 9, 30)
    ) == (3, 8)  # fmt: skip
    # the phase began before the programme (2018-06-28): its "year" counts from the phase's start
    assert (figures.year_entries, figures.year_served) == _independent(
        database, legal, date(2018, 6, 1), date(2018, 9, 30)
    ) == (3, 8)  # fmt: skip
    assert [(v.office, v.period_count) for v in figures.visits] == [("瓯南司法所", 1)]
    assert figures.paired_offices == ["瓯南司法所"] and figures.photos_available == 2
    hotline = next(i for i in figures.indicators if "12348" in i.name)
    assert hotline.actual == 5  # served by hotline entries from 06-28 to the phase's end
    assert "共记录大帮教工作台账 3 条" in text and "服务社区矫正对象 8 人次" in text
    assert "走访结对司法所 1 次" in text


def test_lifecycle_frozen_returned_resubmitted_accepted_and_late(database, seeded):
    programme_id, _phase, units = seeded
    legal = units["法律援助中心"]
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, legal, None)  # the year, due 10-15
        assert summaries.deadline_for(s, programme_id, None) == date(2018, 10, 15)
        photos = summaries.candidate_photos(s, summary)
        assert len(photos) == 1  # the year counts from 06-28: not the photo of 06-03
        with pytest.raises(FormErrors) as bad:
            summaries.save_summary(
                s, summary.id, {"基本情况": "x" * 7000}, [(photos[0].attachment_id, "")]
            )
        assert (
            set(bad.value.errors) == {"基本情况", "photos"} and "说明" in bad.value.errors["photos"]
        )
        assert summaries.chosen_photos(s, summary) == []  # nothing saved
        sections = {**summary.sections, "典型案例": "社区矫正对象李某通过法律援助追回欠薪。"}
        summaries.save_summary(
            s, summary.id, sections, [(p.attachment_id, p.caption) for p in photos]
        )
        summaries.submit_summary(s, summary.id, date(2018, 10, 14))
        with pytest.raises(ValidationError, match="已提交"):
            summaries.save_summary(s, summary.id, sections, [])
        with pytest.raises(ValidationError, match="写明"):
            summaries.review_summary(
                s, summary.id, ReviewDecision.RETURNED, " ", date(2018, 10, 17), units["县矫正办"]
            )
        summaries.review_summary(s, summary.id, ReviewDecision.RETURNED, "请补充典型案例的结果。",
                                 date(2018, 10, 17), units["县矫正办"])  # fmt: skip
        row = next(
            r for r in summaries.summary_rows(s, programme_id, None) if r.department_id == legal
        )
        assert (row.status, row.comment, row.late) == (
            SummaryStatus.RETURNED,
            "请补充典型案例的结果。",
            False,
        )
        assert row.overdue(
            date(2018, 10, 18)
        )  # returned after the deadline: waiting again, overdue
        summaries.save_summary(s, summary.id, {**sections, "典型案例": "追回欠薪 2 万元。"}, [])
        assert summaries.status_of(s, summary) == SummaryStatus.DRAFT
        summaries.submit_summary(s, summary.id, date(2018, 10, 19))
        assert (
            summaries.status_of(s, summary) == SummaryStatus.SUBMITTED
        )  # the old return is history
        summaries.review_summary(
            s, summary.id, ReviewDecision.ACCEPTED, "", date(2018, 10, 20), units["县矫正办"]
        )
        row = next(
            r for r in summaries.summary_rows(s, programme_id, None) if r.department_id == legal
        )
        assert (row.status_label, row.submitted_on, row.late) == (
            "已采用",
            date(2018, 10, 19),
            True,
        )
        with pytest.raises(ValidationError, match="采用"):
            summaries.submit_summary(s, summary.id, date(2018, 10, 21))
        others = [
            r for r in summaries.summary_rows(s, programme_id, None) if r.department_id != legal
        ]
        assert len(others) == 6 and all(
            r.status is None and r.overdue(date(2018, 10, 16)) for r in others
        )
        assert not others[0].overdue(date(2018, 10, 15))  # the deadline day itself is not late


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages))


def _images(reader: PdfReader) -> list[tuple[int, int]]:
    sizes = []
    for page in reader.pages:
        objects = page["/Resources"].get("/XObject", {})
        for ref in objects.values():
            image = ref.get_object()
            if image.get("/Subtype") == "/Image":
                sizes.append((int(image["/Width"]), int(image["/Height"])))
    return sizes


def test_department_pdf_has_figures_text_and_reduced_photos(database, seeded):
    programme_id, phase_id, units = seeded
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units["法律援助中心"], phase_id)
        photos = summaries.candidate_photos(s, summary)
        summaries.save_summary(
            s,
            summary.id,
            summary.sections,
            [(p.attachment_id, f"说明{n}") for n, p in enumerate(photos)],
        )
        pdf = render_department_summary(department_report(s, database.attachments, summary.id))
    reader, text = _text(pdf)
    assert "法律援助中心社区矫正“大帮教”工作总结（组织实施阶段）" in text
    assert "工作统计" in text and "12348热线服务" in text and "合计" in text
    assert "说明0" in text and "说明1" in text and "草稿" in text
    sizes = _images(reader)
    assert len(sizes) == 2 and all(max(w, h) <= PHOTO_MAX_SIDE for w, h in sizes)  # 3000 px in
    fonts = {
        f.get_object()["/BaseFont"] for p in reader.pages for f in p["/Resources"]["/Font"].values()
    }
    assert fonts and all("+" in name for name in fonts), fonts  # embedded subsets, no Helvetica
    assert len(pdf) < 600_000


def test_county_pdf_lists_every_department_with_bookmarks(database, seeded):
    programme_id, _phase, units = seeded
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units["法律援助中心"], None)
        photos = summaries.candidate_photos(s, summary)
        summaries.save_summary(
            s, summary.id, summary.sections, [(photos[0].attachment_id, "热线现场")]
        )
        summaries.submit_summary(s, summary.id, date(2018, 10, 12))
        draft = summaries.start_summary(s, programme_id, units["基层科"], None)
        report = county_report(s, database.attachments, programme_id, None, date(2018, 12, 31))
        names = [d.name for d in departments(s)]
    pdf = render_county_summary(report)
    reader, text = _text(pdf)
    assert draft is not None and len(report.chapters) == 1
    for name in names:
        assert name in text
    assert "基层科草稿" in text and "律师管理科未开始" in text and "逾期未报" in text  # the table
    assert text.count("律师管理科未开始") == 1  # the not-submitted listed once
    assert "目录" in text and "目标完成情况" in text and "热线现场" in text
    assert [d for d, _items in report.indicators] == names  # every department's indicators
    assert (
        "律师授课修心教育法律讲座" in text
        or "律师管理科" in text.split("六、各科室量化指标完成情况")[-1]
    )
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline[:7] == [
        "一、全县工作总结",
        "二、目标完成情况",
        "三、考核得分和排名",
        "四、责任状签订情况",
        "五、月度例会召开情况",
        "六、各科室量化指标完成情况",
        "七、各科室总结报送情况",
    ]
    assert "附件：图片资料" in outline
    nested = [i.title for part in reader.outline if isinstance(part, list) for i in part]
    assert "（一）法律援助中心" in nested
    assert "— 1 —" not in reader.pages[0].extract_text()  # the cover has no page number
    assert all(max(w, h) <= PHOTO_MAX_SIDE for w, h in _images(reader))


def test_command_line_writes_both_pdfs_and_refuses_an_unknown_phase(db_path, tmp_path, capsys):
    out = tmp_path / "法援.pdf"
    assert main(["--db", str(db_path), "summary", "pdf", "--department", "法律援助中心",
                 "--phase", "总结提升", "--out", str(out)]) == 0  # fmt: skip
    assert "法律援助中心的总结（尚未开始，按台账数据生成的初稿）" in capsys.readouterr().out
    assert "（总结提升阶段）" in _text(out.read_bytes())[1]
    assert main(["--db", str(db_path), "summary", "pdf", "--department", "法律援助中心",
                 "--phase", "总结提升", "--out", str(out)]) == 0  # fmt: skip
    assert "尚未开始" in capsys.readouterr().out  # the first call left no draft behind
    county = tmp_path / "全县.pdf"
    assert main(["--db", str(db_path), "summary", "county", "--out", str(county)]) == 0
    assert "已报送 0/7 个科室" in capsys.readouterr().out
    assert main(["--db", str(db_path), "summary", "pdf", "--department", "法律援助中心",
                 "--phase", "夏天", "--out", str(tmp_path / "x.pdf")]) == 2  # fmt: skip
    assert "没有名为“夏天”的阶段" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_a_summary_travels_up_and_the_countys_return_travels_down(tmp_path):
    from app.services.setup import initialise
    from app.sync.exchange import export_package, import_package
    from app.sync.registration import join_with_credential, read_credential, write_credential
    from tests.conftest import TEMPLATE_KEY

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    with county.session() as s:
        write_credential(s, "法律援助中心", tmp_path / "c.cred", TEMPLATE_KEY)
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, "法律援助中心").database
    with unit.session() as s:
        join_with_credential(s, read_credential(tmp_path / "c.cred"))
        programme_id, legal = current_programme(s).id, unit_ids(s)["法律援助中心"]
        ledger.save_entry(
            s,
            unit.attachments,
            None,
            EntryInput(
                kind_id=kind_ids(s)[HOTLINE],
                unit_id=legal,
                entry_date=date(2018, 9, 3),
                title="热线",
                values={"calls": 1},
                photos=[
                    PhotoInput(
                        caption="现场", path=make_jpeg(tmp_path / "p.jpg", size=(3000, 2000))
                    )
                ],
            ),
        )
        summary = summaries.start_summary(s, programme_id, legal, None)
        photo = summaries.candidate_photos(s, summary)[0]
        summaries.save_summary(s, summary.id, summary.sections, [(photo.attachment_id, "热线现场")])
        summaries.submit_summary(s, summary.id, date(2018, 10, 14))
    try:
        import_package(county, export_package(unit, "县矫正办", tmp_path / "up1.bjpkg")[0])
        assert county.attachments.print_copy_path(photo.sha256).exists()  # made as it arrived
        with county.session() as s:
            (row,) = [
                r
                for r in summaries.summary_rows(s, programme_id, None)
                if r.department == "法律援助中心"
            ]
            assert row.status == SummaryStatus.SUBMITTED and row.submitted_on == date(2018, 10, 14)
            summaries.review_summary(s, row.summary_id, ReviewDecision.RETURNED, "请补充典型案例。",
                                     date(2018, 10, 16), unit_ids(s)["县矫正办"])  # fmt: skip
        import_package(unit, export_package(county, "法律援助中心", tmp_path / "down.bjpkg")[0])
        with unit.session() as s:
            (row,) = [
                r
                for r in summaries.summary_rows(s, programme_id, None)
                if r.department == "法律援助中心"
            ]
            assert (row.status, row.comment) == (SummaryStatus.RETURNED, "请补充典型案例。")
            summary = summaries.find_summary(s, programme_id, legal, None)
            summaries.save_summary(
                s, summary.id, {**summary.sections, "典型案例": "追回欠薪。"}, []
            )
            summaries.submit_summary(s, summary.id, date(2018, 10, 17))
        import_package(county, export_package(unit, "县矫正办", tmp_path / "up2.bjpkg")[0])
        with county.session() as s:
            (row,) = [
                r
                for r in summaries.summary_rows(s, programme_id, None)
                if r.department == "法律援助中心"
            ]
            assert (row.status, row.submitted_on, row.late) == (
                SummaryStatus.SUBMITTED,
                date(2018, 10, 17),
                True,
            )
    finally:
        county.close()
        unit.close()


@pytest.mark.sqlite_only(
    reason="looks at the photo store's folder (a server's store is rows: tests/test_migrate_db.py)"
)
def test_print_copies_are_kept_beside_the_store_and_removed_with_the_photo(database, seeded):
    programme_id, phase_id, units = seeded
    with database.session() as s:
        summary = summaries.start_summary(s, programme_id, units["法律援助中心"], phase_id)
        photo = summaries.candidate_photos(s, summary)[0]
        summaries.save_summary(s, summary.id, summary.sections, [(photo.attachment_id, "现场")])
        render_department_summary(department_report(s, database.attachments, summary.id))
    store = database.attachments
    copy = store.print_copy_path(photo.sha256)
    from PIL import Image

    with Image.open(io.BytesIO(store.print_copy_bytes(photo.sha256))) as image:
        assert image.format == "JPEG" and max(image.size) <= PHOTO_MAX_SIDE  # 3000 px in
    store.remove_files(photo.sha256)
    assert not copy.exists() and not store.has(photo.sha256)
