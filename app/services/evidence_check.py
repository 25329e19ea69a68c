"""Evidence integrity for inspectors (台账核查).

Flags what an inspector leafing through the ledger would want to ask about:

- the same photo attached to different entries (of one unit or several): the same file (same
  SHA-256), or a resized or re-saved copy of it, found by its perceptual hash (``imagehash``'s
  pHash, 64 bits) within ``HAMMING_THRESHOLD`` bits;
- a photo whose EXIF date taken (DateTimeOriginal, else DateTime) is more than N days from the
  activity date (N: the setting ``evidence.exif_days``, default 7);
- a photo taken after the entry was saved (its EXIF time, local, later than the entry's
  saving time by more than ``TAKEN_AFTER_TOLERANCE``);
- a photo without EXIF date where most of its unit's other photos have one;
- several entries of one unit on the same day with identical text (title and 情况说明, white
  space ignored).

Each flag names its entries. Photos are read through the store (``read_original``: the files
are sealed) once each: what is read is kept in ``photo_hashes``, so a second 核查 decodes only
new photos. An inspector marks a flag 已说明 with a note, or raises a rectification item from it
(a 台账核查 inspection recorded through ``app.services.inspections``); the decision is kept in
``evidence_flags`` under the flag's key (its kind and what it names), audited.

Threshold: resized (½, ¼) and re-saved (JPEG quality 50–85) copies of 80 distinct pictures
measured 0–4 bits from their original (one nearly blank picture: 23); unrelated pictures a
median of 30. Eight bits catch every copy with a wide margin from unrelated photos. Pictures with
almost no detail (a plain colour, a blank wall) all hash alike: they are compared by content
only (``PLAIN_STDDEV``).
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Attachment,
    CorrectionSubject,
    EntryAttachment,
    EvidenceFlag,
    LedgerEntry,
    PhotoHash,
    Unit,
)
from app.models.sealed import DataLocked
from app.services.accounts import READING_PERMISSIONS, current_actor, require
from app.services.attachments import AttachmentStore
from app.services.errors import ValidationError
from app.services.inspections import FindingInput, InspectionInput, record_inspection
from app.services.settings import current_programme, get_setting, local_unit, set_setting
from app.services.wording import cn_date

EXIF_DAYS_SETTING = "evidence.exif_days"
DEFAULT_EXIF_DAYS = 7
MAX_EXIF_DAYS = 365
HAMMING_THRESHOLD = 8
TAKEN_AFTER_TOLERANCE = timedelta(hours=1)
PLAIN_STDDEV = 4.0  # grey levels (0–255) over a 32 × 32 copy: below it a picture has no detail
MAX_NOTE_CHARS = 500
DRAFT_SIDE = 256  # JPEGs are decoded at the smallest scale keeping this many pixels a side

SAME_PHOTO, EXIF_FAR, TAKEN_AFTER, NO_EXIF, SAME_TEXT = (
    "same_photo", "exif_far", "taken_after", "no_exif", "same_text",
)  # fmt: skip
KIND_LABELS = {
    SAME_PHOTO: "同一照片用于多条台账",
    EXIF_FAR: "拍摄日期与活动日期不符",
    TAKEN_AFTER: "照片拍摄晚于台账登记",
    NO_EXIF: "照片缺少拍摄信息",
    SAME_TEXT: "同日台账内容相同",
}
OPEN, EXPLAINED, RECTIFICATION = "open", "explained", "rectification"
STATE_LABELS = {OPEN: "待处理", EXPLAINED: "已说明", RECTIFICATION: "已提出整改"}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FlaggedEntry:
    """An entry a flag names."""

    entry_id: int
    entry_date: date
    unit_id: int
    unit_name: str
    title: str
    subject_name: str = ""

    @property
    def label(self) -> str:
        """How lists name it: date, unit, title."""
        return f"{cn_date(self.entry_date)} {self.unit_name}：{self.title}"


@dataclass
class Flag:
    """One thing to ask about, with the entries (and photos) it concerns and its state."""

    key: str
    kind: str
    description: str
    entries: list[FlaggedEntry]
    photos: list[str] = field(default_factory=list)  # SHA-256 of the photos concerned
    # each photo's places: (entry id, its number on that entry counted from 1), as the
    # descriptions' "第 N 张照片" count them
    places: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    state: str = OPEN
    note: str = ""
    rectification_item_id: int | None = None

    @property
    def kind_label(self) -> str:
        """The kind in Chinese."""
        return KIND_LABELS[self.kind]

    @property
    def state_label(self) -> str:
        """The state in Chinese."""
        return STATE_LABELS[self.state]

    @property
    def unit_names(self) -> list[str]:
        """The units of its entries, each once."""
        return list(dict.fromkeys(e.unit_name for e in self.entries))

    @property
    def unit_ids(self) -> list[int]:
        """The units of its entries' ids, each once."""
        return list(dict.fromkeys(e.unit_id for e in self.entries))


