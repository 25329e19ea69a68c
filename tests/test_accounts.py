"""Accounts: first 管理员, scrypt hashes, lockout, recovery code, users, permission checks."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import LocalSetting, User
from app.services import accounts
from app.services.errors import UserError, ValidationError
from app.services.passwords import hash_secret, verify_secret
from tests.conftest import ADMIN_USER as ADMIN_NAME
from tests.conftest import TEST_PASSWORD as ADMIN_PASSWORD
from tests.helpers import dump


def first_admin(database) -> None:
    """The fixture's database has its first 管理员 already."""
    with database.session() as s:
        assert accounts.has_users(s)


def login(database, name: str, password: str) -> accounts.Actor:
    with database.session() as s:
        return accounts.authenticate(s, name, password)


def test_hash_is_salted_scrypt_with_its_parameters_and_fast_enough():
    start = time.perf_counter()
    one = hash_secret("秘密password")
    elapsed = time.perf_counter() - start
    two = hash_secret("秘密password")
    assert one.startswith("scrypt$32768$8$1$") and one != two  # random salt
    assert "秘密password" not in one
    assert verify_secret("秘密password", one) and not verify_secret("秘密Password", one)
    assert elapsed < 0.5


def test_first_admin_logs_in_case_insensitively_and_password_is_not_stored(
    database, db_path, recovery_code, shipped_roles
):
    code = recovery_code
    assert len(code.replace("-", "")) == 20
    actor = login(database, "ADMIN", ADMIN_PASSWORD)
    assert actor.role == "管理员" and actor.may("users.manage") and not actor.may("agreement.issue")
    assert ADMIN_PASSWORD not in "".join(dump(db_path))
    if isinstance(db_path, Path):  # nor anywhere in the file (free pages included)
        assert ADMIN_PASSWORD.encode() not in db_path.read_bytes()
    with database.session() as s:
        stored = s.get(LocalSetting, accounts.RECOVERY_KEY)
        assert stored is not None and code not in stored.value
        with pytest.raises(UserError, match="已有用户"):
            accounts.create_first_admin(s, "second", ADMIN_PASSWORD)


def test_wrong_password_and_unknown_user_get_the_same_message(database):
    first_admin(database)
    with pytest.raises(UserError) as wrong:
        login(database, ADMIN_NAME, "wrong-password")
    with pytest.raises(UserError) as unknown:
        login(database, "nobody", "wrong-password")
    assert str(wrong.value) == str(unknown.value) == accounts.BAD_LOGIN


def test_a_name_no_account_has_answers_like_a_real_one_lockout_included(database):
    """Six tries each: a real account and an unknown name get the same messages in turn."""
    answers = {}
    for name in (ADMIN_NAME, "nobody"):
        answers[name] = []
        for _ in range(6):
            with pytest.raises(UserError) as refused:
                login(database, name, "wrong-password")
            answers[name].append(str(refused.value))
    assert answers[ADMIN_NAME] == answers["nobody"]
    assert answers["nobody"][4:] == ["密码错误次数过多，请 5 分钟后再试。"] * 2


def test_five_wrong_passwords_lock_the_account_for_five_minutes(database):
    first_admin(database)
    for _ in range(4):
        with pytest.raises(UserError, match="不正确"):
            login(database, ADMIN_NAME, "wrong-password")
    with pytest.raises(UserError, match="5 分钟后再试"):
        login(database, ADMIN_NAME, "wrong-password")
    with pytest.raises(UserError, match="分钟后再试"):  # even the right password, while locked
        login(database, ADMIN_NAME, ADMIN_PASSWORD)
    later = datetime.now(UTC) + timedelta(minutes=5, seconds=1)
    with database.session() as s:
        assert accounts.authenticate(s, ADMIN_NAME, ADMIN_PASSWORD, now=later).user_name == "admin"


def test_recovery_code_sets_a_new_admin_password_and_is_used_up(database, recovery_code):
    code = recovery_code
    with database.session() as s, pytest.raises(ValidationError, match="恢复码不正确"):
        accounts.recover_with_code(s, "AAAA-BBBB-CCCC-DDDD-EEEE", ADMIN_NAME, "new-password-1")
    with database.session() as s:
        new_code = accounts.recover_with_code(
            s, code.lower().replace("-", " "), "Admin", "new-pw-123"
        )
    assert new_code != code
    assert login(database, ADMIN_NAME, "new-pw-123").role == "管理员"
    with pytest.raises(UserError):
        login(database, ADMIN_NAME, ADMIN_PASSWORD)
    with database.session() as s, pytest.raises(ValidationError, match="恢复码不正确"):
        accounts.recover_with_code(s, code, ADMIN_NAME, "another-pw-1")


