"""Every query on the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from fourflow.audit.models import AuditEvent
from fourflow.core.pagination import Page, PageRequest, fetch_page

# Any constant shared by all writers; the lock is released when the transaction ends.
AUDIT_CHAIN_LOCK_KEY = 0x46_4F_55_52_41_55_44  # "FOURAUD"


def lock_chain_head(session: Session) -> None:
    """Serialise appends so each event links to the one committed just before it."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY})


def chain_head(session: Session) -> tuple[int, str] | None:
    row = session.execute(
        select(AuditEvent.sequence, AuditEvent.event_hash)
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def add(session: Session, event: AuditEvent) -> None:
    session.add(event)
    session.flush()


def page(session: Session, request: PageRequest, *, organisation_id: object | None = None,
         action_prefix: str | None = None) -> Page[AuditEvent]:
    statement = _filtered(select(AuditEvent), organisation_id, action_prefix)
    return fetch_page(session, statement, (AuditEvent.sequence.desc(),), request)


Statement = TypeVar("Statement", bound=Select[Any])


def _filtered(statement: Statement, organisation_id: object | None,
              action_prefix: str | None) -> Statement:
    if organisation_id is not None:
        statement = statement.where(AuditEvent.organisation_id == organisation_id)
    if action_prefix:
        statement = statement.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    return statement


def in_order(session: Session, batch_size: int = 1000) -> Iterator[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.sequence).execution_options(
        yield_per=batch_size
    )
    yield from session.execute(statement).scalars()