# ---------------------------------------------------------------- reading photos
@dataclass(frozen=True)
class PhotoFacts:
    """What the 核查 reads from one photo."""

    phash: str  # 16 hex digits; "" when it could not be decoded
    plain: bool
    taken_at: datetime | None


def _exif_taken(image: object) -> datetime | None:
    """The EXIF date taken (DateTimeOriginal, else the IFD0 DateTime), naive local time."""
    try:
        exif = image.getexif()  # type: ignore[attr-defined]
        value = exif.get_ifd(0x8769).get(36867) or exif.get(306)
    except (AttributeError, KeyError, ValueError, TypeError, OSError, SyntaxError):
        return None
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip("\x00 ").strip(), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def photo_facts(data: bytes) -> PhotoFacts:
    """Perceptual hash, plainness and EXIF date of a photo's content."""
    import imagehash
    from PIL import Image, ImageOps, ImageStat

    try:
        with Image.open(io.BytesIO(data)) as opened:
            taken = _exif_taken(opened)
            opened.draft("RGB", (DRAFT_SIDE, DRAFT_SIDE))
            grey = ImageOps.exif_transpose(opened).convert("L")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return PhotoFacts("", True, None)
    small = grey.resize((32, 32), Image.Resampling.LANCZOS)
    plain = ImageStat.Stat(small).stddev[0] < PLAIN_STDDEV
    return PhotoFacts(str(imagehash.phash(grey)), plain, taken)


def _may_write(session: Session) -> bool:
    actor = current_actor(session)
    return actor is None or bool(actor.permissions - READING_PERMISSIONS)


def ensure_hashes(
    session: Session, store: AttachmentStore, shas: Iterable[str], progress: Progress | None = None
) -> dict[str, PhotoHash]:
    """The facts of each photo of ``shas`` (SHA-256), read from the store for those not yet in
    ``photo_hashes`` and kept there (unless the user only reads). A photo whose file is not
    here is left out (it is not kept either, so it is read when it arrives)."""
    wanted = list(dict.fromkeys(shas))
    known: dict[str, PhotoHash] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known.update((p.sha256, p) for p in session.scalars(select(PhotoHash).where(
            PhotoHash.sha256.in_(chunk))))  # fmt: skip
    missing = [s for s in wanted if s not in known]
    keep = _may_write(session)
    for done, sha in enumerate(missing, start=1):
        try:
            data = store.read_original(sha)
        except DataLocked:
            raise
        except OSError:
            continue
        facts = photo_facts(data)
        row = PhotoHash(sha256=sha, phash=facts.phash, plain=facts.plain, taken_at=facts.taken_at)
        known[sha] = row
        if keep:
            session.add(row)
        if progress is not None:
            progress(done, len(missing))
    if keep and missing:
        session.flush()
    return known


# ---------------------------------------------------------------- settings
def exif_days(session: Session) -> int:
    """How many days a photo's EXIF date may be from the activity date (default 7)."""
    value = get_setting(session, EXIF_DAYS_SETTING)
    try:
        return int(value) if value else DEFAULT_EXIF_DAYS
    except ValueError:
        return DEFAULT_EXIF_DAYS


