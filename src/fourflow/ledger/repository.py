"""Every ledger query. Writes that must be fast use Core statements (one round trip each)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from fourflow.core.database import locked, mark_written
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.ledger.models import (
    BankStatementLine,
    LedgerAccount,
    LedgerEntry,
    LedgerHold,
    LedgerPosting,
    Payment,
    ReconciliationMatch,
)


def account_by_id(session: Session, account_id: uuid.UUID) -> LedgerAccount | None:
    return session.get(LedgerAccount, account_id)


def lock_accounts(session: Session, account_ids: Sequence[uuid.UUID]) -> None:
    """Row-lock accounts in one fixed order (by id), so that transactions touching the same
    accounts queue instead of deadlocking."""
    session.execute(select(LedgerAccount.id).where(LedgerAccount.id.in_(account_ids))
                    .order_by(LedgerAccount.id).with_for_update())


def account_by_key(session: Session, organisation_id: uuid.UUID, code: str, subject: str,
                   currency: str) -> LedgerAccount | None:
    return session.execute(select(LedgerAccount).where(
        LedgerAccount.organisation_id == organisation_id, LedgerAccount.code == code,
        LedgerAccount.subject == subject, LedgerAccount.currency == currency)).scalar_one_or_none()


def insert_account_if_missing(session: Session, values: dict[str, Any]) -> None:
    session.execute(insert(LedgerAccount).values(**values).on_conflict_do_nothing(
        index_elements=["organisation_id", "code", "subject", "currency"]))


def accounts_page(session: Session, organisation_id: uuid.UUID | None,
                  request: PageRequest) -> Page[LedgerAccount]:
    statement = select(LedgerAccount)
    if organisation_id is not None:
        statement = statement.where(LedgerAccount.organisation_id == organisation_id)
    return fetch_page(session, statement, (LedgerAccount.code, LedgerAccount.currency,
                                           LedgerAccount.subject, LedgerAccount.id), request)


_RECORD_ENTRY_DRIVER_SQL = (
    "SELECT entry_id, created FROM ledger_record_entry(%(entry_id)s::uuid, "
    "%(idempotency_key)s::text, %(request_digest)s::text, %(kind)s::text, %(description)s::text, "
    "%(pending_entry_id)s::uuid, %(reverses_entry_id)s::uuid, %(effective_at)s::timestamptz, "
    "%(actor_type)s::text, %(actor_id)s::uuid, %(details)s::jsonb, %(accounts)s::uuid[], "
    "%(phases)s::text[], %(amounts)s::numeric[], %(currencies)s::text[], "
    "%(audit_chains)s::smallint[], %(audit_event_id)s::uuid, %(audit_organisation_id)s::uuid, "
    "%(audit_action)s::text, %(audit_after)s::jsonb, %(audit_request_id)s::text, "
    "%(audit_ip_address)s::text, %(audit_content_digest)s::text)"
)
_ARRAY_PARAMETERS = frozenset({"accounts", "phases", "amounts", "currencies", "audit_chains"})


def _as_text(parameters: dict[str, Any]) -> dict[str, str | None]:
    """Every parameter as text, cast back to its type by the statement: psycopg dumps a
    string several times faster than a UUID, a datetime or a list. Array elements here are
    UUIDs, numbers, phases and currency codes, none of which needs quoting in an array
    literal."""
    return {name: None if value is None
            else "{" + ",".join(map(str, value)) + "}" if name in _ARRAY_PARAMETERS
            else str(value)
            for name, value in parameters.items()}


def record_entry(session: Session, parameters: dict[str, Any]) -> tuple[uuid.UUID, bool]:
    """The entry, its audit event, postings and hold state in one round trip (migration 0003).

    The hottest statement of the platform goes straight to psycopg on the session's own
    connection (same transaction): SQLAlchemy's statement handling cost about as much CPU
    as the database's work here (bench/ledger.py).
    """
    mark_written(session)  # raw driver calls bypass the ORM's write tracking
    driver = session.connection().connection.driver_connection
    assert driver is not None
    row = driver.execute(_RECORD_ENTRY_DRIVER_SQL, _as_text(parameters)).fetchone()
    assert row is not None
    return row[0], bool(row[1])


_RECORD_TRANSFERS_SQL = (
    "SELECT entry_id, created FROM ledger_record_transfers_json(%(entries)s::jsonb, "
    "%(postings)s::jsonb, %(actor_type)s, %(actor_id)s, %(audit_chains)s::smallint[], "
    "%(audit_organisation_id)s, %(audit_request_id)s, %(audit_ip_address)s)"
)


def record_transfers(session: Session, parameters: dict[str, Any]) -> list[tuple[uuid.UUID, bool]]:
    """Many posted or pending transfers in one call of ``ledger_record_transfers_json``
    (migration 0022): a few set-wise statements on the server instead of a function call per
    entry. ``entries`` and ``postings`` are JSON texts (see the function for their shape)."""
    mark_written(session)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    rows = driver.execute(_RECORD_TRANSFERS_SQL, parameters).fetchall()
    return [(row[0], bool(row[1])) for row in rows]


def entry_by_id(session: Session, entry_id: uuid.UUID) -> LedgerEntry | None:
    return session.get(LedgerEntry, entry_id)


def entry_by_idempotency_key(session: Session, key: str) -> LedgerEntry | None:
    return session.execute(select(LedgerEntry).where(LedgerEntry.idempotency_key == key)
                           ).scalar_one_or_none()


def postings_of(session: Session, entry_id: uuid.UUID) -> list[LedgerPosting]:
    return list(session.execute(select(LedgerPosting).where(LedgerPosting.entry_id == entry_id)
                                .order_by(LedgerPosting.id)).scalars())


def entry_is_reversed(session: Session, entry_id: uuid.UUID) -> bool:
    return session.execute(select(LedgerEntry.id).where(LedgerEntry.reverses_entry_id == entry_id)
                           ).first() is not None


def hold(session: Session, entry_id: uuid.UUID) -> LedgerHold | None:
    return session.get(LedgerHold, entry_id)


def posted_balance_as_of(session: Session, account_id: uuid.UUID, as_of: datetime) -> Decimal:
    balance = session.execute(
        select(LedgerPosting.posted_balance_after).where(
            LedgerPosting.account_id == account_id, LedgerPosting.created_at <= as_of)
        .order_by(LedgerPosting.account_sequence.desc()).limit(1)
    ).scalar()
    return balance if balance is not None else Decimal(0)


def pending_totals_as_of(session: Session, account_id: uuid.UUID,
                         as_of: datetime) -> tuple[Decimal, Decimal]:
    """(pending debits, pending credits) held at ``as_of``."""
    held = LedgerPosting.phase.in_(("pending", "release"))
    row = session.execute(
        select(
            func.coalesce(func.sum(LedgerPosting.amount).filter(
                LedgerPosting.phase == "pending", LedgerPosting.amount > 0), 0)
            - func.coalesce(func.sum(LedgerPosting.amount).filter(
                LedgerPosting.phase == "release", LedgerPosting.amount > 0), 0),
            func.coalesce(func.sum(-LedgerPosting.amount).filter(
                LedgerPosting.phase == "pending", LedgerPosting.amount < 0), 0)
            - func.coalesce(func.sum(-LedgerPosting.amount).filter(
                LedgerPosting.phase == "release", LedgerPosting.amount < 0), 0),
        ).where(LedgerPosting.account_id == account_id, LedgerPosting.created_at <= as_of, held)
    ).one()
    return Decimal(row[0]), Decimal(row[1])


def postings_page(session: Session, account_id: uuid.UUID, request: PageRequest) -> Page[LedgerPosting]:
    return fetch_page(session, select(LedgerPosting).where(LedgerPosting.account_id == account_id),
                      (LedgerPosting.account_sequence.desc(),), request)


def totals_by_currency(session: Session) -> dict[tuple[str, str], Decimal]:
    """Sum of all postings per (currency, phase): zero everywhere when the books balance."""
    rows = session.execute(select(LedgerPosting.currency, LedgerPosting.phase,
                                  func.sum(LedgerPosting.amount))
                           .group_by(LedgerPosting.currency, LedgerPosting.phase)).all()
    return {(currency, phase): total for currency, phase, total in rows}


def accounts_out_of_step(session: Session) -> list[uuid.UUID]:
    """Accounts whose running totals differ from the sum of their postings (should be none)."""
    sums = (select(
        LedgerPosting.account_id.label("account_id"),
        func.coalesce(func.sum(LedgerPosting.amount).filter(
            LedgerPosting.phase == "posted", LedgerPosting.amount > 0), 0).label("debits"),
        func.coalesce(func.sum(-LedgerPosting.amount).filter(
            LedgerPosting.phase == "posted", LedgerPosting.amount < 0), 0).label("credits"),
        func.count().label("postings"),
    ).group_by(LedgerPosting.account_id).subquery())
    rows = session.execute(
        select(LedgerAccount.id).outerjoin(sums, sums.c.account_id == LedgerAccount.id).where(
            (LedgerAccount.posted_debits != func.coalesce(sums.c.debits, 0))
            | (LedgerAccount.posted_credits != func.coalesce(sums.c.credits, 0))
            | (LedgerAccount.posting_count != func.coalesce(sums.c.postings, 0)))).scalars()
    return list(rows)


def payment_by_key(session: Session, key: str) -> Payment | None:
    return session.execute(select(Payment).where(Payment.idempotency_key == key)).scalar_one_or_none()


def payment_by_id(session: Session, payment_id: uuid.UUID) -> Payment | None:
    return session.get(Payment, payment_id)


def payment_for_update(session: Session, payment_id: uuid.UUID) -> Payment | None:
    """Row-locked: one worker at a time drives a payment forward."""
    return session.execute(locked(select(Payment).where(Payment.id == payment_id))
                           ).scalar_one_or_none()


def claim_unfinished_payments(session: Session, untouched_since: datetime,
                              states: Sequence[str], limit: int = 100) -> list[uuid.UUID]:
    """Touch and return payments in ``states`` not updated since ``untouched_since``; rows a
    live worker holds locked are skipped."""
    mark_written(session)
    rows = session.execute(text(
        "UPDATE payments SET updated_at = now() WHERE id IN ("
        " SELECT id FROM payments WHERE state = ANY(:states) AND updated_at < :since"
        " ORDER BY updated_at LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING id"),
        {"states": list(states), "since": untouched_since, "limit": limit}).scalars()
    return list(rows)


def add_payment(session: Session, payment: Payment) -> None:
    session.add(payment)
    session.flush()


def insert_statement_lines(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert lines not seen before (by digest); returns how many were new."""
    if not rows:
        return 0
    result = session.execute(insert(BankStatementLine).values(rows).on_conflict_do_nothing(
        index_elements=["line_digest"]).returning(BankStatementLine.id))
    return len(result.all())


