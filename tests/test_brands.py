"""Innovation brands: validation (refusals change nothing), lifecycle, evidence from the brand's
units only, and the goal line against the programme's BRAND_COUNT goal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import (
    Brand,
    BrandEvidence,
    BrandMilestone,
    BrandParticipant,
    BrandStatus,
    Goal,
    GoalMetric,
)
from app.services import brands, ledger
from app.services.brands import BrandInput
from app.services.errors import UserError, ValidationError
from app.services.forms import FormErrors
from app.services.goals import goal_figures
from app.services.ledger import EntryInput
from app.services.settings import LOCAL_UNIT, current_programme, local_unit, set_setting
from tests.helpers import kind_ids, unit_ids

AID, GRASSROOTS = "法律援助中心", "基层科"
TODAY = date(2018, 11, 20)


def _snapshot(database) -> list[tuple]:
    """Every column of every brand record."""
    with database.session() as s:
        return [
            tuple(getattr(row, c.key) for c in model.__table__.columns)
            for model in (Brand, BrandParticipant, BrandMilestone, BrandEvidence)
            for row in s.scalars(select(model).order_by(model.id))
        ]


def refused(database, action, error=UserError) -> UserError:
    """Run ``action(session)`` expecting a refusal, commit the session anyway, and check that
    no brand record changed."""
    before = _snapshot(database)
    with database.session() as s, pytest.raises(error) as info:
        action(s)
    assert _snapshot(database) == before
    return info.value


def messages(exc: UserError) -> dict[str, str]:
    return dict(exc.errors) if isinstance(exc, FormErrors) else {exc.field or "": exc.message}


@pytest.fixture
def env(database):
    """Programme id, unit ids and an entry factory on the county office's PC."""
    with database.session() as s:
        assert local_unit(s).name == "县矫正办"
        programme_id, units, kinds = current_programme(s).id, unit_ids(s), kind_ids(s)

    def entry(unit: str, title: str, when: date = date(2018, 7, 2)) -> int:
        with database.session() as s:
            return ledger.save_entry(
                s,
                database.attachments,
                None,
                EntryInput(
                    kind_id=kinds["other"], unit_id=units[unit], entry_date=when, title=title
                ),
            )

    return programme_id, units, entry


def _create(database, programme_id, units, name="法援+", lead=AID, participants=("瓯南司法所",),
            description="法律援助律师进驻司法所。", outcomes="") -> int:  # fmt: skip
    with database.session() as s:
        return brands.create_brand(
            s,
            programme_id,
            BrandInput(
                name=name,
                lead_unit_id=units[lead],
                participant_ids=[units[p] for p in participants],
                description=description,
                outcomes=outcomes,
            ),
        )


def test_create_lists_the_brand_with_its_units(database, env):
    programme_id, units, _entry = env
    brand_id = _create(database, programme_id, units, "  法援+ ",
                       participants=("瓯南司法所", "社区矫正科", "律师管理科"))  # fmt: skip
    with database.session() as s:
        (row,) = brands.list_brands(s, programme_id)
        me = local_unit(s).id
        owners = {p.owner_unit_id for p in s.scalars(select(BrandParticipant))}
    assert (row.id, row.name, row.lead, row.status_label) == (brand_id, "法援+", AID, "筹划中")
    assert row.participants == ("社区矫正科", "律师管理科", "瓯南司法所")  # in the units' order
    assert (row.milestones_done, row.milestones_total, row.evidence_count) == (0, 0, 0)
    assert row.owner_unit_id == me and owners == {me}  # the county's records


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": "  "}, "name", "请填写品牌名称，例如“法援+”。"),
        ({"name": "法" * 31}, "name", "品牌名称不能超过 30 个字。"),
        ({"name": "法援＋"}, "name", "已有名为“法援＋”的品牌。"),  # full-width plus is the same
        ({"lead": "瓯南司法所"}, "lead_unit", "“瓯南司法所”不是局科室；牵头单位须是局科室。"),
        ({"lead": None}, "lead_unit", "请选择牵头科室。"),
        ({"participants": ("基层科", "东源司法所", "基层科")}, "participants",
         "“基层科”已是牵头科室，不必再列为参与单位。"),
        ({"participants": ("东源司法所", "东源司法所")}, "participants", "“东源司法所”重复列出。"),
        ({"participants": ("县矫正办",)}, "participants",
         "“县矫正办”不能作为参与单位（只能是局科室、司法所或社区矫正科）。"),
        ({"description": "很" * 2001}, "description", "品牌简介不能超过 2000 字。"),
        ({"outcomes": "很" * 4001}, "outcomes", "创建成效不能超过 4000 字。"),
    ],
)  # fmt: skip
def test_bad_brands_are_refused_and_nothing_changes(database, env, change, field, message):
    programme_id, units, _entry = env
    _create(database, programme_id, units)
    values = {"name": "调解+", "lead": GRASSROOTS, "participants": ("东源司法所",),
              "description": "", "outcomes": "", **change}  # fmt: skip
    data = BrandInput(
        name=values["name"],
        lead_unit_id=units.get(values["lead"]),
        participant_ids=[units[p] for p in values["participants"]],
        description=values["description"],
        outcomes=values["outcomes"],
    )
    error = refused(database, lambda s: brands.create_brand(s, programme_id, data), FormErrors)
    assert messages(error)[field] == message


