"""Circuit breaker state in PostgreSQL, shared by every process of the installation.

Web workers and job workers call the same banks; when one process has seen a channel fail
often enough to open its breaker, the others must stop calling it too, and a single trial
call (half-open) is let through for all of them, not one per process. The embedded
PostgreSQL is there on a laptop as well, so this needs nothing more than the app has.

Each read-modify-write is a short transaction of its own on the breaker's row (locked, so
processes take turns), outside the caller's unit of work: a breaker's state must not roll
back with a business transaction, and no database transaction is open while a channel is
called.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Integer, Row, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base
from fourflow.core.resilience import BreakerRecord, BreakerState

Change = TypeVar("Change")


class CircuitBreakerState(Base):
    __tablename__ = "circuit_breakers"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[str] = mapped_column(String(9), default="closed", server_default="closed")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    trial_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


_READ = text("SELECT state, consecutive_failures, opened_at, trial_started_at "
             "FROM circuit_breakers WHERE name = :name")
_CREATE = text("INSERT INTO circuit_breakers (name) VALUES (:name) ON CONFLICT (name) DO NOTHING")
_LOCK = text("SELECT state, consecutive_failures, opened_at, trial_started_at "
             "FROM circuit_breakers WHERE name = :name FOR UPDATE")
_SAVE = text("UPDATE circuit_breakers SET state = :state, consecutive_failures = :failures, "
             "opened_at = :opened_at, trial_started_at = :trial_started_at, updated_at = now() "
             "WHERE name = :name")


def _record(row: Row[Any]) -> BreakerRecord:
    return BreakerRecord(BreakerState(row.state), int(row.consecutive_failures), row.opened_at,
                         row.trial_started_at)


class PostgresBreakerStore:
    """A ``BreakerStore`` over the ``circuit_breakers`` table (migration 0022)."""

    def __init__(self, engine: Engine, *, prefix: str = "") -> None:
        self.engine = engine
        # Keeps the breakers of one component apart from another's ("channel:", "warehouse:").
        self.prefix = prefix

    def read(self, name: str) -> BreakerRecord:
        with self.engine.connect() as connection:
            row = connection.execute(_READ, {"name": self.prefix + name}).first()
            connection.rollback()
        return BreakerRecord() if row is None else _record(row)

    def update(self, name: str, change: Callable[[BreakerRecord], Change]) -> Change:
        key = self.prefix + name
        with self.engine.begin() as connection:
            connection.execute(_CREATE, {"name": key})
            record = _record(connection.execute(_LOCK, {"name": key}).one())
            before = BreakerRecord(record.state, record.consecutive_failures, record.opened_at,
                                   record.trial_started_at)
            result = change(record)
            if record != before:
                connection.execute(_SAVE, {
                    "name": key, "state": record.state.value,
                    "failures": record.consecutive_failures, "opened_at": record.opened_at,
                    "trial_started_at": record.trial_started_at})
        return result
