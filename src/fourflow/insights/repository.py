"""Every query on sellers' reminders; a seller's rows are filtered by their organisation here."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.core.database import locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.insights.models import SellerReminder


def insert_if_new(session: Session, values: dict[str, Any]) -> uuid.UUID | None:
    """The new reminder's id, or None when the seller has one with this key already (a second run of
    the daily job, or two at once: the unique key decides)."""
    return session.execute(
        insert(SellerReminder).values(**values)
        .on_conflict_do_nothing(index_elements=["seller_organisation_id", "reminder_key"])
        .returning(SellerReminder.id)).scalar_one_or_none()


def reminder(session: Session, reminder_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
             for_update: bool = False) -> SellerReminder | None:
    statement = select(SellerReminder).where(SellerReminder.id == reminder_id)
    if seller_organisation_id is not None:
        statement = statement.where(SellerReminder.seller_organisation_id == seller_organisation_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def page(session: Session, seller_organisation_id: uuid.UUID, request: PageRequest, *,
         unread_only: bool = False) -> Page[SellerReminder]:
    statement = select(SellerReminder).where(SellerReminder.seller_organisation_id == seller_organisation_id)
    if unread_only:
        statement = statement.where(SellerReminder.read_at.is_(None))
    return fetch_page(session, statement, (SellerReminder.created_at.desc(), SellerReminder.id), request)


def unread_count(session: Session, seller_organisation_id: uuid.UUID) -> int:
    return int(session.execute(select(func.count()).select_from(SellerReminder).where(
        SellerReminder.seller_organisation_id == seller_organisation_id,
        SellerReminder.read_at.is_(None))).scalar_one())


def mark_all_read(session: Session, seller_organisation_id: uuid.UUID, user_id: uuid.UUID | None,
                  now: Any) -> list[uuid.UUID]:
    return list(session.execute(
        update(SellerReminder)
        .where(SellerReminder.seller_organisation_id == seller_organisation_id,
               SellerReminder.read_at.is_(None))
        .values(read_at=now, read_by_user_id=user_id).returning(SellerReminder.id)).scalars())
