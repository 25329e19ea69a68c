"""Content-addressed store for photos and PDFs, beside the database.

Files are named by their SHA-256 and stored once however often they are used. Large photos
are kept as they are; a reduced copy (for screens and printing) and a thumbnail are made
next to them. Content is checked, not the file name: only real JPEG/PNG images and PDFs pass.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment
from app.services.errors import ValidationError, file_problem

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # 20 MB: a camera JPEG is 3–12 MB, a scanned PDF a few MB
REDUCED_MAX_SIDE = 1600  # pixels; screens and A4 prints at ≈ 200 dpi
THUMBNAIL_MAX_SIDE = 240
_NAMESPACE = uuid.UUID("0b7c5f3e-9a1d-4f6b-8e2c-5d4a3b2c1f00")
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class StoredFile:
    """What the store knows about one attachment."""

    attachment_id: int
    sha256: str
    original_name: str
    media_type: str
    size_bytes: int

    @property
    def is_image(self) -> bool:
        """True for photos (as opposed to PDFs)."""
        return self.media_type.startswith("image/")


def attachment_uuid(sha256: str) -> str:
    """The same file has the same UUID in every office."""
    return str(uuid.uuid5(_NAMESPACE, sha256))


def check_file(path: Path) -> str:
    """The real media type of a file a user picked, or ValidationError saying what is wrong."""
    path = Path(path)
    try:
        return _sniff(path, path.stat().st_size)
    except OSError as exc:
        raise ValidationError(file_problem(exc, path)) from None


def _sniff(path: Path, size: int) -> str:
    """The real media type of a file, or ValidationError with a Chinese message."""
    name = path.name
    if size == 0:
        raise ValidationError(f"文件“{name}”是空的。")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"文件“{name}”有 {size / 1048576:.1f} MB，超过 {MAX_ATTACHMENT_BYTES // 1048576} MB 的上限。"
            "请压缩后再添加。"
        )
    with path.open("rb") as fh:
        head = fh.read(8)
        if head.startswith(b"%PDF-"):
            fh.seek(max(0, size - 2048))
            if b"%%EOF" not in fh.read():
                raise ValidationError(f"文件“{name}”不是完整的 PDF 文件（可能已损坏或未传完）。")
            return "application/pdf"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError):
        kind = None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(f"照片“{name}”已损坏，无法读取。") from None
    if kind not in IMAGE_TYPES:
        raise ValidationError(f"文件“{name}”不是照片（JPEG、PNG）或 PDF 文件，不能添加。")
    return IMAGE_TYPES[kind]


class AttachmentStore:
    """Files under ``root``: originals/, reduced/ and thumbs/, each split by hash prefix."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def original_path(self, sha256: str) -> Path:
        """Where the file itself is kept."""
        return self.root / "originals" / sha256[:2] / sha256

    def reduced_path(self, sha256: str) -> Path:
        """A photo reduced for screens and printing (the original if already small)."""
        reduced = self.root / "reduced" / sha256[:2] / f"{sha256}.jpg"
        return reduced if reduced.exists() else self.original_path(sha256)

    def thumbnail_path(self, sha256: str) -> Path | None:
        """A small preview of a photo, or None (PDFs, or not made)."""
        thumb = self.root / "thumbs" / sha256[:2] / f"{sha256}.jpg"
        return thumb if thumb.exists() else None

    def has(self, sha256: str) -> bool:
        """Whether the file is in the store."""
        return self.original_path(sha256).exists()

    def add(self, session: Session, path: Path, owner_unit_id: int | None) -> StoredFile:
        """Check, copy in (once) and record a file; return the stored attachment."""
        path = Path(path)
        media_type = check_file(path)
        try:
            size = path.stat().st_size
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise ValidationError(f"文件“{path.name}”无法读取：{exc.strerror or exc}") from None
        sha = digest.hexdigest()
        if not self.has(sha):
            self._copy_in(path, self.original_path(sha))
        if media_type.startswith("image/"):
            self._make_previews(sha)
        record = session.scalar(select(Attachment).where(Attachment.sha256 == sha))
        if record is None:
            record = Attachment(
                uuid=attachment_uuid(sha),
                sha256=sha,
                original_name=path.name[:255],
                media_type=media_type,
                size_bytes=size,
                owner_unit_id=owner_unit_id,
            )
            session.add(record)
            session.flush()
        return StoredFile(
            record.id, sha, record.original_name, record.media_type, record.size_bytes
        )

    @staticmethod
    def _copy_in(source: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(source, temp)
            os.replace(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)

    def _make_previews(self, sha256: str) -> None:
        from PIL import Image, ImageOps

        reduced = self.root / "reduced" / sha256[:2] / f"{sha256}.jpg"
        thumb = self.root / "thumbs" / sha256[:2] / f"{sha256}.jpg"
        if reduced.exists() and thumb.exists():
            return
        with Image.open(self.original_path(sha256)) as opened:
            opened.draft(
                "RGB", (REDUCED_MAX_SIDE, REDUCED_MAX_SIDE)
            )  # JPEG: decode at a reduced scale
            image = ImageOps.exif_transpose(opened).convert("RGB")
        if not reduced.exists() and (
            max(image.size) > REDUCED_MAX_SIDE
            or self.original_path(sha256).stat().st_size > 1_500_000
        ):
            copy = image.copy()
            copy.thumbnail((REDUCED_MAX_SIDE, REDUCED_MAX_SIDE))
            self._save_jpeg(copy, reduced, quality=85)
        if not thumb.exists():
            image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
            self._save_jpeg(image, thumb, quality=80)

    @staticmethod
    def _save_jpeg(image, target: Path, quality: int) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.tmp")
        image.save(temp, "JPEG", quality=quality, optimize=True)
        os.replace(temp, target)

    def add_verified(self, path: Path, sha256: str) -> None:
        """Put a file whose hash is already verified (from a package) into the store; its
        previews are made separately (``make_previews``), outside the import's transaction."""
        if not self.has(sha256):
            self._copy_in(Path(path), self.original_path(sha256))

    def make_previews(self, sha256: str) -> None:
        """The reduced copy and thumbnail of a stored photo (nothing for PDFs or odd files)."""
        with contextlib.suppress(ValidationError, OSError):
            if check_file(self.original_path(sha256)).startswith("image/"):
                self._make_previews(sha256)

    def remove_files(self, sha256: str) -> None:
        """Delete a file and its previews from disk (the caller checks nothing uses it)."""
        for p in (
            self.original_path(sha256),
            self.root / "reduced" / sha256[:2] / f"{sha256}.jpg",
            self.root / "thumbs" / sha256[:2] / f"{sha256}.jpg",
        ):
            p.unlink(missing_ok=True)


def store_for(database_file: Path | None) -> AttachmentStore:
    """The store beside a SQLite file (``bangjiao.db`` → ``bangjiao-files/``)."""
    if database_file is not None:
        return AttachmentStore(database_file.with_name(f"{database_file.stem}-files"))
    from app.paths import user_data_dir

    return AttachmentStore(user_data_dir() / "attachments")
