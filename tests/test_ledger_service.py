"""Ledger entries: validation, subjects, filters, sorting, paging, delete/undo, indicator actuals."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import CorrectionSubject, Duty, Indicator, LedgerEntry, Programme, Unit
from app.services import ledger
from app.services.forms import FormErrors
from app.services.ledger import EntryInput, LedgerFilter, PhotoInput
from app.services.progress import department_progress, indicator_progress
from app.services.subjects import SubjectInput
from tests.helpers import dump, kind_ids, make_jpeg, unit_ids, valid_id_number

LECTURE = {
    "lecturer": "王律师",
    "lecturer_role": "律师",
    "topic": "社区矫正法律责任",
    "attendees": "25",
}
LEGAL_AID = {
    "applicant": "李玥",
    "relation": "本人",
    "case_type": "民事",
    "approved_on": "2018-08-01",
    "result": "办理中",
}


@pytest.fixture
def ids(database):
    with database.session() as s:
        return unit_ids(s), kind_ids(s)


def _save(database, data: EntryInput, entry_id: int | None = None) -> int:
    with database.session() as s:
        return ledger.save_entry(s, database.attachments, entry_id, data)


def _count(database) -> int:
    with database.session() as s:
        return len(s.scalars(select(LedgerEntry.id)).all())


def test_a_valid_entry_is_saved_with_typed_values(database, ids, tmp_path):
    units, kinds = ids
    photo = make_jpeg(tmp_path / "现场.jpg")
    entry_id = _save(
        database,
        EntryInput(
            kind_id=kinds["lecture"],
            unit_id=units["律师管理科"],
            entry_date="2018-07-12",
            title="  山口司法所  修心教育法律讲座 ",
            paired_office_id=units["山口司法所"],
            subjects_served="23",
            values=LECTURE,
            photos=[PhotoInput(caption="讲座现场", path=photo)],
        ),
    )
    with database.session() as s:
        detail = ledger.get_entry(s, entry_id)
    assert detail.title == "山口司法所 修心教育法律讲座"
    assert detail.values["attendees"] == 25 and detail.subjects_served == 23
    assert detail.entry_date == date(2018, 7, 12)
    assert [(p.original_name, p.caption) for p in detail.photos] == [("现场.jpg", "讲座现场")]


def test_every_problem_is_reported_at_once_and_nothing_is_saved(database, ids):
    units, kinds = ids
    before = _count(database)
    with pytest.raises(FormErrors) as error:
        _save(
            database,
            EntryInput(
                kind_id=kinds["lecture"],
                unit_id=units["律师管理科"],
                entry_date="2018-13-01",
                title="",
                subjects_served="-2",
                values={"attendees": "0"},
            ),
        )
    assert error.value.errors == {
        "entry_date": "“日期”2018-13-01 这一天不存在，请核对。",
        "title": "请填写标题。",
        "subjects_served": "服务矫正对象人数不能为负数。",
        "lecturer": "请填写“主讲人”。",
        "lecturer_role": "请选择“主讲人身份”。",
        "topic": "请填写“讲座主题”。",
        "attendees": "“参加人次”不能小于 1。",
        "photos": "“修心教育法律讲座”至少要附 1 张照片。",
    }
    assert _count(database) == before


def test_a_bad_photo_refuses_the_whole_entry(database, ids, tmp_path):
    units, kinds = ids
    fake = tmp_path / "fake.jpg"
    fake.write_text("not a photo")
    with pytest.raises(FormErrors) as error:
        _save(
            database,
            EntryInput(
                kind_id=kinds["other"],
                unit_id=units["基层科"],
                entry_date="2018-07-01",
                title="走访",
                photos=[PhotoInput(path=fake)],
            ),
        )
    assert "不是照片" in error.value.errors["photos"]
    assert _count(database) == 0


def test_subjects_are_reused_by_identity_number_and_masked_in_lists(database, ids):
    units, kinds = ids
    number = valid_id_number()
    subject = SubjectInput(
        name="李玥", category="缓刑", id_number=number, office_id=units["瓯南司法所"]
    )
    for title in ("第一次援助", "第二次援助"):
        _save(
            database,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units["法律援助中心"],
                entry_date="2018-08-03",
                title=title,
                values=LEGAL_AID,
                subject=subject,
            ),
        )
    with database.session() as s:
        assert len(s.scalars(select(CorrectionSubject)).all()) == 1
        rows = ledger.list_entries(s, LedgerFilter())
    assert {r.subject for r in rows} == {f"李玥 缓刑 {number[:4]}**********{number[-4:]}"}
    assert all(number not in r.subject for r in rows)
    with pytest.raises(FormErrors) as error:
        _save(
            database,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units["法律援助中心"],
                entry_date="2018-08-03",
                title="冒名",
                values=LEGAL_AID,
                subject=SubjectInput(name="张三", category="缓刑", id_number=number),
            ),
        )
    assert "已登记为“李玥”" in error.value.errors["id_number"]
    with pytest.raises(FormErrors) as error:
        _save(
            database,
            EntryInput(
                kind_id=kinds["legal_aid"],
                unit_id=units["法律援助中心"],
                entry_date="2018-08-03",
                title="缺对象",
                values=LEGAL_AID,
            ),
        )
    assert error.value.errors == {"subject_name": "请填写“社区矫正对象”。"}


def _photo_folder(database) -> Path:
    """A folder for the photos a test takes, outside the database's photo store."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix="photos-"))


