"""Every trade-data query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.tradedata.models import FxReferenceRate, IngestBatch, Store


def insert_rates(session: Session, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    result = session.execute(insert(FxReferenceRate).values(rows).on_conflict_do_nothing(
        index_elements=["source", "base_currency", "quote_currency", "rate_date"])
        .returning(FxReferenceRate.id))
    return len(result.all())


def latest_rate(session: Session, base: str, quote: str, on: date) -> FxReferenceRate | None:
    """The newest rate published on or before ``on`` (weekends and holidays have none)."""
    return session.execute(
        select(FxReferenceRate).where(FxReferenceRate.base_currency == base,
                                      FxReferenceRate.quote_currency == quote,
                                      FxReferenceRate.rate_date <= on)
        .order_by(FxReferenceRate.rate_date.desc()).limit(1)).scalar_one_or_none()


def batch_marketplaces(session: Session, batch_id: uuid.UUID) -> list[tuple[str, str, date | None]]:
    """(marketplace, currency, first day seen) of the settlements and orders of one batch."""
    rows = session.execute(text("""
        SELECT marketplace, min(currency), min(day) FROM (
            SELECT marketplace, currency, coalesce(period_start, deposit_date)::date AS day
              FROM trade_settlements WHERE batch_id = :batch
            UNION ALL
            SELECT marketplace, currency, purchased_at::date FROM trade_orders WHERE batch_id = :batch
        ) seen GROUP BY marketplace ORDER BY marketplace"""), {"batch": batch_id}).all()
    return [(row[0], row[1], row[2]) for row in rows]


def upsert_store(session: Session, seller_organisation_id: uuid.UUID, marketplace: str,
                 region: str | None, currency: str, first_seen_on: date | None) -> None:
    statement = insert(Store).values(seller_organisation_id=seller_organisation_id, marketplace=marketplace,
                                     region=region, currency=currency, first_seen_on=first_seen_on)
    session.execute(statement.on_conflict_do_update(
        index_elements=["seller_organisation_id", "marketplace"],
        set_={"first_seen_on": func.least(Store.first_seen_on, statement.excluded.first_seen_on)}))


# --- bulk loading of ingested rows -----------------------------------------------------------

# Columns every ingested row has besides its own (models._Ingested).
INGESTED_COLUMNS = ("seller_organisation_id", "batch_id", "source_line")
COPY_CHUNK_ROWS = 5000


@dataclass(frozen=True, slots=True)
class TableLoad:
    """How one canonical table is bulk-loaded: its own columns and its source key."""

    table: str
    columns: tuple[str, ...]          # the row's own columns, in the order rows are given
    key: tuple[str, ...]              # unique per seller (seller_organisation_id is added)
    # Columns left out of the change digest (e.g. ciphertext, which differs on every write).
    undigested: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergeCounts:
    staged: int
    inserted: int
    updated: int

    @property
    def duplicates(self) -> int:
        return self.staged - self.inserted - self.updated


class StagedTable:
    """Rows COPYed into a temporary table as they stream in, merged into the real table once
    the whole file has passed validation (so a rejected file stores nothing, and the merge is
    one set-based statement instead of a million single-row upserts)."""

    def __init__(self, session: Session, load: TableLoad, seller_organisation_id: uuid.UUID,
                 batch_id: uuid.UUID) -> None:
        self._session = session
        self._load = load
        self._prefix = (seller_organisation_id, batch_id)
        self._buffer: list[tuple[Any, ...]] = []
        self._staging = f"staging_{load.table}_{batch_id.hex[:12]}"
        self._staged = 0
        self._created = False

    def add(self, source_line: int, values: tuple[Any, ...]) -> None:
        self._buffer.append((*self._prefix, source_line, *values))
        if len(self._buffer) >= COPY_CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        driver = _driver(self._session)
        columns = sql.SQL(", ").join(map(sql.Identifier, (*INGESTED_COLUMNS, *self._load.columns)))
        if not self._created:
            # The staged columns' types, without the table's constraints (digest comes later).
            driver.execute(sql.SQL(
                "CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
            ).format(staging=sql.Identifier(self._staging), columns=columns,
                     table=sql.Identifier(self._load.table)))
            self._created = True
        with driver.cursor() as cursor, cursor.copy(sql.SQL("COPY {staging} ({columns}) FROM STDIN").format(
                staging=sql.Identifier(self._staging), columns=columns)) as copy:
            for row in self._buffer:
                copy.write_row(row)
        self._staged += len(self._buffer)
        self._buffer = []

    def merge(self) -> MergeCounts:
        """Insert new rows, replace rows whose content changed, skip identical ones. Within the
        file, the last occurrence of a key wins (a settlement re-download repeats earlier lines)."""
        self.flush()
        if not self._created:
            return MergeCounts(0, 0, 0)
        load = self._load
        key = ("seller_organisation_id", *load.key)
        own = (*INGESTED_COLUMNS, *load.columns)
        digested = [column for column in load.columns if column not in load.undigested]
        statement = sql.SQL("""
            WITH merged AS (
                INSERT INTO {table} ({columns}, content_digest)
                SELECT DISTINCT ON ({key}) {columns}, md5(ROW({digested})::text)
                  FROM {staging} ORDER BY {key}, source_line DESC
                ON CONFLICT ({key}) DO UPDATE SET {updates}
                 WHERE {table}.content_digest <> EXCLUDED.content_digest
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
        """).format(
            table=sql.Identifier(load.table), staging=sql.Identifier(self._staging),
            columns=sql.SQL(", ").join(map(sql.Identifier, own)),
            key=sql.SQL(", ").join(map(sql.Identifier, key)),
            digested=sql.SQL(", ").join(map(sql.Identifier, digested)),
            updates=sql.SQL(", ").join(
                sql.SQL("{column} = EXCLUDED.{column}").format(column=sql.Identifier(column))
                for column in (*own, "content_digest") if column not in key))
        driver = _driver(self._session)
        row = driver.execute(statement).fetchone()
        driver.execute(sql.SQL("DROP TABLE {staging}").format(staging=sql.Identifier(self._staging)))
        assert row is not None
        return MergeCounts(self._staged, int(row[0]), int(row[1]))


def _driver(session: Session) -> psycopg.Connection[Any]:
    # COPY is psycopg's; the session's own connection keeps it in the same transaction.
    driver = session.connection().connection.driver_connection
    assert driver is not None
    return driver  # type: ignore[no-any-return]


def list_batches(session: Session, seller_organisation_id: uuid.UUID | None,
                 request: PageRequest) -> Page[Any]:
    statement = select(IngestBatch)
    if seller_organisation_id is not None:
        statement = statement.where(IngestBatch.seller_organisation_id == seller_organisation_id)
    return fetch_page(session, statement, (IngestBatch.created_at.desc(), IngestBatch.id), request)


def get_batch(session: Session, batch_id: uuid.UUID, seller_organisation_id: uuid.UUID | None
              ) -> IngestBatch | None:
    statement = select(IngestBatch).where(IngestBatch.id == batch_id)
    if seller_organisation_id is not None:
        statement = statement.where(IngestBatch.seller_organisation_id == seller_organisation_id)
    return session.execute(statement).scalar_one_or_none()
