"""A simulated insurer for the demo world and tests ("Harbour Mutual"): premium rates by product and
cover from a rate table (configurable, versioned), and a deterministic claim decision.

It keeps no state between calls: every reference it hands out encodes what it decided (a hash of the
request, and for a claim the decision, the day it was filed and the amount approved), so the web
process that binds a policy and the worker that later asks about its claim get the same answers, and
the same request always gets the same reference (binding and filing are idempotent by construction).

Pricing (``RATES_VERSION``):
* credit cover: insured amount × annual rate × cover days ÷ 365, at least ``minimum_premium``;
* cargo cover: insured amount × the flat rate for the goods' journey or storage, at least the minimum.
Premiums are rounded half up to the cent, as insurers bill.

Claims: a loss on or after the cover starts and at most ``claims_window_days`` after it ends is
approved for min(loss, insured amount) × the cover's indemnity rate; any other is declined
(``outside_cover_period``). An approved claim is paid ``settle_after_days`` after it was filed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from fourflow.core.clock import get_clock
from fourflow.core.money import minor_units
from fourflow.lending.insurance.insurer.port import (
    BindRequest,
    BoundPolicy,
    ClaimRequest,
    ClaimState,
    ClaimStatus,
    Cover,
    InsurerQuote,
    InsurerUnreachable,
    QuoteRequest,
)

RATES_VERSION = "harbour-mutual-rates@2026-12"
DAYS_IN_YEAR = Decimal(365)


@dataclass(frozen=True, slots=True)
class Rate:
    rate: Decimal
    annual: bool  # credit: per year of cover; cargo: flat for the cover


def default_rates() -> dict[tuple[str, Cover], Rate]:
    return {
        ("order_financing", Cover.CREDIT): Rate(Decimal("0.0120"), annual=True),
        ("receivables_financing", Cover.CREDIT): Rate(Decimal("0.0080"), annual=True),
        ("inventory_financing", Cover.CREDIT): Rate(Decimal("0.0100"), annual=True),
        ("revolving_credit_line", Cover.CREDIT): Rate(Decimal("0.0150"), annual=True),
        # Goods shipped from the supplier (one journey) and goods stored in a bonded warehouse.
        ("order_financing", Cover.CARGO): Rate(Decimal("0.0030"), annual=False),
        ("inventory_financing", Cover.CARGO): Rate(Decimal("0.0025"), annual=False),
    }


INDEMNITY = {Cover.CREDIT: Decimal("0.90"), Cover.CARGO: Decimal("1.00")}


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:10]


@dataclass
class SimulatedInsurer:
    name: str = "harbour-mutual"
    unreachable: bool = False  # every call fails, as when the insurer is down
    rates: dict[tuple[str, Cover], Rate] = field(default_factory=default_rates)
    pricing_version: str = RATES_VERSION
    minimum_premium: Decimal = Decimal("5.00")
    claims_window_days: int = 365
    settle_after_days: int = 14

    def _check(self) -> None:
        if self.unreachable:
            raise InsurerUnreachable(f"{self.name}: service unavailable")

    def quote(self, request: QuoteRequest) -> InsurerQuote:
        self._check()
        rate = self.rates.get((request.product, request.cover))
        if rate is None or request.insured_amount <= 0 or request.cover_days <= 0:
            raise InsurerUnreachable(f"{self.name}: no rate for {request.product}/{request.cover}")
        exact = request.insured_amount * rate.rate
        if rate.annual:
            exact = exact * request.cover_days / DAYS_IN_YEAR
        cent = Decimal(1).scaleb(-minor_units(request.currency))
        premium = max(exact, self.minimum_premium).quantize(cent, rounding=ROUND_HALF_UP)
        days = f" × {request.cover_days}/365" if rate.annual else ""
        basis = f"{request.insured_amount} × {rate.rate}{days}, minimum {self.minimum_premium}"
        return InsurerQuote(
            reference=f"HMQ-{_digest(self.pricing_version, request)}", pricing_version=self.pricing_version,
            premium_rate=rate.rate, premium_amount=premium, indemnity_rate=INDEMNITY[request.cover],
            basis=basis)

    def bind(self, request: BindRequest) -> BoundPolicy:
        self._check()
        return BoundPolicy(f"HMP-{_digest(request.idempotency_key)}", request.starts_on, request.ends_on)

    def file_claim(self, request: ClaimRequest) -> ClaimStatus:
        """Decided at once; the decision travels in the reference (see the module's note)."""
        self._check()
        filed_on = get_clock().now().date()
        starts_on, ends_on = request.cover_starts_on, request.cover_ends_on
        cent = Decimal(1).scaleb(-minor_units(request.currency))
        if starts_on <= request.loss_on <= ends_on + timedelta(days=self.claims_window_days):
            approved = (min(request.loss_amount, request.insured_amount) * INDEMNITY[request.cover]).quantize(
                cent, rounding=ROUND_HALF_UP)
            state = "A"
        else:
            approved, state = Decimal(0), "D"
        reference = f"HMC-{state}-{filed_on:%Y%m%d}-{approved}-{_digest(request.idempotency_key)}"
        return self.claim_status(reference)

    def claim_status(self, reference: str) -> ClaimStatus:
        self._check()
        try:
            _prefix, state, filed, amount, _hash = reference.split("-")
            filed_on = date(int(filed[:4]), int(filed[4:6]), int(filed[6:]))
            approved = Decimal(amount)
        except (ValueError, ArithmeticError) as unknown:
            raise InsurerUnreachable(f"{self.name}: no claim {reference}") from unknown
        if state == "D":
            return ClaimStatus(reference, ClaimState.DECLINED, Decimal(0), "outside_cover_period")
        paid_on = filed_on + timedelta(days=self.settle_after_days)
        if get_clock().now().date() >= paid_on:
            return ClaimStatus(reference, ClaimState.PAID, approved, "covered", paid_on,
                               f"HMPAY-{_digest(reference)}")
        return ClaimStatus(reference, ClaimState.APPROVED, approved, "covered")
