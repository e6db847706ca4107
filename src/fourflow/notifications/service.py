"""Send mail once per idempotency key, through the configured transport."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.pagination import Page, PageRequest
from fourflow.notifications import repository
from fourflow.notifications.mail import MailTransport
from fourflow.notifications.models import MailMessage


def send_mail(session: Session, transport: MailTransport, *, idempotency_key: str,
              recipient: str, subject: str, body_text: str, language: str) -> MailMessage:
    """Store and deliver a message; a repeated key returns the first message unchanged."""
    existing = repository.by_idempotency_key(session, idempotency_key)
    if existing is not None and existing.sent_at is not None:
        return existing
    message = existing or MailMessage(
        idempotency_key=idempotency_key, recipient=recipient, subject=subject,
        body_text=body_text, language=language, transport=transport.name,
    )
    if existing is None:
        repository.add(session, message)
    transport.deliver(message)
    message.sent_at = get_clock().now()
    session.flush()
    return message


def mailbox(session: Session, request: PageRequest) -> Page[MailMessage]:
    return repository.page(session, request)


def message(session: Session, message_id: uuid.UUID) -> MailMessage | None:
    return repository.by_id(session, message_id)
