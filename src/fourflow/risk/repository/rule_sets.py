"""Queries of versioned rule sets and of the decisions a rule set is back-tested on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.risk.models import RiskDecision, RuleSetVersion


def active_version(session: Session, name: str) -> RuleSetVersion | None:
    return session.execute(select(RuleSetVersion).where(
        RuleSetVersion.name == name, RuleSetVersion.status == "active")).scalar_one_or_none()


def version(session: Session, name: str, number: int) -> RuleSetVersion | None:
    return session.execute(select(RuleSetVersion).where(
        RuleSetVersion.name == name, RuleSetVersion.version == number)).scalar_one_or_none()


def versions(session: Session, name: str | None = None) -> list[RuleSetVersion]:
    statement = select(RuleSetVersion).order_by(RuleSetVersion.name, RuleSetVersion.version.desc())
    if name is not None:
        statement = statement.where(RuleSetVersion.name == name)
    return list(session.execute(statement).scalars())


def next_version_number(session: Session, name: str) -> int:
    # Locks the name's versions so two proposals can't take the same number.
    session.execute(select(RuleSetVersion.id).where(RuleSetVersion.name == name).with_for_update())
    highest = session.execute(select(func.max(RuleSetVersion.version)).where(
        RuleSetVersion.name == name)).scalar_one()
    return 1 if highest is None else int(highest) + 1


def retire_active(session: Session, name: str) -> None:
    session.execute(update(RuleSetVersion).where(RuleSetVersion.name == name,
                                                 RuleSetVersion.status == "active").values(status="retired"))
    session.flush()


def recent_decisions(session: Session, limit: int) -> list[RiskDecision]:
    return list(session.execute(select(RiskDecision).order_by(RiskDecision.decided_at.desc())
                                .limit(limit)).scalars())



def insert_version_if_missing(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(RuleSetVersion).values(**values).on_conflict_do_nothing(
        index_elements=["name", "version"]))
