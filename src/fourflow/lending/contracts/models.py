"""The platform's signing keys: its root CA, its own signing certificate and its timestamping
authority. Private keys are stored sealed (AES-256-GCM under a key derived from the platform
secret); certificates are public and stored as PEM. The contracts made from accepted offers, with
their current PDF, and the one-time codes that sellers sign them with."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, func
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


CONTRACT_STATUSES = ("awaiting_seller_signature", "awaiting_platform_signature", "signed")


class LendingContract(UUIDPrimaryKey, Base):
    """The contract made from an accepted offer (one per offer). ``pdf`` is the current file: the
    unsigned contract, then the seller-signed one, then the one both parties signed; each
    version's SHA-256 is kept (each signature is an incremental update, so every earlier version
    is a prefix of the current file)."""

    __tablename__ = "lending_contracts"
    __table_args__ = (
        UniqueConstraint("contract_number"),
        UniqueConstraint("offer_id"),
        CheckConstraint("status IN ('awaiting_seller_signature', 'awaiting_platform_signature', 'signed')",
                        name="status"),
        CheckConstraint("language IN ('en', 'zh_Hans')", name="language"),
        Index("ix_lending_contracts_seller_created", "seller_organisation_id", "created_at"),
    )

    contract_number: Mapped[str] = mapped_column(String(32))
    offer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_offers.id"))
    seller_organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(32))
    # Deferred: lists and status reads do not carry the file; reading ``pdf`` loads it.
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))  # of the current file
    unsigned_sha256: Mapped[str] = mapped_column(String(64))
    seller_signed_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_sha256: Mapped[str | None] = mapped_column(String(64))
    seller_signer_name: Mapped[str | None] = mapped_column(String(200))
    seller_signer_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    seller_certificate_serial: Mapped[str | None] = mapped_column(String(40))
    seller_signed_at: Mapped[datetime | None]
    platform_signer_name: Mapped[str | None] = mapped_column(String(200))
    platform_certificate_serial: Mapped[str | None] = mapped_column(String(40))
    platform_signed_at: Mapped[datetime | None]
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ContractSigningCode(UUIDPrimaryKey, Base):
    """A one-time code sent to the seller's user to sign one contract, from the browser session
    that asked for it. The code is derived from the platform secret and the row id (so the mail
    job can rebuild it); only a keyed digest is stored."""

    __tablename__ = "lending_contract_signing_codes"
    __table_args__ = (
        Index("ix_lending_contract_signing_codes_contract", "contract_id", "created_at"),
    )

    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lending_contracts.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_sessions.id"))
    recipient: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(8))
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # Wrong codes entered from this session while this code was open; at the limit it is void.
    failed_attempts: Mapped[int] = mapped_column(default=0)
