"""Every trade-data query."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Uuid,
    and_,
    bindparam,
    case,
    extract,
    func,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import InstrumentedAttribute, Session

from fourflow.core.database import advisory_lock
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.tradedata.models import (
    DerivedFigure,
    FigureSource,
    FxReferenceRate,
    IngestBatch,
    QualityCheck,
    RegistryRecord,
    SellerBankAccount,
    SellerDevice,
    SettlementLine,
    StockSnapshot,
    Store,
)


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
MERGE_CHUNK_ROWS = 50_000
# How a chunk merge runs: memory enough to sort a chunk (the default 4 MB spills a 50k-row
# chunk to disk), and no JIT (its compile time is more than a chunk's whole merge).
MERGE_SETTINGS = {"jit": "off", "work_mem": "'64MB'"}


@dataclass(frozen=True, slots=True)
class TableLoad:
    """How one canonical table is bulk-loaded: its own columns and its source key."""

    table: str
    columns: tuple[str, ...]          # the row's own columns, in the order rows are given
    key: tuple[str, ...]              # unique per seller (seller_organisation_id is added)
    # Columns that don't tell a changed row (e.g. ciphertext, which differs on every write).
    uncompared: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergeCounts:
    staged: int
    inserted: int
    updated: int

    @property
    def duplicates(self) -> int:
        return self.staged - self.inserted - self.updated


class StagedTable:
    """Rows COPYed into a temporary table as they stream in and merged into the real table in
    chunks of MERGE_CHUNK_ROWS, each chunk one set-based statement instead of thousands of
    single-row upserts. Everything happens in the caller's transaction (the ingest's
    savepoint), so a file refused late still stores nothing; merging as the file streams lets
    the database work while the connector parses the next rows.

    Rows arrive already in COPY's text format (``copy_text_line``): whoever parses the file
    encodes them, possibly in another process, and this side only passes bytes on."""

    def __init__(self, session: Session, load: TableLoad, seller_organisation_id: uuid.UUID,
                 batch_id: uuid.UUID) -> None:
        self._session = session
        self._load = load
        self._prefix = (seller_organisation_id, batch_id)
        # One staging table per canonical table and transaction, reused by every file of a long
        # transaction (the demo world loads hundreds): each table created holds a lock until
        # the transaction ends, and a table per file would exhaust the server's lock table.
        self._staging = f"staging_{load.table}"
        self._staged = self._unmerged = self._inserted = self._updated = 0
        self._created = False

    def write(self, copy_text: str, rows: int) -> None:
        """Stage ``rows`` rows given as COPY text lines (source line first, then the load's
        columns); merge once enough are staged."""
        if not rows:
            return
        driver = _driver(self._session)
        staging = sql.Identifier(self._staging)
        if not self._created:
            # The staged columns' types, without the table's constraints;
            # seller and batch are the same on every row, so they are defaults, not copied.
            driver.execute(sql.SQL(
                "CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DROP AS "
                "SELECT {columns} FROM {table} WITH NO DATA"
            ).format(staging=staging, table=sql.Identifier(self._load.table), columns=sql.SQL(", ").join(
                map(sql.Identifier, (*INGESTED_COLUMNS, *self._load.columns)))))
            seller, batch = self._prefix
            driver.execute(sql.SQL(
                "ALTER TABLE {staging} ALTER COLUMN seller_organisation_id SET DEFAULT {seller}, "
                "ALTER COLUMN batch_id SET DEFAULT {batch}").format(
                staging=staging, seller=sql.Literal(str(seller)), batch=sql.Literal(str(batch))))
            self._created = True
        copied = sql.SQL(", ").join(map(sql.Identifier, ("source_line", *self._load.columns)))
        with driver.cursor() as cursor, cursor.copy(sql.SQL("COPY {staging} ({columns}) FROM STDIN").format(
                staging=staging, columns=copied)) as copy:
            copy.write(copy_text.encode())
        self._staged += rows
        self._unmerged += rows
        if self._unmerged >= MERGE_CHUNK_ROWS:
            self._merge_staged()

    def merge(self) -> MergeCounts:
        """Merge what is still staged, leaving the staging table empty for the next file; the
        counts cover the file."""
        if not self._created:
            return MergeCounts(0, 0, 0)
        self._merge_staged()
        return MergeCounts(self._staged, self._inserted, self._updated)

    def _merge_staged(self) -> None:
        """Insert new keys, replace rows whose content changed, skip identical ones. Within a
        chunk the last occurrence of a key wins; a key seen in an earlier chunk is by now stored,
        so a later occurrence replaces it (a settlement re-download repeats earlier lines)."""
        load = self._load
        key = ("seller_organisation_id", *load.key)
        own = (*INGESTED_COLUMNS, *load.columns)
        compared = [column for column in load.columns if column not in load.uncompared]
        # One INSERT … ON CONFLICT per chunk: the unique key's index is the arbiter, so every row
        # is checked against exactly that index whatever the planner thinks of a table filled
        # in this very transaction (a join can pick another index and scan a seller's every row
        # per incoming row). A conflicting row is replaced only when its content differs;
        # ``xmax = 0`` tells an inserted row from an updated one. The seller's ingest lock
        # (lock_seller_ingest) keeps concurrent uploads apart.
        names = {"table": sql.Identifier(load.table), "staging": sql.Identifier(self._staging),
                 "columns": sql.SQL(", ").join(map(sql.Identifier, own)),
                 "key": sql.SQL(", ").join(map(sql.Identifier, key)),
                 "stored_compared": sql.SQL(", ").join(
                     sql.SQL("stored.{}").format(sql.Identifier(column)) for column in compared),
                 "incoming_compared": sql.SQL(", ").join(
                     sql.SQL("excluded.{}").format(sql.Identifier(column)) for column in compared),
                 "updates": sql.SQL(", ").join(
                     sql.SQL("{column} = excluded.{column}").format(column=sql.Identifier(column))
                     for column in own if column not in key)}
        driver = _driver(self._session)
        driver.execute("; ".join(f"SET LOCAL {name} = {value}" for name, value in MERGE_SETTINGS.items()))
        row = driver.execute(sql.SQL("""
            WITH merged AS (
                INSERT INTO {table} AS stored ({columns})
                SELECT DISTINCT ON ({key}) {columns} FROM {staging} ORDER BY {key}, source_line DESC
                ON CONFLICT ({key}) DO UPDATE SET {updates}
                 WHERE ROW({stored_compared}) IS DISTINCT FROM ROW({incoming_compared})
                RETURNING xmax = 0 AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged"""
        ).format(**names), prepare=False).fetchone()
        driver.execute("; ".join(f"SET LOCAL {name} TO DEFAULT" for name in MERGE_SETTINGS))
        # TRUNCATE, not DELETE: a scan of the next chunk would read every deleted row again.
        driver.execute(sql.SQL("TRUNCATE {}").format(sql.Identifier(self._staging)))
        assert row is not None
        inserted, updated = int(row[0]), int(row[1])
        self._inserted += inserted
        self._updated += updated
        self._unmerged = 0


# COPY's text format: these four characters are escaped, NULL is \\N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text_line(values: tuple[Any, ...]) -> str:
    """One row in COPY's text format. Called for every row of a million-line file, so the
    common types are tested by identity, cheapest first."""
    fields = []
    for value in values:
        kind = type(value)
        if kind is str:
            if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
                value = value.translate(_COPY_ESCAPES)
            fields.append(value)
        elif value is None:
            fields.append("\\N")
        elif kind is datetime or kind is date:
            fields.append(value.isoformat())
        elif kind is bytes:
            fields.append("\\\\x" + value.hex())  # bytea's hex form, its backslash escaped
        else:  # int, Decimal
            fields.append(str(value))
    return "\t".join(fields) + "\n"


def lock_seller_ingest(session: Session, seller_organisation_id: uuid.UUID) -> None:
    """One ingest per seller at a time (until the transaction ends): two uploads of the same
    file must not both see a key as new."""
    advisory_lock(session, f"tradedata:ingest:{seller_organisation_id}")


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


# --- the seller's overview (service.overview): monthly figures over [start, end) -------------
# Months are calendar months in UTC; every query is bound to one seller.


def monthly_settlement_lines(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                             end: datetime, kinds: tuple[str, ...]) -> list[tuple[date, str, str, Decimal]]:
    """(month, kind, currency, sum of amounts) of settlement lines of ``kinds``. A line without
    its own posting time counts when its settlement was deposited (else when the period ended)."""
    rows = session.execute(text("""
        SELECT date_trunc('month', day)::date AS month, kind, currency, sum(amount) FROM (
            SELECT line.kind, line.currency, line.amount,
                   coalesce(line.posted_at, settlement.deposit_date, settlement.period_end)
                       AT TIME ZONE 'UTC' AS day
              FROM trade_settlement_lines line
              LEFT JOIN trade_settlements settlement
                ON settlement.seller_organisation_id = line.seller_organisation_id
               AND settlement.marketplace = line.marketplace
               AND settlement.settlement_id = line.settlement_id
             WHERE line.seller_organisation_id = :seller AND line.kind = ANY(:kinds)
        ) dated
         WHERE day >= :start AND day < :end
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""),
        {"seller": seller_organisation_id, "kinds": list(kinds), "start": _naive_utc(start),
         "end": _naive_utc(end)}).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def monthly_payouts(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                    end: datetime) -> list[tuple[date, str, Decimal]]:
    """(month of deposit, currency, sum of settlement totals); undeposited settlements are not
    payouts yet."""
    rows = session.execute(text("""
        SELECT date_trunc('month', deposit_date AT TIME ZONE 'UTC')::date, currency, sum(total)
          FROM trade_settlements
         WHERE seller_organisation_id = :seller AND deposit_date >= :start AND deposit_date < :end
         GROUP BY 1, 2 ORDER BY 1, 2"""),
        {"seller": seller_organisation_id, "start": start, "end": end}).all()
    return [(row[0], row[1], row[2]) for row in rows]


