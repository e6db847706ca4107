"""Every query on applications and offers. ``seller_organisation_id`` limits a query to one seller's
rows (None: every seller's, for risk staff) in the one base statement of each kind of row."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fourflow.core.database import locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.lending.applications.models import FinancingApplication, FinancingOffer


def _applications(seller_organisation_id: uuid.UUID | None) -> Select[FinancingApplication]:
    statement = select(FinancingApplication)
    if seller_organisation_id is not None:
        statement = statement.where(FinancingApplication.seller_organisation_id == seller_organisation_id)
    return statement


def _offers(seller_organisation_id: uuid.UUID | None) -> Select[FinancingOffer]:
    statement = select(FinancingOffer)
    if seller_organisation_id is not None:
        statement = statement.where(FinancingOffer.seller_organisation_id == seller_organisation_id)
    return statement


def add(session: Session, row: FinancingApplication | FinancingOffer) -> None:
    session.add(row)
    session.flush()


def application(session: Session, application_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
                for_update: bool = False) -> FinancingApplication | None:
    """``for_update`` locks the row until the transaction ends (submissions and reviews queue on it)."""
    statement = _applications(seller_organisation_id).where(FinancingApplication.id == application_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def applications(session: Session, seller_organisation_id: uuid.UUID | None, status: str | None,
                 request: PageRequest) -> Page[FinancingApplication]:
    statement = _applications(seller_organisation_id)
    if status is not None:
        statement = statement.where(FinancingApplication.status == status)
    return fetch_page(session, statement, (FinancingApplication.created_at.desc(), FinancingApplication.id),
                      request)


def offer(session: Session, offer_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
          for_update: bool = False) -> FinancingOffer | None:
    statement = _offers(seller_organisation_id).where(FinancingOffer.id == offer_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def offer_of_application(session: Session, application_id: uuid.UUID) -> FinancingOffer | None:
    return session.execute(select(FinancingOffer).where(
        FinancingOffer.application_id == application_id)).scalar_one_or_none()


def offers(session: Session, seller_organisation_id: uuid.UUID | None,
           request: PageRequest) -> Page[FinancingOffer]:
    return fetch_page(session, _offers(seller_organisation_id),
                      (FinancingOffer.created_at.desc(), FinancingOffer.id), request)
