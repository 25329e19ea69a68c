"""The history of packages sent and received (``package_log``), for the 数据交换 page."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Direction, PackageLog


def log_package(
    session: Session, direction: Direction, peer_uuid: str, peer_name: str, *, sequence: int,
    instance: str, file_name: str, reference_version: int, details: dict[str, Any],
    full: bool = False,
) -> PackageLog:  # fmt: skip
    """Add a package to the history (in the caller's transaction)."""
    entry = PackageLog(
        direction=direction, peer_unit_uuid=peer_uuid, peer_unit_name=peer_name,
        instance_uuid=instance, sequence=sequence, file_name=file_name, full=full,
        reference_version=reference_version, details=json.dumps(details, ensure_ascii=False),
    )  # fmt: skip
    session.add(entry)
    return entry


def log_key_event(
    session: Session, peer_uuid: str, peer_name: str, event: str, *, code: str = "",
    old_code: str = "", file_name: str = "", sequence: int = 0, instance: str = "",
) -> PackageLog:  # fmt: skip
    """Add a change of keys to the history (in the caller's transaction): ``event`` is one of
    registered, reissued, presented, confirmed, rejected, revoked, rotated, switched; ``code``
    the new keys' identification code, ``old_code`` the replaced one's."""
    return log_package(
        session, Direction.KEYS, peer_uuid, peer_name, sequence=sequence, instance=instance,
        file_name=file_name, reference_version=0,
        details={"key_event": event, "code": code, "old_code": old_code},
    )  # fmt: skip


def log_refusal(
    session: Session, peer_uuid: str, peer_name: str, *, file_name: str, reason: str,
    sequence: int = 0, dry_run: bool = False,
) -> PackageLog:  # fmt: skip
    """Add a refused package to the history (``reason`` is the refusal shown to the clerk,
    which never quotes a record's values; ``dry_run``: refused while being checked)."""
    return log_package(
        session, Direction.REFUSED, peer_uuid, peer_name, sequence=sequence, instance="",
        file_name=file_name, reference_version=0,
        details={"reason": reason, "checking": dry_run},
    )  # fmt: skip


def recent(session: Session, limit: int = 200) -> list[PackageLog]:
    """The newest packages first."""
    return list(
        session.scalars(
            select(PackageLog).order_by(PackageLog.at.desc(), PackageLog.id.desc()).limit(limit)
        )
    )


def sent(session: Session, recipient_uuid: str) -> list[PackageLog]:
    """Packages sent to one recipient, oldest first."""
    return list(
        session.scalars(
            select(PackageLog)
            .where(
                PackageLog.direction == Direction.SENT, PackageLog.peer_unit_uuid == recipient_uuid
            )
            .order_by(PackageLog.sequence)
        )
    )
