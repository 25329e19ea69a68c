"""Encryption at rest, the storage side: the data key, sealed column values and files, and
the key each open database holds. The vault itself (who can unwrap the key) is
``app.services.vault``.

What a copied database file must not reveal — correction subjects' names and identity numbers,
a conflict's waiting copy of a record, this PC's private exchange keys, and the photos and
scans in the file store — is kept encrypted under one random **data key** per database:

- Each user's row holds the data key wrapped (AES-GCM) by a key that the same scrypt run which
  checks their password derives (``passwords.unlock_secret``); the printed recovery code wraps
  it too (``local_settings['crypto.vault']``). So a login costs one key derivation.
- Columns of type :class:`SealedText` store ``enc1:`` + base64 of AES-SIV ciphertext. AES-SIV
  is deterministic: the same name or number gives the same ciphertext under one database's
  key, so ``CorrectionSubject.id_number == "3301…"`` still finds a subject (the SIV is a keyed
  hash of the value, as the issue asks, kept in the ciphertext itself). Other values
  (:class:`SealedText` with ``deterministic=False``) use AES-GCM with a random nonce.
- Files get a header (``FILE_MAGIC``) and AES-GCM; see ``attachments``.

The key of an open database is held by its SQLAlchemy dialect (one per engine): the column
types look it up when they bind or read a value. A database with a vault starts **locked**
(:func:`mark_locked`, by ``open_database``); a login unlocks it (:func:`unlock`). A database
without a vault (made before accounts, or before its first 管理员) stores plain values: it is
encrypted in place when its first 管理员 is set up (:func:`create_vault`).
"""

from __future__ import annotations

import base64
import os
import weakref
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import JSON, Dialect, Engine, Text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from app.services.errors import UserError

PREFIX = "enc1:"  # a sealed text value
RANDOM_MARK = "~"  # after PREFIX: AES-GCM with a nonce (never in base64, which SIV uses)
FILE_MAGIC = b"BJENC1\n"  # a sealed file
DATA_KEY_BYTES = 32
NONCE_BYTES = 12
LOCKED_MESSAGE = "社区矫正对象的个人信息已加密保存，请先登录。"


class DataLocked(UserError):
    """Sealed data was asked for while the database is locked (nobody logged in)."""

    def __init__(self, message: str = LOCKED_MESSAGE) -> None:
        super().__init__(message)


class VaultError(UserError):
    """A wrapped key or sealed value that does not open (wrong key, or altered)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _subkey(data_key: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(data_key)


class DataKey:
    """A database's data key and the keys derived from it (fields, blobs and files)."""

    __slots__ = ("_gcm", "_raw", "_siv")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != DATA_KEY_BYTES:
            raise ValueError("a data key has 32 bytes")
        self._raw = raw
        self._siv = AESSIV(_subkey(raw, b"bangjiao fields aes-siv", 64))
        self._gcm = AESGCM(_subkey(raw, b"bangjiao blobs aes-gcm", 32))

    @classmethod
    def generate(cls) -> DataKey:
        """A fresh random data key."""
        return cls(os.urandom(DATA_KEY_BYTES))

    def wrap(self, wrapping_key: bytes, context: str) -> str:
        """The data key encrypted under ``wrapping_key`` (a user's or the recovery code's)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(wrapping_key).encrypt(nonce, self._raw, context.encode("utf-8"))
        return _b64(nonce + sealed)

    @classmethod
    def unwrap(cls, wrapped: str, wrapping_key: bytes, context: str) -> DataKey:
        """The data key from :meth:`wrap`'s output; VaultError when it does not open."""
        try:
            blob = _unb64(wrapped)
            raw = AESGCM(wrapping_key).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode("utf-8")
            )
        except (InvalidTag, ValueError) as exc:
            raise VaultError("数据钥匙无法打开（密码或恢复码不对，或数据库被改动过）。") from exc
        return cls(raw)

    # ---- text values in columns and settings

    def seal_text(self, value: str, purpose: str, deterministic: bool = True) -> str:
        """``enc1:`` + base64 ciphertext of ``value`` (AES-SIV when ``deterministic``, so equal
        values match in SQL; AES-GCM with a random nonce otherwise)."""
        data, aad = value.encode("utf-8"), purpose.encode("utf-8")
        if deterministic:
            return PREFIX + _b64(self._siv.encrypt(data, [aad]))
        nonce = os.urandom(NONCE_BYTES)
        return PREFIX + RANDOM_MARK + _b64(nonce + self._gcm.encrypt(nonce, data, aad))

    def open_text(self, sealed: str, purpose: str) -> str:
        """The value :meth:`seal_text` sealed; VaultError when it does not open."""
        body, aad = sealed[len(PREFIX) :], purpose.encode("utf-8")
        try:
            if body.startswith(RANDOM_MARK):
                blob = _unb64(body[1:])
                data = self._gcm.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
            else:
                data = self._siv.decrypt(_unb64(body), [aad])
        except (InvalidTag, ValueError) as exc:
            raise VaultError("一项加密数据无法解开（数据库被改动过，或来自另一台电脑）。") from exc
        return data.decode("utf-8")

    # ---- files

    def seal_bytes(self, data: bytes, purpose: str) -> bytes:
        """A sealed file's content: ``FILE_MAGIC`` + nonce + AES-GCM ciphertext."""
        nonce = os.urandom(NONCE_BYTES)
        return FILE_MAGIC + nonce + self._gcm.encrypt(nonce, data, purpose.encode("utf-8"))

    def open_bytes(self, sealed: bytes, purpose: str) -> bytes:
        """The content :meth:`seal_bytes` sealed; VaultError when it does not open."""
        start = len(FILE_MAGIC)
        try:
            return self._gcm.decrypt(
                sealed[start : start + NONCE_BYTES],
                sealed[start + NONCE_BYTES :],
                purpose.encode("utf-8"),
            )
        except (InvalidTag, ValueError) as exc:
            raise VaultError("一个加密文件无法解开（文件被改动过，或来自另一台电脑）。") from exc


