"""This install's exchange identity: instance id, key pairs, peers' public keys, sequences.

Kept in the local (never exchanged) settings table. A database copied to another PC or
restored from a backup should be given a new instance id (``new_instance``) so that its
package numbers never collide with the original's.
"""

from __future__ import annotations

import hashlib
import json
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.services import vault
from app.services.files import replace_file
from app.services.private_files import write_private_text
from app.services.settings import get_setting, set_setting
from app.sync.crypto import KeyPairs, PublicKeys

INSTANCE = "exchange.instance_uuid"
KEYS = "exchange.keys"
KEYS_RETIRED = "exchange.keys_retired"  # this install's key pairs before it rotated them
PEER = "exchange.peer:"  # + unit uuid → public keys
PEER_RETIRED = "exchange.peer_retired:"  # + unit uuid → its keys no longer valid, and since when
SEQ_OUT = "exchange.seq_out:"  # + recipient unit uuid → last sequence sent
SEQ_FROM = "exchange.seq_from:"  # + sender unit uuid + ":" + install id → last sequence imported
SEQ_IN = "exchange.seq_in:"  # (before: + install id alone → last imported; see migrate_sequences)
SEQ_FLOOR = "exchange.seq_floor:"  # + install id → an old number no history attributes to a sender


def instance_uuid(session: Session) -> str:
    """This install's identity, made on first use."""
    value = get_setting(session, INSTANCE)
    if not value:
        value = str(uuid.uuid4())
        set_setting(session, INSTANCE, value)
    return value


def new_instance(session: Session) -> str:
    """Give this database a fresh identity (after copying or restoring it)."""
    value = str(uuid.uuid4())
    set_setting(session, INSTANCE, value)
    return value


def _retired_pairs(session: Session) -> list[dict[str, str]]:
    stored = get_setting(session, KEYS_RETIRED)
    retired: list[dict[str, str]] = json.loads(
        vault.open_setting(session, stored, KEYS_RETIRED) if stored else "[]"
    )
    return retired


def key_pairs(session: Session) -> KeyPairs:
    """This install's key pairs, made on first use (with the private encryption keys it used
    before a rotation, so packages still sealed to them open)."""
    value = get_setting(session, KEYS)
    retired = tuple(pair["encryption_private"] for pair in reversed(_retired_pairs(session)))
    if value:
        stored = json.loads(vault.open_setting(session, value, KEYS))
        return KeyPairs(stored["signing_private"], stored["encryption_private"], retired)
    keys = KeyPairs.generate()
    _store_pairs(session, keys)
    return keys


def _store_pairs(session: Session, keys: KeyPairs) -> None:
    pairs = json.dumps({"signing_private": keys.signing_private,
                        "encryption_private": keys.encryption_private})  # fmt: skip
    set_setting(session, KEYS, vault.seal_setting(session, pairs, KEYS))


def replace_key_pairs(session: Session, at: str) -> tuple[KeyPairs, KeyPairs]:
    """Make new key pairs for this install (a rotation at ``at``, ISO time); the old ones are
    kept only to open packages still sealed to them. The old and the new pairs."""
    old = key_pairs(session)
    retired = _retired_pairs(session)
    retired.append(
        {"signing_private": old.signing_private, "encryption_private": old.encryption_private,
         "until": at}
    )  # fmt: skip
    set_setting(
        session, KEYS_RETIRED, vault.seal_setting(session, json.dumps(retired), KEYS_RETIRED)
    )
    _store_pairs(session, KeyPairs.generate())
    return old, key_pairs(session)


def register_peer(session: Session, unit_uuid: str, keys: PublicKeys) -> None:
    """Remember another unit's public keys."""
    set_setting(
        session,
        PEER + unit_uuid,
        json.dumps({"signing": keys.signing, "encryption": keys.encryption}),
    )


def peer_keys(session: Session, unit_uuid: str) -> PublicKeys | None:
    """A registered unit's public keys, or None."""
    value = get_setting(session, PEER + unit_uuid)
    return PublicKeys(**json.loads(value)) if value else None


@dataclass(frozen=True)
class RetiredKeys:
    """A unit's public keys that are no longer valid: since ``until`` (ISO date), because
    ``reason``: "reissued" (the unit moved to a new PC with a re-issued credential), "rotated"
    (the unit replaced its keys) or "credential" (a new credential brought other keys)."""

    keys: PublicKeys
    until: str
    reason: str


def retire_peer_keys(
    session: Session, unit_uuid: str, keys: PublicKeys, until: str, reason: str
) -> None:
    """Remember that a unit's keys stopped being valid (its later packages are refused)."""
    retired = json.loads(get_setting(session, PEER_RETIRED + unit_uuid) or "[]")
    retired.append(
        {"signing": keys.signing, "encryption": keys.encryption, "until": until, "reason": reason}
    )
    set_setting(session, PEER_RETIRED + unit_uuid, json.dumps(retired))


