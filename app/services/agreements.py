"""Responsibility agreements (责任状): content, lifecycle and the signing rate.

草稿 (draft: its content follows the live duties and indicators) → 已印发 (issued: content
frozen, the PDF stored and its SHA-256 recorded) → 已签署 (signed: date, both signatories,
the scanned signed copy) → 作废 (void, with a reason). Changing duties after issue never
alters an issued agreement: a new version is drafted and, once issued, supersedes the old.

Only the county's PCs (社区矫正科 or 县矫正办, :data:`KEEPERS`) draft, issue, sign and void
agreements; every other PC reads them and makes their PDFs. Issue and signing dates lie in the
programme's year (services.dates).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Agreement,
    AgreementStatus,
    AgreementTemplate,
    Attachment,
    Duty,
    Pairing,
    Programme,
    Unit,
    UnitKind,
)
from app.services import audit
from app.services.accounts import may, require
from app.services.attachments import AttachmentStore, check_file
from app.services.dates import DatePurpose, range_for
from app.services.errors import ValidationError
from app.services.filenames import safe_file_name
from app.services.settings import local_unit
from app.services.wording import book_title, cn_date

STATUS_LABELS = {
    None: "未建立",
    AgreementStatus.DRAFT: "草稿",
    AgreementStatus.ISSUED: "已印发",
    AgreementStatus.SIGNED: "已签署",
    AgreementStatus.VOID: "作废",
}
KEEPERS = (UnitKind.CORRECTION_SECTION, UnitKind.COUNTY_OFFICE)  # the PCs that keep agreements
EDITABLE_WORDING = (
    "preamble",
    "pairing_text",
    "terms",
    "period_text",
    "closing",
    "period_start",
    "period_end",
)


@dataclass(frozen=True)
class AgreementRow:
    """A department's current agreement as the 责任状 page lists it."""

    department_id: int
    department: str
    agreement_id: int | None
    version: int
    status: AgreementStatus | None
    issued_on: date | None
    signed_on: date | None
    outdated: bool
    has_scan: bool

    @property
    def status_label(self) -> str:
        """The status in Chinese."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class SigningRate:
    """Signed agreements over departments that must sign."""

    signed: int
    required: int

    @property
    def rate(self) -> float:
        """0–1; 0 when no department must sign."""
        return self.signed / self.required if self.required else 0.0


def _wording(session: Session, programme_id: int) -> dict[str, Any]:
    template = session.scalar(
        select(AgreementTemplate).where(
            AgreementTemplate.programme_id == programme_id, AgreementTemplate.deleted.is_(False)
        )
    )
    if template is None:
        raise ValidationError(
            "本方案还没有责任状文本（模板中的 [agreement] 部分），无法生成责任状。"
        )
    return dict(template.sections)


def build_content(session: Session, programme_id: int, department_id: int) -> dict[str, Any]:
    """What an agreement for this department says, from the live reference data."""
    programme = session.get(Programme, programme_id)
    department = session.get(Unit, department_id)
    if programme is None or department is None:
        raise ValidationError("找不到方案或科室。")
    wording = _wording(session, programme_id)
    duties = session.scalars(
        select(Duty)
        .where(
            Duty.programme_id == programme_id,
            Duty.department_id == department_id,
            Duty.deleted.is_(False),
        )
        .order_by(Duty.sort_order, Duty.id)
    ).all()
    indicators = []
    for number, duty in enumerate(duties, start=1):
        for indicator in duty.indicators:
            if not indicator.deleted:
                indicators.append(
                    {"duty": number, "name": indicator.name, "unit": indicator.measure_unit,
                     "target": indicator.annual_target, "weight": indicator.weight}
                )  # fmt: skip
    offices = session.scalars(
        select(Unit.name)
        .join(Pairing, Pairing.office_id == Unit.id)
        .where(Pairing.programme_id == programme_id, Pairing.department_id == department_id)
        .where(Pairing.deleted.is_(False))
        .order_by(Unit.sort_order)
    ).all()
    return {
        "title": wording.get("title", "责任状"),
        "party_a": wording.get("party_a", "社区矫正科"),
        "party_b": department.name,
        "programme": {
            "title": programme.title,
            "issuer": programme.issuer,
            "document_number": programme.document_number,
            "year": programme.year,
        },
        "duties": [d.text for d in duties],
        "indicators": indicators,
        "offices": list(offices),
        "wording": wording,
    }


def _substance(content: dict[str, Any]) -> tuple[Any, ...]:
    """The parts whose change after issue calls for a new version."""
    return (
        tuple(content.get("duties", [])),
        tuple(
            (i["duty"], i["name"], i["unit"], float(i["target"]), float(i["weight"]))
            for i in content.get("indicators", [])
        ),
        tuple(content.get("offices", [])),
    )


def render_text(content: dict[str, Any], key: str) -> str:
    """A wording item with its placeholders filled in."""
    wording = content["wording"]
    doc_no = content["programme"].get("document_number") or ""
    start = wording.get("period_start")
    end = wording.get("period_end")
    values = {
        "甲方": content["party_a"],
        "乙方": content["party_b"],
        "方案标题": book_title(content["programme"]["title"])[1:-1],  # the template adds 《》
        "发文单位": content["programme"]["issuer"],
        "文号": f"（{doc_no}）" if doc_no else "",
        "年度": str(content["programme"]["year"]),
        "起始日期": cn_date(date.fromisoformat(start)) if start else "",
        "截止日期": cn_date(date.fromisoformat(end)) if end else "",
        "结对司法所": "、".join(content.get("offices", [])) or "有关司法所",
    }
    text: str | list[str] = wording.get(key, "")
    if isinstance(text, list):
        return "\n".join(item.format(**values) for item in text)
    return text.format(**values)


def version_note(content: dict[str, Any]) -> str:
    """第1版，2018年6月28日印发 (or 第1版，草稿，未印发): for a document's metadata (the PDF's
    subject), never printed on the page."""
    issued = content.get("issued_on")
    return f"第{content.get('version', 1)}版，" + (
        f"{cn_date(date.fromisoformat(issued))}印发" if issued else "草稿，未印发"
    )


def current_content(session: Session, agreement: Agreement) -> dict[str, Any]:
    """A draft's content is always rebuilt from live data (keeping its wording edits);
    any other status shows exactly what was frozen at issue."""
    if agreement.status != AgreementStatus.DRAFT:
        return agreement.content
    content = build_content(session, agreement.programme_id, agreement.department_id)
    content["wording"].update((agreement.content or {}).get("wording_overrides", {}))
    content["version"] = agreement.version
    return content


# ---------------------------------------------------------------- listing


def _latest(session: Session, programme_id: int) -> dict[int, Agreement]:
    latest: dict[int, Agreement] = {}
    for agreement in session.scalars(
        select(Agreement)
        .where(Agreement.programme_id == programme_id, Agreement.deleted.is_(False))
        .order_by(Agreement.department_id, Agreement.version)
    ):
        latest[agreement.department_id] = agreement
    return latest


def list_agreements(session: Session, programme_id: int) -> list[AgreementRow]:
    """Every department with its current (latest) agreement version."""
    latest = _latest(session, programme_id)
    rows = []
    for department in session.scalars(
        select(Unit)
        .where(Unit.kind == UnitKind.DEPARTMENT, Unit.deleted.is_(False))
        .order_by(Unit.sort_order)
    ):
        agreement = latest.get(department.id)
        if agreement is None:
            rows.append(
                AgreementRow(
                    department.id, department.name, None, 0, None, None, None, False, False
                )
            )
            continue
        outdated = False
        if agreement.status in (AgreementStatus.ISSUED, AgreementStatus.SIGNED):
            live = build_content(session, programme_id, department.id)
            outdated = _substance(live) != _substance(agreement.content)
        rows.append(
            AgreementRow(
                department.id,
                department.name,
                agreement.id,
                agreement.version,
                agreement.status,
                agreement.issued_on,
                agreement.signed_on,
                outdated,
                agreement.scan_attachment_id is not None,
            )
        )
    return rows


def signing_rate(session: Session, programme_id: int) -> SigningRate:
    """Departments whose current agreement is signed, over all departments."""
    rows = list_agreements(session, programme_id)
    signed = sum(1 for r in rows if r.status == AgreementStatus.SIGNED)
    return SigningRate(signed, len(rows))


def versions(session: Session, programme_id: int, department_id: int) -> list[Agreement]:
    """Every version of a department's agreement, newest first."""
    return list(
        session.scalars(
            select(Agreement)
            .where(Agreement.programme_id == programme_id, Agreement.department_id == department_id)
            .order_by(Agreement.version.desc())
        )
    )