def test_edit_keeps_the_name_unique_and_the_evidence_units(database, env):
    programme_id, units, entry = env
    aid = _create(database, programme_id, units)
    mediation = _create(database, programme_id, units, "调解+", GRASSROOTS, ("东源司法所",))
    same = BrandInput(
        name="法援+", lead_unit_id=units[GRASSROOTS], participant_ids=[units["东源司法所"]]
    )
    error = refused(database, lambda s: brands.update_brand(s, mediation, same), FormErrors)
    assert messages(error) == {"name": "已有名为“法援+”的品牌。"}

    visit = entry("东源司法所", "人民调解员参与矫正对象家庭矛盾调处")
    with database.session() as s:
        brands.attach_evidence(s, mediation, [visit])
    dropped = BrandInput(name="调解+", lead_unit_id=units[GRASSROOTS], participant_ids=[])
    error = refused(database, lambda s: brands.update_brand(s, mediation, dropped), FormErrors)
    assert messages(error)["participants"] == (
        "东源司法所的台账是本品牌的佐证；请先移除这些佐证，再取消其牵头或参与。"
    )
    with database.session() as s:  # renaming itself and adding a unit is fine
        brands.update_brand(
            s,
            aid,
            BrandInput(
                name="法援+ ",
                lead_unit_id=units[AID],
                participant_ids=[units["瓯南司法所"], units["律师管理科"]],
            ),
        )
        brands.update_brand(
            s,
            aid,
            BrandInput(
                name="法援+", lead_unit_id=units[AID], participant_ids=[units["律师管理科"]]
            ),
        )
        rows = {r.name: r for r in brands.list_brands(s, programme_id)}
        tombstones = s.scalars(select(BrandParticipant.deleted)
                               .where(BrandParticipant.brand_id == aid)).all()  # fmt: skip
    assert rows["法援+"].participants == ("律师管理科",)
    assert sorted(tombstones) == [False, True]  # 瓯南司法所's record is deleted, not dropped


