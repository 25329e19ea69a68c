"""Content-addressed store for photos and PDFs, beside the database.

Files are named by their SHA-256 (of the plain content) and stored once however often they are
used. Large photos are kept as they are; a reduced copy (for screens), a print copy (for the
PDFs: summaries, 台账卷) and a thumbnail are made next to them from one decoding of the photo
(:meth:`AttachmentStore.make_previews`: right away for a photo a user adds), or each when first
asked for; a package's photos get their print copies once it is imported
(:func:`make_print_copies`), the rest on first look. Content is checked, not the file name:
only real JPEG/PNG images and PDFs pass.

Sealed at rest: when the database has a data key (``app.models.sealed``), every file the store
writes — originals, reduced copies, thumbnails, print copies — is sealed with it (AES-GCM
behind the header ``FILE_MAGIC``; each kind of file has its own purpose, bound to the hash, so
a file cannot stand in for another). Readers never open the files themselves: they ask the
store for plain bytes (:meth:`AttachmentStore.read_original`, :meth:`~AttachmentStore.
thumbnail_bytes`, …), which opens a sealed file with the key (``DataLocked`` when nobody is
logged in) and reads a plain one as it is. A database without a vault keeps plain files, as
before. :func:`seal_store_files` seals a store in place when its database is first encrypted.
Backups copy the stored files as they are (ciphertext, under the key the restored database
holds).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar

from sqlalchemy import Connection, Engine, Table, delete, event, func, literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.models import Attachment, AttachmentBlob
from app.models.sealed import (
    FILE_MAGIC,
    NONCE_BYTES,
    DataKey,
    DataLocked,
    VaultError,
    is_sealed_file,
)
from app.services.errors import UserError, ValidationError, file_problem
from app.services.files import replace_file
from app.services.private_files import private_folder

if TYPE_CHECKING:
    from PIL import Image

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # 20 MB: a camera JPEG is 3–12 MB, a scanned PDF a few MB
REDUCED_MAX_SIDE = 1600  # pixels; screens and A4 prints at ≈ 200 dpi
THUMBNAIL_MAX_SIDE = 240
PRINT_MAX_SIDE = 960  # pixels: the PDFs' photos, ≈ 320 dpi across a 76 mm wide print
PRINT_QUALITY = 70
ORIENTATION = 0x0112  # the EXIF tag
PrintCopy = tuple[bytes, int, int]
"""A photo's print copy: its JPEG, width and height in pixels."""
_NAMESPACE = uuid.UUID("0b7c5f3e-9a1d-4f6b-8e2c-5d4a3b2c1f00")
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
PDF_TYPE = "application/pdf"
MEDIA_TYPES = frozenset({*IMAGE_TYPES.values(), PDF_TYPE})  # what check_file can answer
_SHA256 = re.compile(r"[0-9a-f]{64}")
SEALED_OVERHEAD = len(FILE_MAGIC) + NONCE_BYTES + 16  # header, nonce and AES-GCM tag
STALE_TEMPORARY_SECONDS = 60  # a temporary file this old belongs to no write under way

KeyProvider = Callable[[], DataKey | None]
"""Gives the data key of the store's database (None: it has no vault, files stay plain);
raises ``DataLocked`` when the database is locked."""

# each kind of stored file is sealed for its own purpose, bound to the photo's hash
ORIGINAL, REDUCED, THUMBNAIL, PRINT = "original", "reduced", "thumbnail", "print"
NO_KEY_MESSAGE = "照片库中的文件已加密，而这个数据库没有数据钥匙，无法打开。"


def _no_key() -> DataKey | None:
    return None


def _purpose(kind: str, sha256: str) -> str:
    return f"{kind} {sha256}"


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
        size = path.stat().st_size
        check_size(size, path.name)
        with path.open("rb") as fh:
            return _sniff(fh, size, path.name)
    except OSError as exc:
        raise ValidationError(file_problem(exc, path)) from None


def check_content(data: bytes, name: str) -> str:
    """The real media type of a file's content (named ``name`` in messages), or
    ValidationError saying what is wrong."""
    check_size(len(data), name)
    return _sniff(io.BytesIO(data), len(data), name)


