"""考核细则 as data: categories with 分值 caps, per-occurrence items with their own caps, judgement
items scored by the county (a later score supersedes), peer ratings, the flat schemes of older
databases scoring as before, the 撤销 link, the 评分表 PDF and its command."""

from __future__ import annotations

import io
import os
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.models import (
    AssessmentScheme,
    Brand,
    BrandParticipant,
    BrandStatus,
    Inspection,
    JudgementScore,
    Phase,
    RectificationItem,
    RectificationStatus,
    ScoreAdjustment,
)
from app.services import assessment
from app.services.assessment import (
    Item,
    department_scores,
    explanation,
    record_judgement,
    scheme_for,
)
from app.services.errors import ValidationError
from app.services.settings import current_programme
from tests.conftest import TEMPLATE_KEY
from tests.helpers import dump, unit_ids

AS_OF = date(2018, 10, 31)
LAWYERS, AID, BASE = "律师管理科", "法律援助中心", "基层科"
OLD_RULES = [  # Qingtian's scheme as databases before categories store it
    {"code": "late_summary", "label": "阶段总结逾期", "points": -2, "cap": 4},
    {"code": "overdue_rectification", "label": "整改逾期", "points": -3, "cap": 9},
    {"code": "brand_lead", "label": "牵头创建品牌", "points": 5, "cap": 10},
    {"code": "brand_participant", "label": "参与创建品牌", "points": 2, "cap": 4},
]
CATEGORIES = [
    {"name": "量化指标", "cap": 100,
     "items": [{"kind": "indicator", "label": "量化指标完成", "points": 100}]},
    {"name": "督查整改", "cap": 5,  # below the item's own cap: the category's cap bites
     "items": [{"code": "overdue_rectification", "label": "整改逾期", "points": -2, "cap": 8,
                "standard": "逾期未整改的，每项扣2分"}]},
    {"name": "品牌创建", "cap": 6,
     "items": [{"code": "brand_lead", "label": "牵头创建品牌", "points": 5},
               {"code": "brand_participant", "label": "参与创建品牌", "points": 2, "cap": 4}]},
    {"name": "组织领导", "cap": 5,
     "items": [{"kind": "judgement", "key": "leadership", "label": "组织领导", "points": 5}]},
    {"name": "基层测评", "cap": 5,
     "items": [{"kind": "peer_rating", "label": "结对司法所测评", "points": 5}]},
]  # fmt: skip


def _set_scheme(session, programme_id: int, categories, rules=()) -> None:
    scheme = session.scalar(
        select(AssessmentScheme).where(AssessmentScheme.programme_id == programme_id)
    )
    scheme.categories, scheme.rules = categories, list(rules)
    session.flush()


def _seed_records(session, programme_id: int, units: dict[str, int], overdue: int) -> None:
    """``overdue`` rectification items past their deadline for 律师管理科 (and one not yet due);
    two created brands led by 法律援助中心, both joined by 基层科, and a third still planned."""
    county = units["县矫正办"]
    inspection = Inspection(programme_id=programme_id, inspection_date=date(2018, 8, 1),
                            inspectors="张三", inspected_unit_id=units[LAWYERS], owner_unit_id=county)  # fmt: skip
    session.add(inspection)
    session.flush()
    deadlines = [date(2018, 9, n + 1) for n in range(overdue)] + [date(2018, 12, 1)]
    for n, deadline in enumerate(deadlines):
        session.add(RectificationItem(inspection_id=inspection.id, finding=f"问题{n}",
                                      deadline=deadline, responsible_unit_id=units[LAWYERS],
                                      status=RectificationStatus.PENDING, owner_unit_id=county))  # fmt: skip
    for n, status in enumerate((BrandStatus.CREATED, BrandStatus.CREATED, BrandStatus.PLANNED)):
        brand = Brand(programme_id=programme_id, name=f"品牌{n}", lead_unit_id=units[AID],
                      status=status, outcomes="", owner_unit_id=county)  # fmt: skip
        session.add(brand)
        session.flush()
        session.add(BrandParticipant(brand_id=brand.id, unit_id=units[BASE], owner_unit_id=county))
    session.flush()


