"""Keys over time: a unit's new PC (re-issued credential) held until the county confirms its
keys, the old keys then revoked, an office rotating its own keys, and which key a package's
signature must verify with (format in docs/exchange-format.md, "Keys over time").

- **Re-issue.** The county re-issues a credential to a unit that moved to a new PC
  (``registration.write_credential(..., reissue=True)``). The new PC's packages introduce its
  keys with the new token, but the county does not switch by itself: the first such package is
  refused (:class:`NewKeysPresented`) and its keys wait (:func:`pending_keys`) until a clerk,
  having compared the identification codes by phone, confirms them (:func:`confirm_new_keys`)
  or rejects them (:func:`reject_new_keys`). Confirming revokes the old keys: a package signed
  with them is refused, saying when and why.
- **Rotation.** The county (or the city office) replaces its own keys (:func:`rotate_keys`).
  Every later package it writes carries ``key_rotations``: each new pair of public keys vouched
  for by a signature of the key it replaces. A recipient that still trusts the old key follows
  the chain, checks the package's signature with the new key and switches; from then on it
  refuses packages signed with the old key. The old private encryption key stays, only to open
  packages sealed to it before the units switched.
- Every change is a line of the package history (``history.log_key_event``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import LocalSetting, Unit, UnitKind
from app.services.errors import UserError
from app.services.settings import (
    database_unit,
    get_setting,
    require_database_unit,
    set_setting,
)
from app.services.wording import cn_date
from app.sync import history, identity, registration
from app.sync.crypto import CryptoError, PublicKeys, verify
from app.sync.package import PackageError, VerifiedPackage, read_envelope, signed_manifest

PENDING = "exchange.peer_pending:"  # + unit uuid → new keys a new PC presented, to confirm
ROTATIONS = "exchange.key_rotations"  # this install's rotations, each vouched for by the old key
ROTATION_FORMAT = "bangjiao-key-rotation"
MAX_ROTATIONS = 100  # entries of a chain looked at


class NewKeysPresented(PackageError):
    """A package from a unit's new PC: its keys wait for the clerk's confirmation."""


@dataclass(frozen=True)
class PendingKeys:
    """New keys a unit's new PC presented, waiting for the county's confirmation."""

    unit_uuid: str
    unit_name: str
    keys: PublicKeys
    current: PublicKeys | None  # the keys registered now (the PC being replaced)
    seen: str  # ISO time the package was first seen
    file: str  # the newest package that presented them (imported after the confirmation)
    sequence: int
    issued: str  # the day the credential was re-issued (ISO date)
    intro: dict[str, Any]

    @property
    def code(self) -> str:
        """The new PC's identification code."""
        return self.keys.fingerprint()

    @property
    def current_code(self) -> str:
        """The identification code registered now, or ""."""
        return self.current.fingerprint() if self.current else ""


def _day(iso: str) -> str:
    """2018年10月12日 for an ISO date or time (local)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return cn_date(moment.date())


def _today() -> str:
    return date.today().isoformat()


def _unit(session: Session, unit_uuid: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.uuid == unit_uuid))


# ---------------------------------------------------------------- new keys waiting for a person


def pending_keys(session: Session) -> list[PendingKeys]:
    """Every unit's new keys waiting for confirmation, oldest first."""
    rows = session.execute(
        select(LocalSetting.key, LocalSetting.value).where(
            LocalSetting.key.startswith(PENDING, autoescape=True)
        )
    ).all()
    found = [_pending(session, key[len(PENDING) :], value) for key, value in rows if value]
    return sorted(found, key=lambda p: p.seen)


def _pending(session: Session, unit_uuid: str, value: str) -> PendingKeys:
    data = json.loads(value)
    unit = _unit(session, unit_uuid)
    return PendingKeys(
        unit_uuid=unit_uuid,
        unit_name=unit.name if unit else data.get("unit_name", ""),
        keys=PublicKeys(data["signing"], data["encryption"]),
        current=identity.peer_keys(session, unit_uuid),
        seen=data["seen"],
        file=data.get("file", ""),
        sequence=int(data.get("sequence", 0)),
        issued=registration.token_issued(session, unit_uuid),
        intro=data["intro"],
    )


