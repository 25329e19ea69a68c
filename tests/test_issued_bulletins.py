"""Published bulletins: 期号 in sequence, a frozen snapshot reprinted unchanged, 发布 down to the
departments in the county's packages (validated, never changed), the command line."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from app.models import IssuedBulletin, LedgerEntry
from app.reports.bulletin_pdf import render_bulletin_pdf
from app.services import assessment, issued_bulletins
from app.services.assessment import explanation
from app.services.bulletin import build_bulletin
from app.services.errors import ValidationError
from app.services.settings import current_programme, local_unit
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, unit_ids

DEPARTMENT = "法律援助中心"
ISSUED = date(2018, 10, 8)


def pdf_text(data: bytes) -> str:
    """The PDF's text, without any white space (table cells wrap anywhere)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def _programme(session) -> int:
    return current_programme(session).id


def _add_entries(database, unit: str, day: date, count: int) -> None:
    from app.services import ledger
    from app.services.ledger import EntryInput
    from tests.helpers import kind_ids

    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        for n in range(count):
            ledger.save_entry(s, database.attachments, None, EntryInput(
                kind_id=kinds["other"], unit_id=units[unit], entry_date=day,
                title=f"{unit}活动 {n}", subjects_served=1,
            ))  # fmt: skip


# ---------------------------------------------------------------- 期号 in sequence
def test_the_first_number_follows_the_template_then_each_follows_the_last(database):
    with database.session() as s:
        programme = _programme(s)
        # the template's first_issue month numbering proposes the first one
        first = issued_bulletins.next_number(s, programme, date(2018, 9, 30))
        assert first == build_bulletin(s, programme, date(2018, 9, 30)).issue_number
        issued = issued_bulletins.publish(s, programme, date(2018, 9, 30), issued_on=ISSUED)
        assert issued.number == first and issued.snapshot["issue_number"] == first
        assert issued_bulletins.next_number(s, programme, date(2018, 12, 31)) == first + 1
        issued_bulletins.publish(s, programme, date(2018, 10, 31), issued_on=ISSUED)
        rows = issued_bulletins.issued_rows(s, programme)
        # a draft made afterwards (生成通报…) is numbered after the last published
        assert build_bulletin(s, programme, date(2018, 12, 31)).issue_number == first + 2
    assert [r.number for r in rows] == [first + 1, first]  # the latest first
    assert rows[0].label == f"第{first + 1}期" and rows[0].as_of == date(2018, 10, 31)


def test_a_new_years_first_bulletin_is_number_one(database):
    """The clerk's finding: 2019's first bulletin was offered 第8期 (as of 31 January) or
    第19期 (31 December), continuing the template's 2018 monthly series."""
    from app.services.bulletin import first_issue_number
    from app.services.programme import new_programme

    with database.session() as s:
        old = _programme(s)
        new = new_programme(s, year=2019, copy_from_year=2018).id
        # 2018 keeps the template's monthly numbering (2018-06 is 第1期)
        assert issued_bulletins.next_number(s, old, date(2018, 9, 30)) == 4
        assert build_bulletin(s, old, date(2018, 9, 30)).issue_number == 4
        for as_of in (date(2019, 1, 31), date(2019, 12, 31)):
            assert issued_bulletins.next_number(s, new, as_of) == 1
            assert build_bulletin(s, new, as_of).issue_number == 1  # the draft too
        issued = issued_bulletins.publish(s, new, date(2019, 1, 31), issued_on=date(2019, 2, 3))
        assert issued.number == 1 and issued.snapshot["issue_number"] == 1
        assert issued_bulletins.next_number(s, new, date(2019, 2, 28)) == 2
        assert build_bulletin(s, new, date(2019, 2, 28)).issue_number == 2
        # 2018's own series is untouched by 2019's
        assert issued_bulletins.next_number(s, old, date(2018, 12, 31)) == 7
    assert first_issue_number("2018-06", 2018, date(2019, 1, 2)) == 8  # 2018's assessment
    assert first_issue_number("2018-06", 2020, date(2020, 5, 31)) == 1
    assert first_issue_number("", 2019, date(2019, 5, 31)) is None


