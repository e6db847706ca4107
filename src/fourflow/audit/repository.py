"""Every query on the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session

from fourflow.audit.models import AuditEvent
from fourflow.core.pagination import Page, PageRequest, fetch_page

# First key of the two-key advisory locks on chain heads (the second key is the chain).
AUDIT_CHAIN_LOCK_CLASS = 0x4641_5544  # "FAUD"

_TRY_LOCK_FIRST_FREE = text(
    "SELECT chain FROM unnest(CAST(:chains AS smallint[])) WITH ORDINALITY AS t(chain, position) "
    "WHERE pg_try_advisory_xact_lock(:lock_class, chain) ORDER BY position LIMIT 1"
)
_LOCK = text("SELECT pg_advisory_xact_lock(:lock_class, :chain)")


def lock_free_chain(session: Session, preference: list[int]) -> int:
    """Lock the first chain in ``preference`` that no other transaction holds, in one round
    trip; when all are busy, wait for the first. Locks last until the transaction ends."""
    chain = session.execute(_TRY_LOCK_FIRST_FREE, {"chains": preference,
                                                   "lock_class": AUDIT_CHAIN_LOCK_CLASS}).scalar()
    if chain is None:
        chain = preference[0]
        lock_chain(session, chain)
    return int(chain)


def lock_chain(session: Session, chain: int) -> None:
    """Re-entrant: instant when this transaction already holds the chain."""
    session.execute(_LOCK, {"lock_class": AUDIT_CHAIN_LOCK_CLASS, "chain": chain})


def chain_head(session: Session, chain: int) -> tuple[int, str] | None:
    row = session.execute(
        select(AuditEvent.chain_position, AuditEvent.event_hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.chain_position.desc())
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


def in_chain_order(session: Session, batch_size: int = 1000) -> Iterator[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.chain_position
                                            ).execution_options(yield_per=batch_size)
    yield from session.execute(statement).scalars()
