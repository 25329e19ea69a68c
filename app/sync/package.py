"""The package file: a zip with a signed manifest (format in docs/exchange-format.md).

Writing streams every member into the zip while hashing it, so memory stays bounded however
large the package. Reading verifies everything — the zip's directory, entry safety, format
version, recipient, sender, signature, every member's SHA-256, sequence — before anything is
imported; every refusal is a PackageError with a Chinese message naming the problem.

Nothing large is read or parsed before the signature is checked: the zip's central directory
is counted while the zip module loads it (and may not exceed its limit), the manifest and the
signature are read in chunks up to their limits, and the signature is checked over the
manifest's raw bytes before they are parsed. The sender, whose key that needs, is read from a
small unsigned envelope (format 3) or from the fixed layout of a format-2 manifest, and must
then agree with the signed manifest.

Format 3 names photos by an HMAC of their SHA-256 under a random key of the package, kept
with the real hashes and sizes in a sealed index, and pads each photo (Padmé), so neither the
manifest nor the zip's directory tells someone holding a photo whether it is in the package.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TypeGuard

from app.services.errors import UserError
from app.services.files import replace_file
from app.services.private_files import create_private_file
from app.sync.crypto import CryptoError, KeyPairs, seal, verify

FORMAT = "bangjiao-package"
# 3: photos under keyed names with a sealed index, padded; an envelope names sender and recipient
# 2: every member but the manifest sealed to the recipient (still read)
FORMAT_VERSION = 3
OLDEST_READABLE = 2
MANIFEST, SIGNATURE, ENVELOPE, INDEX = (
    "manifest.json",
    "manifest.sig",
    "envelope.json",
    "index.json",
)
MAX_MEMBER_BYTES = 4 * 1024**3  # 4 GiB uncompressed for one member
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed beyond this is a zip bomb, not data
# Before the signature is checked (measured: the 100,000-entry bench package has 1,031 entries,
# a 187,135-byte manifest — about 170 bytes a member — and a central directory of about 120
# bytes an entry):
MAX_MEMBERS = 100_000  # entries of one package: a member per kind of record and per photo
MAX_DIRECTORY_BYTES = 16 << 20  # the zip's central directory, as the zip module loads it
MAX_NAME_BYTES = 255  # an entry's name (ours are at most 80)
MANIFEST_BASE_BYTES = 1 << 20  # a manifest: this, plus
MANIFEST_BYTES_PER_ENTRY = 512  # this for every entry of the zip (3× the measured line)
MAX_SIGNATURE_BYTES = 16 << 10  # an Ed25519 signature is 88 bytes of base64
MAX_ENVELOPE_BYTES = 64 << 10  # an envelope: about 600 bytes, and 330 for each key rotation
CHUNK = 1 << 20
LINES_PER_WRITE = 1000  # records encoded together
FRAME_PLAINTEXT = 1 << 20  # plaintext bytes sealed as one frame (records are deflated first)
FRAME_HEADER = 4  # big-endian length of the sealed frame that follows
MAX_FRAME_TEXT = 64 << 20  # a frame of records inflating beyond this is refused
MAX_FRAME_BYTES = MAX_FRAME_TEXT + (1 << 16)  # a sealed frame (deflate and seal overheads)
_LOADING_SLACK = 1 << 18  # reads while the zip module finds the directory (its end records)

# One encoder and decoder for every record: json.dumps with options builds an encoder per call.
# The text is exactly json.dumps(record, ensure_ascii=False, sort_keys=True) / json.loads(line).
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_decode = json.JSONDecoder().decode


class PackageError(UserError):
    """The package is refused; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class Party:
    """A sender or recipient as the manifest names it."""

    unit_uuid: str
    unit_name: str
    instance_uuid: str = ""

    def to_dict(self) -> dict[str, str]:
        """The manifest form."""
        return {
            "unit_uuid": self.unit_uuid,
            "unit_name": self.unit_name,
            "instance_uuid": self.instance_uuid,
        }


def _sealed_context(version: int, recipient_uuid: str, name: str) -> bytes:
    return f"{FORMAT}/{version}/{recipient_uuid}/{name}".encode()


def padded_length(size: int) -> int:
    """Padmé (Nikitin et al., PETS 2019): the length a file of ``size`` bytes is padded to.
    At most 12 % more (1–3 % for photos); the padded length tells only O(log log size) bits."""
    if size < 2:
        return size
    exponent = size.bit_length() - 1
    mask = (1 << (exponent - exponent.bit_length())) - 1
    return (size + mask) & ~mask