def set_exif_days(session: Session, days: int) -> None:
    """Set the allowed distance in days (1 to 365)."""
    require(session, "inspection.edit")
    if not 1 <= days <= MAX_EXIF_DAYS:
        raise ValidationError(f"相差天数应在 1 到 {MAX_EXIF_DAYS} 天之间。")
    set_setting(session, EXIF_DAYS_SETTING, str(days))


# ---------------------------------------------------------------- the check
@dataclass
class _Entry:
    flagged: FlaggedEntry
    uuid: str
    saved_local: datetime
    text: str
    photos: list[str] = field(default_factory=list)


def _key(kind: str, *parts: str) -> str:
    return hashlib.sha256("|".join((kind, *parts)).encode()).hexdigest()


def _local(moment: datetime) -> datetime:
    """A stored UTC time as this PC's naive local time (as cameras write EXIF)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().replace(tzinfo=None)


def _entries(session: Session, programme_id: int | None) -> dict[int, _Entry]:
    units = {unit_id: name for unit_id, name in session.execute(select(Unit.id, Unit.name))}
    query = (
        select(LedgerEntry, CorrectionSubject.name)
        .outerjoin(CorrectionSubject, CorrectionSubject.id == LedgerEntry.subject_id)
        .where(LedgerEntry.deleted.is_(False))
        .order_by(LedgerEntry.entry_date, LedgerEntry.id)
    )
    if programme_id is not None:
        query = query.where(LedgerEntry.programme_id == programme_id)
    entries: dict[int, _Entry] = {}
    for entry, subject_name in session.execute(query):
        unit_id = entry.owner_unit_id or 0
        flagged = FlaggedEntry(entry.id, entry.entry_date, unit_id, units.get(unit_id, ""),
                               entry.title, subject_name or "")  # fmt: skip
        text = "".join((entry.title + "\n" + entry.body).split())
        entries[entry.id] = _Entry(flagged, entry.uuid, _local(entry.created_at), text)
    links = session.execute(
        select(EntryAttachment.entry_id, Attachment.sha256)
        .join(Attachment, Attachment.id == EntryAttachment.attachment_id)
        .where(EntryAttachment.deleted.is_(False), Attachment.media_type.like("image/%"))
        .order_by(EntryAttachment.entry_id, EntryAttachment.sort_order, EntryAttachment.id)
    )
    for entry_id, sha in links:
        if entry_id in entries and sha not in entries[entry_id].photos:
            entries[entry_id].photos.append(sha)
    return entries


def _near_groups(hashes: dict[str, PhotoHash]) -> list[list[str]]:
    """Photos (SHA-256) that look alike, grouped (only groups of two or more)."""
    import numpy as np

    shas = [s for s, h in hashes.items() if h.phash and not h.plain]
    if len(shas) < 2:
        return []
    values = np.array([int(hashes[s].phash, 16) for s in shas], dtype=np.uint64)
    parent = list(range(len(shas)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(shas) - 1):
        near = np.flatnonzero(np.bitwise_count(values[i + 1 :] ^ values[i]) <= HAMMING_THRESHOLD)
        for j in near:
            a, b = find(i), find(i + 1 + int(j))
            if a != b:
                parent[b] = a
    groups: dict[int, list[str]] = defaultdict(list)
    for i, sha in enumerate(shas):
        groups[find(i)].append(sha)
    return [g for g in groups.values() if len(g) > 1]


def _same_photo_flags(entries: dict[int, _Entry], hashes: dict[str, PhotoHash]) -> list[Flag]:
    users: dict[str, list[int]] = defaultdict(list)
    for entry in entries.values():
        for sha in entry.photos:
            users[sha].append(entry.flagged.entry_id)
    groups = {frozenset(g) for g in _near_groups(hashes)}
    grouped = {sha for g in groups for sha in g}
    groups |= {frozenset({sha}) for sha in users if sha not in grouped}
    flags = []
    for group in groups:
        ids = sorted({i for sha in group for i in users.get(sha, [])})
        if len(ids) < 2:
            continue
        named = [entries[i] for i in ids]
        units = len({e.flagged.unit_id for e in named})
        how = "同一文件" if len(group) == 1 else "同一照片的缩放或另存副本"
        where = f"（{units} 个单位）" if units > 1 else "（同一单位）"
        flags.append(Flag(
            _key(SAME_PHOTO, *sorted(e.uuid for e in named)), SAME_PHOTO,
            f"{how}用于 {len(named)} 条台账{where}", [e.flagged for e in named],
            sorted(sha for sha in group if sha in users),
        ))  # fmt: skip
    return flags


def _photo_date_flags(
    entries: dict[int, _Entry], hashes: dict[str, PhotoHash], days: int
) -> list[Flag]:
    flags = []
    for entry in entries.values():
        for number, sha in enumerate(entry.photos, start=1):
            facts = hashes.get(sha)
            if facts is None or facts.taken_at is None:
                continue
            taken = facts.taken_at
            gap = abs((taken.date() - entry.flagged.entry_date).days)
            if gap > days:
                flags.append(Flag(
                    _key(EXIF_FAR, entry.uuid, sha), EXIF_FAR,
                    f"第 {number} 张照片拍摄于{cn_date(taken.date())}，与活动日期"
                    f"{cn_date(entry.flagged.entry_date)}相差 {gap} 天（超过 {days} 天）",
                    [entry.flagged], [sha],
                ))  # fmt: skip
            if taken > entry.saved_local + TAKEN_AFTER_TOLERANCE:
                flags.append(Flag(
                    _key(TAKEN_AFTER, entry.uuid, sha), TAKEN_AFTER,
                    f"第 {number} 张照片拍摄于 {taken:%Y-%m-%d %H:%M}，晚于台账登记时间 "
                    f"{entry.saved_local:%Y-%m-%d %H:%M}",
                    [entry.flagged], [sha],
                ))  # fmt: skip
    return flags


def _no_exif_flags(entries: dict[int, _Entry], hashes: dict[str, PhotoHash]) -> list[Flag]:
    by_unit: dict[int, set[str]] = defaultdict(set)
    for entry in entries.values():
        by_unit[entry.flagged.unit_id].update(s for s in entry.photos if s in hashes)
    flags = []
    for entry in entries.values():
        photos = by_unit[entry.flagged.unit_id]
        for number, sha in enumerate(entry.photos, start=1):
            if sha not in hashes or hashes[sha].taken_at is not None:
                continue
            others = [s for s in photos if s != sha]
            dated = sum(1 for s in others if hashes[s].taken_at is not None)
            if dated >= 2 and dated * 2 > len(others):
                flags.append(Flag(
                    _key(NO_EXIF, entry.uuid, sha), NO_EXIF,
                    f"第 {number} 张照片没有拍摄信息（EXIF），而本单位其他 {len(others)} 张照片"
                    + ("都有" if dated == len(others) else f"中 {dated} 张有"),
                    [entry.flagged], [sha],
                ))  # fmt: skip
    return flags


def _same_text_flags(entries: dict[int, _Entry]) -> list[Flag]:
    groups: dict[tuple[int, date, str], list[_Entry]] = defaultdict(list)
    for entry in entries.values():
        groups[entry.flagged.unit_id, entry.flagged.entry_date, entry.text].append(entry)
    return [
        Flag(
            _key(SAME_TEXT, *sorted(e.uuid for e in group)),
            SAME_TEXT,
            f"同一天（{cn_date(group[0].flagged.entry_date)}）{len(group)} 条台账的标题和情况说明相同",
            [e.flagged for e in group],
        )
        for group in groups.values()
        if len(group) > 1
    ]


def check(
    session: Session,
    store: AttachmentStore,
    days: int | None = None,
    programme_id: int | None = None,
    progress: Progress | None = None,
) -> list[Flag]:
    """Every flag over the live entries (of ``programme_id`` when given), with the decisions
    taken on them; ``days`` defaults to the setting."""
    days = exif_days(session) if days is None else days
    entries = _entries(session, programme_id)
    hashes = ensure_hashes(session, store, (s for e in entries.values() for s in e.photos),
                           progress)  # fmt: skip
    flags = [
        *_same_photo_flags(entries, hashes),
        *_photo_date_flags(entries, hashes, days),
        *_no_exif_flags(entries, hashes),
        *_same_text_flags(entries),
    ]
    for flag in flags:
        flag.places = {
            sha: [(e.entry_id, entries[e.entry_id].photos.index(sha) + 1)
                  for e in flag.entries if sha in entries[e.entry_id].photos]
            for sha in flag.photos
        }  # fmt: skip
    order = list(KIND_LABELS)
    flags.sort(key=lambda f: (order.index(f.kind), f.entries[0].entry_date, f.entries[0].entry_id))
    decisions = {d.key: d for d in session.scalars(select(EvidenceFlag))}
    for flag in flags:
        decision = decisions.get(flag.key)
        if decision is not None:
            flag.state, flag.note = decision.state, decision.note
            flag.rectification_item_id = decision.rectification_item_id
    return flags


# ---------------------------------------------------------------- decisions
def _decision(session: Session, key: str, kind: str, create: bool = True) -> EvidenceFlag | None:
    if kind not in KIND_LABELS or len(key) != 64:
        raise ValidationError("没有这条核查记录。")
    decision = session.scalar(select(EvidenceFlag).where(EvidenceFlag.key == key))
    if decision is None:
        if not create:
            return None
        decision = EvidenceFlag(key=key, kind=kind, state=OPEN, note="")
        session.add(decision)
    elif decision.state == RECTIFICATION:
        raise ValidationError("这条核查已提出整改，不能再更改。")
    return decision


def explain(session: Session, key: str, kind: str, note: str) -> EvidenceFlag:
    """Mark a flag 已说明 with the inspector's note (what was found to explain it)."""
    require(session, "inspection.edit")
    note = note.strip()
    if not note:
        raise ValidationError("请填写说明。")
    if len(note) > MAX_NOTE_CHARS:
        raise ValidationError(f"说明不能超过 {MAX_NOTE_CHARS} 字。")
    decision = _decision(session, key, kind)
    assert decision is not None
    decision.state, decision.note, decision.decided_at = EXPLAINED, note, datetime.now(UTC)
    session.flush()
    return decision