def _sniff(fh: BinaryIO, size: int, name: str) -> str:
    """The real media type of an open file of ``size`` bytes, or ValidationError with a
    Chinese message naming the file ``name``."""
    head = fh.read(8)
    if head.startswith(b"%PDF-"):
        fh.seek(max(0, size - 2048))
        if b"%%EOF" not in fh.read():
            raise ValidationError(f"文件“{name}”不是完整的 PDF 文件（可能已损坏或未传完）。")
        return PDF_TYPE
    fh.seek(0)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(fh) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError):
        kind = None
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(f"照片“{name}”已损坏，无法读取。") from None
    if kind not in IMAGE_TYPES:
        raise ValidationError(f"文件“{name}”不是照片（JPEG、PNG）或 PDF 文件，不能添加。")
    return IMAGE_TYPES[kind]


class FolderFiles:
    """A store's files in a folder (a SQLite database's, beside its file): originals/,
    reduced/, thumbs/ and print/, each split by hash prefix."""

    _PLACES: ClassVar[dict[str, tuple[str, str]]] = {
        ORIGINAL: ("originals", ""),
        REDUCED: ("reduced", ".jpg"),
        THUMBNAIL: ("thumbs", ".jpg"),
        PRINT: ("print", ".jpg"),
    }

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, kind: str, sha256: str) -> Path:
        """Where the file of this kind is kept."""
        folder, suffix = self._PLACES[kind]
        return self.root / folder / sha256[:2] / f"{sha256}{suffix}"

    def exists(self, kind: str, sha256: str) -> bool:
        """Whether the file is here."""
        return self.path(kind, sha256).exists()

    def read(self, kind: str, sha256: str) -> bytes:
        """The file as stored (OSError when it is not here)."""
        return self.path(kind, sha256).read_bytes()

    def head(self, kind: str, sha256: str) -> bytes:
        """The file's first bytes, enough to tell whether it is sealed."""
        with self.path(kind, sha256).open("rb") as fh:
            return fh.read(len(FILE_MAGIC))

    def size(self, kind: str, sha256: str) -> int:
        """The file's size as stored."""
        return self.path(kind, sha256).stat().st_size

    def write(self, kind: str, sha256: str, data: bytes) -> None:
        """Write the file atomically (temporary name, then replace)."""
        target = self.path(kind, sha256)
        private_folder(target.parent, top=self.root)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            replace_file(temp, target)
        finally:
            Path(temp).unlink(missing_ok=True)

    def remove(self, kind: str, sha256: str) -> None:
        """Delete the file if it is here."""
        self.path(kind, sha256).unlink(missing_ok=True)

    def shas(self, kind: str) -> list[str]:
        """The hashes of the files of this kind (not temporary ones)."""
        folder, suffix = self._PLACES[kind]
        top = self.root / folder
        if not top.is_dir():
            return []
        found = (p for p in sorted(top.glob("*/*")) if p.is_file() and p.name[0] != ".")
        return [p.name.removesuffix(suffix) for p in found if p.name.endswith(suffix)]

    def verdict_key(self, sha256: str) -> str:
        """The key of the photo's remembered preview verdicts."""
        return str(self.path(ORIGINAL, sha256))

    def remove_stale_temporaries(self, older_than: float) -> None:
        """Remove temporary files an interrupted write left (plain content) before
        ``older_than`` (a time stamp)."""
        for path in self.root.glob("*/*/.*"):
            if path.is_file() and path.stat().st_mtime < older_than:
                path.unlink(missing_ok=True)

    @contextmanager
    def within(self, session: Session) -> Iterator[None]:
        """Files are written at once, whatever becomes of ``session``'s transaction."""
        yield


