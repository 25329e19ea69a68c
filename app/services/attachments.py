"""Content-addressed store for photos and PDFs, beside the database.

Files are named by their SHA-256 and stored once however often they are used. Large photos
are kept as they are; a reduced copy (for screens and printing) and a thumbnail are made
next to them when first asked for (right away for a photo a user adds; an import leaves them
to the first look). Content is checked, not the file name: only real JPEG/PNG images and PDFs
pass.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Attachment
from app.services.errors import UserError, ValidationError, file_problem
from app.services.files import replace_file
from app.services.private_files import private_folder

if TYPE_CHECKING:
    from PIL import Image

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # 20 MB: a camera JPEG is 3–12 MB, a scanned PDF a few MB
REDUCED_MAX_SIDE = 1600  # pixels; screens and A4 prints at ≈ 200 dpi
THUMBNAIL_MAX_SIDE = 240
_NAMESPACE = uuid.UUID("0b7c5f3e-9a1d-4f6b-8e2c-5d4a3b2c1f00")
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
PDF_TYPE = "application/pdf"
MEDIA_TYPES = frozenset({*IMAGE_TYPES.values(), PDF_TYPE})  # what check_file can answer
_SHA256 = re.compile(r"[0-9a-f]{64}")


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


def is_sha256(text: str) -> bool:
    """Whether ``text`` is a stored file's name: a SHA-256 in lowercase hex."""
    return _SHA256.fullmatch(text) is not None


def check_size(size: int, name: str) -> None:
    """A file of ``size`` bytes can be attached: not empty, at most ``MAX_ATTACHMENT_BYTES``;
    else ValidationError naming the file ``name``."""
    if size <= 0:
        raise ValidationError(f"文件“{name}”是空的。")
    if size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"文件“{name}”有 {size / 1048576:.1f} MB，超过 {MAX_ATTACHMENT_BYTES // 1048576} MB 的上限。"
            "请压缩后再添加。"
        )


def check_file(path: Path) -> str:
    """The real media type of a file a user picked, or ValidationError saying what is wrong."""
    path = Path(path)
    try:
        return _sniff(path, path.stat().st_size)
    except OSError as exc:
        raise ValidationError(file_problem(exc, path)) from None


def _sniff(path: Path, size: int, name: str | None = None) -> str:
    """The real media type of a file, or ValidationError with a Chinese message naming the
    file ``name`` (its file name when None)."""
    name = path.name if name is None else name
    check_size(size, name)
    with path.open("rb") as fh:
        head = fh.read(8)
        if head.startswith(b"%PDF-"):
            fh.seek(max(0, size - 2048))
            if b"%%EOF" not in fh.read():
                raise ValidationError(f"文件“{name}”不是完整的 PDF 文件（可能已损坏或未传完）。")
            return PDF_TYPE
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
        """A photo reduced for screens and printing (the original if already small, or not a
        photo). Made on first request when the original is large and has none yet."""
        reduced = self._reduced_file(sha256)
        if reduced.exists() or not self._make_reduced(sha256):
            return reduced if reduced.exists() else self.original_path(sha256)
        return reduced

    def thumbnail_path(self, sha256: str) -> Path | None:
        """A small preview of a photo, made on first request; None for PDFs, files that are
        not here, and photos that cannot be read."""
        thumb = self._thumb_file(sha256)
        if thumb.exists() or self._make_thumbnail(sha256):
            return thumb
        return None

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
            self.make_previews(sha)
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

    def _copy_in(self, source: Path, target: Path) -> None:
        private_folder(target.parent, top=self.root)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(source, temp)
            replace_file(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)

    # ------------------------------------------------------------ previews, made on request

    def _reduced_file(self, sha256: str) -> Path:
        return self.root / "reduced" / sha256[:2] / f"{sha256}.jpg"

    def _thumb_file(self, sha256: str) -> Path:
        return self.root / "thumbs" / sha256[:2] / f"{sha256}.jpg"

    def _make_thumbnail(self, sha256: str) -> bool:
        """Make the thumbnail if missing; whether it exists now."""
        thumb = self._thumb_file(sha256)
        original = self.original_path(sha256)
        if str(original) in _NO_PREVIEW:
            return False
        with _PREVIEW_LOCK:
            if thumb.exists():  # made meanwhile by another thread
                return True
            # JPEG: decode at 1/2 to 1/8 scale, no smaller than twice the thumbnail (quality)
            image = _decoded_photo(original, 2 * THUMBNAIL_MAX_SIDE)
            if image is None:
                return False
            image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
            return _save_preview(image, thumb, original, quality=80)

    def _make_reduced(self, sha256: str) -> bool:
        """Make the reduced copy if the photo needs one and has none; whether it exists now."""
        reduced = self._reduced_file(sha256)
        original = self.original_path(sha256)
        key = str(original)
        if key in _NO_PREVIEW or key in _SMALL:
            return False
        with _PREVIEW_LOCK:
            if reduced.exists():
                return True
            needed = _needs_reduced_copy(original)
            if needed is False:
                _SMALL.add(key)
            if not needed:
                return False
            image = _decoded_photo(original, REDUCED_MAX_SIDE)
            if image is None:
                return False
            image.thumbnail((REDUCED_MAX_SIDE, REDUCED_MAX_SIDE))
            return _save_preview(image, reduced, original, quality=85)

    def add_verified(self, path: Path, sha256: str) -> None:
        """Put a file whose hash is already verified (from a package) into the store; its
        previews are made when first asked for (``thumbnail_path``, ``reduced_path``)."""
        if not self.has(sha256):
            self._copy_in(Path(path), self.original_path(sha256))

    def receive(self, sha256: str, write: Callable[[Path], None]) -> None:
        """Put a file from an exchange package into the store by having ``write(path)`` write it
        straight into a temporary file beside its place (no second copy); the caller vouches
        for the hash. Its content is checked as a file a clerk attaches is (:func:`check_file`):
        anything but a real photo (JPEG, PNG) or PDF is not stored and raises ValidationError
        naming the attachment by its uuid."""
        target = self.original_path(sha256)
        if target.exists():
            return
        private_folder(target.parent, top=self.root)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        try:
            write(Path(temp))
            try:
                _sniff(Path(temp), Path(temp).stat().st_size, f"{sha256[:12]}…")
            except ValidationError as exc:
                raise ValidationError(
                    f"数据包中的附件 {attachment_uuid(sha256)} 不能存入：{exc.message}"
                    "已拒绝整个数据包，数据库保持原样，没有任何改动。"
                ) from None
            replace_file(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)

    def make_previews(self, sha256: str) -> None:
        """Make the reduced copy and thumbnail of a stored photo now (nothing for PDFs or odd
        files); otherwise they are made on first request."""
        self._make_reduced(sha256)
        self._make_thumbnail(sha256)

    def print_copy_path(self, sha256: str) -> Path:
        """Where the summary PDFs keep a photo's print-sized copy once they have made it."""
        return self.root / "print" / sha256[:2] / f"{sha256}.jpg"

    def remove_files(self, sha256: str) -> None:
        """Delete a file and its previews from disk (the caller checks nothing uses it)."""
        original = self.original_path(sha256)
        with _PREVIEW_LOCK:
            copies = (
                self._reduced_file(sha256),
                self._thumb_file(sha256),
                self.print_copy_path(sha256),
            )
            for p in (original, *copies):
                p.unlink(missing_ok=True)
            _NO_PREVIEW.discard(str(original))
            _SMALL.discard(str(original))


