"""OAuth 2.0 client-credentials clients and the short-lived bearer tokens they obtain."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import PermissionDenied
from fourflow.core.pagination import Page, PageRequest
from fourflow.core.security import (
    AccessTokenCodec,
    AccessTokenInvalid,
    constant_time_equals,
    new_secret,
    secret_digest,
)
from fourflow.core.settings import Settings
from fourflow.identity import repository
from fourflow.identity.errors import (
    AccessTokenRejected,
    ApiClientNotFound,
    InvalidClient,
    InvalidScope,
    OrganisationNotFound,
    UnsupportedGrantType,
)
from fourflow.identity.models import ApiClient
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission, permissions_for_scopes
from fourflow.identity.schemas import ApiClientCreate, TokenResponse


def _require_manager(principal: Principal, organisation_id: uuid.UUID) -> None:
    if not principal.can(Permission.MANAGE_API_CLIENTS) or (
        organisation_id != principal.organisation_id
        and not principal.can(Permission.MANAGE_ALL_ORGANISATIONS)
    ):
        raise PermissionDenied()


def create_api_client(session: Session, principal: Principal | None, organisation_id: uuid.UUID,
                      data: ApiClientCreate, *, client_id: str | None = None,
                      client_secret: str | None = None) -> tuple[ApiClient, str]:
    """Returns the client and its secret, which is shown once and stored only as a digest.

    ``principal`` None is the system (demo data, CLI), which may also fix the credentials.
    """
    if principal is not None:
        _require_manager(principal, organisation_id)
    if repository.organisation_by_id(session, organisation_id) is None:
        raise OrganisationNotFound()
    secret = client_secret or new_secret()
    client = ApiClient(
        organisation_id=organisation_id, name=data.name,
        client_id=client_id or f"ff_{new_secret(12)}", secret_digest=secret_digest(secret),
        scopes=sorted({scope.value for scope in data.scopes}),
        created_by_user_id=principal.user_id if principal else None,
    )
    repository.add(session, client)
    context = principal.audit_context() if principal else audit.AuditContext.system()
    audit.record(session, context, "identity:api_client:created", subject_type="api_client",
                 subject_id=client.id, organisation_id=organisation_id,
                 after={"name": client.name, "client_id": client.client_id,
                        "scopes": client.scopes})
    return client, secret


def list_api_clients(session: Session, principal: Principal, organisation_id: uuid.UUID,
                     request: PageRequest) -> Page[ApiClient]:
    _require_manager(principal, organisation_id)
    return repository.api_clients_page(session, organisation_id, request)


def get_api_client(session: Session, principal: Principal, api_client_id: uuid.UUID) -> ApiClient:
    client = repository.visible_api_client(session, api_client_id, principal)
    if client is None:
        raise ApiClientNotFound()
    _require_manager(principal, client.organisation_id)
    return client


def revoke_api_client(session: Session, principal: Principal, api_client_id: uuid.UUID) -> ApiClient:
    client = get_api_client(session, principal, api_client_id)
    if client.revoked_at is None:
        client.revoked_at = get_clock().now()
        session.flush()
        audit.record(session, principal.audit_context(), "identity:api_client:revoked",
                     subject_type="api_client", subject_id=client.id,
                     organisation_id=client.organisation_id)
    return client


def issue_access_token(session: Session, settings: Settings, *, grant_type: str,
                       client_id: str, client_secret: str, scope: str | None,
                       request_id: str | None, ip_address: str | None) -> TokenResponse:
    if grant_type != "client_credentials":
        raise UnsupportedGrantType(field="grant_type")
    found = repository.api_client_by_client_id(session, client_id)
    if found is None:
        secret_digest(client_secret)  # same work on a miss as on a hit
        raise InvalidClient()
    client, organisation = found
    if (client.revoked_at is not None or not organisation.is_active
            or not constant_time_equals(client.secret_digest, secret_digest(client_secret))):
        raise InvalidClient()
    requested = set(scope.split()) if scope else set(client.scopes)
    for name in sorted(requested):
        if name not in client.scopes:
            raise InvalidScope(field="scope", scope=name)
    now = get_clock().now()
    lifetime = settings.security.access_token_lifetime_seconds
    codec = AccessTokenCodec.for_secret(settings.security.secret_key.get_secret_value())
    granted = " ".join(sorted(requested))
    token = codec.issue(subject=str(client.id), issued_at=now, lifetime=timedelta(seconds=lifetime),
                        claims={"org": str(organisation.id), "scope": granted, "typ": "client"})
    client.last_used_at = now
    audit.record(session, audit.AuditContext("api_client", client.id, organisation.id, request_id,
                                             ip_address),
                 "identity:api_client:token_issued", subject_type="api_client",
                 subject_id=client.id, after={"scope": granted})
    return TokenResponse(access_token=token, expires_in=lifetime, scope=granted)


def principal_for_access_token(session: Session, settings: Settings, token: str, *,
                               request_id: str | None = None,
                               ip_address: str | None = None) -> Principal:
    codec = AccessTokenCodec.for_secret(settings.security.secret_key.get_secret_value())
    try:
        claims = codec.decode(token, now=get_clock().now())
        client_uuid = uuid.UUID(str(claims["sub"]))
    except (AccessTokenInvalid, KeyError, ValueError) as exc:
        raise AccessTokenRejected() from exc
    found = repository.api_client_with_organisation(session, client_uuid)
    if found is None:
        raise AccessTokenRejected()
    client, organisation = found
    # A revoked client's tokens stop working at once, not when they expire.
    if (client.revoked_at is not None or not organisation.is_active
            or str(organisation.id) != claims.get("org")):
        raise AccessTokenRejected()
    scopes = frozenset(str(claims.get("scope", "")).split())
    return Principal(
        actor_type="api_client", actor_id=client.id,
        organisation=Principal.summarise(organisation), display_name=client.name,
        permissions=permissions_for_scopes(scopes), scopes=scopes, request_id=request_id,
        ip_address=ip_address,
    )