class DatabaseFiles:
    """A store's files as rows of ``attachment_blobs`` in the database itself (a database on a
    server, shared by every PC using it). Each read or write is its own short transaction,
    except inside :meth:`within` a session: then originals are written (and everything is
    read) on that session's connection, so a photo commits or rolls back with its entry."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._bound = threading.local()  # the connection of a session, per thread

    @contextmanager
    def within(self, session: Session) -> Iterator[None]:
        """Read, write originals and remove through ``session``'s connection (this thread)."""
        previous = getattr(self._bound, "connection", None)
        self._bound.connection = session.connection()
        try:
            yield
        finally:
            self._bound.connection = previous

    @contextmanager
    def _connection(self, kind: str = ORIGINAL) -> Iterator[Connection]:
        bound = getattr(self._bound, "connection", None)
        # previews are written in their own transaction even within a session: another thread
        # making the same preview would otherwise wait for that session's commit
        if bound is not None and kind == ORIGINAL:
            yield bound
            return
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        bound = getattr(self._bound, "connection", None)
        if bound is not None:
            yield bound
            return
        with self.engine.connect() as conn:
            yield conn

    def _value(self, column: Any, kind: str, sha256: str) -> Any:
        with self._reading() as conn:
            row = conn.execute(
                select(column).where(_BLOBS.c.sha256 == sha256, _BLOBS.c.kind == kind)
            ).first()
        if row is None:
            raise FileNotFoundError(errno.ENOENT, f"照片库中没有这个文件（{kind}）", sha256)
        return row[0]

    def exists(self, kind: str, sha256: str) -> bool:
        """Whether the file is here."""
        try:
            self._value(literal(1), kind, sha256)
        except FileNotFoundError:
            return False
        return True

    def read(self, kind: str, sha256: str) -> bytes:
        """The file as stored (FileNotFoundError when it is not here)."""
        return bytes(self._value(_BLOBS.c.data, kind, sha256))

    def head(self, kind: str, sha256: str) -> bytes:
        """The file's first bytes, enough to tell whether it is sealed."""
        return bytes(self._value(func.substr(_BLOBS.c.data, 1, len(FILE_MAGIC)), kind, sha256))

    def size(self, kind: str, sha256: str) -> int:
        """The file's size as stored."""
        return int(self._value(func.length(_BLOBS.c.data), kind, sha256))

    def write(self, kind: str, sha256: str, data: bytes) -> None:
        """Keep the file (replacing one of the same hash and kind)."""
        with self._connection(kind) as conn:
            conn.execute(_upsert(conn, sha256, kind, data))

    def remove(self, kind: str, sha256: str) -> None:
        """Delete the file if it is here."""
        with self._connection(kind) as conn:
            conn.execute(delete(_BLOBS).where(_BLOBS.c.sha256 == sha256, _BLOBS.c.kind == kind))

    def shas(self, kind: str) -> list[str]:
        """The hashes of the files of this kind."""
        with self._reading() as conn:
            return list(conn.scalars(select(_BLOBS.c.sha256).where(_BLOBS.c.kind == kind)))

    def verdict_key(self, sha256: str) -> str:
        """The key of the photo's remembered preview verdicts."""
        return f"{self.engine.url!r}#{sha256}"

    def remove_stale_temporaries(self, older_than: float) -> None:
        """Rows are written whole: nothing is left half written."""


StoredFiles = FolderFiles | DatabaseFiles
_BLOBS: Table = AttachmentBlob.__table__  # type: ignore[assignment]