def _counted(session, units) -> tuple[int, int, int]:
    """Straight from the rows: 律师管理科's overdue items, 法律援助中心's created brands led,
    基层科's created brands joined."""
    overdue = len(session.scalars(select(RectificationItem).where(
        RectificationItem.responsible_unit_id == units[LAWYERS],
        RectificationItem.status == RectificationStatus.PENDING,
        RectificationItem.deadline < AS_OF)).all())  # fmt: skip
    created = select(Brand.id).where(Brand.status == BrandStatus.CREATED)
    led = len(session.scalars(created.where(Brand.lead_unit_id == units[AID])).all())
    joined = len(session.scalars(select(BrandParticipant).where(
        BrandParticipant.unit_id == units[BASE], BrandParticipant.brand_id.in_(created))).all())  # fmt: skip
    return overdue, led, joined


@pytest.mark.parametrize("overdue", [2, 3, 5])
def test_per_occurrence_items_and_category_caps_both_ways(database, overdue):
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        _set_scheme(s, programme_id, CATEGORIES)
        _seed_records(s, programme_id, units, overdue)
        n_overdue, led, joined = _counted(s, units)
        assert (n_overdue, led, joined) == (overdue, 2, 2)
        scores = {sc.name: sc for sc in department_scores(s, programme_id, AS_OF)}

    # deductions: -2 each, the item's cap 8, the category's 5
    lawyers = scores[LAWYERS]
    raw = max(-8, -2 * n_overdue)
    rectification = lawyers.category("督查整改")
    assert rectification.raw == raw and rectification.points == max(-5, raw)
    assert rectification.capped == (raw < -5 or 2 * n_overdue > 8)
    assert rectification.items[0].capped == (2 * n_overdue > 8)
    rows = {r.label: r for r in explanation(lawyers)}
    heading = next(r for r in explanation(lawyers) if r.heading and r.label == "督查整改")
    assert "最多扣 5 分" in heading.detail  # deductions only: not a 分值 nobody gets
    assert ("已达上限" in heading.detail) == rectification.capped
    if raw < -5:
        assert rows["已达上限"].points == -5 - raw and "按 -5 分计" in rows["已达上限"].detail
    indicator = lawyers.category("量化指标").points
    assert lawyers.total == pytest.approx(round(indicator + max(-5, raw), 2))

    # bonuses: 2 × 5 = 10, within no item cap, held to the category's 6
    legal = scores[AID].category("品牌创建")
    assert (legal.raw, legal.points, legal.capped) == (5 * led, 6, True)
    assert [line.points for line in scores[AID].lines if line.category == "品牌创建"] == [10, -4]
    headings = {r.label: r.detail for r in explanation(scores[AID]) if r.heading}
    assert headings["品牌创建"].startswith("最多加 6 分，")  # additions only
    assert headings["量化指标"].startswith("分值 ")  # scored out of full marks
    assert "，最多加 6 分，按 +6 分计" in next(
        line.detail for line in scores[AID].lines if line.label == "已达上限"
    )
    categories = {c.category.name: c.category for c in scores[AID].categories}
    assert (categories["督查整改"].short_limit, categories["品牌创建"].short_limit) == (
        "最多扣5",
        "最多加6",
    )  # the ranking's column headers
    # 2 joined × 2 = 4 = the item's cap exactly: not capped, and within the category's 6
    base = scores[BASE].category("品牌创建")
    assert (base.raw, base.points, base.capped) == (2 * joined, 4, False)


