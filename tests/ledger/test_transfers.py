from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from fourflow.audit import service as audit
from fourflow.core.errors import FourflowError
from fourflow.ledger import service as ledger
from fourflow.ledger.chart import Side
from fourflow.ledger.errors import (
    AccountNotFound,
    AmountNotPositive,
    AmountTooPrecise,
    CurrencyMismatch,
    EntryAlreadyReversed,
    EntryUnbalanced,
    FloorBreached,
    HoldAlreadyResolved,
    HoldAmountExceeded,
    IdempotencyKeyReused,
)
from tests.helpers import count
from tests.ledger.conftest import Books


def _rows(books: Books) -> tuple[int, int, int]:
    return (count(books.session, "ledger_entries"), count(books.session, "ledger_postings"),
            count(books.session, "audit_events"))


def test_a_transfer_moves_both_balances_and_is_audited(books: Books) -> None:
    result = books.move(books.bank.id, books.wallet_a.id, "1250.75", key="payout-1")
    assert result.created is True
    postings = sorted(ledger.entry(books.session, result.entry_id).postings, key=lambda p: p.amount)
    assert [(p.amount, p.phase, p.account_sequence) for p in postings] == [
        (Decimal("-1250.75"), "posted", 1), (Decimal("1250.75"), "posted", 1)]
    assert (books.posted(books.bank), books.posted(books.wallet_a)) == ("1250.75", "1250.75")
    assert books.session.execute(text(
        "SELECT count(*) FROM audit_events WHERE action = 'ledger:entry:posted' AND subject_id = :e"),
        {"e": str(result.entry_id)}).scalar_one() == 1
    assert ledger.entry(books.session, result.entry_id).entry.kind == "posted"


def test_the_same_idempotency_key_posts_once(books: Books) -> None:
    first = books.move(books.bank.id, books.wallet_a.id, "100.00", key="same-key-1")
    before = _rows(books)
    again = books.move(books.bank.id, books.wallet_a.id, "100.00", key="same-key-1")
    assert (again.created, again.entry_id) == (False, first.entry_id)
    assert _rows(books) == before
    assert books.posted(books.wallet_a) == "100.00"
    savepoint = books.session.begin_nested()
    with pytest.raises(IdempotencyKeyReused):
        books.move(books.bank.id, books.wallet_a.id, "100.01", key="same-key-1")
    savepoint.rollback()
    assert _rows(books) == before


def test_floors_hold_and_refused_transfers_change_nothing(books: Books) -> None:
    books.move(books.bank.id, books.wallet_a.id, "50.00")
    before = _rows(books)
    savepoint = books.session.begin_nested()
    with pytest.raises(FloorBreached) as refused:
        books.move(books.wallet_a.id, books.income.id, "50.01")
    savepoint.rollback()
    assert str(books.wallet_a.id) in str(refused.value)
    assert _rows(books) == before
    assert books.available(books.wallet_a) == "50.00"


@pytest.mark.parametrize(("postings", "error", "field"), [
    ([("bank", Side.DEBIT, "10", "USD"), ("missing", Side.CREDIT, "10", "USD")],
     AccountNotFound, "postings.1.account_id"),
    ([("bank", Side.DEBIT, "10", "EUR"), ("income_eur", Side.CREDIT, "10", "EUR")],
     CurrencyMismatch, "postings.0.currency"),
    ([("bank", Side.DEBIT, "10.001", "USD"), ("wallet_a", Side.CREDIT, "10.001", "USD")],
     AmountTooPrecise, "postings.0.amount"),
    ([("bank", Side.DEBIT, "0", "USD"), ("wallet_a", Side.CREDIT, "0", "USD")],
     AmountNotPositive, "postings.0.amount"),
    ([("bank", Side.DEBIT, "-5", "USD"), ("wallet_a", Side.CREDIT, "-5", "USD")],
     AmountNotPositive, "postings.0.amount"),
    ([("bank", Side.DEBIT, "10.00", "USD"), ("wallet_a", Side.CREDIT, "9.99", "USD")],
     EntryUnbalanced, "postings"),
])
def test_bad_transfers_are_refused_with_the_field_named(
        books: Books, postings: list[tuple[str, Side, str, str]], error: type[FourflowError],
        field: str) -> None:
    import uuid

    income_eur = ledger.open_account(books.session, books.income.organisation_id,
                                     "platform:income:fees", "EUR")
    accounts = {"bank": books.bank.id, "wallet_a": books.wallet_a.id, "missing": uuid.uuid4(),
                "income_eur": income_eur.id}
    before = _rows(books)
    savepoint = books.session.begin_nested()
    with pytest.raises(error) as refused:
        ledger.transfer(books.session, books.context, ledger.Transfer(
            idempotency_key="bad-input", postings=tuple(
                ledger.Posting(accounts[name], side, Decimal(amount), currency)
                for name, side, amount, currency in postings)))
    savepoint.rollback()
    assert refused.value.field == field
    assert _rows(books) == before


