"""Joining: the county registers a unit and writes a credential file; the unit's PC joins
with it, and the unit's first package introduces its public keys, proven with the token.

The credential carries the county's public keys and a one-time random token. The unit signs
nothing with the token: it sends an HMAC-SHA256 of its public keys keyed with the token, so the
county knows the keys come from the PC that received the credential. A token serves once: the
keys it registered are the unit's, and it cannot introduce others. A unit that moves to a new PC
gets a re-issued credential; the new PC's keys wait for the county's confirmation
(``app.sync.keys``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import hexdigits
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Unit, UnitKind
from app.services.database import database_url, remove_sqlite_file, sqlite_file
from app.services.errors import UserError, ValidationError, file_problem
from app.services.private_files import write_private_text
from app.services.settings import (
    database_unit,
    get_setting,
    require_database_unit,
    set_setting,
)
from app.services.setup import SetupResult, initialise
from app.services.templates import find_template
from app.sync import history, identity
from app.sync.crypto import PublicKeys

CREDENTIAL_FORMAT = "bangjiao-credential"
CREDENTIAL_VERSION = 1
TOKEN = "exchange.token:"  # + unit uuid → the token issued to that unit, "" once used (county)
TOKEN_ISSUED = "exchange.token_issued:"  # + unit uuid → the day that token was issued
OWN_TOKEN = "exchange.own_token"  # unit side: the token received in the credential
REPLACED_TOKENS = "exchange.replaced_tokens:"  # + unit uuid → JSON list of unused tokens replaced
MAX_REPLACED_TOKENS = 20


def _proof(token: str, keys: PublicKeys) -> str:
    return hmac.new(
        token.encode("ascii"), f"{keys.signing}|{keys.encryption}".encode("ascii"), hashlib.sha256
    ).hexdigest()


def registered(session: Session, unit_name: str) -> bool:
    """The unit's keys are registered here (a credential for it would be a re-issue)."""
    unit = session.scalar(select(Unit).where(Unit.name == unit_name, Unit.deleted.is_(False)))
    return unit is not None and identity.peer_keys(session, unit.uuid) is not None


def write_credential(
    session: Session, unit_name: str, out: Path, template_key: str, *, reissue: bool = False
) -> dict[str, Any]:
    """Register ``unit_name`` and write its credential file: the county for its departments and
    offices, the city office for the county (a unit is registered by the one it reports to).

    A unit whose keys are registered already gets a credential only with ``reissue`` (it moved
    to a new PC): the new PC's keys then wait for confirmation, and the current PC's keys stay
    valid until then."""
    require_database_unit(session, "生成接入凭证")
    me = database_unit(session)
    if me is None or me.kind not in (UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE):
        raise UserError("只有县矫正办（或市矫正办）的电脑可以为单位登记、生成接入凭证。")
    unit = session.scalar(select(Unit).where(Unit.name == unit_name, Unit.deleted.is_(False)))
    if unit is None:
        raise UserError(f"没有名为“{unit_name}”的单位。")
    if unit.parent_id != me.id:
        raise UserError(f"“{unit.name}”不向“{me.name}”报送，不能由本机为它生成接入凭证。")
    current = identity.peer_keys(session, unit.uuid)
    if current is not None and not reissue:
        raise UserError(
            f"“{unit.name}”已经接入（本机登记的识别码 {current.fingerprint()}）。"
            "如果它换了电脑或重装了系统，请重新发放接入凭证（命令行加 --reissue）："
            "新电脑接入后发来的第一个数据包需要核对确认，确认后现在的电脑随即停用。"
        )
    token = secrets.token_hex(16)
    _remember_replaced(session, unit.uuid)
    set_setting(session, TOKEN + unit.uuid, token)
    set_setting(session, TOKEN_ISSUED + unit.uuid, datetime.now().date().isoformat())
    if current is not None:
        from app.sync.keys import forget_pending

        forget_pending(session, unit.uuid)  # keys presented with an earlier credential
        history.log_key_event(
            session, unit.uuid, unit.name, "reissued", old_code=current.fingerprint()
        )
    keys = identity.key_pairs(session).public()
    credential = {
        "format": CREDENTIAL_FORMAT,
        "version": CREDENTIAL_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "template": template_key,
        "county": {
            "unit_uuid": me.uuid,
            "unit_name": me.name,
            "signing": keys.signing,
            "encryption": keys.encryption,
        },
        "unit": {"unit_uuid": unit.uuid, "unit_name": unit.name},
        "token": token,
    }
    # its token lets a PC join as the unit: readable by its owner only
    write_private_text(Path(out), json.dumps(credential, ensure_ascii=False, indent=1))
    return credential


MAX_CREDENTIAL_BYTES = 64 * 1024  # a credential is about 600 bytes; anything large is another file


def _key_text(value: Any) -> bool:
    """A public key as credentials carry it: base64 of 32 raw bytes."""
    try:
        return len(base64.b64decode(str(value).encode("ascii"), validate=True)) == 32
    except (ValueError, UnicodeEncodeError):
        return False


