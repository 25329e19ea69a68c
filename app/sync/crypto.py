"""Keys, signatures and encryption for exchange packages — `cryptography` primitives only.

Each install has an Ed25519 key pair (signs its packages' manifests) and an X25519 key pair
(receives personal data, sealed with HPKE, RFC 9180: DHKEM(X25519), HKDF-SHA256, AES-256-GCM).
Keys travel as base64 of their raw 32 bytes.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
RAW = serialization.Encoding.Raw


class CryptoError(Exception):
    """A signature did not verify or sealed data could not be opened."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class PublicKeys:
    """What others need to verify this install's packages and to seal data for it."""

    signing: str
    encryption: str

    def fingerprint(self) -> str:
        """A short code people can compare by phone: 4 groups of 4 hex digits."""
        digest = hashlib.sha256((self.signing + self.encryption).encode("ascii")).hexdigest()[:16]
        return "-".join(digest[i : i + 4] for i in range(0, 16, 4)).upper()


@dataclass(frozen=True)
class KeyPairs:
    """An install's private keys (never leave the PC) and their public halves.

    ``retired_encryption`` holds the private encryption keys this install used before it
    rotated its keys: packages sealed to them by units that have not switched yet still open.
    """

    signing_private: str
    encryption_private: str
    retired_encryption: tuple[str, ...] = ()

    @classmethod
    def generate(cls) -> KeyPairs:
        """Fresh random key pairs."""
        private = serialization.PrivateFormat.Raw
        none = serialization.NoEncryption()
        return cls(
            _b64(Ed25519PrivateKey.generate().private_bytes(RAW, private, none)),
            _b64(X25519PrivateKey.generate().private_bytes(RAW, private, none)),
        )

    def public(self) -> PublicKeys:
        """The public halves."""
        raw = serialization.PublicFormat.Raw
        signing = Ed25519PrivateKey.from_private_bytes(_unb64(self.signing_private)).public_key()
        encryption = X25519PrivateKey.from_private_bytes(
            _unb64(self.encryption_private)
        ).public_key()
        return PublicKeys(
            _b64(signing.public_bytes(RAW, raw)), _b64(encryption.public_bytes(RAW, raw))
        )

    def sign(self, data: bytes) -> str:
        """An Ed25519 signature of ``data`` (base64)."""
        return _b64(Ed25519PrivateKey.from_private_bytes(_unb64(self.signing_private)).sign(data))

    def open_sealed(self, sealed: bytes, context: bytes) -> bytes:
        """Decrypt data sealed to this install's encryption key (or to a retired one)."""
        for private in (self.encryption_private, *self.retired_encryption):
            try:
                key = X25519PrivateKey.from_private_bytes(_unb64(private))
                return SUITE.decrypt(sealed, key, info=context)
            except (InvalidTag, ValueError):
                continue
        raise CryptoError("sealed data could not be opened")


def verify(public_signing: str, data: bytes, signature: str) -> None:
    """Raise CryptoError unless ``signature`` is the sender's signature of ``data``."""
    try:
        Ed25519PublicKey.from_public_bytes(_unb64(public_signing)).verify(_unb64(signature), data)
    except (InvalidSignature, ValueError) as exc:
        raise CryptoError("bad signature") from exc


def seal(public_encryption: str, plaintext: bytes, context: bytes) -> bytes:
    """Encrypt ``plaintext`` so that only the holder of the matching private key can read it."""
    return SUITE.encrypt(
        plaintext, X25519PublicKey.from_public_bytes(_unb64(public_encryption)), info=context
    )
