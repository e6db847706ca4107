"""The platform's signing keys: its root CA, its own signing certificate and its timestamping
authority. Private keys are stored sealed (AES-256-GCM under a key derived from the platform
secret); certificates are public and stored as PEM."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, UUIDPrimaryKey


class PlatformKey(UUIDPrimaryKey, Base):
    """One key pair and its certificate per purpose: ``root_ca`` (issues every other certificate,
    including each seller's one-signing certificate), ``platform_signing`` (the platform's own
    signature on contracts) and ``timestamping`` (the TSA that timestamps every signature)."""

    __tablename__ = "lending_platform_keys"
    __table_args__ = (
        CheckConstraint("purpose IN ('root_ca', 'platform_signing', 'timestamping')", name="purpose"),
    )

    purpose: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    serial_number: Mapped[str] = mapped_column(String(40))
    key_algorithm: Mapped[str] = mapped_column(String(16))  # ec-p256, rsa-2048
    certificate_pem: Mapped[str] = mapped_column(Text)
    # version byte + nonce + AES-GCM ciphertext of the PKCS#8 DER key; see service/sealing.py.
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    not_valid_before: Mapped[datetime]
    not_valid_after: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
