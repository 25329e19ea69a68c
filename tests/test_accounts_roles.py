"""Each role's forbidden action is refused by the service itself, the database unchanged."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models import Unit
from app.services import accounts, assessment, issued_bulletins, ledger, reference
from app.services.errors import UserError
from app.services.ledger import LedgerFilter
from app.services.settings import required_programme, set_setting
from tests.helpers import dump

pytestmark = pytest.mark.usefixtures("shipped_roles")


def act_as(database, role: str) -> None:
    """Add a user of ``role`` (as the program itself) and log in as them."""
    name = f"用户{role}"
    with database.session() as s:
        accounts.add_user(s, name, "role-pass-1", role, check=False)
    with database.session() as s:
        database.actor = accounts.authenticate(s, name, "role-pass-1")


def refused(database, db_path, action, message: str) -> None:
    before = dump(db_path)
    with pytest.raises(UserError, match=message), database.session() as s:
        action(s)
    assert dump(db_path) == before


def a_unit(database) -> int:
    with database.session() as s:
        return s.scalars(select(Unit.id).where(Unit.name == "法律援助中心")).one()


def test_viewer_writes_nothing_whatever_the_service(database, db_path, tmp_path):
    act_as(database, "查看")
    refused(database, db_path, lambda s: set_setting(s, "x", "y"), "只能查看")
    refused(
        database,
        db_path,
        lambda s: ledger.delete_entry(s, 1),
        r"当前用户（角色：查看）无权编辑工作台账",
    )
    out = tmp_path / "台账.xlsx"
    from app.reports.ledger_xlsx import export_ledger_xlsx

    refused(database, db_path, lambda s: export_ledger_xlsx(s, LedgerFilter(), out), "无权导出")
    assert not out.exists()


def test_clerk_may_not_publish_a_bulletin_or_adjust_scores(database, db_path):
    act_as(database, "填报员")
    with database.session() as s:
        programme_id = required_programme(s).id
        assert not issued_bulletins.can_publish(s) and not assessment.can_adjust(s)
    unit_id = a_unit(database)
    refused(
        database,
        db_path,
        lambda s: issued_bulletins.publish(s, programme_id, date(2018, 9, 30)),
        r"当前用户（角色：填报员）无权发布进度通报",
    )
    refused(
        database,
        db_path,
        lambda s: assessment.add_adjustment(
            s, programme_id, unit_id, 1.0, "表扬", date(2018, 9, 30), None
        ),
        "无权录入加减分",
    )


def test_head_may_not_manage_users_or_reference_data(database, db_path):
    act_as(database, "负责人")
    unit_id = a_unit(database)
    refused(
        database,
        db_path,
        lambda s: accounts.add_user(s, "new", "new-pass-12", "查看"),
        r"当前用户（角色：负责人）无权管理用户",
    )
    refused(database, db_path, lambda s: reference.delete_unit(s, unit_id), "无权修改基础数据")
    with database.session() as s:  # what the role may do goes through
        programme_id = required_programme(s).id
        assessment.add_adjustment(s, programme_id, unit_id, 1.0, "表扬", date(2018, 9, 30), None)


def test_admin_fills_in_but_may_not_export_full_names(database, db_path, tmp_path):
    """管理员 may also fill in (a one-person PC needs no second account), but the 负责人's
    acts stay the 负责人's: full names in an export, for one."""
    from app.reports.ledger_xlsx import export_ledger_xlsx
    from app.services.ledger import LedgerFilter

    act_as(database, "管理员")
    assert database.actor is not None and database.actor.may("ledger.edit")
    assert not database.actor.may("agreement.issue")
    refused(
        database,
        db_path,
        lambda s: export_ledger_xlsx(s, LedgerFilter(), tmp_path / "全名.xlsx", full_names=True),
        "完整姓名",
    )
    assert not (tmp_path / "全名.xlsx").exists()


def test_no_actor_is_the_program_itself(database):
    with database.session() as s:
        assert accounts.current_actor(s) is None and accounts.may(s, "users.manage")
        accounts.require(s, "ledger.edit")


def test_a_role_that_may_only_read_and_see_the_audit_log_writes_nothing(database):
    from app.models import LocalSetting
    from app.services.accounts import Actor
    from app.services.errors import UserError

    auditor = Actor(99, "auditor", "审计员", "审计", frozenset({"read", "audit.read"}))
    with pytest.raises(UserError, match="只能查看"), database.session() as s:
        s.info["actor"] = auditor
        s.add(LocalSetting(key="anything", value="1"))
    with database.session() as s:
        assert s.get(LocalSetting, "anything") is None
