"""Insurance for operations (F27): policies waiting to be bound with the insurer, premiums to pay on to
it, and the claims filed when loans were written off, with the insurer's decision and payment."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fourflow.core.http import database_session
from fourflow.core.i18n import N_, current_language, translate
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.lending.insurance import service as insurance
from fourflow.web.forms import attempt
from fourflow.web.routes.loans import insurance_label
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Operator = Annotated[Principal, Depends(require(Permission.SEE_CHANNELS))]
Treasurer = Annotated[Principal, Depends(require(Permission.MOVE_MONEY))]
PAGE_SIZE = 20
BOUND = N_("Policy {reference}: {status}.")
REMITTED = N_("Premium of {amount} paid to {insurer}.")
SETTLED = N_("Claim {reference}: {status}.")


def _page(request: Request, session: Session, principal: Principal, *, page: int = 1,
          notice: str | None = None, error: str | None = None, status_code: int = 200) -> Response:
    sellers = {organisation.id: organisation.name
               for organisation in identity.organisations_of_kind(session, OrganisationKind.SELLER.value)}
    return render(request, "insurance.html", {
        "pending": insurance.list_policies(session, None, "pending",
                                           PageRequest(page=1, page_size=PAGE_SIZE)),
        "active": insurance.list_policies(session, None, "active",
                                          PageRequest(page=1, page_size=PAGE_SIZE)),
        "claims": insurance.list_claims(session, None, None, PageRequest(page=page, page_size=PAGE_SIZE)),
        "sellers": sellers, "label": insurance_label, "may_act": principal.can(Permission.MOVE_MONEY),
        "notice": notice, "error": error}, status_code=status_code, active="operations")


@router.get("/operations/insurance")
def insurance_page(request: Request, session: Db, principal: Operator,
                   page: int = Query(1, ge=1)) -> Response:
    return _page(request, session, principal, page=page)


def _act(request: Request, session: Session, principal: Principal, action: Callable[[], Any],
         done: Callable[[Any], str]) -> Response:
    result, error = attempt(session, action)
    if error is not None or result is None:
        return _page(request, session, principal, status_code=409 if error is None else error.http_status,
                     error=error.localised(current_language()) if error else None)
    return _page(request, session, principal, notice=done(result))


@router.post("/operations/insurance/policies/{policy_id}/bind")
def bind(request: Request, session: Db, principal: Treasurer, policy_id: uuid.UUID) -> Response:
    return _act(request, session, principal,
                lambda: insurance.bind_pending(session, principal.audit_context(), policy_id),
                lambda policy: translate(BOUND, reference=policy.insurer_reference or "—",
                                         status=insurance_label(policy.status)))


@router.post("/operations/insurance/policies/{policy_id}/remit")
def remit(request: Request, session: Db, principal: Treasurer, policy_id: uuid.UUID) -> Response:
    return _act(request, session, principal,
                lambda: insurance.remit_premium(session, principal.audit_context(), policy_id),
                lambda policy: translate(REMITTED, insurer=policy.insurer,
                                         amount=f"{policy.premium_amount:,.2f} {policy.currency}"))


@router.post("/operations/insurance/claims/{claim_id}/settle")
def settle(request: Request, session: Db, principal: Treasurer, claim_id: uuid.UUID) -> Response:
    return _act(request, session, principal,
                lambda: insurance.settle(session, principal.audit_context(), claim_id),
                lambda claim: translate(SETTLED, reference=claim.insurer_reference,
                                        status=insurance_label(claim.status)))
