"""The seller's Insights page (F6): reminders (mark read), the sales trend, the cash-conversion cycle,
stock cover per SKU and what to order before the coming peak seasons; and the reminders bell in the
top bar (loaded by HTMX so pages that do not need it pay nothing)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.errors import NotFound
from fourflow.core.http import database_session
from fourflow.core.i18n import N_, translate
from fourflow.core.pagination import PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.insights import service
from fourflow.insights.peaks import PEAK_NAMES
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_TRADE_DATA))]
REMINDERS_SHOWN = 20
# The page lists what to order in the next three months; later seasons are counted (the API lists all).
RESTOCK_SHOWN_DAYS = 90
DIRECTION_LABELS = {"growing": N_("Growing"), "shrinking": N_("Shrinking"), "steady": N_("Steady"),
                    "new": N_("New sales"), "none": N_("No sales yet")}
LEAD_SOURCES = {"shipments": N_("from your shipments of this SKU"),
                "seller": N_("from all your shipments"),
                "default": N_("no shipments in your data: sea freight default")}


def seller_reader(principal: Reader) -> Principal:
    """Insights are a seller's own page: staff read them through the API, naming the seller."""
    if principal.organisation_kind is not OrganisationKind.SELLER:
        raise NotFound()
    return principal


Seller = Annotated[Principal, Depends(seller_reader)]


def reminder_view(row: Any) -> dict[str, Any]:
    title, body = service.texts(row)
    return {"row": row, "title": title, "body": body}


def restock_reason(advice: Any) -> str:
    return translate(advice.message, None, **advice.params(), peak=translate(advice.peak.name))


def _charts(found: service.SellerInsights) -> dict[str, Any]:
    trend = found.sales
    covered = [cover for cover in found.stock if cover.cover_days is not None]
    return {
        "sales_labels": [month.month.strftime("%Y-%m") for month in trend.months],
        "sales": [{"name": translate(N_("Sales")), "type": "bar",
                   "values": [str(month.amount) for month in trend.months]}],
        "cover_labels": [cover.sku for cover in covered],
        "cover": [{"name": translate(N_("Days of stock")), "type": "bar",
                   "values": [str(cover.cover_days) for cover in covered]},
                  {"name": translate(N_("Lead time + safety days")), "type": "line",
                   "values": [str(cover.lead_time.days + service.SAFETY_DAYS) for cover in covered]}],
    }


@router.get("/insights")
def insights_page(request: Request, session: Db, principal: Seller) -> Response:
    found = service.seller_insights(session, principal.organisation_id, get_clock().now().date())
    reminders = service.list_reminders(session, principal.organisation_id,
                                       PageRequest(page=1, page_size=REMINDERS_SHOWN))
    horizon = found.today + timedelta(days=RESTOCK_SHOWN_DAYS)
    soon = [advice for advice in found.restock if advice.order_by <= horizon]
    return render(request, "insights.html", {
        "found": found, "restock": soon, "restock_later": len(found.restock) - len(soon),
        "charts": _charts(found), "reminders": [reminder_view(r) for r in reminders.items],
        "unread": service.unread_count(session, principal.organisation_id),
        "direction_label": translate(DIRECTION_LABELS[found.sales.direction]),
        "lead_sources": {code: translate(text) for code, text in LEAD_SOURCES.items()},
        "restock_reason": restock_reason, "peak_names": PEAK_NAMES,
        "safety_days": service.SAFETY_DAYS}, active="insights")


@router.post("/insights/reminders/{reminder_id}/read")
def read_reminder(request: Request, session: Db, principal: Seller, reminder_id: uuid.UUID) -> Response:
    row = service.mark_read(session, principal, reminder_id)
    if request.headers.get("HX-Request"):
        return render(request, "_insights_reminder.html", {"reminder": reminder_view(row)})
    return RedirectResponse("/insights#reminders", status_code=303)


@router.post("/insights/reminders/read-all")
def read_all(session: Db, principal: Seller) -> Response:
    service.mark_all_read(session, principal)
    return RedirectResponse("/insights#reminders", status_code=303)


@router.get("/insights/bell")
def bell(request: Request, session: Db, principal: Seller) -> Response:
    return render(request, "_insights_bell.html",
                  {"unread": service.unread_count(session, principal.organisation_id)})