# ---------------------------------------------------------------- lifecycle


def can_manage(session: Session) -> bool:
    """True on a PC of 社区矫正科 or 县矫正办, which draft, issue, sign and void agreements."""
    me = local_unit(session)
    return me is not None and me.kind in KEEPERS and may(session, "agreement.issue")


def _check_keeper(session: Session, action: str) -> None:
    """Refuse ``action`` on a PC whose unit does not keep the agreements."""
    me = local_unit(session)
    if me is None:
        raise ValidationError(f"本机尚未设定所属单位，不能{action}。", "unit")
    if me.kind not in KEEPERS:
        raise ValidationError(
            f"责任状由社区矫正科（县矫正办）印发和签署，本机单位（{me.name}）不能{action}。", "unit"
        )


def _get(session: Session, agreement_id: int) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None or agreement.deleted:
        raise ValidationError("该责任状已不存在。")
    return agreement


def create_draft(
    session: Session, programme_id: int, department_id: int, owner_unit_id: int | None = None
) -> int:
    """The department's draft (made if it has none yet); refused when a current version exists."""
    _check_keeper(session, "建立责任状草稿")
    latest = _latest(session, programme_id).get(department_id)
    if latest is not None and latest.status == AgreementStatus.DRAFT:
        return latest.id
    if latest is not None and latest.status != AgreementStatus.VOID:
        raise ValidationError(
            f"该科室已有第{latest.version}版责任状（{STATUS_LABELS[latest.status]}），请用“建立新版本”。"
        )
    party_a = build_content(session, programme_id, department_id)["party_a"]
    party_a_unit = session.scalar(select(Unit).where(Unit.name == party_a))
    if party_a_unit is None:
        raise ValidationError(f"找不到甲方单位“{party_a}”。")
    agreement = Agreement(
        programme_id=programme_id,
        department_id=department_id,
        party_a_id=party_a_unit.id,
        version=(latest.version + 1) if latest else 1,
        status=AgreementStatus.DRAFT,
        content={},
        owner_unit_id=owner_unit_id if owner_unit_id is not None else party_a_unit.id,
        supersedes_id=latest.id if latest else None,
    )
    session.add(agreement)
    session.flush()
    return agreement.id


