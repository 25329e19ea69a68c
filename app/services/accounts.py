"""Accounts of this PC: the first 管理员, logging in (with a lockout), passwords, the recovery
code, managing users, and the permission check every service makes.

The acting user travels with the session: ``session.info["actor"]`` (an :class:`Actor`, set by
``Database.session()`` from ``Database.actor``). No actor means the program itself (migrations,
automatic backups, package import internals, tests of a service's own rules): allowed.
Roles are data (``resources/roles.toml``, a county's copy in the user data folder's ``roles``
folder wins)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import LocalSetting, Unit, User
from app.paths import RESOURCES_DIR
from app.services import settings, vault
from app.services.datafiles import data_folders, find_data_file, read_toml
from app.services.errors import UserError, ValidationError
from app.services.passwords import (
    hash_secret,
    hash_secret_with_key,
    new_recovery_code,
    normalise_code,
    unlock_secret,
    verify_secret,
)

ROLES_FILE = "roles.toml"
RESOURCES = RESOURCES_DIR
ADMIN = "管理员"
OWN_UNIT = "本库单位"  # a user without a unit of their own: the database's unit
MAX_ATTEMPTS = 5
LOCK_MINUTES = 5
MIN_PASSWORD = 8
RECOVERY_KEY = "accounts.recovery_code_hash"
IDLE_KEY = "accounts.idle_minutes"
DEFAULT_IDLE_MINUTES = 15
BAD_LOGIN = "用户名或密码不正确。"
READING_PERMISSIONS = frozenset({"read", "audit.read"})  # a role with only these writes nothing
# what only the database's own unit does: a user of another unit sharing the database (a
# department on the county's server) never holds these, whatever their role
DATABASE_PERMISSIONS = frozenset(
    {"users.manage", "settings.manage", "backup.run", "reference.edit"}
)

PERMISSION_NAMES = {
    "read": "查看",
    "users.manage": "管理用户",
    "settings.manage": "修改设置",
    "reference.edit": "修改基础数据",
    "backup.run": "备份与恢复",
    "agreement.issue": "印发、签署或作废责任状",
    "summary.review": "采纳或退回阶段总结",
    "summary.submit": "提交阶段总结",
    "summary.draft": "编辑阶段总结草稿",
    "assessment.adjust": "录入加减分",
    "inspection.close": "督导问题销号",
    "inspection.edit": "登记督导记录",
    "bulletin.publish": "发布进度通报",
    "ledger.edit": "编辑工作台账",
    "ledger.export": "导出工作台账",
    "ledger.export_full_names": "导出含完整姓名的台账",
    "ledger.verify": "核实台账（已核实、存疑）",
    "ledger.answer": "对存疑的台账作出说明",
    "meeting.edit": "登记会议",
    "statistics.draft": "填写统计报表",
    "statistics.submit": "提交统计报表",
    "statistics.review": "受理或退回统计报表，解锁已受理期间的台账",
    "audit.read": "查看审计日志",
}


@dataclass(frozen=True)
class Actor:
    """The logged-in user as the services see it."""

    user_id: int
    user_name: str
    display_name: str
    role: str
    permissions: frozenset[str]
    # the unit the user works for when it is not the database's own (several units sharing a
    # server database): ``settings.local_unit`` answers it; "" / None: the database's unit
    unit_uuid: str | None = None
    unit_name: str = ""

    def may(self, permission: str) -> bool:
        """Whether this user's role grants ``permission``."""
        return permission in self.permissions


@dataclass(frozen=True)
class Role:
    """A role from the roles file."""

    name: str
    description: str
    permissions: frozenset[str]


def roles_path() -> Path:
    """The roles file in use: the user data folder's copy, else the shipped one."""
    return find_data_file(ROLES_FILE, data_folders("roles", RESOURCES)) or RESOURCES / ROLES_FILE


