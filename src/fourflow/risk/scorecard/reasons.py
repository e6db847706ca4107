"""How a reason code reads: one msgid for the seller, one for the risk officer.

A reason code says which characteristic cost the seller the most points. The seller reads a plain
sentence without figures ("Your refund rate is higher than most sellers'."); the risk officer reads
the bin and the points ("refund_rate in [0.08, 0.12): −23 points").

The seller sentences for the platform's own features assume the direction the business expects
(a higher refund rate is worse). Bins are fitted from data and may be unimodal, so when the seller's
bin lies on the other side of the best bin than the sentence assumes, a direction-neutral sentence
is used instead, so the seller is never told the opposite of what the table says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from fourflow.core.i18n import N_, Language, translate

Direction = Literal["higher", "lower"]


@dataclass(frozen=True, slots=True)
class SellerPhrase:
    message: str  # msgid
    # Where the seller's value lies against the best bin for the sentence to be true; None: any.
    direction: Direction | None


SELLER_PHRASES: dict[str, SellerPhrase] = {
    "monthly_sales_level": SellerPhrase(N_("Your monthly sales are lower than most sellers'."), "lower"),
    "sales_growth": SellerPhrase(N_("Your sales are growing more slowly than most sellers'."), "lower"),
    "sales_volatility": SellerPhrase(
        N_("Your sales change more from month to month than most sellers'."), "higher"),
    "seasonality": SellerPhrase(N_("Your sales depend strongly on a few seasons of the year."), "higher"),
    "refund_rate": SellerPhrase(N_("Your refund rate is higher than most sellers'."), "higher"),
    "return_rate": SellerPhrase(N_("Your return rate is higher than most sellers'."), "higher"),
    "fee_ratio": SellerPhrase(
        N_("Marketplace fees take a larger share of your sales than for most sellers."), "higher"),
    "payout_regularity": SellerPhrase(
        N_("Your marketplace payouts arrive less regularly than most sellers'."), "lower"),
    "on_time_delivery_rate": SellerPhrase(
        N_("Fewer of your orders arrive on time than for most sellers."), "lower"),
    "customs_hold_rate": SellerPhrase(
        N_("More of your shipments are held at customs than for most sellers."), "higher"),
    "review_rating": SellerPhrase(N_("Your customer rating is lower than most sellers'."), "lower"),
    "review_trend": SellerPhrase(N_("Your customer reviews have been getting worse."), "lower"),
    "tenure_months": SellerPhrase(N_("You have been selling for a shorter time than most sellers."), "lower"),
    "top_customer_share": SellerPhrase(
        N_("A large share of your sales goes to a single customer."), "higher"),
    "marketplace_concentration": SellerPhrase(
        N_("Your sales depend heavily on a single marketplace."), "higher"),
    "top_supplier_share": SellerPhrase(
        N_("You buy a large share of your goods from a single supplier."), "higher"),
    "stock_turnover": SellerPhrase(N_("Your stock sells more slowly than most sellers'."), "lower"),
    "cash_conversion_cycle_days": SellerPhrase(
        N_("Your money takes longer to come back from stock and sales than for most sellers."), "higher"),
    "fx_exposure": SellerPhrase(
        N_("A large share of your business is exposed to exchange-rate changes."), "higher"),
    "ring_size": SellerPhrase(
        N_("Your business is closely linked to a large group of related companies."), "higher"),
    "in_circular_trading": SellerPhrase(
        N_("Trade between your business and related companies needs a closer look."), None),
}

# Fallbacks, for characteristics without their own sentence (any CSV can be trained on).
SELLER_GENERIC = N_("Your {characteristic_words} lowered your score.")
SELLER_GENERIC_HIGHER = N_("Your {characteristic_words} is higher than that of the sellers who score best.")
SELLER_GENERIC_LOWER = N_("Your {characteristic_words} is lower than that of the sellers who score best.")
SELLER_MISSING = N_("We have no figure for your {characteristic_words} yet.")

OFFICER_REASON = N_("{characteristic} in {bin}: −{points_lost} points")
OFFICER_MISSING = N_("{characteristic} is missing: −{points_lost} points")


# The platform's characteristics in words (msgids, so a Chinese sentence names them in Chinese);
# a characteristic of some other data set (``validate-model`` trains on any CSV) reads as its name.
CHARACTERISTIC_WORDS: dict[str, str] = {
    "monthly_sales_level": N_("monthly sales"), "sales_growth": N_("sales growth"),
    "sales_volatility": N_("month-to-month change in sales"), "seasonality": N_("seasonality of sales"),
    "refund_rate": N_("refund rate"), "return_rate": N_("return rate"), "fee_ratio": N_("share of fees"),
    "payout_regularity": N_("regularity of payouts"), "on_time_delivery_rate": N_("on-time delivery rate"),
    "customs_hold_rate": N_("customs hold rate"), "review_rating": N_("customer rating"),
    "review_trend": N_("trend of customer reviews"), "tenure_months": N_("time selling"),
    "top_customer_share": N_("share of the largest customer"),
    "marketplace_concentration": N_("dependence on one marketplace"),
    "top_supplier_share": N_("share of the largest supplier"), "stock_turnover": N_("stock turnover"),
    "cash_conversion_cycle_days": N_("cash conversion cycle"), "fx_exposure": N_("exchange-rate exposure"),
    "history_months": N_("length of trading history"),
    "months_since_last_data": N_("time since your latest trade data"),
    "ring_size": N_("group of related companies"), "in_circular_trading": N_("trade with related companies"),
}


def readable_name(characteristic: str) -> str:
    """The characteristic's name as words, for the fallback sentences: a msgid for the platform's
    own characteristics (``localised_params`` translates it when the sentence is read)."""
    return CHARACTERISTIC_WORDS.get(characteristic) or characteristic.replace("_", " ").strip()


def localised_params(params: Mapping[str, str], language: Language | None = None) -> dict[str, str]:
    """A reason's parameters for reading in ``language`` (the current one by default): the
    characteristic's words in that language (stored reasons keep the msgid)."""
    words = params.get("characteristic_words")
    return {**params, "characteristic_words": translate(words, language)} if words else dict(params)


def seller_message(characteristic: str, direction: Direction | None, missing: bool) -> str:
    """The msgid the seller reads; its only parameter is ``{characteristic_words}`` (the name as words)."""
    if missing:
        return SELLER_MISSING
    phrase = SELLER_PHRASES.get(characteristic)
    if phrase is not None and (phrase.direction is None or phrase.direction == direction):
        return phrase.message
    if direction == "higher":
        return SELLER_GENERIC_HIGHER
    if direction == "lower":
        return SELLER_GENERIC_LOWER
    return SELLER_GENERIC


def officer_message(missing: bool) -> str:
    """The msgid the risk officer reads; parameters ``{characteristic}``, ``{bin}``, ``{points_lost}``."""
    return OFFICER_MISSING if missing else OFFICER_REASON
