"""Every query on collection actions, write-offs and recoveries. ``seller_organisation_id`` limits a
query to one seller's rows (None: every seller's, for platform staff)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.core.database import locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.lending.collections.models import (
    CollectionAction,
    LoanRecall,
    LoanRecovery,
    LoanWriteOff,
    MonitoringAlert,
    StockLockEvent,
)


def _actions(seller_organisation_id: uuid.UUID | None) -> Select[CollectionAction]:
    statement = select(CollectionAction)
    if seller_organisation_id is not None:
        statement = statement.where(CollectionAction.seller_organisation_id == seller_organisation_id)
    return statement


def insert_action_if_new(session: Session, values: dict[str, object]) -> uuid.UUID | None:
    """The new action's id, or None when the (loan, day, action) exists already."""
    statement = (insert(CollectionAction).values(**values)
                 .on_conflict_do_nothing(index_elements=["loan_id", "action_on", "action"])
                 .returning(CollectionAction.id))
    found: uuid.UUID | None = session.execute(statement).scalar_one_or_none()
    return found


def action(session: Session, action_id: uuid.UUID) -> CollectionAction | None:
    return session.get(CollectionAction, action_id)


def actions(session: Session, seller_organisation_id: uuid.UUID | None, request: PageRequest, *,
            loan_id: uuid.UUID | None = None, action_on: date | None = None,
            action: str | None = None) -> Page[CollectionAction]:
    statement = _actions(seller_organisation_id)
    if loan_id is not None:
        statement = statement.where(CollectionAction.loan_id == loan_id)
    if action_on is not None:
        statement = statement.where(CollectionAction.action_on == action_on)
    if action is not None:
        statement = statement.where(CollectionAction.action == action)
    return fetch_page(session, statement, (CollectionAction.action_on.desc(), CollectionAction.id), request)


def add(session: Session,
        row: LoanWriteOff | LoanRecovery | StockLockEvent | MonitoringAlert | LoanRecall) -> None:
    session.add(row)
    session.flush()


def write_off_of(session: Session, loan_id: uuid.UUID) -> LoanWriteOff | None:
    return session.execute(select(LoanWriteOff).where(LoanWriteOff.loan_id == loan_id)).scalar_one_or_none()


def recovery(session: Session, loan_id: uuid.UUID, reference: str) -> LoanRecovery | None:
    return session.execute(select(LoanRecovery).where(
        LoanRecovery.loan_id == loan_id, LoanRecovery.reference == reference)).scalar_one_or_none()


def recoveries(session: Session, loan_id: uuid.UUID) -> list[LoanRecovery]:
    return list(session.execute(select(LoanRecovery).where(LoanRecovery.loan_id == loan_id)
                                .order_by(LoanRecovery.received_on, LoanRecovery.created_at)).scalars())


def stock_events(session: Session, loan_id: uuid.UUID) -> list[StockLockEvent]:
    return list(session.execute(select(StockLockEvent).where(StockLockEvent.loan_id == loan_id)
                                .order_by(StockLockEvent.created_at, StockLockEvent.id)).scalars())


def loan_ids_with_locked_stock(session: Session) -> list[uuid.UUID]:
    net = func.sum(case((StockLockEvent.kind == "lock", StockLockEvent.units), else_=-StockLockEvent.units))
    return list(session.execute(select(StockLockEvent.loan_id).group_by(StockLockEvent.loan_id)
                                .having(net > 0).order_by(StockLockEvent.loan_id)).scalars())


def insert_alert_if_new(session: Session, values: dict[str, object]) -> uuid.UUID | None:
    statement = (insert(MonitoringAlert).values(**values)
                 .on_conflict_do_nothing(index_elements=["loan_id", "raised_on"])
                 .returning(MonitoringAlert.id))
    found: uuid.UUID | None = session.execute(statement).scalar_one_or_none()
    return found


def alert(session: Session, alert_id: uuid.UUID, *, for_update: bool = False) -> MonitoringAlert | None:
    statement = select(MonitoringAlert).where(MonitoringAlert.id == alert_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def alerts(session: Session, request: PageRequest, *, status: str | None = None,
           loan_id: uuid.UUID | None = None) -> Page[MonitoringAlert]:
    statement = select(MonitoringAlert)
    if status is not None:
        statement = statement.where(MonitoringAlert.status == status)
    if loan_id is not None:
        statement = statement.where(MonitoringAlert.loan_id == loan_id)
    return fetch_page(session, statement, (MonitoringAlert.raised_on.desc(), MonitoringAlert.id), request)


def recall(session: Session, recall_id: uuid.UUID, *, for_update: bool = False) -> LoanRecall | None:
    statement = select(LoanRecall).where(LoanRecall.id == recall_id)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def recall_of_alert(session: Session, alert_id: uuid.UUID) -> LoanRecall | None:
    return session.execute(select(LoanRecall).where(LoanRecall.alert_id == alert_id)).scalar_one_or_none()


def standing_recall(session: Session, loan_id: uuid.UUID) -> LoanRecall | None:
    return session.execute(select(LoanRecall).where(
        LoanRecall.loan_id == loan_id, LoanRecall.lifted_at.is_(None))).scalar_one_or_none()


def recalls(session: Session, request: PageRequest, *, seller_organisation_id: uuid.UUID | None = None,
            standing_only: bool = False) -> Page[LoanRecall]:
    statement = select(LoanRecall)
    if seller_organisation_id is not None:
        statement = statement.where(LoanRecall.seller_organisation_id == seller_organisation_id)
    if standing_only:
        statement = statement.where(LoanRecall.lifted_at.is_(None))
    return fetch_page(session, statement, (LoanRecall.recalled_at.desc(), LoanRecall.id), request)