def test_judgement_scores_supersede_and_refuse_bad_input(database):
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        _set_scheme(s, programme_id, CATEGORIES)
        first = record_judgement(s, programme_id=programme_id, unit_id=units[AID], item_key="leadership",
                                 score=3, reason="台账不全", on=date(2018, 9, 1))  # fmt: skip
        second = record_judgement(s, programme_id=programme_id, unit_id=units[AID], item_key="leadership",
                                  score=4.5, reason="已补齐台账", on=date(2018, 10, 1))  # fmt: skip
        assert first.id != second.id  # a new record, the first kept as it was
        assert s.get(JudgementScore, first.id).score == 3

        def leadership(on: date) -> float:
            score = next(sc for sc in department_scores(s, programme_id, on) if sc.name == AID)
            return score.category("组织领导").points

        assert leadership(date(2018, 8, 31)) == 0  # not yet scored: 未评分
        assert leadership(date(2018, 9, 15)) == 3
        assert leadership(AS_OF) == 4.5
        score = next(sc for sc in department_scores(s, programme_id, AS_OF) if sc.name == AID)
        [line] = [line for line in score.lines if line.category == "组织领导"]
        assert (
            line.points == 4.5
            and "已补齐台账" in line.detail
            and "取代 2018-09-01 的 3 分" in line.detail
        )
        other = next(sc for sc in department_scores(s, programme_id, AS_OF) if sc.name == BASE)
        row = next(r for r in explanation(other) if r.label == "组织领导" and not r.heading)
        assert row.points == 0 and "未评分" in row.detail
        assert not [line for line in other.lines if line.category == "组织领导"]
    before = dump(database)
    bad = [
        ({"score": 5.5}, "score"), ({"score": -1}, "score"), ({"reason": "  "}, "reason"),
        ({"item_key": "indicator"}, "item"), ({"item_key": "nothing"}, "item"),
        ({"on": date(2018, 1, 5)}, "on"), ({"unit": "县矫正办"}, "unit"),
    ]  # fmt: skip
    for change, field in bad:
        with database.session() as s:
            programme_id, units = current_programme(s).id, unit_ids(s)
            args = {"programme_id": programme_id, "unit_id": units[change.pop("unit", AID)],
                    "item_key": "leadership", "score": 2, "reason": "理由", "on": AS_OF, **change}  # fmt: skip
            with pytest.raises(ValidationError) as caught:
                record_judgement(s, **args)
            assert caught.value.field == field, change
    assert dump(database) == before


def test_judgement_refused_on_a_departments_pc(tmp_path):
    from app.services.setup import initialise

    db = initialise(str(tmp_path / "d.db"), TEMPLATE_KEY, AID).database
    before = dump(db)
    with db.session() as s, pytest.raises(ValidationError, match="考核评分由县矫正办登记"):
        record_judgement(s, programme_id=current_programme(s).id, unit_id=unit_ids(s)[AID],
                         item_key="leadership", score=5, reason="自评", on=AS_OF)  # fmt: skip
    assert dump(db) == before
    db.close()


def test_peer_rating_without_ratings_is_unrated_and_scales_the_average(database):
    with database.session() as s:
        programme_id = current_programme(s).id
        _set_scheme(s, programme_id, CATEGORIES)
        for score in department_scores(s, programme_id, AS_OF):
            if assessment.peer_average(s, programme_id, score.unit_id) is not None:
                continue  # rated (once ratings exist on this branch)
            result = score.category("基层测评")
            assert result.points == 0 and "未评" in result.items[0].detail
            assert not result.items[0].applied
    item = Item("peer_rating", "peer_rating", "结对司法所测评", 5)
    assert assessment._peer_score(item, 80.0).points == 4.0
    assert assessment._peer_score(item, 100.0).points == 5.0


def test_a_flat_scheme_of_an_older_database_scores_as_before(database):
    """The template's categories hold the same figures as the flat rules older databases
    store: every department's lines and total are the same either way, and equal to the rules
    applied by hand."""
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        _seed_records(s, programme_id, units, overdue=4)
        new = {sc.name: sc for sc in department_scores(s, programme_id, AS_OF)}
        _set_scheme(s, programme_id, None, OLD_RULES)
        scheme = scheme_for(s, programme_id)
        assert [c.name for c in scheme.categories] == [
            "量化指标完成",
            "阶段总结逾期",
            "整改逾期",
            "牵头创建品牌",
            "参与创建品牌",
        ]
        assert scheme.categories[2].cap == 9 and scheme.categories[2].items[0].cap == 9
        old = {sc.name: sc for sc in department_scores(s, programme_id, AS_OF)}
        n_overdue, led, joined = _counted(s, units)
        # no summary was sent: every phase whose deadline passed counts late for everyone
        late = len(s.scalars(select(Phase).where(Phase.programme_id == programme_id,
                                                 Phase.deadline < AS_OF)).all())  # fmt: skip
    assert late >= 1
    for name, score in old.items():
        assert score.total == new[name].total, name
        assert [(ln.label, ln.detail, ln.points) for ln in score.lines] == [
            (ln.label, ln.detail, ln.points) for ln in new[name].lines
        ], name
    indicator = {name: sc.lines[0].points + max(-4, -2 * late) for name, sc in old.items()}
    assert old[LAWYERS].total == pytest.approx(indicator[LAWYERS] + max(-9, -3 * n_overdue))
    assert old[AID].total == pytest.approx(indicator[AID] + min(10, 5 * led))
    assert old[BASE].total == pytest.approx(indicator[BASE] + min(4, 2 * joined))
    assert "最多扣 9 分" in next(ln.detail for ln in old[LAWYERS].lines if ln.label == "整改逾期")