@cache
def _roles_from(path: Path, _mtime: float) -> dict[str, Role]:
    data = read_toml(path, "角色文件")
    roles: dict[str, Role] = {}
    for name, body in (data.get("roles") or {}).items():
        if not isinstance(body, dict) or not isinstance(body.get("permissions", []), list):
            raise ValidationError(f"角色文件 {path.name} 中角色“{name}”的写法不对。")
        granted = frozenset(str(p) for p in body.get("permissions", [])) | {"read"}
        if "ledger.edit" in granted:  # answering a doubt was part of ledger.edit before 17:
            granted |= {"ledger.answer"}  # a county's older copy keeps its 填报员 answering
        roles[name] = Role(name, str(body.get("description", "")), granted)
    if ADMIN not in roles or "users.manage" not in roles[ADMIN].permissions:
        raise ValidationError(f"角色文件 {path.name} 必须有角色“{ADMIN}”，且它能管理用户。")
    return roles


def roles() -> dict[str, Role]:
    """Every role by name, in the file's order."""
    path = roles_path()
    return _roles_from(path, path.stat().st_mtime)


def actor_for(user: User, unit_name: str = "") -> Actor:
    """The :class:`Actor` of ``user`` with its role's current permissions (and its unit, when
    the account names one: ``unit_name`` is that unit's name)."""
    role = roles().get(user.role)
    permissions = role.permissions if role else frozenset({"read"})
    if user.unit_uuid:
        permissions = permissions - DATABASE_PERMISSIONS
    return Actor(user.id, user.name, user.display_name or user.name, user.role, permissions,
                 user.unit_uuid or None, unit_name if user.unit_uuid else "")  # fmt: skip


def user_unit(session: Session, user: User) -> Unit | None:
    """The unit ``user`` works for: their account's, else the database's own."""
    if user.unit_uuid:
        return session.scalar(select(Unit).where(Unit.uuid == user.unit_uuid))
    return settings.database_unit(session)


def _unit_choice(session: Session, unit_uuid: str | None) -> str | None:
    """``unit_uuid`` checked: None (or the database's own unit) is stored as None, so that the
    account follows the database's unit; another unit must exist and not be deleted."""
    if not unit_uuid:
        return None
    own = settings.database_unit(session)
    if own is not None and own.uuid == unit_uuid:
        return None
    unit = session.scalar(select(Unit).where(Unit.uuid == unit_uuid, Unit.deleted.is_(False)))
    if unit is None:
        raise ValidationError("没有这个单位。", "unit")
    return unit.uuid


def unit_choices(session: Session) -> list[tuple[str, str | None]]:
    """The 所属单位 an account may get, as (label, unit uuid): 本库单位 (the database's own,
    None) first, then every other unit in the template's order."""
    own = settings.database_unit(session)
    label = f"{OWN_UNIT}（{own.name}）" if own is not None else OWN_UNIT
    others = session.scalars(
        select(Unit).where(Unit.deleted.is_(False)).order_by(Unit.sort_order, Unit.name)
    )
    return [(label, None)] + [(u.name, u.uuid) for u in others if own is None or u.id != own.id]


def find_unit_uuid(session: Session, name: str) -> str | None:
    """The uuid of the unit called ``name`` ("" or 本库单位: None),
    refused in Chinese when no unit has it."""
    name = name.strip()
    if not name or name == OWN_UNIT:
        return None
    unit = session.scalar(select(Unit).where(Unit.deleted.is_(False), Unit.name == name))
    if unit is None:
        raise ValidationError(f"没有单位“{name}”。", "unit")
    return unit.uuid


def current_actor(session: Session) -> Actor | None:
    """The user acting in ``session`` (None: the program itself)."""
    actor = session.info.get("actor")
    return actor if isinstance(actor, Actor) else None


def may(session: Session, permission: str) -> bool:
    """Whether the acting user may do ``permission`` (the program itself may do anything)."""
    actor = current_actor(session)
    return actor is None or actor.may(permission)


def require(session: Session, permission: str) -> None:
    """Refuse (UserError, before anything is written) unless the acting user may
    ``permission``."""
    actor = current_actor(session)
    if actor is None or actor.may(permission):
        return
    what = PERMISSION_NAMES.get(permission, permission)
    if actor.unit_uuid and permission in DATABASE_PERMISSIONS:
        raise UserError(
            f"{what}由本库单位的用户办理，{actor.unit_name or '其他单位'}的用户不能办理。"
        )
    raise UserError(f"当前用户（角色：{actor.role}）无权{what}。请由有此权限的用户登录后办理。")


