"""Organisation administration: list and create (platform), detail, users, invitations."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fourflow.core.http import database_session, request_settings
from fourflow.core.i18n import translate
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import ROLES_BY_KIND, OrganisationKind, Permission
from fourflow.identity.schemas import InvitationCreate, OrganisationCreate
from fourflow.web.forms import attempt, field_errors, parse_form
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Staff = Annotated[Principal, Depends(require(Permission.READ_ALL_ORGANISATIONS))]
Administrator = Annotated[Principal, Depends(require(Permission.MANAGE_ALL_ORGANISATIONS))]
Member = Annotated[Principal, Depends(require(Permission.READ_OWN_ORGANISATION))]
Inviter = Annotated[Principal, Depends(require(Permission.MANAGE_OWN_USERS))]


@router.get("/organisations")
def organisations(request: Request, session: Db, principal: Staff,
                  page: int = Query(1, ge=1), kind: str | None = None,
                  q: str | None = Query(None, max_length=100),
                  sort: Literal["name", "kind", "slug", "created_at"] = "name",
                  descending: bool = False) -> Response:
    kind = kind if kind in {k.value for k in OrganisationKind} else None
    result = identity.list_organisations(session, principal, PageRequest(page=page, page_size=20),
                                         kind=kind, search=q or None, sort=sort,
                                         descending=descending)
    context = {"page": result, "kind": kind, "q": q or "", "sort": sort, "descending": descending,
               "kinds": list(OrganisationKind)}
    template = "organisations/_table.html" if request.headers.get("hx-request") else \
        "organisations/list.html"
    return render(request, template, context, active="organisations")


def _new_form(request: Request, values: dict[str, str], errors: dict[str, str],
              status_code: int = 200) -> Response:
    return render(request, "organisations/new.html",
                  {"values": values, "errors": errors, "kinds": list(OrganisationKind)},
                  status_code=status_code, active="organisations")


@router.get("/organisations/new")
def new_organisation(request: Request, principal: Administrator) -> Response:
    return _new_form(request, {"country_code": "CN", "kind": "seller"}, {})


@router.post("/organisations/new")
async def create_organisation(request: Request, session: Db, principal: Administrator) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in ("slug", "name", "kind", "country_code")}
    data, errors = parse_form(OrganisationCreate, values)
    if data is None:
        return _new_form(request, values, errors, status_code=422)
    organisation, error = attempt(session, lambda: identity.create_organisation(session, principal,
                                                                                data))
    if error is not None or organisation is None:
        return _new_form(request, values, field_errors(error) if error else {}, status_code=422)
    return RedirectResponse(f"/organisations/{organisation.id}", status_code=303)


def _detail(request: Request, session: Session, principal: Principal, organisation_id: uuid.UUID,
            *, invite_values: dict[str, str] | None = None,
            invite_errors: dict[str, str] | None = None, notice: str | None = None,
            status_code: int = 200, page: int = 1) -> Response:
    organisation = identity.get_organisation(session, principal, organisation_id)
    users = identity.list_users(session, principal, organisation.id,
                                PageRequest(page=page, page_size=20))
    may_invite = principal.can(Permission.MANAGE_ALL_ORGANISATIONS) or (
        principal.can(Permission.MANAGE_OWN_USERS) and organisation.id == principal.organisation_id)
    invitations = identity.list_invitations(
        session, principal, organisation.id, PageRequest(page=1, page_size=20)) if may_invite \
        else None
    active = "my-organisation" if organisation.id == principal.organisation_id else "organisations"
    return render(request, "organisations/detail.html", {
        "organisation": organisation, "users": users, "invitations": invitations,
        "may_invite": may_invite, "roles": sorted(ROLES_BY_KIND[OrganisationKind(organisation.kind)]),
        "invite_values": invite_values or {"language": "en"}, "invite_errors": invite_errors or {},
        "notice": notice,
    }, status_code=status_code, active=active)


@router.get("/organisations/{organisation_id}")
def organisation_detail(request: Request, session: Db, principal: Member,
                        organisation_id: uuid.UUID, page: int = Query(1, ge=1)) -> Response:
    return _detail(request, session, principal, organisation_id, page=page)


@router.post("/organisations/{organisation_id}/invitations")
async def invite(request: Request, session: Db, principal: Inviter,
                 organisation_id: uuid.UUID) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in ("email", "role", "language")}
    data, errors = parse_form(InvitationCreate, values)
    if data is None:
        return _detail(request, session, principal, organisation_id, invite_values=values,
                       invite_errors=errors, status_code=422)
    settings = request_settings(request)
    _invitation, error = attempt(session, lambda: identity.invite_user(
        session, principal, settings, organisation_id, data))
    if error is not None:
        return _detail(request, session, principal, organisation_id, invite_values=values,
                       invite_errors=field_errors(error), status_code=error.http_status)

    return _detail(request, session, principal, organisation_id,
                   notice=translate("Invitation sent to {email}.", email=values["email"]))


@router.post("/users/{user_id}/active")
async def set_active(request: Request, session: Db, principal: Inviter, user_id: uuid.UUID) -> Response:
    form = await request.form()
    user = identity.set_user_active(session, principal, user_id, form.get("active") == "true")
    return RedirectResponse(f"/organisations/{user.organisation_id}", status_code=303)


@router.post("/invitations/{invitation_id}/revoke")
def revoke(request: Request, session: Db, principal: Inviter, invitation_id: uuid.UUID) -> Response:
    invitation = identity.revoke_invitation(session, principal, invitation_id)
    return RedirectResponse(f"/organisations/{invitation.organisation_id}", status_code=303)
