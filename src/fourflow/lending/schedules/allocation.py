"""Allocation of money received (a payout deduction or a repayment) over what is due.

Within an instalment the order is fees → interest → principal. Across instalments the oldest
comes first. Two orders combine them:

* ``INSTALMENT_BY_INSTALMENT`` (the default): the oldest instalment is settled in full (its
  fees, then its interest, then its principal) before the next is touched. It cures the oldest
  arrears first, so days past due fall as soon as the money allows.
* ``COMPONENT_BY_COMPONENT``: the fees of every instalment (oldest first), then all interest,
  then all principal.

What is left once everything due is paid is the excess: a prepayment for the caller to apply
(``early_repayment.reamortise``) or to return. Allocated + excess = received, always.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from fourflow.core.money import Money
from fourflow.lending.schedules.amounts import (
    require_currency,
    require_minor_units,
    require_not_negative,
    total,
)
from fourflow.lending.schedules.schedules import Instalment, Schedule


class Component(StrEnum):
    FEES = "fees"
    INTEREST = "interest"
    PRINCIPAL = "principal"


ALLOCATION_SEQUENCE = (Component.FEES, Component.INTEREST, Component.PRINCIPAL)


class AllocationOrder(StrEnum):
    INSTALMENT_BY_INSTALMENT = "instalment_by_instalment"
    COMPONENT_BY_COMPONENT = "component_by_component"


@dataclass(frozen=True, slots=True)
class Due:
    """What is still unpaid of one instalment."""

    number: int
    due_on: date
    fees: Money
    interest: Money
    principal: Money

    @classmethod
    def from_instalment(cls, instalment: Instalment) -> Due:
        return cls(instalment.number, instalment.due_on, instalment.fees, instalment.interest,
                   instalment.principal)

    @property
    def total(self) -> Money:
        return self.fees + self.interest + self.principal

    def component(self, component: Component) -> Money:
        if component is Component.FEES:
            return self.fees
        return self.interest if component is Component.INTEREST else self.principal

    def less(self, component: Component, amount: Money) -> Due:
        """This due with ``amount`` of one component paid."""
        if component is Component.FEES:
            return replace(self, fees=self.fees - amount)
        if component is Component.INTEREST:
            return replace(self, interest=self.interest - amount)
        return replace(self, principal=self.principal - amount)


@dataclass(frozen=True, slots=True)
class AllocationLine:
    number: int
    due_on: date
    component: Component
    amount: Money


@dataclass(frozen=True, slots=True)
class Allocation:
    received: Money
    lines: tuple[AllocationLine, ...]  # in the order the money was applied; no zero lines
    remaining: tuple[Due, ...]  # every due, oldest first, less what was applied to it
    excess: Money

    @property
    def allocated(self) -> Money:
        return total((line.amount for line in self.lines), self.received.currency)

    def component_total(self, component: Component) -> Money:
        return total((line.amount for line in self.lines if line.component is component),
                     self.received.currency)

    @property
    def fees(self) -> Money:
        return self.component_total(Component.FEES)

    @property
    def interest(self) -> Money:
        return self.component_total(Component.INTEREST)

    @property
    def principal(self) -> Money:
        return self.component_total(Component.PRINCIPAL)


def dues_on(schedule: Schedule, on: date) -> tuple[Due, ...]:
    """The instalments of ``schedule`` due on or before ``on``, in full (before any payment)."""
    return tuple(Due.from_instalment(instalment) for instalment in schedule.instalments
                 if instalment.due_on <= on)


def allocate(received: Money, dues: Sequence[Due], *,
             order: AllocationOrder = AllocationOrder.INSTALMENT_BY_INSTALMENT) -> Allocation:
    currency = dues[0].principal.currency if dues else received.currency  # the loan's
    require_currency(received, currency, "received")
    require_not_negative(received, "received")
    require_minor_units(received, "received")
    for due in dues:
        for component in ALLOCATION_SEQUENCE:
            amount = due.component(component)
            require_currency(amount, currency, "dues")
            require_not_negative(amount, "dues")
            require_minor_units(amount, "dues")
    oldest_first = sorted(dues, key=lambda due: (due.due_on, due.number))
    indexes = range(len(oldest_first))
    if order is AllocationOrder.INSTALMENT_BY_INSTALMENT:
        steps = [(index, component) for index in indexes for component in ALLOCATION_SEQUENCE]
    else:
        steps = [(index, component) for component in ALLOCATION_SEQUENCE for index in indexes]
    remaining = list(oldest_first)
    left = received
    lines = []
    for index, component in steps:
        if left.is_zero():
            break
        due = remaining[index]
        applied = min(left, due.component(component))
        if applied.is_zero():
            continue
        lines.append(AllocationLine(due.number, due.due_on, component, applied))
        remaining[index] = due.less(component, applied)
        left -= applied
    return Allocation(received, tuple(lines), tuple(remaining), left)