def refuse_read_only_writes(session: Session, _context: object, _instances: object) -> None:
    """``before_flush``: a user whose role only reads (查看) writes nothing, whichever service
    is called — only their own account's row (a login, their password) may change."""
    actor = current_actor(session)
    if actor is None or actor.permissions - READING_PERMISSIONS:
        return
    touched = [*session.new, *session.dirty, *session.deleted]
    if any(
        not isinstance(obj, User)
        for obj in touched
        if session.is_modified(obj) or obj in session.new or obj in session.deleted
    ):
        raise UserError(f"当前用户（角色：{actor.role}）只能查看，不能修改数据。")


# --- users -----------------------------------------------------------------------------------


def _key(name: str) -> str:
    return name.strip().casefold()


def has_users(session: Session) -> bool:
    """Whether this database has any account (then everyone must log in)."""
    return bool(session.scalar(select(func.count()).select_from(User)))


def find_user(session: Session, name: str) -> User | None:
    """The account called ``name`` (case-insensitive), or None."""
    return session.scalar(select(User).where(User.name_key == _key(name)))


def list_users(session: Session) -> list[User]:
    """Every account, active first, by name."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name_key)))


def _check_name(session: Session, name: str, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("请填写用户名。", "name")
    if len(name) > 50:
        raise ValidationError("用户名不能超过 50 个字。", "name")
    other = find_user(session, name)
    if other is not None and other.id != exclude:
        raise ValidationError(f"用户名“{name}”已有人使用。", "name")
    return name


def check_password(password: str) -> None:
    """Refuse a password too short, or with spaces at its ends."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"密码至少 {MIN_PASSWORD} 位。", "password")
    if password.strip() != password:
        raise ValidationError("密码首尾不能有空格。", "password")


def _check_role(role: str) -> None:
    if role not in roles():
        raise ValidationError(f"没有角色“{role}”。可选：{'、'.join(roles())}。", "role")


def _active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(User).where(User.active, User.role == ADMIN)
        )
        or 0
    )


def _set_recovery_code(session: Session) -> str:
    """A new recovery code: its hash stored, the data key wrapped for it (with a vault)."""
    code = new_recovery_code()
    stored, wrapping_key = hash_secret_with_key(normalise_code(code))
    row = session.get(LocalSetting, RECOVERY_KEY)
    if row is None:
        session.add(LocalSetting(key=RECOVERY_KEY, value=stored))
    else:
        row.value = stored
    vault.wrap_recovery(session, wrapping_key)
    return code


def _set_password(session: Session, user: User, password: str) -> None:
    """Store a new password's hash and the data key wrapped for it (``user`` has an id)."""
    stored, wrapping_key = hash_secret_with_key(password)
    user.password_hash = stored
    user.wrapped_key = vault.wrap_for(session, user.id, wrapping_key)


def create_first_admin(
    session: Session, name: str, password: str, display_name: str = ""
) -> tuple[User, str]:
    """Create the first 管理员 and the recovery code (returned once, stored only as a hash).
    The database is encrypted now (``vault``): a fresh data key, wrapped for this 管理员 and
    for the recovery code; what was kept in clear is sealed (a copy made first, removed
    once the sealed database is checked: see ``vault.finish_sealing``, run after the commit).
    Refused when the database already has users."""
    if has_users(session):
        raise UserError("本机已有用户，不能再次设立第一位管理员。")
    _check_name(session, name)
    check_password(password)
    return encrypt_database(session, lambda: add_user(session, name, password, ADMIN,
                                                      display_name, check=False))  # fmt: skip