def retired_peer_keys(session: Session, unit_uuid: str) -> list[RetiredKeys]:
    """A unit's keys that are no longer valid, oldest first."""
    retired = json.loads(get_setting(session, PEER_RETIRED + unit_uuid) or "[]")
    return [
        RetiredKeys(PublicKeys(r["signing"], r["encryption"]), r["until"], r["reason"])
        for r in retired
    ]


def is_retired(session: Session, unit_uuid: str, keys: PublicKeys) -> bool:
    """Whether ``keys`` are among the unit's keys that are no longer valid."""
    return any(r.keys.signing == keys.signing for r in retired_peer_keys(session, unit_uuid))


def upcoming_sequence(session: Session, recipient_uuid: str) -> int:
    """The number the next package for a recipient will carry (not counted as used)."""
    return int(get_setting(session, SEQ_OUT + recipient_uuid) or 0) + 1


def next_sequence(session: Session, recipient_uuid: str) -> int:
    """The number of the next package for a recipient (and count it as used)."""
    value = upcoming_sequence(session, recipient_uuid)
    set_setting(session, SEQ_OUT + recipient_uuid, str(value))
    return value


def last_imported(session: Session, unit_uuid: str, instance: str) -> int:
    """The highest sequence imported from a sender unit's install. An install id counts only
    with the unit whose registered key signed the package: another unit naming the same install
    id (install ids travel in clear) has numbers of its own and cannot make this one's look
    old. An old number that no history attributes to a sender stands for every sender."""
    return max(
        int(get_setting(session, f"{SEQ_FROM}{unit_uuid}:{instance}") or 0),
        int(get_setting(session, SEQ_FLOOR + instance) or 0),
    )


def mark_imported(session: Session, unit_uuid: str, instance: str, sequence: int) -> None:
    """Record an import from a sender unit's install (in the import's own transaction)."""
    set_setting(session, f"{SEQ_FROM}{unit_uuid}:{instance}", str(sequence))


def migrate_sequences(session: Session) -> None:
    """Re-key the imported sequences kept by install id alone (``exchange.seq_in:<install>``)
    by sender unit and install; idempotent, in the caller's transaction.

    The package history (``package_log``) is authoritative: each received package's row names
    the sender whose registered key verified its signature and the install id it carried, and
    was written in the same transaction as the old number. So the numbers are rebuilt from it
    as the highest sequence per (sender, install), and a number another unit forged under
    someone else's install id stays with the forger. An old number whose install id no history
    row names (imports made before the history existed, schema 0004) cannot be attributed: it
    is kept as a floor for that install id under every sender, so its packages are not taken
    again."""
    from sqlalchemy import delete, func, select

    from app.models import Direction, LocalSetting, PackageLog

    rows = session.execute(
        select(LocalSetting.key, LocalSetting.value).where(LocalSetting.key.like(SEQ_IN + "%"))
    )
    old = {key: value for key, value in rows}
    if not old:
        return
    received = session.execute(
        select(PackageLog.peer_unit_uuid, PackageLog.instance_uuid, func.max(PackageLog.sequence))
        .where(PackageLog.direction == Direction.RECEIVED)
        .group_by(PackageLog.peer_unit_uuid, PackageLog.instance_uuid)
    )
    known: set[str] = set()
    for unit_uuid, instance, sequence in received:
        known.add(instance)
        if SEQ_IN + instance in old and sequence > last_imported(session, unit_uuid, instance):
            mark_imported(session, unit_uuid, instance, sequence)
    for key, value in old.items():
        instance = key[len(SEQ_IN) :]
        if instance not in known:
            floor = max(int(value or 0), int(get_setting(session, SEQ_FLOOR + instance) or 0))
            set_setting(session, SEQ_FLOOR + instance, str(floor))
    session.execute(delete(LocalSetting).where(LocalSetting.key.in_(list(old))))


EXPORT_MARK = "exchange.export_mark:"  # + recipient uuid + ":" + sequence → time the export began
ACKED = "exchange.acked:"  # + recipient uuid → highest of our packages it has confirmed
ACK_OWED = "exchange.ack_owed:"  # + sender unit uuid → {sender instance: highest imported}


def record_export(session: Session, recipient_uuid: str, sequence: int, began: str) -> None:
    """Remember when a package's export began (its records are those changed before then)."""
    set_setting(session, f"{EXPORT_MARK}{recipient_uuid}:{sequence}", began)


