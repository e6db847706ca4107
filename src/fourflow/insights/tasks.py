"""Insights jobs: the daily reminders run over every seller, and the reminder mails it enqueues."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core.database import Database
from fourflow.core.jobs import job_runtime
from fourflow.insights import service
from fourflow.notifications.mail import transport_for

blueprint = Blueprint()
# Every day at 02:00 UTC, after the night's accrual (00:30) and collections (01:00): due amounts are settled.
REMINDERS_CRON = "0 2 * * *"


def remind_all(database: Database, today: date) -> int:
    """Each seller in its own transaction (one seller's trouble does not hold back the others); safe
    to run again: a reminder is raised once per seller and key. Returns the reminders raised."""
    with database.unit_of_work() as session:
        seller_ids = service.seller_ids(session)
    raised = 0
    for seller_id in seller_ids:
        with database.unit_of_work() as session:
            raised += len(service.remind_seller(session, AuditContext.system(), seller_id, today))
    return raised


@blueprint.periodic(cron=REMINDERS_CRON)
@blueprint.task(name="remind_all", retry=3)
def remind_all_sellers(timestamp: int) -> None:
    remind_all(job_runtime().database, datetime.fromtimestamp(timestamp, UTC).date())


@blueprint.task(name="send_reminder", retry=5)
def send_reminder(reminder_id: str) -> None:
    runtime = job_runtime()
    with runtime.database.unit_of_work() as session:
        service.send_reminder(session, transport_for(runtime.settings.mail), uuid.UUID(reminder_id))
