"""Loan jobs: the nightly interest accrual of every active loan."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database
from fourflow.core.jobs import job_runtime
from fourflow.lending.loans import service

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
