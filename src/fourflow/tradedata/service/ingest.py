"""Ingesting a seller's file: stream it through its connector into staging tables, refuse the
whole file when any row has a problem, otherwise merge it into the canonical tables in one
transaction (re-ingestion inserts nothing twice) and record the batch, its quality and an audit
event."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import events, jobs
from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_, Language, translate
from fourflow.tradedata import repository
from fourflow.tradedata.connectors.registry import CONNECTORS, UploadOptions, connector_for
from fourflow.tradedata.models import IngestBatch
from fourflow.tradedata.records import Problem
from fourflow.tradedata.repository import MergeCounts, StagedTable
from fourflow.tradedata.service import quality, staging

MAX_PROBLEMS_SHOWN = 100
# Published when a file adds or corrects carrier tracking checkpoints of a seller.
TRACKING_EVENTS_INGESTED = "tradedata:tracking_events:ingested"
PROGRESS_EVERY_ROWS = 50_000

class UnknownFormat(ValidationFailed):
    code = "unknown_format"
    message = N_("Unknown format {format}; use one of: {formats}.")


class FileRejected(ValidationFailed):
    """The file had problems; nothing of it was stored."""

    code = "file_rejected"
    message = N_("Nothing was stored: {rejected} problems were found in the file.")

    def __init__(self, problems: list[Problem], *, rows: int, rejected: int, format: str) -> None:
        super().__init__(rejected=str(rejected))
        self.problems = problems
        self.rows = rows
        self.rejected = rejected
        self.format = format

    def detail(self, language: Language) -> dict[str, Any]:
        return {"message": self.localised(language), "format": self.format, "rows": self.rows,
                "rejected": self.rejected,
                "problems": [localised_problem(problem, language) for problem in self.problems]}


def localised_problem(problem: Problem, language: Language) -> dict[str, Any]:
    return {"line": problem.line, "column": problem.column,
            "reason": translate(problem.reason, language, **problem.params)}


@dataclass(frozen=True, slots=True)
class IngestSummary:
    format: str
    rows: int
    inserted: int
    updated: int
    duplicates: int
    rejected: int
    batch_id: uuid.UUID
    tables: dict[str, int] = field(default_factory=dict)  # rows inserted per table


ProgressCallback = Callable[[int, int], None]  # (bytes read, records parsed)


def formats() -> list[str]:
    return sorted(CONNECTORS)


def ingest(session: Session, context: audit.AuditContext, *, seller_organisation_id: uuid.UUID,
           format: str, source: BinaryIO, filename: str | None, channel: str, secret: str,
           uploaded_by_user_id: uuid.UUID | None = None, progress: ProgressCallback | None = None,
           options: UploadOptions | None = None) -> IngestSummary:
    """Take a whole file or nothing. Raises FileRejected listing the first 100 problems."""
    connector = connector_for(format)
    if connector is None:
        raise UnknownFormat(field="format", format=format, formats=", ".join(formats()))
    # A savepoint makes the ingest atomic on its own: a refused file leaves the caller's
    # transaction exactly as it was, whatever the caller does next.
    savepoint = session.begin_nested()
    try:
        repository.lock_seller_ingest(session, seller_organisation_id)
        summary = _ingest(session, context, seller_organisation_id=seller_organisation_id,
                          format=format, source=source, filename=filename, channel=channel, secret=secret,
                          uploaded_by_user_id=uploaded_by_user_id, progress=progress,
                          options=options or UploadOptions())
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return summary


def _ingest(session: Session, context: audit.AuditContext, *,
            seller_organisation_id: uuid.UUID, format: str, source: BinaryIO, filename: str | None,
            channel: str, secret: str, uploaded_by_user_id: uuid.UUID | None,
            progress: ProgressCallback | None, options: UploadOptions) -> IngestSummary:
    reader = _CountingReader(source)
    batch_id = uuid.uuid4()
    # The batch row goes first: staged rows refer to it, and all of it rolls back together.
    batch = IngestBatch(id=batch_id, seller_organisation_id=seller_organisation_id, format=format,
                        filename=(filename or None) and filename[:255], content_sha256="", encoding=None,
                        size_bytes=0, rows=0, inserted=0, updated=0, duplicates=0,
                        uploaded_by_user_id=uploaded_by_user_id, channel=channel)
    session.add(batch)
    session.flush()
    stager = _Stager(session, seller_organisation_id, batch_id)
    problems: list[Problem] = []
    rejected = records = 0
    request = staging.ParseRequest(format, options, seller_organisation_id, secret)
    for item in staging.staged(request, cast(BinaryIO, reader), staging.source_size(source)):
        if isinstance(item, Problem):
            rejected += 1
            if len(problems) < MAX_PROBLEMS_SHOWN:
                problems.append(item)
        elif isinstance(item, staging.ParseFinished):
            records = item.records
        elif not rejected:  # once the file is refused, only its problems are still listed
            stager.add(item)
            if isinstance(item, staging.StagedRows):
                passed = item.records // PROGRESS_EVERY_ROWS > records // PROGRESS_EVERY_ROWS
                if progress is not None and passed:
                    progress(reader.bytes_read, item.records)
                records = item.records
    if rejected:
        raise FileRejected(problems, rows=records + rejected, rejected=rejected, format=format)
    counts = stager.merge()
    inserted = sum(count.inserted for count in counts.values())
    updated = sum(count.updated for count in counts.values())
    duplicates = sum(count.duplicates for count in counts.values())
    batch.content_sha256 = reader.sha256.hexdigest()
    batch.size_bytes = reader.bytes_read
    batch.rows, batch.inserted, batch.updated, batch.duplicates = records, inserted, updated, duplicates
    _record_stores(session, seller_organisation_id, batch_id)
    session.flush()
    quality.assess_batch(session, seller_organisation_id, batch_id, format,
                         {table for table, count in counts.items() if count.staged})
    if counts.get("trade_settlement_lines", MergeCounts(0, 0, 0)).inserted or any(
            count.updated for count in counts.values()):
        # Derived figures (and their lineage) follow the data; recomputed by a job so a big file's
        # upload answers as soon as it is stored.
        jobs.enqueue(session, "tradedata:recompute_figures", {"seller_id": str(seller_organisation_id)},
                     queueing_lock=f"tradedata:figures:{seller_organisation_id}")
    tracking = counts.get("trade_tracking_events", MergeCounts(0, 0, 0))
    if tracking.inserted or tracking.updated:
        # Whoever waits on shipments (disbursement conditions) looks at the new checkpoints now.
        events.publish(session, events.DomainEvent(TRACKING_EVENTS_INGESTED, {
            "seller_organisation_id": str(seller_organisation_id), "batch_id": str(batch_id)},
            context.request_id))
    audit.record(session, context, "tradedata:batch:ingested", subject_type="trade_ingest_batch",
                 subject_id=batch_id, after={"format": format, "filename": batch.filename,
                                             "sha256": batch.content_sha256, "rows": records,
                                             "inserted": inserted, "updated": updated})
    if progress is not None:
        progress(reader.bytes_read, records)
    return IngestSummary(format, records, inserted, updated, duplicates, 0, batch_id,
                         {table: count.inserted for table, count in counts.items()})


class _Stager:
    """Passes each table's encoded rows on to its staging table; rates go to the shared table."""

    def __init__(self, session: Session, seller_organisation_id: uuid.UUID, batch_id: uuid.UUID) -> None:
        self._session = session
        self._seller = seller_organisation_id
        self._batch = batch_id
        self._tables: dict[str, StagedTable] = {}
        self._rates_seen = self._rates_inserted = 0

    def add(self, item: staging.StagedRows | staging.Rates) -> None:
        if isinstance(item, staging.Rates):
            self._rates_seen += len(item.rates)
            self._rates_inserted += repository.insert_rates(self._session, [
                {"id": uuid.uuid4(), "source": "ECB", "base_currency": rate.base_currency,
                 "quote_currency": rate.quote_currency, "rate_date": rate.rate_date, "rate": rate.rate}
                for rate in item.rates])
            return
        staged = self._tables.get(item.table)
        if staged is None:
            staged = self._tables[item.table] = StagedTable(
                self._session, staging.TABLE_LOADS[item.table], self._seller, self._batch)
        staged.write(item.copy_text, item.rows)

    def merge(self) -> dict[str, MergeCounts]:
        counts = {table: staged.merge() for table, staged in self._tables.items()}
        if self._rates_seen:
            counts["fx_reference_rates"] = MergeCounts(self._rates_seen, self._rates_inserted, 0)
        return counts


