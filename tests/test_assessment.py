"""Assessment and the progress bulletin: goal figures, scores and ranks computed independently
from seeded data, the explanation lines, the PDF's text and the workbook, the command line."""

from __future__ import annotations

import io
import itertools
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from app.cli import main
from app.models import (
    Brand,
    BrandParticipant,
    BrandStatus,
    Indicator,
    IndicatorMeasure,
    Inspection,
    LedgerEntry,
    RectificationItem,
    RectificationStatus,
)
from app.reports.bulletin_pdf import render_bulletin_pdf
from app.reports.bulletin_xlsx import render_bulletin_xlsx
from app.services import ledger, summaries
from app.services.assessment import add_adjustment, department_scores, scheme_for
from app.services.bulletin import build_bulletin
from app.services.errors import ValidationError
from app.services.goals import departments, goal_figures
from app.services.ledger import EntryInput
from app.services.period import programme_period
from app.services.progress import pace_status
from app.services.settings import current_programme
from tests.helpers import kind_ids, unit_ids

AS_OF = date(2018, 10, 20)


@pytest.fixture
def seeded(database):
    """Hotline calls for 法律援助中心, a created brand, an overdue rectification, a late summary."""
    with database.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        programme = current_programme(s)
        for n in range(6):  # 6 hotline entries, 5 subjects each
            ledger.save_entry(
                s,
                database.attachments,
                None,
                EntryInput(
                    kind_id=kinds["hotline"],
                    unit_id=units["法律援助中心"],
                    entry_date=date(2018, 7, 1 + n),
                    title=f"热线 {n}",
                    subjects_served=5,
                    values={"calls": 2},
                ),
            )
        brand = Brand(programme_id=programme.id, name="法援+", lead_unit_id=units["法律援助中心"],
                      status=BrandStatus.CREATED, outcomes="建成", owner_unit_id=units["县矫正办"])  # fmt: skip
        s.add(brand)
        s.flush()
        s.add(
            BrandParticipant(
                brand_id=brand.id, unit_id=units["基层科"], owner_unit_id=units["县矫正办"]
            )
        )
        inspection = Inspection(programme_id=programme.id, inspection_date=date(2018, 8, 1), inspectors="张三",
                                inspected_unit_id=units["律师管理科"], owner_unit_id=units["县矫正办"])  # fmt: skip
        s.add(inspection)
        s.flush()
        for n, deadline in enumerate((date(2018, 9, 1), date(2018, 9, 2), date(2018, 12, 1))):
            s.add(RectificationItem(inspection_id=inspection.id, finding=f"问题{n}", deadline=deadline,
                                    responsible_unit_id=units["律师管理科"], status=RectificationStatus.PENDING,
                                    owner_unit_id=units["县矫正办"]))  # fmt: skip
        phase = summaries.summary_phase(s, programme.id)
        late = summaries.start_summary(s, programme.id, units["法律援助中心"], phase)
        summaries.submit_summary(s, late.id, date(2018, 10, 16))  # deadline 10-15
        for department in departments(s):
            if department.name not in ("法律援助中心",):
                on_time = summaries.start_summary(s, programme.id, department.id, phase)
                summaries.submit_summary(s, on_time.id, date(2018, 10, 10))
        return programme.id, units


def _expected_completion(session, programme_id, department_id) -> float:
    """Weighted completion counted straight from the rows, for indicators that count entries."""
    total = weight = 0.0
    for indicator in session.scalars(select(Indicator).where(Indicator.deleted.is_(False))):
        duty = indicator.duty
        if duty.department_id != department_id or duty.programme_id != programme_id:
            continue
        weight += indicator.weight
        if indicator.measure == IndicatorMeasure.MANUAL or indicator.entry_kind_id is None:
            weight -= indicator.weight
            continue
        rows = session.scalars(select(LedgerEntry).where(
            LedgerEntry.owner_unit_id == department_id, LedgerEntry.kind_id == indicator.entry_kind_id,
            LedgerEntry.deleted.is_(False), LedgerEntry.entry_date <= AS_OF)).all()  # fmt: skip
        if indicator.measure == IndicatorMeasure.COUNT:
            actual = len(rows)
        elif indicator.sum_field == "subjects_served":
            actual = sum(r.subjects_served for r in rows)
        else:
            actual = sum(float(r.values.get(indicator.sum_field) or 0) for r in rows)
        total += indicator.weight * min(
            actual / indicator.annual_target if indicator.annual_target else 1.0, 1.0
        )
    return total / weight if weight else 0.0