def _upsert(conn: Connection, sha256: str, kind: str, data: bytes) -> Any:
    """INSERT … ON CONFLICT (sha256, kind) DO UPDATE of one stored file, in the dialect's SQL."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    make = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = make(_BLOBS).values(sha256=sha256, kind=kind, data=data)
    return statement.on_conflict_do_update(
        index_elements=["sha256", "kind"], set_={"data": statement.excluded.data}
    )


class AttachmentStore:
    """Stored files, in a folder (:class:`FolderFiles`: a SQLite database's) or in the
    database on a server (:class:`DatabaseFiles`), sealed with the key ``key()`` gives (plain
    when it gives None). Callers get bytes, never paths: a server's store has none."""

    def __init__(self, files: StoredFiles | Path, key: KeyProvider = _no_key) -> None:
        self.files: StoredFiles = FolderFiles(files) if isinstance(files, Path) else files
        self._key = key

    # ------------------------------------------------------------ where files are kept

    def _folder(self) -> FolderFiles:
        if not isinstance(self.files, FolderFiles):
            raise UserError("这个数据库的照片存放在数据库服务器中，不是文件夹里的文件。")
        return self.files

    @property
    def root(self) -> Path:
        """The store's folder (a SQLite database's store only: backups copy it)."""
        return self._folder().root

    @property
    def in_database(self) -> bool:
        """Whether the files are rows of the database (a server's store)."""
        return isinstance(self.files, DatabaseFiles)

    def original_path(self, sha256: str) -> Path:
        """Where the file itself is kept in a folder store — sealed when the database has a
        key: read it with :meth:`read_original` (backups copy it as it is)."""
        return self._folder().path(ORIGINAL, sha256)

    def print_copy_path(self, sha256: str) -> Path:
        """Where the print copy of a photo is kept in a folder store once made (possibly
        sealed: read it with :meth:`print_copy_bytes` or :meth:`print_copy`)."""
        return self._folder().path(PRINT, sha256)

    def has(self, sha256: str) -> bool:
        """Whether the file is in the store."""
        return self.files.exists(ORIGINAL, sha256)

    def has_print_copy(self, sha256: str) -> bool:
        """Whether the photo's print copy is kept."""
        return self.files.exists(PRINT, sha256)

    @contextmanager
    def within(self, session: Session) -> Iterator[None]:
        """Originals stored (and files removed) meanwhile in this thread commit with
        ``session`` where the store is the database's own (a server's); a folder store writes
        them at once."""
        with self.files.within(session):
            yield

    # ------------------------------------------------------------ reading and writing

    def _read(self, kind: str, sha256: str) -> bytes:
        """The plain content of a stored file: opened with the key when sealed."""
        data = self.files.read(kind, sha256)
        if not is_sealed_file(data):
            return data
        key = self._key()
        if key is None:
            raise VaultError(NO_KEY_MESSAGE)
        return key.open_bytes(data, _purpose(kind, sha256))

    def _write(self, kind: str, sha256: str, data: bytes) -> None:
        """Keep ``data`` as the file of this kind (atomically), sealed when the database has
        a key."""
        key = self._key()
        if key is not None:
            data = key.seal_bytes(data, _purpose(kind, sha256))
        self.files.write(kind, sha256, data)

    def read_original(self, sha256: str) -> bytes:
        """The file's plain content (OSError when it is not here; DataLocked when it is
        sealed and nobody is logged in; VaultError when it does not open)."""
        return self._read(ORIGINAL, sha256)

    def plain_size(self, sha256: str) -> int:
        """The size of the file's plain content, without reading it all."""
        size = self.files.size(ORIGINAL, sha256)
        return size - SEALED_OVERHEAD if self.is_sealed(sha256) else size

    def is_sealed(self, sha256: str) -> bool:
        """Whether the stored original is sealed."""
        return is_sealed_file(self.files.head(ORIGINAL, sha256))

    def thumbnail_bytes(self, sha256: str) -> bytes | None:
        """A small JPEG preview of a photo, made on first request; None for PDFs, files that
        are not here, and photos that cannot be read."""
        if self.files.exists(THUMBNAIL, sha256) or self._make_thumbnail(sha256):
            return self._read(THUMBNAIL, sha256)
        return None

    def reduced_bytes(self, sha256: str) -> bytes:
        """A photo reduced for screens and printing (the original's content if already small,
        or not a photo). Made on first request when the original is large and has none yet."""
        if self.files.exists(REDUCED, sha256) or self._make_reduced(sha256):
            return self._read(REDUCED, sha256)
        return self.read_original(sha256)

    def has_reduced_copy(self, sha256: str) -> bool:
        """Whether a reduced copy of the photo was made (a small photo is its own)."""
        return self.files.exists(REDUCED, sha256)

    def print_copy_bytes(self, sha256: str) -> bytes | None:
        """The print copy's JPEG as kept, None when not made yet."""
        if not self.files.exists(PRINT, sha256):
            return None
        return self._read(PRINT, sha256)

    def save_print_copy(self, sha256: str, data: bytes) -> None:
        """Keep a photo's print-sized JPEG (sealed when the database has a key)."""
        self._write(PRINT, sha256, data)

    def print_copy(self, sha256: str) -> PrintCopy | None:
        """The photo's print copy (upright RGB JPEG at most ``PRINT_MAX_SIDE`` px, quality
        ``PRINT_QUALITY``; its width and height): the kept one, else made now (from the reduced
        copy when there is one, else from the original) and kept, sealed when the database has
        a key (a read-only store: returned, not kept). The one way the PDFs get their photos.
        None when the photo cannot be read (lost, altered, no photo); DataLocked when it is
        sealed and nobody is logged in."""
        try:
            kept = self.print_copy_bytes(sha256)
            size = None if kept is None else _jpeg_size(kept)
            if kept is not None and size is not None:
                return kept, *size
        except (OSError, VaultError):
            pass  # a damaged copy: made again
        try:
            if self.has_reduced_copy(sha256):
                source = self._read(REDUCED, sha256)
            else:
                source = self.read_original(sha256)
        except (OSError, VaultError):  # lost or altered: the PDF says it cannot be read
            return None
        made = _print_copy_of(source)
        if made is not None:
            with suppress(OSError, UserError, SQLAlchemyError):  # a read-only store: for now
                self.save_print_copy(sha256, made[0])
        return made

    # ------------------------------------------------------------ adding files

    def add(self, session: Session, path: Path, owner_unit_id: int | None) -> StoredFile:
        """Check, copy in (once) and record a file; return the stored attachment."""
        path = Path(path)
        media_type = check_file(path)
        try:
            data = path.read_bytes()  # at most 20 MB (checked)
        except OSError as exc:
            raise ValidationError(f"文件“{path.name}”无法读取：{exc.strerror or exc}") from None
        return self._keep(session, data, path.name, media_type, owner_unit_id)

    def add_bytes(
        self, session: Session, data: bytes, name: str, owner_unit_id: int | None
    ) -> StoredFile:
        """Check, store (once) and record content made by the program (an issued PDF) under
        the file name ``name``, never written anywhere in clear."""
        return self._keep(session, data, name, check_content(data, name), owner_unit_id)

    def _keep(
        self, session: Session, data: bytes, name: str, media_type: str, owner_unit_id: int | None
    ) -> StoredFile:
        sha = hashlib.sha256(data).hexdigest()
        with self.within(session):  # a server's store: the photo commits with the record
            if not self.has(sha):
                self._write(ORIGINAL, sha, data)
        if media_type.startswith("image/"):
            if self.in_database:  # once the photo is committed (no preview of a lost photo)
                event.listen(session, "after_commit", self._previews_after(sha), once=True)
            else:
                self.make_previews(sha)
        record = session.scalar(select(Attachment).where(Attachment.sha256 == sha))
        if record is None:
            record = Attachment(
                uuid=attachment_uuid(sha),
                sha256=sha,
                original_name=name[:255],
                media_type=media_type,
                size_bytes=len(data),
                owner_unit_id=owner_unit_id,
            )
            session.add(record)
            session.flush()
        return StoredFile(
            record.id, sha, record.original_name, record.media_type, record.size_bytes
        )

    def _previews_after(self, sha256: str) -> Callable[[Session], None]:
        """An ``after_commit`` listener making the previews of a photo just committed (one
        that cannot be made now is made on first request)."""

        def make(_session: Session) -> None:
            with suppress(UserError, OSError, SQLAlchemyError):
                self.make_previews(sha256)

        return make

    def add_verified(self, path: Path, sha256: str) -> None:
        """Put a file whose hash is already verified (from a package) into the store; its
        previews are made when first asked for (``thumbnail_bytes``, ``reduced_bytes``)."""
        if not self.has(sha256):
            self._write(ORIGINAL, sha256, Path(path).read_bytes())

    def receive(self, sha256: str, write: Callable[[BinaryIO], None]) -> None:
        """Put a file from an exchange package into the store by having ``write(out)`` write
        its plain content (in memory; files are at most 20 MB); the caller vouches for the
        hash. Its content is checked as a file a clerk attaches is (:func:`check_file`):
        anything but a real photo (JPEG, PNG) or PDF is not stored and raises ValidationError
        naming the attachment by its uuid. Stored sealed when the database has a key."""
        if self.has(sha256):
            return
        buffer = io.BytesIO()
        write(buffer)
        data = buffer.getvalue()
        try:
            check_content(data, f"{sha256[:12]}…")
        except ValidationError as exc:
            raise ValidationError(
                f"数据包中的附件 {attachment_uuid(sha256)} 不能存入：{exc.message}"
                "已拒绝整个数据包，数据库保持原样，没有任何改动。"
            ) from None
        self._write(ORIGINAL, sha256, data)

    # ------------------------------------------------------------ previews, made on request

    def make_previews(self, sha256: str) -> None:
        """Make the reduced copy (when the photo needs one), the print copy and the thumbnail
        of a stored photo now, those not made yet, from one decoding of the original (nothing
        for PDFs or odd files); otherwise each is made on first request."""
        files = self.files
        verdict = files.verdict_key(sha256)
        if verdict in _NO_PREVIEW:
            return
        with _preview_lock(sha256):
            want_reduced = verdict not in _SMALL and not files.exists(REDUCED, sha256)
            want_print = not files.exists(PRINT, sha256)
            want_thumb = not files.exists(THUMBNAIL, sha256)
            if not (want_reduced or want_print or want_thumb):
                return
            data = self._original_if_here(sha256)
            if data is None:
                return
            if want_reduced:
                needed = _needs_reduced_copy(data, verdict)
                if needed is None:
                    return
                if not needed:
                    _SMALL.add(verdict)
                    want_reduced = False
            side = REDUCED_MAX_SIDE if want_reduced else PRINT_MAX_SIDE
            image = _decoded_photo(data, verdict, side)  # upright RGB, at least ``side``
            if image is None:
                return
            if want_reduced:
                image.thumbnail((REDUCED_MAX_SIDE, REDUCED_MAX_SIDE))
                if not self._save_preview(image, verdict, REDUCED, sha256, quality=85):
                    return
            if want_print:  # scaled down in place: the thumbnail is made from it
                jpeg = _print_jpeg(image)[0]
                if not self._keep_preview(jpeg, verdict, PRINT, sha256):
                    return
            if want_thumb:
                image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
                self._save_preview(image, verdict, THUMBNAIL, sha256, quality=80)

    def _original_if_here(self, sha256: str) -> bytes | None:
        """The original's plain content, None when it is not (yet) in the store."""
        try:
            return self.read_original(sha256)
        except FileNotFoundError:
            return None

    def _make_thumbnail(self, sha256: str) -> bool:
        """Make the thumbnail if missing; whether it exists now."""
        verdict = self.files.verdict_key(sha256)
        if verdict in _NO_PREVIEW:
            return False
        with _preview_lock(sha256):
            if self.files.exists(THUMBNAIL, sha256):  # made meanwhile by another thread
                return True
            data = self._original_if_here(sha256)
            if data is None:
                return False
            # JPEG: decode at 1/2 to 1/8 scale, no smaller than twice the thumbnail (quality)
            image = _decoded_photo(data, verdict, 2 * THUMBNAIL_MAX_SIDE)
            if image is None:
                return False
            image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
            return self._save_preview(image, verdict, THUMBNAIL, sha256, quality=80)

    def _make_reduced(self, sha256: str) -> bool:
        """Make the reduced copy if the photo needs one and has none; whether it exists now."""
        verdict = self.files.verdict_key(sha256)
        if verdict in _NO_PREVIEW or verdict in _SMALL:
            return False
        with _preview_lock(sha256):
            if self.files.exists(REDUCED, sha256):
                return True
            data = self._original_if_here(sha256)
            if data is None:
                return False
            needed = _needs_reduced_copy(data, verdict)
            if needed is False:
                _SMALL.add(verdict)
            if not needed:
                return False
            image = _decoded_photo(data, verdict, REDUCED_MAX_SIDE)
            if image is None:
                return False
            image.thumbnail((REDUCED_MAX_SIDE, REDUCED_MAX_SIDE))
            return self._save_preview(image, verdict, REDUCED, sha256, quality=85)

    def _save_preview(
        self, image: Image.Image, verdict: str, kind: str, sha256: str, quality: int
    ) -> bool:
        """Write a preview JPEG atomically; False (remembered for the photo) if it cannot be."""
        try:
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality, optimize=True)
        except (OSError, ValueError):
            _NO_PREVIEW.add(verdict)
            return False
        return self._keep_preview(out.getvalue(), verdict, kind, sha256)

    def _keep_preview(self, data: bytes, verdict: str, kind: str, sha256: str) -> bool:
        """Write a made preview atomically; False (remembered for the photo) if it cannot be."""
        try:
            self._write(kind, sha256, data)
        except DataLocked:
            raise  # not the photo's fault: made once somebody logs in
        except (OSError, ValueError, UserError, SQLAlchemyError):  # a read-only store or role
            _NO_PREVIEW.add(verdict)
            return False
        return True

    def remove_files(self, sha256: str) -> None:
        """Delete a file and its previews (the caller checks nothing uses it)."""
        verdict = self.files.verdict_key(sha256)
        with _preview_lock(sha256):
            for kind in (ORIGINAL, REDUCED, THUMBNAIL, PRINT):
                self.files.remove(kind, sha256)
            _NO_PREVIEW.discard(verdict)
            _SMALL.discard(verdict)


