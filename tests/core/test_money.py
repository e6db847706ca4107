from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fourflow.core.errors import ValidationFailed
from fourflow.core.money import CurrencyMismatch, Money, minor_units

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4,
                      allow_nan=False, allow_infinity=False)


def test_minor_units_follow_iso_4217() -> None:
    assert (minor_units("USD"), minor_units("JPY"), minor_units("KWD"), minor_units("CNY")) == (2, 0, 3, 2)


def test_quantizes_to_the_currency_minor_unit_with_bankers_rounding() -> None:
    assert Money("10.125", "USD").quantized() == Money("10.12", "USD")
    assert Money("10.135", "USD").quantized() == Money("10.14", "USD")
    assert Money("1234.5", "JPY").quantized() == Money("1234", "JPY")
    assert Money("1.2345", "KWD").quantized().amount == Decimal("1.234")


def test_minor_unit_round_trip() -> None:
    assert Money("12.34", "EUR").to_minor_units() == 1234
    assert Money.from_minor_units(1234, "EUR") == Money("12.34", "EUR")
    assert Money.from_minor_units(500, "JPY") == Money("500", "JPY")


def test_refuses_float_and_bool() -> None:
    with pytest.raises(TypeError):
        Money(0.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money("1", "USD") * 1.5  # type: ignore[operator]


def test_refuses_mixed_currencies() -> None:
    with pytest.raises(CurrencyMismatch):
        Money("1", "USD") + Money("1", "EUR")
    with pytest.raises(CurrencyMismatch):
        _ = Money("1", "USD") < Money("2", "EUR")


def test_unknown_currency_and_bad_amount_are_validation_errors() -> None:
    with pytest.raises(ValidationFailed) as unknown:
        Money("1", "XYZ")
    assert unknown.value.field == "currency"
    assert unknown.value.localised("zh_Hans") == "未知的币种代码 XYZ。"
    with pytest.raises(ValidationFailed) as bad:
        Money("12,5", "USD")
    assert bad.value.field == "amount"
    with pytest.raises(ValidationFailed):
        Money("NaN", "USD")


def test_arithmetic_exact_values() -> None:
    total = Money("0.10", "USD") + Money("0.20", "USD")
    assert total == Money("0.30", "USD")
    assert Money("100.00", "USD") * Decimal("0.015") == Money("1.50000", "USD")
    assert -Money("5", "CNY") == Money("-5", "CNY")
    assert str(Money("7.005", "USD")) == "7.00 USD"


@given(amounts, amounts)
def test_addition_then_subtraction_is_exact(a: Decimal, b: Decimal) -> None:
    assert (Money(a, "USD") + Money(b, "USD")) - Money(b, "USD") == Money(a, "USD")


@given(amounts)
def test_quantized_never_moves_more_than_half_a_minor_unit(a: Decimal) -> None:
    rounded = Money(a, "USD").quantized().amount
    assert abs(rounded - a) <= Decimal("0.005")
    assert rounded == rounded.quantize(Decimal("0.01"))
