"""Append events to the audit log in the caller's transaction, and check the hash chains.

An event's hash links it into one of AUDIT_CHAINS independent chains:

    content_digest = sha256(canonical JSON of what happened: who, what, when, before/after)
    event_hash     = sha256("{chain}|{chain_position}|{previous_hash}|{content_digest}")

The content digest is computed here; choosing and locking a chain, finding its head and
linking the event happen in the database function ``audit_append`` (migration 0001), in one
round trip, so SQL functions that move money can append events the same way.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import repository
from fourflow.audit.models import AuditEvent
from fourflow.core.clock import get_clock
from fourflow.core.pagination import Page, PageRequest

GENESIS_HASH = "0" * 64
# Independent hash chains. More chains, less waiting between concurrent writers; each chain
# is verified on its own, and the Merkle tree (later) spans them all in sequence order.
AUDIT_CHAINS = 16


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


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """An event's fields and content digest, ready for ``audit_append``."""

    event_id: uuid.UUID
    occurred_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    organisation_id: uuid.UUID | None
    action: str
    subject_type: str | None
    subject_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    ip_address: str | None
    content_digest: str

    def as_parameters(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id, "occurred_at": self.occurred_at,
            "actor_type": self.actor_type, "actor_id": self.actor_id,
            "organisation_id": self.organisation_id, "action": self.action,
            "subject_type": self.subject_type, "subject_id": self.subject_id,
            "before": None if self.before is None else json.dumps(self.before),
            "after": None if self.after is None else json.dumps(self.after),
            "request_id": self.request_id, "ip_address": self.ip_address,
            "content_digest": self.content_digest, "chains": chain_preference(),
        }


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    sequence: int
    chain: int
    chain_position: int
    event_hash: str


def chain_preference() -> list[int]:
    """The order in which a writer tries the chains: random, so writers spread out."""
    return random.sample(range(AUDIT_CHAINS), AUDIT_CHAINS)


def content_digest(*, event_id: uuid.UUID, occurred_at: datetime, actor_type: str,
                   actor_id: uuid.UUID | None, organisation_id: uuid.UUID | None, action: str,
                   subject_type: str | None, subject_id: str | None,
                   before: dict[str, Any] | None, after: dict[str, Any] | None,
                   request_id: str | None, ip_address: str | None) -> str:
    document = {
        "event_id": str(event_id), "occurred_at": occurred_at.isoformat(),
        "actor_type": actor_type, "actor_id": str(actor_id) if actor_id else None,
        "organisation_id": str(organisation_id) if organisation_id else None,
        "action": action, "subject_type": subject_type, "subject_id": subject_id,
        "before": before, "after": after, "request_id": request_id, "ip_address": ip_address,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def link_hash(chain: int, chain_position: int, previous_hash: str, digest: str) -> str:
    return hashlib.sha256(f"{chain}|{chain_position}|{previous_hash}|{digest}".encode()).hexdigest()


def prepare(context: AuditContext, action: str, *, subject_type: str | None = None,
            subject_id: object | None = None, organisation_id: uuid.UUID | None = None,
            before: dict[str, Any] | None = None,
            after: dict[str, Any] | None = None, json_native: bool = False) -> PreparedEvent:
    """``json_native``: ``before`` and ``after`` hold only str, int, bool, None, lists and
    str-keyed dicts already (what JSON gives back), so they need no round trip through JSON."""
    fields: dict[str, Any] = {
        "event_id": uuid.uuid4(), "occurred_at": get_clock().now(),
        "actor_type": context.actor_type, "actor_id": context.actor_id,
        "organisation_id": organisation_id if organisation_id is not None else context.organisation_id,
        "action": action, "subject_type": subject_type,
        "subject_id": str(subject_id) if subject_id is not None else None,
        "before": before if json_native else _jsonable(before),
        "after": after if json_native else _jsonable(after),
        "request_id": context.request_id, "ip_address": context.ip_address,
    }
    return PreparedEvent(**fields, content_digest=content_digest(**fields))


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
) -> RecordedEvent:
    """Append one event; it commits or rolls back with the change it describes.

    Locking: the first event of a transaction locks a chain until the transaction ends.
    Take it before locking rows that other audited transactions lock too (ledger accounts),
    so that all writers lock in one order.
    """
    event = prepare(context, action, subject_type=subject_type, subject_id=subject_id,
                    organisation_id=organisation_id, before=before, after=after)
    sequence, chain, position, digest = repository.append(session, event.as_parameters())
    return RecordedEvent(sequence, chain, position, digest)


def _jsonable(document: dict[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    loaded: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return loaded


def stored_content_digest(event: AuditEvent) -> str:
    return content_digest(
        event_id=event.event_id, occurred_at=event.occurred_at, actor_type=event.actor_type,
        actor_id=event.actor_id, organisation_id=event.organisation_id, action=event.action,
        subject_type=event.subject_type, subject_id=event.subject_id, before=event.before,
        after=event.after, request_id=event.request_id, ip_address=event.ip_address)


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
        expected = link_hash(event.chain, position, previous, stored_content_digest(event))
        if (event.chain_position != position or event.previous_hash != previous
                or event.event_hash != expected):
            return ChainVerification(False, checked, event.sequence)
        previous = event.event_hash
    return ChainVerification(True, checked, None)


def list_events(session: Session, request: PageRequest, *, organisation_id: uuid.UUID | None,
                action_prefix: str | None = None) -> Page[AuditEvent]:
    return repository.page(session, request, organisation_id=organisation_id,
                           action_prefix=action_prefix)