@pytest.mark.parametrize(
    ("number", "as_of", "field", "words"),
    [
        (0, date(2018, 10, 31), "number", "正整数"),
        (1, date(2018, 10, 31), "number", "已经发布"),  # the same 期号 again
        (3, date(2018, 10, 31), "number", "这一期应为第2期"),  # a gap
        (2, date(2018, 9, 1), "as_of", "不能早于上一期"),
        (2, date(2019, 1, 5), "as_of", "通报截至日期"),  # after the programme's period
        (2, date(2018, 6, 1), "as_of", "通报截至日期"),  # before it
    ],
)
def test_a_duplicate_gap_or_bad_date_is_refused_and_nothing_is_kept(
    database, number, as_of, field, words
):
    with database.session() as s:
        issued_bulletins.publish(s, _programme(s), date(2018, 9, 30), 1, issued_on=ISSUED)
    before = dump(database)
    with database.session() as s, pytest.raises(ValidationError) as refused:
        issued_bulletins.publish(s, _programme(s), as_of, number, issued_on=ISSUED)
    assert refused.value.field == field and words in str(refused.value)
    assert dump(database) == before


def test_only_the_county_publishes(tmp_path):
    from app.services.setup import initialise

    department = initialise(str(tmp_path / "d.db"), TEMPLATE_KEY, DEPARTMENT).database
    try:
        before = dump(department)
        with department.session() as s, pytest.raises(ValidationError, match="县矫正办发布"):
            issued_bulletins.publish(s, _programme(s), date(2018, 9, 30))
        assert dump(department) == before
    finally:
        department.close()


# ---------------------------------------------------------------- frozen
def test_a_reprint_prints_the_figures_as_published(database):
    with database.session() as s:
        programme = _programme(s)
        issued = issued_bulletins.publish(s, programme, date(2018, 9, 30), 3, issued_on=ISSUED)
        issued_id = issued.id
        published = render_bulletin_pdf(issued_bulletins.bulletin_of(s, issued_id))
        live_then = build_bulletin(s, programme, date(2018, 9, 30), 3)
    assert pdf_text(published) == pdf_text(render_bulletin_pdf(live_then))
    # after publishing: entries dated before the as-of date and a 加减分 change the live figures
    _add_entries(database, DEPARTMENT, date(2018, 9, 3), 4)
    with database.session() as s:
        assessment.record_adjustment(s, programme_id=programme, unit_id=unit_ids(s)[DEPARTMENT],
                                     points=20, reason="补记加分", on=date(2018, 9, 20))  # fmt: skip
        live_now = build_bulletin(s, programme, date(2018, 9, 30), 3)
        reprint = render_bulletin_pdf(issued_bulletins.bulletin_of(s, issued_id))
    assert pdf_text(render_bulletin_pdf(live_now)) != pdf_text(published)  # the figures moved
    assert pdf_text(reprint) == pdf_text(published)  # 第3期 did not
    assert "补记加分" not in pdf_text(reprint)


def test_the_snapshot_round_trips_every_figure(database):
    with database.session() as s:
        programme = _programme(s)
        assessment.record_adjustment(s, programme_id=programme, unit_id=unit_ids(s)[DEPARTMENT],
                                     points=2.5, reason="现场会", on=date(2018, 9, 20))  # fmt: skip
        live = build_bulletin(s, programme, date(2018, 9, 30), 4)
        issued = issued_bulletins.publish(s, programme, date(2018, 9, 30), 4)
        again = issued_bulletins.bulletin_of(s, issued.id)
    assert issued_bulletins.snapshot_problem(issued.snapshot) is None
    printed = [
        replace(score, categories=[], frozen_rows=explanation(score)) for score in live.scores
    ]
    assert again.scores == printed and again.goals == live.goals  # explained as on the page
    assert again.highlights == live.highlights and again.year_elapsed == live.year_elapsed
    assert [(i.kind, i.unit, i.text, i.due, i.days_late) for i in again.overdue] == [
        (i.kind, i.unit, i.text, i.due, i.days_late) for i in live.overdue
    ]
    assert {s.unit_id: again.entries.get(s.unit_id) for s in again.scores} == {
        s.unit_id: live.entries.get(s.unit_id, 0) for s in live.scores
    }


