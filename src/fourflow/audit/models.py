"""The append-only audit log. The database itself refuses UPDATE, DELETE and TRUNCATE.

Events form several independent hash chains (``chain``), each event carrying the hash of
the previous event in its chain. A writer locks one chain for its transaction, so
concurrent transactions append to different chains instead of queueing on one head.
``sequence`` orders all events globally (it may have gaps from rolled-back inserts; the
chains have none).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Identity, SmallInteger, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"

    __table_args__ = (UniqueConstraint("chain", "chain_position"),)

    sequence: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    chain: Mapped[int] = mapped_column(SmallInteger)
    # Gap-free within a chain; written under the chain's transaction-scoped lock.
    chain_position: Mapped[int] = mapped_column(BigInteger)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    occurred_at: Mapped[datetime]
    actor_type: Mapped[str] = mapped_column(String(32))  # user, api_client, system
    actor_id: Mapped[uuid.UUID | None]
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(128), index=True)  # e.g. identity:user:invited
    subject_type: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    previous_hash: Mapped[str] = mapped_column(String(64))
    event_hash: Mapped[str] = mapped_column(String(64))
