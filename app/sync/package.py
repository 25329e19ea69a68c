"""The package file: a zip with a signed manifest (format in docs/exchange-format.md).

Writing streams every member into the zip while hashing it, so memory stays bounded however
large the package. Reading verifies everything — entry safety, format version, recipient,
sender, signature, every member's SHA-256, sequence — before anything is imported; every
refusal is a PackageError with a Chinese message naming the problem.
"""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from app.services.errors import UserError
from app.sync.crypto import CryptoError, KeyPairs, seal, verify

FORMAT = "bangjiao-package"
FORMAT_VERSION = 2  # 2: every member but the manifest is sealed to the recipient
MANIFEST, SIGNATURE = "manifest.json", "manifest.sig"
MAX_MEMBER_BYTES = 4 * 1024**3  # 4 GiB uncompressed for one member
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed beyond this is a zip bomb, not data
MAX_MEMBERS = 1_000_000
CHUNK = 1 << 20
LINES_PER_WRITE = 1000  # records encoded together
FRAME_PLAINTEXT = 1 << 20  # plaintext bytes sealed as one frame (records are deflated first)
FRAME_HEADER = 4  # big-endian length of the sealed frame that follows
MAX_FRAME_TEXT = 64 << 20  # a frame of records inflating beyond this is refused

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


def _sealed_context(recipient: Party, name: str) -> bytes:
    return f"{FORMAT}/{FORMAT_VERSION}/{recipient.unit_uuid}/{name}".encode()


class PackageWriter:
    """Writes one package. Use as a context manager; the manifest is signed on close.

    Members: ``records/<kind>.jsonl`` (JSON lines, deflated) and ``files/<sha256>`` (photos
    and scans), each stored as sealed frames: everything but the signed manifest is readable
    only with the recipient's private key.
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
    ) -> None:
        self.path = Path(path)
        self.sender, self.recipient, self.sequence = sender, recipient, sequence
        self.keys = keys
        self.recipient_encryption_key = recipient_encryption_key
        self.extra = extra or {}
        self.members: dict[str, dict[str, Any]] = {}
        self.counts: dict[str, int] = {}
        self._temp = self.path.with_name(f".{self.path.name}.part")
        self._zip = zipfile.ZipFile(
            self._temp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
        )

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self._zip.close()
            self._temp.unlink(missing_ok=True)

    def _record(self, name: str, digest: str, size: int) -> None:
        self.members[name] = {"sha256": digest, "size": size}

    def _sealer(self, name: str) -> Callable[[int, bytes], bytes]:
        if not self.recipient_encryption_key:
            raise PackageError(f"缺少“{self.recipient.unit_name}”的加密公钥，不能导出数据包。")
        key, context = self.recipient_encryption_key, _sealed_context(self.recipient, name)
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

        info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # sealed bytes do not deflate; deflated inside
        digest, size = self._write_frames(name, chunks(), compress=True, info=info)
        self._record(name, digest, size)
        self.counts[kind] = self.counts.get(kind, 0) + count
        return count

    def add_file(self, path: Path, sha256: str) -> None:
        """A stored photo or scan, as ``files/<sha256>`` (its name is its plaintext's hash)."""
        name = f"files/{sha256}"
        if name in self.members:
            return
        plain = hashlib.sha256()

        def chunks() -> Iterator[bytes]:
            with Path(path).open("rb") as source:
                for chunk in iter(lambda: source.read(FRAME_PLAINTEXT), b""):
                    plain.update(chunk)
                    yield chunk

        info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # photos and PDFs are compressed already
        digest, size = self._write_frames(name, chunks(), compress=False, info=info)
        if plain.hexdigest() != sha256:
            raise PackageError(f"附件 {path.name} 在存储中已损坏（内容与其 SHA-256 不符）。")
        self._record(name, digest, size)

    def close(self) -> Path:
        """Write and sign the manifest, then move the finished file into place."""
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "sender": self.sender.to_dict(),
            "recipient": self.recipient.to_dict(),
            "sequence": self.sequence,
            "counts": self.counts,
            "members": self.members,
            **self.extra,
        }
        data = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        self._zip.writestr(MANIFEST, data)
        self._zip.writestr(SIGNATURE, self.keys.sign(data))
        self._zip.close()
        self._temp.replace(self.path)
        return self.path


