"""The backup file's envelope: a password-derived key, AES-256-GCM over 1 MiB chunks.

Layout: ``MAGIC``, a 4-byte big-endian length, the header (JSON: format, scrypt parameters and
salt, the file's own salt and nonce prefix, a password check value), then records of a 4-byte
length and one sealed chunk each. The key of one file is HKDF-SHA256 of the master key (scrypt of
the 备份密码) with the file's salt; a chunk's nonce is the file's 7-byte prefix, the chunk's
number (4 bytes) and 1 on the last chunk, 0 before it; every chunk authenticates the whole
header. So a changed byte, a missing or reordered chunk and a cut-off end are all detected, and
a wrong password is told apart from damage by the check value before anything is decrypted.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from app.services.errors import UserError

MAGIC = b"BANGJIAO-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20  # plaintext bytes per sealed chunk
SCRYPT_N, SCRYPT_R, SCRYPT_P = 1 << 17, 8, 1  # 128 MiB, about 0.2 s here
MIN_PASSWORD = 8
MAX_HEADER = 64 * 1024


class BackupError(UserError):
    """A backup file that cannot be used: not a backup, damaged, cut off, or from a newer
    program. The message says which, in Chinese."""


class WrongPassword(BackupError):
    """The 备份密码 given does not open this backup."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def check_password(password: str) -> None:
    """Refuse, in Chinese, a password too short to protect personal data."""
    if len(password) < MIN_PASSWORD:
        raise UserError(f"备份密码至少要 {MIN_PASSWORD} 个字符。")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(password.encode("utf-8"))


@dataclass(frozen=True)
class MasterKey:
    """The key scrypt derives from a 备份密码 with ``salt``: what automatic backups keep (in
    the PC's local settings) so that they run without the password being typed."""

    salt: bytes
    key: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P

    @classmethod
    def from_password(cls, password: str, salt: bytes | None = None) -> MasterKey:
        """Derive the key (a new random salt unless one is given)."""
        salt = salt if salt is not None else os.urandom(16)
        return cls(salt, _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))

    def to_json(self) -> str:
        """For the local settings table."""
        return json.dumps({"salt": _b64(self.salt), "key": _b64(self.key), "n": self.n,
                           "r": self.r, "p": self.p})  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> MasterKey:
        """Read back :meth:`to_json`."""
        data = json.loads(text)
        return cls(_unb64(data["salt"]), _unb64(data["key"]), data["n"], data["r"], data["p"])


@dataclass(frozen=True)
class Secret:
    """What opens a backup: the password typed, and/or the PC's stored master key (used when
    the backup was written with it, i.e. carries the same salt)."""

    password: str | None = None
    stored: MasterKey | None = None

    def master_for(self, header: dict[str, Any]) -> bytes:
        """The master key for a backup's header, or WrongPassword."""
        salt = _unb64(header["salt"])
        if self.stored is not None and hmac.compare_digest(self.stored.salt, salt):
            return self.stored.key
        if self.password is None:
            raise WrongPassword("这个备份是用另一个备份密码制作的，请输入制作它时的备份密码。")
        return _scrypt(self.password, salt, int(header["n"]), int(header["r"]), int(header["p"]))


def _file_keys(master: bytes, file_salt: bytes) -> tuple[bytes, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=file_salt, info=b"bangjiao-backup v1"
    ).derive(master)
    return material[:32], material[32:48]