@pytest.mark.parametrize(
    "broken",
    [
        lambda d: d.pop("scores"),
        lambda d: d.update(version=99),
        lambda d: d["scores"][0]["lines"][0].update(points="十"),
        lambda d: d["scores"][0].update(name="名" * 3000),
        lambda d: d["goals"][0].update(metric="no_such_metric"),
    ],
)
def test_a_broken_snapshot_is_named(database, broken):
    with database.session() as s:
        programme = _programme(s)
        data = issued_bulletins.snapshot_of(build_bulletin(s, programme, date(2018, 9, 30)), {})
    broken(data)
    assert issued_bulletins.snapshot_problem(data) is not None


# ---------------------------------------------------------------- down in the county's packages
def _pair(tmp_path, unit: str = DEPARTMENT):
    """The county and ``unit`` (法律援助中心), registered with each other."""
    from app.services.setup import initialise
    from app.sync import identity

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    department = initialise(str(tmp_path / "dept.db"), TEMPLATE_KEY, unit).database
    with county.session() as a, department.session() as b:
        identity.register_peer(a, local_unit(b).uuid, identity.key_pairs(b).public())
        identity.register_peer(b, local_unit(a).uuid, identity.key_pairs(a).public())
    return county, department


def _publish(county, as_of: date, number: int | None = None) -> str:
    with county.session() as s:
        return issued_bulletins.publish(s, _programme(s), as_of, number, issued_on=ISSUED).uuid


def _send(source, to: str, path):
    from app.sync.exchange import export_package

    return export_package(source, to, path)[0]


def test_a_published_bulletin_travels_down_and_reprints_the_same(tmp_path):
    from app.sync.exchange import import_package

    county, department = _pair(tmp_path)
    try:
        _add_entries(county, DEPARTMENT, date(2018, 9, 3), 2)
        uuid = _publish(county, date(2018, 9, 30), 4)
        import_package(department, _send(county, DEPARTMENT, tmp_path / "down.bjpkg"))
        with county.session() as s:
            at_county = render_bulletin_pdf(issued_bulletins.bulletin_of(
                s, s.scalars(select(IssuedBulletin.id).where(IssuedBulletin.uuid == uuid)).one()))  # fmt: skip
        with department.session() as s:
            rows = issued_bulletins.issued_rows(s, _programme(s))
            assert [(r.number, r.as_of) for r in rows] == [(4, date(2018, 9, 30))]
            here = issued_bulletins.bulletin_of(s, rows[0].id)
            own = local_unit(s).id
        assert pdf_text(render_bulletin_pdf(here)) == pdf_text(at_county)
        mine = next(score for score in here.scores if score.unit_id == own)  # known by its uuid
        assert mine.name == DEPARTMENT and here.entries[own] == 2
        # sent again (a full package): nothing changes, nothing is refused
        before = dump(department)
        import_package(department, _send(county, DEPARTMENT, tmp_path / "again.bjpkg"))
        with department.session() as s:
            assert len(issued_bulletins.issued_rows(s, _programme(s))) == 1
        assert [
            line for line in dump(department) if line.startswith('INSERT INTO "issued_bulletins"')
        ] == [line for line in before if line.startswith('INSERT INTO "issued_bulletins"')]
    finally:
        county.close()
        department.close()