def monthly_orders(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                   end: datetime) -> list[tuple[date, int]]:
    """(month of purchase, orders), cancelled orders left out: they never became trade."""
    rows = session.execute(text("""
        SELECT date_trunc('month', purchased_at AT TIME ZONE 'UTC')::date, count(*)
          FROM trade_orders
         WHERE seller_organisation_id = :seller AND purchased_at >= :start AND purchased_at < :end
           AND lower(status) NOT IN ('cancelled', 'canceled')
         GROUP BY 1 ORDER BY 1"""),
        {"seller": seller_organisation_id, "start": start, "end": end}).all()
    return [(row[0], int(row[1])) for row in rows]


def sales_by_currency(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                      end: datetime) -> dict[str, Decimal]:
    """Σ order totals per currency purchased in [start, end), cancelled orders left out."""
    rows = session.execute(text("""
        SELECT currency, coalesce(sum(coalesce(total, line_items_total, 0)), 0)
          FROM trade_orders
         WHERE seller_organisation_id = :seller AND purchased_at >= :start AND purchased_at < :end
           AND lower(status) NOT IN ('cancelled', 'canceled')
         GROUP BY 1 ORDER BY 1"""),
        {"seller": seller_organisation_id, "start": start, "end": end}).all()
    return {row[0]: Decimal(row[1]) for row in rows}


def monthly_deliveries(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                       end: datetime, *, on_time_days: int, as_of: datetime
                       ) -> list[tuple[date, int, int]]:
    """(month of a shipment's first event, shipments decided, shipments on time). A shipment is
    one carrier + tracking number. It is on time when delivered within ``on_time_days`` of its
    first event; late when delivered later or not delivered ``on_time_days`` after its first
    event (as of ``as_of``); still open — and not counted — otherwise."""
    rows = session.execute(text("""
        WITH shipments AS (
            SELECT min(event_at) AS first_at,
                   -- Delivered to a buyer, or (inbound freight) into a known warehouse.
                   min(event_at) FILTER (WHERE status IN ('delivered', 'arrived_at_warehouse'))
                       AS delivered_at
              FROM trade_tracking_events
             WHERE seller_organisation_id = :seller
             GROUP BY carrier, tracking_number)
        SELECT date_trunc('month', first_at AT TIME ZONE 'UTC')::date,
               count(*) FILTER (WHERE delivered_at IS NOT NULL OR first_at + :window <= :as_of),
               count(*) FILTER (WHERE delivered_at <= first_at + :window)
          FROM shipments
         WHERE first_at >= :start AND first_at < :end
         GROUP BY 1 ORDER BY 1"""),
        {"seller": seller_organisation_id, "start": start, "end": end, "as_of": as_of,
         "window": timedelta(days=on_time_days)}).all()
    return [(row[0], int(row[1]), int(row[2])) for row in rows]


def monthly_customs_holds(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                          end: datetime, statuses: tuple[str, ...]) -> list[tuple[date, int]]:
    """(month declared, declarations whose status is one of ``statuses``)."""
    rows = session.execute(text("""
        SELECT date_trunc('month', declared_at AT TIME ZONE 'UTC')::date, count(*)
          FROM trade_customs_declarations
         WHERE seller_organisation_id = :seller AND declared_at >= :start AND declared_at < :end
           AND status = ANY(:statuses)
         GROUP BY 1 ORDER BY 1"""),
        {"seller": seller_organisation_id, "start": start, "end": end,
         "statuses": list(statuses)}).all()
    return [(row[0], int(row[1])) for row in rows]


@dataclass(frozen=True, slots=True)
class StockRow:
    warehouse: str
    sku: str
    snapshot_date: date
    on_hand: int
    pledged: int
    locked: int
    unit_cost_currency: str | None
    unit_cost: Decimal | None


def latest_stock(session: Session, seller_organisation_id: uuid.UUID, on: date) -> list[StockRow]:
    """Each warehouse's SKUs as their newest snapshot on or before ``on`` shows them."""
    rows = session.execute(text("""
        SELECT DISTINCT ON (warehouse, sku) warehouse, sku, snapshot_date, on_hand, pledged, locked,
               unit_cost_currency, unit_cost
          FROM trade_stock_snapshots
         WHERE seller_organisation_id = :seller AND snapshot_date <= :on
         ORDER BY warehouse, sku, snapshot_date DESC"""),
        {"seller": seller_organisation_id, "on": on}).all()
    return [StockRow(*row) for row in rows]


def sale_currencies(session: Session, seller_organisation_id: uuid.UUID) -> list[tuple[str, int]]:
    """(currency, sale lines), most used first: how the seller mostly sells."""
    rows = session.execute(text("""
        SELECT currency, count(*) FROM trade_settlement_lines
         WHERE seller_organisation_id = :seller AND kind = 'sale'
         GROUP BY currency ORDER BY count(*) DESC, currency"""),
        {"seller": seller_organisation_id}).all()
    return [(row[0], int(row[1])) for row in rows]


def store_currencies(session: Session, seller_organisation_id: uuid.UUID) -> list[str]:
    """The currencies of the seller's stores, the first-opened store first."""
    return list(session.execute(
        select(Store.currency).where(Store.seller_organisation_id == seller_organisation_id)
        .order_by(Store.first_seen_on.asc().nulls_last(), Store.marketplace)).scalars())


def _naive_utc(moment: datetime) -> datetime:
    # ``timestamptz AT TIME ZONE 'UTC'`` is a plain timestamp; compare it with one.
    return moment.astimezone(UTC).replace(tzinfo=None)


# --- data quality (F8) ---------------------------------------------------------------------

def settlement_sum_differences(session: Session, batch_id: uuid.UUID) -> list[tuple[str, str, Any, Any]]:
    """(marketplace, settlement id, total, sum of its lines) for the batch's settlements; Amazon
    and Shopify both promise that a settlement's lines add up to what was deposited."""
    rows = session.execute(text("""
        SELECT s.marketplace, s.settlement_id, s.total, coalesce(sum(l.amount), 0)
          FROM trade_settlements s
          LEFT JOIN trade_settlement_lines l
            ON l.seller_organisation_id = s.seller_organisation_id AND l.settlement_id = s.settlement_id
           AND l.kind <> 'transfer'
         WHERE s.batch_id = :batch
         GROUP BY s.marketplace, s.settlement_id, s.total ORDER BY s.settlement_id"""),
        {"batch": batch_id}).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


