"""Private keys at rest: sealed with the platform's field encryption (``core.security.seal``)
under their own purpose, with the key's purpose and its certificate's fingerprint as associated
data, so a sealed key copied onto another row (another certificate) does not open."""

from __future__ import annotations

from fourflow.core.security import SealedValueUnreadable, seal, unseal
from fourflow.lending.contracts.errors import PlatformKeyUnreadable

PURPOSE = b"fourflow platform signing keys v1"


def seal_key(plaintext: bytes, *, secret: str, associated_data: bytes) -> bytes:
    return seal(plaintext, secret=secret, purpose=PURPOSE, associated_data=associated_data)


def unseal_key(sealed: bytes, *, secret: str, associated_data: bytes) -> bytes:
    try:
        return unseal(sealed, secret=secret, purpose=PURPOSE, associated_data=associated_data)
    except SealedValueUnreadable as exc:
        raise PlatformKeyUnreadable() from exc