def test_the_template_checks_its_categories():
    check = assessment.check_categories
    assert check(CATEGORIES) is None
    assert "kind" in check([{"name": "x", "items": [{"kind": "guess", "points": 1}]}])
    assert "key" in check([{"name": "x", "items": [{"kind": "judgement", "points": 1}]}])
    assert "分值" in check(
        [{"name": "x", "cap": -1, "items": [{"code": "brand_lead", "points": 1}]}]
    )
    assert "code" in check([{"name": "x", "items": [{"code": "nothing", "points": 1}]}])
    assert "没有考核内容" in check([{"name": "x", "items": []}])
    twice = {"kind": "judgement", "key": "a", "points": 1}
    assert "重复" in check([{"name": "x", "items": [twice, twice]}])


def test_an_undo_names_the_entry_it_reverses_and_old_pairs_still_match(database):
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        args = {"programme_id": programme_id, "unit_id": units[AID], "points": -1.0,
                "reason": "迟报", "on": date(2018, 9, 1)}  # fmt: skip
        first = assessment.record_adjustment(s, **args)
        second = assessment.record_adjustment(s, **args)  # the same again, another month
        undo = assessment.undo_adjustment(s, second.id, AS_OF)
        assert undo.reverses_id == second.id and undo.points == 1
        rows = {r.id: r for r in assessment.adjustment_rows(s, programme_id)}
        # matched by the link: the second is undone, not the first (same unit, points, reason)
        assert rows[second.id].undone and not rows[first.id].undone and rows[undo.id].is_undo
        # a 撤销 from before the link (no reverses_id) still pairs by unit, points and reason
        s.add(ScoreAdjustment(programme_id=programme_id, unit_id=units[BASE], points=2.0, reason="表扬",
                              adjusted_on=date(2018, 9, 1), owner_unit_id=units["县矫正办"]))  # fmt: skip
        s.add(ScoreAdjustment(programme_id=programme_id, unit_id=units[BASE], points=-2.0,
                              reason="撤销：表扬", adjusted_on=date(2018, 9, 2),
                              owner_unit_id=units["县矫正办"]))  # fmt: skip
        s.flush()
        rows = assessment.adjustment_rows(s, programme_id)
        old = [r for r in rows if r.unit == BASE]
        assert [(r.is_undo, r.undone) for r in old] == [(False, True), (True, False)]
        with pytest.raises(ValidationError, match="已经撤销"):
            assessment.undo_adjustment(s, second.id, AS_OF)