# Previews are made on first request, possibly from more than one thread (the GUI and a
# worker): one lock serialises making them, and each file is written under a temporary name
# and renamed into place, so a reader never sees half a JPEG. Verdicts are remembered for the
# process so that a list repainting its rows does not try again on every paint: originals that
# are no photo, cannot be read or whose preview cannot be written, and photos small enough to
# be their own reduced copy (a stored file's content never changes: it is named by its hash).
_PREVIEW_LOCK = threading.Lock()
_NO_PREVIEW: set[str] = set()
_SMALL: set[str] = set()
_UNREADABLE = (ValidationError, OSError, ValueError, SyntaxError)


def _is_photo(original: Path) -> bool:
    """Whether a stored file is a photo previews can be made of (False remembered)."""
    try:
        if check_file(original).startswith("image/"):
            return True
    except ValidationError:
        pass
    _NO_PREVIEW.add(str(original))
    return False


def _decoded_photo(original: Path, at_least: int) -> Image.Image | None:
    """The photo as an upright RGB image, decoded (JPEG) at the smallest scale that keeps
    ``at_least`` pixels on each side; None when the file is no readable photo (remembered)
    or not (yet) in the store (not remembered)."""
    from PIL import Image, ImageOps

    if not original.exists() or not _is_photo(original):
        return None
    try:
        with Image.open(original) as opened:
            opened.draft("RGB", (at_least, at_least))
            return ImageOps.exif_transpose(opened).convert("RGB")
    except (*_UNREADABLE, Image.DecompressionBombError):
        _NO_PREVIEW.add(str(original))
        return None


def _needs_reduced_copy(original: Path) -> bool | None:
    """Whether a photo is too large to be shown and printed as it is (from its header only);
    None when the file is no readable photo (remembered) or not (yet) in the store."""
    from PIL import Image

    if not original.exists() or not _is_photo(original):
        return None
    try:
        with Image.open(original) as opened:
            side = max(opened.size)
        return side > REDUCED_MAX_SIDE or original.stat().st_size > 1_500_000
    except (*_UNREADABLE, Image.DecompressionBombError):
        _NO_PREVIEW.add(str(original))
        return None


def _save_preview(image: Image.Image, target: Path, original: Path, quality: int) -> bool:
    """Write a preview JPEG atomically; False (remembered for ``original``) if it cannot be."""
    try:
        private_folder(target.parent, top=target.parents[2])  # <store>/reduced/ab/x.jpg
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                image.save(out, "JPEG", quality=quality, optimize=True)
            replace_file(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)
    except (OSError, ValueError, UserError):
        _NO_PREVIEW.add(str(original))
        return False
    return True


def store_for(database_file: Path | None) -> AttachmentStore:
    """The store beside a SQLite file (``bangjiao.db`` → ``bangjiao-files/``)."""
    if database_file is not None:
        return AttachmentStore(database_file.with_name(f"{database_file.stem}-files"))
    from app.paths import user_data_dir

    return AttachmentStore(user_data_dir() / "attachments")
