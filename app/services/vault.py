"""The vault: the data key of a database wrapped for each user and for the recovery code,
set up when the first 管理员 is (encrypting a database that was kept in clear, after a backup),
unlocked at each login. How values and files are sealed: ``app.models.sealed``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

VAULT_KEY = "crypto.vault"  # local setting: JSON {"version", "created", "recovery": wrap}


# ---------------------------------------------------------------- the vault setting


def has_vault(session: Session) -> bool:
    """Whether this database keeps personal data encrypted."""
    from app.models import LocalSetting

    return session.get(LocalSetting, VAULT_KEY) is not None


def vault_record(session: Session) -> dict[str, Any] | None:
    """The vault setting (JSON), or None."""
    from app.models import LocalSetting

    row = session.get(LocalSetting, VAULT_KEY)
    return json.loads(row.value) if row is not None and row.value else None


def write_vault_record(session: Session, record: dict[str, Any]) -> None:
    """Store the vault setting."""
    from app.models import LocalSetting

    value = json.dumps(record, sort_keys=True)
    row = session.get(LocalSetting, VAULT_KEY)
    if row is None:
        session.add(LocalSetting(key=VAULT_KEY, value=value))
    else:
        row.value = value


def new_vault_record(recovery_wrap: str) -> dict[str, Any]:
    """A vault setting for a fresh data key wrapped by the recovery code."""
    return {
        "version": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "recovery": recovery_wrap,
    }


RECOVERY_CONTEXT = "bangjiao recovery code"


def user_context(user_id: int) -> str:
    """What a user's wrapped key is bound to (it cannot be copied to another account)."""
    return f"bangjiao user {user_id}"
