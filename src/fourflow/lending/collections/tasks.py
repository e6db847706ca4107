"""Collections jobs: the daily run over every active loan (after the night's accrual), and the
reminder mails it enqueues."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database
from fourflow.core.jobs import job_runtime
from fourflow.lending.collections import service
from fourflow.lending.collections.errors import LoanNotActive, NoStockToLock
from fourflow.lending.loans import service as loans
from fourflow.notifications.mail import transport_for

blueprint = Blueprint()
# Every day at 01:00 UTC, after the 00:30 accrual: today's actions for yesterday's repayments.
COLLECTIONS_CRON = "0 1 * * *"


def collect_all(database: Database, as_of: date) -> int:
    """Each active loan in its own transaction; safe to run again (one action per loan, day and
    action). Returns the actions created."""
    with database.unit_of_work() as session:
        loan_ids: list[uuid.UUID] = loans.active_loan_ids(session)
    created = 0
    for loan_id in loan_ids:
        with database.unit_of_work() as session:
            created += len(service.collect_loan(session, AuditContext.system(), loan_id, as_of))
    release_repaid(database)
    return created


def release_repaid(database: Database) -> int:
    """The pledged stock of loans repaid since it was locked goes back to the seller."""
    with database.unit_of_work() as session:
        loan_ids = service.loans_with_locked_stock(session)
    released = 0
    for loan_id in loan_ids:
        with database.unit_of_work() as session:
            released += len(service.release_if_repaid(session, AuditContext.system(), loan_id))
    return released


@blueprint.periodic(cron=COLLECTIONS_CRON)
@blueprint.task(name="collect_all", retry=3)
def collect_all_loans(timestamp: int) -> None:
    collect_all(job_runtime().database, datetime.fromtimestamp(timestamp, UTC).date())


@blueprint.task(name="send_collection_reminder", retry=5)
def send_collection_reminder(action_id: str) -> None:
    runtime = job_runtime()
    with runtime.database.unit_of_work() as session:
        service.send_reminder(session, transport_for(runtime.settings.mail), uuid.UUID(action_id))


# Every day at 01:30 UTC: post-loan monitoring of every active loan.
MONITORING_CRON = "30 1 * * *"


def monitor_all(database: Database, as_of: date) -> int:
    """Each active loan in its own transaction; one alert per loan and day. Returns the alerts raised."""
    with database.unit_of_work() as session:
        loan_ids: list[uuid.UUID] = loans.active_loan_ids(session)
    raised = 0
    for loan_id in loan_ids:
        with database.unit_of_work() as session:
            raised += service.monitor_loan(session, AuditContext.system(), loan_id, as_of) is not None
    return raised


@blueprint.periodic(cron=MONITORING_CRON)
@blueprint.task(name="monitor_all", retry=3)
def monitor_all_loans(timestamp: int) -> None:
    monitor_all(job_runtime().database, datetime.fromtimestamp(timestamp, UTC).date())


@blueprint.task(name="lock_pledged_stock", retry=5)
def lock_pledged_stock(loan_id: str, action_id: str) -> None:
    """The strategy's stock lock (61+ days past due); a warehouse that cannot be reached fails the
    job, which procrastinate retries. A loan repaid meanwhile, or no pledged stock, locks nothing."""
    with job_runtime().database.unit_of_work() as session:
        try:
            service.lock_pledged_stock(session, AuditContext.system(), uuid.UUID(loan_id),
                                       f"collections@v1: 61 or more days past due (action {action_id})")
        except (LoanNotActive, NoStockToLock):
            return


@blueprint.task(name="send_recall_notice", retry=5)
def send_recall_notice(recall_id: str) -> None:
    """The seller's people learn of an early recall in their language, after the decision commits."""
    runtime = job_runtime()
    with runtime.database.unit_of_work() as session:
        service.send_recall_notice(session, transport_for(runtime.settings.mail), uuid.UUID(recall_id))
