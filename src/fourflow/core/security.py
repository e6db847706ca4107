"""Password hashing, random secrets, digests of stored tokens and signed access tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey

_password_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a miss costs as much time as a hit.
_DUMMY_PASSWORD_HASH = _password_hasher.hash("not-a-real-password")


def use_fast_password_hashing() -> None:
    """For test suites only: argon2 at its minimum cost, so creating hundreds of demo users
    takes milliseconds. Stored hashes carry their parameters, so verification still works."""
    global _password_hasher, _DUMMY_PASSWORD_HASH
    _password_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    _DUMMY_PASSWORD_HASH = _password_hasher.hash("not-a-real-password")

MINIMUM_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash or _DUMMY_PASSWORD_HASH, password) and (
            password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_secret(length_bytes: int = 32) -> str:
    """A URL-safe random secret (session ids, invitation tokens, client secrets)."""
    return secrets.token_urlsafe(length_bytes)


def secret_digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret: what the database stores instead of the secret.

    Random 256-bit secrets cannot be guessed, so a fast digest is enough here; passwords,
    which people choose, use argon2 instead.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


class AccessTokenInvalid(Exception):
    pass


class AccessTokenCodec:
    """Short-lived bearer tokens as HS256 JWTs signed with the platform secret."""

    algorithm = "HS256"

    def __init__(self, secret_key: str, issuer: str = "fourflow") -> None:
        # Derive a dedicated key so the cookie-signing secret is never used directly here.
        derived = hashlib.sha256(b"fourflow-access-token:" + secret_key.encode()).digest()
        self._key = OctKey.import_key(derived)
        self._issuer = issuer

    @staticmethod
    @lru_cache(maxsize=4)
    def for_secret(secret_key: str) -> AccessTokenCodec:
        """The codec of a platform secret, made once: every API request decodes a token, and
        deriving and importing the key each time cost more than checking the signature."""
        return AccessTokenCodec(secret_key)

    def issue(self, *, subject: str, claims: dict[str, Any], issued_at: datetime,
              lifetime: timedelta) -> str:
        payload = {
            **claims,
            "sub": subject,
            "iss": self._issuer,
            "iat": int(issued_at.timestamp()),
            "exp": int((issued_at + lifetime).timestamp()),
            "jti": new_secret(12),
        }
        return jwt.encode({"alg": self.algorithm}, payload, self._key, algorithms=[self.algorithm])

    def decode(self, token: str, *, now: datetime) -> dict[str, Any]:
        try:
            decoded = jwt.decode(token, self._key, algorithms=[self.algorithm])
        except (JoseError, ValueError) as exc:
            raise AccessTokenInvalid(str(exc)) from exc
        claims = dict(decoded.claims)
        if claims.get("iss") != self._issuer:
            raise AccessTokenInvalid("wrong issuer")
        expires = claims.get("exp")
        if not isinstance(expires, int) or expires <= int(now.timestamp()):
            raise AccessTokenInvalid("expired")
        return claims


# --- field encryption ---------------------------------------------------------------------------
# AES-256-GCM under a key derived (HKDF-SHA256) from the platform secret, one key per purpose; the
# caller binds the row's identity in as associated data, so a ciphertext copied onto another row
# does not open. Layout: version byte, 12-byte nonce, ciphertext with its tag.

SEALED_VERSION = b"\x01"
_NONCE_BYTES = 12


class SealedValueUnreadable(ValueError):
    """Wrong key, wrong associated data, or not a sealed value."""


def seal(plaintext: bytes, *, secret: str, purpose: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_field_key(secret, purpose)).encrypt(nonce, plaintext, associated_data)
    return SEALED_VERSION + nonce + sealed


def unseal(sealed: bytes, *, secret: str, purpose: bytes, associated_data: bytes) -> bytes:
    if sealed[:1] != SEALED_VERSION:
        raise SealedValueUnreadable("not a sealed value of a known version")
    nonce, ciphertext = sealed[1:1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES:]
    try:
        return AESGCM(_field_key(secret, purpose)).decrypt(nonce, ciphertext, associated_data)
    except InvalidTag as exc:
        raise SealedValueUnreadable("the key or the associated data does not match") from exc


def _field_key(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())
