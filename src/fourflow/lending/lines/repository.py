"""Every query on credit lines and draws. ``seller_organisation_id`` limits a query to one seller's
rows (None: every seller's, for platform staff) in the one base statement of each kind of row."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from fourflow.core.database import locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.lending.lines.models import CreditLine, CreditLineDraw


def _lines(seller_organisation_id: uuid.UUID | None) -> Select[CreditLine]:
    statement = select(CreditLine)
    if seller_organisation_id is not None:
        statement = statement.where(CreditLine.seller_organisation_id == seller_organisation_id)
    return statement


def add(session: Session, row: CreditLine | CreditLineDraw) -> None:
    session.add(row)
    session.flush()


def line(session: Session, line_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
         for_update: bool = False) -> CreditLine | None:
    statement = _lines(seller_organisation_id).where(CreditLine.id == line_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def line_of_offer(session: Session, offer_id: uuid.UUID) -> CreditLine | None:
    return session.execute(select(CreditLine).where(CreditLine.offer_id == offer_id)).scalar_one_or_none()


def lines(session: Session, seller_organisation_id: uuid.UUID | None,
          request: PageRequest) -> Page[CreditLine]:
    return fetch_page(session, _lines(seller_organisation_id), (CreditLine.opened_at.desc(), CreditLine.id),
                      request)


def draws(session: Session, line_id: uuid.UUID) -> list[CreditLineDraw]:
    return list(session.scalars(select(CreditLineDraw).where(CreditLineDraw.line_id == line_id)
                                .order_by(CreditLineDraw.created_at, CreditLineDraw.recorded_at)))


def draw_by_key(session: Session, line_id: uuid.UUID, idempotency_key: str) -> CreditLineDraw | None:
    return session.execute(select(CreditLineDraw).where(
        CreditLineDraw.line_id == line_id, CreditLineDraw.idempotency_key == idempotency_key)
    ).scalar_one_or_none()
