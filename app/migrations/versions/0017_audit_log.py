"""audit log (audit_entries): append-only, hash-chained lines of who did what

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 09:20:00.000000
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"], unique=False)
    op.create_index("ix_audit_entries_kind", "audit_entries", ["kind"], unique=False)
    # the first line: a log emptied later (its head setting too) is then found out, since a
    # database at this revision always has at least this line (app.services.audit.line_hash)
    line = {
        "seq": 1, "at": datetime.now(UTC).isoformat(timespec="microseconds"), "user_id": "",
        "user_name": "", "display_name": "程序", "kind": "start", "table_name": "",
        "record_id": "", "record_uuid": "", "description": "启用审计日志", "prev_hash": "0" * 64,
    }  # fmt: skip
    canonical = json.dumps(line, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    line["hash"] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    op.bulk_insert(sa.table("audit_entries", *(sa.column(name) for name in line)), [line])
    # (delete, then insert: the same on SQLite as INSERT OR REPLACE, and portable)
    op.execute("DELETE FROM local_settings WHERE key = 'audit.head'")
    op.execute(
        sa.text("INSERT INTO local_settings (key, value) VALUES ('audit.head', :v)")
        .bindparams(v=f"1:{line['hash']}")
    )


def downgrade() -> None:
    op.execute("DELETE FROM local_settings WHERE key = 'audit.head'")
    op.drop_index("ix_audit_entries_kind", table_name="audit_entries")
    op.drop_index("ix_audit_entries_at", table_name="audit_entries")
    op.drop_table("audit_entries")