def _missing_parts(data: dict[str, Any]) -> list[str]:
    """What a credential lacks (in Chinese), if it was cut short or edited by hand."""
    county, unit = data.get("county"), data.get("unit")
    missing = []
    if not isinstance(county, dict) or not all(
        isinstance(county.get(k), str) and county[k] for k in ("unit_uuid", "unit_name")
    ):
        missing.append("发放单位")
    elif not (_key_text(county.get("signing")) and _key_text(county.get("encryption"))):
        missing.append("发放单位的密钥")
    if not isinstance(unit, dict) or not all(
        isinstance(unit.get(k), str) and unit[k] for k in ("unit_uuid", "unit_name")
    ):
        missing.append("接入单位")
    token = data.get("token")
    if not (isinstance(token, str) and len(token) == 32 and all(c in hexdigits for c in token)):
        missing.append("一次性口令")
    if not isinstance(data.get("template", ""), str):
        missing.append("实施方案")
    return missing


def read_credential(path: Path) -> dict[str, Any]:
    """A credential file's content, checked: a wrong, damaged or newer file is a UserError
    naming the file and what to do."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CREDENTIAL_BYTES:
            raise UserError(
                f"“{path.name}”不是大帮教工作台的接入凭证文件（接入凭证是很小的 .cred 文件）。"
            )
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(file_problem(exc, path)) from None
    except ValueError:
        raise UserError(
            f"“{path.name}”不是有效的接入凭证文件（内容无法识别，可能已损坏或不是凭证）。"
            "请确认选择的是发放单位给的 .cred 文件。"
        ) from None
    if not isinstance(data, dict) or data.get("format") != CREDENTIAL_FORMAT:
        raise UserError(f"“{path.name}”不是大帮教工作台的接入凭证文件。")
    if not isinstance(data.get("version"), int) or data["version"] > CREDENTIAL_VERSION:
        raise UserError(f"“{path.name}”由更新版本的大帮教工作台生成，请先升级本机的程序。")
    missing = _missing_parts(data)
    if missing:
        raise UserError(
            f"“{path.name}”已损坏或不完整（{'、'.join(missing)}不对），不能用来接入。"
            "请让发放凭证的单位重新生成一份。"
        )
    return data


def join_with_credential(session: Session, credential: dict[str, Any]) -> None:
    """Unit side (after the database is set up for the credential's unit): trust the county.
    A credential carrying keys the county has since replaced is refused; keys it replaces are
    no longer trusted."""
    county = credential["county"]
    keys = PublicKeys(county["signing"], county["encryption"])
    for retired in identity.retired_peer_keys(session, county["unit_uuid"]):
        if retired.keys.signing == keys.signing:
            raise UserError(
                f"这个接入凭证中“{county['unit_name']}”的密钥已于 {retired.until[:10]} 作废"
                f"（{county['unit_name']}已更换密钥），不能再用。"
                f"请向{county['unit_name']}索取一份新的接入凭证。"
            )
    current = identity.peer_keys(session, county["unit_uuid"])
    if current is not None and current != keys:
        today = datetime.now().date().isoformat()
        identity.retire_peer_keys(session, county["unit_uuid"], current, today, "credential")
        history.log_key_event(session, county["unit_uuid"], county["unit_name"], "switched",
                              code=keys.fingerprint(), old_code=current.fingerprint())  # fmt: skip
    identity.register_peer(session, county["unit_uuid"], keys)
    set_setting(session, OWN_TOKEN, credential["token"])


def join_existing(session: Session, credential: dict[str, Any]) -> str:
    """An office already set up (the county joining the city): trust the issuer named in the
    credential, if the credential was made for this office; the issuer's name."""
    me = database_unit(session)
    if me is None or me.uuid != credential["unit"]["unit_uuid"]:
        raise UserError(
            f"这个接入凭证是发给“{credential['unit']['unit_name']}”的，不是本机单位"
            f"“{me.name if me else '（未设定）'}”的。请选择发给本单位的接入凭证。"
        )
    join_with_credential(session, credential)
    issuer: str = credential["county"]["unit_name"]
    return issuer


@dataclass(frozen=True)
class CredentialSummary:
    """What a credential sets up, for a person to check before joining."""

    unit_name: str
    issuer_name: str
    template: str
    programme: str  # the template's name
    created: str  # the day the credential was made, 2018-06-01


def credential_summary(credential: dict[str, Any]) -> CredentialSummary:
    """The unit, issuer and programme a credential (read by :func:`read_credential`) sets up;
    a UserError when this PC's program lacks the programme template it names."""
    template = credential.get("template") or ""
    if not template:
        raise UserError(
            "这个接入凭证没有注明实施方案模板（发放单位的数据库不是用内置模板建立的），"
            "本机无法据此建立数据库。请发放单位的技术人员处理。"
        )
    try:
        info = find_template(template)
    except ValidationError:
        raise UserError(
            f"本机的程序中没有这个接入凭证所用的实施方案模板“{template}”。"
            "请先把本机的大帮教工作台升级到与发放单位相同的版本。"
        ) from None
    return CredentialSummary(
        unit_name=credential["unit"]["unit_name"],
        issuer_name=credential["county"]["unit_name"],
        template=template,
        programme=info.name,
        created=str(credential.get("created", ""))[:10],
    )


def initialise_from_credential(db: str | None, credential: dict[str, Any]) -> SetupResult:
    """First run on a unit's PC (``init --credential`` and the wizard's join path): create the
    database named by ``--db`` from the credential's programme template, for the credential's
    unit, and trust the issuer's keys. A database file this call created is removed again if
    anything fails."""
    summary = credential_summary(credential)
    unit_name = summary.unit_name
    path = sqlite_file(database_url(db))
    fresh_file = path is not None and not Path(path).exists()
    result = initialise(db, summary.template, unit_name)
    try:
        with result.database.session() as session:
            me = database_unit(session)
            if me is None or me.uuid != credential["unit"]["unit_uuid"]:
                raise UserError(
                    f"接入凭证中的“{unit_name}”与本机方案模板中的同名单位不是同一个单位，"
                    "不能用它接入。请让发放凭证的单位重新生成一份。"
                )
            join_with_credential(session, credential)
    except BaseException:
        result.database.close()
        if fresh_file and path is not None:
            remove_sqlite_file(path)
        raise
    return result


def introduction(session: Session) -> dict[str, Any] | None:
    """Unit side: what the first packages carry so the county can register this PC's keys."""
    token = get_setting(session, OWN_TOKEN)
    if not token:
        return None
    keys = identity.key_pairs(session).public()
    return {"signing": keys.signing, "encryption": keys.encryption, "proof": _proof(token, keys)}


def introduced_keys(intro: Any) -> PublicKeys | None:
    """The public keys an introduction (read from a manifest, not trusted yet) carries, or
    None when it is not one."""
    if not isinstance(intro, dict) or not all(
        _key_text(intro.get(k)) for k in ("signing", "encryption")
    ):
        return None
    return PublicKeys(str(intro["signing"]), str(intro["encryption"]))


def proves_token(session: Session, unit_uuid: str, intro: Any) -> bool:
    """County side: the introduction's keys are proven with the token issued to the unit and
    not used yet."""
    token = get_setting(session, TOKEN + unit_uuid)
    keys = introduced_keys(intro)
    if not token or keys is None:
        return False
    return hmac.compare_digest(_proof(token, keys), str(intro.get("proof", "")))


def token_issued(session: Session, unit_uuid: str) -> str:
    """The day the unit's current credential was issued (ISO date), or ""."""
    return get_setting(session, TOKEN_ISSUED + unit_uuid) or ""


def _replaced(session: Session, unit_uuid: str) -> list[str]:
    try:
        tokens = json.loads(get_setting(session, REPLACED_TOKENS + unit_uuid) or "[]")
    except ValueError:
        return []
    return [str(t) for t in tokens] if isinstance(tokens, list) else []


def _remember_replaced(session: Session, unit_uuid: str) -> None:
    unused = get_setting(session, TOKEN + unit_uuid)
    if unused:
        tokens = [*_replaced(session, unit_uuid), unused][-MAX_REPLACED_TOKENS:]
        set_setting(session, REPLACED_TOKENS + unit_uuid, json.dumps(tokens))


def proves_replaced_token(session: Session, unit_uuid: str, intro: Any) -> bool:
    """County side: the introduction is proven with a credential made for the unit earlier and
    replaced by a newer one before it was used (so the unit holds an outdated credential)."""
    keys = introduced_keys(intro)
    if keys is None:
        return False
    proof = str(intro.get("proof", ""))
    return any(hmac.compare_digest(_proof(t, keys), proof) for t in _replaced(session, unit_uuid))


def has_unused_token(session: Session, unit_uuid: str) -> bool:
    """Whether a credential made for the unit still waits to be used."""
    return bool(get_setting(session, TOKEN + unit_uuid))


def use_token(session: Session, unit_uuid: str) -> None:
    """The unit's token has registered its keys (or was refused): it introduces nothing more."""
    if get_setting(session, TOKEN + unit_uuid):
        set_setting(session, TOKEN + unit_uuid, "")


def accept_introduction(session: Session, unit_uuid: str, intro: dict[str, Any] | None) -> bool:
    """County side: register a unit's keys if its introduction proves the issued token (the
    unit's first package; recorded in the history, in the caller's transaction)."""
    if not proves_token(session, unit_uuid, intro):
        return False
    keys = introduced_keys(intro)
    assert keys is not None  # proven keys are keys
    if identity.is_retired(session, unit_uuid, keys):
        return False  # a PC whose keys were revoked does not come back with a new credential
    identity.register_peer(session, unit_uuid, keys)
    use_token(session, unit_uuid)
    unit = session.scalar(select(Unit).where(Unit.uuid == unit_uuid))
    history.log_key_event(
        session, unit_uuid, unit.name if unit else "", "registered", code=keys.fingerprint()
    )
    return True