def test_lifecycle_to_created_needs_outcomes_and_evidence(database, env):
    programme_id, units, entry = env
    brand_id = _create(database, programme_id, units)
    status = brands.set_status
    error = refused(database, lambda s: status(s, brand_id, BrandStatus.CREATED), ValidationError)
    assert error.message == "请先把品牌设为“创建中”，再确认“已创建”。"
    with database.session() as s:
        status(s, brand_id, BrandStatus.BUILDING)
    error = refused(database, lambda s: status(s, brand_id, BrandStatus.CREATED), FormErrors)
    assert messages(error) == {
        "outcomes": "确认“已创建”前，请先在“编辑…”中填写创建成效。",
        "evidence": "确认“已创建”前，请至少从工作台账添加一条佐证。",
    }

    hotline = entry(AID, "12348 热线为矫正对象家属解答法律问题")
    with database.session() as s:
        brands.update_brand(
            s,
            brand_id,
            BrandInput(
                name="法援+",
                lead_unit_id=units[AID],
                participant_ids=[units["瓯南司法所"]],
                description="",
                outcomes="全年为矫正对象提供法律援助 26 件。",
            ),
        )
        brands.attach_evidence(s, brand_id, [hotline])
        assert [g.done for g in goal_figures(s, programme_id)
                if g.metric == GoalMetric.BRAND_COUNT] == [0]  # fmt: skip
        status(s, brand_id, BrandStatus.CREATED)
        assert brands.brand_summary(s, programme_id).created == 1

    # while created, the outcomes and the last evidence stay; it cannot be deleted
    emptied = BrandInput(
        name="法援+",
        lead_unit_id=units[AID],
        participant_ids=[units["瓯南司法所"]],
        description="",
        outcomes=" ",
    )
    error = refused(database, lambda s: brands.update_brand(s, brand_id, emptied), FormErrors)
    assert "已创建的品牌须保留创建成效" in messages(error)["outcomes"]
    error = refused(database, lambda s: brands.detach_evidence(s, brand_id, hotline))
    assert error.message == "已创建的品牌至少要保留一条佐证；如需更换，请先添加新的佐证。"
    error = refused(database, lambda s: brands.delete_brand(s, brand_id))
    assert "已创建的品牌不能删除" in error.message
    error = refused(database, lambda s: status(s, brand_id, BrandStatus.PLANNED))
    assert error.message == "请先撤销“已创建”（设为“创建中”），再改回“筹划中”。"

    with database.session() as s:  # one step back, then the evidence may go
        status(s, brand_id, BrandStatus.BUILDING)
        brands.detach_evidence(s, brand_id, hotline)
        assert brands.brand_summary(s, programme_id).created == 0
        status(s, brand_id, BrandStatus.PLANNED)
        brands.delete_brand(s, brand_id)
        assert brands.list_brands(s, programme_id) == []
        assert all(s.scalars(select(BrandEvidence.deleted)))


def test_milestones_due_in_the_deadline_range_done_from_its_start_to_today(database, env):
    programme_id, units, _entry = env
    brand_id = _create(database, programme_id, units)
    add = brands.add_milestone
    error = refused(database, lambda s: add(s, brand_id, " ", date(2019, 7, 1)), FormErrors)
    assert messages(error) == {"title": "请填写节点名称。",
                               "due_date": "计划完成日期应在2018年1月1日至2019年6月30日之间。"}  # fmt: skip
    with database.session() as s:
        second = add(s, brand_id, "形成典型案例", date(2018, 11, 30))
        first = add(s, brand_id, "法援律师进驻瓯南司法所值班", date(2018, 7, 31))
    done = brands.mark_milestone_done
    error = refused(database, lambda s: done(s, first, date(2017, 12, 31), TODAY))
    assert error.message == "完成日期应在2018年1月1日至2019年6月30日之间。"
    error = refused(database, lambda s: done(s, first, date(2018, 11, 21), TODAY))
    assert error.message == "完成日期不能晚于今天。"
    with database.session() as s:
        done(s, first, date(2018, 1, 1), TODAY)  # the first day counts
        detail = brands.brand_detail(s, brand_id)
    assert [(m.id, m.done_on) for m in detail.milestones] == [
        (first, date(2018, 1, 1)), (second, None)]  # by due date  # fmt: skip
    assert (detail.brand.milestones_done, detail.brand.milestones_total) == (1, 2)
    assert detail.milestones[1].overdue(date(2018, 12, 1))
    assert not detail.milestones[0].overdue(date(2018, 12, 1))
    with database.session() as s:
        brands.delete_milestone(s, second)
        assert brands.brand_detail(s, brand_id).brand.milestones_total == 1


