"""Responsibility agreements (责任状) between 社区矫正科 and each department."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models._enum import enum_column_type
from app.models.base import Base, ExchangeRule, SyncedRecord, ToCity, Touch
from app.models.ledger import HELD_FILE, Attachment
from app.models.programme import Programme
from app.models.unit import AGREEMENT_KEEPERS, COUNTY_OFFICE, Unit


class AgreementStatus(enum.StrEnum):
    """草稿 → 已印发 → 已签署, or 作废 when superseded."""

    DRAFT = "draft"
    ISSUED = "issued"
    SIGNED = "signed"
    VOID = "void"


class AgreementTemplate(SyncedRecord, Base):
    """The editable wording of an agreement outside the duties (a programme's text)."""

    __tablename__ = "agreement_templates"
    __exchange__ = ExchangeRule(
        create=COUNTY_OFFICE,
        to_city=ToCity.ALSO,
        reason="责任状文本是实施方案的一部分，由县矫正办维护",
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Agreement(SyncedRecord, Base):
    """One version of a department's agreement; issued content is frozen in ``content``."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("programme_id", "department_id", "version"),)
    # drafted, issued, signed (the scan) and voided on the county's PCs only; they carry the
    # signatories' names and the scanned signatures: not for the city (it gets the signing rate)
    __exchange__ = ExchangeRule(
        create=AGREEMENT_KEEPERS, reason="责任状由社区矫正科（县矫正办）起草、印发和签署",
        references={"supersedes_id": Touch(reason="新版本只能取代发送单位自己的责任状"),
                    "scan_attachment_id": HELD_FILE},
    )  # fmt: skip

    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    party_a_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[AgreementStatus] = mapped_column(
        enum_column_type(AgreementStatus, 16), default=AgreementStatus.DRAFT
    )
    content: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    party_a_signatory: Mapped[str] = mapped_column(String(50), default="")
    party_b_signatory: Mapped[str] = mapped_column(String(50), default="")
    scan_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id"), nullable=True
    )
    void_reason: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id"), nullable=True)

    programme: Mapped[Programme] = relationship()
    department: Mapped[Unit] = relationship(foreign_keys=[department_id])
    party_a: Mapped[Unit] = relationship(foreign_keys=[party_a_id])
    scan: Mapped[Attachment | None] = relationship()
