"""Money: a Decimal amount with its ISO 4217 currency. No float ever enters it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from typing import Annotated, Any

from babel.numbers import get_currency_precision, list_currencies
from pydantic import BeforeValidator, Field

from fourflow.core.errors import ValidationFailed
from fourflow.core.i18n import N_


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def minor_units(currency: str) -> int:
    """Digits after the decimal point for a currency (JPY 0, USD 2, KWD 3), per CLDR."""
    return int(get_currency_precision(validate_currency(currency)))


def validate_currency(currency: str) -> str:
    if not isinstance(currency, str) or currency not in _known_currencies():
        raise ValidationFailed(N_("Unknown currency code {currency}."), field="currency",
                               currency=str(currency))
    return currency


def _to_decimal(amount: Any) -> Decimal:
    if isinstance(amount, (bool, float)):
        # Floats carry binary rounding error; refuse them rather than guess.
        raise TypeError("Money amounts must be Decimal, int or str, never float or bool")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, (int, str)):
        try:
            value = Decimal(amount)
        except InvalidOperation as exc:
            raise ValidationFailed(N_("{amount} is not a valid amount."), field="amount",
                                   amount=str(amount)) from exc
    else:
        raise TypeError(f"Unsupported amount type {type(amount).__name__}")
    if not value.is_finite():
        raise ValidationFailed(N_("{amount} is not a valid amount."), field="amount",
                                   amount=str(amount))
    return value


def parse_amount(text: str) -> Decimal:
    """An amount typed by a person: digit-grouping commas and spaces are allowed."""
    return _to_decimal(text.replace(",", "").strip())


class CurrencyMismatch(TypeError):
    """Arithmetic across currencies needs an explicit FX conversion."""


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __init__(self, amount: Decimal | int | str, currency: str) -> None:
        object.__setattr__(self, "amount", _to_decimal(amount))
        object.__setattr__(self, "currency", validate_currency(currency))

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor_units(cls, minor: int, currency: str) -> Money:
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    def quantized(self) -> Money:
        """Rounded to the currency's minor unit (banker's rounding), as stored on postings."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        return Money(self.amount.quantize(exponent, rounding=ROUND_HALF_EVEN), self.currency)

    def to_minor_units(self) -> int:
        return int(self.quantized().amount.scaleb(minor_units(self.currency)))

    def _same_currency(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, (Money, float, bool)):
            raise TypeError("Money can only be multiplied by a Decimal or int")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.quantized().amount} {self.currency}"


def _amount_from_text(value: object) -> object:
    # JSON numbers arrive as floats in most clients; money travels as a decimal string only.
    if isinstance(value, (float, int, bool)):
        raise ValueError("send amounts as decimal strings, e.g. \"125.50\"")
    return value


# An API amount: a decimal string ("125.50"), never a JSON number.
AmountText = Annotated[Decimal, BeforeValidator(_amount_from_text),
                       Field(allow_inf_nan=False, json_schema_extra={"type": "string",
                                                                     "examples": ["125.50"]})]
