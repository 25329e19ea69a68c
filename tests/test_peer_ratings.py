"""结对部门评价: a township judicial office rates each department it is paired with, once per
programme, on its own PC; the rating travels up to the county, which reads it and never writes
it; a package with a rating the office may not have made is refused whole."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select, update

from app.models import Pairing, PeerRating
from app.services import peer_ratings
from app.services.assessment import department_scores
from app.services.errors import ValidationError
from app.services.settings import current_programme, local_unit
from app.services.setup import initialise
from app.sync import identity
from app.sync.exchange import export_package, import_package
from app.sync.package import PackageError
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, unit_ids

HAIKOU, PROPAGANDA = "海口司法所", "法制宣传科"  # paired in the template
LAKOU, OFFICE = "腊口司法所", "办公室（政治处）"  # paired too
GOOD = {"pairing_duty": 26, "visits": 18, "cooperation": 22, "results": 20}  # 86
ON = date(2018, 12, 20)


def _rate(session, office: str, department: str, scores=None, **kw) -> int:
    units = unit_ids(session)
    return peer_ratings.record_rating(
        session, current_programme(session).id, unit_id=units[office],
        department_id=units[department], scores=GOOD if scores is None else scores,
        comment=kw.pop("comment", "走访及时，配合良好。"), rated_on=kw.pop("rated_on", ON), **kw,
    )  # fmt: skip


# ---------------------------------------------------------------- the service


def test_the_form_comes_from_the_template():
    from app.services.peer_ratings import items_from_section

    with_items = items_from_section(
        {
            "items": [
                {"code": "a", "name": "协作配合", "max": 40},
                {"code": "b", "name": "实效", "max": 60},
            ]
        }
    )
    assert [(i.code, i.name, i.max) for i in with_items] == [
        ("a", "协作配合", 40),
        ("b", "实效", 60),
    ]
    assert items_from_section(None) == peer_ratings.DEFAULT_ITEMS


def test_an_office_rates_its_paired_department(database):
    with database.session() as s:
        programme_id = current_programme(s).id
        items = peer_ratings.rating_items(s, programme_id)
        assert [i.name for i in items] == ["结对帮扶落实", "走访次数", "协作配合", "工作实效"]
        assert peer_ratings.full_marks(items) == 100
        rating_id = _rate(s, HAIKOU, PROPAGANDA)
        stored = s.get_one(PeerRating, rating_id)
        units = unit_ids(s)
        assert (stored.total, stored.office_id, stored.owner_unit_id, stored.department_id) == (
            86.0, units[HAIKOU], units[HAIKOU], units[PROPAGANDA])  # fmt: skip
        assert stored.scores == {k: float(v) for k, v in GOOD.items()}
        assert peer_ratings.average_rating(s, programme_id, units[PROPAGANDA]) == 86.0
        assert peer_ratings.average_rating(s, programme_id, units[OFFICE]) is None
        rows = peer_ratings.ratings_for(s, programme_id)
        assert [(r.office, r.department, r.total, r.sent) for r in rows] == [
            (HAIKOU, PROPAGANDA, 86.0, False)]  # fmt: skip


def test_the_average_is_over_every_office_that_rated(database):
    with database.session() as s:
        programme_id = current_programme(s).id
        units = unit_ids(s)
        # 基层科 is paired with 东源司法所 and 北山司法所
        _rate(s, "东源司法所", "基层科")
        _rate(s, "北山司法所", "基层科", {"pairing_duty": 30, "visits": 20, "cooperation": 25,
                                       "results": 20})  # fmt: skip
        assert peer_ratings.average_rating(s, programme_id, units["基层科"]) == (86 + 95) / 2
        status = {
            (p.office, p.department): p.rating for p in peer_ratings.rating_status(s, programme_id)
        }
        assert status[("东源司法所", "基层科")].total == 86.0
        assert status[("北山司法所", "基层科")].total == 95.0
        assert status[(HAIKOU, PROPAGANDA)] is None  # paired, not rated yet
        assert len(status) == s.scalar(select(func.count()).select_from(Pairing))


@pytest.mark.parametrize(
    ("office", "department", "scores", "kw", "field", "words"),
    [
        (HAIKOU, OFFICE, None, {}, "department", "不是本所的结对部门"),
        (PROPAGANDA, PROPAGANDA, None, {}, None, "只有结对司法所能"),
        ("县矫正办", PROPAGANDA, None, {}, None, "只有结对司法所能"),
        (HAIKOU, PROPAGANDA, {**GOOD, "visits": 21}, {}, "item:visits", "应在 0 到 20 分之间"),
        (HAIKOU, PROPAGANDA, {**GOOD, "results": -1}, {}, "item:results", "应在 0 到 25 分之间"),
        (HAIKOU, PROPAGANDA, {**GOOD, "results": ""}, {}, "item:results", "请给“工作实效”打分"),
        (HAIKOU, PROPAGANDA, {**GOOD, "results": "很好"}, {}, "item:results", "应为数字"),
        (HAIKOU, PROPAGANDA, None, {"rated_on": date(2019, 1, 2)}, "rated_on", "评价日期应在"),
        (HAIKOU, PROPAGANDA, None, {"comment": "好" * 301}, "comment", "最多 300 个字"),
    ],
)
def test_a_bad_rating_is_refused_and_nothing_is_kept(
    database, office, department, scores, kw, field, words
):
    with database.session() as s:
        with pytest.raises(ValidationError) as refused:
            _rate(s, office, department, scores, **kw)
        assert refused.value.field == field and words in refused.value.message
        assert s.scalar(select(PeerRating.id)) is None


def test_a_department_is_rated_once_per_programme(database):
    with database.session() as s:
        _rate(s, HAIKOU, PROPAGANDA)
        with pytest.raises(ValidationError, match="本所已评价过“法制宣传科”：每年度只评价一次"):
            _rate(s, HAIKOU, PROPAGANDA, {**GOOD, "visits": 1})
        assert [r.total for r in s.scalars(select(PeerRating))] == [86.0]


# ---------------------------------------------------------------- up to the county


@pytest.fixture
def pcs(tmp_path):
    """The county and 海口司法所's PC, registered with each other."""
    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    office = initialise(str(tmp_path / "haikou.db"), TEMPLATE_KEY, HAIKOU).database
    with county.session() as a, office.session() as b:
        identity.register_peer(a, local_unit(b).uuid, identity.key_pairs(b).public())
        identity.register_peer(b, local_unit(a).uuid, identity.key_pairs(a).public())
    yield county, office
    county.close()
    office.close()


