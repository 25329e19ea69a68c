"""例会: saving with every refusal at once, missing months at month boundaries, decisions
overdue from the day after their due date, soft deletion, and the minutes PDF."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.models import Meeting, MeetingDecision, MeetingReport, Phase, Programme
from app.reports.minutes_pdf import render_minutes_pdf
from app.services import meetings
from app.services.errors import ValidationError
from app.services.forms import FormErrors
from app.services.meetings import DecisionInput, MeetingInput, ReportInput
from app.services.settings import current_programme, local_unit
from tests.helpers import unit_ids

TODAY = date(2018, 12, 31)
AID, LAW = "法律援助中心", "法制宣传科"


@pytest.fixture
def ctx(database):
    """(programme id, this PC's unit id, unit name → id)."""
    with database.session() as s:
        return current_programme(s).id, local_unit(s).id, unit_ids(s)


def _input(ctx, when: date, **changes) -> MeetingInput:
    programme_id, _local, units = ctx
    data = MeetingInput(
        programme_id=programme_id,
        meeting_date=when,
        chair="张副局长",
        attendees="局领导，各科室负责人",
        location="局三楼会议室",
        notes="",
        reports=[
            ReportInput(
                unit_id=units[AID], progress="办理法律援助案件 12 件。", problems="值班律师不足。"
            ),
            ReportInput(unit_id=units[LAW], progress="普法进社区 2 场。"),
        ],
        decisions=[
            DecisionInput(
                text="完成挂钩结对走访", responsible_unit_id=units[AID], due_date=date(2018, 7, 31)
            ),
            DecisionInput(text="报送半年小结", responsible_unit_id=None, due_date=None),
        ],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def _save(database, ctx, when: date, meeting_id: int | None = None, **changes) -> int:
    with database.session() as s:
        return meetings.save_meeting(s, meeting_id, _input(ctx, when, **changes), ctx[1], TODAY).id


def _counts(database) -> tuple[int, int, int]:
    with database.session() as s:
        return tuple(
            s.scalar(select(func.count()).select_from(model).where(model.deleted.is_(False)))
            for model in (Meeting, MeetingReport, MeetingDecision)
        )


def test_a_meeting_is_saved_with_reports_decisions_and_owner(database, ctx):
    meeting_id = _save(
        database,
        ctx,
        date(2018, 6, 30),
        reports=[
            ReportInput(unit_id=ctx[2][AID], progress=" 进展 ", problems=""),
            ReportInput(unit_id=ctx[2][LAW], progress="  ", problems="\n"),
        ],
    )
    with database.session() as s:
        meeting = s.get(Meeting, meeting_id)
        assert (meeting.owner_unit_id, meeting.chair) == (ctx[1], "张副局长")
        reports = s.scalars(select(MeetingReport)).all()
        assert [(r.unit_id, r.progress) for r in reports] == [(ctx[2][AID], "进展")]  # blank: none
        assert {d.owner_unit_id for d in s.scalars(select(MeetingDecision))} == {ctx[1]}
        row = meetings.list_meetings(s, ctx[0], date(2018, 7, 1))[0]
    assert (row.reports, row.reporting_units, row.decisions, row.open_decisions) == (1, 8, 2, 2)


def test_every_refusal_is_named_at_once_and_nothing_changes(database, ctx):
    _programme_id, local, units = ctx
    meeting_id = _save(database, ctx, date(2018, 6, 30))
    before = _counts(database)
    bad = _input(
        ctx,
        date(2019, 1, 5),
        chair="  ",
        location="很" * 101,
        reports=[
            ReportInput(unit_id=units[AID], progress="a"),
            ReportInput(unit_id=units[AID], progress="b"),
            ReportInput(unit_id=units["瓯南司法所"], progress="c"),
            ReportInput(unit_id=units[LAW], progress="长" * 3001),
        ],
        decisions=[
            DecisionInput(text="  ", responsible_unit_id=units[AID]),
            DecisionInput(text="x", responsible_unit_id=None, due_date=date(2018, 6, 1)),
        ],
    )
    for target in (None, meeting_id):
        with database.session() as s, pytest.raises(FormErrors) as refused:
            meetings.save_meeting(s, target, bad, local, TODAY)
        errors = refused.value.errors
        assert set(errors) == {"meeting_date", "chair", "location", "reports", "decisions"}
        assert "2018年" in errors["meeting_date"] and errors["chair"] == "请填写主持人。"
        assert "法律援助中心的汇报填写了两次" in errors["reports"]
        assert "社区矫正科或局科室" in errors["reports"] and "3000 字" in errors["reports"]
        assert errors["decisions"] == (
            "第 1 项议定事项请填写内容。；第 2 项议定事项的完成时限不能早于例会日期。"
        )
    assert _counts(database) == before
    with database.session() as s:
        assert s.get(Meeting, meeting_id).meeting_date == date(2018, 6, 30)
        with pytest.raises(FormErrors, match="晚于今天"):
            meetings.save_meeting(s, None, _input(ctx, date(2018, 7, 2)), local, date(2018, 7, 1))
    # a due date on the meeting's own day is fine
    _save(
        database,
        ctx,
        date(2018, 7, 2),
        decisions=[
            DecisionInput(text="当天办结", responsible_unit_id=None, due_date=date(2018, 7, 2))
        ],
    )


def test_editing_updates_reports_and_decisions_in_place(database, ctx):
    units = ctx[2]
    meeting_id = _save(database, ctx, date(2018, 6, 30))
    with database.session() as s:
        stored = meetings.load_meeting(s, meeting_id)
        first = stored.decisions[0]
    first.done, first.text = True, "完成挂钩结对走访（全部）"
    _save(
        database,
        ctx,
        date(2018, 6, 29),
        meeting_id,
        reports=[ReportInput(unit_id=units[LAW], progress="普法进社区 3 场。")],
        decisions=[
            first,
            DecisionInput(text="新事项", responsible_unit_id=units[LAW], due_date=date(2018, 8, 1)),
        ],
    )
    with database.session() as s:
        again = meetings.load_meeting(s, meeting_id)
        assert [(r.unit_id, r.progress) for r in again.reports] == [
            (units[LAW], "普法进社区 3 场。")
        ]
        assert [(d.id == first.id, d.text, d.done) for d in again.decisions] == [
            (True, "完成挂钩结对走访（全部）", True), (False, "新事项", False)]  # fmt: skip
        gone = s.scalar(select(MeetingReport).where(MeetingReport.unit_id == units[AID]))
        assert gone.deleted and gone.revision == 2  # a tombstone, exchanged as a deletion
        assert s.scalar(select(func.count()).where(MeetingDecision.deleted.is_(True))) == 1
        assert s.get(MeetingDecision, first.id).revision == 2
    # the report taken out and put back revives the same record
    _save(database, ctx, date(2018, 6, 29), meeting_id, decisions=[])
    assert _counts(database) == (1, 2, 0)
    with database.session() as s:
        assert s.scalar(select(func.count()).select_from(MeetingReport)) == 2


def test_another_units_meeting_cannot_be_changed_here(database, ctx):
    units = ctx[2]
    meeting_id = _save(database, ctx, date(2018, 6, 30))
    with database.session() as s:
        decision_id = meetings.load_meeting(s, meeting_id).decisions[0].id
        for action in (
            lambda: meetings.save_meeting(s, meeting_id, _input(ctx, date(2018, 6, 30)), units[AID], TODAY),
            lambda: meetings.delete_meeting(s, meeting_id, units[AID]),
            lambda: meetings.mark_decision_done(s, decision_id, units[AID]),
        ):  # fmt: skip
            with pytest.raises(ValidationError, match="其他单位登记"):
                action()


def _missing(database, programme_id: int, today: date) -> list[str]:
    with database.session() as s:
        return [meetings.month_label(m) for m in meetings.missing_months(s, programme_id, today)]


def test_missing_months_at_month_boundaries(database, ctx):
    programme_id = ctx[0]  # issued 2018-06-28: meetings are due from July
    assert _missing(database, programme_id, date(2018, 7, 31)) == []  # July is not over
    assert _missing(database, programme_id, date(2018, 8, 1)) == ["2018年7月"]
    _save(database, ctx, date(2018, 6, 30))  # before the plan was in force: June is not due
    assert _missing(database, programme_id, date(2018, 8, 1)) == ["2018年7月"]
    july = _save(database, ctx, date(2018, 7, 1))  # the first day counts for July
    assert _missing(database, programme_id, date(2018, 8, 1)) == []
    _save(database, ctx, date(2018, 8, 31), decisions=[])  # the last day counts for August
    assert _missing(database, programme_id, date(2018, 9, 1)) == []
    after_year = _missing(database, programme_id, date(2019, 3, 1))
    assert after_year == ["2018年9月", "2018年10月", "2018年11月", "2018年12月"]  # never into 2019
    with database.session() as s:
        meetings.delete_meeting(s, july, ctx[1])
        assert s.get(Meeting, july).deleted
        assert all(d.deleted for d in s.scalars(select(MeetingDecision).where(
            MeetingDecision.meeting_id == july)))  # fmt: skip
        assert date(2018, 7, 1) not in [
            r.meeting_date for r in meetings.list_meetings(s, programme_id, TODAY)
        ]
    assert _missing(database, programme_id, date(2018, 8, 1)) == ["2018年7月"]
    with database.session() as s:  # without phases, a period from 1 January starts in January
        for phase in s.scalars(select(Phase)):
            phase.deleted = True
        s.get(Programme, programme_id).start_date = date(2018, 1, 1)
    assert _missing(database, programme_id, date(2018, 2, 1)) == ["2018年1月"]


def test_decisions_are_overdue_from_the_day_after_their_due_date(database, ctx):
    meeting_id = _save(
        database,
        ctx,
        date(2018, 6, 30),
        decisions=[
            DecisionInput(text="无时限", responsible_unit_id=None, due_date=None),
            DecisionInput(text="走访", responsible_unit_id=ctx[2][AID], due_date=date(2018, 7, 10)),
        ],
    )
    with database.session() as s:
        on_the_day = meetings.open_decisions(s, date(2018, 7, 10))
        assert [(d.text, d.responsible, d.overdue) for d in on_the_day] == [
            ("走访", AID, False), ("无时限", "", False)]  # fmt: skip
        late = meetings.open_decisions(s, date(2018, 7, 11), ctx[0])
        assert [(d.text, d.overdue) for d in late] == [("走访", True), ("无时限", False)]
        row = meetings.list_meetings(s, ctx[0], date(2018, 7, 11))[0]
        assert (row.open_decisions, row.overdue_decisions) == (2, 1)
        meetings.mark_decision_done(s, late[0].id, ctx[1])
        assert [d.text for d in meetings.open_decisions(s, date(2018, 7, 11))] == ["无时限"]
        assert meetings.list_meetings(s, ctx[0], date(2018, 7, 11))[0].overdue_decisions == 0
        meetings.delete_meeting(s, meeting_id, ctx[1])
        assert meetings.open_decisions(s, date(2018, 7, 11)) == []
        with pytest.raises(ValidationError, match="已被删除"):
            meetings.mark_decision_done(s, late[1].id, ctx[1])


def test_minutes_pdf_shows_reports_and_decisions_in_embedded_fonts(database, ctx):
    meeting_id = _save(database, ctx, date(2018, 6, 30), notes="下次例会于 7 月底召开。")
    with database.session() as s:
        minutes = meetings.meeting_minutes(s, meeting_id)
    assert [r.unit for r in minutes.reports] == [LAW, AID]  # the units' order, not typing order
    assert minutes.file_name == "例会纪要-2018-06-30.pdf"
    pdf = render_minutes_pdf(minutes)
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(p.extract_text() for p in reader.pages).replace("\n", "").replace(" ", "")
    for expected in ("大帮教工作中层干部月度例会纪要", "2018年6月30日", "局三楼会议室", "张副局长",
                     "局领导，各科室负责人", "办理法律援助案件12件", "值班律师不足", "普法进社区2场",
                     "完成挂钩结对走访", "7月31日前", "报送半年小结", "下次例会于7月底召开",
                     "青田县司法局", "—1—"):  # fmt: skip
        assert expected in text, expected
    fonts = {f.get_object()["/BaseFont"] for p in reader.pages
             for f in p["/Resources"]["/Font"].values()}  # fmt: skip
    assert fonts and all("+" in name for name in fonts), fonts  # embedded subsets, no Helvetica
    assert reader.metadata.title.startswith("大帮教工作中层干部月度例会纪要")
