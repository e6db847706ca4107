"""Loan jobs: the nightly interest accrual of every active loan, the daily re-evaluation of the
disbursement conditions of waiting loans, and following supplier payments to their outcome."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core import jobs
from fourflow.core.database import Database
from fourflow.core.jobs import job_runtime
from fourflow.lending.loans import service
from fourflow.lending.loans.service.disbursement import RECHECK_SECONDS

blueprint = Blueprint()
# Every day at 00:30 UTC, once yesterday is over: its interest is accrued.
ACCRUAL_CRON = "30 0 * * *"


def accrue_all(database: Database, through: date) -> int:
    """Each active loan in its own transaction (one loan's trouble does not hold back the others);
    safe to run again: a day accrued once is not accrued twice. Returns the loans that posted."""
    with database.unit_of_work() as session:
        loan_ids: list[uuid.UUID] = service.active_loan_ids(session)
    posted = 0
    for loan_id in loan_ids:
        with database.unit_of_work() as session:
            accrued = service.accrue_interest(session, AuditContext.system(), loan_id, through)
            posted += int(not accrued.is_zero())
    return posted


@blueprint.periodic(cron=ACCRUAL_CRON)
@blueprint.task(name="accrue_all", retry=3)
def accrue_all_loans(timestamp: int) -> None:
    runtime = job_runtime()
    accrue_all(runtime.database, datetime.fromtimestamp(timestamp, UTC).date() - timedelta(days=1))


# Every day at 06:00 UTC: the safety net behind the events (a missed countersignature or tracking
# file still disburses the loan the next morning).
CONDITIONS_CRON = "0 6 * * *"


def evaluate_all_conditions(database: Database) -> int:
    """Each waiting loan in its own transaction; returns how many left ``awaiting_disbursement``."""
    with database.unit_of_work() as session:
        loan_ids = service.waiting_loan_ids(session)
    moved = 0
    for loan_id in loan_ids:
        with database.unit_of_work() as session:
            loan = service.evaluate_loan(session, AuditContext.system(), loan_id,
                                         service.ConditionEvent.PERIODIC)
            moved += int(loan.status != "awaiting_disbursement")
    return moved


@blueprint.periodic(cron=CONDITIONS_CRON)
@blueprint.task(name="evaluate_conditions", retry=3)
def evaluate_conditions(timestamp: int) -> None:
    evaluate_all_conditions(job_runtime().database)


@blueprint.task(name="complete_disbursement", retry=5)
def complete_disbursement(loan_id: str) -> None:
    """Follow a supplier payment until a channel took it (the loan is booked) or none did (released);
    while the router still has it, look again later."""
    with job_runtime().database.unit_of_work() as session:
        loan = service.complete_disbursement(session, AuditContext.system(), uuid.UUID(loan_id))
        if loan.status == "disbursing":
            jobs.enqueue(session, service.COMPLETE_DISBURSEMENT_TASK, {"loan_id": loan_id},
                         delay_seconds=RECHECK_SECONDS)


# Every day at 05:00 UTC, once yesterday's tracking files are in: the daily advances on its sales.
DAILY_ADVANCES_CRON = "0 5 * * *"


def advance_all(database: Database, sales_on: date) -> dict[uuid.UUID, str]:
    """Each enrolled seller in its own transaction; safe to run again (a day is advanced once).
    Returns each seller's outcome (``AdvanceOutcome.reason``)."""
    with database.unit_of_work() as session:
        seller_ids = service.enrolled_seller_ids(session)
    outcomes: dict[uuid.UUID, str] = {}
    for seller_id in seller_ids:
        with database.unit_of_work() as session:
            outcome = service.advance_day(session, AuditContext.system(), seller_id, sales_on)
        outcomes[seller_id] = outcome.reason
    return outcomes


@blueprint.periodic(cron=DAILY_ADVANCES_CRON)
@blueprint.task(name="daily_advances", retry=3)
def daily_advances(timestamp: int) -> None:
    advance_all(job_runtime().database, datetime.fromtimestamp(timestamp, UTC).date() - timedelta(days=1))
