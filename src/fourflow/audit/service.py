"""Append events to the audit log in the caller's transaction, and check the hash chain."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import repository
from fourflow.audit.models import AuditEvent
from fourflow.core.clock import get_clock
from fourflow.core.pagination import Page, PageRequest

GENESIS_HASH = "0" * 64


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
        "sequence": event.sequence,
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
    repository.lock_chain_head(session)
    head = repository.chain_head(session)
    sequence, previous_hash = (1, GENESIS_HASH) if head is None else (head[0] + 1, head[1])
    event = AuditEvent(
        sequence=sequence,
        event_id=uuid.uuid4(),
        # Microseconds are dropped so the stored value and the hashed value are identical.
        occurred_at=get_clock().now().replace(microsecond=0),
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
    """Recompute every hash in order; report the first event whose link or content differs."""
    previous = GENESIS_HASH
    checked = 0
    for event in repository.in_order(session):
        checked += 1
        if event.previous_hash != previous or event_hash(event) != event.event_hash:
            return ChainVerification(False, checked, event.sequence)
        previous = event.event_hash
    return ChainVerification(True, checked, None)


def list_events(session: Session, request: PageRequest, *, organisation_id: uuid.UUID | None,
                action_prefix: str | None = None) -> Page[AuditEvent]:
    return repository.page(session, request, organisation_id=organisation_id,
                           action_prefix=action_prefix)
