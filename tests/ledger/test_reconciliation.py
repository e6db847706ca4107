"""Reconciliation against the public camt.053 and MT940 samples (read in place)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fourflow.core.clock import FrozenClock, set_clock
from fourflow.ledger import service as ledger
from fourflow.ledger.errors import MatchNotPossible, NotABankAccount, StatementCurrencyMismatch
from fourflow.ledger.models import LedgerAccount
from fourflow.ledger.service import reconciliation
from tests.conftest import shared_data
from tests.helpers import choose_language, sign_in
from tests.ledger.conftest import Books


def _eur_accounts(books: Books) -> tuple[LedgerAccount, LedgerAccount]:
    platform = books.income.organisation_id
    bank = ledger.open_account(books.session, platform, "platform:bank", "EUR", subject="test-eur")
    suspense = ledger.open_account(books.session, platform, "platform:suspense", "EUR")
    return bank, suspense


def _book(books: Books, at: datetime, debit: uuid.UUID, credit: uuid.UUID, amount: str,
          description: str = "") -> None:
    previous = set_clock(FrozenClock(at))
    try:
        ledger.transfer(books.session, books.context, ledger.Transfer(
            f"recon-{uuid.uuid4()}", description=description, postings=(
                ledger.Posting(debit, ledger.Side.DEBIT, Decimal(amount), "EUR"),
                ledger.Posting(credit, ledger.Side.CREDIT, Decimal(amount), "EUR"))))
    finally:
        set_clock(previous)


def _eur_statement_of_the_mt940_sample() -> bytes:
    # The sample holds three statements in DEM, EUR and PLN; the account here keeps EUR.
    blocks = shared_data("payments/mt940_cmxl_example.sta").read_text(encoding="utf-8").split("\n-")
    return next(block for block in blocks if ":20:1234567" in block).strip().encode() + b"\n-\n"


def test_mt940_lines_match_by_amount_and_date_and_reimport_adds_nothing(books: Books) -> None:
    bank, suspense = _eur_accounts(books)
    _book(books, datetime(2002, 11, 1, 9, tzinfo=UTC), bank.id, suspense.id, "3000.00", "Salary in")
    _book(books, datetime(2002, 11, 1, 10, tzinfo=UTC), suspense.id, bank.id, "800.00", "Rent out")
    result = reconciliation.import_statement(books.session, books.context, bank.id,
                                             _eur_statement_of_the_mt940_sample())
    assert (result.statements, result.lines, result.inserted, result.duplicates, result.matched,
            result.breaks) == (1, 2, 2, 0, 2, 0)
    rules = books.session.execute(text(
        "SELECT m.rule, l.amount FROM reconciliation_matches m "
        "JOIN bank_statement_lines l ON l.id = m.statement_line_id ORDER BY l.amount")).all()
    assert [(rule, amount) for rule, amount in rules] == [
        ("amount_and_date", Decimal("-800")), ("amount_and_date", Decimal("3000"))]
    again = reconciliation.import_statement(books.session, books.context, bank.id,
                                            _eur_statement_of_the_mt940_sample())
    assert (again.inserted, again.duplicates, again.matched, again.breaks) == (0, 2, 0, 0)
    assert books.session.execute(text(
        "SELECT count(*) FROM audit_events WHERE action = 'ledger:reconciliation:matched'")
    ).scalar_one() == 2


def test_camt053_break_is_matched_by_hand_and_audited(books: Books) -> None:
    bank, suspense = _eur_accounts(books)
    # Booked in the ledger three weeks after the bank's booking date: no automatic match.
    _book(books, datetime(2015, 1, 21, tzinfo=UTC), bank.id, suspense.id, "8.85",
          "Customer payment 4654654654654654")
    _book(books, datetime(2015, 1, 21, tzinfo=UTC), bank.id, suspense.id, "9.00", "Another payment")
    content = shared_data("payments/camt_genkgo_camt053.v2.minimal.xml").read_bytes()
    result = reconciliation.import_statement(books.session, books.context, bank.id, content)
    assert (result.lines, result.matched, result.breaks) == (1, 0, 1)
    assert len(reconciliation.breaks(books.session, bank.id).postings) == 2
    open_items = reconciliation.breaks(books.session, bank.id)
    assert [(line.amount, line.booking_date.isoformat(), line.description)
            for line in open_items.lines] == [(Decimal("8.85"), "2014-12-31", "4654654654654654")]
    posting, _entry = next((p, e) for p, e in open_items.postings if p.amount == Decimal("8.85"))
    wrong = next(p for p, _e in open_items.postings if p.amount == Decimal("9.00"))
    with pytest.raises(MatchNotPossible) as refused:
        reconciliation.match_manually(books.session, books.context, open_items.lines[0].id, wrong.id)
    assert refused.value.localised("en") == \
        "This line and this posting cannot be matched: amounts differ (8.85 / 9.00)"
    reconciliation.match_manually(books.session, books.context, open_items.lines[0].id, posting.id)
    with pytest.raises(MatchNotPossible):
        reconciliation.match_manually(books.session, books.context, open_items.lines[0].id, posting.id)
    after = reconciliation.breaks(books.session, bank.id)
    assert after.lines == []
    assert books.session.execute(text(
        "SELECT after->>'by' FROM audit_events WHERE action = 'ledger:reconciliation:matched'")
    ).scalar_one() == "manual"


def test_statements_go_to_bank_accounts_in_their_currency_only(books: Books) -> None:
    content = shared_data("payments/camt_genkgo_camt053.v2.minimal.xml").read_bytes()
    with pytest.raises(StatementCurrencyMismatch):
        reconciliation.import_statement(books.session, books.context, books.bank.id, content)
    with pytest.raises(NotABankAccount):
        reconciliation.import_statement(books.session, books.context, books.wallet_a.id, content)
    assert books.session.execute(text("SELECT count(*) FROM bank_statement_lines")).scalar_one() == 0


def test_a_malformed_statement_stores_nothing(books: Books, tmp_path: Path) -> None:
    from fourflow.ledger.statements import StatementMalformed

    bank, _suspense = _eur_accounts(books)
    with pytest.raises(StatementMalformed) as refused:
        reconciliation.import_statement(books.session, books.context, bank.id,
                                        b":20:X\n:25:ACC\n:60F:C021101EUR10,00\n:61:0211011102CRabc,NTRF\n")
    assert "line 4" in refused.value.localised("en")
    assert books.session.execute(text("SELECT count(*) FROM bank_statement_lines")).scalar_one() == 0


def test_operations_import_over_the_api_and_see_the_breaks(books: Books, client: TestClient) -> None:
    bank, _suspense = _eur_accounts(books)
    csrf = sign_in(client, "operations@fourflow.demo")
    response = client.post(f"/api/v1/ledger/reconciliation/{bank.id}/statements",
                           headers={"X-CSRF-Token": csrf},
                           files={"file": ("statement.sta", _eur_statement_of_the_mt940_sample())})
    assert response.status_code == 201, response.text
    assert response.json() == {"statements": 1, "lines": 2, "inserted": 2, "duplicates": 0,
                               "matched": 0, "breaks": 2}
    breaks = client.get(f"/api/v1/ledger/reconciliation/{bank.id}/breaks").json()
    assert [line["amount"] for line in breaks["lines"]] == ["-800", "3000"]
    assert breaks["postings"] == []
    choose_language(client, "zh_Hans", csrf)
    malformed = client.post(f"/api/v1/ledger/reconciliation/{bank.id}/statements",
                            headers={"X-CSRF-Token": csrf, "Accept-Language": "zh-CN"},
                            files={"file": ("bad.xml", b"<Document><BkToCstmrStmt>")})
    assert malformed.status_code == 422
    assert malformed.json()["error"] == "statement_malformed"
    assert malformed.json()["detail"]["message"].startswith("银行对账单格式错误")
