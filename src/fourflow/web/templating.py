"""Jinja2 environment for the pages: translations, navigation by role, static files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from fourflow.core.i18n import LANGUAGES, N_, current_language, html_language_tag, translate
from fourflow.core.money import Money
from fourflow.identity.principal import Principal
from fourflow.identity.roles import (
    ORGANISATION_KIND_LABELS,
    ROLE_LABELS,
    OrganisationKind,
    Permission,
    Role,
)

WEB_DIRECTORY = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(WEB_DIRECTORY / "templates"))

LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文"}


@dataclass(frozen=True, slots=True)
class NavigationItem:
    label: str
    href: str
    key: str


def navigation_for(principal: Principal | None, *, development: bool) -> list[NavigationItem]:
    items: list[NavigationItem] = []
    if principal is None:
        return items
    items.append(NavigationItem(N_("Home"), "/", "home"))
    if principal.sees_all_organisations():
        items.append(NavigationItem(N_("Organisations"), "/organisations", "organisations"))
    items.append(NavigationItem(N_("My organisation"), f"/organisations/{principal.organisation_id}",
                                "my-organisation"))
    if principal.can(Permission.READ_LEDGER) and not principal.is_platform_staff:
        items.append(NavigationItem(N_("Funds"), "/funds", "funds"))
    if principal.can(Permission.READ_TRADE_DATA) and (
            principal.organisation_kind is OrganisationKind.SELLER or principal.sees_all_organisations()):
        items.append(NavigationItem(N_("Trade data"), "/trade-data", "trade-data"))
    if principal.can(Permission.REQUEST_CREDIT_DECISION) and \
            principal.organisation_kind is OrganisationKind.SELLER:
        items.append(NavigationItem(N_("Financing"), "/financing", "financing"))
        if principal.can(Permission.READ_LEDGER):
            items.append(NavigationItem(N_("Loans"), "/loans", "loans"))
    if principal.can(Permission.READ_TRADE_DATA) and principal.organisation_kind is OrganisationKind.SELLER:
        items.append(NavigationItem(N_("Insights"), "/insights", "insights"))
    if principal.can(Permission.READ_RISK):
        items.append(NavigationItem(N_("Risk"), "/risk", "risk"))
        items.append(NavigationItem(N_("Monitoring"), "/monitoring", "monitoring"))
    if principal.can(Permission.REVIEW_CREDIT_APPLICATIONS):
        items.append(NavigationItem(N_("Review queue"), "/review-queue", "review-queue"))
    if principal.can(Permission.SEE_CHANNELS):
        items.append(NavigationItem(N_("Operations"), "/operations", "operations"))
    if principal.can(Permission.MANAGE_API_CLIENTS):
        items.append(NavigationItem(N_("Developers"), "/developer", "developer"))
    if principal.can(Permission.READ_AUDIT_LOG):
        items.append(NavigationItem(N_("Audit log"), "/audit", "audit"))
    if development:
        items.append(NavigationItem(N_("Mailbox"), "/mailbox", "mailbox"))
    return items


def _format_datetime(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "—"


def _amount(value: Any) -> str:
    """Thousands separated, sign kept; the minor-unit scale is already on the Decimal."""
    return f"{value:,}" if value is not None else "—"


def _money(value: Any, currency: str) -> str:
    """An amount stored at a finer scale (e.g. Numeric(20, 4)) shown in the currency's minor units."""
    if value is None:
        return "—"
    return f"{Money(value, currency).quantized().amount:,} {currency}"


def _percent(value: Any, places: int = 2) -> str:
    """A share in 0..1 as a percentage, e.g. 0.012345 -> "1.23 %" (rounded as a float, as ``%f``)."""
    return "—" if value is None else f"{float(value * 100):.{places}f} %"


def _account_label(code: str) -> str:
    return translate(ACCOUNT_LABELS.get(code, code))


def _role_label(value: str | None) -> str:
    return translate(ROLE_LABELS[Role(value)]) if value else "—"


def _kind_label(value: str) -> str:
    return translate(ORGANISATION_KIND_LABELS[OrganisationKind(value)])


templates.env.globals.update(_=translate, LANGUAGE_NAMES=LANGUAGE_NAMES, LANGUAGES=LANGUAGES)
templates.env.filters.update(datetime=_format_datetime, role_label=_role_label,
                             kind_label=_kind_label, amount=_amount, money=_money, percent=_percent,
                             account_label=_account_label)

# How ledger account types are named to the people who own them.
ACCOUNT_LABELS = {
    "seller:wallet": N_("Wallet"),
    "seller:collections": N_("Payouts being allocated"),
    "funder:available": N_("Capital available"),
    "funder:deployed": N_("Capital lent out"),
    "funder:income": N_("Interest earned"),
}


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200, active: str | None = None) -> HTMLResponse:
    principal: Principal | None = getattr(request.state, "principal", None)
    settings = request.app.state.settings
    language = current_language()
    full_context = {
        "principal": principal,
        "navigation": navigation_for(principal, development=settings.is_development),
        "active": active,
        "language": language,
        "html_language": html_language_tag(language),
        "csrf_token": principal.csrf_token if principal else request.cookies.get("fourflow_csrf", ""),
        "development": settings.is_development,
        "current_path": request.url.path,
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, full_context, status_code=status_code)


def mount_static(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB_DIRECTORY / "static")), name="static")