def test_localised_error_for_too_many_decimals(books: Books) -> None:
    with pytest.raises(AmountTooPrecise) as refused:
        books.move(books.bank.id, books.wallet_a.id, "1.005")
    assert refused.value.localised("zh_Hans") == "第 0 条过账：USD 最多允许 2 位小数，1.005 超出了精度。"


def test_holds_count_against_the_available_balance(books: Books) -> None:
    books.move(books.bank.id, books.wallet_a.id, "100.00")
    hold = books.move(books.wallet_a.id, books.income.id, "70.00", pending=True)
    assert (books.posted(books.wallet_a), books.available(books.wallet_a)) == ("100.00", "30.00")
    # A second hold larger than what is left is refused: holds can never overspend.
    savepoint = books.session.begin_nested()
    with pytest.raises(FloorBreached):
        books.move(books.wallet_a.id, books.income.id, "30.01", pending=True)
    savepoint.rollback()
    # Post part of the hold; the rest is released.
    posted = ledger.post_pending(books.session, books.context, hold.entry_id,
                                 idempotency_key="post-hold-1", amount=Decimal("45.50"))
    assert ledger.entry(books.session, posted.entry_id).entry.kind == "post_pending"
    assert (books.posted(books.wallet_a), books.available(books.wallet_a)) == ("54.50", "54.50")
    assert books.posted(books.income) == "45.50"
    with pytest.raises(HoldAlreadyResolved):
        ledger.void_pending(books.session, books.context, hold.entry_id, idempotency_key="void-1")
    # Repeating the same post returns the first result.
    assert ledger.post_pending(books.session, books.context, hold.entry_id,
                               idempotency_key="post-hold-1", amount=Decimal("45.50")
                               ).entry_id == posted.entry_id


def test_a_hold_is_never_posted_for_more_than_it_holds_and_can_be_voided(books: Books) -> None:
    books.move(books.bank.id, books.wallet_b.id, "20.00")
    hold = books.move(books.wallet_b.id, books.income.id, "20.00", pending=True)
    with pytest.raises(HoldAmountExceeded):
        ledger.post_pending(books.session, books.context, hold.entry_id, idempotency_key="too-much",
                            amount=Decimal("20.01"))
    ledger.void_pending(books.session, books.context, hold.entry_id, idempotency_key="void-2")
    assert (books.posted(books.wallet_b), books.available(books.wallet_b)) == ("20.00", "20.00")
    with pytest.raises(HoldAlreadyResolved):
        ledger.post_pending(books.session, books.context, hold.entry_id, idempotency_key="late-post")


def test_reversal_restores_balances_once(books: Books) -> None:
    fee = books.move(books.bank.id, books.income.id, "12.34")
    reversal = ledger.reverse(books.session, books.context, fee.entry_id, idempotency_key="rev-1",
                              description="charged twice")
    assert ledger.entry(books.session, reversal.entry_id).entry.reverses_entry_id == fee.entry_id
    assert (books.posted(books.bank), books.posted(books.income)) == ("0.00", "0.00")
    with pytest.raises(EntryAlreadyReversed):
        ledger.reverse(books.session, books.context, fee.entry_id, idempotency_key="rev-2")


def test_balance_as_of_a_past_time(books: Books) -> None:
    first = books.move(books.bank.id, books.wallet_a.id, "10.00")
    books.move(books.bank.id, books.wallet_a.id, "5.00")
    at_first = max(p.created_at for p in ledger.entry(books.session, first.entry_id).postings)
    books.session.refresh(books.wallet_a)
    past = ledger.balance(books.session, books.wallet_a, as_of=at_first)
    assert (past.posted, past.available) == (Decimal("10.00"), Decimal("10.00"))
    before_anything = ledger.balance(books.session, books.wallet_a, as_of=at_first - timedelta(days=1))
    assert before_anything.posted == Decimal("0.00")
    assert ledger.balance(books.session, books.wallet_a).posted == Decimal("15.00")


def test_invariants_hold_after_a_mixed_day(books: Books) -> None:
    books.move(books.bank.id, books.wallet_a.id, "300.00")
    hold = books.move(books.wallet_a.id, books.wallet_b.id, "120.00", pending=True)
    ledger.post_pending(books.session, books.context, hold.entry_id, idempotency_key="mixed-post")
    fee = books.move(books.wallet_b.id, books.income.id, "3.60")
    ledger.reverse(books.session, books.context, fee.entry_id, idempotency_key="mixed-rev")
    result = ledger.check_invariants(books.session)
    assert (result.unbalanced_currencies, result.accounts_out_of_step) == ({}, [])
    assert (books.posted(books.wallet_a), books.posted(books.wallet_b)) == ("180.00", "120.00")