def forget_pending(session: Session, unit_uuid: str) -> None:
    """Drop a unit's new keys waiting for confirmation (if any)."""
    if get_setting(session, PENDING + unit_uuid):
        set_setting(session, PENDING + unit_uuid, "")


def _hold(
    session: Session, unit_uuid: str, keys: PublicKeys, intro: dict[str, Any], path: Path,
    package: VerifiedPackage,
) -> None:  # fmt: skip
    """Remember the new keys a unit's new PC presented (the history says so the first time)."""
    stored = get_setting(session, PENDING + unit_uuid)
    before = json.loads(stored) if stored else None
    same = before is not None and before["signing"] == keys.signing
    unit = _unit(session, unit_uuid)
    name = unit.name if unit else str(package.sender.get("unit_name", ""))
    data = {
        "signing": keys.signing, "encryption": keys.encryption, "intro": intro,
        "seen": before["seen"] if same and before else datetime.now(UTC).isoformat(),
        "file": str(Path(path).resolve()), "sequence": package.sequence, "unit_name": name,
    }  # fmt: skip
    set_setting(session, PENDING + unit_uuid, json.dumps(data, ensure_ascii=False))
    if not same:
        current = identity.peer_keys(session, unit_uuid)
        history.log_key_event(
            session, unit_uuid, name, "presented", code=keys.fingerprint(),
            old_code=current.fingerprint() if current else "", file_name=Path(path).name,
            sequence=package.sequence, instance=str(package.sender.get("instance_uuid", "")),
        )  # fmt: skip


def _pending_named(session: Session, unit_name: str) -> PendingKeys:
    for pending in pending_keys(session):
        if pending.unit_name == unit_name:
            return pending
    raise UserError(f"“{unit_name}”没有待确认的新密钥（可能已经确认或拒绝过了）。")


