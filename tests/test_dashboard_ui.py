"""首页: the figures are those of the services, and clicking one reaches its records."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt

from app.services import ledger
from app.services.database import open_database
from app.services.ledger import EntryInput
from app.ui.charts import ROW_HEIGHT
from tests.helpers import kind_ids, open_page, unit_ids

TODAY = date(2018, 10, 20)


def _seed(db_path) -> dict[str, int]:
    db = open_database(str(db_path))
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        for n in range(3):
            ledger.save_entry(
                s,
                db.attachments,
                None,
                EntryInput(
                    kind_id=kinds["hotline"],
                    unit_id=units["法律援助中心"],
                    entry_date=date(2018, 7, 1 + n),
                    title=f"热线 {n}",
                    subjects_served=2,
                    values={"calls": 2},
                ),
            )
    db.close()
    return units


@pytest.mark.usefixtures("no_statistics_reports")  # a world before the 月报/季报
def test_figures_and_clicks_reach_the_records(qtbot, gui_app, db_path):
    units = _seed(db_path)
    home = open_page(qtbot, db_path, "home")
    window = home.window()
    home.today = TODAY
    home.refresh()
    participation = next(c for m, c in home.goal_cards.items() if m.value == "participation_rate")
    assert participation.value.text() == "14%（1/7）"
    signing = next(c for m, c in home.goal_cards.items() if m.value == "signing_rate")
    assert signing.value.text() == "0%（0/7）" and "目标 100%" in signing.detail.text()
    assert (
        home.phase_card.value.text() == "总结提升"
        and "已无截止事项" in home.phase_card.detail.text()
    )
    names = [bar.label for bar in home.bars.bars]
    assert len(names) == 7 and names[-1] == "法律援助中心"
    legal_bar = home.bars.bars[names.index("法律援助中心")]
    assert 0 < legal_bar.value < 1 and legal_bar.status == "red"  # behind the 80% of the year gone
    assert [e.title for e in home.latest_model.rows()] == ["热线 2", "热线 1", "热线 0"]
    kinds = {item.kind for item in home.overdue_model.rows()}
    assert kinds == {"阶段总结", "月度例会"}  # every summary of 总结提升 is overdue on 10-20

    row = names.index("法律援助中心")
    qtbot.mouseClick(
        home.bars, Qt.MouseButton.LeftButton, pos=QPoint(300, row * ROW_HEIGHT + ROW_HEIGHT // 2)
    )
    ledger_page = window.stack.currentWidget()
    assert ledger_page is window.page("ledger")
    assert ledger_page.unit_filter.currentData() == units["法律援助中心"]
    assert ledger_page.model.rowCount() == 3

    window.open_section("home")
    qtbot.mouseClick(signing, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.page("agreements")

    window.open_section("home")
    late = next(i for i, item in enumerate(home.overdue_model.rows()) if item.unit == "基层科")
    view = home.overdue_view
    index = view.proxy.mapFromSource(home.overdue_model.index(late, 0))
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    summaries_page = window.stack.currentWidget()
    assert summaries_page is window.page("summaries")
    assert summaries_page.selected().department == "基层科"


def test_a_departments_pc_shows_its_own_progress_and_overdue_items(qtbot, gui_app, tmp_path):
    from app.services.setup import initialise
    from tests.conftest import TEMPLATE_KEY

    path = tmp_path / "unit.db"
    initialise(str(path), TEMPLATE_KEY, "法律援助中心").database.close()
    home = open_page(qtbot, path, "home")
    home.today = TODAY
    home.refresh()
    assert [bar.label for bar in home.bars.bars] == ["法律援助中心"]
    assert home.scope_note.isVisibleTo(home)
    units = {item.unit for item in home.overdue_model.rows()}
    assert units <= {"法律援助中心", "县矫正办"} and "法律援助中心" in units
