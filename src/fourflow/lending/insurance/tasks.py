"""Insurance jobs: binding policies the insurer could not take at disbursement, paying premiums on to
the insurer, and collecting approved claims once the insurer has paid them. Each item runs in its own
transaction and is safe to run again (a bound policy, a paid premium or a paid claim is left alone);
an insurer that cannot be reached leaves the item for the next run."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from procrastinate import Blueprint
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database
from fourflow.core.jobs import job_runtime
from fourflow.lending.insurance import service
from fourflow.lending.insurance.errors import InsurerUnavailable

blueprint = Blueprint()
BIND_CRON = "15 2 * * *"  # daily (operations bind at once from the Insurance page); a quarter-hourly
# cron would be due whenever a worker starts, and a worker run to drain the queue would defer it first
SETTLE_CRON = "0 2 * * *"  # daily, after collections: approved claims the insurer has paid
REMIT_CRON = "30 2 * * *"  # daily: premiums of the policies bound since


def _each(database: Database, ids: Callable[[Session], list[uuid.UUID]],
          act: Callable[[Session, uuid.UUID], bool]) -> int:
    """``act`` on each item in its own transaction; how many it changed."""
    with database.unit_of_work() as session:
        found = ids(session)
    done = 0
    for item in found:
        try:
            with database.unit_of_work() as session:
                done += act(session, item)
        except InsurerUnavailable:
            continue
    return done


def bind_pending(database: Database) -> int:
    return _each(database, service.pending_policy_ids,
                 lambda session, policy_id: service.bind_pending(
                     session, AuditContext.system(), policy_id).status == "active")


def settle_claims(database: Database) -> int:
    return _each(database, service.approved_claim_ids,
                 lambda session, claim_id: service.settle(
                     session, AuditContext.system(), claim_id).status == "paid")


def remit_premiums(database: Database) -> int:
    return _each(database, service.unremitted_policy_ids,
                 lambda session, policy_id: service.remit_premium(
                     session, AuditContext.system(), policy_id).premium_remitted_at is not None)


@blueprint.periodic(cron=BIND_CRON)
@blueprint.task(name="bind_pending_policies", retry=3)
def bind_pending_policies(timestamp: int) -> None:
    bind_pending(job_runtime().database)


@blueprint.periodic(cron=SETTLE_CRON)
@blueprint.task(name="settle_insurance_claims", retry=3)
def settle_insurance_claims(timestamp: int) -> None:
    settle_claims(job_runtime().database)


@blueprint.periodic(cron=REMIT_CRON)
@blueprint.task(name="remit_insurance_premiums", retry=3)
def remit_insurance_premiums(timestamp: int) -> None:
    remit_premiums(job_runtime().database)
