"""Every query on the platform's signing keys."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fourflow.lending.contracts.models import PlatformKey

# Any fixed number: the advisory lock that lets one process at a time create the keys.
PLATFORM_KEYS_LOCK = 740_116_004


def lock_platform_keys(session: Session) -> None:
    """Serialise key creation until the transaction ends, so two processes starting at once
    cannot both create a root CA."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PLATFORM_KEYS_LOCK})


def platform_keys(session: Session) -> dict[str, PlatformKey]:
    return {key.purpose: key for key in session.scalars(select(PlatformKey))}


def platform_key(session: Session, purpose: str) -> PlatformKey | None:
    return session.scalars(select(PlatformKey).where(PlatformKey.purpose == purpose)).one_or_none()


def add_platform_key(session: Session, key: PlatformKey) -> PlatformKey:
    session.add(key)
    session.flush()
    return key