def encrypt_database(session: Session, make_admin: Callable[[], User]) -> tuple[User, str]:
    """Set up the vault with the 管理员 ``make_admin`` creates (or returns): the data key is
    held from now on, existing values are sealed, the recovery code is new. The files and
    the clean-up follow the commit."""
    if vault.has_vault(session):
        raise UserError("本机数据已经加密。")
    vault.begin(session)
    report = vault.seal_existing(session, vault.database_file(session))
    user = make_admin()
    code = _set_recovery_code(session)
    vault.after_commit_finish(session, report)
    _audit(session, "change", f"本机数据改为加密保存（已加密社区矫正对象 {report.subjects} 名、"
                              f"待处理冲突 {report.conflicts} 项、本机密钥 {report.settings} 项）",
           user)  # fmt: skip
    return user, code


def encrypt_with_admin(session: Session, user_id: int, password: str) -> str:
    """A database made before encryption (users but no vault): encrypt it now with the
    logged-in 管理员 ``user_id`` (their password given again). Returns the new recovery code:
    the old one no longer opens anything. Other users need a password reset by a 管理员."""
    user = _user(session, user_id)
    if user.role != ADMIN:
        raise UserError("只有管理员可以为本机数据加密。")
    if unlock_secret(password, user.password_hash) is None:
        raise ValidationError("密码不正确。", "password")

    def admin() -> User:
        _set_password(session, user, password)
        return user

    return encrypt_database(session, admin)[1]


def needs_encryption(session: Session) -> bool:
    """Whether this database has users but keeps personal data in clear (made before
    encryption): a 管理员 encrypts it at the next login."""
    return has_users(session) and not vault.has_vault(session)


def add_user(
    session: Session,
    name: str,
    password: str,
    role: str,
    display_name: str = "",
    *,
    check: bool = True,
    unit_uuid: str | None = None,
) -> User:
    """Add an account (管理员 only), working for ``unit_uuid`` (None: the database's unit)."""
    if check:
        require(session, "users.manage")
    name = _check_name(session, name)
    check_password(password)
    _check_role(role)
    unit_uuid = _unit_choice(session, unit_uuid)
    user = User(
        name=name,
        name_key=_key(name),
        display_name=display_name.strip()[:50],
        role=role,
        password_hash="",
        failed_attempts=0,
        active=True,
        unit_uuid=unit_uuid,
    )
    session.add(user)
    session.flush()
    _set_password(session, user, password)
    _audit(
        session, "create", f"新增用户 {user.name}（{user.role}{_unit_note(session, user)}）", user
    )
    return user


def _unit_note(session: Session, user: User) -> str:
    """ "，所属单位：…" for an account of another unit than the database's, else ""."""
    unit = user_unit(session, user) if user.unit_uuid else None
    return f"，所属单位：{unit.name}" if unit is not None else ""


def edit_user(
    session: Session,
    user_id: int,
    *,
    display_name: str | None = None,
    role: str | None = None,
    unit_uuid: str | bool | None = False,
) -> User:
    """Change an account's display name, role or unit (``unit_uuid``: None is the database's
    unit, False leaves it) (管理员 only); the last active 管理员 keeps the role."""
    require(session, "users.manage")
    user = _user(session, user_id)
    if unit_uuid is not False:
        chosen = _unit_choice(session, unit_uuid if isinstance(unit_uuid, str) else None)
        if chosen != user.unit_uuid:
            before = unit_label(session, user)
            user.unit_uuid = chosen
            _audit(session, "change", f"{user.name} 的所属单位：{before} → "
                                      f"{unit_label(session, user)}", user)  # fmt: skip
    if role is not None and role != user.role:
        _check_role(role)
        if user.role == ADMIN and user.active and _active_admins(session) <= 1:
            raise UserError("这是最后一位在用的管理员，不能改为其他角色。")
        _audit(session, "role_change", f"{user.name} 的角色：{user.role} → {role}", user)
        user.role = role
    if display_name is not None:
        user.display_name = display_name.strip()[:50]
    session.flush()
    return user


def unit_label(session: Session, user: User) -> str:
    """The unit an account works for, as 用户管理 shows it (本库单位 for the database's own)."""
    unit = user_unit(session, user) if user.unit_uuid else None
    return unit.name if unit is not None else OWN_UNIT


