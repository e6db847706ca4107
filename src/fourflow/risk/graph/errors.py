"""Errors of the related-party graph, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import NotFound, ValidationFailed
from fourflow.core.i18n import N_


class IdentifierKindUnknown(ValidationFailed):
    code = "identifier_kind_unknown"
    message = N_("{kind} is not a kind of identifier the related-party graph knows.")


class TradeLinkKindUnknown(ValidationFailed):
    code = "trade_link_kind_unknown"
    message = N_("{kind} is not a kind of trade link; use trade or payment.")


class TradeCurrencyMismatch(ValidationFailed):
    code = "trade_currency_mismatch"
    message = N_("A trade link is in {currency}, but the graph is kept in {graph_currency}; "
                 "convert the amount first.")


class TradeAmountNegative(ValidationFailed):
    code = "trade_amount_negative"
    message = N_("A trade link from {payer} to {payee} has a negative amount.")


class SellerNotInGraph(NotFound):
    code = "seller_not_in_graph"
    message = N_("Seller {seller} is not in the related-party graph.")


class CircularTradingSearchTooLarge(ValidationFailed):
    code = "circular_trading_search_too_large"
    message = N_("The circular-trading search found more than {limit} cycles; "
                 "shorten the maximum length or raise the limit.")