def unmatched_lines(session: Session, bank_account_id: uuid.UUID) -> list[BankStatementLine]:
    return list(session.execute(
        select(BankStatementLine)
        .outerjoin(ReconciliationMatch, ReconciliationMatch.statement_line_id == BankStatementLine.id)
        .where(BankStatementLine.bank_account_id == bank_account_id,
               ReconciliationMatch.id.is_(None))
        .order_by(BankStatementLine.booking_date, BankStatementLine.statement_id,
                  BankStatementLine.position)).scalars())


def unmatched_postings(session: Session, bank_account_id: uuid.UUID
                       ) -> list[tuple[LedgerPosting, LedgerEntry]]:
    rows = session.execute(
        select(LedgerPosting, LedgerEntry).join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .outerjoin(ReconciliationMatch, ReconciliationMatch.posting_id == LedgerPosting.id)
        .where(LedgerPosting.account_id == bank_account_id, LedgerPosting.phase == "posted",
               ReconciliationMatch.id.is_(None))
        .order_by(LedgerPosting.account_sequence)).all()
    return [(row[0], row[1]) for row in rows]


def add_match(session: Session, match: ReconciliationMatch) -> None:
    session.add(match)
    session.flush()


def statement_line(session: Session, line_id: uuid.UUID) -> BankStatementLine | None:
    return session.get(BankStatementLine, line_id)