def _seed(database, units, kinds) -> None:
    rows = [
        ("律师管理科", "lecture", date(2018, 3, 5), "春季讲座", "山口司法所", 10, LECTURE),
        ("律师管理科", "lecture", date(2018, 7, 9), "夏季讲座", "温溪司法所", 30, LECTURE),
        ("律师管理科", "legal_service", date(2018, 7, 20), "法治体检", None, 5,
         {"lawyer": "周律师", "service": "法治体检"}),
        ("法律援助中心", "hotline", date(2018, 8, 1), "热线接听", None, 12, {"calls": "12"}),
        ("办公室（政治处）", "funding", date(2018, 6, 1), "拨付矫正经费", None, 0,
         {"amount": "120000.50", "purpose": "矫正中心运行"}),
        ("办公室（政治处）", "funding", date(2018, 9, 1), "追加经费", None, 0, {"amount": "30000", "purpose": "培训"}),
        ("办公室（政治处）", "funding", date(2018, 1, 1), "上年度经费", None, 0, {"amount": "99999", "purpose": "上年"}),
    ]  # fmt: skip
    for unit, kind, day, title, office, served, values in rows:
        photos = (
            [PhotoInput(path=make_jpeg(_photo_folder(database) / f"{title}.jpg"))]
            if kind == "lecture"
            else []
        )
        _save(
            database,
            EntryInput(
                kind_id=kinds[kind],
                unit_id=units[unit],
                entry_date=day,
                title=title,
                paired_office_id=units.get(office),
                subjects_served=served,
                values=values,
                photos=photos,
            ),
        )
    with database.session() as s:  # an entry of the year before, as an older database holds one
        last_year = s.scalar(select(LedgerEntry).where(LedgerEntry.title == "上年度经费"))
        last_year.entry_date = date(2017, 12, 30)


def test_filters_each_narrow_the_list(database, ids):
    units, kinds = ids
    _seed(database, units, kinds)
    with database.session() as s:
        lecture_indicator = s.scalar(
            select(Indicator.id)
            .join(Duty)
            .where(Duty.department_id == units["律师管理科"], Indicator.name.like("%讲座%"))
        )

        def titles(**kw) -> set[str]:
            return {r.title for r in ledger.list_entries(s, LedgerFilter(**kw))}

        assert len(titles()) == 7 and ledger.count_entries(s, LedgerFilter()) == 7
        assert titles(unit_id=units["律师管理科"]) == {"春季讲座", "夏季讲座", "法治体检"}
        assert titles(kind_id=kinds["funding"]) == {"拨付矫正经费", "追加经费", "上年度经费"}
        assert titles(date_from=date(2018, 7, 1), date_to=date(2018, 7, 31)) == {
            "夏季讲座",
            "法治体检",
        }
        assert titles(indicator_id=lecture_indicator) == {"春季讲座", "夏季讲座"}
        assert titles(paired_office_id=units["温溪司法所"]) == {"夏季讲座"}
        assert titles(text="经费") == {"拨付矫正经费", "追加经费", "上年度经费"}
        assert titles(text="100%") == set()  # LIKE wildcards are taken literally
        assert ledger.count_entries(s, LedgerFilter(unit_id=units["律师管理科"], text="讲座")) == 2