def test_admin_manages_users_but_never_loses_the_last_admin(database, shipped_roles):
    first_admin(database)
    database.actor = login(database, ADMIN_NAME, ADMIN_PASSWORD)
    with database.session() as s:
        clerk = accounts.add_user(s, "li", "clerk-pass-1", "填报员", "李填报")
        clerk_id = clerk.id
        admin_id = accounts.find_user(s, ADMIN_NAME).id  # type: ignore[union-attr]
        with pytest.raises(ValidationError, match="已有人使用"):
            accounts.add_user(s, "LI", "clerk-pass-1", "查看")
        with pytest.raises(UserError, match="最后一位"):
            accounts.set_active(s, admin_id, False)
        with pytest.raises(UserError, match="最后一位"):
            accounts.edit_user(s, admin_id, role="查看")
        accounts.reset_password(s, clerk_id, "reset-pass-1")
    assert login(database, "li", "reset-pass-1").may("ledger.edit")
    with database.session() as s:
        accounts.set_active(s, clerk_id, False)
    with pytest.raises(UserError, match="不正确"):
        login(database, "li", "reset-pass-1")


def test_change_own_password_needs_the_old_one(database):
    first_admin(database)
    with database.session() as s:
        uid = accounts.find_user(s, ADMIN_NAME).id  # type: ignore[union-attr]
        with pytest.raises(ValidationError, match="原密码"):
            accounts.change_password(s, uid, "nope", "whatever-123")
        with pytest.raises(ValidationError, match="至少"):
            accounts.change_password(s, uid, ADMIN_PASSWORD, "short")
        accounts.change_password(s, uid, ADMIN_PASSWORD, "whatever-123")
    assert login(database, ADMIN_NAME, "whatever-123")


def test_non_admin_cannot_manage_users_and_database_is_unchanged(database, db_path):
    first_admin(database)
    database.actor = login(database, ADMIN_NAME, ADMIN_PASSWORD)
    with database.session() as s:
        accounts.add_user(s, "viewer", "viewer-pass-1", "查看")
    database.actor = login(database, "viewer", "viewer-pass-1")
    before = dump(db_path)
    with (
        pytest.raises(UserError, match="当前用户（角色：查看）无权管理用户"),
        database.session() as s,
    ):
        accounts.add_user(s, "x", "xxxxxxxx-1", "管理员")
    assert dump(db_path) == before
    with database.session() as s:
        assert s.scalar(select(User).where(User.name_key == "x")) is None


def test_users_never_travel_in_packages():
    from app.sync.records import travelling_tables

    assert "users" not in {t.name for t in travelling_tables()}


def test_a_county_roles_file_in_the_user_data_folder_wins(no_real_user_data):
    folder = no_real_user_data / "roles"
    kept = (folder / "roles.toml").read_bytes()
    (folder / "roles.toml").write_text(
        '[roles."管理员"]\npermissions = ["users.manage"]\n'
        '[roles."查看"]\npermissions = ["ledger.export"]\n',
        encoding="utf-8",
    )
    try:
        assert accounts.roles()["查看"].permissions == {"read", "ledger.export"}
        assert "负责人" not in accounts.roles()
    finally:
        (folder / "roles.toml").write_bytes(kept)
    assert "负责人" in accounts.roles()


def test_logins_failed_logins_and_role_changes_are_in_the_audit_log(database, shipped_roles):
    from app.models import AuditEntry
    from app.services.audit import verify_chain

    database.actor = login(database, ADMIN_NAME, ADMIN_PASSWORD)
    with database.session() as s:
        clerk_id = accounts.add_user(s, "li", "clerk-pass-1", "填报员", "李填报").id
        accounts.edit_user(s, clerk_id, role="查看")
    for name in ("li", "nobody"):
        with pytest.raises(UserError):
            login(database, name, "wrong-password")
    with database.session() as s:
        lines = [
            (e.kind, e.description) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
        assert ("login", f"登录：{ADMIN_NAME}（管理员）") in lines
        assert ("role_change", "li 的角色：填报员 → 查看") in lines
        assert ("login_failed", "登录失败：用户 li 第 1 次") in lines
        assert ("login_failed", "登录失败：没有这个用户名") in lines
        assert not any("wrong-password" in d or "clerk-pass" in d for _, d in lines)
        assert verify_chain(s).ok


def test_account_changes_are_in_the_audit_log(database, shipped_roles):
    from app.models import AuditEntry

    database.actor = login(database, ADMIN_NAME, ADMIN_PASSWORD)
    with database.session() as s:
        clerk_id = accounts.add_user(s, "zhao", "clerk-pass-1", "填报员").id
        accounts.reset_password(s, clerk_id, "clerk-pass-2")
        accounts.set_active(s, clerk_id, False)
    with database.session() as s:
        lines = [e.description for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert "新增用户 zhao（填报员）" in lines and "重设 zhao 的密码" in lines
    assert "停用用户 zhao" in lines
    assert not any("clerk-pass" in line for line in lines)