@dataclass(kw_only=True)
class RectificationInput:
    """What 提出整改 collects: the finding, the responsible unit and deadline, and the
    inspection it is recorded under (date and inspectors)."""

    finding: str
    responsible_unit_id: int | None
    deadline: date | None
    inspection_date: date | None
    inspectors: str


def raise_rectification(
    session: Session, key: str, kind: str, data: RectificationInput
) -> EvidenceFlag:
    """Record a 台账核查 inspection of the responsible unit by this PC's unit with one
    rectification item (``inspections.record_inspection``: its checks, its messages) and mark
    the flag 已提出整改."""
    require(session, "inspection.edit")
    unit = local_unit(session)
    programme = current_programme(session)
    _decision(session, key, kind, create=False)  # refused before anything is written
    inspection = record_inspection(session, InspectionInput(
        inspection_date=data.inspection_date, inspectors=data.inspectors,
        inspected_unit_id=data.responsible_unit_id,
        findings=[FindingInput(text=data.finding, rectify=True,
                               responsible_unit_id=data.responsible_unit_id,
                               deadline=data.deadline)],
        programme_id=programme.id if programme else None,
    ), unit.id if unit else None)  # fmt: skip
    decision = _decision(session, key, kind)
    assert decision is not None
    decision.state, decision.decided_at = RECTIFICATION, datetime.now(UTC)
    decision.rectification_item_id = inspection.items[0].id
    responsible = session.get(Unit, data.responsible_unit_id)
    assert data.deadline is not None  # checked by record_inspection
    decision.note = (f"已向{responsible.name if responsible else ''}提出整改，"
                     f"整改期限{cn_date(data.deadline)}")  # fmt: skip
    session.flush()
    return decision


def finding_text(flag: Flag) -> str:
    """The finding a rectification item raised from ``flag`` starts with."""
    named = "；".join(e.label for e in flag.entries[:5])
    more = f"等 {len(flag.entries)} 条" if len(flag.entries) > 5 else ""
    return f"台账核查发现{flag.kind_label}：{flag.description}。涉及台账：{named}{more}。"[:500]