def _average_at(db) -> float | None:
    with db.session() as s:
        return peer_ratings.average_rating(s, current_programme(s).id, unit_ids(s)[PROPAGANDA])


def _up(office, tmp_path, name: str = "up.bjpkg"):
    return export_package(office, "县矫正办", tmp_path / name)[0]


def test_a_rating_travels_up_and_counts_at_the_county(pcs, tmp_path):
    county, office = pcs
    with office.session() as s:
        rating_id = _rate(s, HAIKOU, PROPAGANDA)
    with office.session() as s:  # not yet sent: the office may still correct it
        peer_ratings.change_rating(s, rating_id, unit_id=unit_ids(s)[HAIKOU],
                                   scores={**GOOD, "results": 24}, comment="走访及时，配合良好。",
                                   rated_on=ON)  # fmt: skip
    assert _average_at(county) is None
    import_package(county, _up(office, tmp_path))
    assert _average_at(county) == 90.0
    with county.session() as s:  # the rating scores: 基层测评 5 × 90 / 100, from its date on
        programme_id, department = current_programme(s).id, unit_ids(s)[PROPAGANDA]

        def peer_points(as_of: date) -> tuple[float, str]:
            [score] = [d for d in department_scores(s, programme_id, as_of)
                       if d.unit_id == department]  # fmt: skip
            category = score.category("基层测评")
            assert category is not None
            return category.points, category.items[0].detail

        points, detail = peer_points(ON)
        assert points == 4.5 and "90" in detail
        assert peer_points(date(2018, 12, 19))[0] == 0  # not yet rated on that day
    with county.session() as s:
        [row] = peer_ratings.ratings_for(s, current_programme(s).id)
        assert (row.office, row.department, row.comment) == (
            HAIKOU,
            PROPAGANDA,
            "走访及时，配合良好。",
        )
        # the county reads it and never writes one
        assert not peer_ratings.can_rate(s)
        with pytest.raises(ValidationError, match="只有结对司法所能"):
            _rate(s, "县矫正办", PROPAGANDA)
    # once sent, the office cannot change it any more
    with office.session() as s:
        assert peer_ratings.ratings_for(s, current_programme(s).id)[0].sent
        before = s.get_one(PeerRating, rating_id).total
        with pytest.raises(ValidationError, match="已随数据包报送县矫正办，不能再修改"):
            peer_ratings.change_rating(s, rating_id, unit_id=unit_ids(s)[HAIKOU], scores=GOOD,
                                       comment="", rated_on=ON)  # fmt: skip
    with office.session() as s:
        assert s.get_one(PeerRating, rating_id).total == before == 90.0
    # a full package later carries the same rating unchanged: accepted, nothing new
    import_package(
        county, export_package(office, "县矫正办", tmp_path / "full.bjpkg", full=True)[0]
    )
    assert _average_at(county) == 90.0