def create_all_drafts(session: Session, programme_id: int, owner_unit_id: int | None = None) -> int:
    """A draft for every department that has no agreement yet; returns how many were made."""
    _check_keeper(session, "建立责任状草稿")
    made = 0
    for row in list_agreements(session, programme_id):
        if row.agreement_id is None:
            create_draft(session, programme_id, row.department_id, owner_unit_id)
            made += 1
    return made


def edit_wording(session: Session, agreement_id: int, changes: dict[str, Any]) -> None:
    """Change this draft's wording (preamble, terms, period…); refused once issued."""
    _check_keeper(session, "修改责任状文本")
    agreement = _get(session, agreement_id)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError("已印发的责任状不能修改。如需调整，请建立新版本。")
    unknown = set(changes) - set(EDITABLE_WORDING)
    if unknown:
        raise ValidationError(f"不能修改的项目：{'、'.join(sorted(unknown))}")
    if (
        "period_start" in changes
        and "period_end" in changes
        and changes["period_start"] > changes["period_end"]
    ):
        raise ValidationError("责任期限的起始日期不能晚于截止日期。", "period_start")
    overrides = dict((agreement.content or {}).get("wording_overrides", {}))
    overrides.update(changes)
    agreement.content = {**(agreement.content or {}), "wording_overrides": overrides}