def order_line_sum_differences(session: Session, batch_id: uuid.UUID, *,
                               limit: int) -> tuple[int, int, list[tuple[str, Any, Any]]]:
    """(orders of the batch with lines whose vendor states what the lines come to, how many of
    those have lines that say otherwise, (order id, stated, sum of the stored lines) of the first
    ``limit`` of them by order id)."""
    rows = session.execute(text("""
        WITH per_order AS (
            SELECT o.order_id, o.line_items_total AS stated, coalesce(sum(l.item_price), 0) AS lines
              FROM trade_orders o
              LEFT JOIN trade_order_lines l
                ON l.seller_organisation_id = o.seller_organisation_id AND l.marketplace = o.marketplace
               AND l.order_id = o.order_id
             WHERE o.batch_id = :batch AND o.line_items_total IS NOT NULL
             GROUP BY o.id HAVING count(l.id) > 0),
        counts AS (
            SELECT count(*) AS orders, count(*) FILTER (WHERE stated <> lines) AS differing FROM per_order),
        examples AS (
            SELECT order_id, stated, lines FROM per_order WHERE stated <> lines
             ORDER BY order_id LIMIT :limit)
        SELECT c.orders, c.differing, e.order_id, e.stated, e.lines
          FROM counts c LEFT JOIN examples e ON true
         ORDER BY e.order_id"""), {"batch": batch_id, "limit": limit}).all()
    orders, differing = int(rows[0][0]), int(rows[0][1])
    return orders, differing, [(row[2], row[3], row[4]) for row in rows if row[2] is not None]


def settlement_period_gaps(session: Session, seller_organisation_id: uuid.UUID) -> tuple[int, list[str]]:
    """(settlements with a period, ids of those starting more than a day after the previous one
    of the same marketplace ended): a gap is a settlement report the seller has not sent."""
    rows = session.execute(text("""
        SELECT settlement_id, period_start > lag(period_end) OVER w + interval '1 day' AS gap
          FROM trade_settlements
         WHERE seller_organisation_id = :seller AND period_start IS NOT NULL AND period_end IS NOT NULL
        WINDOW w AS (PARTITION BY marketplace ORDER BY period_start)"""),
        {"seller": seller_organisation_id}).all()
    return len(rows), [row[0] for row in rows if row[1]]


def unknown_order_references(session: Session, table: str, batch_id: uuid.UUID) -> tuple[int, int]:
    """(rows of the batch naming an order, of which the order is unknown for the seller)."""
    assert table in ("trade_settlement_lines", "trade_tracking_events", "trade_returns")
    row = session.execute(text(f"""
        SELECT count(*), count(*) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM trade_orders o
                    WHERE o.seller_organisation_id = r.seller_organisation_id AND o.order_id = r.order_id))
          FROM {table} r WHERE r.batch_id = :batch AND r.order_id IS NOT NULL"""),  # noqa: S608 - fixed names
        {"batch": batch_id}).one()
    return int(row[0]), int(row[1])


def missing_fields(session: Session, table: str, batch_id: uuid.UUID, condition: str) -> tuple[int, int]:
    """(rows of the batch, rows failing ``condition``): completeness of fields the figures need."""
    row = session.execute(text(
        f"SELECT count(*), count(*) FILTER (WHERE NOT ({condition})) FROM {table} WHERE batch_id = :batch"  # noqa: S608
    ), {"batch": batch_id}).one()
    return int(row[0]), int(row[1])


def newest_data_per_source(session: Session, seller_organisation_id: uuid.UUID) -> dict[str, Any]:
    """When the newest row of each flow happened (not when it was uploaded)."""
    row = session.execute(text("""
        SELECT (SELECT max(posted_at) FROM trade_settlement_lines WHERE seller_organisation_id = :seller),
               (SELECT max(deposit_date) FROM trade_settlements WHERE seller_organisation_id = :seller),
               (SELECT max(purchased_at) FROM trade_orders WHERE seller_organisation_id = :seller),
               (SELECT max(event_at) FROM trade_tracking_events WHERE seller_organisation_id = :seller),
               (SELECT max(snapshot_date) FROM trade_stock_snapshots WHERE seller_organisation_id = :seller)
    """), {"seller": seller_organisation_id}).one()
    return {"settlement_lines": row[0], "payouts": row[1], "orders": row[2], "shipments": row[3],
            "stock": row[4]}


def add_quality_checks(session: Session, checks: list[dict[str, Any]]) -> None:
    if checks:
        session.execute(insert(QualityCheck), checks)


def latest_quality_checks(session: Session, seller_organisation_id: uuid.UUID | None,
                          seller_wide_checks: tuple[str, ...], *, failed_only: bool = False,
                          limit: int = 200) -> list[QualityCheck]:
    """The standing result of each check: for checks of the seller's whole data (timeliness,
    period gaps) the newest measurement per seller and source; for checks of what one batch
    brought (a settlement that doesn't add up) the measurement of each batch, since a later
    good file doesn't mend an earlier bad one."""
    scope = case((QualityCheck.check_name.in_(seller_wide_checks), None), else_=QualityCheck.batch_id)
    statement = select(QualityCheck).ext(distinct_on(
        QualityCheck.seller_organisation_id, QualityCheck.source, QualityCheck.check_name, scope)).order_by(
        QualityCheck.seller_organisation_id, QualityCheck.source, QualityCheck.check_name, scope,
        QualityCheck.checked_at.desc())
    if seller_organisation_id is not None:
        statement = statement.where(QualityCheck.seller_organisation_id == seller_organisation_id)
    if failed_only:
        # Filter after picking the standing result, so a mended seller-wide check drops out.
        standing = statement.subquery()
        statement = select(QualityCheck).join(standing, standing.c.id == QualityCheck.id).where(
            standing.c.passed.is_(False)).order_by(QualityCheck.checked_at.desc())
    return list(session.execute(statement.limit(limit)).scalars())


def batch_quality_checks(session: Session, batch_id: uuid.UUID) -> list[QualityCheck]:
    return list(session.execute(select(QualityCheck).where(QualityCheck.batch_id == batch_id)
                                .order_by(QualityCheck.dimension, QualityCheck.check_name)).scalars())


# --- derived figures and lineage (F8) --------------------------------------------------------

def recompute_settlement_figure(session: Session, *, seller_organisation_id: uuid.UUID, name: str,
                                transformation: str, version: int, kinds: tuple[str, ...], value_sql: str,
                                computed_at: Any) -> int:
    """(Re)compute one monthly figure per currency from settlement lines of ``kinds``, keeping each
    figure's id stable and replacing its sources, in three set-based statements. Returns figures."""
    parameters = {"seller": seller_organisation_id, "name": name, "transformation": transformation,
                  "version": version, "kinds": list(kinds), "now": computed_at}
    session.execute(text("""
        DELETE FROM trade_figure_sources WHERE figure_id IN (
            SELECT id FROM trade_figures WHERE seller_organisation_id = :seller AND name = :name)"""),
        parameters)
    figures = session.execute(text(f"""
        WITH source AS (
            SELECT id, batch_id, kind, currency, amount, date_trunc('month', posted_at)::date AS period
              FROM trade_settlement_lines
             WHERE seller_organisation_id = :seller AND kind = ANY(:kinds) AND posted_at IS NOT NULL),
        figures AS (
            INSERT INTO trade_figures (id, seller_organisation_id, name, period_start, currency, value,
                                       transformation, transformation_version, source_rows, computed_at)
            SELECT gen_random_uuid(), :seller, :name, period, currency, {value_sql}, :transformation,
                   :version, count(*), :now
              FROM source GROUP BY period, currency
            ON CONFLICT (seller_organisation_id, name, period_start, currency) DO UPDATE
               SET value = EXCLUDED.value, transformation = EXCLUDED.transformation,
                   transformation_version = EXCLUDED.transformation_version,
                   source_rows = EXCLUDED.source_rows, computed_at = EXCLUDED.computed_at
            RETURNING id, period_start, currency),
        sources AS (
            INSERT INTO trade_figure_sources (figure_id, source_table, row_id, batch_id)
            SELECT f.id, 'trade_settlement_lines', s.id, s.batch_id
              FROM source s JOIN figures f ON f.period_start = s.period AND f.currency = s.currency
            RETURNING 1)
        SELECT (SELECT count(*) FROM figures), (SELECT count(*) FROM sources)"""),  # noqa: S608 - value_sql is ours
        parameters).one()
    # Months with no source rows left (all moved or reclassified) have no figure any more.
    session.execute(text("""
        DELETE FROM trade_figures WHERE seller_organisation_id = :seller AND name = :name
           AND computed_at <> :now"""), parameters)
    # The statements above changed rows behind the ORM's back.
    session.expire_all()
    return int(figures[0])


