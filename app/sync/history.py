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