def posting_with_entry(session: Session, posting_id: int) -> tuple[LedgerPosting, LedgerEntry] | None:
    row = session.execute(select(LedgerPosting, LedgerEntry)
                          .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
                          .where(LedgerPosting.id == posting_id)).first()
    return None if row is None else (row[0], row[1])


def is_matched(session: Session, *, line_id: uuid.UUID | None = None,
               posting_id: int | None = None) -> bool:
    statement = select(ReconciliationMatch.id)
    if line_id is not None:
        statement = statement.where(ReconciliationMatch.statement_line_id == line_id)
    if posting_id is not None:
        statement = statement.where(ReconciliationMatch.posting_id == posting_id)
    return session.execute(statement).first() is not None


def platform_bank_accounts(session: Session) -> list[LedgerAccount]:
    return list(session.execute(select(LedgerAccount).where(LedgerAccount.code == "platform:bank")
                                .order_by(LedgerAccount.currency, LedgerAccount.subject)).scalars())


def unmatched_line_counts(session: Session) -> dict[uuid.UUID, int]:
    rows = session.execute(
        select(BankStatementLine.bank_account_id, func.count())
        .outerjoin(ReconciliationMatch, ReconciliationMatch.statement_line_id == BankStatementLine.id)
        .where(ReconciliationMatch.id.is_(None)).group_by(BankStatementLine.bank_account_id)).all()
    return {account: int(count) for account, count in rows}


def payments_page(session: Session, request: PageRequest,
                  organisation_id: uuid.UUID | None) -> Page[Payment]:
    statement = select(Payment)
    if organisation_id is not None:
        statement = statement.where(Payment.organisation_id == organisation_id)
    return fetch_page(session, statement, (Payment.created_at.desc(), Payment.id), request)


def channel_attempt_counts(session: Session) -> dict[tuple[str, str], int]:
    """(channel, outcome) -> attempts, over every payment's recorded attempts."""
    attempt = func.jsonb_array_elements(Payment.attempts).table_valued("value").alias("attempt")
    channel = attempt.c.value.op("->>")("channel")
    outcome = attempt.c.value.op("->>")("outcome")
    rows = session.execute(select(channel, outcome, func.count()).select_from(Payment)
                           .join(attempt, text("true")).group_by(channel, outcome)).all()
    return {(str(c), str(o)): int(n) for c, o, n in rows}


def accounts_with_code(session: Session, code: str) -> list[LedgerAccount]:
    return list(session.execute(select(LedgerAccount).where(LedgerAccount.code == code)
                                .order_by(LedgerAccount.currency)).scalars())


def postings_with_entries(session: Session, account_ids: Sequence[uuid.UUID]
                          ) -> list[tuple[LedgerPosting, LedgerEntry]]:
    """The posted movements of these accounts with their entries, in the order they were written."""
    rows = session.execute(
        select(LedgerPosting, LedgerEntry).join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerPosting.account_id.in_(list(account_ids)), LedgerPosting.phase == "posted")
        .order_by(LedgerPosting.id)).all()
    return [(posting, entry) for posting, entry in rows]