def list_figures(session: Session, seller_organisation_id: uuid.UUID | None, name: str | None,
                 request: PageRequest) -> Page[Any]:
    statement = select(DerivedFigure)
    if seller_organisation_id is not None:
        statement = statement.where(DerivedFigure.seller_organisation_id == seller_organisation_id)
    if name is not None:
        statement = statement.where(DerivedFigure.name == name)
    return fetch_page(session, statement, (DerivedFigure.period_start.desc(), DerivedFigure.name,
                                           DerivedFigure.currency, DerivedFigure.id), request)


def get_figure(session: Session, figure_id: uuid.UUID, seller_organisation_id: uuid.UUID | None
               ) -> DerivedFigure | None:
    statement = select(DerivedFigure).where(DerivedFigure.id == figure_id)
    if seller_organisation_id is not None:
        statement = statement.where(DerivedFigure.seller_organisation_id == seller_organisation_id)
    return session.execute(statement).scalar_one_or_none()


def figure_batches(session: Session, figure_id: uuid.UUID) -> list[tuple[IngestBatch, int]]:
    rows = session.execute(
        select(IngestBatch, func.count()).join(FigureSource, FigureSource.batch_id == IngestBatch.id)
        .where(FigureSource.figure_id == figure_id).group_by(IngestBatch.id)
        .order_by(IngestBatch.created_at, IngestBatch.id)).all()
    return [(row[0], int(row[1])) for row in rows]


def figure_source_lines(session: Session, figure_id: uuid.UUID, request: PageRequest) -> Page[Any]:
    statement = select(SettlementLine).join(FigureSource, (FigureSource.row_id == SettlementLine.id)
                                            & (FigureSource.source_table == "trade_settlement_lines")
                                            ).where(FigureSource.figure_id == figure_id)
    return fetch_page(session, statement, (SettlementLine.posted_at, SettlementLine.id), request)


# --- seller profiles: registry answers, bank accounts, devices (service/profiles.py) ----------


def upsert_registry_record(session: Session, seller_organisation_id: uuid.UUID,
                           values: dict[str, Any]) -> bool:
    """Insert the record, or replace the stored one when any fact differs. True when a row was
    written."""
    statement = insert(RegistryRecord).values(seller_organisation_id=seller_organisation_id, **values)
    facts = [column for column in values if column not in ("registry_name", "company_number",
                                                           "checked_at")]
    result = session.execute(statement.on_conflict_do_update(
        index_elements=["seller_organisation_id", "registry_name", "company_number"],
        set_={**{column: statement.excluded[column] for column in values}, "updated_at": func.now()},
        where=or_(*(getattr(RegistryRecord, column).is_distinct_from(statement.excluded[column])
                    for column in facts)))
        .returning(RegistryRecord.id))
    return result.first() is not None


def upsert_seller_bank_account(session: Session, seller_organisation_id: uuid.UUID,
                               values: dict[str, Any], *, registered_at: datetime | None) -> bool:
    statement = insert(SellerBankAccount).values(seller_organisation_id=seller_organisation_id, **values,
                                                 registered_at=registered_at or func.now())
    facts = [column for column in values if column != "account_number"]
    result = session.execute(statement.on_conflict_do_update(
        index_elements=["seller_organisation_id", "account_number"],
        set_={**{column: statement.excluded[column] for column in facts}, "updated_at": func.now(),
              "registered_at": func.least(SellerBankAccount.registered_at, statement.excluded.registered_at)},
        where=or_(*(getattr(SellerBankAccount, column).is_distinct_from(statement.excluded[column])
                    for column in facts)))
        .returning(SellerBankAccount.id))
    return result.first() is not None


def upsert_seller_device(session: Session, seller_organisation_id: uuid.UUID,
                         values: dict[str, Any]) -> bool:
    """A device seen again keeps the earliest first sighting and the latest last one."""
    statement = insert(SellerDevice).values(seller_organisation_id=seller_organisation_id, **values)
    first = func.least(SellerDevice.first_seen_at, statement.excluded.first_seen_at)
    last = func.greatest(SellerDevice.last_seen_at, statement.excluded.last_seen_at)
    result = session.execute(statement.on_conflict_do_update(
        index_elements=["seller_organisation_id", "device_fingerprint", "ip_address"],
        set_={"first_seen_at": first, "last_seen_at": last,
              "user_agent": func.coalesce(statement.excluded.user_agent, SellerDevice.user_agent)},
        where=or_(SellerDevice.first_seen_at > statement.excluded.first_seen_at,
                  SellerDevice.last_seen_at < statement.excluded.last_seen_at,
                  SellerDevice.user_agent.is_distinct_from(
                      func.coalesce(statement.excluded.user_agent, SellerDevice.user_agent))))
        .returning(SellerDevice.id))
    return result.first() is not None


def registry_records_of(session: Session, seller_organisation_id: uuid.UUID) -> list[RegistryRecord]:
    return list(session.execute(select(RegistryRecord).where(
        RegistryRecord.seller_organisation_id == seller_organisation_id)
        .order_by(RegistryRecord.registry_name, RegistryRecord.company_number)).scalars())


def bank_accounts_of(session: Session, seller_organisation_id: uuid.UUID) -> list[SellerBankAccount]:
    return list(session.execute(select(SellerBankAccount).where(
        SellerBankAccount.seller_organisation_id == seller_organisation_id)
        .order_by(SellerBankAccount.account_number)).scalars())


def devices_of(session: Session, seller_organisation_id: uuid.UUID) -> list[SellerDevice]:
    return list(session.execute(select(SellerDevice).where(
        SellerDevice.seller_organisation_id == seller_organisation_id)
        .order_by(SellerDevice.first_seen_at, SellerDevice.device_fingerprint)).scalars())


def profile_velocity_parameters(seller_organisation_id: uuid.UUID, now: datetime, *, payout_since: datetime,
                                device_since: datetime, sign_in_since: datetime) -> dict[str, Any]:
    """The values of ``profile_velocity_columns``'s and ``profile_standing_columns``'s parameters."""
    return {"profile_seller": seller_organisation_id, "profile_now": now,
            "profile_payout_since": payout_since, "profile_device_since": device_since,
            "profile_sign_in_since": sign_in_since, "profile_today": now.date()}


@cache
def profile_standing_columns() -> tuple[ColumnElement[Any], ...]:
    """The seller's standing for a credit decision, as labelled scalar subqueries beside
    ``profile_velocity_columns`` (same parameters): ``registry_country`` and ``registry_status``
    of the newest registry record, and ``stock_on_hand`` — free units (on hand, not pledged or
    locked) in the newest snapshot of each warehouse and SKU dated before today."""
    seller = bindparam("profile_seller", type_=Uuid())
    today = bindparam("profile_today", type_=Date())

    def newest_registry(column: InstrumentedAttribute[str]) -> ColumnElement[Any]:
        return (select(column).where(RegistryRecord.seller_organisation_id == seller)
                .order_by(RegistryRecord.checked_at.desc()).limit(1).correlate(None).scalar_subquery())

    free = (StockSnapshot.on_hand - StockSnapshot.pledged - StockSnapshot.locked).label("free")
    newest_stock = (select(free).where(StockSnapshot.seller_organisation_id == seller,
                                       StockSnapshot.snapshot_date < today)
                    .order_by(StockSnapshot.warehouse, StockSnapshot.sku, StockSnapshot.snapshot_date.desc())
                    .ext(distinct_on(StockSnapshot.warehouse, StockSnapshot.sku)).subquery("newest_stock"))
    return (newest_registry(RegistryRecord.country).label("registry_country"),
            newest_registry(RegistryRecord.status).label("registry_status"),
            select(func.coalesce(func.sum(newest_stock.c.free), 0)).correlate(None).scalar_subquery()
            .label("stock_on_hand"))


