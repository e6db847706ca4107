"""Post-loan monitoring for risk officers (F22): the alerts to confirm or dismiss, and what confirmed
alerts put in place — controls on sellers (limit freeze, drawdown hold) and early recalls of loans —
each released or lifted here with a reason."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.errors import NotFound
from fourflow.core.http import database_session
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.collections import service
from fourflow.risk.service import controls
from fourflow.web.forms import attempt
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
RiskReader = Annotated[Principal, Depends(require(Permission.READ_RISK))]
Officer = Annotated[Principal, Depends(require(Permission.MANAGE_COLLECTIONS))]
DONE = {
    "confirm": N_("Alert confirmed: the action is in place."),
    "dismiss": N_("Alert dismissed."),
    "release": N_("Control released."),
    "lift": N_("Recall lifted: the loan's schedule before it is back."),
}
SHOWN = PageRequest(page=1, page_size=50)


def _page(request: Request, session: Session, principal: Principal, *, notice: str | None = None,
          error: str | None = None, failed: str | None = None, status_code: int = 200) -> Response:
    language = current_language()
    open_alerts = service.list_alerts(session, SHOWN, status="open").items
    decided = [alert for alert in service.list_alerts(session, PageRequest(page=1, page_size=10)).items
               if alert.status != "open"]
    standing_controls = service.list_controls(session, SHOWN, standing_only=True).items
    standing_recalls = service.list_recalls(session, SHOWN, standing_only=True).items
    sellers: set[uuid.UUID] = {alert.seller_organisation_id for alert in (*open_alerts, *decided)}
    sellers |= {row.seller_organisation_id for row in standing_controls}
    sellers |= {row.seller_organisation_id for row in standing_recalls}
    names = identity.organisation_names(session, sellers)

    def alert_view(alert: Any) -> dict[str, Any]:
        return {"alert": alert, "seller": names.get(alert.seller_organisation_id, "—"),
                "findings": service.render_reasons(alert.findings, language),
                "proposal": translate(service.PROPOSAL_LABELS[alert.proposed_action], language)}

    return render(request, "monitoring.html", {
        "alerts": [alert_view(alert) for alert in open_alerts],
        "decided": [alert_view(alert) for alert in decided],
        "controls": [{"control": row, "seller": names.get(row.seller_organisation_id, "—"),
                      "label": translate(controls.CONTROL_LABELS[row.control], language),
                      "reasons": service.render_reasons(row.reasons, language)} for row in standing_controls],
        "recalls": [{"recall": row, "seller": names.get(row.seller_organisation_id, "—"),
                     "total": row.principal_amount + row.interest_amount + row.fees_amount,
                     "reasons": service.render_reasons(row.reasons, language)} for row in standing_recalls],
        "may_decide": principal.can(Permission.MANAGE_COLLECTIONS), "notice": notice, "error": error,
        "failed": failed}, status_code=status_code, active="monitoring")


@router.get("/monitoring")
def monitoring(request: Request, session: Db, principal: RiskReader, done: str | None = None) -> Response:
    notice = translate(DONE[done]) if done in DONE else None
    return _page(request, session, principal, notice=notice)


@router.post("/monitoring/{kind}/{row_id}/{verdict}")
async def decide(request: Request, session: Db, principal: Officer, kind: str, row_id: uuid.UUID,
                 verdict: str) -> Response:
    """Confirm or dismiss an alert, release a control, lift a recall: each with the officer's reason."""
    if (kind, verdict) not in (("alerts", "confirm"), ("alerts", "dismiss"), ("controls", "release"),
                               ("recalls", "lift")):
        raise NotFound()
    reason = str((await request.form()).get("reason", "")).strip()[:500]

    def run() -> Response:
        context, user = principal.audit_context(), principal.user_id

        def action() -> Any:
            if kind == "alerts":
                return service.decide_alert(session, context, row_id, verdict == "confirm", reason,
                                            decided_by_user_id=user)
            if kind == "controls":
                return service.release_control(session, context, row_id, reason, released_by_user_id=user)
            return service.lift_recall(session, context, row_id, reason, lifted_by_user_id=user)

        _done, error = attempt(session, action)
        if error is not None:
            return _page(request, session, principal, error=error.localised(current_language()),
                         failed=str(row_id), status_code=409 if error.http_status == 409 else 422)
        return RedirectResponse(f"/monitoring?done={verdict}", status_code=303)

    return await run_in_threadpool(run)
