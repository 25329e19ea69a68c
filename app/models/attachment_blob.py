"""The photo store of a database on a server: each stored file as a row (``attachment_blobs``).

A SQLite database keeps its photos and scans in a folder beside the file; a database on a
PostgreSQL server keeps them in the server itself, one ``bytea`` row per stored file and kind
(the original, its reduced copy, thumbnail and print copy), sealed exactly as the files are
(``app.services.attachments``). Local to the database: never exchanged (packages carry the
plain content of originals, sealed anew for their recipient).
"""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AttachmentBlob(Base):
    """One stored file of a server database's photo store, by hash and kind."""

    __tablename__ = "attachment_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
