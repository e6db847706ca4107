"""Identity API routes: thin, they parse, call a service and shape the answer."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from pydantic import Field, StrictStr
from sqlalchemy.orm import Session

from fourflow.core.http import Paging, client_ip, database_session, request_id, request_settings
from fourflow.core.pagination import PageOut
from fourflow.identity import service
from fourflow.identity.dependencies import require
from fourflow.identity.errors import InvalidClient
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind, Permission
from fourflow.identity.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    ApiClientOut,
    InvitationAccept,
    InvitationCreate,
    InvitationOut,
    MeOut,
    OrganisationCreate,
    OrganisationOut,
    TokenResponse,
    UserOut,
)

router = APIRouter(prefix="/api/v1", tags=["identity"])
Db = Annotated[Session, Depends(database_session, scope="function")]




@router.post("/oauth/token", response_model=TokenResponse, tags=["oauth"])
def issue_token(request: Request, session: Db,
                grant_type: Annotated[str, Form()],
                client_id: Annotated[str | None, Form()] = None,
                client_secret: Annotated[str | None, Form()] = None,
                scope: Annotated[str | None, Form()] = None) -> TokenResponse:
    """OAuth 2.0 client-credentials grant (RFC 6749 §4.4); credentials in the form or
    in HTTP Basic authentication."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidClient() from exc
        client_id, _colon, client_secret = decoded.partition(":")
    if not client_id or not client_secret:
        raise InvalidClient()
    return service.issue_access_token(
        session, request_settings(request), grant_type=grant_type, client_id=client_id,
        client_secret=client_secret, scope=scope, request_id=request_id(request),
        ip_address=client_ip(request))


@router.get("/me", response_model=MeOut)
async def me(principal: Annotated[Principal, Depends(require(Permission.READ_PROFILE))]) -> MeOut:
    """The caller, as resolved from the token or session (no further query)."""
    return MeOut(
        actor_type=principal.actor_type, id=principal.actor_id,
        display_name=principal.display_name, role=principal.role,
        scopes=sorted(principal.scopes), permissions=sorted(p.value for p in principal.permissions),
        organisation=OrganisationOut.model_validate(principal.organisation),
    )


@router.get("/organisations", response_model=PageOut[OrganisationOut])
def list_organisations(
    session: Db, paging: Paging,
    principal: Annotated[Principal, Depends(require(Permission.READ_OWN_ORGANISATION))],
    kind: OrganisationKind | None = None, q: str | None = Query(None, max_length=100),
    sort: Literal["name", "kind", "slug", "created_at"] = "name", descending: bool = False,
) -> PageOut[OrganisationOut]:
    page = service.list_organisations(session, principal, paging, kind=kind, search=q, sort=sort,
                                      descending=descending)
    return PageOut.of(page.map(OrganisationOut.model_validate))


@router.get("/sellers", response_model=PageOut[OrganisationOut])
def list_sellers(
    session: Db, paging: Paging,
    principal: Annotated[Principal, Depends(require(Permission.READ_OWN_ORGANISATION))],
) -> PageOut[OrganisationOut]:
    page = service.list_organisations(session, principal, paging, kind=OrganisationKind.SELLER)
    return PageOut.of(page.map(OrganisationOut.model_validate))


@router.post("/organisations", response_model=OrganisationOut, status_code=201)
def create_organisation(
    session: Db, data: OrganisationCreate,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_ALL_ORGANISATIONS))],
) -> OrganisationOut:
    return OrganisationOut.model_validate(service.create_organisation(session, principal, data))


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut)
def get_organisation(
    session: Db, organisation_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require(Permission.READ_OWN_ORGANISATION))],
) -> OrganisationOut:
    return OrganisationOut.model_validate(
        service.get_organisation(session, principal, organisation_id))


@router.get("/organisations/{organisation_id}/users", response_model=PageOut[UserOut])
def list_users(
    session: Db, organisation_id: uuid.UUID, paging: Paging,
    principal: Annotated[Principal, Depends(require(Permission.READ_OWN_USERS))],
) -> PageOut[UserOut]:
    page = service.list_users(session, principal, organisation_id, paging)
    return PageOut.of(page.map(UserOut.model_validate))


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(session: Db, user_id: uuid.UUID,
             principal: Annotated[Principal, Depends(require(Permission.READ_OWN_USERS))]
             ) -> UserOut:
    return UserOut.model_validate(service.get_user(session, principal, user_id))


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
def deactivate_user(session: Db, user_id: uuid.UUID,
                    principal: Annotated[Principal, Depends(require(Permission.MANAGE_OWN_USERS))]
                    ) -> UserOut:
    return UserOut.model_validate(service.set_user_active(session, principal, user_id, False))


