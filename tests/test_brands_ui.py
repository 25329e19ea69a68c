"""The 品牌创建 page with real widgets: a brand created through its dialog, milestones, ledger
entries picked as evidence, marking it created, and refusals shown in Chinese."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models import Brand, BrandStatus, Unit
from app.services import brands, ledger
from app.services.brands import BrandInput
from app.services.database import open_database
from app.services.ledger import EntryInput
from app.services.settings import LOCAL_UNIT, current_programme, set_setting
from app.ui.dialogs.brand_dialogs import BrandDialog, DoneDialog, EvidencePicker, MilestoneDialog
from app.ui.pages.brands import BrandsPage
from tests.helpers import assert_fits_screen, drive_dialog, kind_ids, open_page, unit_ids

AID = "法律援助中心"
TODAY = date(2018, 11, 20)


def _page(qtbot, db_path) -> BrandsPage:
    page = open_page(qtbot, db_path, "brands")
    assert isinstance(page, BrandsPage)
    page.today = lambda: TODAY
    return page


def _seed(db_path) -> dict[str, int]:
    """“法援+” (法律援助中心 with 瓯南司法所) and three entries: its own, the office's, and
    基层科's (not a unit of the brand)."""
    db = open_database(str(db_path))
    ids = {}
    with db.session() as s:
        units, kinds = unit_ids(s), kind_ids(s)
        for unit, title, day in ((AID, "法援律师为矫正对象家属代写申请", "2018-08-01"),
                                 ("瓯南司法所", "司法所转交法律援助申请", "2018-08-03"),
                                 ("基层科", "基层科调解工作例会", "2018-08-05")):  # fmt: skip
            ids[title] = ledger.save_entry(
                s,
                db.attachments,
                None,
                EntryInput(
                    kind_id=kinds["other"], unit_id=units[unit], entry_date=day, title=title
                ),
            )
        ids["brand"] = brands.create_brand(
            s,
            current_programme(s).id,
            BrandInput(
                name="法援+",
                lead_unit_id=units[AID],
                participant_ids=[units["瓯南司法所"]],
                description="法律援助律师进驻司法所。",
            ),
        )
    db.close()
    return ids


def _type(qtbot, field, text: str) -> None:
    """Type ``text`` into a date field as a clerk does (replacing what it held)."""
    field.edit.clear()
    qtbot.keyClicks(field.edit, text)


def _stored(db_path) -> list[tuple]:
    db = open_database(str(db_path))
    with db.session() as s:
        programme_id = current_programme(s).id
        rows = [(r.name, r.lead, r.participants, r.status, r.evidence_count, r.outcomes)
                for r in brands.list_brands(s, programme_id)]  # fmt: skip
    db.close()
    return rows


