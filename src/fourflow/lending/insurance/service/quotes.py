"""Insurance on an offer: the covers that fit its product, priced by the insurer and stored once per
(offer, cover) with what was asked, the insurer, its pricing version and the premium; and the seller's
choice, made when accepting the offer.

An insurer that cannot be reached never blocks the offer: the cover is shown as unavailable, with the
reason, and the offer can still be accepted without it. Choosing a cover that has no stored quote
while the insurer is down is refused as a whole (``InsurerUnavailable``): nothing is accepted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.lending.applications import service as applications
from fourflow.lending.applications.models import FinancingOffer
from fourflow.lending.insurance import repository
from fourflow.lending.insurance.errors import InsuranceOfferNotOpen, InsurerUnavailable
from fourflow.lending.insurance.insurer.port import Cover, QuoteRequest
from fourflow.lending.insurance.insurer.registry import insurer
from fourflow.lending.insurance.models import InsuranceQuote
from fourflow.lending.insurance.service.common import covers_of, insured_amount, money, parse_covers
from fourflow.lending.products import CATALOGUE


@dataclass(frozen=True, slots=True)
class Option:
    """One cover on an offer: its quote, or why there is none (the insurer could not be reached)."""

    cover: Cover
    quote: InsuranceQuote | None
    unavailable: InsurerUnavailable | None = None


def options(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
            seller_organisation_id: uuid.UUID | None) -> list[Option]:
    """The covers of the offer's product with their quotes; an open offer's missing quotes are asked
    for now (an insurer that cannot be reached leaves them unavailable, with the reason)."""
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    is_open = applications.offer_status(offer) == "open"
    if is_open:
        repository.lock_offer_quotes(session, offer.id)
    stored = {quote.cover: quote for quote in repository.quotes_of_offer(session, offer.id)}
    found: list[Option] = []
    for cover in covers_of(CATALOGUE[offer.product]):
        quote = stored.get(cover.value)
        if quote is not None or not is_open:
            found.append(Option(cover, quote))
            continue
        try:
            found.append(Option(cover, _store(session, context, offer, _price(offer, cover))))
        except InsurerUnavailable as down:
            found.append(Option(cover, None, down))
    return found


def request_quotes(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
                   seller_organisation_id: uuid.UUID | None) -> list[Option]:
    """The API's explicit request: only an open offer gets new quotes."""
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    status = applications.offer_status(offer)
    if status != "open":
        raise InsuranceOfferNotOpen(field="offer_id", status=status)
    return options(session, context, offer.id, seller_organisation_id)


def quotes_of_offer(session: Session, offer_id: uuid.UUID,
                    seller_organisation_id: uuid.UUID | None) -> list[InsuranceQuote]:
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    return repository.quotes_of_offer(session, offer.id)


def accept_offer(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
                 seller_organisation_id: uuid.UUID | None, covers: list[str], *,
                 accepted_by_user_id: uuid.UUID | None) -> FinancingOffer:
    """Accept the offer with the covers chosen (none: accepted without insurance), in one transaction:
    a cover that is unknown, does not fit the product or cannot be quoted refuses the acceptance too."""
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    chosen = parse_covers(offer.product, covers)
    quotes: list[InsuranceQuote] = []
    if chosen and applications.offer_status(offer) == "open":  # else the acceptance below refuses
        repository.lock_offer_quotes(session, offer.id)
        stored = {quote.cover: quote for quote in repository.quotes_of_offer(session, offer.id)}
        # Every missing price is asked for before anything is written: an insurer down stores nothing.
        quotes = [stored.get(cover.value) or _price(offer, cover) for cover in chosen]
    # The offer was read before its row is locked: the acceptance must judge it by the locked read
    # (a concurrent acceptance may have answered it meanwhile), not by this session's copy.
    session.expire(offer)
    offer = applications.accept_offer(session, context, offer.id, seller_organisation_id,
                                      accepted_by_user_id=accepted_by_user_id)
    now = get_clock().now()
    for quote in quotes:
        if quote.created_at is None:
            _store(session, context, offer, quote)
        quote.status = "chosen"
        quote.chosen_at = now
        quote.chosen_by_user_id = accepted_by_user_id
        session.flush()
        audit.record(session, context, "lending:insurance:chosen", subject_type="lending_offer",
                     subject_id=offer.id, organisation_id=offer.seller_organisation_id, after={
                         "quote_id": str(quote.id), "cover": quote.cover, "insurer": quote.insurer,
                         "premium": str(money(quote.premium_amount, quote.currency)),
                         "pricing_version": quote.pricing_version})
    return offer


def chosen_quotes(session: Session, offer_id: uuid.UUID) -> list[InsuranceQuote]:
    return repository.chosen_quotes(session, offer_id)


def _price(offer: FinancingOffer, cover: Cover) -> InsuranceQuote:
    """The insurer's price for the cover, not stored yet (``created_at`` is set when it is)."""
    product = CATALOGUE[offer.product]
    insured, derived = insured_amount(cover, product, money(offer.amount, offer.currency))
    request = QuoteRequest(cover, offer.product, offer.currency, insured.amount, offer.tenor_days)
    guarded = insurer()
    answer = guarded.call(lambda: guarded.insurer.quote(request))
    return InsuranceQuote(
        id=uuid.uuid4(), offer_id=offer.id, seller_organisation_id=offer.seller_organisation_id,
        cover=cover.value, insurer=guarded.name, insurer_reference=answer.reference,
        pricing_version=answer.pricing_version, currency=offer.currency, insured_amount=insured.amount,
        cover_days=offer.tenor_days, premium_rate=answer.premium_rate,
        premium_amount=money(answer.premium_amount, offer.currency).amount,
        indemnity_rate=answer.indemnity_rate,
        inputs={"product": offer.product, "products_version": offer.products_version,
                "principal": str(money(offer.amount, offer.currency).amount),
                "insured_amount": str(insured.amount), "insured_amount_basis": derived,
                "cover_days": offer.tenor_days, "premium_basis": answer.basis},
        status="quoted")


def _store(session: Session, context: audit.AuditContext, offer: FinancingOffer,
           quote: InsuranceQuote) -> InsuranceQuote:
    quote.created_at = get_clock().now()
    repository.add(session, quote)
    audit.record(session, context, "lending:insurance:quoted", subject_type="lending_offer",
                 subject_id=offer.id, organisation_id=offer.seller_organisation_id, after={
                     "quote_id": str(quote.id), "cover": quote.cover, "insurer": quote.insurer,
                     "pricing_version": quote.pricing_version,
                     "insured": str(money(quote.insured_amount, quote.currency)),
                     "premium": str(money(quote.premium_amount, quote.currency))})
    return quote