@router.post("/users/{user_id}/activate", response_model=UserOut)
def activate_user(session: Db, user_id: uuid.UUID,
                  principal: Annotated[Principal, Depends(require(Permission.MANAGE_OWN_USERS))]
                  ) -> UserOut:
    return UserOut.model_validate(service.set_user_active(session, principal, user_id, True))


@router.post("/organisations/{organisation_id}/invitations", response_model=InvitationOut,
             status_code=201)
def invite_user(
    request: Request, session: Db, organisation_id: uuid.UUID, data: InvitationCreate,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_OWN_USERS))],
) -> InvitationOut:
    invitation = service.invite_user(session, principal, request_settings(request),
                                     organisation_id, data)
    return InvitationOut.model_validate(invitation)


@router.get("/organisations/{organisation_id}/invitations", response_model=PageOut[InvitationOut])
def list_invitations(
    session: Db, organisation_id: uuid.UUID, paging: Paging,
    principal: Annotated[Principal, Depends(require(Permission.READ_OWN_USERS))],
) -> PageOut[InvitationOut]:
    page = service.list_invitations(session, principal, organisation_id, paging)
    return PageOut.of(page.map(InvitationOut.model_validate))


@router.get("/invitations/{invitation_id}", response_model=InvitationOut)
def get_invitation(
    session: Db, invitation_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require(Permission.READ_OWN_USERS))],
) -> InvitationOut:
    return InvitationOut.model_validate(service.get_invitation(session, principal, invitation_id))


@router.post("/invitations/{invitation_id}/revoke", response_model=InvitationOut)
def revoke_invitation(
    session: Db, invitation_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_OWN_USERS))],
) -> InvitationOut:
    return InvitationOut.model_validate(
        service.revoke_invitation(session, principal, invitation_id))


class InvitationAcceptWithToken(InvitationAccept):
    token: StrictStr = Field(min_length=1, max_length=200)


@router.post("/invitations/accept", response_model=UserOut, status_code=201)
def accept_invitation(request: Request, session: Db, data: InvitationAcceptWithToken) -> UserOut:
    user = service.accept_invitation(
        session, data.token, InvitationAccept(display_name=data.display_name,
                                              password=data.password),
        request_id=request_id(request), ip_address=client_ip(request))
    return UserOut.model_validate(user)


@router.get("/organisations/{organisation_id}/api-clients", response_model=PageOut[ApiClientOut])
def list_api_clients(
    session: Db, organisation_id: uuid.UUID, paging: Paging,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_API_CLIENTS))],
) -> PageOut[ApiClientOut]:
    service.get_organisation(session, principal, organisation_id)
    page = service.list_api_clients(session, principal, organisation_id, paging)
    return PageOut.of(page.map(ApiClientOut.model_validate))


@router.post("/organisations/{organisation_id}/api-clients", response_model=ApiClientCreated,
             status_code=201)
def create_api_client(
    session: Db, organisation_id: uuid.UUID, data: ApiClientCreate,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_API_CLIENTS))],
) -> ApiClientCreated:
    service.get_organisation(session, principal, organisation_id)
    client, secret = service.create_api_client(session, principal, organisation_id, data)
    return ApiClientCreated.model_validate(
        {**ApiClientOut.model_validate(client).model_dump(), "client_secret": secret})


@router.get("/api-clients/{api_client_id}", response_model=ApiClientOut)
def get_api_client(
    session: Db, api_client_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_API_CLIENTS))],
) -> ApiClientOut:
    return ApiClientOut.model_validate(service.get_api_client(session, principal, api_client_id))


@router.post("/api-clients/{api_client_id}/revoke", response_model=ApiClientOut)
def revoke_api_client(
    session: Db, api_client_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require(Permission.MANAGE_API_CLIENTS))],
) -> ApiClientOut:
    return ApiClientOut.model_validate(
        service.revoke_api_client(session, principal, api_client_id))
