"""Random sequences of transfers, holds and reversals keep every invariant."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fourflow.core.errors import FourflowError
from fourflow.ledger import service as ledger
from tests.ledger.conftest import Books

operations = st.lists(st.tuples(
    st.sampled_from(["transfer", "hold", "post", "void", "reverse"]),
    st.integers(0, 3), st.integers(0, 3),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500"), places=2),
), min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_random_operations_keep_the_books_balanced(books: Books, steps: list[tuple[str, int, int, Decimal]]
                                                   ) -> None:
    accounts = [books.bank, books.wallet_a, books.wallet_b, books.income]
    savepoint = books.session.begin_nested()
    holds: list[ledger.RecordedEntry] = []
    posted: list[ledger.RecordedEntry] = []
    try:
        for index, (operation, source, target, amount) in enumerate(steps):
            if source == target:
                continue
            step = books.session.begin_nested()
            try:
                if operation in ("transfer", "hold"):
                    result = books.move(accounts[source].id, accounts[target].id, str(amount),
                                        pending=operation == "hold", key=f"prop-{index}")
                    (holds if operation == "hold" else posted).append(result)
                elif operation == "post" and holds:
                    posted.append(ledger.post_pending(books.session, books.context,
                                                      holds.pop().entry_id, idempotency_key=f"prop-{index}"))
                elif operation == "void" and holds:
                    ledger.void_pending(books.session, books.context, holds.pop().entry_id,
                                        idempotency_key=f"prop-{index}")
                elif operation == "reverse" and posted:
                    ledger.reverse(books.session, books.context, posted.pop().entry_id,
                                   idempotency_key=f"prop-{index}")
                step.commit()
            except FourflowError:
                # Refused (floor, already resolved …): nothing of it may remain.
                step.rollback()
        for account in accounts:
            books.session.refresh(account)
            balance = ledger.balance(books.session, account)
            if account.floor is not None:
                assert balance.available >= account.floor
            assert balance.pending_debits >= 0
            assert balance.pending_credits >= 0
        invariants = ledger.check_invariants(books.session)
        assert invariants.unbalanced_currencies == {}
        assert invariants.accounts_out_of_step == []
    finally:
        savepoint.rollback()