def test_a_batch_posts_all_or_nothing_and_replays_idempotently(books: Books) -> None:
    books.move(books.bank.id, books.wallet_a.id, "100.00")

    def batch(amounts: list[str], prefix: str) -> list[ledger.Transfer]:
        return [ledger.Transfer(f"{prefix}-{index}", postings=(
            ledger.Posting(books.wallet_a.id, Side.DEBIT, Decimal(amount), "USD"),
            ledger.Posting(books.wallet_b.id, Side.CREDIT, Decimal(amount), "USD")))
            for index, amount in enumerate(amounts)]

    first = ledger.transfers(books.session, books.context, batch(["10.00", "20.00", "30.00"], "b1"))
    assert [result.created for result in first] == [True, True, True]
    assert (books.posted(books.wallet_a), books.posted(books.wallet_b)) == ("40.00", "60.00")
    replay = ledger.transfers(books.session, books.context, batch(["10.00", "20.00", "30.00"], "b1"))
    assert [(r.entry_id, r.created) for r in replay] == [(r.entry_id, False) for r in first]
    before = _rows(books)
    savepoint = books.session.begin_nested()
    with pytest.raises(FloorBreached):
        # The third would take wallet A below zero: none of the three may stay.
        ledger.transfers(books.session, books.context, batch(["10.00", "10.00", "25.00"], "b2"))
    savepoint.rollback()
    assert _rows(books) == before
    assert books.posted(books.wallet_a) == "40.00"


def test_a_batch_mixes_new_and_repeated_keys_holds_and_audits_each_new_entry(books: Books) -> None:
    """The batch is recorded set-wise by the database (ledger_record_transfers): the same
    outcome, entry by entry, as recording the transfers one at a time."""
    books.move(books.bank.id, books.wallet_a.id, "100.00")
    earlier = books.move(books.wallet_a.id, books.wallet_b.id, "5.00", key="batch-earlier")

    def move(key: str, amount: str, *, pending: bool = False) -> ledger.Transfer:
        return ledger.Transfer(key, pending=pending, postings=(
            ledger.Posting(books.wallet_a.id, Side.DEBIT, Decimal(amount), "USD"),
            ledger.Posting(books.wallet_b.id, Side.CREDIT, Decimal(amount), "USD")))

    entries, postings, events = _rows(books)
    results = ledger.transfers(books.session, books.context, [
        move("batch-new-1", "10.00"), move("batch-earlier", "5.00"),
        move("batch-hold", "30.00", pending=True), move("batch-new-1", "10.00")])
    assert results[1] == ledger.RecordedEntry(earlier.entry_id, False)
    assert results[3] == ledger.RecordedEntry(results[0].entry_id, False)
    assert (results[0].created, results[2].created) == (True, True)
    # two new entries of two postings each; their two audit events and the batch's own
    assert _rows(books) == (entries + 2, postings + 4, events + 3)
    # wallet A: 100.00 - 5.00 - 10.00 = 85.00 posted, 30.00 of it held: 55.00 available
    assert (books.posted(books.wallet_a), books.available(books.wallet_a)) == ("85.00", "55.00")
    hold = ledger.post_pending(books.session, books.context, results[2].entry_id,
                               idempotency_key="batch-hold-post")
    assert hold.created
    assert books.posted(books.wallet_b) == "45.00"  # 5.00 + 10.00 + 30.00
    actions = books.session.execute(text(
        "SELECT action FROM audit_events WHERE subject_id IN (:a, :b) ORDER BY chain_position"),
        {"a": str(results[0].entry_id), "b": str(results[2].entry_id)}).scalars().all()
    assert actions == ["ledger:entry:posted", "ledger:entry:pending"]
    assert audit.verify_chain(books.session).intact


def test_a_batch_reusing_a_key_for_another_body_is_refused_whole(books: Books) -> None:
    books.move(books.bank.id, books.wallet_a.id, "100.00")
    books.move(books.wallet_a.id, books.wallet_b.id, "5.00", key="batch-used")
    before = _rows(books)
    savepoint = books.session.begin_nested()
    with pytest.raises(IdempotencyKeyReused):
        ledger.transfers(books.session, books.context, [
            ledger.Transfer("batch-fresh", postings=(
                ledger.Posting(books.wallet_a.id, Side.DEBIT, Decimal("1.00"), "USD"),
                ledger.Posting(books.wallet_b.id, Side.CREDIT, Decimal("1.00"), "USD"))),
            ledger.Transfer("batch-used", postings=(  # 6.00 where 5.00 was recorded
                ledger.Posting(books.wallet_a.id, Side.DEBIT, Decimal("6.00"), "USD"),
                ledger.Posting(books.wallet_b.id, Side.CREDIT, Decimal("6.00"), "USD")))])
    savepoint.rollback()
    assert _rows(books) == before
    assert books.posted(books.wallet_a) == "95.00"
