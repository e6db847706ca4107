"""Every query on the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from fourflow.audit.models import AuditEvent
from fourflow.core.pagination import Page, PageRequest, fetch_page

_APPEND = text(
    "SELECT sequence, chain, chain_position, event_hash FROM audit_append("
    "CAST(:chains AS smallint[]), :event_id, :occurred_at, :actor_type, :actor_id, "
    ":organisation_id, :action, :subject_type, :subject_id, CAST(:before AS jsonb), "
    "CAST(:after AS jsonb), :request_id, :ip_address, :content_digest)"
)


def append(session: Session, parameters: dict[str, Any]) -> tuple[int, int, int, str]:
    row = session.execute(_APPEND, parameters).one()
    return int(row[0]), int(row[1]), int(row[2]), str(row[3])


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


def in_chain_order(session: Session, batch_size: int = 1000) -> Iterator[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.chain_position
                                            ).execution_options(yield_per=batch_size)
    yield from session.execute(statement).scalars()
