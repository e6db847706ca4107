"""Every query on insurance quotes, policies and claims. ``seller_organisation_id`` limits a query to
one seller's rows (None: every seller's, for platform staff)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fourflow.core.database import advisory_lock, locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.lending.insurance.models import InsuranceClaim, InsurancePolicy, InsuranceQuote


def add(session: Session, row: InsuranceQuote | InsurancePolicy | InsuranceClaim) -> None:
    session.add(row)
    session.flush()


def quotes_of_offer(session: Session, offer_id: uuid.UUID) -> list[InsuranceQuote]:
    return list(session.execute(select(InsuranceQuote).where(InsuranceQuote.offer_id == offer_id)
                                .order_by(InsuranceQuote.cover)).scalars())


def quote(session: Session, quote_id: uuid.UUID) -> InsuranceQuote | None:
    return session.get(InsuranceQuote, quote_id)


def chosen_quotes(session: Session, offer_id: uuid.UUID) -> list[InsuranceQuote]:
    return [quote for quote in quotes_of_offer(session, offer_id) if quote.status == "chosen"]


def _policies(seller_organisation_id: uuid.UUID | None) -> Select[InsurancePolicy]:
    statement = select(InsurancePolicy)
    if seller_organisation_id is not None:
        statement = statement.where(InsurancePolicy.seller_organisation_id == seller_organisation_id)
    return statement


def policy(session: Session, policy_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
           for_update: bool = False) -> InsurancePolicy | None:
    statement = _policies(seller_organisation_id).where(InsurancePolicy.id == policy_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def policies_of_loan(session: Session, loan_id: uuid.UUID, *,
                     for_update: bool = False) -> list[InsurancePolicy]:
    statement = (select(InsurancePolicy).where(InsurancePolicy.loan_id == loan_id)
                 .order_by(InsurancePolicy.cover))
    if for_update:
        statement = locked(statement)
    return list(session.execute(statement).scalars())


def policies_of_loans(session: Session, loan_ids: list[uuid.UUID]) -> list[InsurancePolicy]:
    if not loan_ids:
        return []
    return list(session.execute(select(InsurancePolicy).where(InsurancePolicy.loan_id.in_(loan_ids))
                                .order_by(InsurancePolicy.cover)).scalars())


def policies(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
             request: PageRequest) -> Page[InsurancePolicy]:
    statement = _policies(seller_organisation_id)
    if status is not None:
        statement = statement.where(InsurancePolicy.status == status)
    return fetch_page(session, statement, (InsurancePolicy.created_at.desc(), InsurancePolicy.id), request)


def policy_ids_with_status(session: Session, status: str) -> list[uuid.UUID]:
    return list(session.execute(select(InsurancePolicy.id).where(InsurancePolicy.status == status)
                                .order_by(InsurancePolicy.created_at)).scalars())


def unremitted_policy_ids(session: Session) -> list[uuid.UUID]:
    return list(session.execute(select(InsurancePolicy.id).where(
        InsurancePolicy.status == "active", InsurancePolicy.premium_remitted_at.is_(None))
        .order_by(InsurancePolicy.bound_at)).scalars())


def claim_of(session: Session, policy_id: uuid.UUID, reason: str) -> InsuranceClaim | None:
    return session.execute(select(InsuranceClaim).where(
        InsuranceClaim.policy_id == policy_id, InsuranceClaim.reason == reason)).scalar_one_or_none()


def claim(session: Session, claim_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
          for_update: bool = False) -> InsuranceClaim | None:
    statement = select(InsuranceClaim).where(InsuranceClaim.id == claim_id)
    if seller_organisation_id is not None:
        statement = statement.where(InsuranceClaim.seller_organisation_id == seller_organisation_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def claims_of_loans(session: Session, loan_ids: list[uuid.UUID]) -> list[InsuranceClaim]:
    if not loan_ids:
        return []
    return list(session.execute(select(InsuranceClaim).where(InsuranceClaim.loan_id.in_(loan_ids))
                                .order_by(InsuranceClaim.created_at)).scalars())


def claims(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
           request: PageRequest) -> Page[InsuranceClaim]:
    statement = select(InsuranceClaim)
    if seller_organisation_id is not None:
        statement = statement.where(InsuranceClaim.seller_organisation_id == seller_organisation_id)
    if status is not None:
        statement = statement.where(InsuranceClaim.status == status)
    return fetch_page(session, statement, (InsuranceClaim.created_at.desc(), InsuranceClaim.id), request)


def claim_ids_with_status(session: Session, status: str) -> list[uuid.UUID]:
    return list(session.execute(select(InsuranceClaim.id).where(InsuranceClaim.status == status)
                                .order_by(InsuranceClaim.created_at)).scalars())


def lock_offer_quotes(session: Session, offer_id: uuid.UUID) -> None:
    """Quotes of one offer are asked for one at a time (two page views would otherwise both insert)."""
    advisory_lock(session, f"lending:insurance:offer:{offer_id}")