def issue(session: Session, store: AttachmentStore, agreement_id: int, issued_on: date) -> str:
    """Freeze a draft, store its PDF and record the PDF's SHA-256 (returned).

    An older issued or signed version of the same department becomes void.
    """
    require(session, "agreement.issue")
    from app.reports.agreement_pdf import render_agreement_pdf

    _check_keeper(session, "印发责任状")
    agreement = _get(session, agreement_id)
    if agreement.status != AgreementStatus.DRAFT:
        raise ValidationError(f"只有草稿可以印发，这份责任状已{STATUS_LABELS[agreement.status]}。")
    dates = range_for(session, agreement.programme_id, DatePurpose.WORK)
    dates.check(issued_on, field="issued_on", label="印发日期")
    if issued_on > date.today():
        raise ValidationError("印发日期不能晚于今天。", "issued_on")
    content = current_content(session, agreement)
    if not content["duties"]:
        raise ValidationError(f"“{content['party_b']}”还没有职责，不能印发责任状。")
    content["version"] = agreement.version
    content["issued_on"] = issued_on.isoformat()
    pdf = render_agreement_pdf(content)
    stored = _store_bytes(session, store, pdf, f"责任状-{content['party_b']}-第{agreement.version}版.pdf",
                          agreement.owner_unit_id)  # fmt: skip
    agreement.content = content
    agreement.status = AgreementStatus.ISSUED
    agreement.issued_on = issued_on
    agreement.pdf_sha256 = stored
    if agreement.supersedes_id is not None:
        old = session.get(Agreement, agreement.supersedes_id)
        if old is not None and old.status in (AgreementStatus.ISSUED, AgreementStatus.SIGNED):
            old.status = AgreementStatus.VOID
            old.void_reason = f"已由第{agreement.version}版取代"
            audit.record(session, "void", f"作废责任状第{old.version}版（由新版取代）", record=old)
    audit.record(session, "issue", f"印发责任状第{agreement.version}版", record=agreement)
    return stored


def _store_bytes(
    session: Session, store: AttachmentStore, data: bytes, name: str, owner: int | None
) -> str:
    return store.add_bytes(session, data, safe_file_name(name), owner).sha256


def _combine_images(paths: list[Path], folder: Path) -> Path:
    from PIL import Image

    pages = []
    for path in paths:
        with Image.open(path) as image:
            pages.append(image.convert("RGB"))
    target = folder / "签署扫描件.pdf"
    pages[0].save(target, "PDF", resolution=150, save_all=True, append_images=pages[1:])
    return target


def sign(
    session: Session,
    store: AttachmentStore,
    agreement_id: int,
    *,
    signed_on: date,
    party_a_signatory: str,
    party_b_signatory: str,
    scans: list[Path],
) -> None:
    """Record the signing: date, both signatories and the scanned copy (a PDF, or images
    that are combined into one PDF). Only an issued agreement can be signed."""
    require(session, "agreement.issue")
    _check_keeper(session, "登记责任状签署")
    agreement = _get(session, agreement_id)
    if agreement.status != AgreementStatus.ISSUED:
        if agreement.status == AgreementStatus.DRAFT:
            raise ValidationError("草稿还没有印发，不能登记签署。请先印发，打印后签字盖章。")
        raise ValidationError(f"这份责任状已{STATUS_LABELS[agreement.status]}，不能再登记签署。")
    errors = {}
    if not party_a_signatory.strip():
        errors["party_a_signatory"] = "请填写甲方签字人。"
    if not party_b_signatory.strip():
        errors["party_b_signatory"] = "请填写乙方签字人。"
    if agreement.issued_on and signed_on < agreement.issued_on:
        errors["signed_on"] = "签署日期不能早于印发日期。"
    if signed_on > date.today():
        errors["signed_on"] = "签署日期不能晚于今天。"
    dates = range_for(session, agreement.programme_id, DatePurpose.WORK)
    problem = dates.problem(signed_on, "签署日期")
    if problem:
        errors["signed_on"] = problem
    if not scans:
        errors["scan"] = "请添加签字盖章后的扫描件（PDF 或照片）。"
    types = []
    for path in scans:
        try:
            types.append(check_file(path))
        except ValidationError as exc:
            errors["scan"] = exc.message
    if "scan" not in errors and len(scans) > 1 and "application/pdf" in types:
        errors["scan"] = "扫描件请用一个 PDF 文件，或若干张照片。"
    if errors:
        from app.services.forms import FormErrors

        raise FormErrors(errors)
    with tempfile.TemporaryDirectory() as folder:
        path = scans[0] if len(scans) == 1 else _combine_images(scans, Path(folder))
        stored = store.add(session, path, agreement.owner_unit_id)
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_on = signed_on
    agreement.party_a_signatory = party_a_signatory.strip()
    agreement.party_b_signatory = party_b_signatory.strip()
    agreement.scan_attachment_id = stored.attachment_id
    audit.record(session, "sign", f"登记责任状第{agreement.version}版签署", record=agreement)