def _nonce(prefix: bytes, number: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", number) + (b"\x01" if last else b"\x00")


class SealedWriter:
    """A write-only file object: what is written goes out sealed, chunk by chunk, to ``raw``.
    :meth:`finish` seals the last chunk (a file without it is refused as cut off)."""

    def __init__(self, raw: BinaryIO, master: MasterKey) -> None:
        self._raw = raw
        file_salt, self._prefix = os.urandom(16), os.urandom(7)
        key, check = _file_keys(master.key, file_salt)
        self._aead = AESGCM(key)
        header = {"format": FORMAT, "kdf": "scrypt", "salt": _b64(master.salt), "n": master.n,
                  "r": master.r, "p": master.p, "file_salt": _b64(file_salt),
                  "nonce_prefix": _b64(self._prefix), "check": _b64(check),
                  "chunk": CHUNK}  # fmt: skip
        encoded = json.dumps(header).encode("utf-8")
        self._aad = MAGIC + struct.pack(">I", len(encoded)) + encoded
        raw.write(self._aad)
        self._buffer = bytearray()
        self._number = 0
        self.written = len(self._aad)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Take ``data``; full chunks are sealed at once."""
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._number, last), plain, self._aad)
        self._raw.write(struct.pack(">I", len(sealed)) + sealed)
        self._number += 1
        self.written += 4 + len(sealed)

    def flush(self) -> None:
        """Nothing to do until :meth:`finish` (tarfile calls it)."""

    def finish(self) -> None:
        """Seal what is left as the last chunk."""
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()


def read_header(raw: BinaryIO) -> tuple[dict[str, Any], bytes]:
    """The header of a backup file and the bytes it was read from; BackupError if the file is
    not a backup or is from a newer program."""
    start = raw.read(len(MAGIC) + 4)
    if len(start) < len(MAGIC) + 4 or not start.startswith(MAGIC):
        raise BackupError("这个文件不是大帮教工作台的备份文件，或文件开头已损坏。")
    (length,) = struct.unpack(">I", start[len(MAGIC) :])
    if length > MAX_HEADER:
        raise BackupError("备份文件已损坏（文件头不正确）。")
    encoded = raw.read(length)
    try:
        header: dict[str, Any] = json.loads(encoded.decode("utf-8"))
        version = int(header["format"])
    except (ValueError, KeyError, TypeError):
        raise BackupError("备份文件已损坏（文件头不正确）。") from None
    if version > FORMAT:
        raise BackupError(
            "这个备份由较新版本的大帮教工作台制作，本程序无法读取。请先升级本程序再恢复。"
        )
    return header, start + encoded


class OpenedReader:
    """A read-only file object giving the plaintext of a backup, checked chunk by chunk.
    A changed byte, a wrong order or a missing end raises BackupError; a wrong password
    raises WrongPassword before anything is read."""

    def __init__(self, raw: BinaryIO, secret: Secret) -> None:
        self._raw = raw
        header, self._aad = read_header(raw)
        try:
            key, check = _file_keys(secret.master_for(header), _unb64(header["file_salt"]))
            self._prefix = _unb64(header["nonce_prefix"])
            expected = _unb64(header["check"])
        except (KeyError, ValueError, TypeError):
            raise BackupError("备份文件已损坏（文件头不正确）。") from None
        if not hmac.compare_digest(check, expected):
            raise WrongPassword("备份密码不对，无法打开这个备份。")
        self._aead = AESGCM(key)
        self._number = 0
        self._buffer = b""
        self._pos = 0  # read up to here in _buffer
        self._ended = False

    def _next_chunk(self) -> None:
        head = self._raw.read(4)
        if len(head) < 4:
            raise BackupError("备份文件不完整（文件被截断，可能是复制时 U 盘被拔出）。")
        (length,) = struct.unpack(">I", head)
        sealed = self._raw.read(length)
        if len(sealed) < length:
            raise BackupError("备份文件不完整（文件被截断，可能是复制时 U 盘被拔出）。")
        for last in (False, True):
            try:
                plain = self._aead.decrypt(_nonce(self._prefix, self._number, last), sealed,
                                           self._aad)  # fmt: skip
            except InvalidTag:
                continue
            self._number += 1
            self._buffer = self._buffer[self._pos :] + plain
            self._pos = 0
            if last:
                self._ended = True
                if self._raw.read(1):
                    raise BackupError("备份文件已损坏（结尾处有多余的数据）。")
            return
        raise BackupError(f"备份文件已损坏（第 {self._number + 1} 段校验不通过），不能使用。")

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of plaintext (all of it when negative)."""
        while (size < 0 or len(self._buffer) - self._pos < size) and not self._ended:
            self._next_chunk()
        end = len(self._buffer) if size < 0 else min(self._pos + size, len(self._buffer))
        data = self._buffer[self._pos : end]
        self._pos = end
        return data
