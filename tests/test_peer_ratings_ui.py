"""结对部门评价… on the 考核与通报 page of a township judicial office's PC: a rating made by
clicking, a refusal beside its field with nothing stored, the row's state after sending; on the
county's PC, the ratings received shown under the department's lines; no button elsewhere."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import PeerRating
from app.services.database import open_database
from app.services.setup import initialise
from app.ui.dialogs.peer_rating_dialog import PeerRatingDialog
from tests.conftest import TEMPLATE_KEY
from tests.helpers import assert_fits_screen, drive_dialog, open_page
from tests.test_peer_ratings import HAIKOU, PROPAGANDA

TODAY = date(2018, 12, 20)


def _office_db(tmp_path: Path, name: str = HAIKOU) -> Path:
    path = tmp_path / "office.db"
    initialise(str(path), TEMPLATE_KEY, name).database.close()
    return path


def _ratings(db_path: Path) -> list[tuple[float, str, dict]]:
    db = open_database(str(db_path))
    with db.session() as s:
        rows = s.execute(select(PeerRating.total, PeerRating.comment, PeerRating.scores)).all()
    db.close()
    return [tuple(r) for r in rows]


def _page(qtbot, db_path: Path, monkeypatch):
    import app.ui.pages.assessment as assessment_page

    real = assessment_page.AssessmentPage.__init__

    def init(self, database, context, parent=None, today=None):  # the page's own "today"
        real(self, database, context, parent, today or TODAY)

    monkeypatch.setattr(assessment_page.AssessmentPage, "__init__", init)
    return open_page(qtbot, db_path, "assessment")


def _fill(dialog: PeerRatingDialog, scores: list[str], comment: str = "") -> None:
    for edit, text in zip(dialog.scores.values(), scores, strict=True):
        edit.setText(text)
    dialog.comment.setPlainText(comment)


def test_an_office_rates_its_paired_department_by_clicking(qtbot, monkeypatch, dialogs, tmp_path):
    db_path = _office_db(tmp_path)
    page = _page(qtbot, db_path, monkeypatch)
    box = page.peer
    assert box.rate_button.isVisible() and box.isVisible() and not box.received.isVisible()
    assert [p.department for p in box.model.rows()] == [PROPAGANDA]
    assert box._state(box.model.rows()[0]) == "未评价"

    def out_of_range(dialog: PeerRatingDialog) -> None:
        _fill(dialog, ["26", "21", "22", "20"])

    seen = drive_dialog(monkeypatch, PeerRatingDialog, out_of_range)
    qtbot.mouseClick(box.rate_button, Qt.MouseButton.LeftButton)
    assert not seen[0].result()
    assert seen[0].error_text("item:visits") == "“走访次数”的得分应在 0 到 20 分之间。"
    assert _ratings(db_path) == []

    def fill(dialog: PeerRatingDialog) -> None:
        assert dialog.department.currentText() == PROPAGANDA
        _fill(dialog, ["26", "18", "22", ""])
        assert dialog.total.text() == "66 分（满分 100），尚有 1 项未打分"
        dialog.scores["results"].setText("20")
        assert dialog.total.text() == "86 分（满分 100）"
        dialog.comment.setPlainText("每月走访，协作配合到位。")
        assert_fits_screen(dialog)
        shots = os.environ.get("PEER_SHOTS")
        if shots:
            dialog.grab().save(str(Path(shots) / "peer-rating-dialog.png"))

    seen = drive_dialog(monkeypatch, PeerRatingDialog, fill)
    qtbot.mouseClick(box.rate_button, Qt.MouseButton.LeftButton)
    assert seen[0].result()
    assert _ratings(db_path) == [(86.0, "每月走访，协作配合到位。", {
        "pairing_duty": 26.0, "visits": 18.0, "cooperation": 22.0, "results": 20.0})]  # fmt: skip
    [row] = box.model.rows()
    assert (row.rating.total, box._state(row)) == (86.0, "未报送（可修改）")

    # before it is sent it can be corrected: the same department, the figures as saved
    def correct(dialog: PeerRatingDialog) -> None:
        assert not dialog.department.isEnabled()
        assert [e.text() for e in dialog.scores.values()] == ["26", "18", "22", "20"]
        dialog.scores["results"].setText("24")

    seen = drive_dialog(monkeypatch, PeerRatingDialog, correct)
    qtbot.mouseClick(box.rate_button, Qt.MouseButton.LeftButton)
    assert seen[0].result() and _ratings(db_path)[0][0] == 90.0
    if os.environ.get("PEER_SHOTS"):
        page.window().grab().save(str(Path(os.environ["PEER_SHOTS"]) / "peer-rating-office.png"))


def test_a_sent_rating_is_not_opened_again(qtbot, monkeypatch, dialogs, tmp_path):
    from app.models import Direction
    from app.services import peer_ratings
    from app.services.settings import current_programme
    from app.sync.history import log_package
    from tests.helpers import unit_ids

    db_path = _office_db(tmp_path)
    db = open_database(str(db_path))
    with db.session() as s:
        units = unit_ids(s)
        peer_ratings.record_rating(
            s, current_programme(s).id, unit_id=units[HAIKOU], department_id=units[PROPAGANDA],
            scores={"pairing_duty": 26, "visits": 18, "cooperation": 22, "results": 20},
            rated_on=TODAY)  # fmt: skip
    with db.session() as s:  # as an export records it
        log_package(s, Direction.SENT, "x", "县矫正办", sequence=1, instance="", file_name="up",
                    reference_version=0, details={})  # fmt: skip
    db.close()
    page = _page(qtbot, db_path, monkeypatch)
    box = page.peer
    assert box._state(box.model.rows()[0]) == "已报送县矫正办"
    seen = drive_dialog(monkeypatch, PeerRatingDialog, lambda d: None)
    qtbot.mouseClick(box.rate_button, Qt.MouseButton.LeftButton)
    assert seen == []  # no dialog: told instead
    assert any("报出后不能再修改" in text for text in dialogs.texts("information"))
    assert _ratings(db_path)[0][0] == 86.0


def test_the_county_sees_the_ratings_received(qtbot, monkeypatch, dialogs, db_path):
    from app.services import peer_ratings
    from app.services.settings import current_programme
    from tests.helpers import unit_ids

    db = open_database(str(db_path))
    with db.session() as s:  # as imported from 东源司法所's package
        units = unit_ids(s)
        peer_ratings.record_rating(
            s, current_programme(s).id, unit_id=units["东源司法所"], department_id=units["基层科"],
            scores={"pairing_duty": 26, "visits": 18, "cooperation": 22, "results": 20},
            rated_on=TODAY)  # fmt: skip
    db.close()
    page = _page(qtbot, db_path, monkeypatch)
    assert not page.peer.rate_button.isVisible() and not page.peer.isVisible()
    assert page.rank_view.select_where(lambda r: r.name == "基层科")
    assert page.peer.received.isVisible()
    assert page.peer.received.text() == (
        "结对司法所评价：平均 86 分（满分 100），1/2 个所已评\n"
        "东源司法所 86 分（2018年12月20日）；北山司法所 尚未报来"
    )
    qtbot.waitUntil(
        lambda: page.peer.received.height() > 2 * page.peer.received.fontMetrics().height()
    )
    if os.environ.get("PEER_SHOTS"):
        page.window().grab().save(str(Path(os.environ["PEER_SHOTS"]) / "peer-rating-county.png"))


def test_a_departments_pc_has_no_rating(qtbot, monkeypatch, dialogs, tmp_path):
    path = tmp_path / "dept.db"
    initialise(str(path), TEMPLATE_KEY, PROPAGANDA).database.close()
    page = _page(qtbot, path, monkeypatch)
    assert not page.peer.rate_button.isVisible() and not page.peer.received.isVisible()