def void(session: Session, agreement_id: int, reason: str) -> None:
    """Void an agreement, with a reason."""
    require(session, "agreement.issue")
    _check_keeper(session, "作废责任状")
    agreement = _get(session, agreement_id)
    if agreement.status == AgreementStatus.VOID:
        raise ValidationError("这份责任状已经作废。")
    if not reason.strip():
        raise ValidationError("请填写作废原因。", "reason")
    agreement.status = AgreementStatus.VOID
    agreement.void_reason = reason.strip()
    audit.record(session, "void", f"作废责任状第{agreement.version}版", record=agreement)


def new_version(session: Session, agreement_id: int, owner_unit_id: int | None = None) -> int:
    """Draft the next version of an issued or signed agreement (the old one stays valid until
    the new one is issued)."""
    require(session, "agreement.issue")
    _check_keeper(session, "建立责任状新版本")
    agreement = _get(session, agreement_id)
    if agreement.status == AgreementStatus.DRAFT:
        raise ValidationError("这份责任状还是草稿，直接修改即可，不需要新版本。")
    newer = session.scalar(
        select(func.max(Agreement.version)).where(
            Agreement.programme_id == agreement.programme_id,
            Agreement.department_id == agreement.department_id,
        )
    )
    if newer != agreement.version:
        raise ValidationError("已有更新的版本。")
    draft = Agreement(
        programme_id=agreement.programme_id,
        department_id=agreement.department_id,
        party_a_id=agreement.party_a_id,
        version=agreement.version + 1,
        status=AgreementStatus.DRAFT,
        content={"wording_overrides": (agreement.content or {}).get("wording_overrides", {})},
        owner_unit_id=owner_unit_id if owner_unit_id is not None else agreement.owner_unit_id,
        supersedes_id=agreement.id,
    )
    session.add(draft)
    session.flush()
    return draft.id


def agreement_pdf(session: Session, store: AttachmentStore, agreement_id: int) -> bytes:
    """The agreement as a PDF: the stored issued file, or a fresh rendering of a draft."""
    agreement = _get(session, agreement_id)
    with store.within(session):  # a server's store: also the file issued in this transaction
        if agreement.pdf_sha256 and store.has(agreement.pdf_sha256):
            return store.read_original(agreement.pdf_sha256)
    from app.reports.agreement_pdf import render_agreement_pdf

    return render_agreement_pdf(current_content(session, agreement))


def scan_bytes(session: Session, store: AttachmentStore, agreement_id: int) -> bytes | None:
    """The signed scan's content (a PDF, or a photo), None when the agreement has none."""
    agreement = _get(session, agreement_id)
    if agreement.scan_attachment_id is None:
        return None
    sha = session.scalar(
        select(Attachment.sha256).where(Attachment.id == agreement.scan_attachment_id)
    )
    if not sha:
        return None
    with store.within(session):  # a server's store: also a scan stored in this transaction
        return store.read_original(sha)