def _errors(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr("app.ui.messages.show_error", lambda _p, _t, text: shown.append(text))
    return shown


def test_create_a_brand_with_participants(qtbot, qtmodeltester, monkeypatch, gui_app, db_path):
    page = _page(qtbot, db_path)
    assert page.goal_label.text() == "已创建 0 个，目标 1–2 个"
    assert "培育创新性品牌1至2个" in page.goal_caption.text()
    assert page.heading.text() == "尚未登记品牌" and not page.edit_button.isEnabled()

    def empty(dialog: BrandDialog) -> None:
        dialog.name.setEditText("  ")

    seen = drive_dialog(monkeypatch, BrandDialog, empty)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("name") == "请填写品牌名称，例如“法援+”。"
    assert seen[0].error_text("lead_unit") == "请选择牵头科室。"
    assert seen[0].result() == 0 and _stored(db_path) == []

    def fill(dialog: BrandDialog) -> None:
        assert [dialog.name.itemText(i) for i in range(dialog.name.count())] == [
            "律师+", "调解+", "普法+", "公证+", "法援+"]  # fmt: skip
        dialog.name.setCurrentText("调解+")
        dialog.lead.setCurrentIndex(dialog.lead.findText("基层科"))
        boxes = {c.text(): c for c in dialog.participant_boxes.values()}
        assert not boxes["基层科（牵头）"].isEnabled()  # the lead cannot also take part
        assert "县矫正办" not in boxes and "社区矫正科" in boxes
        for name in ("东源司法所", "北山司法所", "社区矫正科"):
            boxes[name].setChecked(True)
        dialog.description.setPlainText("人民调解员参与矫正对象家庭矛盾调处。")

    drive_dialog(monkeypatch, BrandDialog, fill)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert _stored(db_path) == [("调解+", "基层科", ("社区矫正科", "东源司法所", "北山司法所"),
                                 BrandStatus.PLANNED, 0, "")]  # fmt: skip
    assert page.heading.text() == "调解+"
    assert page.model.index(0, 3).data() == "筹划中"
    assert page.model.index(0, 2).data() == "社区矫正科、东源司法所、北山司法所"
    assert page.forward_button.text() == "设为“创建中”" and not page.back_button.isEnabled()
    qtmodeltester.check(page.model)


def test_milestones_are_added_and_marked_done(qtbot, monkeypatch, gui_app, db_path):
    _seed(db_path)
    page = _page(qtbot, db_path)
    seen = drive_dialog(monkeypatch, MilestoneDialog, lambda d: d.title_edit.setText(" "))
    qtbot.mouseClick(page.add_milestone_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("title") == "请填写节点名称。"
    assert page.milestones.rowCount() == 0
    dates = seen[0].due_date.date_range()  # the programme's deadline range
    assert (dates.earliest, dates.latest) == (date(2018, 1, 1), date(2019, 6, 30))
    assert seen[0].due_date.value() == TODAY  # today, inside the programme's year

    def fill(dialog: MilestoneDialog) -> None:
        dialog.title_edit.setText("法援律师进驻瓯南司法所值班")
        _type(qtbot, dialog.due_date, "2018-07-31")

    drive_dialog(monkeypatch, MilestoneDialog, fill)
    qtbot.mouseClick(page.add_milestone_button, Qt.MouseButton.LeftButton)
    assert page.milestones.index(0, 3).data() == "已逾期"  # due in July, not done by November
    page.milestone_view.selectRow(0)
    assert page.done_button.isEnabled()

    def late(dialog: DoneDialog) -> None:
        assert dialog.done_on.value() == TODAY
        _type(qtbot, dialog.done_on, "2018-11-21")  # tomorrow

    seen = drive_dialog(monkeypatch, DoneDialog, late)
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text("done_on") == "完成日期不能晚于今天。"
    drive_dialog(monkeypatch, DoneDialog, lambda d: _type(qtbot, d.done_on, "2018-07-20"))
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert [page.milestones.index(0, c).data() for c in (1, 2, 3)] == [
        "2018-07-31", "2018-07-20", "已完成"]  # fmt: skip
    assert page.model.index(0, 4).data() == "1 / 1"


def test_attach_evidence_and_mark_created(qtbot, qtmodeltester, monkeypatch, gui_app, db_path):
    ids = _seed(db_path)
    page = _page(qtbot, db_path)
    shown = _errors(monkeypatch)
    monkeypatch.setattr("app.ui.pages.brands.confirm", lambda *a: True)
    qtbot.mouseClick(page.forward_button, Qt.MouseButton.LeftButton)
    assert page.selected().status == BrandStatus.BUILDING
    assert page.forward_button.text() == "确认“已创建”…"
    qtbot.mouseClick(page.forward_button, Qt.MouseButton.LeftButton)  # no outcomes, no evidence
    assert shown == ["确认“已创建”前，请先在“编辑…”中填写创建成效。\n"
                     "确认“已创建”前，请至少从工作台账添加一条佐证。"]  # fmt: skip
    assert page.selected().status == BrandStatus.BUILDING

    def pick(dialog: EvidencePicker) -> None:
        qtmodeltester.check(dialog.model)
        titles = [r.title for r in dialog.model.rows()]
        assert titles == [
            "司法所转交法律援助申请",
            "法援律师为矫正对象家属代写申请",
        ]  # 基层科's is not offered
        assert not dialog.ok_button.isEnabled()
        proxy = dialog.view.proxy
        index = proxy.index(titles.index("法援律师为矫正对象家属代写申请"), 0)
        assert proxy.setData(index, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
        assert "已勾选 1 条" in dialog.count.text()
        dialog.unit.setCurrentIndex(dialog.unit.findText("瓯南司法所"))
        assert [r.title for r in dialog.model.rows()] == ["司法所转交法律援助申请"]
        assert dialog.chosen() == [ids["法援律师为矫正对象家属代写申请"]]  # kept across filters

    drive_dialog(monkeypatch, EvidencePicker, pick)
    qtbot.mouseClick(page.add_evidence_button, Qt.MouseButton.LeftButton)
    assert [page.evidence.index(0, c).data() for c in range(4)] == [
        "2018-08-01", AID, "其他工作", "法援律师为矫正对象家属代写申请"]  # fmt: skip

    drive_dialog(monkeypatch, BrandDialog, lambda d: d.outcomes.setPlainText(
        "全年为社区矫正对象及其近亲属办理法律援助案件 26 件。"))  # fmt: skip
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.forward_button, Qt.MouseButton.LeftButton)
    assert _stored(db_path)[0][3:5] == (BrandStatus.CREATED, 1)
    assert page.goal_label.text() == "已创建 1 个，目标 1–2 个"
    assert page.model.index(0, 3).data() == "已创建"
    assert not page.delete_button.isEnabled() and page.back_button.text() == "撤销“已创建”"

    page.evidence_view.selectRow(0)
    qtbot.mouseClick(page.remove_evidence_button, Qt.MouseButton.LeftButton)
    assert shown[-1] == "已创建的品牌至少要保留一条佐证；如需更换，请先添加新的佐证。"
    assert page.evidence.rowCount() == 1


def test_the_picker_shows_a_refusal_and_attaches_nothing(qtbot, monkeypatch, gui_app, db_path):
    ids = _seed(db_path)
    page = _page(qtbot, db_path)
    title = "司法所转交法律援助申请"

    def pick_then_deleted_elsewhere(dialog: EvidencePicker) -> None:
        for row in dialog.model.rows():
            dialog.model.set_checked(row.id, True)
        db = open_database(str(db_path))
        with db.session() as s:
            ledger.delete_entry(s, ids[title])
        db.close()

    seen = drive_dialog(monkeypatch, EvidencePicker, pick_then_deleted_elsewhere)
    qtbot.mouseClick(page.add_evidence_button, Qt.MouseButton.LeftButton)
    assert seen[0].error_text() == f"“{title}”已被删除，不能作为佐证。"
    assert seen[0].result() == 0 and page.evidence.rowCount() == 0


def test_a_department_only_reads_the_brands(qtbot, gui_app, db_path):
    _seed(db_path)
    db = open_database(str(db_path))
    with db.session() as s:
        set_setting(s, LOCAL_UNIT, s.scalar(select(Unit).where(Unit.name == AID)).uuid)
        assert s.scalar(select(Brand.name)) == "法援+"
    db.close()
    page = _page(qtbot, db_path)
    assert page.heading.text() == "法援+"
    assert "本机只能查看" in page.note.text()
    for button in (page.new_button, page.edit_button, page.forward_button,
                   page.add_evidence_button, page.add_milestone_button):  # fmt: skip
        assert button.isHidden()


def test_a_milestone_due_outside_the_range_is_refused(qtbot, monkeypatch, dialogs, db_path):
    _seed(db_path)
    page = _page(qtbot, db_path)
    seen: list[MilestoneDialog] = []
    monkeypatch.setattr(MilestoneDialog, "exec", lambda d: seen.append(d) or d.show() or 0)
    qtbot.mouseClick(page.add_milestone_button, Qt.MouseButton.LeftButton)
    dialog = seen[0]
    qtbot.waitExposed(dialog)
    assert_fits_screen(dialog)
    dialog.title_edit.setText("制定创建方案")
    _type(qtbot, dialog.due_date, "2017-12-31")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.due_date.edit.text() == "2017-12-31"
    assert dialog.due_date.error.text() == "计划完成日期应在2018年1月1日至2019年6月30日之间。"
    assert page.milestones.rowCount() == 0
    dialogs.confirm = False
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # typed work: asks first
    assert dialog.isVisible() and dialogs.texts("question")
    _type(qtbot, dialog.due_date, "2019-03-31")  # a deadline may run into the next year
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    page.refresh()  # (the dialog was shown, not run modally: the page reloads after exec)
    assert [page.milestones.index(0, c).data() for c in (0, 1)] == ["制定创建方案", "2019-03-31"]


def test_the_brand_dialogs_fit_the_screen(qtbot, monkeypatch, gui_app, db_path):
    _seed(db_path)
    page = _page(qtbot, db_path)
    seen: list = []
    for dialog_class in (BrandDialog, EvidencePicker):
        monkeypatch.setattr(dialog_class, "exec", lambda d: seen.append(d) or 0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.add_evidence_button, Qt.MouseButton.LeftButton)
    assert [type(d) for d in seen] == [BrandDialog, EvidencePicker]
    for dialog in seen:
        assert_fits_screen(dialog)
        dialog.hide()