def is_sealed_text(value: object) -> bool:
    """Whether a stored value is sealed text."""
    return isinstance(value, str) and value.startswith(PREFIX)


def is_sealed_file(head: bytes) -> bool:
    """Whether a file starting with ``head`` is sealed."""
    return head.startswith(FILE_MAGIC)


# ---------------------------------------------------------------- the key of each open database


@dataclass(frozen=True)
class _Locked:
    """The database has a vault and nobody has unlocked it."""


LOCKED = _Locked()
_KEYS: weakref.WeakKeyDictionary[Dialect, DataKey | _Locked] = weakref.WeakKeyDictionary()


def _dialect(bind: Engine | Session | Dialect) -> Dialect:
    if isinstance(bind, Session):
        engine = bind.get_bind()
        return engine.dialect
    if isinstance(bind, Engine):
        return bind.dialect
    return bind


def key_state(bind: Engine | Session | Dialect) -> DataKey | _Locked | None:
    """The data key of an open database, LOCKED, or None (a database without a vault)."""
    return _KEYS.get(_dialect(bind))


def data_key(bind: Engine | Session | Dialect) -> DataKey | None:
    """The unlocked data key; None for a database without a vault; DataLocked when locked."""
    state = key_state(bind)
    if isinstance(state, _Locked):
        raise DataLocked()
    return state


def mark_locked(engine: Engine) -> None:
    """A database with a vault was opened: sealed values wait for a login."""
    if not isinstance(_KEYS.get(engine.dialect), DataKey):
        _KEYS[engine.dialect] = LOCKED


def forget(engine: Engine) -> None:
    """Lock an unlocked database again (logging out)."""
    if engine.dialect in _KEYS:
        _KEYS[engine.dialect] = LOCKED


def restore_state(engine: Engine, state: DataKey | _Locked | None) -> None:
    """Put back a state read with :func:`key_state` (undoing a key that was never kept)."""
    if state is None:
        _KEYS.pop(engine.dialect, None)
    else:
        _KEYS[engine.dialect] = state


def attach(bind: Engine | Session, key: DataKey) -> None:
    """Hold ``key`` for the database of ``bind`` (after a login or creating the vault)."""
    _KEYS[_dialect(bind)] = key


# ---------------------------------------------------------------- column types

_PERSONAL: weakref.WeakKeyDictionary[Dialect, frozenset[str]] = weakref.WeakKeyDictionary()


def set_personal_fields(bind: Engine | Session, names: frozenset[str]) -> None:
    """The form fields (by name) whose values :class:`SealedValues` seals in this database."""
    _PERSONAL[_dialect(bind)] = names


def personal_fields(bind: Engine | Session | Dialect) -> frozenset[str]:
    """The names :func:`set_personal_fields` gave (none before a login)."""
    return _PERSONAL.get(_dialect(bind), frozenset())


class SealedText(TypeDecorator[str]):
    """A text column stored sealed when the database has a vault (see the module's notes).

    ``purpose`` names the column (bound into the ciphertext, so a value cannot be moved to
    another column); ``deterministic`` values can be compared in SQL (``==``, ``IN``). The
    empty string stays empty (it tells nothing). A database without a vault stores values as
    they are; a locked one refuses with :class:`DataLocked`."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str, deterministic: bool = True) -> None:
        super().__init__()
        self.purpose = purpose
        self.deterministic = deterministic

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        state = _KEYS.get(dialect)
        if state is None:
            return value
        if isinstance(state, _Locked):
            raise DataLocked()
        return state.seal_text(value, self.purpose, self.deterministic)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        state = _KEYS.get(dialect)
        if state is None:
            return value
        if isinstance(state, _Locked):
            raise DataLocked()
        return state.open_text(value, self.purpose)

    def copy(self, **kw: Any) -> SealedText:
        return SealedText(self.purpose, self.deterministic)


class SealedValues(TypeDecorator[dict[str, Any]]):
    """A form's values (JSON) whose personal fields (``personal = true`` in the form
    definitions, see :func:`set_personal_fields`) are stored sealed (AES-GCM, bound to the
    field's name) when the database has a key; every other value stays as it is, so that
    numeric fields still add up in SQL. Reading opens whatever is sealed."""

    impl = JSON
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(
        self, value: dict[str, Any] | None, dialect: Dialect
    ) -> dict[str, Any] | None:
        if not value:
            return value
        state = _KEYS.get(dialect)
        if state is None:
            return value
        names = _PERSONAL.get(dialect, frozenset())
        personal = [k for k, v in value.items() if k in names and isinstance(v, str) and v]
        if not personal:
            return value
        if isinstance(state, _Locked):
            raise DataLocked()
        sealed = dict(value)
        for name in personal:
            sealed[name] = state.seal_text(value[name], f"{self.purpose}.{name}", False)
        return sealed

    def process_result_value(
        self, value: dict[str, Any] | None, dialect: Dialect
    ) -> dict[str, Any] | None:
        if not value or not isinstance(value, dict):
            return value
        if not any(is_sealed_text(v) for v in value.values()):
            return value
        state = _KEYS.get(dialect)
        if state is None:
            return value
        if isinstance(state, _Locked):
            raise DataLocked()
        return {
            k: state.open_text(v, f"{self.purpose}.{k}") if is_sealed_text(v) else v
            for k, v in value.items()
        }

    def copy(self, **kw: Any) -> SealedValues:
        return SealedValues(self.purpose)
