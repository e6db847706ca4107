"""Queries of the credit-model registry."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fourflow.risk.models import CreditModel


def active(session: Session, name: str) -> CreditModel | None:
    return session.execute(select(CreditModel).where(
        CreditModel.name == name, CreditModel.status == "active")).scalar_one_or_none()


def by_version(session: Session, name: str, version: str) -> CreditModel | None:
    return session.execute(select(CreditModel).where(
        CreditModel.name == name, CreditModel.version == version)).scalar_one_or_none()


def add(session: Session, model: CreditModel) -> None:
    session.add(model)
    session.flush()


def retire_active(session: Session, name: str) -> None:
    session.execute(update(CreditModel).where(CreditModel.name == name, CreditModel.status == "active")
                    .values(status="retired"))
    session.flush()


def versions(session: Session, name: str) -> list[CreditModel]:
    """Every stored version of the model, newest first."""
    return list(session.execute(select(CreditModel).where(CreditModel.name == name).order_by(
        CreditModel.created_at.desc(), CreditModel.version.desc())).scalars())
