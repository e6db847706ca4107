"""Risk jobs."""

from __future__ import annotations

import uuid

from procrastinate import Blueprint

from fourflow.audit.service import AuditContext
from fourflow.core.jobs import job_runtime
from fourflow.risk.service import scoring

blueprint = Blueprint()


@blueprint.task(name="rescore_seller", retry=3)
def rescore_seller(seller_id: str) -> None:
    """After a seller's data landed (and its figures were recomputed): features, score, grade."""
    with job_runtime().database.unit_of_work() as session:
        scoring.rescore(session, AuditContext.system(), uuid.UUID(seller_id))
