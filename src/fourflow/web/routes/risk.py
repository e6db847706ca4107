"""The risk console for risk staff: every seller's grade, a seller's risk profile (score
history, reasons, features, related parties drawn as a network, alerts, decisions), rule sets,
and the credit-model registry with its drift checks."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.clock import get_clock
from fourflow.core.http import database_session, request_settings
from fourflow.core.i18n import N_, current_language, translate
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.risk import fraud
from fourflow.risk.scorecard.reasons import localised_params
from fourflow.risk.service import decisions, graph, monitoring, profiles, rule_sets, velocity
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_RISK))]
RuleManager = Annotated[Principal, Depends(require(Permission.MANAGE_RISK_RULES))]
BACKTEST_DECISIONS = 200
NEIGHBOURHOOD_LIMIT = 60
LABELS = {
    "fraud_ring": N_("Fraud ring"), "circular_trading": N_("Circular trading"), "anomaly": N_("Anomaly"),
    "downgrade": N_("Downgrade"), "approve": N_("Approved"), "refer": N_("Referred"),
    "observation": N_("Under observation"), "decline": N_("Declined"),
    "clear": N_("Clear"), "review": N_("Manual review"),
    "draft": N_("Draft"), "active": N_("Active"), "retired": N_("Retired"),
    "model_drift": N_("Model drift"), "stable": N_("Stable"), "watch": N_("Watch"), "drifted": N_("Drifted"),
    "insufficient_data": N_("Too few sellers"),
    **decisions.PRODUCT_LABELS,
}


def _label(code: str) -> str:
    return translate(LABELS[code]) if code in LABELS else code


@router.get("/risk")
def risk_console(request: Request, session: Db, principal: Reader) -> Response:
    return render(request, "risk.html", {"rows": profiles.risk_overview(session)}, active="risk")


@router.get("/risk/sellers/{seller_id}")
def seller_profile(request: Request, session: Db, principal: Reader, seller_id: uuid.UUID) -> Response:
    profile = profiles.seller_risk_profile(session, seller_id)
    secret = request_settings(request).security.secret_key.get_secret_value()
    picture = graph.seller_neighbourhood(session, seller_id, secret=secret, limit=NEIGHBOURHOOD_LIMIT,
                                         context=principal.audit_context())
    latest = profile.decisions[0] if profile.decisions else None
    return render(request, "risk_seller.html", {
        "profile": profile, "history": _history_chart(profile), "network": _network(picture),
        "velocity": _velocity_rows(velocity.seller_velocity(session, seller_id)), "latest_decision": latest,
        "latest_fraud": None if latest is None else latest.outputs.get("fraud"), "label": _label,
        "reason_params": localised_params},
        active="risk")


VELOCITY_LABELS = {
    "ato_many_sign_in_addresses": N_("Sign-in addresses in the last 24 hours"),
    "velocity_credit_requests_24h": N_("Credit requests in the last 24 hours"),
    "velocity_credit_requests_30d": N_("Credit requests in the last 30 days"),
    "velocity_payout_accounts_30d": N_("Payout accounts added in the last 30 days"),
    "velocity_new_devices_7d": N_("New devices in the last 7 days"),
}


def _velocity_rows(figures: fraud.Velocity) -> list[dict[str, Any]]:
    """The fraud checks' velocity figures as of now beside their limits; ``alert`` where a
    decision now would raise the signal (``fraud`` decides which)."""
    gap = figures.device_payout_gap_minutes
    rows: list[dict[str, Any]] = [
        {"label": translate(VELOCITY_LABELS[check.code]), "value": count,
         "limit": translate("more than {limit}", limit=check.limit), "alert": over}
        for check, count, over in fraud.velocity_checks(figures)]
    rows.append({"label": translate("Days since the newest payout account"),
                 "value": figures.days_since_newest_payout_account, "limit": None, "alert": False})
    rows.append({"label": translate("Hours between a new device and a payout account change"),
                 "value": None if gap is None else f"{gap / 60:.1f}",
                 "limit": translate("at most {limit}", limit=fraud.ATO_PAIR_WINDOW_HOURS),
                 "alert": fraud.takeover_pattern(figures)})
    return rows


def _history_chart(profile: profiles.SellerRiskProfile) -> dict[str, Any]:
    return {"labels": [point.as_of.isoformat() for point in profile.history],
            "series": [{"name": translate("Score"), "type": "line",
                        "values": [point.score for point in profile.history]}]}


def _network(picture: dict[str, Any]) -> dict[str, Any]:
    """Nodes and links for the network chart, kinds in the reader's language."""
    kinds = {"seller": translate("Seller"), "director": translate("Director"),
             "shareholder": translate("Shareholder"), "address": translate("Address"),
             "phone": translate("Phone"), "email": translate("E-mail"),
             "bank_account": translate("Bank account"), "device": translate("Device"),
             "ip_address": translate("IP address"), "company": translate("Company"),
             "party": translate("Trading party")}
    nodes = [{"id": node["id"], "name": node["label"], "category": kinds.get(node["kind"], node["kind"]),
              "focus": node.get("depth") == 0} for node in picture.get("nodes", [])]
    links = [{"source": edge["source"], "target": edge["target"], "money": edge["kind"] == "money"}
             for edge in picture.get("edges", [])]
    return {"nodes": nodes, "links": links, "categories": sorted({node["category"] for node in nodes})}


