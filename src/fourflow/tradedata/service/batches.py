"""Reading ingest batches: what a seller (or staff, for everyone) has sent."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.core.errors import NotFound
from fourflow.core.i18n import N_
from fourflow.core.pagination import Page, PageRequest
from fourflow.tradedata import repository
from fourflow.tradedata.models import IngestBatch


class BatchNotFound(NotFound):
    code = "batch_not_found"
    message = N_("No such upload.")


def list_batches(session: Session, seller_organisation_id: uuid.UUID | None,
                 request: PageRequest) -> Page[IngestBatch]:
    """``seller_organisation_id`` None means every seller (platform staff)."""
    return repository.list_batches(session, seller_organisation_id, request)


def get_batch(session: Session, batch_id: uuid.UUID, seller_organisation_id: uuid.UUID | None) -> IngestBatch:
    batch = repository.get_batch(session, batch_id, seller_organisation_id)
    if batch is None:
        raise BatchNotFound()
    return batch
