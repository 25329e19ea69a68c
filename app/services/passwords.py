"""Password and recovery-code hashes: scrypt (``cryptography``) with a random salt, the cost
parameters stored with the hash so that they can be raised later without breaking old ones."""

from __future__ import annotations

import base64
import hmac
import os
import secrets

# ≈ 0.1 s and 32 MB on this machine (2–3× slower than an office PC); the brief's limit is 0.5 s
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
PREFIX = "scrypt"
# the recovery code: 20 characters from an alphabet without look-alikes (0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS = 5
CODE_GROUP_LENGTH = 4


def _derive(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    """Two keys from one scrypt run: the first half is the stored hash, the second the key
    that unwraps the data key (``app.services.vault``). scrypt ends in PBKDF2, whose output
    blocks are independent, so the first half is exactly the 32-byte hash stored before, and
    the stored hash tells nothing about the second half."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    data = secret.encode("utf-8")
    return Scrypt(salt=salt, length=2 * KEY_BYTES, n=n, r=r, p=p).derive(data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_secret_with_key(secret: str) -> tuple[str, bytes]:
    """``scrypt$n$r$p$salt$hash`` (base64) of ``secret`` with a fresh random salt, and the
    wrapping key the same run gives (never stored)."""
    salt = os.urandom(SALT_BYTES)
    derived = _derive(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    stored = f"{PREFIX}${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(derived[:KEY_BYTES])}"
    return stored, derived[KEY_BYTES:]


def hash_secret(secret: str) -> str:
    """``scrypt$n$r$p$salt$hash`` (base64) of ``secret`` with a fresh random salt."""
    return hash_secret_with_key(secret)[0]


def unlock_secret(secret: str, stored: str) -> bytes | None:
    """The wrapping key of ``secret`` when it matches the stored hash (compared in constant
    time), else None."""
    try:
        prefix, n, r, p, salt, key = stored.split("$")
        if prefix != PREFIX:
            return None
        expected = base64.b64decode(key)
        derived = _derive(secret, base64.b64decode(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return None
    return derived[KEY_BYTES:] if hmac.compare_digest(expected, derived[:KEY_BYTES]) else None


def verify_secret(secret: str, stored: str) -> bool:
    """Whether ``secret`` matches the stored hash (compared in constant time)."""
    return unlock_secret(secret, stored) is not None


def new_recovery_code() -> str:
    """A fresh recovery code to print, e.g. ``7KQ2-M9XH-…`` (≈ 99 bits)."""
    groups = (
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    )
    return "-".join(groups)


def normalise_code(code: str) -> str:
    """A typed recovery code without spaces or dashes, in capitals."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