@router.get("/risk/rules")
def rule_set_versions(request: Request, session: Db, principal: Reader) -> Response:
    return render(request, "risk_rules.html", {"versions": rule_sets.list_versions(session),
                                               "status_label": _label}, active="risk")


@router.get("/risk/rules/{name}/{version}")
def rule_set_version(request: Request, session: Db, principal: Reader, name: str, version: int) -> Response:
    return _rule_set_page(request, session, principal, name, version)


@router.post("/risk/rules/{name}/{version}/activate")
async def activate_rule_set(request: Request, session: Db, principal: RuleManager, name: str,
                            version: int) -> Response:
    _done, error = await run_in_threadpool(attempt, session, lambda: rule_sets.activate(
        session, principal.audit_context(), name, version))
    if error is not None:
        return await run_in_threadpool(_rule_set_page, request, session, principal, name, version,
                                       error.localised(current_language()), 409)
    return RedirectResponse(f"/risk/rules/{name}/{version}", status_code=303)


def _rule_set_page(request: Request, session: Session, principal: Principal, name: str, version: int,
                   error: str | None = None, status_code: int = 200) -> Response:
    stored = rule_sets.get(session, name, version)
    report = rule_sets.backtest(session, name, version, last=BACKTEST_DECISIONS)
    return render(request, "risk_rule_set.html", {
        "stored": stored, "changes": rule_sets.diff(session, name, version), "report": report,
        "backtest_decisions": BACKTEST_DECISIONS, "error": error, "status_label": _label,
        "may_activate": principal.can(Permission.MANAGE_RISK_RULES) and stored.status == "draft"},
        status_code=status_code, active="risk")


@router.get("/risk/models")
def credit_models(request: Request, session: Db, principal: Reader) -> Response:
    return _models_page(request, session, principal)


@router.post("/risk/models/drift-checks")
async def run_drift_check(request: Request, session: Db, principal: RuleManager) -> Response:
    _done, error = await run_in_threadpool(attempt, session, lambda: monitoring.check_drift(
        session, principal.audit_context(), as_of=get_clock().now().date()))
    if error is not None:
        return await run_in_threadpool(_models_page, request, session, principal,
                                       error.localised(current_language()), 409)
    return RedirectResponse("/risk/models", status_code=303)


def _models_page(request: Request, session: Session, principal: Principal, error: str | None = None,
                 status_code: int = 200) -> Response:
    overview = monitoring.models_overview(session)
    latest = overview.latest
    # The characteristics that moved most first.
    characteristics = [] if latest is None else sorted(
        latest.characteristics.items(), key=lambda item: (-item[1]["psi"], item[0]))
    return render(request, "risk_models.html", {
        "overview": overview, "characteristics": characteristics, "psi_chart": _psi_chart(overview),
        "minimum_population": monitoring.MINIMUM_POPULATION, "window_days": monitoring.WINDOW_DAYS,
        "may_check": principal.can(Permission.MANAGE_RISK_RULES) and overview.active is not None,
        "error": error, "label": _label}, status_code=status_code, active="risk")


def _psi_chart(overview: monitoring.ModelsOverview) -> dict[str, Any]:
    """Score PSI check by check (a gap where the population was too small), with the two lines
    the statuses are drawn at."""
    checks = overview.history
    return {"measured": any(check.score_psi is not None for check in checks),
            "labels": [check.checked_at.strftime("%Y-%m-%d %H:%M") for check in checks],
            "series": [
                {"name": translate("Score PSI"), "type": "line",
                 "values": [None if check.score_psi is None else float(check.score_psi) for check in checks]},
                {"name": translate("Watch from"), "type": "line",
                 "values": [float(monitoring.WATCH_FROM) for _check in checks]},
                {"name": translate("Drifted from"), "type": "line",
                 "values": [float(monitoring.DRIFTED_FROM) for _check in checks]}]}
