"""Remote lock and release of a seller's pledged stock for a loan, through the warehouse port.

A lock asks the warehouse to lock every pledged unit of each SKU not locked yet; a release frees
what was locked for the loan. Each call goes through the warehouse's circuit breaker and timeout;
each lock or release is recorded (``lending_stock_lock_events``, one per idempotency key) and
audited in the same transaction. A warehouse that cannot be reached refuses the whole request
(``WarehouseUnavailable``) and nothing is recorded: the officer or the job tries again, and the
warehouse does each keyed instruction once.

Locks come from the collections strategy (``stock_lock`` at 61+ days past due, run by a job after the
day's actions commit) or from an officer; releases from an officer, or from the daily job once the
loan is repaid (closed).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from functools import partial

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.lending.collections import repository
from fourflow.lending.collections.errors import (
    LoanNotActive,
    NoStockToLock,
    NoStockToRelease,
    StockActionReasonMissing,
)
from fourflow.lending.collections.models import StockLockEvent
from fourflow.lending.collections.warehouse.port import StockInstruction
from fourflow.lending.collections.warehouse.registry import GuardedWarehouse, warehouse
from fourflow.lending.loans import service as loans


def locked_units(session: Session, loan_id: uuid.UUID) -> dict[str, int]:
    """Units locked for the loan per SKU (Σ lock − Σ release), SKUs with none left out."""
    net: dict[str, int] = defaultdict(int)
    for event in repository.stock_events(session, loan_id):
        net[event.sku] += event.units if event.kind == "lock" else -event.units
    return {sku: units for sku, units in sorted(net.items()) if units > 0}


def stock_events(session: Session, loan_id: uuid.UUID,
                 seller_organisation_id: uuid.UUID | None) -> list[StockLockEvent]:
    loan = loans.get_loan(session, loan_id, seller_organisation_id)
    return repository.stock_events(session, loan.id)


def _record(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, seller: uuid.UUID,
            kind: str, guarded: GuardedWarehouse, sku: str, units: int, reason: str, key: str,
            requested_by_user_id: uuid.UUID | None) -> StockLockEvent:
    row = StockLockEvent(id=uuid.uuid4(), loan_id=loan_id, seller_organisation_id=seller, kind=kind,
                         warehouse=guarded.name, sku=sku, units=units, reason=reason, idempotency_key=key,
                         requested_by_user_id=requested_by_user_id, created_at=get_clock().now())
    repository.add(session, row)
    action = "lending:stock:locked" if kind == "lock" else "lending:stock:released"
    audit.record(session, context, action, subject_type="lending_loan",
                 subject_id=loan_id, organisation_id=seller,
                 after={"warehouse": guarded.name, "sku": sku, "units": units, "reason": reason,
                        "idempotency_key": key})
    return row


def _count(session: Session, loan_id: uuid.UUID, kind: str, sku: str) -> int:
    return sum(1 for event in repository.stock_events(session, loan_id)
               if event.kind == kind and event.sku == sku)


def lock_pledged_stock(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, reason: str,
                       *,
                       guarded: GuardedWarehouse | None = None,
                       requested_by_user_id: uuid.UUID | None = None) -> list[StockLockEvent]:
    if not reason or not reason.strip():
        raise StockActionReasonMissing(field="reason")
    loan = loans.get_loan(session, loan_id, None, for_update=True)
    if loan.status != "active":
        raise LoanNotActive(status=loan.status)
    guarded = guarded or warehouse()
    seller = str(loan.seller_organisation_id)
    events = []
    for position in guarded.call(partial(guarded.warehouse.positions, seller)):
        free = position.pledged - position.locked
        if free <= 0:
            continue
        number = _count(session, loan.id, "lock", position.sku) + 1
        key = f"lending:loan:{loan.id}:stock:lock:{position.sku}:{number}"
        guarded.call(partial(guarded.warehouse.lock, StockInstruction(key, seller, position.sku, free)))
        events.append(_record(session, context, loan.id, loan.seller_organisation_id, "lock", guarded,
                              position.sku, free, reason.strip()[:500], key, requested_by_user_id))
    if not events:
        raise NoStockToLock()
    return events


def release_stock(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, reason: str, *,
                  guarded: GuardedWarehouse | None = None,
                  requested_by_user_id: uuid.UUID | None = None) -> list[StockLockEvent]:
    if not reason or not reason.strip():
        raise StockActionReasonMissing(field="reason")
    loan = loans.get_loan(session, loan_id, None, for_update=True)
    guarded = guarded or warehouse()
    seller = str(loan.seller_organisation_id)
    events = []
    for sku, units in locked_units(session, loan.id).items():
        key = f"lending:loan:{loan.id}:stock:release:{sku}:{_count(session, loan.id, 'release', sku) + 1}"
        guarded.call(partial(guarded.warehouse.release, StockInstruction(key, seller, sku, units)))
        events.append(_record(session, context, loan.id, loan.seller_organisation_id, "release", guarded,
                              sku, units, reason.strip()[:500], key, requested_by_user_id))
    if not events:
        raise NoStockToRelease()
    return events


def loans_with_locked_stock(session: Session) -> list[uuid.UUID]:
    return repository.loan_ids_with_locked_stock(session)


def release_if_repaid(session: Session, context: audit.AuditContext, loan_id: uuid.UUID, *,
                      guarded: GuardedWarehouse | None = None) -> list[StockLockEvent]:
    """The daily job: a repaid (closed) loan's stock goes back to the seller."""
    loan = loans.get_loan(session, loan_id, None)
    if loan.status != "closed" or not locked_units(session, loan.id):
        return []
    return release_stock(session, context, loan.id, "Loan repaid", guarded=guarded)