def set_active(session: Session, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) an account (管理员 only); never the last active 管理员."""
    require(session, "users.manage")
    user = _user(session, user_id)
    if not active and user.active and user.role == ADMIN and _active_admins(session) <= 1:
        raise UserError("这是最后一位在用的管理员，不能停用。")
    user.active = active
    _audit(session, "change", f"{'启用' if active else '停用'}用户 {user.name}", user)
    session.flush()
    return user


def toggle_active(session: Session, user_id: int) -> User:
    """停用 an active account, 启用 a deactivated one (see :func:`set_active`)."""
    return set_active(session, user_id, not _user(session, user_id).active)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserError("找不到这个用户。")
    return user


def authenticate(session: Session, name: str, password: str, now: datetime | None = None) -> Actor:
    """Check a login and return its :class:`Actor`. Five wrong passwords in a row lock the
    account for five minutes. The messages never tell whether the user name exists. The
    failed-attempt count is committed before the refusal is raised, so that the caller's
    rollback does not undo it: use a session of its own for a login."""
    now = now or datetime.now(UTC)
    user = find_user(session, name) if name.strip() else None
    if user is None:
        verify_secret(password, _dummy_hash())  # same time as a wrong password
        _audit(session, "login_failed", "登录失败：没有这个用户名")
        message = _unknown_name_failed(session, name, now)  # the same answers as a real name
        session.commit()
        raise UserError(message)
    locked = user.locked_until
    if locked is not None and locked.tzinfo is None:
        locked = locked.replace(tzinfo=UTC)
    if locked is not None and locked > now:
        minutes = max(1, int((locked - now).total_seconds() + 59) // 60)
        _audit(session, "login_failed", f"登录失败：用户 {user.name} 已锁定", user)
        session.commit()
        raise UserError(f"密码错误次数过多，请 {minutes} 分钟后再试。")
    wrapping_key = unlock_secret(password, user.password_hash)
    if wrapping_key is None or not user.active:
        user.failed_attempts = (user.failed_attempts or 0) + 1
        _audit(
            session,
            "login_failed",
            f"登录失败：用户 {user.name} 第 {user.failed_attempts} 次",
            user,
        )
        if user.failed_attempts >= MAX_ATTEMPTS:
            user.failed_attempts = 0
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            session.commit()
            raise UserError(f"密码错误次数过多，请 {LOCK_MINUTES} 分钟后再试。")
        session.commit()
        raise UserError(BAD_LOGIN)
    try:
        vault.unlock_for(session, user.id, user.wrapped_key, wrapping_key)
    except UserError:
        _audit(session, "login_failed", f"登录失败：用户 {user.name} 没有数据钥匙", user)
        session.commit()
        raise
    user.failed_attempts = 0
    user.locked_until = None
    unit = user_unit(session, user) if user.unit_uuid else None
    if user.unit_uuid and (unit is None or unit.deleted):
        _audit(session, "login_failed", f"登录失败：用户 {user.name} 的所属单位已不存在", user)
        session.commit()
        raise UserError("此用户的所属单位已不存在，请管理员在用户管理中重新选择所属单位。")
    actor = actor_for(user, unit.name if unit is not None else "")
    session.info["actor"] = actor
    _audit(session, "login", f"登录：{user.name}（{user.role}）", user)
    return actor


UNKNOWN_FAILURES = "accounts.unknown_failures"  # name → [failures, locked until]: see below
UNKNOWN_KEPT = 50


def _unknown_name_failed(session: Session, name: str, now: datetime) -> str:
    """A login with a name no account has answers as a wrong password for a real account
    would, lockout included, so that the answers never tell which names exist. Counted per
    name in a local setting (the last ``UNKNOWN_KEPT`` names)."""
    row = session.get(LocalSetting, UNKNOWN_FAILURES)
    seen: dict[str, list[Any]] = json.loads(row.value) if row is not None and row.value else {}
    key = _key(name)
    count, until = seen.pop(key, [0, ""])
    locked = datetime.fromisoformat(until) if until else None
    if locked is not None and locked > now:
        minutes = max(1, int((locked - now).total_seconds() + 59) // 60)
        message = f"密码错误次数过多，请 {minutes} 分钟后再试。"
    else:
        count += 1
        message = BAD_LOGIN
        until = ""
        if count >= MAX_ATTEMPTS:
            count, until = 0, (now + timedelta(minutes=LOCK_MINUTES)).isoformat()
            message = f"密码错误次数过多，请 {LOCK_MINUTES} 分钟后再试。"
    seen[key] = [count, until]
    value = json.dumps(dict(list(seen.items())[-UNKNOWN_KEPT:]), ensure_ascii=False)
    if row is None:
        session.add(LocalSetting(key=UNKNOWN_FAILURES, value=value))
    else:
        row.value = value
    return message


def _audit(session: Session, kind: str, description: str, user: User | None = None) -> None:
    """One line of the audit log about an account (never a password)."""
    from app.services import audit

    audit.record(session, kind, description, table="users", record=user)


@cache
def _dummy_hash() -> str:
    return hash_secret("not a password")


def change_password(session: Session, user_id: int, old: str, new: str) -> None:
    """A user changes their own password (the old one asked again)."""
    user = _user(session, user_id)
    old_key = unlock_secret(old, user.password_hash)
    if old_key is None:
        raise ValidationError("原密码不正确。", "old")
    check_password(new)
    vault.unlock_for(session, user.id, user.wrapped_key, old_key)
    _set_password(session, user, new)
    _audit(session, "change", f"{user.name} 修改了自己的密码", user)
    session.flush()


def reset_password(session: Session, user_id: int, new: str) -> None:
    """A 管理员 sets another user's password (and lifts a lock)."""
    require(session, "users.manage")
    user = _user(session, user_id)
    check_password(new)
    _set_password(session, user, new)
    user.failed_attempts = 0
    user.locked_until = None
    _audit(session, "change", f"重设 {user.name} 的密码", user)
    session.flush()