def export_since(session: Session, recipient_uuid: str) -> str | None:
    """The time from which an incremental export starts: the start of the newest package the
    recipient has confirmed, or None (send everything)."""
    acked = int(get_setting(session, ACKED + recipient_uuid) or 0)
    return get_setting(session, f"{EXPORT_MARK}{recipient_uuid}:{acked}") if acked else None


def confirm(session: Session, recipient_uuid: str, sequence: int) -> None:
    """A recipient confirmed our packages up to ``sequence``."""
    if sequence > int(get_setting(session, ACKED + recipient_uuid) or 0):
        set_setting(session, ACKED + recipient_uuid, str(sequence))


def owe_ack(session: Session, sender_uuid: str, instance: str, sequence: int) -> None:
    """We imported a sender install's package: confirm it in our next package to them."""
    owed = json.loads(get_setting(session, ACK_OWED + sender_uuid) or "{}")
    owed[instance] = max(sequence, int(owed.get(instance, 0)))
    set_setting(session, ACK_OWED + sender_uuid, json.dumps(owed))


def acks_for(session: Session, recipient_uuid: str) -> dict[str, int]:
    """The confirmations to put in a package for ``recipient_uuid``."""
    acks: dict[str, int] = json.loads(get_setting(session, ACK_OWED + recipient_uuid) or "{}")
    return acks


def registered_units(session: Session) -> list[str]:
    """UUIDs of the units whose public keys this install knows."""
    from sqlalchemy import select

    from app.models import LocalSetting

    keys = session.scalars(select(LocalSetting.key).where(LocalSetting.key.like(PEER + "%")))
    return [key[len(PEER) :] for key in keys]


HOME = "exchange.instance_home"  # where this instance lives: a hash of the PC's name and the path
MOVED = "exchange.instance_note"  # why the instance was last renewed, shown on the page


def _home(database_file: Path) -> str:
    place = f"{socket.gethostname()}|{database_file.resolve()}"
    return hashlib.sha256(place.encode("utf-8")).hexdigest()[:32]


def ledger_file(database_file: Path) -> Path:
    """The file beside the database that remembers the highest package numbers issued."""
    return database_file.with_name(database_file.name + ".exchange.json")


def _issued(database_file: Path) -> dict[str, Any]:
    try:
        issued: dict[str, Any] = json.loads(ledger_file(database_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return issued


def _sequences(session: Session) -> dict[str, int]:
    from sqlalchemy import select

    from app.models import LocalSetting

    rows = session.execute(
        select(LocalSetting.key, LocalSetting.value).where(LocalSetting.key.like(SEQ_OUT + "%"))
    )
    return {key[len(SEQ_OUT) :]: int(value) for key, value in rows}


def check_instance(session: Session, database_file: Path | None) -> str | None:
    """Renew the instance id of a database that was copied to another PC or place, or restored
    from a backup (its package numbers are behind those already issued here); the reason, or
    None when the identity stands. Then package numbers never repeat under one identity."""
    if database_file is None:
        return None
    current, stored = _home(database_file), get_setting(session, HOME)
    instance = get_setting(session, INSTANCE)
    reason = None
    if instance and stored and stored != current:
        reason = "数据库被复制或移动到了别处"
    elif instance:
        issued = _issued(database_file)
        mine = _sequences(session)
        if issued.get("instance") and issued["instance"] != instance:
            reason = "数据库文件被替换（可能是从备份恢复）"
        elif any(int(n) > mine.get(r, 0) for r, n in issued.get("issued", {}).items()):
            reason = "数据库从备份恢复（已发出过更大编号的数据包）"
    if reason:
        new_instance(session)
        set_setting(session, MOVED, reason)
    instance_uuid(session)
    if stored != current:
        set_setting(session, HOME, current)
    return reason


def remember_issued(session: Session, database_file: Path | None) -> None:
    """After an export: write the package numbers issued under this identity beside the file."""
    if database_file is None:
        return
    target = ledger_file(database_file)
    data = {"instance": instance_uuid(session), "issued": _sequences(session)}
    temporary = target.with_name(target.name + ".tmp")
    write_private_text(temporary, json.dumps(data))  # owner only, as the database
    replace_file(temporary, target)


def confirmed(session: Session, recipient_uuid: str) -> int | None:
    """The highest of our packages the recipient has confirmed, or None."""
    value = int(get_setting(session, ACKED + recipient_uuid) or 0)
    return value or None


def forget_confirmations(session: Session, recipient_uuid: str) -> None:
    """The recipient's PC was replaced: its next package carries everything again."""
    if get_setting(session, ACKED + recipient_uuid):
        set_setting(session, ACKED + recipient_uuid, "0")
