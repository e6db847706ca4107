"""Every query on the platform's signing keys, the contracts and their signing codes.
``seller_organisation_id`` limits a contract query to one seller's rows (None: every seller's, for
platform staff) in the one base statement."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, func, select, text, update
from sqlalchemy.orm import Session

from fourflow.core.database import locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.lending.contracts.models import ContractSigningCode, LendingContract, PlatformKey

# Any fixed number: the advisory lock that lets one process at a time create the keys.
PLATFORM_KEYS_LOCK = 740_116_004
# The namespace of the advisory locks taken while an offer's contract is made (two-key form).
CONTRACT_OF_OFFER_LOCK = 740_116_005


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


def _contracts(seller_organisation_id: uuid.UUID | None) -> Select[LendingContract]:
    statement = select(LendingContract)
    if seller_organisation_id is not None:
        statement = statement.where(LendingContract.seller_organisation_id == seller_organisation_id)
    return statement


def lock_offer_contract(session: Session, offer_id: uuid.UUID) -> None:
    """Serialise the making of one offer's contract until the transaction ends (the unique offer id
    would otherwise refuse the second of two concurrent calls instead of returning the first's)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:namespace, hashtext(:offer))"),
                    {"namespace": CONTRACT_OF_OFFER_LOCK, "offer": str(offer_id)})


def next_contract_number(session: Session) -> int:
    return int(session.execute(text("SELECT nextval('lending_contract_numbers')")).scalar_one())


def add(session: Session, row: LendingContract | ContractSigningCode) -> None:
    session.add(row)
    session.flush()


def contract(session: Session, contract_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
             for_update: bool = False) -> LendingContract | None:
    """``for_update`` locks the row until the transaction ends: signings of one contract queue."""
    statement = _contracts(seller_organisation_id).where(LendingContract.id == contract_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def contract_of_offer(session: Session, offer_id: uuid.UUID) -> LendingContract | None:
    return session.execute(select(LendingContract).where(
        LendingContract.offer_id == offer_id)).scalar_one_or_none()


def contracts(session: Session, seller_organisation_id: uuid.UUID | None,
              request: PageRequest) -> Page[LendingContract]:
    return fetch_page(session, _contracts(seller_organisation_id),
                      (LendingContract.created_at.desc(), LendingContract.id), request)


def signing_code(session: Session, code_id: uuid.UUID) -> ContractSigningCode | None:
    return session.get(ContractSigningCode, code_id)


def open_signing_codes(session: Session, contract_id: uuid.UUID, session_id: uuid.UUID,
                       now: datetime, max_failed_attempts: int) -> list[ContractSigningCode]:
    """The unused, unexpired codes sent for this contract to this browser session that have not
    met too many wrong guesses, newest first."""
    return list(session.scalars(select(ContractSigningCode).where(
        ContractSigningCode.contract_id == contract_id, ContractSigningCode.session_id == session_id,
        ContractSigningCode.used_at.is_(None), ContractSigningCode.expires_at > now,
        ContractSigningCode.failed_attempts < max_failed_attempts,
    ).order_by(ContractSigningCode.created_at.desc())))


def signing_codes_sent_since(session: Session, contract_id: uuid.UUID, session_id: uuid.UUID,
                             since: datetime) -> int:
    return int(session.execute(select(func.count()).select_from(ContractSigningCode).where(
        ContractSigningCode.contract_id == contract_id, ContractSigningCode.session_id == session_id,
        ContractSigningCode.created_at > since)).scalar_one())


def count_failed_attempt(session: Session, code_ids: list[uuid.UUID]) -> None:
    if code_ids:
        session.execute(update(ContractSigningCode).where(ContractSigningCode.id.in_(code_ids)).values(
            failed_attempts=ContractSigningCode.failed_attempts + 1))


def use_signing_codes(session: Session, contract_id: uuid.UUID, now: datetime) -> None:
    """Every open code of the contract is spent once it is signed."""
    session.execute(update(ContractSigningCode).where(
        ContractSigningCode.contract_id == contract_id, ContractSigningCode.used_at.is_(None),
    ).values(used_at=now))