def test_scores_ranks_and_lines_match_an_independent_count(database, seeded):
    programme_id, units = seeded
    with database.session() as s:
        scores = {sc.name: sc for sc in department_scores(s, programme_id, AS_OF)}
        legal = scores["法律援助中心"]
        expected = _expected_completion(s, programme_id, units["法律援助中心"])
        assert legal.completion == pytest.approx(expected) and 0 < expected < 1
        lines = {line.label: line for line in legal.lines}
        assert lines["量化指标完成"].points == pytest.approx(round(100 * expected, 2))
        assert lines["阶段总结逾期"].points == -2 and lines["牵头创建品牌"].points == 5
        assert legal.total == pytest.approx(round(100 * expected, 2) + 3)
        lawyers = {line.label: line for line in scores["律师管理科"].lines}
        assert (
            lawyers["整改逾期"].points == -6 and "2 次" in lawyers["整改逾期"].detail
        )  # 12-01 not yet due
        grassroots = {line.label: line.points for line in scores["基层科"].lines}
        assert (
            set(grassroots) == {"量化指标完成", "参与创建品牌"} and grassroots["参与创建品牌"] == 2
        )
        add_adjustment(
            s,
            programme_id,
            units["基层科"],
            1.5,
            "材料报送及时",
            date(2018, 10, 1),
            units["县矫正办"],
        )
        with pytest.raises(ValidationError, match="理由"):
            add_adjustment(
                s, programme_id, units["基层科"], 1, " ", date(2018, 10, 1), units["县矫正办"]
            )
        after = {sc.name: sc for sc in department_scores(s, programme_id, AS_OF)}
        assert after["基层科"].total == pytest.approx(scores["基层科"].total + 1.5)
        ranked = sorted(after.values(), key=lambda sc: sc.rank)
        for better, worse in itertools.pairwise(ranked):
            assert better.total >= worse.total
            assert (better.rank == worse.rank) == (better.total == worse.total)
        assert scheme_for(s, programme_id).name == "2018 年度大帮教工作考核"  # from the template


def test_goal_figures_and_pace(database, seeded):
    programme_id, _units = seeded
    with database.session() as s:
        goals = {g.metric.value: g for g in goal_figures(s, programme_id, AS_OF)}
    assert (goals["participation_rate"].done, goals["participation_rate"].out_of) == (1, 7)
    assert goals["brand_count"].actual == 1 and goals["brand_count"].met
    assert (goals["pairing_coverage"].done, goals["pairing_coverage"].out_of) == (7, 7)
    with database.session() as s:
        period = programme_period(s, programme_id)
    assert period.elapsed(date(2018, 6, 28)) == 0.0  # the programme's first day, not 1 January
    assert period.elapsed(date(2018, 12, 31)) == 1.0
    assert pace_status(0.5, 0.5) == "green" and pace_status(0.4, 0.5) == "amber"
    assert pace_status(0.39, 0.5) == "red"


def test_bulletin_pdf_and_workbook_show_the_scores(database, seeded):
    programme_id, _units = seeded
    with database.session() as s:
        bulletin = build_bulletin(s, programme_id, AS_OF)
    text = re.sub(
        r"\s+",
        "",
        "".join(
            p.extract_text() for p in PdfReader(io.BytesIO(render_bulletin_pdf(bulletin))).pages
        ),
    )
    assert "工作进度通报" in text and "（截至2018年10月20日）" in text
    for score in bulletin.scores:
        assert f"第{score.rank}名" in text and score.name in text
    legal = next(sc for sc in bulletin.scores if sc.name == "法律援助中心")
    assert f"{legal.total:g}" in text and "阶段总结逾期" in text
    kinds = [i.kind for i in bulletin.overdue]
    assert kinds.count("整改事项") == 2 and "问题0" in text and "逾期事项" in text
    assert "已创建创新品牌：“法援+”" in text
    book = load_workbook(io.BytesIO(render_bulletin_xlsx(bulletin)))
    ranking = list(
        book["排名"].iter_rows(min_row=2, max_row=len(bulletin.scores) + 1, values_only=True)
    )
    assert [(r[0], r[1], r[5]) for r in ranking] == [
        (sc.rank, sc.name, sc.total) for sc in bulletin.scores
    ]
    assert book["逾期事项"].max_row == len(bulletin.overdue) + 1
    lines = list(book["得分明细"].iter_rows(min_row=2, values_only=True))
    assert sum(r[4] for r in lines if r[0] == "法律援助中心") == pytest.approx(legal.total)
    assert {r[1] for r in lines if r[0] == "法律援助中心"} >= {"量化指标", "阶段总结"}  # 工作类别


def test_command_line(db_path, tmp_path, capsys):
    pdf, xlsx = tmp_path / "通报.pdf", tmp_path / "通报.xlsx"
    assert (
        main(
            [
                "--db",
                str(db_path),
                "bulletin",
                "--date",
                "2018-09-30",
                "--out",
                str(pdf),
                "--xlsx",
                str(xlsx),
            ]
        )
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF") and load_workbook(xlsx)["排名"].max_row >= 8
    assert main(["--db", str(db_path), "bulletin", "--date", "2018-13-01", "--out", str(pdf)]) == 2
    assert "日期“2018-13-01”无效" in capsys.readouterr().err
    assert main(["--db", str(db_path), "bulletin", "--date", "2018-09-30"]) == 2
