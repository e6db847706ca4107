"""Domain events inside one transaction: a domain announces that something happened (a contract was
countersigned, tracking events were ingested) without knowing who cares; the domains that care
subscribe when their service module is imported (the app and the worker import every domain).

Handlers run synchronously in the publisher's session and transaction, so their changes commit or
roll back with the event's cause. A handler that must not undo its cause (a refused disbursement
must not unsign a contract) keeps its own work in a savepoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class DomainEvent:
    name: str  # "<domain>:<noun>:<verb>", e.g. "lending:contract:countersigned"
    payload: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None


Handler = Callable[[Session, DomainEvent], None]
_handlers: dict[str, list[Handler]] = {}


def subscribe(name: str, handler: Handler) -> None:
    """Idempotent: a module imported twice (tests, reloads) registers its handler once."""
    registered = _handlers.setdefault(name, [])
    if all(getattr(known, "__qualname__", known) != getattr(handler, "__qualname__", handler)
           or getattr(known, "__module__", None) != getattr(handler, "__module__", None)
           for known in registered):
        registered.append(handler)


def publish(session: Session, event: DomainEvent) -> None:
    for handler in tuple(_handlers.get(event.name, ())):
        handler(session, event)
