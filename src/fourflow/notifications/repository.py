"""Every query on outgoing messages."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.notifications.models import MailMessage


def by_idempotency_key(session: Session, key: str) -> MailMessage | None:
    return session.execute(
        select(MailMessage).where(MailMessage.idempotency_key == key)
    ).scalar_one_or_none()


def by_id(session: Session, message_id: uuid.UUID) -> MailMessage | None:
    return session.get(MailMessage, message_id)


def add(session: Session, message: MailMessage) -> None:
    session.add(message)
    session.flush()


def page(session: Session, request: PageRequest) -> Page[MailMessage]:
    return fetch_page(session, select(MailMessage),
                      (MailMessage.created_at.desc(), MailMessage.id), request)