def department_id_by_name(session: Session, name: str) -> int:
    """A department's id from its name, or a ValidationError listing the departments."""
    unit = session.scalar(select(Unit).where(Unit.name == name, Unit.kind == UnitKind.DEPARTMENT))
    if unit is None:
        names = "、".join(
            session.scalars(
                select(Unit.name).where(Unit.kind == UnitKind.DEPARTMENT).order_by(Unit.sort_order)
            )
        )
        raise ValidationError(f"没有名为“{name}”的科室。可选：{names}")
    return unit.id


def content_for_department(
    session: Session, programme_id: int, department_id: int
) -> dict[str, Any]:
    """What the department's agreement says now: its latest version (issued content frozen,
    draft content live), or an unsaved first draft when it has none yet."""
    latest = _latest(session, programme_id).get(department_id)
    if latest is not None and latest.status != AgreementStatus.VOID:
        return current_content(session, latest)
    content = build_content(session, programme_id, department_id)
    content["version"] = 1
    return content


def all_contents(session: Session, programme_id: int) -> list[dict[str, Any]]:
    """Every department's agreement content, in display order."""
    return [
        content_for_department(session, programme_id, row.department_id)
        for row in list_agreements(session, programme_id)
    ]


def compilation(
    session: Session, programme_id: int, *, include_drafts: bool = False
) -> dict[str, Any]:
    """What 责任状汇编 holds: the cover's wording (the template's ``compilation_title``,
    ``compilation_issuer``, ``contents_title``), the year, the latest issue date, and every
    department's current agreement in display order — issued and signed ones only, unless
    ``include_drafts`` (then drafts, and first drafts not yet saved, too). Void ones never.
    ``drafts`` counts the drafts held, ``drafts_left_out`` the drafts (or departments without
    an agreement yet) left out."""
    programme = session.get_one(Programme, programme_id)
    latest = _latest(session, programme_id)
    wording = _wording(session, programme_id)
    chosen = []
    drafts_left_out = 0
    for row in list_agreements(session, programme_id):
        agreement = latest.get(row.department_id)
        if agreement is not None and agreement.status in (
            AgreementStatus.ISSUED,
            AgreementStatus.SIGNED,
        ):
            chosen.append(current_content(session, agreement))
        elif agreement is None or agreement.status == AgreementStatus.DRAFT:
            if include_drafts:
                chosen.append(content_for_department(session, programme_id, row.department_id))
            else:
                drafts_left_out += 1
    issued = [c["issued_on"] for c in chosen if c.get("issued_on")]
    party_a = wording.get("party_a", "社区矫正科")
    title = wording.get("title", "责任状")
    return {
        "title": wording.get("compilation_title") or f"{title}汇编",
        "issuer": wording.get("compilation_issuer") or f"{programme.issuer}{party_a}",
        "contents_title": wording.get("contents_title") or "目　录",
        "year": programme.year,
        "date": max(issued) if issued else None,
        "agreements": chosen,
        # the contents' (and bookmarks') entries, one per agreement
        "contents": [c["party_b"] + ("" if c.get("issued_on") else "（草稿）") for c in chosen],
        "drafts": sum(1 for c in chosen if not c.get("issued_on")),
        "drafts_left_out": drafts_left_out,  # departments whose draft (or none yet) is not in
    }


def department_pdfs(
    session: Session,
    store: AttachmentStore,
    programme_id: int,
    report: Callable[[int], None] | None = None,
) -> list[tuple[str, bytes]]:
    """(department, PDF) for every department: the stored original of an issued or signed
    agreement, a fresh rendering of a draft (or of an unsaved first draft). ``report(n)`` is
    called after the n-th department's PDF (a progress bar; it may raise to stop)."""
    from app.reports.agreement_pdf import render_agreement_pdf

    out: list[tuple[str, bytes]] = []
    for row in list_agreements(session, programme_id):
        if row.agreement_id is not None and row.status in (
            AgreementStatus.ISSUED,
            AgreementStatus.SIGNED,
        ):
            data = agreement_pdf(session, store, row.agreement_id)
        else:
            data = render_agreement_pdf(
                content_for_department(session, programme_id, row.department_id)
            )
        out.append((row.department, data))
        if report is not None:
            report(len(out))
    return out
