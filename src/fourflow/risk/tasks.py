"""Risk jobs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core.jobs import job_runtime
from fourflow.risk.service import monitoring, scoring

blueprint = Blueprint()
# Every day at 03:00 UTC, after the night's data has landed and sellers were re-scored.
DRIFT_CHECK_CRON = "0 3 * * *"


@blueprint.task(name="rescore_seller", retry=3)
def rescore_seller(seller_id: str) -> None:
    """After a seller's data landed (and its figures were recomputed): features, score, grade."""
    with job_runtime().database.unit_of_work() as session:
        scoring.rescore(session, AuditContext.system(), uuid.UUID(seller_id))


@blueprint.periodic(cron=DRIFT_CHECK_CRON)
@blueprint.task(name="check_model_drift", retry=3)
def check_model_drift(timestamp: int) -> None:
    """The daily drift check of the active credit model (once per model version and day)."""
    as_of = datetime.fromtimestamp(timestamp, UTC).date()
    with job_runtime().database.unit_of_work() as session:
        monitoring.scheduled_check(session, AuditContext.system(), as_of=as_of)
