"""Chart data for static/charts.js: labels and series as JSON-ready lists (amounts as strings so
no Decimal passes through a float on the server), series names translated here."""

from __future__ import annotations

from typing import Any

from fourflow.core.i18n import translate
from fourflow.tradedata.service.overview import SellerOverview


def _month(value: Any) -> str:
    return f"{value.year}-{value.month:02d}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def overview_charts(overview: SellerOverview) -> dict[str, Any]:
    labels = [_month(month.month) for month in overview.months]
    money = [
        {"name": translate("Sales"), "type": "bar", "values": [_text(m.sales) for m in overview.months]},
        {"name": translate("Refunds"), "type": "bar", "values": [_text(m.refunds) for m in overview.months]},
        {"name": translate("Fees"), "type": "bar", "values": [_text(m.fees) for m in overview.months]},
        {"name": translate("Payouts"), "type": "line", "values": [_text(m.payouts) for m in overview.months]},
    ]
    on_time = [{"name": translate("On-time delivery"), "type": "line",
                "values": [_text(m.on_time_rate) for m in overview.months]}]
    stock = [{"name": translate("Units on hand"), "type": "bar",
              "values": [str(item.on_hand) for item in overview.stock]}]
    return {"labels": labels, "money": money, "on_time": on_time,
            "stock_labels": [item.warehouse for item in overview.stock], "stock": stock}