@cache
def profile_velocity_columns() -> tuple[ColumnElement[Any], ...]:
    """The seller's payout-account and device figures as of ``now``, as labelled scalar
    subqueries for a caller to select beside its own: the risk engine's velocity checks (F16)
    read these and its decision counts in one round trip. Built once, with bound parameters
    (values from ``profile_velocity_parameters``), so a decision pays neither for building the
    statement nor for its cache key. Each filters on the seller first, which the tables' seller
    indexes serve (a seller has a handful of accounts and devices).

    * ``payout_accounts_added``: accounts registered in (payout_since, now];
    * ``newest_payout_account_at``: the latest registration up to now;
    * ``new_devices``: fingerprints first seen (from any address) in (device_since, now];
    * ``sign_in_addresses``: distinct addresses with a sighting in (sign_in_since, now] — the
      table keeps a device and address's first and last sighting, so sightings in between are
      not seen;
    * ``device_payout_gap_minutes``: the shortest time, in minutes rounded up, between a new
      device and an account registered in (payout_since, now], neither being the seller's first
      (the first device and account come with onboarding; later ones are changes).
    """
    seller = bindparam("profile_seller", type_=Uuid())
    now, payout_since, device_since, sign_in_since = (
        bindparam(name, type_=DateTime(timezone=True))
        for name in ("profile_now", "profile_payout_since", "profile_device_since", "profile_sign_in_since"))
    seller_accounts = and_(SellerBankAccount.seller_organisation_id == seller,
                           SellerBankAccount.registered_at <= now)
    seller_devices = and_(SellerDevice.seller_organisation_id == seller, SellerDevice.first_seen_at <= now)
    first_sighting = func.min(SellerDevice.first_seen_at)
    new_devices = (select(SellerDevice.device_fingerprint, first_sighting.label("first_seen_at"))
                   .where(seller_devices).group_by(SellerDevice.device_fingerprint)
                   .having(first_sighting > device_since).subquery("new_devices"))
    first_device_at = select(func.min(SellerDevice.first_seen_at)).where(seller_devices).correlate(None)
    first_account_at = (select(func.min(SellerBankAccount.registered_at)).where(seller_accounts)
                        .correlate(None))
    later_devices = (select(new_devices.c.first_seen_at)
                     .where(new_devices.c.first_seen_at > first_device_at.scalar_subquery())
                     .subquery("later_devices"))
    changed_accounts = (select(SellerBankAccount.registered_at)
                        .where(seller_accounts, SellerBankAccount.registered_at > payout_since,
                               SellerBankAccount.registered_at > first_account_at.scalar_subquery())
                        .subquery("changed_accounts"))
    gap_seconds = func.abs(extract("epoch", later_devices.c.first_seen_at - changed_accounts.c.registered_at))
    sighted = or_(and_(SellerDevice.first_seen_at > sign_in_since, SellerDevice.first_seen_at <= now),
                  and_(SellerDevice.last_seen_at > sign_in_since, SellerDevice.last_seen_at <= now))
    return (
        select(func.count()).where(seller_accounts, SellerBankAccount.registered_at > payout_since)
        .correlate(None).scalar_subquery().label("payout_accounts_added"),
        select(func.max(SellerBankAccount.registered_at)).where(seller_accounts)
        .correlate(None).scalar_subquery().label("newest_payout_account_at"),
        select(func.count()).select_from(new_devices).correlate(None).scalar_subquery().label("new_devices"),
        select(func.count(func.distinct(SellerDevice.ip_address)))
        .where(SellerDevice.seller_organisation_id == seller, sighted)
        .correlate(None).scalar_subquery().label("sign_in_addresses"),
        select(func.ceil(func.min(gap_seconds) / 60)).select_from(later_devices)
        .join(changed_accounts, true()).correlate(None).scalar_subquery().label("device_payout_gap_minutes"),
    )


def batch_with_content(session: Session, seller_organisation_id: uuid.UUID, format: str,
                       filename: str, content_sha256: str) -> uuid.UUID | None:
    """An accepted batch of exactly this file for the seller, if any (the demo loader skips
    files it has loaded before, so a second run adds no batch either). The name counts too:
    two stock reports of different days can have the same content."""
    return session.execute(select(IngestBatch.id).where(
        IngestBatch.seller_organisation_id == seller_organisation_id, IngestBatch.format == format,
        IngestBatch.filename == filename, IngestBatch.content_sha256 == content_sha256)
        .limit(1)).scalar_one_or_none()


def latest_trade_day(session: Session, seller_organisation_id: uuid.UUID) -> date | None:
    """The newest day in any of the seller's flows (for the overview: where its data ends)."""
    value = session.execute(text("""
        SELECT greatest(
            (SELECT max(posted_at) FROM trade_settlement_lines WHERE seller_organisation_id = :seller),
            (SELECT max(deposit_date) FROM trade_settlements WHERE seller_organisation_id = :seller),
            (SELECT max(purchased_at) FROM trade_orders WHERE seller_organisation_id = :seller),
            (SELECT max(event_at) FROM trade_tracking_events WHERE seller_organisation_id = :seller),
            (SELECT max(declared_at) FROM trade_customs_declarations WHERE seller_organisation_id = :seller),
            (SELECT max(snapshot_date)::timestamptz FROM trade_stock_snapshots
              WHERE seller_organisation_id = :seller))"""),
        {"seller": seller_organisation_id}).scalar_one_or_none()
    return None if value is None else value.astimezone(UTC).date()


# --- inputs of the risk engine's related-party graph (service/risk_inputs.py) -----------------
# Platform-wide on purpose: the graph looks for links *between* sellers, so these queries serve
# system callers (the risk job, staff) and are not filtered by a caller's organisation.


def registry_identity_rows(session: Session) -> list[tuple[Any, ...]]:
    """(seller, company number, legal name, registered address, phone, e-mail, officers) of
    every registry record, by seller then registry and company number."""
    rows = session.execute(text("""
        SELECT seller_organisation_id, company_number, legal_name, registered_address, phone, email,
               officers
          FROM trade_registry_records
         ORDER BY seller_organisation_id, registry_name, company_number""")).all()
    return [tuple(row) for row in rows]


def bank_account_number_rows(session: Session) -> list[tuple[uuid.UUID, str]]:
    """(seller, account number) of every seller bank account."""
    rows = session.execute(text("""
        SELECT seller_organisation_id, account_number FROM trade_seller_bank_accounts
         ORDER BY seller_organisation_id, account_number""")).all()
    return [(row[0], row[1]) for row in rows]


def device_sighting_rows(session: Session) -> list[tuple[uuid.UUID, str, str]]:
    """(seller, device fingerprint, IP address) of every device sighting."""
    rows = session.execute(text("""
        SELECT seller_organisation_id, device_fingerprint, ip_address FROM trade_seller_devices
         ORDER BY seller_organisation_id, device_fingerprint, ip_address""")).all()
    return [(row[0], row[1], row[2]) for row in rows]


def orders_with_buyer_data(session: Session, sales_channels: list[str] | None) -> list[tuple[Any, ...]]:
    """(seller, marketplace, order id, purchased at, status, currency, total, line items total,
    encrypted buyer data) of every order that carries buyer personal data, only those of the
    given sales channels unless ``sales_channels`` is None; by seller, purchase time, order id."""
    channel_filter = "" if sales_channels is None else "AND sales_channel = ANY(:channels)"
    rows = session.execute(text(f"""
        SELECT seller_organisation_id, marketplace, order_id, purchased_at, status, currency, total,
               line_items_total, buyer_personal_data
          FROM trade_orders
         WHERE buyer_personal_data IS NOT NULL {channel_filter}
         ORDER BY seller_organisation_id, purchased_at, order_id"""),  # noqa: S608 - fixed text
        {} if sales_channels is None else {"channels": sales_channels}).all()
    return [tuple(row) for row in rows]


# --- inputs of the risk engine's feature pipeline (service/risk_features.py) -----------------
# Every query is bound to one seller and reads only rows dated strictly before ``cutoff`` (the
# feature date's midnight, UTC), so a feature computed as of a day never sees that day or later.
# Months are calendar months in UTC.


@dataclass(frozen=True, slots=True)
class SettlementMonthRow:
    month: date
    marketplace: str
    currency: str
    kind: str
    amount: Decimal
    lines: int