def keyed_file_name(key: bytes, sha256: str) -> str:
    """A photo's member name in format 3: ``files/`` + HMAC-SHA256(package key, its SHA-256)."""
    return "files/" + hmac.new(key, sha256.encode("ascii"), hashlib.sha256).hexdigest()


def _pieces(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The bytes of ``chunks`` cut into pieces of exactly ``size`` (the last may be shorter)."""
    held = bytearray()
    for chunk in chunks:
        if not held and len(chunk) == size:
            yield chunk
            continue
        held += chunk
        while len(held) >= size:
            yield bytes(held[:size])
            del held[:size]
    if held:
        yield bytes(held)


class PackageWriter:
    """Writes one package. Use as a context manager; the manifest is signed on close.

    Members: ``records/<kind>.jsonl`` (JSON lines, deflated) and the photos and scans, each
    stored as sealed frames: everything but the signed manifest and the envelope is readable
    only with the recipient's private key. Format 3 (the default) names a photo
    ``files/<HMAC of its SHA-256>``, pads it, and seals the index of real hashes and sizes;
    ``format_version=2`` writes what a format-2 program wrote (``files/<sha256>``, no padding).
    """

    def __init__(
        self,
        path: Path,
        *,
        sender: Party,
        recipient: Party,
        sequence: int,
        keys: KeyPairs,
        recipient_encryption_key: str | None = None,
        extra: dict[str, Any] | None = None,
        format_version: int = FORMAT_VERSION,
    ) -> None:
        if not OLDEST_READABLE <= format_version <= FORMAT_VERSION:
            raise ValueError(f"cannot write format {format_version}")
        self.path = Path(path)
        self.sender, self.recipient, self.sequence = sender, recipient, sequence
        self.keys = keys
        self.recipient_encryption_key = recipient_encryption_key
        self.extra = extra or {}
        self.version = format_version
        self.members: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, int] = {}
        self._file_key = secrets.token_bytes(32)
        self._files: dict[str, dict[str, Any]] = {}  # keyed member name → real sha256, size
        self._temp = self.path.with_name(f".{self.path.name}.part")
        self._temp.unlink(missing_ok=True)
        create_private_file(self._temp)  # owner only; ZipFile's "w" keeps the mode
        self._zip = zipfile.ZipFile(
            self._temp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
        )

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._discard()

    def _discard(self) -> None:
        """Remove the partly written file (whatever closing it says: a full disk, FAT32's
        4 GiB): no ``.part`` file is ever left behind."""
        try:
            self._zip.close()
        except Exception:  # the file is thrown away: the first error is the one reported
            handle = getattr(self._zip, "fp", None)  # still open (Windows cannot delete it then)
            if handle is not None:
                with contextlib.suppress(Exception):
                    handle.close()
        finally:
            self._temp.unlink(missing_ok=True)

    def _record(self, name: str, digest: str, size: int) -> None:
        self.members[name] = {"sha256": digest, "size": size}

    def _sealer(self, name: str) -> Callable[[int, bytes], bytes]:
        if not self.recipient_encryption_key:
            raise PackageError(f"缺少“{self.recipient.unit_name}”的加密公钥，不能导出数据包。")
        key = self.recipient_encryption_key
        context = _sealed_context(self.version, self.recipient.unit_uuid, name)
        return lambda index, plaintext: seal(key, plaintext, context + b"/%d" % index)

    def _write_frames(
        self,
        name: str,
        chunks: Iterable[bytes],
        compress: bool,
        info: zipfile.ZipInfo | None = None,
    ) -> tuple[str, int]:
        """Seal each chunk as a frame (deflated first for records) into member ``name``."""
        sealer = self._sealer(name)
        digest, size = hashlib.sha256(), 0
        target = info if info is not None else name
        with self._zip.open(target, "w", force_zip64=True) as out:
            for index, chunk in enumerate(chunks):
                frame = sealer(index, zlib.compress(chunk, 6) if compress else chunk)
                data = len(frame).to_bytes(FRAME_HEADER, "big") + frame
                out.write(data)
                digest.update(data)
                size += len(data)
        return digest.hexdigest(), size

    def _stored(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # sealed bytes do not deflate
        return info

    def add_records(self, kind: str, records: Iterable[dict[str, Any]]) -> int:
        """Stream records of one kind into ``records/<kind>.jsonl`` (sealed); how many."""
        name = f"records/{kind}.jsonl"
        count = 0

        def chunks() -> Iterator[bytes]:
            nonlocal count
            buffer: list[bytes] = []
            held = 0
            lines: list[str] = []
            for record in records:
                lines.append(_encode(record))
                count += 1
                if len(lines) == LINES_PER_WRITE:
                    lines.append("")  # every line ends with \n
                    data = "\n".join(lines).encode("utf-8")
                    lines.clear()
                    buffer.append(data)
                    held += len(data)
                    if held >= FRAME_PLAINTEXT:
                        yield b"".join(buffer)
                        buffer, held = [], 0
            if lines:
                lines.append("")
                buffer.append("\n".join(lines).encode("utf-8"))
            if buffer:
                yield b"".join(buffer)

        # deflated inside each frame, stored in the zip
        digest, size = self._write_frames(name, chunks(), compress=True, info=self._stored(name))
        self._record(name, digest, size)
        self.counts[kind] = self.counts.get(kind, 0) + count
        return count

    def add_file(self, path: Path | bytes, sha256: str) -> None:
        """A stored photo or scan (a file, or its plain content), whose plaintext's SHA-256 is
        ``sha256``: in format 3 as ``files/<keyed name>``, padded, in format 2 as
        ``files/<sha256>``."""
        keyed = self.version >= 3
        name = keyed_file_name(self._file_key, sha256) if keyed else f"files/{sha256}"
        if name in self.members:
            return
        if len(self.members) + 5 > MAX_MEMBERS:  # with the index, envelope, manifest, signature
            raise PackageError(
                f"要导出的照片和扫描件太多，一个数据包最多 {MAX_MEMBERS:,} 个条目，装不下。"
                "请联系技术人员。"
            )
        plain, length = hashlib.sha256(), 0

        def chunks() -> Iterator[bytes]:
            nonlocal length
            with io.BytesIO(path) if isinstance(path, bytes) else Path(path).open("rb") as source:
                for chunk in iter(lambda: source.read(FRAME_PLAINTEXT), b""):
                    plain.update(chunk)
                    length += len(chunk)
                    yield chunk
            if keyed:  # zeros up to the padded length, cut into the same frames as the file
                padding = padded_length(length) - length
                while padding > 0:
                    step = min(padding, FRAME_PLAINTEXT)
                    yield bytes(step)
                    padding -= step

        pieces = _pieces(chunks(), FRAME_PLAINTEXT) if keyed else chunks()
        digest, size = self._write_frames(name, pieces, compress=False, info=self._stored(name))
        if plain.hexdigest() != sha256:
            shown = f"{sha256[:12]}…" if isinstance(path, bytes) else Path(path).name
            raise PackageError(f"附件 {shown} 在存储中已损坏（内容与其 SHA-256 不符）。")
        self._record(name, digest, size)
        if keyed:
            self._files[name] = {"sha256": sha256, "size": length}

    def _envelope(self) -> dict[str, Any]:
        envelope = {
            "format": FORMAT,
            "format_version": self.version,
            "sender": self.sender.to_dict(),
            "recipient": self.recipient.to_dict(),
            "sequence": self.sequence,
        }
        for name in ("introduction", "key_rotations"):  # what proves the sender's key
            if name in self.extra:
                envelope[name] = self.extra[name]
        return envelope

    def close(self) -> Path:
        """Write the sealed index (format 3), the envelope, and the signed manifest, then move
        the finished file into place; on any failure the partly written file is removed."""
        try:
            return self._finish()
        except BaseException:
            self._discard()
            raise

    def _finish(self) -> Path:
        if self._files:
            index = json.dumps({"key": self._file_key.hex(), "files": self._files}, sort_keys=True)
            text = index.encode("ascii")
            pieces = (text[i : i + FRAME_PLAINTEXT] for i in range(0, len(text), FRAME_PLAINTEXT))
            digest, size = self._write_frames(
                INDEX, pieces, compress=True, info=self._stored(INDEX)
            )
            self._record(INDEX, digest, size)
        manifest = {
            **self._envelope(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "counts": self.counts,
            "members": self.members,
            **self.extra,
        }
        data = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        if self.version >= 3:
            envelope = self._envelope()
            self._zip.writestr(
                ENVELOPE, json.dumps(envelope, ensure_ascii=False, sort_keys=True, indent=1)
            )
        self._zip.writestr(MANIFEST, data)
        self._zip.writestr(SIGNATURE, self.keys.sign(data))
        self._zip.close()
        replace_file(self._temp, self.path)
        return self.path


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _party(value: Any) -> TypeGuard[dict[str, str]]:
    return (
        isinstance(value, dict)
        and all(isinstance(v, str) for v in value.values())
        and isinstance(value.get("unit_uuid"), str)
        and isinstance(value.get("unit_name"), str)
    )


@dataclass(frozen=True)
class Envelope:
    """What routes a package before its signature is checked: format, version, sender,
    recipient, sequence, and what proves the sender's key (a unit's ``introduction`` of its
    keys, an office's ``key_rotations``). Unsigned — format 3's ``envelope.json``, or read from
    the fixed layout of a format-2 manifest — so it only picks the key and the messages; the
    signed manifest must then say the same."""

    format_version: int
    sender: dict[str, str]
    recipient: dict[str, str]
    sequence: int
    introduction: dict[str, Any] | None
    key_rotations: list[Any] | None = None

    @classmethod
    def parse(cls, data: Any, file_name: str) -> Envelope:
        """An envelope from its JSON value; a PackageError for another program's file, a newer
        or older format, or a damaged envelope."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise PackageError(f"“{file_name}”不是大帮教工作台的数据包。")
        version = data.get("format_version")
        if not _is_int(version):
            raise PackageError("数据包清单已损坏。")
        if version > FORMAT_VERSION:
            raise PackageError("这个数据包由更新版本的大帮教工作台生成，请先升级本程序再导入。")
        if version < OLDEST_READABLE:
            raise PackageError(
                f"这个数据包由旧版本的大帮教工作台生成（格式 {version}），本程序不再读取。"
                "请发送单位升级后重新导出。"
            )
        sender, recipient = data.get("sender"), data.get("recipient")
        sequence, introduction = data.get("sequence"), data.get("introduction")
        rotations = data.get("key_rotations")
        if not (
            _party(sender)
            and _party(recipient)
            and _is_int(sequence)
            and (introduction is None or isinstance(introduction, dict))
            and (rotations is None or isinstance(rotations, list))
        ):
            raise PackageError("数据包清单已损坏。")
        return cls(version, sender, recipient, sequence, introduction, rotations)

    def fields(self) -> dict[str, Any]:
        """The envelope as the manifest has it (keys absent there are left out)."""
        found: dict[str, Any] = {
            "format": FORMAT, "format_version": self.format_version, "sender": self.sender,
            "recipient": self.recipient, "sequence": self.sequence,
            "introduction": self.introduction, "key_rotations": self.key_rotations,
        }  # fmt: skip
        return {key: value for key, value in found.items() if value is not None}

    def agrees_with(self, manifest: dict[str, Any]) -> bool:
        """Whether the signed manifest says the same."""
        return (
            manifest.get("format") == FORMAT
            and manifest.get("format_version") == self.format_version
            and manifest.get("sender") == self.sender
            and manifest.get("recipient") == self.recipient
            and manifest.get("sequence") == self.sequence
            and manifest.get("introduction") == self.introduction
            and manifest.get("key_rotations") == self.key_rotations
        )


_ROUTING = ("format", "format_version", "introduction", "key_rotations", "recipient", "sender",
            "sequence")  # fmt: skip


def _legacy_routing(raw: bytes) -> dict[str, Any]:
    """The routing fields of a format-2 manifest without parsing it: its writer always used
    ``json.dumps(sort_keys=True, indent=1)``, so a top-level key starts a line with one space,
    an object value ends at the next line that is " }", and a JSON string never holds a line
    break. Each value found is parsed alone (a few hundred bytes at most)."""
    found: dict[str, Any] = {}
    for key in _ROUTING:
        marker = b'\n "' + key.encode("ascii") + b'": '
        at = raw.find(marker)
        if at < 0:
            continue
        start = at + len(marker)
        if raw[start : start + 1] == b"{":
            end = raw.find(b"\n }", start)
            end = end + 3 if end >= 0 else -1
        else:
            ends = [i for i in (raw.find(b",\n", start), raw.find(b"\n}", start)) if i >= 0]
            end = min(ends) if ends else -1
        if end < 0 or end - start > MAX_ENVELOPE_BYTES:
            raise PackageError("数据包清单已损坏。")
        try:
            found[key] = json.loads(raw[start:end])
        except (ValueError, RecursionError):
            raise PackageError("数据包清单已损坏。") from None
    return found


@dataclass
class VerifiedPackage:
    """A package that passed every check; members can be read (and are re-hashed)."""

    path: Path
    manifest: dict[str, Any]
    _zip: zipfile.ZipFile = field(repr=False)
    _files: dict[str, tuple[str, int | None]] | None = field(default=None, repr=False)

    @property
    def sender(self) -> dict[str, str]:
        """The manifest's sender."""
        sender: dict[str, str] = self.manifest["sender"]
        return sender

    @property
    def sequence(self) -> int:
        """The sender's sequence number of this package."""
        return int(self.manifest["sequence"])

    @property
    def version(self) -> int:
        """The package's format version."""
        return int(self.manifest["format_version"])

    def _frames(self, name: str, keys: KeyPairs) -> Iterator[bytes]:
        """The plaintext of each sealed frame of a member, in order."""
        recipient = self.manifest["recipient"]["unit_uuid"]
        context = _sealed_context(self.version, recipient, name)
        with self._zip.open(name) as fh:
            index = 0
            while header := fh.read(FRAME_HEADER):
                length = int.from_bytes(header, "big")
                if len(header) == FRAME_HEADER and length > MAX_FRAME_BYTES:
                    raise PackageError(f"数据包中的“{name}”大小异常（可能是恶意文件），已拒绝。")
                frame = fh.read(length)
                if len(header) != FRAME_HEADER or len(frame) != length:
                    raise PackageError(f"数据包中的“{name}”不完整。已拒绝。")
                try:
                    yield keys.open_sealed(frame, context + b"/%d" % index)
                except CryptoError:
                    raise PackageError(
                        "数据包内容无法解密：它不是用本机的密钥加密的。已拒绝。"
                        "如果本单位已换用新电脑（发送单位为本单位重新发放过接入凭证），"
                        "这台旧电脑就不能再交换数据了，请在新电脑上导入；否则请对方重新导出数据包。"
                    ) from None
                index += 1

    def _inflated(self, frame: bytes, name: str, limit: int) -> bytes:
        inflate = zlib.decompressobj()
        try:
            data = inflate.decompress(frame, limit)
        except zlib.error:
            raise PackageError(f"数据包中的“{name}”已损坏。已拒绝。") from None
        if inflate.unconsumed_tail:
            raise PackageError(f"数据包中的“{name}”大小异常（可能是恶意文件），已拒绝。")
        return data

    def records(self, kind: str, keys: KeyPairs) -> Iterator[dict[str, Any]]:
        """The records of one kind, decrypted and streamed."""
        name = f"records/{kind}.jsonl"
        if name not in self.manifest["members"]:
            return
        for frame in self._frames(name, keys):
            text = self._inflated(frame, name, MAX_FRAME_TEXT).decode("utf-8")
            for line in text.split("\n"):
                if line.strip():
                    yield _decode(line)

    def _file_index(self, keys: KeyPairs) -> dict[str, tuple[str, int | None]]:
        """Each carried file's SHA-256 → its member name and plaintext size (format 3: from the
        sealed index, each name checked to be the keyed hash; format 2: the name is the hash)."""
        if self._files is not None:
            return self._files
        names = [name for name in self.manifest["members"] if name.startswith("files/")]
        files: dict[str, tuple[str, int | None]] = {}
        if self.version < 3:
            files = {name.removeprefix("files/"): (name, None) for name in names}
        elif names:
            if INDEX not in self.manifest["members"]:
                raise PackageError("数据包缺少附件目录（可能被篡改或损坏）。已拒绝。")
            limit = MANIFEST_BASE_BYTES + MANIFEST_BYTES_PER_ENTRY * len(names)
            text = bytearray()
            for frame in self._frames(INDEX, keys):
                text += self._inflated(frame, INDEX, limit + 1 - len(text))
                if len(text) > limit:
                    raise PackageError("数据包的附件目录大小异常（可能是恶意文件），已拒绝。")
            damaged = PackageError("数据包的附件目录已损坏（可能被篡改）。已拒绝。")
            try:
                index = json.loads(text)
                key, entries = bytes.fromhex(index["key"]), index["files"]
                if not isinstance(entries, dict) or set(entries) != set(names):
                    raise damaged
                for name, entry in entries.items():
                    sha, size = entry["sha256"], entry["size"]
                    if not (
                        isinstance(sha, str)
                        and _SHA256.fullmatch(sha)
                        and _is_int(size)
                        and 0 <= size <= MAX_MEMBER_BYTES
                        and keyed_file_name(key, sha) == name
                    ):
                        raise damaged
                    files[sha] = (name, size)
            except (KeyError, TypeError, ValueError, RecursionError):
                raise damaged from None
        self._files = files
        return files

    def file_names(self, keys: KeyPairs) -> list[str]:
        """The SHA-256 of each file carried."""
        return list(self._file_index(keys))

    def extract_file(self, sha256: str, target: Path | BinaryIO, keys: KeyPairs) -> None:
        """Decrypt the file whose SHA-256 is ``sha256`` to ``target`` (a file, or an open
        binary stream) without its padding, checking the plaintext is what the package says."""
        found = self._file_index(keys).get(sha256)
        if found is None:
            raise PackageError(f"数据包中没有文件“{sha256[:12]}…”。")
        name, size = found
        digest, written = hashlib.sha256(), 0
        with contextlib.ExitStack() as stack:
            out = (stack.enter_context(Path(target).open("wb"))
                   if isinstance(target, str | os.PathLike) else target)  # fmt: skip
            for frame in self._frames(name, keys):
                if size is not None and written + len(frame) > size:
                    frame = frame[: size - written]  # the rest is padding
                out.write(frame)
                digest.update(frame)
                written += len(frame)
        if (size is not None and written != size) or digest.hexdigest() != sha256:
            raise PackageError(
                f"数据包中的文件“{sha256[:12]}…”内容与其名称不符（可能被篡改或损坏）。已拒绝。"
            )

    def close(self) -> None:
        """Release the file."""
        self._zip.close()


def _count_entries(data: bytes) -> None:
    """Walk a central directory (46-byte headers, each followed by its name, extra field and
    comment) and refuse too many entries or an over-long name."""
    count, at = 0, 0
    while at + 46 <= len(data) and data[at : at + 4] == b"PK\x01\x02":
        name, extra, comment = struct.unpack_from("<3H", data, at + 28)
        if name > MAX_NAME_BYTES:
            raise PackageError("数据包中有名称过长的条目（可能是恶意文件），已拒绝，未读取其内容。")
        count += 1
        if count > MAX_MEMBERS:
            raise PackageError(
                f"数据包条目数量异常（超过 {MAX_MEMBERS:,} 个），已拒绝，未读取其内容。"
            )
        at += 46 + name + extra + comment


class _DirectoryGuard(io.BufferedReader):
    """The package file as the zip module reads it. While the module loads the central
    directory (``loading``) it may read at most MAX_DIRECTORY_BYTES in all (and a little for
    the end records), and each read is walked as a directory first (``_count_entries``), so
    a file naming a million entries is refused before an object is made for each."""

    def __init__(self, path: Path) -> None:
        super().__init__(io.FileIO(path, "rb"))
        self.loading = True
        self._loaded = 0

    def read(self, size: int | None = -1, /) -> bytes:
        """As BufferedReader.read, checked while the directory loads."""
        if not self.loading:
            return super().read(size)
        if size is None or size < 0:
            size = max(0, os.fstat(self.fileno()).st_size - self.tell())
        if self._loaded + size > MAX_DIRECTORY_BYTES + _LOADING_SLACK:
            raise PackageError("数据包的目录大小异常（可能是恶意文件），已拒绝，未读取其内容。")
        data = super().read(size)
        self._loaded += len(data)
        _count_entries(data)
        return data


class _PackageZip(zipfile.ZipFile):
    """A package's zip, its directory loaded through ``_DirectoryGuard``."""

    def __init__(self, path: Path) -> None:
        self._source = _DirectoryGuard(path)
        try:
            super().__init__(self._source)
        except BaseException:
            self._source.close()
            raise
        self._source.loading = False

    def close(self) -> None:
        """Close the zip and the file (also for one whose file could not be opened)."""
        source = getattr(self, "_source", None)
        try:
            if hasattr(self, "fp"):
                super().close()
        finally:
            if source is not None:
                source.close()


def _check_entries(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError("数据包条目数量异常，已拒绝。")
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        pure = PurePosixPath(name)
        mode = info.external_attr >> 16
        if (
            name.startswith(("/", "\\"))
            or ":" in name
            or "\\" in name
            or pure.is_absolute()
            or ".." in pure.parts
        ):
            raise PackageError(f"数据包中有不安全的路径“{name}”，已拒绝，未写入任何内容。")
        if name in seen:
            raise PackageError(
                f"数据包中有两个同名的条目“{name}”（可能被篡改：不同的程序会读到不同的内容）。"
                "已拒绝，未写入任何内容。"
            )
        seen.add(name)
        if stat.S_ISLNK(mode):
            raise PackageError(f"数据包中有链接“{name}”，已拒绝，未写入任何内容。")
        if info.file_size > MAX_MEMBER_BYTES:
            raise PackageError(f"数据包中的“{name}”大小异常，已拒绝。")
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_RATIO
            and info.file_size > CHUNK
        ):
            raise PackageError(f"数据包中的“{name}”压缩比异常（可能是恶意文件），已拒绝。")
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise PackageError("数据包解压后大小异常，已拒绝。")


def _read_limited(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, refusal: str
) -> bytes:
    """A small member's bytes, read in chunks and never beyond ``limit`` (its declared size is
    checked before anything is read)."""
    if info.file_size > limit:
        raise PackageError(refusal)
    data = bytearray()
    with archive.open(info) as fh:
        while chunk := fh.read(min(CHUNK, limit + 1 - len(data))):
            data += chunk
            if len(data) > limit:
                raise PackageError(refusal)
    return bytes(data)


def manifest_limit(entries: int) -> int:
    """The most bytes a manifest may have in a zip of ``entries`` entries."""
    return MANIFEST_BASE_BYTES + MANIFEST_BYTES_PER_ENTRY * entries


def _manifest_bytes(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> bytes:
    info, limit = infos[MANIFEST], manifest_limit(len(infos))
    return _read_limited(
        archive,
        info,
        limit,
        f"数据包清单大小异常（{info.file_size:,} 字节，这个数据包的清单最多应有 {limit:,} 字节），"
        "可能是恶意文件。已拒绝，未读取清单。",
    )


def _signature(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> bytes:
    return _read_limited(
        archive,
        infos[SIGNATURE],
        MAX_SIGNATURE_BYTES,
        f"数据包签名大小异常（{infos[SIGNATURE].file_size:,} 字节，签名最多应有 "
        f"{MAX_SIGNATURE_BYTES:,} 字节），可能是恶意文件。已拒绝。",
    )


def _read_head(archive: zipfile.ZipFile, path: Path) -> tuple[Envelope, dict[str, zipfile.ZipInfo]]:
    """Check the entries, and the manifest's and signature's declared sizes against their
    limits; then read the envelope (format 3) or the routing fields of a format-2 manifest."""
    _check_entries(archive)
    infos = {info.filename: info for info in archive.infolist()}
    if MANIFEST not in infos or SIGNATURE not in infos:
        raise PackageError(f"“{path.name}”缺少清单或签名，不是完整的数据包。")
    if infos[MANIFEST].file_size > manifest_limit(len(infos)):
        _manifest_bytes(archive, infos)  # refused by its declared size, nothing read
    if infos[SIGNATURE].file_size > MAX_SIGNATURE_BYTES:
        _signature(archive, infos)  # likewise
    if ENVELOPE not in infos:
        envelope = Envelope.parse(_legacy_routing(_manifest_bytes(archive, infos)), path.name)
        if envelope.format_version >= 3:
            raise PackageError(f"“{path.name}”已损坏或不完整（缺少收发信息）。")
        return envelope, infos
    raw = _read_limited(
        archive,
        infos[ENVELOPE],
        MAX_ENVELOPE_BYTES,
        "数据包的收发信息大小异常（可能是恶意文件）。已拒绝。",
    )
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise PackageError("数据包的收发信息已损坏。") from None
    return Envelope.parse(data, path.name), infos


_DAMAGED = (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, TypeError)


def _envelope(path: Path) -> Envelope | None:
    """A package's envelope, unverified (None for a file that is not a readable package)."""
    try:
        with _PackageZip(Path(path)) as archive:
            return _read_head(archive, Path(path))[0]
    except (PackageError, *_DAMAGED):
        return None


def read_envelope(path: Path) -> dict[str, Any] | None:
    """What a package says before its signature is checked — format, version, sender,
    recipient, sequence, ``introduction``, ``key_rotations`` — each part read within its limit
    and nothing large parsed; None for a file that is not a readable package. Unverified."""
    envelope = _envelope(path)
    return envelope.fields() if envelope is not None else None


def signed_manifest(path: Path) -> tuple[bytes, str] | None:
    """A package's manifest bytes and signature, each read within its limit (None if
    unreadable or too large): to try a signature with more than one key."""
    try:
        with _PackageZip(Path(path)) as archive:
            _envelope, infos = _read_head(archive, Path(path))
            raw = _manifest_bytes(archive, infos)
            return raw, _signature(archive, infos).decode("ascii")
    except (PackageError, UnicodeDecodeError, *_DAMAGED):
        return None


def package_order_key(path: Path) -> tuple[str, str, int, str]:
    """Sort packages of a folder so each sender install's packages import in sequence."""
    envelope = _envelope(path)
    if envelope is None:
        return ("", "", 0, path.name)  # unreadable: tried (and refused) first, with its message
    sender = envelope.sender
    return (sender["unit_uuid"], sender.get("instance_uuid", ""), envelope.sequence, path.name)


def peek_introduction(path: Path) -> dict[str, Any] | None:
    """The unverified ``introduction`` a unit's first packages carry (its public keys and the
    token proof); the signature is checked with those keys right after."""
    envelope = _envelope(path)
    return envelope.introduction if envelope is not None else None


def open_package(
    path: Path,
    *,
    me: str,
    sender_signing_key: Callable[[str], str | None],
    last_sequence: Callable[[str, str], int] = lambda _unit, _instance: 0,
) -> VerifiedPackage:
    """Verify a package without touching the database; raise PackageError on any problem.

    ``me`` is this install's unit UUID, ``sender_signing_key(unit_uuid)`` the registered public
    signing key of a sender (None if unknown), ``last_sequence(unit, instance)`` the highest
    sequence already imported from that sender unit's install. Before the signature is checked
    only the zip's directory, the envelope and the manifest's raw bytes are read, each within
    its limit; the manifest is parsed only once its signature verifies.
    """
    path = Path(path)
    if not path.is_file():
        raise PackageError(f"找不到数据包文件“{path}”。")
    if path.suffix.lower() == ".cred":
        raise PackageError(
            f"“{path.name}”是接入凭证，不是数据包。接入凭证请在“数据交换”页面点“用接入凭证接入…”使用；"
            "导入的应当是扩展名为 .bjpkg 的数据包文件。"
        )
    try:
        archive = _PackageZip(path)
    except zipfile.BadZipFile:
        raise PackageError(
            f"“{path.name}”不是数据包文件，或文件不完整（可能没有复制完）。"
        ) from None
    except OSError:
        raise PackageError(f"“{path.name}”已损坏或不完整（可能没有复制完）。") from None
    try:
        envelope, infos = _read_head(archive, path)
        recipient, sender = envelope.recipient, envelope.sender
        if recipient["unit_uuid"] != me:
            raise PackageError(f"这个数据包是发给“{recipient['unit_name']}”的，不是发给本单位的。")
        key = sender_signing_key(sender["unit_uuid"])
        if key is None:
            raise PackageError(f"发送单位“{sender['unit_name']}”尚未登记，不能导入它的数据包。")
        raw = _manifest_bytes(archive, infos)
        try:
            verify(key, raw, _signature(archive, infos).decode("ascii"))
        except (CryptoError, UnicodeDecodeError):
            raise PackageError(
                "数据包签名不符：清单可能被篡改，或不是该单位发出的。已拒绝。"
            ) from None
        try:
            manifest = json.loads(raw)
        except (ValueError, RecursionError):
            raise PackageError("数据包清单已损坏。") from None
        if not isinstance(manifest, dict) or not envelope.agrees_with(manifest):
            raise PackageError("数据包的收发信息与签名的清单不一致（可能被篡改）。已拒绝。")
        members = manifest["members"]
        if not isinstance(members, dict):
            raise PackageError("数据包清单已损坏。")
        names = set(infos)
        outside = {MANIFEST, SIGNATURE} | ({ENVELOPE} if envelope.format_version >= 3 else set())
        unlisted = names - set(members) - outside
        if unlisted:
            raise PackageError(
                f"数据包中有清单以外的内容（{sorted(unlisted)[0]}），可能被篡改。已拒绝。"
            )
        for name, info in members.items():
            if name not in names or name in outside:
                raise PackageError(f"数据包不完整：缺少“{name}”。")
            digest, size = _hash_member(archive, name)
            if digest != info["sha256"] or size != info["size"]:
                raise PackageError(f"数据包中的“{name}”与清单不符（可能被篡改或损坏）。已拒绝。")
        done = last_sequence(sender["unit_uuid"], sender.get("instance_uuid", ""))
        if envelope.sequence <= done:
            raise PackageError(
                f"这个数据包（{sender['unit_name']}第 {envelope.sequence} 号）已经导入过，"
                f"或比已导入的第 {done} 号更旧。"
            )
    except PackageError:
        archive.close()
        raise
    except _DAMAGED:
        archive.close()
        raise PackageError(f"“{path.name}”已损坏或不完整（可能没有复制完）。") from None
    return VerifiedPackage(path, manifest, archive)


def _hash_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