def test_a_department_package_carrying_a_bulletin_is_refused_whole(tmp_path):
    from app.sync.exchange import import_package
    from app.sync.package import PackageError

    county, department = _pair(tmp_path)
    try:
        with department.session() as s:  # written into the department's file by hand
            s.add(IssuedBulletin(
                programme_id=_programme(s), number=1, as_of=date(2018, 9, 30), issued_on=ISSUED,
                title="自拟通报", owner_unit_id=local_unit(s).id,
                snapshot=issued_bulletins.snapshot_of(
                    build_bulletin(s, _programme(s), date(2018, 9, 30), 1), {}),
            ))  # fmt: skip
        _add_entries(department, DEPARTMENT, date(2018, 9, 3), 1)
        package = _send(department, "县矫正办", tmp_path / "up.bjpkg")
        before = dump(county)
        with pytest.raises(PackageError, match="进度通报由县矫正办发布") as refused:
            import_package(county, package)
        assert "进度通报" in str(refused.value) and "没有任何改动" in str(refused.value)
        assert dump(county) == before
        with county.session() as s:  # not even the department's entry came in
            assert s.scalar(select(LedgerEntry.id).limit(1)) is None
    finally:
        county.close()
        department.close()


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda row: {"snapshot": {**row.snapshot, "highlights": ["改过的亮点。"]}}, "snapshot"),
        (lambda row: {"as_of": date(2018, 10, 1)}, "as_of"),
        (lambda row: {"number": 9}, "number"),
    ],
)
def test_a_changed_published_bulletin_is_refused(tmp_path, change, words):
    from app.sync.exchange import import_package
    from app.sync.package import PackageError

    county, department = _pair(tmp_path)
    try:
        uuid = _publish(county, date(2018, 9, 30), 4)
        import_package(department, _send(county, DEPARTMENT, tmp_path / "down.bjpkg"))
        with county.session() as s:  # changed in the county's file by hand, revision raised
            row = s.scalars(select(IssuedBulletin).where(IssuedBulletin.uuid == uuid)).one()
            s.execute(update(IssuedBulletin).where(IssuedBulletin.uuid == uuid)
                      .values(revision=2, **change(row)))  # fmt: skip
        package = _send(county, DEPARTMENT, tmp_path / "changed.bjpkg")
        before = dump(department)
        with pytest.raises(PackageError, match="改动了已发布的进度通报") as refused:
            import_package(department, package)
        assert words in str(refused.value)
        assert dump(department) == before
    finally:
        county.close()
        department.close()


def test_a_new_bulletin_with_a_broken_snapshot_or_a_used_number_is_refused(tmp_path):
    from app.sync.exchange import import_package
    from app.sync.package import PackageError

    county, department = _pair(tmp_path)
    try:
        uuid = _publish(county, date(2018, 9, 30), 4)
        with county.session() as s:
            s.execute(update(IssuedBulletin).where(IssuedBulletin.uuid == uuid)
                      .values(snapshot={"version": 1}))  # fmt: skip
        package = _send(county, DEPARTMENT, tmp_path / "broken.bjpkg")
        before = dump(department)
        with pytest.raises(PackageError, match="snapshot"):
            import_package(department, package)
        assert dump(department) == before
    finally:
        county.close()
        department.close()


# ---------------------------------------------------------------- command line
def test_publish_list_and_reprint_on_the_command_line(db_path, tmp_path, capsys):
    from app.cli import main

    db = ["--db", str(db_path)]
    assert main([*db, "bulletin", "publish", "--date", "2018-09-30", "--number", "3"]) == 0
    assert "已发布第3期" in capsys.readouterr().out
    assert main([*db, "bulletin", "publish", "--date", "2018-10-31", "--number", "5"]) == 2
    assert "这一期应为第4期" in capsys.readouterr().err
    assert main([*db, "bulletin", "publish", "--date", "2018-10-31"]) == 0
    assert main([*db, "bulletin", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in listed[-2:]] == [
        ["第3期", "截至 2018-09-30"], ["第4期", "截至 2018-10-31"]
    ]  # fmt: skip
    out = tmp_path / "第3期.pdf"
    assert main([*db, "bulletin", "reprint", "--number", "3", "--out", str(out),
                 "--xlsx", str(tmp_path / "第3期.xlsx")]) == 0  # fmt: skip
    text = pdf_text(out.read_bytes())
    assert "第3期" in text and "2018年9月30日" in text
    assert (tmp_path / "第3期.xlsx").stat().st_size > 0
    assert main([*db, "bulletin", "reprint", "--number", "7", "--out", str(out)]) == 2
    assert "第7期通报没有发布过" in capsys.readouterr().err
    # the plain bulletin command still makes a file for any date
    plain = tmp_path / "通报.pdf"
    assert main([*db, "bulletin", "--date", "2018-09-30", "--out", str(plain)]) == 0
    assert plain.stat().st_size > 0
