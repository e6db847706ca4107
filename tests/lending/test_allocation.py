"""Allocation of money received over what is due: fees → interest → principal, oldest first, the
excess returned; hand-computed cases and properties (money is conserved, the order holds)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fourflow.core.money import Money
from fourflow.lending.schedules import (
    ALLOCATION_SEQUENCE,
    AllocationOrder,
    AmountCurrencyMismatch,
    AmountNegative,
    AmountNotWholeMinorUnits,
    Component,
    Due,
    allocate,
    dues_on,
    equal_principal,
    even_due_dates,
)

START = date(2025, 1, 1)


def usd(amount: str) -> Money:
    return Money(amount, "USD")


FIRST = Due(1, date(2025, 1, 31), usd("10.00"), usd("98.63"), usd("3333.33"))  # 3,441.96 in all
SECOND = Due(2, date(2025, 3, 2), usd("10.00"), usd("65.75"), usd("3333.33"))  # 3,409.08 in all


def lines(received: Money, dues: list[Due], order: AllocationOrder) -> list[tuple[int, str, str]]:
    allocation = allocate(received, dues, order=order)
    return [(line.number, line.component.value, str(line.amount.amount)) for line in allocation.lines]


def test_the_order_within_an_instalment_is_fees_interest_principal() -> None:
    assert ALLOCATION_SEQUENCE == (Component.FEES, Component.INTEREST, Component.PRINCIPAL)
    # 100.00 against one instalment of 10.00 fees, 98.63 interest: fees first, then 90.00 of interest
    assert lines(usd("100.00"), [FIRST], AllocationOrder.INSTALMENT_BY_INSTALMENT) == [
        (1, "fees", "10.00"), (1, "interest", "90.00")]


def test_instalment_by_instalment_settles_the_oldest_first() -> None:
    # 3,500.00 received: instalment 1 in full (10.00 + 98.63 + 3,333.33 = 3,441.96),
    # then 3,500.00 − 3,441.96 = 58.04 to instalment 2: its fees 10.00, then 48.04 of its interest
    assert lines(usd("3500.00"), [FIRST, SECOND], AllocationOrder.INSTALMENT_BY_INSTALMENT) == [
        (1, "fees", "10.00"), (1, "interest", "98.63"), (1, "principal", "3333.33"),
        (2, "fees", "10.00"), (2, "interest", "48.04")]
    allocation = allocate(usd("3500.00"), [SECOND, FIRST])  # the order given does not matter
    assert allocation.excess == usd("0.00")
    assert (allocation.fees, allocation.interest, allocation.principal) == (
        usd("20.00"), usd("146.67"), usd("3333.33"))  # 98.63 + 48.04 = 146.67
    assert [due.total for due in allocation.remaining] == [usd("0.00"), usd("3351.04")]  # 3,409.08 − 58.04
    assert allocation.remaining[1].interest == usd("17.71")  # 65.75 − 48.04


def test_component_by_component_takes_all_fees_then_all_interest() -> None:
    # fees 10.00 + 10.00 = 20.00; interest 98.63 + 65.75 = 164.38; principal 3,500.00 − 184.38 = 3,315.62
    # to the oldest instalment
    assert lines(usd("3500.00"), [FIRST, SECOND], AllocationOrder.COMPONENT_BY_COMPONENT) == [
        (1, "fees", "10.00"), (2, "fees", "10.00"), (1, "interest", "98.63"), (2, "interest", "65.75"),
        (1, "principal", "3315.62")]


def test_the_excess_is_returned() -> None:
    # 7,000.00 − (3,441.96 + 3,409.08 = 6,851.04) = 148.96 over
    allocation = allocate(usd("7000.00"), [FIRST, SECOND])
    assert allocation.excess == usd("148.96")
    assert allocation.allocated == usd("6851.04")
    assert all(due.total.is_zero() for due in allocation.remaining)
    # With nothing due, all of it is excess; with nothing received, nothing moves
    assert allocate(usd("50.00"), []).excess == usd("50.00")
    nothing = allocate(usd("0.00"), [FIRST])
    assert (nothing.lines, nothing.excess, nothing.remaining) == ((), usd("0.00"), (FIRST,))


def test_dues_come_from_the_schedule() -> None:
    schedule = equal_principal(usd("10000.00"), Decimal("0.12"), START, even_due_dates(START, 90, 3))
    assert dues_on(schedule, date(2025, 1, 30)) == ()
    assert dues_on(schedule, date(2025, 3, 2)) == (
        Due(1, date(2025, 1, 31), usd("0.00"), usd("98.63"), usd("3333.33")),
        Due(2, date(2025, 3, 2), usd("0.00"), usd("65.75"), usd("3333.33")))


def test_allocation_inputs_are_checked() -> None:
    with pytest.raises(AmountNegative) as negative:
        allocate(usd("-1.00"), [FIRST])
    assert negative.value.field == "received"
    with pytest.raises(AmountNotWholeMinorUnits) as fraction:
        allocate(usd("1.005"), [FIRST])
    assert fraction.value.field == "received"
    with pytest.raises(AmountCurrencyMismatch) as currency:
        allocate(Money("1.00", "EUR"), [FIRST])
    assert currency.value.field == "received"
    assert str(currency.value) == "received must be in USD, the loan's currency."
    with pytest.raises(AmountCurrencyMismatch) as mixed:
        allocate(usd("1.00"), [FIRST, Due(3, START, Money("1.00", "EUR"), usd("0.00"), usd("0.00"))])
    assert mixed.value.field == "dues"
    with pytest.raises(AmountNegative) as negative_due:
        allocate(usd("1.00"), [Due(1, START, usd("0.00"), usd("-1.00"), usd("0.00"))])
    assert negative_due.value.field == "dues"


# ---------------------------------------------------------------- properties

amounts = st.integers(0, 10**7).map(lambda minor: Money.from_minor_units(minor, "USD"))


@st.composite
def due_lists(draw: st.DrawFn) -> list[Due]:
    count = draw(st.integers(0, 6))
    offsets = draw(st.lists(st.integers(0, 400), min_size=count, max_size=count, unique=True))
    return [Due(number, START + timedelta(days=offset), draw(amounts), draw(amounts), draw(amounts))
            for number, offset in enumerate(offsets, start=1)]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(dues=due_lists(), received_minor=st.integers(0, 6 * 10**7),
       order=st.sampled_from(list(AllocationOrder)))
def test_allocation_conserves_money_and_keeps_the_order(dues: list[Due], received_minor: int,
                                                       order: AllocationOrder) -> None:
    received = Money.from_minor_units(received_minor, "USD")
    allocation = allocate(received, dues, order=order)
    # allocated + excess = received
    assert allocation.allocated + allocation.excess == received
    assert allocation.fees + allocation.interest + allocation.principal == allocation.allocated
    assert not allocation.excess.is_negative()
    # what is left of each due, plus what was applied to it, is what was due
    by_number = {due.number: due for due in dues}
    for left in allocation.remaining:
        for component in ALLOCATION_SEQUENCE:
            applied = sum((line.amount for line in allocation.lines
                           if line.number == left.number and line.component is component), Money.zero("USD"))
            assert not left.component(component).is_negative()
            assert left.component(component) + applied == by_number[left.number].component(component)
    total_due = sum((due.total for due in dues), Money.zero("USD"))
    assert allocation.allocated == min(received, total_due)
    if allocation.excess.amount > 0:
        assert all(due.total.is_zero() for due in allocation.remaining)
    # Money only reaches a step once every earlier step is fully paid.
    oldest_first = [due.number for due in sorted(dues, key=lambda due: due.due_on)]
    steps = ([(n, c) for n in oldest_first for c in ALLOCATION_SEQUENCE]
             if order is AllocationOrder.INSTALMENT_BY_INSTALMENT
             else [(n, c) for c in ALLOCATION_SEQUENCE for n in oldest_first])
    remaining = {due.number: due for due in allocation.remaining}
    touched = {(line.number, line.component) for line in allocation.lines}
    last_touched = max((steps.index(step) for step in touched), default=-1)
    for number, component in steps[:max(last_touched, 0)]:
        assert remaining[number].component(component).is_zero()
    assert all(line.amount.amount > 0 for line in allocation.lines)
