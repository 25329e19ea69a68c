"""Joining: the county registers a unit and writes a credential file; the unit's PC joins
with it, and the unit's first package introduces its public keys, proven with the token.

The credential carries the county's public keys and a one-time random token. The unit signs
nothing with the token: it sends an HMAC-SHA256 of its public keys keyed with the token, so the
county knows the keys come from the PC that received the credential.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Unit, UnitKind
from app.services.errors import UserError
from app.services.settings import get_setting, local_unit, set_setting
from app.sync import identity
from app.sync.crypto import PublicKeys

CREDENTIAL_FORMAT = "bangjiao-credential"
TOKEN = "exchange.token:"  # + unit uuid → the token issued to that unit (county side)
OWN_TOKEN = "exchange.own_token"  # unit side: the token received in the credential


def _proof(token: str, keys: PublicKeys) -> str:
    return hmac.new(
        token.encode("ascii"), f"{keys.signing}|{keys.encryption}".encode("ascii"), hashlib.sha256
    ).hexdigest()


def write_credential(
    session: Session, unit_name: str, out: Path, template_key: str | None
) -> dict[str, Any]:
    """Register ``unit_name`` and write its credential file: the county for its departments and
    offices, the city office for the county (a unit is registered by the one it reports to)."""
    me = local_unit(session)
    if me is None or me.kind not in (UnitKind.COUNTY_OFFICE, UnitKind.CITY_OFFICE):
        raise UserError("只有县矫正办（或市矫正办）的电脑可以为单位登记、生成接入凭证。")
    unit = session.scalar(select(Unit).where(Unit.name == unit_name, Unit.deleted.is_(False)))
    if unit is None:
        raise UserError(f"没有名为“{unit_name}”的单位。")
    if unit.parent_id != me.id:
        raise UserError(f"“{unit.name}”不向“{me.name}”报送，不能由本机为它生成接入凭证。")
    token = secrets.token_hex(16)
    set_setting(session, TOKEN + unit.uuid, token)
    keys = identity.key_pairs(session).public()
    credential = {
        "format": CREDENTIAL_FORMAT,
        "version": 1,
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
    Path(out).write_text(json.dumps(credential, ensure_ascii=False, indent=1), encoding="utf-8")
    return credential


def read_credential(path: Path) -> dict[str, Any]:
    """A credential file's content, checked."""
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise UserError(f"“{path}”不是有效的接入凭证文件。") from None
    if data.get("format") != CREDENTIAL_FORMAT:
        raise UserError(f"“{path}”不是大帮教工作台的接入凭证文件。")
    return data


def join_with_credential(session: Session, credential: dict[str, Any]) -> None:
    """Unit side (after the database is set up for the credential's unit): trust the county."""
    county = credential["county"]
    identity.register_peer(
        session, county["unit_uuid"], PublicKeys(county["signing"], county["encryption"])
    )
    set_setting(session, OWN_TOKEN, credential["token"])


def join_existing(session: Session, credential: dict[str, Any]) -> str:
    """An office already set up (the county joining the city): trust the issuer named in the
    credential, if the credential was made for this office; the issuer's name."""
    me = local_unit(session)
    if me is None or me.uuid != credential["unit"]["unit_uuid"]:
        raise UserError(
            f"这个接入凭证是发给“{credential['unit']['unit_name']}”的，不是本机单位"
            f"“{me.name if me else '（未设定）'}”的。"
        )
    join_with_credential(session, credential)
    issuer: str = credential["county"]["unit_name"]
    return issuer


def introduction(session: Session) -> dict[str, Any] | None:
    """Unit side: what the first packages carry so the county can register this PC's keys."""
    token = get_setting(session, OWN_TOKEN)
    if not token:
        return None
    keys = identity.key_pairs(session).public()
    return {"signing": keys.signing, "encryption": keys.encryption, "proof": _proof(token, keys)}


def accept_introduction(session: Session, unit_uuid: str, intro: dict[str, Any] | None) -> bool:
    """County side: register a unit's keys if its introduction proves the issued token."""
    token = get_setting(session, TOKEN + unit_uuid)
    if not intro or not token:
        return False
    keys = PublicKeys(intro["signing"], intro["encryption"])
    if not hmac.compare_digest(_proof(token, keys), str(intro.get("proof", ""))):
        return False
    identity.register_peer(session, unit_uuid, keys)
    return True
