"""Seeing other PCs' changes: the database's change marker, and which server a window is on.

Why a poll of the audit log's head and not PostgreSQL's LISTEN/NOTIFY: every create, change
and delete is already written to the audit log in the same transaction, which moves its head
(``audit.head`` in ``local_settings``, "<seq>:<hash>"). Reading that one row by its primary key
is the cheapest question a database can answer, it works the same on a SQLite file shared by two
programs and on a server, and a poll survives a lost connection by itself: the first poll after
the server is back sees every change made meanwhile. LISTEN/NOTIFY would need a connection kept
open by its own thread (reconnected by hand after a drop, when the notifications sent meanwhile
are lost and a re-read is needed anyway), exists only on PostgreSQL, and saves nothing that
matters at a poll every few seconds (one index look-up per PC). SQLite's ``PRAGMA data_version``
was not used either: it is per connection, and a pool hands out several.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.models import LocalSetting
from app.services.audit import HEAD_KEY


def change_marker(session: Session) -> str:
    """The database's change marker: the audit log's head ("<seq>:<hash>"), moved by every
    create, change or delete any program makes ("" before the first line)."""
    return session.scalar(select(LocalSetting.value).where(LocalSetting.key == HEAD_KEY)) or ""


def server_label(url: str) -> str | None:
    """``host/database`` of a database server (the socket folder for a local socket), for the
    window's connection indicator; None for a SQLite file, which has no connection to lose."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return None
    host = parsed.host or parsed.query.get("host") or "localhost"
    if isinstance(host, tuple):  # ?host=a&host=b: several servers, the first is tried first
        host = host[0]
    return f"{host}/{parsed.database or ''}"


__all__ = ["change_marker", "server_label"]