def test_a_text_search_lists_its_matches_by_date_on_either_database(database, ids):
    """The search's date order used SQLite's unary + (no index walk), which PostgreSQL refuses."""
    units, kinds = ids
    _seed(database, units, kinds)
    with database.session() as s:
        found = ledger.list_entries(s, LedgerFilter(text="经费"), descending=False)
        newest_first = ledger.list_entries(s, LedgerFilter(text="经费"), descending=True)
    assert [r.title for r in found] == ["上年度经费", "拨付矫正经费", "追加经费"]
    assert [r.title for r in newest_first] == ["追加经费", "拨付矫正经费", "上年度经费"]


def test_sorting_and_paging(database, ids):
    units, kinds = ids
    _seed(database, units, kinds)
    with database.session() as s:
        by_date = [
            r.entry_date for r in ledger.list_entries(s, LedgerFilter(), "entry_date", False)
        ]
        assert by_date == sorted(by_date)
        served = [
            r.subjects_served
            for r in ledger.list_entries(s, LedgerFilter(), "subjects_served", True)
        ]
        assert served == sorted(served, reverse=True)
        photos = ledger.list_entries(s, LedgerFilter(), "photo_count", True)
        assert [r.photo_count for r in photos[:2]] == [1, 1] and photos[0].first_photo_sha
        for key in ledger.SORT_KEYS:
            assert len(ledger.list_entries(s, LedgerFilter(), key, True)) == 7
        pages = [
            ledger.list_entries(s, LedgerFilter(), "title", False, offset, 3)
            for offset in (0, 3, 6)
        ]
        assert [len(p) for p in pages] == [3, 3, 1]
        assert len({r.id for p in pages for r in p}) == 7


def test_delete_hides_and_undo_restores(database, ids):
    units, kinds = ids
    entry_id = _save(
        database,
        EntryInput(
            kind_id=kinds["other"],
            unit_id=units["基层科"],
            entry_date="2018-07-01",
            title="将被删除",
        ),
    )
    with database.session() as s:
        ledger.delete_entry(s, entry_id)
    with database.session() as s:
        assert ledger.count_entries(s, LedgerFilter()) == 0
        assert ledger.count_entries(s, LedgerFilter(include_deleted=True)) == 1
        ledger.restore_entry(s, entry_id)
    with database.session() as s:
        assert [r.title for r in ledger.list_entries(s, LedgerFilter())] == ["将被删除"]


def test_indicator_actuals_follow_the_ledger(database, ids):
    units, kinds = ids
    _seed(database, units, kinds)
    with database.session() as s:
        programme_id = s.scalar(select(Duty.programme_id))
        # the template's programme runs from 2018-06-28: the 03-05 lecture and the 06-01
        # funding are before it and do not count…
        items = {(i.department_id, i.name): i for i in indicator_progress(s, programme_id)}
        assert items[(units["律师管理科"], "律师授课修心教育法律讲座")].actual == 1
        assert items[(units["办公室（政治处）"], "社区矫正经费保障金额")].actual == 30000
        # …in a programme whose period is the calendar year they do
        s.get_one(Programme, programme_id).start_date = date(2018, 1, 1)
    with database.session() as s:
        items = {(i.department_id, i.name): i for i in indicator_progress(s, programme_id)}
        lectures = items[(units["律师管理科"], "律师授课修心教育法律讲座")]
        service = items[(units["律师管理科"], "为社区矫正对象提供法律服务")]
        funding = items[(units["办公室（政治处）"], "社区矫正经费保障金额")]
        hotline = items[(units["法律援助中心"], "12348热线为社区矫正对象服务")]
        legal_aid = items[(units["法律援助中心"], "为社区矫正对象及近亲属办理法律援助")]
    assert lectures.actual == 2 and lectures.ratio == pytest.approx(2 / 6)  # count
    assert service.actual == 5  # sum of subjects_served
    assert funding.actual == pytest.approx(150000.50)  # sum of a form field; 2017 excluded
    assert hotline.actual == 12 and legal_aid.actual == 0
    with database.session() as s:
        departments = {d.name: d for d in department_progress(s, programme_id)}
    expected = (50 * min(2 / 6, 1) + 50 * min(5 / 50, 1)) / 100
    assert departments["律师管理科"].completion == pytest.approx(expected)
    assert departments["基层科"].completion == 0

    with database.session() as s:
        spring = s.scalar(select(LedgerEntry.id).where(LedgerEntry.title == "春季讲座"))
        ledger.delete_entry(s, spring)
    with database.session() as s:
        again = {i.indicator_id: i for i in indicator_progress(s, programme_id)}
    assert again[lectures.indicator_id].actual == 1