class _CountingReader:
    """Passes the upload through while hashing it and counting bytes (for progress)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._source.read(size)
        self.sha256.update(chunk)
        self.bytes_read += len(chunk)
        return chunk


# Marketplace domains (amazon.co.uk, amazon.de …) name their country by their top-level domain.
_DOMAIN_REGIONS = {"com": "US", "ca": "CA", "com.mx": "MX", "com.br": "BR", "co.uk": "GB", "de": "DE",
                   "fr": "FR", "it": "IT", "es": "ES", "nl": "NL", "se": "SE", "pl": "PL", "com.be": "BE",
                   "com.tr": "TR", "ae": "AE", "sa": "SA", "in": "IN", "co.jp": "JP", "com.au": "AU",
                   "sg": "SG", "cn": "CN", "eg": "EG"}


def marketplace_region(marketplace: str) -> str | None:
    _, _, domain = marketplace.partition(".")
    return _DOMAIN_REGIONS.get(domain)


def _record_stores(session: Session, seller_organisation_id: uuid.UUID, batch_id: uuid.UUID) -> None:
    """A seller's stores appear as their data does: one per marketplace seen."""
    for marketplace, currency, first_seen in repository.batch_marketplaces(session, batch_id):
        repository.upsert_store(session, seller_organisation_id, marketplace,
                                marketplace_region(marketplace), currency, first_seen)
