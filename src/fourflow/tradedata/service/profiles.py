"""What is known about a seller beyond its trade files: the business registry's answer, the bank
accounts its payouts land in, the devices and network addresses its people use.

These facts arrive through ports (a registry adapter, onboarding, sign-in telemetry) or, in the
demo world, from the simulator. Each recording is an upsert keyed the way the table is, so
recording the same fact again changes nothing and a newer answer replaces the older one.
Shared identifiers across sellers (a director, an address, an account, a device) are what the
related-party and fraud-ring features look for.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.identity import service as identity
from fourflow.tradedata import repository
from fourflow.tradedata.models import RegistryRecord, SellerBankAccount, SellerDevice


@dataclass(frozen=True, slots=True)
class RegistryFacts:
    registry_name: str           # e.g. "CN-SAMR"
    company_number: str
    legal_name: str
    status: str                  # active, dormant, dissolved, liquidation
    country: str
    registered_address: str
    incorporated_on: date
    phone: str | None
    email: str | None
    officers: tuple[dict[str, Any], ...]      # {"name", "role", "nationality", "appointed_on"}
    tax_filings: tuple[dict[str, Any], ...]   # {"period", "revenue", "tax_paid", "currency", "filed_on"}
    checked_at: datetime


@dataclass(frozen=True, slots=True)
class BankAccountFacts:
    bank_name: str
    country: str
    account_number: str
    holder_name: str
    currency: str
    verified: bool
    # When the seller gave the platform this account (None: now). An account added just before
    # a drawdown is a fraud signal (F16), so the earliest date seen is kept.
    registered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    device_fingerprint: str
    ip_address: str
    user_agent: str | None
    first_seen_at: datetime
    last_seen_at: datetime


def record_registry_record(session: Session, context: audit.AuditContext,
                           seller_organisation_id: uuid.UUID, facts: RegistryFacts) -> bool:
    """Store the registry's answer for a company; True when it was new or changed."""
    changed = repository.upsert_registry_record(session, seller_organisation_id, {
        "registry_name": facts.registry_name, "company_number": facts.company_number,
        "legal_name": facts.legal_name, "status": facts.status, "country": facts.country,
        "registered_address": facts.registered_address, "incorporated_on": facts.incorporated_on,
        "phone": facts.phone, "email": facts.email, "officers": list(facts.officers),
        "tax_filings": list(facts.tax_filings), "checked_at": facts.checked_at})
    if changed:
        audit.record(session, context, "tradedata:registry_record:recorded",
                     subject_type="organisation", subject_id=seller_organisation_id,
                     organisation_id=seller_organisation_id,
                     after={"registry_name": facts.registry_name,
                            "company_number": facts.company_number, "status": facts.status})
    return changed


def record_bank_account(session: Session, context: audit.AuditContext,
                        seller_organisation_id: uuid.UUID, facts: BankAccountFacts) -> bool:
    """Store a bank account of the seller; True when it was new or changed. Audited, because
    where money goes is what payout fraud changes."""
    changed = repository.upsert_seller_bank_account(session, seller_organisation_id, {
        "bank_name": facts.bank_name, "country": facts.country,
        "account_number": facts.account_number, "holder_name": facts.holder_name,
        "currency": facts.currency, "verified": facts.verified}, registered_at=facts.registered_at)
    if changed:
        audit.record(session, context, "tradedata:bank_account:recorded",
                     subject_type="organisation", subject_id=seller_organisation_id,
                     organisation_id=seller_organisation_id,
                     after={"bank_name": facts.bank_name, "country": facts.country,
                            "account_number_last4": facts.account_number[-4:],
                            "currency": facts.currency, "verified": facts.verified})
    return changed


def record_device(session: Session, seller_organisation_id: uuid.UUID, facts: DeviceFacts) -> bool:
    """Store a device and address the seller's people used; a later sighting widens its
    first/last-seen window. True when the row was new or changed."""
    return repository.upsert_seller_device(session, seller_organisation_id, {
        "device_fingerprint": facts.device_fingerprint, "ip_address": facts.ip_address,
        "user_agent": facts.user_agent, "first_seen_at": facts.first_seen_at,
        "last_seen_at": facts.last_seen_at})


def registry_records(session: Session, seller_organisation_id: uuid.UUID) -> list[RegistryRecord]:
    return repository.registry_records_of(session, seller_organisation_id)


def bank_accounts(session: Session, seller_organisation_id: uuid.UUID) -> list[SellerBankAccount]:
    return repository.bank_accounts_of(session, seller_organisation_id)


def devices(session: Session, seller_organisation_id: uuid.UUID) -> list[SellerDevice]:
    return repository.devices_of(session, seller_organisation_id)


@cache
def decision_columns() -> tuple[ColumnElement[Any], ...]:
    """What a credit decision reads of the seller's trade profile, as columns for the risk
    engine's one query of a seller's facts (F16 velocity, registry, stock); their parameters come
    from ``velocity_parameters``. See ``repository.profile_velocity_columns`` and
    ``repository.profile_standing_columns`` for each label."""
    return repository.profile_velocity_columns() + repository.profile_standing_columns()


def velocity_parameters(seller_organisation_id: uuid.UUID, now: datetime, *, payout_since: datetime,
                        device_since: datetime, sign_in_since: datetime) -> dict[str, Any]:
    return repository.profile_velocity_parameters(seller_organisation_id, now, payout_since=payout_since,
                                                  device_since=device_since, sign_in_since=sign_in_since)


def record_sign_in_device(session: Session, organisation_id: uuid.UUID, *, ip_address: str,
                          user_agent: str | None, accept_language: str | None, at: datetime) -> bool:
    """A person of ``organisation_id`` signed in from this browser and address; kept for sellers
    only (F16: a new device before a drawdown is an account-takeover signal). The fingerprint is
    what the server sees of the browser — its user agent, languages and encodings — hashed; True
    when a seller's device is new."""
    organisation = identity.organisation_by_id(session, organisation_id)
    if organisation is None or organisation.kind != "seller":
        return False
    seen = f"{user_agent or ''}|{accept_language or ''}"
    fingerprint = hashlib.sha256(seen.encode("utf-8")).hexdigest()[:32]
    return record_device(session, organisation_id, DeviceFacts(
        device_fingerprint=fingerprint, ip_address=ip_address[:45],
        user_agent=(user_agent or "")[:300] or None, first_seen_at=at, last_seen_at=at))
