"""Append events to the audit log in the caller's transaction, and check the hash chain."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy.orm import Session, SessionTransaction

from fourflow.audit import repository
from fourflow.audit.models import AuditEvent
from fourflow.core.clock import get_clock
from fourflow.core.pagination import Page, PageRequest

GENESIS_HASH = "0" * 64
# Independent hash chains. More chains, less waiting between concurrent writers; each chain
# is verified on its own, and the Merkle tree (later) spans them all in sequence order.
AUDIT_CHAINS = 16
_CHAIN_KEY = "fourflow_audit_chain"


@dataclass(frozen=True, slots=True)
class AuditContext:
    """Who is acting and through which request; carried from the edge to the services."""

    actor_type: str  # "user", "api_client" or "system"
    actor_id: uuid.UUID | None
    organisation_id: uuid.UUID | None
    request_id: str | None = None
    ip_address: str | None = None

    @classmethod
    def system(cls, request_id: str | None = None) -> AuditContext:
        return cls(actor_type="system", actor_id=None, organisation_id=None, request_id=request_id)


def _canonical(event: AuditEvent) -> bytes:
    document = {
        "chain": event.chain,
        "chain_position": event.chain_position,
        "event_id": str(event.event_id),
        "occurred_at": event.occurred_at.isoformat(),
        "actor_type": event.actor_type,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "organisation_id": str(event.organisation_id) if event.organisation_id else None,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip_address": event.ip_address,
        "previous_hash": event.previous_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    session: Session,
    context: AuditContext,
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: object | None = None,
    organisation_id: uuid.UUID | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event; it commits or rolls back with the change it describes."""
    chain = _lock_a_chain(session)
    head = repository.chain_head(session, chain)
    position, previous_hash = (1, GENESIS_HASH) if head is None else (head[0] + 1, head[1])
    event = AuditEvent(
        chain=chain,
        chain_position=position,
        event_id=uuid.uuid4(),
        occurred_at=get_clock().now(),
        actor_type=context.actor_type,
        actor_id=context.actor_id,
        organisation_id=organisation_id if organisation_id is not None else context.organisation_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id) if subject_id is not None else None,
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=context.request_id,
        ip_address=context.ip_address,
        previous_hash=previous_hash,
    )
    event.event_hash = event_hash(event)
    repository.add(session, event)
    return event


def _lock_a_chain(session: Session) -> int:
    """The chain this transaction appends to: a free one the first time, the same one after."""
    chain = session.info.get(_CHAIN_KEY)
    if chain is not None:
        # Re-taken, not assumed: a rolled-back savepoint releases locks taken inside it.
        repository.lock_chain(session, chain)
        return int(chain)
    preference = random.sample(range(AUDIT_CHAINS), AUDIT_CHAINS)
    chain = repository.lock_free_chain(session, preference)
    session.info[_CHAIN_KEY] = chain
    return int(chain)


@sqlalchemy_event.listens_for(Session, "after_transaction_end")
def _forget_chain(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CHAIN_KEY, None)


def _jsonable(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    loaded: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return loaded


@dataclass(frozen=True, slots=True)
class ChainVerification:
    intact: bool
    events_checked: int
    first_broken_sequence: int | None


def verify_chain(session: Session) -> ChainVerification:
    """Recompute every hash, chain by chain; report the first event whose position, link or
    content does not match (by its global sequence number)."""
    chain, position, previous = -1, 0, GENESIS_HASH
    checked = 0
    for event in repository.in_chain_order(session):
        if event.chain != chain:
            chain, position, previous = event.chain, 0, GENESIS_HASH
        checked += 1
        position += 1
        if (event.chain_position != position or event.previous_hash != previous
                or event_hash(event) != event.event_hash):
            return ChainVerification(False, checked, event.sequence)
        previous = event.event_hash
    return ChainVerification(True, checked, None)


def list_events(session: Session, request: PageRequest, *, organisation_id: uuid.UUID | None,
                action_prefix: str | None = None) -> Page[AuditEvent]:
    return repository.page(session, request, organisation_id=organisation_id,
                           action_prefix=action_prefix)
