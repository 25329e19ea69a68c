"""Work ledger (工作台账): entry kinds (form definitions), entries, subjects, attachments."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, Personal, SyncedRecord, ToCity, Touch
from app.models.sealed import SealedText, SealedValues
from app.models.unit import COUNTY_OFFICE, COUNTY_UNITS, NOBODY, Unit

HELD_FILE = Touch(
    reason="只能用发送单位持有的文件（它登记的、随本数据包送来的、本机发给它的，或它自己台账中的照片）",
    importer=True, in_package=True, linked_from=("entry_attachments", "attachment_id"),
)  # fmt: skip
"""A reference to a stored file: one the sender holds (attachments are shared by content, so
the row here may be another unit's copy of the same file)."""


class SubjectCategory(enum.StrEnum):
    """Categories of correction subjects under the Community Corrections Law."""

    CONTROL = "管制"
    PROBATION = "缓刑"
    PAROLE = "假释"
    TEMPORARY_OUTSIDE = "暂予监外执行"


class EntryKind(SyncedRecord, Base):
    """A kind of ledger entry (活动类型) and its form definition, stored as data.

    ``fields`` is a list of field definitions (name, label, type, required, range,
    choices); the generic form widget renders and validates it.
    """

    __tablename__ = "entry_kinds"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE, to_city=ToCity.ALSO, reason="台账类型（表单）由县矫正办统一维护"
    )

    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    min_photos: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sort_order: Mapped[int] = mapped_column(Integer, default=0, index=True)


class CorrectionSubject(SyncedRecord, Base):
    """社区矫正对象: kept minimal; the identity number is confidential and masked on output."""

    __tablename__ = "correction_subjects"
    # registered with a unit's entry on its own PC (the county for its own entries); the app
    # never deletes one. Personal: down only to the units that serve them, never to the city.
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, delete=NOBODY, personal=Personal.SUBJECT,
        reason="社区矫正对象由登记台账的单位随台账登记，登记后不删除",
    )  # fmt: skip

    # sealed under the database's data key (app.models.sealed): equal values still match in SQL
    name: Mapped[str] = mapped_column(SealedText("correction_subjects.name"))
    category: Mapped[SubjectCategory] = mapped_column(enum_column_type(SubjectCategory, 16))
    id_number: Mapped[str] = mapped_column(SealedText("correction_subjects.id_number"), default="")
    office_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)

    office: Mapped[Unit | None] = relationship(foreign_keys=[office_id])


class Attachment(SyncedRecord, Base):
    """A photo or PDF in the content-addressed store, named by its SHA-256."""

    __tablename__ = "attachments"
    # any office's photos and scans, named by content; never deleted (the store keeps files)
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, delete=NOBODY, shared_content=True, personal=Personal.FILE,
        reason="附件由登记台账、总结或责任状的单位上传，上传后不删除",
    )  # fmt: skip

    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)


class LedgerEntry(SyncedRecord, Base):
    """A dated record of work done by a unit; owner_unit_id is the unit that did it."""

    __tablename__ = "ledger_entries"
    # each office's own ledger (the county's too; an entry the county records for a unit is
    # that unit's). Its subject must be one the sender registered or was sent by the importer.
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, personal=Personal.ENTRY, reason="台账由各单位登记本单位的工作",
        references={"subject_id": Touch(
            reason="只能是发送单位自己登记的或本机发给它的社区矫正对象", importer=True)},
    )  # fmt: skip
    __table_args__ = (
        # covering index for indicator actuals (count and subjects_served per department/kind)
        Index(
            "ix_ledger_entries_owner_kind_date",
            "owner_unit_id",
            "kind_id",
            "entry_date",
            "subjects_served",
        ),
        # the few deleted rows, subtracted from the covering index's totals (partial on both
        # dialects: a full index makes PostgreSQL read every row of the window, 0023)
        Index(
            "ix_ledger_entries_deleted_owner_kind_date",
            "owner_unit_id",
            "kind_id",
            "entry_date",
            sqlite_where=text("deleted IS 1"),
            postgresql_where=text("deleted IS TRUE"),
        ),
        Index("ix_ledger_entries_kind_date", "kind_id", "entry_date"),
        Index(
            "ix_ledger_entries_paired_office_date",
            "paired_office_id",
            "entry_date",
            sqlite_where=text("paired_office_id IS NOT NULL"),
            postgresql_where=text("paired_office_id IS NOT NULL"),
        ),
    )

    entry_date: Mapped[date] = mapped_column(Date, index=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("entry_kinds.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    paired_office_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)
    subjects_served: Mapped[int] = mapped_column(Integer, default=0)
    body: Mapped[str] = mapped_column(Text, default="")
    # personal fields (申请人…) sealed under the database's key (app.models.sealed)
    values: Mapped[dict[str, Any]] = mapped_column(
        SealedValues("ledger_entries.values"), default=dict
    )
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("correction_subjects.id"), nullable=True
    )

    kind: Mapped[EntryKind] = relationship()
    paired_office: Mapped[Unit | None] = relationship(foreign_keys=[paired_office_id])
    subject: Mapped[CorrectionSubject | None] = relationship()
    attachments: Mapped[list[EntryAttachment]] = relationship(
        back_populates="entry", order_by="EntryAttachment.sort_order"
    )


class EntryAttachment(SyncedRecord, Base):
    """Links a ledger entry to a stored attachment, with a caption."""

    __tablename__ = "entry_attachments"
    __exchange__ = ExchangeRule(
        create=COUNTY_UNITS, personal=Personal.ENTRY_PART, reason="台账照片由登记台账的单位添加",
        references={"entry_id": Touch(reason="照片只能加在发送单位自己的台账上"),
                    "attachment_id": HELD_FILE},
    )  # fmt: skip
    __table_args__ = (UniqueConstraint("entry_id", "attachment_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    caption: Mapped[str] = mapped_column(String(200), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    entry: Mapped[LedgerEntry] = relationship(back_populates="attachments")
    attachment: Mapped[Attachment] = relationship()
