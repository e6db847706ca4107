"""Queries of the controls risk officers put on sellers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from fourflow.core.database import advisory_lock, locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.risk.models import SellerControl


def serialise_drawdowns(session: Session, seller_organisation_id: uuid.UUID, *, paying_out: bool) -> None:
    """The seller's drawdown lock, to the end of the transaction: pay-outs share it, imposing a hold
    takes it alone. A pay-out that found no hold commits before a hold can be imposed; one that
    starts while a hold is being imposed waits for it and then reads it."""
    advisory_lock(session, f"risk:drawdowns:{seller_organisation_id}", shared=paying_out)


def add(session: Session, control: SellerControl) -> None:
    session.add(control)
    session.flush()


def by_source(session: Session, source_reference: str, control: str) -> SellerControl | None:
    return session.execute(select(SellerControl).where(
        SellerControl.source_reference == source_reference,
        SellerControl.control == control)).scalar_one_or_none()


def get(session: Session, control_id: uuid.UUID, *, for_update: bool = False) -> SellerControl | None:
    statement = select(SellerControl).where(SellerControl.id == control_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def standing(session: Session, seller_organisation_id: uuid.UUID) -> Sequence[SellerControl]:
    """Not released, oldest first (ix_risk_seller_controls_standing)."""
    return session.execute(select(SellerControl).where(
        SellerControl.seller_organisation_id == seller_organisation_id,
        SellerControl.released_at.is_(None)).order_by(SellerControl.imposed_at, SellerControl.id)
    ).scalars().all()


def controls(session: Session, request: PageRequest, *, seller_organisation_id: uuid.UUID | None = None,
             standing_only: bool = False) -> Page[SellerControl]:
    statement = select(SellerControl)
    if seller_organisation_id is not None:
        statement = statement.where(SellerControl.seller_organisation_id == seller_organisation_id)
    if standing_only:
        statement = statement.where(SellerControl.released_at.is_(None))
    return fetch_page(session, statement, (SellerControl.imposed_at.desc(), SellerControl.id), request)
