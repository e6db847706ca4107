"""Outgoing messages. Each has an idempotency key so a retried job never sends twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fourflow.core.models import Base, Timestamps, UUIDPrimaryKey


class MailMessage(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "mail_messages"

    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    transport: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime | None]