@dataclass
class VerifiedPackage:
    """A package that passed every check; members can be read (and are re-hashed)."""

    path: Path
    manifest: dict[str, Any]
    _zip: zipfile.ZipFile = field(repr=False)

    @property
    def sender(self) -> dict[str, str]:
        """The manifest's sender."""
        sender: dict[str, str] = self.manifest["sender"]
        return sender

    @property
    def sequence(self) -> int:
        """The sender's sequence number of this package."""
        return int(self.manifest["sequence"])

    def _frames(self, name: str, keys: KeyPairs) -> Iterator[bytes]:
        """The plaintext of each sealed frame of a member, in order."""
        context = _sealed_context(Party(**self.manifest["recipient"]), name)
        with self._zip.open(name) as fh:
            index = 0
            while header := fh.read(FRAME_HEADER):
                length = int.from_bytes(header, "big")
                frame = fh.read(length)
                if len(header) != FRAME_HEADER or len(frame) != length:
                    raise PackageError(f"数据包中的“{name}”不完整。已拒绝。")
                try:
                    yield keys.open_sealed(frame, context + b"/%d" % index)
                except CryptoError:
                    raise PackageError(
                        "数据包内容无法解密：它不是用本单位的密钥加密的。已拒绝。"
                    ) from None
                index += 1

    def records(self, kind: str, keys: KeyPairs) -> Iterator[dict[str, Any]]:
        """The records of one kind, decrypted and streamed."""
        name = f"records/{kind}.jsonl"
        if name not in self.manifest["members"]:
            return
        for frame in self._frames(name, keys):
            inflate = zlib.decompressobj()
            try:
                data = inflate.decompress(frame, MAX_FRAME_TEXT)
            except zlib.error:
                raise PackageError(f"数据包中的“{name}”已损坏。已拒绝。") from None
            if inflate.unconsumed_tail:
                raise PackageError(f"数据包中的“{name}”大小异常（可能是恶意文件），已拒绝。")
            text = data.decode("utf-8")
            for line in text.split("\n"):
                if line.strip():
                    yield _decode(line)

    def extract_file(self, sha256: str, target: Path, keys: KeyPairs) -> None:
        """Decrypt ``files/<sha256>`` to ``target``, checking the plaintext is what its name says."""
        digest = hashlib.sha256()
        with Path(target).open("wb") as out:
            for frame in self._frames(f"files/{sha256}", keys):
                out.write(frame)
                digest.update(frame)
        if digest.hexdigest() != sha256:
            raise PackageError(
                f"数据包中的文件“{sha256[:12]}…”内容与其名称不符（可能被篡改或损坏）。已拒绝。"
            )

    def file_names(self) -> list[str]:
        """The hashes of the files carried."""
        return [
            name.split("/", 1)[1] for name in self.manifest["members"] if name.startswith("files/")
        ]

    def close(self) -> None:
        """Release the file."""
        self._zip.close()


def _check_entries(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise PackageError("数据包条目数量异常，已拒绝。")
    total = 0
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


def _hash_member(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def package_order_key(path: Path) -> tuple[str, str, int, str]:
    """Sort packages of a folder so each sender install's packages import in sequence."""
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read(MANIFEST))
        sender = manifest["sender"]
        return (
            sender["unit_uuid"],
            sender.get("instance_uuid", ""),
            int(manifest["sequence"]),
            path.name,
        )
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return ("", "", 0, path.name)  # unreadable: tried (and refused) first, with its message


def peek_introduction(path: Path) -> dict[str, Any] | None:
    """The unverified ``introduction`` a unit's first packages carry (its public keys and the
    token proof); the signature is checked with those keys right after."""
    try:
        with zipfile.ZipFile(path) as archive:
            introduction: dict[str, Any] | None = json.loads(archive.read(MANIFEST)).get(
                "introduction"
            )
            return introduction
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None


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
    sequence already imported from that sender's install.
    """
    path = Path(path)
    if not path.is_file():
        raise PackageError(f"找不到数据包文件“{path}”。")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PackageError(
            f"“{path.name}”不是数据包文件，或文件不完整（可能没有复制完）。"
        ) from None
    try:
        _check_entries(archive)
        names = set(archive.namelist())
        if MANIFEST not in names or SIGNATURE not in names:
            raise PackageError(f"“{path.name}”缺少清单或签名，不是完整的数据包。")
        raw = archive.read(MANIFEST)
        try:
            manifest = json.loads(raw)
        except ValueError:
            raise PackageError("数据包清单已损坏。") from None
        if manifest.get("format") != FORMAT:
            raise PackageError(f"“{path.name}”不是大帮教工作台的数据包。")
        if int(manifest.get("format_version", 0)) > FORMAT_VERSION:
            raise PackageError("这个数据包由更新版本的大帮教工作台生成，请先升级本程序再导入。")
        recipient, sender = manifest["recipient"], manifest["sender"]
        if recipient["unit_uuid"] != me:
            raise PackageError(f"这个数据包是发给“{recipient['unit_name']}”的，不是发给本单位的。")
        key = sender_signing_key(sender["unit_uuid"])
        if key is None:
            raise PackageError(f"发送单位“{sender['unit_name']}”尚未登记，不能导入它的数据包。")
        try:
            verify(key, raw, archive.read(SIGNATURE).decode("ascii"))
        except (CryptoError, UnicodeDecodeError):
            raise PackageError(
                "数据包签名不符：清单可能被篡改，或不是该单位发出的。已拒绝。"
            ) from None
        members = manifest["members"]
        unlisted = names - set(members) - {MANIFEST, SIGNATURE}
        if unlisted:
            raise PackageError(
                f"数据包中有清单以外的内容（{sorted(unlisted)[0]}），可能被篡改。已拒绝。"
            )
        for name, info in members.items():
            if name not in names:
                raise PackageError(f"数据包不完整：缺少“{name}”。")
            digest, size = _hash_member(archive, name)
            if digest != info["sha256"] or size != info["size"]:
                raise PackageError(f"数据包中的“{name}”与清单不符（可能被篡改或损坏）。已拒绝。")
        done = last_sequence(sender["unit_uuid"], sender.get("instance_uuid", ""))
        if int(manifest["sequence"]) <= done:
            raise PackageError(
                f"这个数据包（{sender['unit_name']}第 {manifest['sequence']} 号）已经导入过，"
                f"或比已导入的第 {done} 号更旧。"
            )
    except PackageError:
        archive.close()
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, TypeError):
        archive.close()
        raise PackageError(f"“{path.name}”已损坏或不完整（可能没有复制完）。") from None
    return VerifiedPackage(path, manifest, archive)