def test_only_the_owning_department_counts(database, ids):
    units, kinds = ids
    _save(
        database,
        EntryInput(
            kind_id=kinds["lecture"],
            unit_id=units["公证管理科、公证处"],
            entry_date="2018-07-01",
            title="公证员讲座",
            values=LECTURE,
            photos=[PhotoInput(path=make_jpeg(_photo_folder(database) / "n.jpg"))],
        ),
    )
    with database.session() as s:
        programme_id = s.scalar(select(Duty.programme_id))
        by_unit = {}
        for item in indicator_progress(s, programme_id):
            if item.name.endswith("修心教育法律讲座"):
                by_unit[s.get(Unit, item.department_id).name] = item.actual
    assert by_unit == {"公证管理科、公证处": 1, "律师管理科": 0}


def test_keyset_pages_continue_exactly_where_offset_pages_would(database, ids):
    units, kinds = ids
    for i in range(30):  # several entries share a date, so the id breaks ties
        _save(
            database,
            EntryInput(
                kind_id=kinds["other"],
                unit_id=units["基层科"],
                entry_date=date(2018, 5, 1 + i % 4),
                title=f"条目{i:02d}",
            ),
        )
    with database.session() as s:
        for descending in (True, False):
            by_offset = [
                r.id
                for r in ledger.list_entries(s, LedgerFilter(), "entry_date", descending, 0, 30)
            ]
            first = ledger.list_entries(s, LedgerFilter(), "entry_date", descending, 0, 7)
            pages = [first]
            while pages[-1]:
                pages.append(
                    ledger.list_entries(
                        s, LedgerFilter(), "entry_date", descending, 0, 7, after=pages[-1][-1]
                    )
                )
            assert [r.id for p in pages for r in p] == by_offset


def test_a_units_pc_records_only_its_own_entries(tmp_path):
    from app.services.forms import FormErrors
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    db = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, "法律援助中心").database
    try:
        with db.session() as s:
            units, kinds = unit_ids(s), kind_ids(s)
            with pytest.raises(FormErrors) as refused:
                ledger.save_entry(
                    s,
                    db.attachments,
                    None,
                    ledger.EntryInput(
                        kind_id=kinds["hotline"],
                        unit_id=units["县矫正办"],
                        entry_date=date(2018, 8, 3),
                        title="代登",
                        values={"calls": 1},
                    ),
                )
            assert "只能登记法律援助中心的台账" in refused.value.errors["unit"]
            ledger.save_entry(
                s,
                db.attachments,
                None,
                ledger.EntryInput(
                    kind_id=kinds["hotline"],
                    unit_id=units["法律援助中心"],
                    entry_date=date(2018, 8, 3),
                    title="本单位",
                    values={"calls": 1},
                ),
            )
    finally:
        db.close()


def test_the_city_office_keeps_no_ledger_and_the_form_says_so(database):
    from app.services.forms import FormErrors

    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        before = dump(database)
        with pytest.raises(FormErrors) as refused:
            ledger.save_entry(s, database.attachments, None, ledger.EntryInput(
                kind_id=kinds["hotline"], unit_id=units["市矫正办"],
                entry_date=date(2018, 8, 3), title="代登", values={"calls": 1},
            ))  # fmt: skip
        assert refused.value.errors["unit"] == (
            "“市矫正办”不填报工作台账，填报单位请从下拉列表中选择本县的单位。"
        )
    assert dump(database) == before
