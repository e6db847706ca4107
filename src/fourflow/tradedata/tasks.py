"""Trade-data jobs."""

from __future__ import annotations

import uuid

from procrastinate import Blueprint

from fourflow.core import jobs
from fourflow.core.jobs import job_runtime
from fourflow.tradedata.service import figures

blueprint = Blueprint()


@blueprint.task(name="recompute_figures", retry=3)
def recompute_figures(seller_id: str) -> None:
    with job_runtime().database.unit_of_work() as session:
        figures.recompute(session, uuid.UUID(seller_id))
        # The risk engine re-scores the seller on the new figures (F13); named, not imported,
        # so trade data does not depend on the risk domain.
        jobs.enqueue(session, "risk:rescore_seller", {"seller_id": seller_id},
                     queueing_lock=f"risk:rescore:{seller_id}")