def _forged_package(office, tmp_path, **values):
    """An office PC's rating of 法制宣传科, then edited in the database file (as an insider with
    a SQLite editor would), exported in a genuinely signed package."""
    with office.session() as s:
        rating_id = _rate(s, HAIKOU, PROPAGANDA)
        s.flush()
        units = unit_ids(s)
        values = {k: (units[v] if k.endswith("_id") else v) for k, v in values.items()}
        s.execute(update(PeerRating).where(PeerRating.id == rating_id).values(**values))
    return _up(office, tmp_path, "forged.bjpkg")


@pytest.mark.parametrize(
    ("forged", "words"),
    [
        ({"department_id": OFFICE}, "不是评价司法所的结对部门"),
        ({"office_id": LAKOU, "department_id": OFFICE}, "写的是别的单位"),
        ({"scores": {**GOOD, "visits": 35}, "total": 103.0}, "应在 0 到 20 分之间"),
        ({"total": 100.0}, "与各项得分之和不符"),
        ({"rated_on": date(2019, 3, 1)}, "rated_on"),
        ({"scores": {"overall": 86}}, "不是本年度评价表中的项目"),
        ({"scores": {**GOOD, "visits": "18"}}, "各项得分应为数字"),
    ],
    ids=["unpaired", "another-office", "out-of-range", "total", "date", "items", "text"],
)
def test_a_bad_rating_in_a_package_is_refused_whole(pcs, tmp_path, forged, words):
    county, office = pcs
    package = _forged_package(office, tmp_path, **forged)
    before = dump(county)
    with pytest.raises(PackageError) as refused:
        import_package(county, package)
    assert "结对部门评价" in str(refused.value) and words in str(refused.value)
    assert "数据库保持原样" in str(refused.value)
    assert dump(county) == before


FULL = {"pairing_duty": 30, "visits": 20, "cooperation": 25, "results": 25}


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        ({"total": 100.0, "scores": FULL, "revision": 2}, "改动了已报送的结对部门评价"),
        ({"total": 100.0, "scores": FULL}, "改动了已报送的结对部门评价"),  # revision kept too
        ({"comment": "改过的意见", "revision": 2}, "改动了已报送的结对部门评价"),
        # the first one gone from the file, a second one made
        ({"uuid": "0f0f0f0f-0000-4000-8000-000000000001"}, "每年度只评价同一结对部门一次"),
        ({"deleted": True, "revision": 2}, "这类记录登记后不删除"),
    ],
    ids=["changed", "changed-same-revision", "comment", "second", "deleted"],
)
def test_a_rating_once_sent_never_changes_at_the_county(pcs, tmp_path, edit, words):
    county, office = pcs
    with office.session() as s:
        rating_id = _rate(s, HAIKOU, PROPAGANDA)
    import_package(county, _up(office, tmp_path))
    with office.session() as s:  # the service refuses; the file is edited behind its back
        s.execute(update(PeerRating).where(PeerRating.id == rating_id).values(**edit))
    package = export_package(office, "县矫正办", tmp_path / "again.bjpkg", full=True)[0]
    before = dump(county)
    with pytest.raises(PackageError, match=words):
        import_package(county, package)
    assert dump(county) == before
    assert _average_at(county) == 86.0


@pytest.mark.parametrize(
    ("section", "words"),
    [
        (
            '[[assessment.peer_rating.items]]\ncode = "a"\nname = "协作配合"\nmax = 120\n',
            "满分（max）应在 0 到 100 之间",
        ),
        (
            '[[assessment.peer_rating.items]]\ncode = "a"\nname = "甲"\nmax = 50\n'
            '[[assessment.peer_rating.items]]\ncode = "a"\nname = "乙"\nmax = 50\n',
            "code 缺少或重复",
        ),
        ('[[assessment.peer_rating.items]]\ncode = "a"\nmax = 50\n', "缺少名称"),
    ],
)
def test_a_template_with_a_wrong_rating_form_is_refused(database, tmp_path, section, words):
    from app.services.templates import TEMPLATES_DIR, TemplateInfo, load_template

    text = (TEMPLATES_DIR / "qingtian-2018.toml").read_text(encoding="utf-8")
    # the template's own form (up to the next table that is not one of its items) replaced
    form = re.compile(
        r"^\[assessment\.peer_rating\]\n(?:(?!\[(?!\[assessment\.peer_rating\.items\]\])).*\n?)*",
        re.M,
    )
    assert form.search(text) is not None
    path = tmp_path / "qingtian-2018.toml"
    path.write_text(form.sub(lambda _m: "[assessment.peer_rating]\n" + section, text), "utf-8")
    before = dump(database)
    with pytest.raises(ValidationError, match=words), database.session() as s:
        load_template(s, TemplateInfo("qingtian-2018", "青田", path))
    assert dump(database) == before