def _normal(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def confirm_new_keys(session: Session, unit_name: str, code: str | None = None) -> PendingKeys:
    """The clerk compared the codes by phone: the unit's new PC's keys replace the registered
    ones, which are revoked; the next package to the unit carries everything again (the new PC
    has none of the earlier ones). ``code``, when given, must be the new keys' code."""
    require_database_unit(session, "确认新密钥")
    pending = _pending_named(session, unit_name)
    for retired in identity.retired_peer_keys(session, pending.unit_uuid):
        if retired.keys.signing == pending.keys.signing:
            raise UserError(
                f"这组密钥（识别码 {pending.code}）是“{unit_name}”旧电脑的，已于 {_day(retired.until)} "
                "作废，不能再启用（那台电脑可能已丢失或在他人手中）。请拒绝这组密钥。"
            )
    if code is not None and _normal(code) != _normal(pending.code):
        raise UserError(
            f"识别码不符：您输入的是 {code}，而“{unit_name}”新电脑的识别码是 {pending.code}。"
            "没有确认。请再与对方核对；如果对方电脑上显示的不是这个识别码，请拒绝这组新密钥，"
            "并为该单位重新发放接入凭证。"
        )
    if not registration.proves_token(session, pending.unit_uuid, pending.intro):
        raise UserError(
            f"为“{unit_name}”发放的接入凭证后来又重新发放过，这组新密钥已经失效，不能确认。"
            "请让该单位的新电脑用最新的接入凭证接入，再导出数据包。"
        )
    old = pending.current
    if old is not None and old != pending.keys:
        identity.retire_peer_keys(session, pending.unit_uuid, old, _today(), "reissued")
    identity.register_peer(session, pending.unit_uuid, pending.keys)
    registration.use_token(session, pending.unit_uuid)
    forget_pending(session, pending.unit_uuid)
    identity.forget_confirmations(session, pending.unit_uuid)
    file_name = Path(pending.file).name
    history.log_key_event(session, pending.unit_uuid, unit_name, "confirmed", code=pending.code,
                          old_code=pending.current_code, file_name=file_name)  # fmt: skip
    if old is not None:
        history.log_key_event(session, pending.unit_uuid, unit_name, "revoked",
                              code=pending.code, old_code=pending.current_code)  # fmt: skip
    return pending


def reject_new_keys(session: Session, unit_name: str) -> PendingKeys:
    """The codes did not agree: the new keys are dropped and the credential that introduced
    them is spent (the county re-issues another if the unit did move to a new PC)."""
    require_database_unit(session, "拒绝新密钥")
    pending = _pending_named(session, unit_name)
    forget_pending(session, pending.unit_uuid)
    registration.use_token(session, pending.unit_uuid)
    history.log_key_event(session, pending.unit_uuid, unit_name, "rejected", code=pending.code,
                          old_code=pending.current_code)  # fmt: skip
    return pending


# ---------------------------------------------------------------- rotation of one's own keys


def _vouched(entry: dict[str, Any]) -> bytes:
    """The bytes the old key signs to vouch for the new keys."""
    fields = {k: entry[k] for k in ("unit_uuid", "old_signing", "signing", "encryption", "at")}
    return json.dumps({"format": ROTATION_FORMAT, **fields}, sort_keys=True).encode("ascii")


def can_rotate(unit: Unit | None) -> bool:
    """Offices that register others (the county, the city office) rotate their own keys."""
    return unit is not None and unit.kind in (UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE)


def rotate_keys(session: Session) -> tuple[str, str]:
    """Replace this office's keys; the old and the new identification codes. Its next packages
    are signed with the new key and carry the new public keys vouched for by the old one."""
    require_database_unit(session, "更换本机密钥")
    me = database_unit(session)
    if not can_rotate(me):
        raise UserError(
            "只有县矫正办（或市矫正办）的电脑可以更换本机密钥。其他单位换了电脑、"
            "或怀疑密钥泄露时，请县矫正办为本单位重新发放接入凭证。"
        )
    assert me is not None  # can_rotate says so
    at = datetime.now(UTC).isoformat(timespec="seconds")
    old, new = identity.replace_key_pairs(session, at)
    before, after = old.public(), new.public()
    entry: dict[str, Any] = {"unit_uuid": me.uuid, "old_signing": before.signing,
                             "signing": after.signing, "encryption": after.encryption, "at": at}  # fmt: skip
    entry["endorsement"] = old.sign(_vouched(entry))
    chain = json.loads(get_setting(session, ROTATIONS) or "[]")
    chain.append(entry)
    set_setting(session, ROTATIONS, json.dumps(chain))
    history.log_key_event(session, me.uuid, me.name, "rotated", code=after.fingerprint(),
                          old_code=before.fingerprint())  # fmt: skip
    return before.fingerprint(), after.fingerprint()


def announcements(session: Session) -> dict[str, Any]:
    """What this install's packages carry in their manifest about its keys: the rotations."""
    chain = json.loads(get_setting(session, ROTATIONS) or "[]")
    return {"key_rotations": chain} if chain else {}


def _follow(
    unit_uuid: str, registered: PublicKeys, chain: Any
) -> list[tuple[PublicKeys, PublicKeys, str]]:
    """The hops (old keys, new keys, when) from the registered keys along a sender's chain of
    rotations, each vouched for by the key it replaces; [] when it leads nowhere new."""
    if not isinstance(chain, list):
        return []
    hops: list[tuple[PublicKeys, PublicKeys, str]] = []
    current = registered
    for entry in chain[:MAX_ROTATIONS]:
        if not isinstance(entry, dict) or entry.get("unit_uuid") != unit_uuid:
            continue
        new = registration.introduced_keys(entry)
        endorsement, at = entry.get("endorsement"), entry.get("at")
        if (new is None or entry.get("old_signing") != current.signing
                or not isinstance(endorsement, str) or not isinstance(at, str)):  # fmt: skip
            continue
        try:
            verify(current.signing, _vouched(entry), endorsement)
        except (CryptoError, UnicodeEncodeError):
            continue
        hops.append((current, new, at))
        current = new
    return hops


# ---------------------------------------------------------------- whose key signs a package


class SenderTrust:
    """Which key a package's signature must verify with, and what follows once it does: used
    by the import as ``open_package``'s ``sender_signing_key``.

    The sender's registered key, normally. Otherwise what the package proves: a unit's first
    package introduces its keys (registered at once); a sender that rotated its keys brings
    the new ones vouched for by the registered key (switched to once the package verifies);
    a unit's new PC presents keys proven with a re-issued credential's token (the package is
    held: :meth:`accepted` raises :class:`NewKeysPresented`). A refusal of a package signed
    with a revoked key, or by a PC this install does not know, says so (:meth:`explain`).
    """

    def __init__(self, session: Session, path: Path) -> None:
        self.session, self.path = session, Path(path)
        self.sender_uuid = ""
        self._signed: tuple[bytes, str] | None = None
        self._read = False
        self._envelope: dict[str, Any] | None = None
        self.hops: list[tuple[PublicKeys, PublicKeys, str]] = []
        self.held: PublicKeys | None = None
        self.stranger: PublicKeys | None = None

    def _signed_manifest(self) -> tuple[bytes, str] | None:
        if not self._read:
            self._signed, self._read = signed_manifest(self.path), True
        return self._signed

    def _signed_by(self, key: str) -> bool:
        signed = self._signed_manifest()
        if signed is None:
            return False
        try:
            verify(key, *signed)
        except (CryptoError, UnicodeEncodeError):
            return False
        return True

    def envelope(self) -> dict[str, Any]:
        """What the package says before its signature is checked (its envelope: sender,
        ``introduction``, ``key_rotations``…; nothing large is parsed); {} if unreadable."""
        if self._envelope is None:
            self._envelope = read_envelope(self.path) or {}
        return self._envelope

    def signing_key(self, unit_uuid: str) -> str | None:
        """The key the package's signature must verify with (None: the sender is unknown)."""
        session = self.session
        self.sender_uuid = unit_uuid
        registered = identity.peer_keys(session, unit_uuid)
        if registered is None:
            intro = self.envelope().get("introduction")
            if registration.accept_introduction(session, unit_uuid, intro):
                registered = identity.peer_keys(session, unit_uuid)
            return registered.signing if registered else None
        if self._signed_by(registered.signing):
            return registered.signing
        hops = _follow(unit_uuid, registered, self.envelope().get("key_rotations"))
        if hops and self._signed_by(hops[-1][1].signing):
            self.hops = hops
            return hops[-1][1].signing
        intro = self.envelope().get("introduction")
        keys = registration.introduced_keys(intro)
        if (
            keys is not None
            and keys != registered
            and not identity.is_retired(session, unit_uuid, keys)  # a revoked PC stays refused
            and self._signed_by(keys.signing)
        ):
            if registration.proves_token(session, unit_uuid, intro):
                self.held = keys
                return keys.signing
            self.stranger = keys
        return registered.signing

    def explain(self, refused: PackageError) -> PackageError:
        """The refusal to show: why a revoked key or an unknown PC is refused, else ``refused``."""
        unit_uuid = self.sender_uuid
        if not unit_uuid:
            sender = self.envelope().get("sender")
            unit_uuid = str(sender.get("unit_uuid", "")) if isinstance(sender, dict) else ""
        if not unit_uuid:
            return refused
        unit = _unit(self.session, unit_uuid)
        name = unit.name if unit else "发送单位"
        for retired in reversed(identity.retired_peer_keys(self.session, unit_uuid)):
            if self._signed_by(retired.keys.signing):
                return PackageError(revoked_message(name, retired))
        registered = identity.peer_keys(self.session, unit_uuid)
        intro = self.envelope().get("introduction")
        if registered is None and intro:
            issued = registration.token_issued(self.session, unit_uuid)
            if issued and registration.proves_replaced_token(self.session, unit_uuid, intro):
                return PackageError(
                    f"“{name}”的这个数据包所用的接入凭证已经作废：本机在 {_day(issued)} "
                    f"又为{name}生成了一份新的接入凭证，之前的凭证随之失效。已拒绝，本机数据没有任何改动。"
                    f"请把最新的接入凭证交给{name}，让它用新凭证重新接入后再导出数据包。"
                )
            restored = get_setting(self.session, identity.MOVED)
            if restored:
                return PackageError(
                    f"发送单位“{name}”在本机没有登记，不能导入它的数据包：本机的数据曾被替换"
                    f"（{restored}），{name}的接入凭证可能是在所恢复的备份之后发放的，"
                    "恢复后本机已不记得它。已拒绝，本机数据没有任何改动。"
                    f"请在“数据交换”页面为{name}重新发放接入凭证，让它用新凭证重新接入后再导出数据包。"
                )
            return PackageError(
                f"发送单位“{name}”尚未登记，不能导入它的数据包：它所用的接入凭证不是本机为{name}"
                "发放的任何一份（可能是伪造的，或是别的电脑生成的）。已拒绝，本机数据没有任何改动。"
            )
        if self.stranger is not None and registered is not None:
            return PackageError(
                f"“{name}”的这个数据包来自一台本机不认识的电脑（识别码 {self.stranger.fingerprint()}）："
                f"它不是用本机为{name}登记的密钥（识别码 {registered.fingerprint()}）签名的，"
                f"所用的接入凭证也不是本机最近为{name}发放、尚未使用的那一份。"
                "已拒绝，本机数据没有任何改动。如果该单位确实换了电脑或重装了系统，"
                "请在“数据交换”页面为它重新发放接入凭证，让新电脑用新凭证接入后再导出数据包。"
            )
        return refused

    def accepted(self, package: VerifiedPackage, *, hold: bool) -> VerifiedPackage:
        """The package verified: switch to a sender's rotated keys (in the caller's
        transaction), or hold a new PC's package — its keys are remembered for confirmation
        (committed on their own when ``hold``, the caller's transaction rolled back first) and
        :class:`NewKeysPresented` is raised."""
        session = self.session
        unit = _unit(session, self.sender_uuid)
        name = unit.name if unit else str(package.sender.get("unit_name", ""))
        for old, new, at in self.hops:
            identity.retire_peer_keys(session, self.sender_uuid, old, at, "rotated")
            identity.register_peer(session, self.sender_uuid, new)
            history.log_key_event(session, self.sender_uuid, name, "switched",
                                  code=new.fingerprint(), old_code=old.fingerprint())  # fmt: skip
        if self.held is None:
            return package
        package.close()
        registered = identity.peer_keys(session, self.sender_uuid)
        intro = self.envelope()["introduction"]
        issued = registration.token_issued(session, self.sender_uuid)
        if hold:
            session.rollback()  # nothing of the import, only the keys waiting for a person
            _hold(session, self.sender_uuid, self.held, intro, self.path, package)
            session.commit()
        raise NewKeysPresented(
            f"“{name}”的这个数据包来自一台新的电脑：它用"
            + (f" {_day(issued)} " if issued else "")
            + f"重新发放的接入凭证接入，带来了新的密钥（新识别码 {self.held.fingerprint()}），"
            f"与本机为{name}登记的密钥（识别码 {registered.fingerprint() if registered else '–'}）"
            "不同。为防止他人冒用，本机不会自动改用新密钥，这个数据包暂未导入，本机数据没有改动。"
            + (
                f"请打电话与{name}核对新识别码，然后在“数据交换”页面的“待确认的新密钥”中确认，"
                "再导入这个数据包。"
                if hold
                else f"导入它时，“数据交换”页面会列出待确认的新密钥；请打电话与{name}核对新识别码后确认。"
            )
        )


def revoked_message(name: str, retired: identity.RetiredKeys) -> str:
    """Why a package signed with a revoked key is refused, and what to do."""
    code, day = retired.keys.fingerprint(), _day(retired.until)
    if retired.reason == "rotated":
        return (
            f"这个数据包是用“{name}”已作废的旧密钥（识别码 {code}）签名的：{name}已于 {day} "
            "更换了密钥，本机此后只认新密钥（旧密钥可能已泄露，例如电脑丢失或被盗）。"
            f"已拒绝，本机数据没有任何改动。请向{name}核实，并请其重新导出数据包。"
        )
    if retired.reason == "credential":
        return (
            f"这个数据包是用“{name}”已作废的旧密钥（识别码 {code}）签名的：本机已于 {day} "
            f"用{name}新发的接入凭证改用了新密钥。已拒绝，本机数据没有任何改动。"
            f"请向{name}核实这个数据包的来历。"
        )
    return (
        f"这个数据包是用“{name}”的旧密钥（识别码 {code}）签名的，该密钥已于 {day} 作废："
        f"{name}换用了新的电脑（重新发放了接入凭证），旧电脑可能已丢失、被盗或在他人手中。"
        f"已拒绝，本机数据没有任何改动。请与{name}联系：今后只用新电脑导出数据包；"
        "如果对方并没有在用旧电脑，请查明这个数据包从何而来。"
    )


KEY_EVENTS = {
    "registered": "登记密钥 {code}",
    "reissued": "重新发放接入凭证（现登记 {old}）",
    "presented": "新电脑出示新密钥 {code}，待确认",
    "confirmed": "确认新密钥 {code}（取代 {old}）",
    "revoked": "旧密钥 {old} 作废，其数据包一律拒绝",
    "rejected": "拒绝新密钥 {code}（识别码核对不符）",
    "rotated": "更换本机密钥：{code}（原 {old} 作废）",
    "switched": "对方更换密钥：{code}（原 {old} 作废）",
}


def key_event_text(details: dict[str, Any]) -> str:
    """A history line's text for a change of keys."""
    wording = KEY_EVENTS.get(str(details.get("key_event", "")), "密钥变更")
    return wording.replace("{code}", str(details.get("code") or "–")).replace(
        "{old}", str(details.get("old_code") or "–")
    )


REASONS = {"reissued": "换用新电脑", "rotated": "对方更换密钥", "credential": "新的接入凭证"}


def key_overview_lines(session: Session) -> list[str]:
    """This PC's code, each registered unit's, the keys waiting for confirmation and the
    revoked ones, as lines of text (the command line's ``keys list``)."""
    me = database_unit(session)
    lines = [
        f"本机：{me.name if me else '（未设定）'}，识别码 {identity.key_pairs(session).public().fingerprint()}"
    ]
    known = set(identity.registered_units(session))
    units = session.scalars(
        select(Unit).where(Unit.uuid.in_(known)).order_by(Unit.sort_order, Unit.id)
    ).all()
    lines.append("已登记的单位：" if units else "已登记的单位：无")
    for unit in units:
        keys = identity.peer_keys(session, unit.uuid)
        lines.append(f"  {unit.name}　识别码 {keys.fingerprint() if keys else '–'}")
    pending = pending_keys(session)
    if pending:
        lines.append("待确认的新密钥（打电话核对后 keys confirm --unit 单位 --code 新识别码）：")
        for item in pending:
            lines.append(f"  {item.unit_name}　新电脑识别码 {item.code}　现登记 {item.current_code or '–'}"
                         f"　出示于 {_day(item.seen)}（{Path(item.file).name}）")  # fmt: skip
    revoked = [(unit, r) for unit in units for r in identity.retired_peer_keys(session, unit.uuid)]
    if revoked:
        lines.append("已作废的密钥（用它们签名的数据包一律拒绝）：")
        for unit, retired in revoked:
            lines.append(f"  {unit.name}　识别码 {retired.keys.fingerprint()}　{_day(retired.until)}起作废"
                         f"（{REASONS.get(retired.reason, retired.reason)}）")  # fmt: skip
    return lines