def recover_with_code(session: Session, code: str, admin_name: str, new_password: str) -> str:
    """With the printed recovery code, set a new password for the 管理员 ``admin_name``
    (reactivated and unlocked). Returns the new recovery code: the old one is used up."""
    stored = session.get(LocalSetting, RECOVERY_KEY)
    code_key = unlock_secret(normalise_code(code), stored.value) if stored is not None else None
    if code_key is None:
        raise ValidationError("恢复码不正确。请核对打印的恢复码单。", "code")
    user = find_user(session, admin_name)
    if user is None or user.role != ADMIN:
        raise ValidationError("请填写一位管理员的用户名。", "name")
    check_password(new_password)
    vault.unlock_with_recovery(session, code_key)
    _set_password(session, user, new_password)
    user.failed_attempts = 0
    user.locked_until = None
    user.active = True
    _audit(session, "change", f"用恢复码重设 {user.name} 的密码", user)
    return _set_recovery_code(session)


def idle_minutes(session: Session) -> int:
    """Minutes without input after which the window locks (0: never)."""
    row = session.get(LocalSetting, IDLE_KEY)
    try:
        return max(0, int(row.value)) if row else DEFAULT_IDLE_MINUTES
    except ValueError:
        return DEFAULT_IDLE_MINUTES


def set_idle_minutes(session: Session, minutes: int) -> None:
    """Set the idle lock (管理员: a setting of this PC)."""
    require(session, "settings.manage")
    if not 0 <= minutes <= 240:
        raise ValidationError("自动锁定时间应在 0（不锁定）到 240 分钟之间。", "idle")
    before = idle_minutes(session)
    row = session.get(LocalSetting, IDLE_KEY)
    if row is None:
        session.add(LocalSetting(key=IDLE_KEY, value=str(minutes)))
    else:
        row.value = str(minutes)
    if minutes != before:
        from app.services import audit

        shown = {0: "不锁定"}
        audit.record(session, "change", f"修改自动锁定：{shown.get(before, f'{before} 分钟')} → "
                                        f"{shown.get(minutes, f'{minutes} 分钟')}", table="local_settings")  # fmt: skip
