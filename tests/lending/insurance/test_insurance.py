"""Insurance on offers and loans (F27, MONEY-FLOWS event 11), hand-computed, on the demo world and a
frozen clock: quotes, the seller's choice, binding and premium at disbursement, the claim on default
that reduces the loss written off, the claim's payment, premiums paid on to the insurer, and an
insurer that cannot be reached."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.core.clock import FrozenClock
from fourflow.core.money import Money
from fourflow.core.resilience import BreakerState
from fourflow.ledger import service as ledger
from fourflow.lending.applications import service as applications
from fourflow.lending.applications.errors import OfferExpired
from fourflow.lending.collections import service as collections
from fourflow.lending.contracts.service import contracts
from fourflow.lending.contracts.service.document import render_contract
from fourflow.lending.contracts.service.terms import ContractFee
from fourflow.lending.insurance import service as insurance
from fourflow.lending.insurance.errors import (
    InsuranceCoverNotOffered,
    InsuranceCoverUnknown,
    InsuranceOfferNotOpen,
    InsurerUnavailable,
)
from fourflow.lending.insurance.insurer import registry
from fourflow.lending.insurance.insurer.simulator import RATES_VERSION, SimulatedInsurer
from fourflow.lending.loans import service as loans
from tests.lending import conditions_helpers
from tests.lending.insurance.conftest import insured_loan, insurer_books, open_offer, rows
from tests.lending.loans.conftest import CONTEXT, books, seller_id

D = Decimal


def _at(clock: FrozenClock, day: date) -> None:
    clock.set(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))


def _premiums(options: list[insurance.Option]) -> dict[str, tuple[Decimal, Decimal, Decimal]]:
    return {option.cover.value: (option.quote.insured_amount, option.quote.premium_amount,
                                 option.quote.indemnity_rate) for option in options if option.quote}


def test_quotes_are_priced_by_product_and_cover_and_stored_once(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    found = insurance.options(demo, CONTEXT, offer_id, seller_id(demo))
    # credit: 10,000.00 × 1.2 % × 30/365 = 9.8630… → 9.86;
    # cargo: 10,000.00 ÷ 0.80 = 12,500.00 × 0.3 % = 37.50.
    assert _premiums(found) == {"cargo": (D("12500.0000"), D("37.5000"), D("1.0000")),
                                "credit": (D("10000.0000"), D("9.8600"), D("0.9000"))}
    credit = next(option.quote for option in found if option.cover.value == "credit")
    assert credit is not None
    assert (credit.insurer, credit.pricing_version, credit.premium_rate, credit.status) == (
        "harbour-mutual", RATES_VERSION, D("0.012000"), "quoted")
    assert credit.inputs == {"product": "order_financing", "products_version": "products@v1",
                             "principal": "10000.00", "insured_amount": "10000.00",
                             "insured_amount_basis": "principal", "cover_days": 30,
                             "premium_basis": "10000.00 × 0.0120 × 30/365, minimum 5.00"}
    before = rows(demo)
    again = insurance.options(demo, CONTEXT, offer_id, seller_id(demo))
    assert [option.quote.id for option in again if option.quote] == [option.quote.id for option in found
                                                                      if option.quote]
    assert rows(demo) == before

    # Receivables financing lends against payouts, not goods: credit cover only.
    # 10,000.00 × 0.8 % × 30/365 = 6.5753… → 6.58; 1,000.00 × 0.8 % × 30/365 = 0.66 → the minimum 5.00.
    receivables = open_offer(demo, product="receivables_financing")
    assert _premiums(insurance.options(demo, CONTEXT, receivables, None)) == {
        "credit": (D("10000.0000"), D("6.5800"), D("0.9000"))}
    small = open_offer(demo, product="receivables_financing", amount="1000.00")
    assert _premiums(insurance.options(demo, CONTEXT, small, None))["credit"][1] == D("5.0000")


def test_unknown_or_unfitting_cover_refuses_the_acceptance_and_changes_nothing(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    receivables = open_offer(demo, product="receivables_financing")
    before = rows(demo)
    with pytest.raises(InsuranceCoverUnknown) as unknown:
        insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit", "flood"],
                               accepted_by_user_id=None)
    assert unknown.value.field == "insurance"
    assert unknown.value.localised("en") == "flood is not an insurance cover; choose one of: cargo, credit."
    with pytest.raises(InsuranceCoverNotOffered) as unfitting:
        insurance.accept_offer(demo, CONTEXT, receivables, seller_id(demo), ["cargo"],
                               accepted_by_user_id=None)
    assert unfitting.value.localised("zh_Hans") == "receivables_financing 不提供 cargo 保险。"
    assert rows(demo) == before
    assert applications.offer_status(applications.get_offer(demo, offer_id, None)) == "open"


def test_no_insurance_on_an_expired_offer(demo: Session, clock: FrozenClock,
                                          simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    offer = applications.get_offer(demo, offer_id, None)
    offer.expires_at = clock.now() - timedelta(minutes=1)
    demo.flush()
    before = rows(demo)
    with pytest.raises(InsuranceOfferNotOpen) as refused:
        insurance.request_quotes(demo, CONTEXT, offer_id, seller_id(demo))
    assert refused.value.params == {"status": "expired"}
    assert all(option.quote is None for option in insurance.options(demo, CONTEXT, offer_id, None))
    with pytest.raises(OfferExpired):
        insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit"], accepted_by_user_id=None)
    assert rows(demo) == before


def test_an_insurer_that_is_down_leaves_the_offer_usable(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    """Three failures open the breaker; while open, calls are not even tried; after 30 s one trial."""
    simulator.unreachable = True
    offer_id = open_offer(demo)
    before = rows(demo)
    found = insurance.options(demo, CONTEXT, offer_id, seller_id(demo))  # two failed calls
    assert [(option.cover.value, option.quote) for option in found] == [("cargo", None), ("credit", None)]
    assert found[0].unavailable is not None
    assert found[0].unavailable.localised("en") == (
        "The insurer harbour-mutual cannot be reached, so insurance is unavailable for now; nothing was "
        "changed. Try again later.")
    with pytest.raises(InsurerUnavailable):  # the third failure
        insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit"], accepted_by_user_id=None)
    assert rows(demo) == before
    guarded = registry.insurer()
    assert guarded.breaker.state is BreakerState.OPEN
    simulator.unreachable = False
    still = insurance.request_quotes(demo, CONTEXT, offer_id, seller_id(demo))  # open: not asked
    assert [option.quote for option in still] == [None, None]
    assert guarded.breaker.statistics.rejected == 2
    clock.set(clock.now() + timedelta(seconds=31))
    accepted = insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), [], accepted_by_user_id=None)
    assert accepted.status == "accepted"  # without insurance, the offer is taken anyway
    assert insurance.chosen_quotes(demo, offer_id) == []


def test_policies_bound_and_premium_charged_to_the_loan_at_disbursement(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    start = insurer_books(demo)
    loan = insured_loan(demo)
    policies = insurance.covers_of_loans(demo, [loan.id])[loan.id]
    assert [(cover.policy.cover, cover.policy.status, cover.policy.premium_amount, cover.policy.starts_on,
             cover.policy.ends_on) for cover in policies] == [
        ("cargo", "active", D("37.5000"), date(2026, 10, 15), date(2026, 11, 14)),
        ("credit", "active", D("9.8600"), date(2026, 10, 15), date(2026, 11, 14))]
    assert all(cover.policy.insurer_reference and cover.policy.insurer_reference.startswith("HMP-")
               for cover in policies)
    # Dr loan:fees 9.86 + 37.50 = 47.36 / Cr insurer:payable 47.36; the wallet got 10,000.00 − 100.00
    # on top of the 18,450.00 of payouts the demo world's seller holds.
    held = books(demo, loan)
    assert (held.principal, held.fees, held.wallet) == (D("10000.00"), D("47.36"),
                                                        D("18450.00") + D("9900.00"))
    assert insurer_books(demo).payable - start.payable == D("47.36")
    before = rows(demo)
    assert loans.disburse(demo, CONTEXT, loan.id).status == "active"  # again: nothing new
    assert insurance.bind_on_disbursement(demo, CONTEXT, loan) == [cover.policy for cover in policies]
    assert rows(demo) == before
    assert ledger.check_invariants(demo).hold


def test_the_premium_is_repaid_first_from_a_payout(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    loan = insured_loan(demo, ("credit",))
    loans.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("1000.00"), "USD", "payout-1")
    held = books(demo, loan)
    # Fees first: 9.86 of the payout pays the premium; 990.14 repays principal (no interest accrued yet).
    assert (held.fees, held.principal) == (D("0.00"), D("9009.86"))


def test_an_insurer_down_at_disbursement_binds_later(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit"], accepted_by_user_id=None)
    booked = conditions_helpers.book(demo, offer_id, "later-1")
    simulator.unreachable = True
    loan = conditions_helpers.meet_conditions(demo, booked)
    assert loan.status == "active"  # the money went out regardless
    (cover,) = insurance.covers_of_loans(demo, [loan.id])[loan.id]
    assert (cover.policy.status, cover.policy.status_reason, books(demo, loan).fees) == (
        "pending", "insurer_unavailable", D("0.00"))
    assert insurance.pending_policy_ids(demo) == [cover.policy.id]
    simulator.unreachable = False
    bound = insurance.bind_pending(demo, CONTEXT, cover.policy.id)
    assert (bound.status, books(demo, loan).fees) == ("active", D("9.86"))
    before = rows(demo)
    insurance.bind_pending(demo, CONTEXT, cover.policy.id)
    assert rows(demo) == before


def test_a_loan_repaid_before_the_insurer_answers_lets_the_policy_lapse(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit"], accepted_by_user_id=None)
    booked = conditions_helpers.book(demo, offer_id, "lapse-1")
    simulator.unreachable = True
    loan = conditions_helpers.meet_conditions(demo, booked)
    simulator.unreachable = False
    loans.apply_payout(demo, CONTEXT, loan.seller_organisation_id, D("10000.00"), "USD", "all-of-it")
    assert loan.status == "closed"
    (cover,) = insurance.covers_of_loans(demo, [loan.id])[loan.id]
    lapsed = insurance.bind_pending(demo, CONTEXT, cover.policy.id)
    assert (lapsed.status, lapsed.status_reason, books(demo, loan).fees) == (
        "lapsed", "loan_closed", D("0.00"))


def test_a_credit_claim_reduces_the_loss_written_off_and_is_paid_later(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    """Interest for 15–24 October: 10,000.00 × 12 % × 10/365 = 32.88; fees: premiums 47.36.
    On 13 February 2027 (91 days past due) the write-off claims first: min(10,000.00, 10,000.00) × 90 %
    = 9,000.00, Dr insurer:claims / Cr loan:principal; then writes off 1,000.00 + 32.88 + 47.36
    = 1,080.24, of which the funder bears the principal 1,000.00 (not 10,000.00)."""
    loan = insured_loan(demo)
    _at(clock, date(2027, 2, 12))
    loans.accrue_interest(demo, CONTEXT, loan.id, date(2026, 10, 24))
    _at(clock, date(2027, 2, 13))
    start, insurer_start = books(demo, loan), insurer_books(demo)
    written = collections.write_off(demo, CONTEXT, loan.id, "Seller unreachable")
    assert (written.principal_amount, written.interest_amount, written.fees_amount,
            written.funder_loss_amount) == (D("1000.00"), D("32.88"), D("47.36"), D("1000.00"))
    (claim,) = insurance.covers_of_loans(demo, [loan.id])[loan.id][1].claims
    assert (claim.status, claim.loss_amount, claim.approved_amount, claim.loss_on,
            claim.decision_reason) == ("approved", D("10000.0000"), D("9000.0000"), date(2027, 2, 13),
                                       "covered")
    end, insurer_end = books(demo, loan), insurer_books(demo)
    assert (end.principal, end.interest, end.fees) == (D("0.00"), D("0.00"), D("0.00"))
    assert insurer_end.claims - insurer_start.claims == D("9000.00")
    # The platform's loan-loss expense: 1,080.24 − 1,000.00 passed to the funder = 80.24.
    assert insurer_end.loss - insurer_start.loss == D("80.24")
    assert start.funder_deployed - end.funder_deployed == D("1000.00")
    before = rows(demo)
    assert collections.write_off(demo, CONTEXT, loan.id, "again").id == written.id
    assert insurance.claim_on_default(demo, CONTEXT, loan) == [claim]
    assert rows(demo) == before

    # Paid 14 days after filing (27 February): Dr platform:bank 9,000.00 / Cr insurer:claims; the
    # funder's 9,000.00 leaves deployed for available.
    _at(clock, date(2027, 2, 26))
    assert insurance.settle(demo, CONTEXT, claim.id).status == "approved"
    assert rows(demo) == before
    _at(clock, date(2027, 2, 27))
    paid = insurance.settle(demo, CONTEXT, claim.id)
    assert (paid.status, paid.paid_on) == ("paid", date(2027, 2, 27))
    after = books(demo, loan)
    assert after.bank - end.bank == D("9000.00")
    assert (end.funder_deployed - after.funder_deployed,
            after.funder_available - end.funder_available) == (D("9000.00"), D("9000.00"))
    assert insurer_books(demo).claims == insurer_start.claims
    settled = rows(demo)
    insurance.settle(demo, CONTEXT, claim.id)
    assert rows(demo) == settled
    assert ledger.check_invariants(demo).hold


def test_a_claim_outside_the_cover_period_is_declined_and_posts_nothing(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    """Cover ends 14 November 2026; claims are taken until 365 days after: 14 November 2027."""
    loan = insured_loan(demo, ("credit",))
    _at(clock, date(2027, 11, 15))
    start = insurer_books(demo)
    written = collections.write_off(demo, CONTEXT, loan.id, "Seller gone")
    (claim,) = insurance.covers_of_loans(demo, [loan.id])[loan.id][0].claims
    assert (claim.status, claim.approved_amount, claim.decision_reason) == (
        "declined", D("0.0000"), "outside_cover_period")
    assert written.principal_amount == D("10000.00")
    assert insurer_books(demo).claims == start.claims


def test_a_write_off_of_an_insured_loan_waits_for_the_insurer(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    loan = insured_loan(demo, ("credit",))
    _at(clock, date(2027, 2, 13))
    simulator.unreachable = True
    before = rows(demo)
    with pytest.raises(InsurerUnavailable):
        collections.write_off(demo, CONTEXT, loan.id, "Seller unreachable")
    assert rows(demo) == before
    assert loan.status == "active"


def test_an_uninsured_loan_is_written_off_whole(demo: Session, clock: FrozenClock,
                                                simulator: SimulatedInsurer) -> None:
    loan = insured_loan(demo, ())
    _at(clock, date(2027, 2, 13))
    simulator.unreachable = True  # not asked: nothing to claim
    written = collections.write_off(demo, CONTEXT, loan.id, "Seller unreachable")
    assert written.principal_amount == D("10000.00")


def test_premiums_are_paid_on_to_the_insurer_once(demo: Session, clock: FrozenClock,
                                                  simulator: SimulatedInsurer) -> None:
    loan = insured_loan(demo)
    start, bank = insurer_books(demo), books(demo, loan).bank
    for policy_id in insurance.unremitted_policy_ids(demo):
        insurance.remit_premium(demo, CONTEXT, policy_id)
    # Dr insurer:payable 37.50 + 9.86 / Cr platform:bank 47.36.
    assert start.payable - insurer_books(demo).payable == D("47.36")
    assert bank - books(demo, loan).bank == D("47.36")
    assert insurance.unremitted_policy_ids(demo) == []
    before = rows(demo)
    for cover in insurance.covers_of_loans(demo, [loan.id])[loan.id]:
        insurance.remit_premium(demo, CONTEXT, cover.policy.id)
    assert rows(demo) == before
    assert demo.execute(text("SELECT count(*) FROM ledger_entries WHERE idempotency_key LIKE :key"),
                        {"key": "lending:insurance:policy:%:premium-remitted"}).scalar_one() == 2


def test_the_chosen_cover_is_in_the_contract_terms_in_both_languages(
        demo: Session, clock: FrozenClock, simulator: SimulatedInsurer) -> None:
    offer_id = open_offer(demo)
    insurance.accept_offer(demo, CONTEXT, offer_id, seller_id(demo), ["credit", "cargo"],
                           accepted_by_user_id=None)
    offer = applications.get_offer(demo, offer_id, None)
    # A contract names the seller as the company registry has it (the demo world has no record).
    demo.execute(text(
        "INSERT INTO trade_registry_records (seller_organisation_id, registry_name, company_number, "
        "legal_name, status, country, registered_address, incorporated_on, officers, tax_filings, "
        "checked_at) VALUES (:seller, 'hk-cr', '3141592', 'Lumen Electronics Ltd.', 'active', 'HK', "
        "'1 Harbour Road', '2019-04-01', '[]', '[]', now())"), {"seller": seller_id(demo)})
    english = contracts.terms_of_offer(demo, offer, "FF-TEST-1", "en")
    assert english.insurance == (
        ContractFee("Cargo insurance by harbour-mutual, premium", Money(D("37.50"), "USD")),
        ContractFee("Credit insurance by harbour-mutual, premium", Money(D("9.86"), "USD")))
    # The fees (and the APR's basis) are the offer's: optional insurance is listed apart.
    assert english.fees == (ContractFee("Origination fee", Money(D("100.00"), "USD")),)
    chinese = contracts.terms_of_offer(demo, offer, "FF-TEST-1", "zh_Hans")
    assert [cover.description for cover in chinese.insurance] == [
        "货物保险（承保人：harbour-mutual），保费", "信用保险（承保人：harbour-mutual），保费"]
    assert render_contract(chinese).startswith(b"%PDF")