def test_evidence_only_live_entries_of_the_lead_or_participants(database, env):
    programme_id, units, entry = env
    brand_id = _create(database, programme_id, units)  # 法律援助中心 + 瓯南司法所
    own = entry(AID, "法援律师为矫正对象代写申请", date(2018, 8, 1))
    office = entry("瓯南司法所", "司法所转交法律援助申请", date(2018, 8, 3))
    stranger = entry(GRASSROOTS, "基层科调解工作例会")
    gone = entry(AID, "误登的台账")
    with database.session() as s:
        ledger.delete_entry(s, gone)

    error = refused(database, lambda s: brands.attach_evidence(s, brand_id, [own, stranger]))
    assert error.message == "“基层科调解工作例会”是基层科的台账，基层科不是本品牌的牵头或参与单位。"
    error = refused(database, lambda s: brands.attach_evidence(s, brand_id, [gone]))
    assert error.message == "“误登的台账”已被删除，不能作为佐证。"
    with database.session() as s:
        choices = brands.candidate_entries(s, brand_id)
    assert [r.title for r in choices.rows] == [
        "司法所转交法律援助申请",
        "法援律师为矫正对象代写申请",
    ]
    assert choices.total == 2

    with database.session() as s:
        assert brands.attach_evidence(s, brand_id, [own, office]) == 2
    error = refused(database, lambda s: brands.attach_evidence(s, brand_id, [office]))
    assert error.message == "“司法所转交法律援助申请”已是本品牌的佐证。"
    with database.session() as s:
        assert brands.candidate_entries(s, brand_id).rows == []
        detail = brands.brand_detail(s, brand_id)
        brands.detach_evidence(s, brand_id, office)
        brands.attach_evidence(s, brand_id, [office])  # the tombstone comes back to life
        rows = s.scalars(select(BrandEvidence).where(BrandEvidence.entry_id == office)).all()
        only_aid = brands.candidate_entries(s, brand_id, units[AID])
    assert [(e.entry_date, e.unit, e.title) for e in detail.evidence] == [
        (date(2018, 8, 1), AID, "法援律师为矫正对象代写申请"),
        (date(2018, 8, 3), "瓯南司法所", "司法所转交法律援助申请"),
    ]
    assert len(rows) == 1 and not rows[0].deleted
    assert (only_aid.rows, only_aid.total) == ([], 0)


def test_only_the_county_office_changes_brands(database, env):
    programme_id, units, _entry = env
    brand_id = _create(database, programme_id, units)
    with database.session() as s:
        set_setting(s, LOCAL_UNIT, s.get(type(local_unit(s)), units[AID]).uuid)
    with database.session() as s:
        assert not brands.can_edit(s)
        assert [r.name for r in brands.list_brands(s, programme_id)] == ["法援+"]
    error = refused(database, lambda s: brands.add_milestone(s, brand_id, "节点", date(2018, 9, 1)))
    assert error.message == "品牌由县矫正办登记和维护，本机单位（法律援助中心）只能查看。"


def test_the_goal_line_counts_created_brands_against_the_goal(database, env):
    programme_id, units, entry = env
    with database.session() as s:
        summary = brands.brand_summary(s, programme_id)
    assert (summary.created, summary.building, summary.planned) == (0, 0, 0)
    assert (summary.target_text, summary.met) == ("1–2 个", False)
    assert summary.goal_title == "培育创新性品牌1至2个"

    aid = _create(database, programme_id, units, outcomes="成效")
    _create(database, programme_id, units, "调解+", GRASSROOTS, ("东源司法所", "北山司法所"))
    outreach = entry(AID, "法律援助进社区")
    with database.session() as s:
        brands.set_status(s, aid, BrandStatus.BUILDING)
        brands.attach_evidence(s, aid, [outreach])
        brands.set_status(s, aid, BrandStatus.CREATED)
        summary = brands.brand_summary(s, programme_id)
        goal = next(g for g in goal_figures(s, programme_id) if g.metric == GoalMetric.BRAND_COUNT)
    assert (summary.created, summary.building, summary.planned, summary.met) == (1, 0, 1, True)
    assert summary.created == goal.done  # the goals' own figure

    with database.session() as s:  # another county's goal of exactly 3
        row = s.scalar(select(Goal).where(Goal.metric == GoalMetric.BRAND_COUNT))
        row.target_min, row.target_max, row.measure_unit = 3, None, "个"
    with database.session() as s:
        assert brands.brand_summary(s, programme_id).target_text == "3 个"
        s.scalar(select(Goal).where(Goal.metric == GoalMetric.BRAND_COUNT)).deleted = True
    with database.session() as s:
        summary = brands.brand_summary(s, programme_id)
    assert (summary.created, summary.target_text, summary.met) == (1, "", False)