def monthly_settlement_kinds(session: Session, seller_organisation_id: uuid.UUID, cutoff: datetime,
                             kinds: tuple[str, ...]) -> list[SettlementMonthRow]:
    """Settlement lines of ``kinds`` posted before ``cutoff``, summed by month of posting,
    marketplace, currency and kind (lines without a posting time can't be dated and are left
    out, as the monthly figures leave them out)."""
    rows = session.execute(text("""
        SELECT date_trunc('month', posted_at AT TIME ZONE 'UTC')::date, marketplace, currency, kind,
               sum(amount), count(*)
          FROM trade_settlement_lines
         WHERE seller_organisation_id = :seller AND posted_at < :cutoff AND kind = ANY(:kinds)
         GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""),
        {"seller": seller_organisation_id, "cutoff": cutoff, "kinds": list(kinds)}).all()
    return [SettlementMonthRow(row[0], row[1], row[2], row[3], row[4], int(row[5])) for row in rows]


@dataclass(frozen=True, slots=True)
class FigureCell:
    figure_id: uuid.UUID
    transformation: str
    period_start: date
    currency: str
    value: Decimal


def figure_cells(session: Session, seller_organisation_id: uuid.UUID, transformations: tuple[str, ...],
                 before: date) -> list[FigureCell]:
    """The stored monthly figures of these transformations for months starting before ``before``."""
    rows = session.execute(text("""
        SELECT id, transformation, period_start, currency, value FROM trade_figures
         WHERE seller_organisation_id = :seller AND transformation = ANY(:transformations)
           AND period_start < :before
         ORDER BY period_start, transformation, currency"""),
        {"seller": seller_organisation_id, "transformations": list(transformations), "before": before}).all()
    return [FigureCell(row[0], row[1], row[2], row[3], row[4]) for row in rows]


def euro_reference_rates(session: Session, wanted: list[tuple[str, date]]) -> dict[tuple[str, date], Decimal]:
    """The newest ECB rate (units of the currency per euro) on or before each day, in one
    statement; pairs without any rate are absent from the answer."""
    if not wanted:
        return {}
    rows = session.execute(text("""
        SELECT wanted.currency, wanted.day, rate.rate
          FROM unnest(CAST(:currencies AS text[]), CAST(:days AS date[])) AS wanted(currency, day)
          JOIN LATERAL (
              SELECT rate FROM fx_reference_rates
               WHERE source = 'ECB' AND base_currency = 'EUR' AND quote_currency = wanted.currency
                 AND rate_date <= wanted.day
               ORDER BY rate_date DESC LIMIT 1) rate ON true"""),
        {"currencies": [currency for currency, _ in wanted], "days": [day for _, day in wanted]}).all()
    return {(row[0], row[1]): row[2] for row in rows}


@dataclass(frozen=True, slots=True)
class OrderMonthRow:
    month: date
    currency: str
    business: bool      # sold on a business-to-business channel
    orders: int
    amount: Decimal     # order totals (else the sum of the lines)


def monthly_order_totals(session: Session, seller_organisation_id: uuid.UUID, cutoff: datetime,
                         business_channels: list[str]) -> list[OrderMonthRow]:
    """Orders placed before ``cutoff``, cancelled ones left out, by month, currency and whether
    the sales channel is a business one."""
    rows = session.execute(text("""
        SELECT date_trunc('month', purchased_at AT TIME ZONE 'UTC')::date,
               currency, coalesce(sales_channel = ANY(:channels), false), count(*),
               sum(coalesce(total, line_items_total, 0))
          FROM trade_orders
         WHERE seller_organisation_id = :seller AND purchased_at < :cutoff
           AND lower(status) NOT IN ('cancelled', 'canceled')
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""),
        {"seller": seller_organisation_id, "cutoff": cutoff, "channels": business_channels}).all()
    return [OrderMonthRow(row[0], row[1], bool(row[2]), int(row[3]), row[4]) for row in rows]


@dataclass(frozen=True, slots=True)
class PayoutCadenceRow:
    marketplace: str
    first_deposit_at: datetime
    last_deposit_at: datetime
    deposits_since: int            # deposits on or after the window's start
    median_gap_days: float | None  # between consecutive deposits (None with fewer than two)


def payout_cadence(session: Session, seller_organisation_id: uuid.UUID, cutoff: datetime,
                   since: datetime) -> list[PayoutCadenceRow]:
    """Per marketplace: its first and last deposit, its deposits in [since, cutoff) and the median time
    between two deposits (same-day deposits of several settlements are one payout day)."""
    rows = session.execute(text("""
        WITH deposits AS (
            SELECT marketplace, deposit_date,
                   deposit_date - lag(deposit_date) OVER (PARTITION BY marketplace ORDER BY deposit_date)
                       AS gap
              FROM trade_settlements
             WHERE seller_organisation_id = :seller AND deposit_date < :cutoff)
        SELECT marketplace, min(deposit_date), max(deposit_date),
               count(*) FILTER (WHERE deposit_date >= :since),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM gap) / 86400)
                   FILTER (WHERE gap > interval '0')
          FROM deposits GROUP BY marketplace ORDER BY marketplace"""),
        {"seller": seller_organisation_id, "cutoff": cutoff, "since": since}).all()
    return [PayoutCadenceRow(row[0], row[1], row[2], int(row[3]), None if row[4] is None else float(row[4]))
            for row in rows]


@dataclass(frozen=True, slots=True)
class ShipmentOutcomes:
    parcels_decided: int     # buyer parcels delivered, or past their promise undelivered
    parcels_on_time: int     # delivered within the promise
    customs_decided: int     # shipments out of customs, or in it longer than the hold threshold
    customs_held: int        # in customs longer than the hold threshold


