"""Secret values are stored sealed: AES-256-GCM under a key file made on first start (mode 0600).

A copied database leaks nothing without the key file. Each value gets a fresh 96-bit nonce; the
associated data binds a sealed value to what it belongs to (e.g. a secret's ARN and version), so
a value copied onto another record does not open.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "secrets.key"
PREFIX = "sealed:v1:"


class SealingError(Exception):
    """A sealed value did not open (wrong key, or tampered or moved)."""


def load_or_create_key(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(AESGCM.generate_key(bit_length=256))
            handle.flush()
            os.fsync(handle.fileno())
    key = path.read_bytes()
    if len(key) != 32:
        raise SealingError(f"{path} is not a 256-bit key")
    return key


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> Sealer:
        return cls(load_or_create_key(data_dir))

    def seal(self, plaintext: bytes, context: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, plaintext, context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, context: str) -> bytes:
        if not sealed.startswith(PREFIX):
            raise SealingError("not a sealed value")
        try:
            raw = base64.b64decode(sealed[len(PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:12], raw[12:], context.encode())
        except (InvalidTag, ValueError) as exc:  # ValueError: not base64, or too short to hold a nonce
            raise SealingError("sealed value does not open here") from exc