def _pdf_text(pdf: bytes) -> list[str]:
    return [
        p.extract_text().replace(" ", "").replace("\n", "")
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


def test_the_score_sheet_pdf_shows_categories_caps_and_the_closing(database):
    from app.reports.scoresheet_pdf import render_scoresheet_pdf

    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        _set_scheme(s, programme_id, CATEGORIES)
        _seed_records(s, programme_id, units, overdue=3)
        record_judgement(s, programme_id=programme_id, unit_id=units[LAWYERS], item_key="leadership",
                         score=4, reason="部署到位", on=date(2018, 9, 1))  # fmt: skip
        late = assessment.record_adjustment(s, programme_id=programme_id, unit_id=units[LAWYERS],
                                            points=-1.5, reason="10月例会材料迟报",
                                            on=date(2018, 10, 1))  # fmt: skip
        assessment.record_adjustment(s, programme_id=programme_id, unit_id=units[LAWYERS],
                                     points=2, reason="承办现场会", on=date(2018, 10, 2))  # fmt: skip
        assessment.undo_adjustment(s, late.id, date(2018, 10, 3))
        [before_undo] = assessment.score_sheets(s, programme_id, date(2018, 10, 2), LAWYERS)
        [sheet] = assessment.score_sheets(s, programme_id, AS_OF, LAWYERS)
        every = assessment.score_sheets(s, programme_id, AS_OF)
    pdf = render_scoresheet_pdf([sheet])
    if os.environ.get("SHEET_PDF"):
        Path(os.environ["SHEET_PDF"]).write_bytes(pdf)
    [text] = _pdf_text(pdf)
    for expected in ("评分表", f"被考核单位：{LAWYERS}", "2018年10月31日", "工作类别", "考核内容",
                     "评分标准", "分值", "得分", "督查整改", "逾期未整改的，每项扣2分", "已达上限",
                     "组织领导", "青田县社区矫正工作领导小组办公室", f"{sheet.score.total:.2f}",
                     "最多扣5分", "评分理由：部署到位"):  # fmt: skip
        assert expected in text, expected
    assert "扣分标准" not in text  # a bonus row has no 扣分 standard
    # the revoked 加减分 and its 撤销 are marked as such; the one kept is plain
    assert [line.undo for line in sheet.adjustments] == ["已撤销", "", "撤销"]
    assert "10月例会材料迟报（县矫正办登记）【已撤销：与其撤销记录相抵，不计分】" in text
    assert "撤销：10月例会材料迟报（县矫正办登记）【撤销记录】" in text
    assert "承办现场会（县矫正办登记）—+2" in text  # the one kept: no mark
    # as of a date before the 撤销, the entry was not yet revoked
    assert [line.undo for line in before_undo.adjustments] == ["", ""]
    # the footnote and the 落款 are on the table's page (one page: ``[text]`` above)
    assert text.index("合计") < text.index("注：") < text.index("青田县社区矫正工作领导小组办公室")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font[
            "/BaseFont"
        ]
    pages = _pdf_text(render_scoresheet_pdf(every))
    assert len(pages) == len(every) == 7  # a page each, in rank order
    assert [next(s.score.name for s in every if s.score.name in p) for p in pages] == [
        s.score.name for s in every
    ]


def test_cli_scoresheet(db_path, tmp_path, capsys):
    from app.cli import main

    out = tmp_path / "评分表.pdf"
    base = ["--db", str(db_path), "scoresheet", "--out"]
    assert main([*base, str(out), "--unit", AID, "--date", "2018-10-31"]) == 0
    assert "已生成评分表 PDF" in capsys.readouterr().out
    [text] = _pdf_text(out.read_bytes())
    assert f"被考核单位：{AID}" in text and "2018年10月31日" in text
    all_out = tmp_path / "all.pdf"
    assert main([*base, str(all_out), "--all", "--date", "2018-10-31"]) == 0
    assert len(_pdf_text(all_out.read_bytes())) == 7
    missing = tmp_path / "x.pdf"
    assert main([*base, str(missing), "--unit", "瓯南司法所"]) == 2
    assert "科室" in capsys.readouterr().err and not missing.exists()
    assert main([*base, str(tmp_path / "x.txt"), "--all"]) == 2
    assert main([*base, str(missing), "--all", "--date", "2018-13-01"]) == 2
    assert not missing.exists()


@pytest.mark.sqlite_only(
    reason="an older program's database file, edited as it left it: only SQLite files existed before the server"
)
def test_a_database_at_0012_upgrades_and_scores_the_same(db_path):
    """A database from before categories (schema 0012, its scheme a flat list of rules, a
    撤销 matched by its reason) opens upgraded and ranks every department as before."""
    import json
    import sqlite3

    from app.services.database import open_database
    from tests.helpers import downgrade_to

    database = open_database(str(db_path))
    with database.session() as s:
        programme_id, units = current_programme(s).id, unit_ids(s)
        _seed_records(s, programme_id, units, overdue=4)
        entry = assessment.record_adjustment(s, programme_id=programme_id, unit_id=units[AID],
                                             points=3, reason="表扬", on=date(2018, 9, 1))  # fmt: skip
        expected = {sc.name: sc.total for sc in department_scores(s, programme_id, AS_OF)}
    database.close()
    downgrade_to(db_path, "0012")
    connection = sqlite3.connect(db_path)  # as the program before this version left it
    with connection:
        connection.execute("UPDATE assessment_schemes SET rules = ?", (json.dumps(OLD_RULES),))
        connection.execute(
            "INSERT INTO score_adjustments (programme_id, unit_id, points, reason, adjusted_on,"
            " uuid, created_at, updated_at, revision, deleted, owner_unit_id)"
            " SELECT programme_id, unit_id, -points, '撤销：' || reason, '2018-09-02', 'u-undo',"
            " created_at, updated_at, 0, 0, owner_unit_id FROM score_adjustments WHERE id = ?",
            (entry.id,),
        )
    connection.close()
    database = open_database(str(db_path))
    try:
        assert database.backup_path is not None  # upgraded
        with database.session() as s:
            assert scheme_for(s, programme_id).categories[2].name == "整改逾期"
            scores = {sc.name: sc.total for sc in department_scores(s, programme_id, AS_OF)}
            rows = assessment.adjustment_rows(s, programme_id)
    finally:
        database.close()
    assert scores == {name: total - (3 if name == AID else 0) for name, total in expected.items()}
    assert [(r.points, r.is_undo, r.undone) for r in rows] == [(3, False, True), (-3, True, False)]


def test_a_judgement_travels_down_and_a_forged_one_is_refused(tmp_path):
    """The county's score reaches a department in its package; a score above the item's
    maximum (the county's database edited by hand) is refused whole, the department's
    database unchanged."""
    import sqlite3

    from app.models import Unit
    from app.services.errors import UserError
    from app.services.setup import initialise
    from app.sync import identity
    from app.sync.exchange import export_package, import_package

    county = initialise(str(tmp_path / "county.db"), TEMPLATE_KEY, "县矫正办").database
    unit = initialise(str(tmp_path / "unit.db"), TEMPLATE_KEY, AID).database
    try:
        with county.session() as c, unit.session() as u:
            aid_uuid = c.scalar(select(Unit.uuid).where(Unit.name == AID))
            county_uuid = c.scalar(select(Unit.uuid).where(Unit.name == "县矫正办"))
            identity.register_peer(c, aid_uuid, identity.key_pairs(u).public())
            identity.register_peer(u, county_uuid, identity.key_pairs(c).public())
        with county.session() as s:
            programme_id, units = current_programme(s).id, unit_ids(s)
            record_judgement(s, programme_id=programme_id, unit_id=units[AID], item_key="leadership",
                             score=4, reason="部署到位", on=date(2018, 9, 1))  # fmt: skip
        package, _counts = export_package(county, AID, tmp_path / "down.bjpkg")
        import_package(unit, package)
        with unit.session() as s:
            [row] = s.scalars(select(JudgementScore)).all()
            assert (row.score, row.reason) == (4, "部署到位")
            score = next(sc for sc in department_scores(s, current_programme(s).id, AS_OF)
                         if sc.name == AID)  # fmt: skip
            assert score.category("组织领导").points == 4

        with county.session() as s:
            record_judgement(s, programme_id=programme_id, unit_id=units[AID], item_key="leadership",
                             score=5, reason="再评", on=date(2018, 10, 1))  # fmt: skip
        connection = sqlite3.connect(county.file)
        with connection:
            connection.execute("UPDATE judgement_scores SET score = 9 WHERE reason = '再评'")
        connection.close()
        before = dump(unit)
        forged, _counts = export_package(county, AID, tmp_path / "forged.bjpkg")
        with pytest.raises(UserError, match="考核评分") as caught:
            import_package(unit, forged)
        assert "score" in str(caught.value) and "0 到 5" in str(caught.value)
        assert dump(unit) == before
    finally:
        county.close()
        unit.close()