def shipment_outcomes(session: Session, seller_organisation_id: uuid.UUID, cutoff: datetime,
                      since: datetime, *, promise: timedelta, hold: timedelta) -> ShipmentOutcomes:
    """From tracking events before ``cutoff``, of shipments whose first event (parcels) or first
    customs event (freight) is in [since, cutoff). A parcel is a shipment to a buyer: one whose
    events name an order. A shipment's customs stay runs from its first ``customs_hold`` event to
    its next event of another status (carriers report the routine start of clearance as a customs
    event too, so only a long stay says the goods were held)."""
    row = session.execute(text("""
        WITH events AS (
            SELECT carrier, tracking_number, status, event_at, order_id FROM trade_tracking_events
             WHERE seller_organisation_id = :seller AND event_at < :cutoff),
        parcels AS (
            SELECT min(event_at) AS first_at,
                   min(event_at) FILTER (WHERE status = 'delivered') AS delivered_at
              FROM events GROUP BY carrier, tracking_number
            HAVING bool_or(order_id IS NOT NULL)),
        entered AS (
            SELECT carrier, tracking_number, min(event_at) AS entered_at
              FROM events WHERE status = 'customs_hold' GROUP BY carrier, tracking_number),
        stays AS (
            SELECT entered.entered_at,
                   min(events.event_at) FILTER (WHERE events.event_at > entered.entered_at
                                                  AND events.status <> 'customs_hold') AS left_at
              FROM entered JOIN events USING (carrier, tracking_number)
             WHERE entered.entered_at >= :since
             GROUP BY entered.carrier, entered.tracking_number, entered.entered_at)
        SELECT (SELECT count(*) FROM parcels WHERE first_at >= :since
                   AND (delivered_at IS NOT NULL OR first_at + :promise <= :cutoff)),
               (SELECT count(*) FROM parcels
                 WHERE first_at >= :since AND delivered_at <= first_at + :promise),
               (SELECT count(*) FROM stays WHERE left_at IS NOT NULL OR entered_at + :hold <= :cutoff),
               (SELECT count(*) FROM stays WHERE coalesce(left_at, :cutoff) - entered_at > :hold)"""),
        {"seller": seller_organisation_id, "cutoff": cutoff, "since": since, "promise": promise,
         "hold": hold}).one()
    return ShipmentOutcomes(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


@dataclass(frozen=True, slots=True)
class TradeActivity:
    """One seller's activity before a cutoff, in one row."""

    review_count: int             # in [since, cutoff)
    review_mean: Decimal | None
    recent_review_count: int      # in [recent_since, cutoff)
    recent_review_mean: Decimal | None
    earlier_review_count: int     # in [since, recent_since)
    earlier_review_mean: Decimal | None
    returns: int                  # returned in [since, cutoff)
    orders: int                   # placed in [since, cutoff), cancelled ones left out
    first_order_at: datetime | None
    first_store_on: date | None   # the earliest store first seen before the cutoff
    first_settlement_line_at: datetime | None
    stock_snapshots: int          # in [since, cutoff)
    average_on_hand: Decimal | None  # per warehouse, the mean of its snapshot days' totals, summed
    stocked_units_sold: int       # units ordered in [since, cutoff) of SKUs in those snapshots
    receivable_days: Decimal | None  # mean days from a sale line's posting to its payout
    declarations: int             # customs declarations made in [since, cutoff)
    declarations_held: int        # of which held or under inspection
    newest_data_at: datetime | None  # the newest dated row of any flow before the cutoff


def trade_activity(session: Session, seller_organisation_id: uuid.UUID, cutoff: datetime,
                   since: datetime, recent_since: datetime, hold_statuses: list[str]) -> TradeActivity:
    row = session.execute(text("""
        WITH reviews AS (
            SELECT rating, reviewed_at FROM trade_reviews
             WHERE seller_organisation_id = :seller AND reviewed_at >= :since AND reviewed_at < :cutoff),
        window_orders AS (
            SELECT marketplace, order_id FROM trade_orders
             WHERE seller_organisation_id = :seller AND purchased_at >= :since AND purchased_at < :cutoff
               AND lower(status) NOT IN ('cancelled', 'canceled')),
        stock AS (
            SELECT warehouse, sku, snapshot_date, on_hand FROM trade_stock_snapshots
             WHERE seller_organisation_id = :seller AND snapshot_date >= :since_day
               AND snapshot_date < :cutoff_day),
        payouts AS (
            SELECT settlement_id, min(deposit_date) AS deposit_date FROM trade_settlements
             WHERE seller_organisation_id = :seller AND deposit_date < :cutoff GROUP BY settlement_id)
        SELECT
            (SELECT count(*) FROM reviews), (SELECT avg(rating) FROM reviews),
            (SELECT count(*) FROM reviews WHERE reviewed_at >= :recent_since),
            (SELECT avg(rating) FROM reviews WHERE reviewed_at >= :recent_since),
            (SELECT count(*) FROM reviews WHERE reviewed_at < :recent_since),
            (SELECT avg(rating) FROM reviews WHERE reviewed_at < :recent_since),
            (SELECT count(*) FROM trade_returns
              WHERE seller_organisation_id = :seller AND returned_at >= :since AND returned_at < :cutoff),
            (SELECT count(*) FROM window_orders),
            (SELECT min(purchased_at) FROM trade_orders
              WHERE seller_organisation_id = :seller AND purchased_at < :cutoff),
            (SELECT min(first_seen_on) FROM trade_stores
              WHERE seller_organisation_id = :seller AND first_seen_on < :cutoff_day),
            (SELECT min(posted_at) FROM trade_settlement_lines
              WHERE seller_organisation_id = :seller AND posted_at < :cutoff),
            (SELECT count(*) FROM stock),
            (SELECT sum(average) FROM (
                SELECT avg(total) AS average FROM (
                    SELECT warehouse, sum(on_hand) AS total FROM stock GROUP BY warehouse, snapshot_date
                ) days GROUP BY warehouse) warehouses),
            (SELECT coalesce(sum(line.quantity), 0) FROM window_orders o
               JOIN trade_order_lines line ON line.seller_organisation_id = :seller
                AND line.marketplace = o.marketplace AND line.order_id = o.order_id
              WHERE line.sku IN (SELECT sku FROM stock)),
            -- Lines summed per settlement first, so the join pairs settlements, not lines.
            (SELECT sum(sales.lines * extract(epoch FROM payouts.deposit_date) - sales.posted_epochs)
                        / sum(sales.lines) / 86400
               FROM (SELECT settlement_id, count(*) AS lines,
                            sum(extract(epoch FROM posted_at)) AS posted_epochs
                       FROM trade_settlement_lines
                      WHERE seller_organisation_id = :seller AND kind = 'sale'
                        AND posted_at >= :since AND posted_at < :cutoff
                      GROUP BY settlement_id) sales
               JOIN payouts USING (settlement_id)),
            (SELECT count(*) FROM trade_customs_declarations
              WHERE seller_organisation_id = :seller AND declared_at >= :since AND declared_at < :cutoff),
            (SELECT count(*) FROM trade_customs_declarations
              WHERE seller_organisation_id = :seller AND declared_at >= :since AND declared_at < :cutoff
                AND status = ANY(:hold_statuses)),
            greatest(
                (SELECT max(posted_at) FROM trade_settlement_lines
                  WHERE seller_organisation_id = :seller AND posted_at < :cutoff),
                (SELECT max(deposit_date) FROM trade_settlements
                  WHERE seller_organisation_id = :seller AND deposit_date < :cutoff),
                (SELECT max(purchased_at) FROM trade_orders
                  WHERE seller_organisation_id = :seller AND purchased_at < :cutoff),
                (SELECT max(event_at) FROM trade_tracking_events
                  WHERE seller_organisation_id = :seller AND event_at < :cutoff),
                (SELECT max(declared_at) FROM trade_customs_declarations
                  WHERE seller_organisation_id = :seller AND declared_at < :cutoff),
                (SELECT max(returned_at) FROM trade_returns
                  WHERE seller_organisation_id = :seller AND returned_at < :cutoff),
                (SELECT max(reviewed_at) FROM trade_reviews
                  WHERE seller_organisation_id = :seller AND reviewed_at < :cutoff),
                -- A snapshot describes the end of its day.
                (SELECT max(snapshot_date + 1)::timestamp AT TIME ZONE 'UTC' FROM trade_stock_snapshots
                  WHERE seller_organisation_id = :seller AND snapshot_date < :cutoff_day))"""),
        {"seller": seller_organisation_id, "cutoff": cutoff, "since": since, "recent_since": recent_since,
         "cutoff_day": _utc_day(cutoff), "since_day": _utc_day(since), "hold_statuses": hold_statuses}).one()
    return TradeActivity(
        review_count=int(row[0]), review_mean=row[1], recent_review_count=int(row[2]),
        recent_review_mean=row[3], earlier_review_count=int(row[4]), earlier_review_mean=row[5],
        returns=int(row[6]), orders=int(row[7]), first_order_at=row[8], first_store_on=row[9],
        first_settlement_line_at=row[10], stock_snapshots=int(row[11]), average_on_hand=row[12],
        stocked_units_sold=int(row[13]), receivable_days=row[14], declarations=int(row[15]),
        declarations_held=int(row[16]), newest_data_at=row[17])


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def shipment_checkpoints(session: Session, seller_organisation_id: uuid.UUID,
                         tracking_number: str) -> list[tuple[str, str, str, datetime, str | None]]:
    """(carrier, status, carrier status, event time, warehouse) of every checkpoint of one
    shipment of the seller, oldest first."""
    rows = session.execute(text("""
        SELECT carrier, status, carrier_status, event_at, warehouse FROM trade_tracking_events
         WHERE seller_organisation_id = :seller AND tracking_number = :tracking
         ORDER BY event_at, carrier_status"""),
        {"seller": seller_organisation_id, "tracking": tracking_number}).all()
    return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]


# --- inputs of the seller's insights (service/insight_inputs.py) -----------------------------


def units_sold_by_sku(session: Session, seller_organisation_id: uuid.UUID, start: datetime,
                      end: datetime) -> dict[str, int]:
    """Units ordered per SKU in orders purchased in [start, end), cancelled orders left out."""
    rows = session.execute(text("""
        SELECT line.sku, sum(line.quantity)
          FROM trade_order_lines line
          JOIN trade_orders ord ON ord.seller_organisation_id = line.seller_organisation_id
                               AND ord.marketplace = line.marketplace AND ord.order_id = line.order_id
         WHERE line.seller_organisation_id = :seller AND line.sku IS NOT NULL
           AND ord.purchased_at >= :start AND ord.purchased_at < :end
           AND lower(ord.status) NOT IN ('cancelled', 'canceled')
         GROUP BY 1 ORDER BY 1"""),
        {"seller": seller_organisation_id, "start": start, "end": end}).all()
    return {row[0]: int(row[1]) for row in rows}


@dataclass(frozen=True, slots=True)
class DepositRow:
    marketplace: str
    currency: str
    deposited_on: date
    total: Decimal  # of every settlement of the marketplace deposited that day


def deposits(session: Session, seller_organisation_id: uuid.UUID, since: datetime,
             cutoff: datetime) -> list[DepositRow]:
    """Settlement deposits in [since, cutoff) per marketplace, currency and day, oldest first."""
    rows = session.execute(text("""
        SELECT marketplace, currency, (deposit_date AT TIME ZONE 'UTC')::date, sum(total)
          FROM trade_settlements
         WHERE seller_organisation_id = :seller AND deposit_date >= :since AND deposit_date < :cutoff
         GROUP BY 1, 2, 3 ORDER BY 3, 1, 2"""),
        {"seller": seller_organisation_id, "since": since, "cutoff": cutoff}).all()
    return [DepositRow(row[0], row[1], row[2], Decimal(row[3])) for row in rows]


