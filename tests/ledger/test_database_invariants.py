"""The database itself refuses what would corrupt the books (raw SQL, no application code)."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.ledger.conftest import Books

_ENTRY = ("INSERT INTO ledger_entries (id, idempotency_key, request_digest, kind, description, "
          "effective_at, actor_type) VALUES (:id, :key, 'x', 'posted', '', now(), 'system')")
_POSTING = ("INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase, "
            "account_sequence, posted_balance_after) VALUES (:entry, :account, :currency, :amount, "
            "'posted', 0, 0)")


def _refused(session: Session, *statements: tuple[str, dict[str, object]], match: str) -> None:
    savepoint = session.begin_nested()
    session.execute(text("SET CONSTRAINTS ledger_postings_balanced IMMEDIATE"))
    *preparation, (last, last_parameters) = statements
    for statement, parameters in preparation:
        session.execute(text(statement), parameters)
    with pytest.raises(DBAPIError, match=match):
        session.execute(text(last), last_parameters)
    savepoint.rollback()


def test_an_unbalanced_entry_is_rejected(books: Books) -> None:
    entry = uuid.uuid4()
    both_postings = (
        "INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase, "
        "account_sequence, posted_balance_after) VALUES "
        "(:entry, :bank, 'USD', 10, 'posted', 0, 0), (:entry, :income, 'USD', -9, 'posted', 0, 0)")
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-unbalanced"}),
             (both_postings, {"entry": entry, "bank": books.bank.id, "income": books.income.id}),
             match="does not balance")


def test_a_single_posting_entry_is_rejected(books: Books) -> None:
    entry = uuid.uuid4()
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-single"}),
             (_POSTING, {"entry": entry, "account": books.bank.id, "currency": "USD", "amount": 10}),
             match="fewer than two postings")


def test_a_posting_in_the_wrong_currency_is_rejected(books: Books) -> None:
    entry = uuid.uuid4()
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-currency"}),
             (_POSTING, {"entry": entry, "account": books.bank.id, "currency": "EUR", "amount": 10}),
             match="kept in USD")


def test_the_floor_is_enforced_by_the_database(books: Books) -> None:
    entry = uuid.uuid4()
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-floor"}),
             (_POSTING, {"entry": entry, "account": books.wallet_a.id, "currency": "USD", "amount": 1}),
             match="ledger floor")


@pytest.mark.parametrize("statement", [
    "UPDATE ledger_postings SET amount = amount * 2",
    "DELETE FROM ledger_postings",
    "UPDATE ledger_entries SET description = 'rewritten'",
    "DELETE FROM ledger_entries",
    "TRUNCATE ledger_postings CASCADE",
    "UPDATE ledger_accounts SET posted_debits = posted_debits + 1",
])
def test_postings_entries_and_totals_cannot_be_changed(books: Books, statement: str) -> None:
    books.move(books.bank.id, books.wallet_a.id, "25.00")
    snapshot = books.session.execute(text(
        "SELECT sum(amount), count(*) FROM ledger_postings")).one()
    _refused(books.session, (statement, {}), match="append-only|only through postings")
    assert books.session.execute(text("SELECT sum(amount), count(*) FROM ledger_postings")).one() \
        == snapshot


def test_a_resolved_hold_cannot_be_reopened(books: Books) -> None:
    books.move(books.bank.id, books.wallet_a.id, "10.00")
    hold = books.move(books.wallet_a.id, books.income.id, "10.00", pending=True)
    from fourflow.ledger import service as ledger

    ledger.void_pending(books.session, books.context, hold.entry_id, idempotency_key="raw-void")
    _refused(books.session, ("UPDATE ledger_holds SET state = 'pending' WHERE entry_id = :e",
                             {"e": hold.entry_id}), match="already voided")
    _refused(books.session, ("DELETE FROM ledger_holds WHERE entry_id = :e", {"e": hold.entry_id}),
             match="already voided")


# Postings that bring their own running values (as the recording functions insert them,
# migration 0028) are held to the same rules, checked set-wise at the end of the statement.
_PRECOMPUTED = (
    "INSERT INTO ledger_postings (entry_id, account_id, currency, amount, phase, "
    "account_sequence, posted_balance_after, balanced_by_statement) "
    "SELECT :entry, a.id, :currency, :amount, 'posted', a.posting_count + :step, "
    "CASE WHEN a.normal_side = 'debit' THEN a.posted_debits - a.posted_credits + :amount "
    "ELSE a.posted_credits - a.posted_debits - :amount END, :marked "
    "FROM ledger_accounts a WHERE a.id = :account")


def _precomputed(entry: uuid.UUID, account: uuid.UUID, amount: int, *, step: int = 1,
                 currency: str = "USD", marked: bool = True) -> tuple[str, dict[str, object]]:
    return _PRECOMPUTED, {"entry": entry, "account": account, "amount": amount, "step": step,
                          "currency": currency, "marked": marked}


def test_precomputed_postings_must_continue_their_accounts_running_totals(books: Books) -> None:
    entry = uuid.uuid4()
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-sequence"}),
             _precomputed(entry, books.bank.id, 10, step=2),
             match="does not continue the running totals")


def test_precomputed_postings_respect_floors_and_currencies(books: Books) -> None:
    entry = uuid.uuid4()
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-precomputed-floor"}),
             _precomputed(entry, books.wallet_a.id, 1),
             match="ledger floor")
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": "raw-precomputed-currency"}),
             _precomputed(entry, books.bank.id, 10, currency="EUR"),
             match="kept in USD")


@pytest.mark.parametrize("marked", [True, False])
def test_an_unbalanced_entry_of_precomputed_postings_is_rejected(books: Books, marked: bool) -> None:
    """Marked postings have their entry checked by the inserting statement, unmarked ones at
    commit (here made immediate): either way an entry of one posting is refused."""
    entry = uuid.uuid4()
    _refused(books.session,
             (_ENTRY, {"id": entry, "key": f"raw-precomputed-single-{marked}"}),
             _precomputed(entry, books.bank.id, 10, marked=marked),
             match="fewer than two postings")


def test_a_balanced_entry_of_precomputed_postings_moves_the_totals_once(books: Books) -> None:
    from decimal import Decimal

    entry = uuid.uuid4()
    before = (Decimal(books.posted(books.bank)), Decimal(books.posted(books.income)))
    savepoint = books.session.begin_nested()
    books.session.execute(text(_ENTRY), {"id": entry, "key": "raw-precomputed-ok"})
    books.session.execute(text(_PRECOMPUTED.replace("FROM ledger_accounts a WHERE a.id = :account",
                                                    "FROM ledger_accounts a WHERE a.id = :account "
                                                    "UNION ALL SELECT :entry, b.id, :currency, "
                                                    "-:amount, 'posted', b.posting_count + 1, "
                                                    "b.posted_credits - b.posted_debits + :amount, "
                                                    ":marked FROM ledger_accounts b "
                                                    "WHERE b.id = :other")),
                          {**_precomputed(entry, books.bank.id, 7)[1], "other": books.income.id})
    savepoint.commit()
    after = (Decimal(books.posted(books.bank)), Decimal(books.posted(books.income)))
    assert (after[0] - before[0], after[1] - before[1]) == (7, 7)
    from fourflow.ledger import service as ledger

    invariants = ledger.check_invariants(books.session)
    assert (invariants.unbalanced_currencies, invariants.accounts_out_of_step) == ({}, [])