# Previews are made on first request, possibly from more than one thread (the GUI, a worker,
# the threads making a package's previews): a lock per photo (one of 64, by the hash's first
# byte) serialises making one photo's previews while other photos' are made alongside, and
# each file is written under a temporary name and renamed into place, so a reader never sees
# half a JPEG. Verdicts are remembered for the
# process so that a list repainting its rows does not try again on every paint: originals that
# are no photo, cannot be read or whose preview cannot be written, and photos small enough to
# be their own reduced copy (a stored file's content never changes: it is named by its hash).
# They are keyed by the store and the photo (``verdict_key``).
_PREVIEW_LOCKS = tuple(threading.Lock() for _ in range(64))
_NO_PREVIEW: set[str] = set()
_SMALL: set[str] = set()
_UNREADABLE = (ValidationError, OSError, ValueError, SyntaxError)


def _preview_lock(sha256: str) -> threading.Lock:
    """The lock making this photo's previews (shared with a sixty-fourth of the others)."""
    return _PREVIEW_LOCKS[int(sha256[:2], 16) % len(_PREVIEW_LOCKS) if is_sha256(sha256) else 0]


@contextmanager
def _all_preview_locks() -> Iterator[None]:
    """Every preview lock, taken in order (nothing else holds more than one)."""
    with ExitStack() as stack:
        for lock in _PREVIEW_LOCKS:
            stack.enter_context(lock)
        yield


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """A kept print copy's width and height (from its header), None when it is no JPEG."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return (image.width, image.height) if image.format == "JPEG" else None
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def _print_jpeg(image: Image.Image) -> PrintCopy:
    """An upright RGB image's print copy: scaled down in place to at most ``PRINT_MAX_SIDE``
    px (bicubic, reducing by whole factors first down to twice the size) and saved as JPEG of
    quality ``PRINT_QUALITY``."""
    image.thumbnail((PRINT_MAX_SIDE, PRINT_MAX_SIDE), reducing_gap=2.0)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=PRINT_QUALITY)
    return out.getvalue(), image.width, image.height


def _print_copy_of(data: bytes) -> PrintCopy | None:
    """The print copy of a photo's content (a reduced copy, or an original: decoded, when a
    JPEG, at the smallest scale that keeps the print size, and turned upright); None when it
    is no readable photo."""
    from PIL import Image, ImageOps

    image: Image.Image
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            scale = PRINT_MAX_SIDE / max(width, height)
            if scale < 1:  # JPEG: decode at 1/2, 1/4 or 1/8 scale, still at least the print size
                image.draft("RGB", (int(width * scale), int(height * scale)))
            if image.getexif().get(ORIENTATION, 1) != 1:  # reduced copies are upright already
                image = ImageOps.exif_transpose(image)
            return _print_jpeg(image.convert("RGB"))
    except (*_UNREADABLE, Image.DecompressionBombError):
        return None


def _is_photo(data: bytes, verdict: str) -> bool:
    """Whether a stored file is a photo previews can be made of (False remembered)."""
    try:
        if check_content(data, verdict).startswith("image/"):
            return True
    except ValidationError:
        pass
    _NO_PREVIEW.add(verdict)
    return False


def _decoded_photo(data: bytes, verdict: str, at_least: int) -> Image.Image | None:
    """The photo as an upright RGB image, decoded (JPEG) at the smallest scale that keeps
    ``at_least`` pixels on each side; None when the content is no readable photo
    (remembered)."""
    from PIL import Image, ImageOps

    if not _is_photo(data, verdict):
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.draft("RGB", (at_least, at_least))
            return ImageOps.exif_transpose(opened).convert("RGB")
    except (*_UNREADABLE, Image.DecompressionBombError):
        _NO_PREVIEW.add(verdict)
        return None


def _needs_reduced_copy(data: bytes, verdict: str) -> bool | None:
    """Whether a photo is too large to be shown and printed as it is (from its header only);
    None when the content is no readable photo (remembered)."""
    from PIL import Image

    if not _is_photo(data, verdict):
        return None
    try:
        with Image.open(io.BytesIO(data)) as opened:
            side = max(opened.size)
        return side > REDUCED_MAX_SIDE or len(data) > 1_500_000
    except (*_UNREADABLE, Image.DecompressionBombError):
        _NO_PREVIEW.add(verdict)
        return None


def make_print_copies(store: AttachmentStore, shas: Iterable[str]) -> int:
    """Make the print copies of these stored photos not made yet (:meth:`AttachmentStore.
    print_copy`), on all cores (Pillow and AES release the GIL): for photos a package brought,
    so the PDFs printed over them (summaries, 台账卷) need not make them first. Returns how
    many of them have one now."""
    todo = [sha for sha in dict.fromkeys(shas) if store.has(sha)]
    if not todo:
        return 0
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 2)) as pool:
        list(pool.map(store.print_copy, todo))
    return sum(1 for sha in todo if store.has_print_copy(sha))


def seal_store_files(store: AttachmentStore, key: DataKey) -> int:
    """Seal a store whose database was just encrypted: every plain original is sealed in
    place (written under a temporary name, then replacing it; a row is replaced), and plain
    previews and print copies are removed (made again, sealed, when next asked for), as are
    temporary files an interrupted write left (older than a minute). Files already sealed are
    left as they are, so running it again does nothing. Returns how many originals it sealed.
    The store's own key provider is not used: ``key`` is the database's new key."""
    files = store.files
    sealer = AttachmentStore(files, key=lambda: key)
    sealed = 0
    for sha in files.shas(ORIGINAL):
        if not is_sha256(sha) or is_sealed_file(files.head(ORIGINAL, sha)):
            continue
        sealer._write(ORIGINAL, sha, files.read(ORIGINAL, sha))
        sealed += 1
    with _all_preview_locks():
        for kind in (REDUCED, THUMBNAIL, PRINT):
            for sha in files.shas(kind):
                if not is_sealed_file(files.head(kind, sha)):
                    files.remove(kind, sha)
        # left by a write that was cut off: in clear
        files.remove_stale_temporaries(time.time() - STALE_TEMPORARY_SECONDS)
    return sealed


def store_for(
    database_file: Path | None, key: KeyProvider = _no_key, engine: Engine | None = None
) -> AttachmentStore:
    """The store of a database, sealing with the key ``key()`` gives (``Database.attachments``
    passes the database's): a SQLite file's is the folder beside it (``bangjiao.db`` →
    ``bangjiao-files/``); any other database (a server) keeps its files in itself, as rows of
    ``attachment_blobs`` (``engine``), so that every PC using it sees the same photos."""
    if database_file is not None:
        return AttachmentStore(database_file.with_name(f"{database_file.stem}-files"), key)
    if engine is None:
        raise ValueError("a store in the database needs its engine")
    return AttachmentStore(DatabaseFiles(engine), key)
