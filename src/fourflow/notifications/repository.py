"""Every query on outgoing messages."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def page(session: Session, *, offset: int, limit: int) -> tuple[list[MailMessage], int]:
    total = int(session.execute(select(func.count()).select_from(MailMessage)).scalar_one())
    rows = session.execute(select(MailMessage).order_by(MailMessage.created_at.desc(),
                                                        MailMessage.id)
                           .offset(offset).limit(limit)).scalars()
    return list(rows), total
