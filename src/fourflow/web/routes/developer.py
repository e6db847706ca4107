"""Developers page: an organisation's OAuth clients, created and revoked in the browser."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fourflow.core.http import database_session
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import SCOPE_LABELS, Permission, Scope
from fourflow.identity.schemas import ApiClientCreate
from fourflow.web.forms import attempt, field_errors, parse_form
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Developer = Annotated[Principal, Depends(require(Permission.MANAGE_API_CLIENTS))]


def _page(request: Request, session: Session, principal: Principal, *, page: int = 1,
          values: dict[str, object] | None = None, errors: dict[str, str] | None = None,
          created: tuple[str, str] | None = None, status_code: int = 200) -> Response:
    clients = identity.list_api_clients(session, principal, principal.organisation_id,
                                        PageRequest(page=page, page_size=20))
    return render(request, "developer.html", {
        "clients": clients, "scopes": list(Scope), "scope_labels": SCOPE_LABELS,
        "values": values or {"scopes": [scope.value for scope in Scope]},
        "errors": errors or {}, "created": created,
    }, status_code=status_code, active="developer")


@router.get("/developer")
def developer(request: Request, session: Db, principal: Developer,
              page: int = Query(1, ge=1)) -> Response:
    return _page(request, session, principal, page=page)


@router.post("/developer/clients")
async def create_client(request: Request, session: Db, principal: Developer) -> Response:
    form = await request.form()
    values: dict[str, object] = {"name": str(form.get("name", "")),
                                 "scopes": [str(value) for value in form.getlist("scopes")]}
    data, errors = parse_form(ApiClientCreate, values)
    if data is None:
        return _page(request, session, principal, values=values, errors=errors, status_code=422)
    created, error = attempt(session, lambda: identity.create_api_client(
        session, principal, principal.organisation_id, data))
    if error is not None or created is None:
        return _page(request, session, principal, values=values,
                     errors=field_errors(error) if error else {}, status_code=422)
    client, secret = created
    return _page(request, session, principal, created=(client.client_id, secret))


@router.post("/developer/clients/{api_client_id}/revoke")
def revoke_client(session: Db, principal: Developer, api_client_id: uuid.UUID) -> Response:
    identity.revoke_api_client(session, principal, api_client_id)
    return RedirectResponse("/developer", status_code=303)
