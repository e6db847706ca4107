"""The landing page after sign-in: who you are, your organisation, where to go next."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fourflow.core.http import database_session
from fourflow.core.pagination import PageRequest
from fourflow.identity import service as identity
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]


@router.get("/")
def home(request: Request, session: Db,
         principal: Annotated[Principal, Depends(require(Permission.READ_PROFILE))]) -> Response:
    organisation = identity.get_organisation(session, principal, principal.organisation_id)
    users = identity.list_users(session, principal, principal.organisation_id,
                                PageRequest(page=1, page_size=1))
    counts: dict[str, int] = {}
    if principal.sees_all_organisations():
        for kind in OrganisationKind:
            counts[kind.value] = identity.list_organisations(
                session, principal, PageRequest(page=1, page_size=1), kind=kind.value).total
    return render(request, "home.html", {"organisation": organisation,
                                         "user_count": users.total,
                                         "organisation_counts": counts}, active="home")