def sale_to_payout_days(session: Session, seller_organisation_id: uuid.UUID, since: datetime,
                        cutoff: datetime) -> tuple[Decimal | None, int]:
    """(mean days from a sale line's posting to the deposit of its settlement, sale lines counted),
    over sale lines posted in [since, cutoff) whose settlement has been deposited."""
    row = session.execute(text("""
        SELECT avg(extract(epoch FROM settlement.deposit_date - line.posted_at) / 86400), count(*)
          FROM trade_settlement_lines line
          JOIN trade_settlements settlement
            ON settlement.seller_organisation_id = line.seller_organisation_id
           AND settlement.settlement_id = line.settlement_id
         WHERE line.seller_organisation_id = :seller AND line.kind = 'sale'
           AND line.posted_at >= :since AND line.posted_at < :cutoff
           AND settlement.deposit_date IS NOT NULL"""),
        {"seller": seller_organisation_id, "since": since, "cutoff": cutoff}).one()
    return (None if row[0] is None else Decimal(row[0])), int(row[1])


@dataclass(frozen=True, slots=True)
class InboundShipmentRow:
    sku: str
    reference: str        # the tracking number the goods came under
    booked_at: datetime   # the shipment's first tracking event (the freight booking)
    arrived_at: datetime  # the inbound movement at the warehouse


def inbound_shipments(session: Session, seller_organisation_id: uuid.UUID, since: datetime,
                      cutoff: datetime) -> list[InboundShipmentRow]:
    """Inbound stock movements in [since, cutoff) that name a tracked shipment, with the time the
    shipment was booked: how long the seller's goods take from order to shelf."""
    rows = session.execute(text("""
        SELECT movement.sku, movement.reference, booked.booked_at, movement.moved_at
          FROM trade_stock_movements movement
          JOIN (SELECT tracking_number, min(event_at) AS booked_at FROM trade_tracking_events
                 WHERE seller_organisation_id = :seller GROUP BY tracking_number) booked
            ON booked.tracking_number = movement.reference
         WHERE movement.seller_organisation_id = :seller AND movement.kind = 'inbound'
           AND movement.moved_at >= :since AND movement.moved_at < :cutoff
           AND booked.booked_at <= movement.moved_at
         ORDER BY movement.sku, movement.moved_at"""),
        {"seller": seller_organisation_id, "since": since, "cutoff": cutoff}).all()
    return [InboundShipmentRow(*row) for row in rows]


def stock_from_movements(session: Session, seller_organisation_id: uuid.UUID, on: date) -> list[StockRow]:
    """Stock per warehouse and SKU at the end of ``on`` from the movements of warehouses that send no
    snapshots (a 3PL reporting picks and receipts only): inbound and adjustments in, outbound out."""
    rows = session.execute(text("""
        SELECT warehouse, sku,
               sum(CASE kind WHEN 'inbound' THEN quantity WHEN 'adjustment' THEN quantity
                             WHEN 'outbound' THEN -quantity ELSE 0 END)
          FROM trade_stock_movements movement
         WHERE seller_organisation_id = :seller AND moved_at < :cutoff
           AND NOT EXISTS (SELECT 1 FROM trade_stock_snapshots snapshot
                            WHERE snapshot.seller_organisation_id = movement.seller_organisation_id
                              AND snapshot.warehouse = movement.warehouse AND snapshot.snapshot_date <= :on)
         GROUP BY 1, 2 ORDER BY 1, 2"""),
        {"seller": seller_organisation_id, "on": on,
         "cutoff": datetime.combine(on + timedelta(days=1), datetime.min.time(), UTC)}).all()
    return [StockRow(row[0], row[1], on, max(int(row[2]), 0), 0, 0, None, None) for row in rows]


def marketplaces_of(session: Session, seller_organisation_id: uuid.UUID) -> list[str]:
    """The marketplaces the seller has a store on."""
    return list(session.execute(select(Store.marketplace).where(
        Store.seller_organisation_id == seller_organisation_id).order_by(Store.marketplace)).scalars())


@dataclass(frozen=True, slots=True)
class ShippedOrderRow:
    row_id: uuid.UUID
    marketplace: str
    order_id: str
    amount: Decimal
    currency: str
    shipped_at: datetime


def shipped_unpaid_orders(session: Session, seller_organisation_id: uuid.UUID, currency: str, start: datetime,
                          end: datetime, purchased_since: datetime, as_of: datetime) -> list[ShippedOrderRow]:
    """Orders in ``currency`` bought since ``purchased_since`` whose first carrier scan falls in
    [start, end), not cancelled or refunded, with a positive total, no return and no settlement line
    of a sale naming them in a settlement deposited by ``as_of`` (or without a deposit date); by first
    scan, then order id."""
    rows = session.execute(text("""
        SELECT ord.id, ord.marketplace, ord.order_id, coalesce(ord.total, ord.line_items_total), ord.currency,
               scan.shipped_at
          FROM trade_orders ord
          CROSS JOIN LATERAL (
                SELECT min(event.event_at) AS shipped_at FROM trade_tracking_events event
                 WHERE event.seller_organisation_id = ord.seller_organisation_id
                   AND event.order_id = ord.order_id
                   AND event.status IN ('in_transit', 'customs_hold', 'out_for_delivery', 'delivered')) scan
         WHERE ord.seller_organisation_id = :seller AND ord.currency = :currency
           AND ord.purchased_at >= :purchased_since AND ord.purchased_at < :end
           AND scan.shipped_at >= :start AND scan.shipped_at < :end
           AND coalesce(ord.total, ord.line_items_total, 0) > 0
           AND lower(ord.status) NOT LIKE '%cancel%' AND lower(ord.status) NOT LIKE '%refund%'
           AND NOT EXISTS (SELECT 1 FROM trade_settlement_lines line
                             JOIN trade_settlements paid
                               ON paid.seller_organisation_id = line.seller_organisation_id
                              AND paid.settlement_id = line.settlement_id
                            WHERE line.seller_organisation_id = ord.seller_organisation_id
                              AND line.order_id = ord.order_id AND line.kind = 'sale'
                              AND (paid.deposit_date IS NULL OR paid.deposit_date <= :as_of))
           AND NOT EXISTS (SELECT 1 FROM trade_returns returned
                            WHERE returned.seller_organisation_id = ord.seller_organisation_id
                              AND returned.order_id = ord.order_id)
         ORDER BY scan.shipped_at, ord.order_id"""),
        {"seller": seller_organisation_id, "currency": currency, "start": start, "end": end,
         "purchased_since": purchased_since, "as_of": as_of}).all()
    return [ShippedOrderRow(row[0], row[1], row[2], Decimal(row[3]), row[4], row[5]) for row in rows]


def orders_in_settlement(session: Session, seller_organisation_id: uuid.UUID,
                         settlement_id: str) -> set[str]:
    """The order ids the settlement's lines name."""
    rows = session.execute(text("""
        SELECT DISTINCT order_id FROM trade_settlement_lines
         WHERE seller_organisation_id = :seller AND settlement_id = :settlement AND order_id IS NOT NULL"""),
        {"seller": seller_organisation_id, "settlement": settlement_id}).scalars().all()
    return set(rows)


@dataclass(frozen=True, slots=True)
class SettlementRow:
    settlement_id: str
    marketplace: str
    currency: str
    total: Decimal
    period_start: datetime | None
    period_end: datetime | None
    deposit_date: datetime


def latest_deposited_settlement(session: Session, seller_organisation_id: uuid.UUID, marketplace: str,
                                currency: str, deposited_after: datetime,
                                deposited_by: datetime) -> SettlementRow | None:
    """The seller's newest positive settlement of ``marketplace`` in ``currency`` deposited in
    (``deposited_after``, ``deposited_by``]."""
    row = session.execute(text("""
        SELECT settlement_id, marketplace, currency, total, period_start, period_end, deposit_date
          FROM trade_settlements
         WHERE seller_organisation_id = :seller AND marketplace = :marketplace AND currency = :currency
           AND total > 0
           AND deposit_date > :after AND deposit_date <= :by
         ORDER BY deposit_date DESC, settlement_id LIMIT 1"""),
        {"seller": seller_organisation_id, "marketplace": marketplace, "currency": currency,
         "after": deposited_after, "by": deposited_by}).first()
    if row is None:
        return None
    return SettlementRow(row[0], row[1], row[2], Decimal(row[3]), row[4], row[5], row[6])
