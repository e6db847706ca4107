"""FastAPI dependencies that resolve the caller and enforce roles and scopes.

Used by the API and page routes of every domain; a route states what it needs with
``Depends(require(Permission.X))`` and receives the ``Principal``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request

from fourflow.core.errors import AuthenticationRequired, PermissionDenied
from fourflow.core.http import client_ip, request_database, request_id, request_settings
from fourflow.core.i18n import set_current_language
from fourflow.core.security import constant_time_equals
from fourflow.identity import service
from fourflow.identity.errors import AccessTokenRejected, CsrfTokenMissing, ScopeMissing
from fourflow.identity.principal import Principal
from fourflow.identity.roles import SCOPE_PERMISSIONS, Permission

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"


async def optional_principal(request: Request) -> Principal | None:
    """The caller from a bearer token or a session cookie, or None when anonymous.

    Runs on the event loop although it reads the database: it is one indexed
    primary-key read (well under a millisecond), and a hop to the thread pool and back
    costs more CPU than the read itself (bench/api_baseline.py measured ~1.7x the
    throughput this way).
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    settings = request_settings(request)
    principal: Principal | None = None
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _space, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AccessTokenRejected()
        with request_database(request).reader() as session:
            principal = service.principal_for_access_token(
                session, settings, token.strip(), request_id=request_id(request),
                ip_address=client_ip(request))
    else:
        cookie = request.cookies.get(settings.security.session_cookie_name)
        if cookie:
            with request_database(request).reader() as session:
                principal = service.principal_for_session_token(
                    session, cookie, request_id=request_id(request),
                    ip_address=client_ip(request))
            if principal is not None and not getattr(request.state, "language_chosen", False):
                # A signed-in user's saved language wins over the browser's header.
                set_current_language(principal.language)
    request.state.principal = principal
    return principal


async def current_principal(principal: Principal | None = Depends(optional_principal, scope="function")
                            ) -> Principal:
    # async: it does no I/O, so it need not cost a hop to the thread pool.
    if principal is None:
        raise AuthenticationRequired()
    return principal


def require(permission: Permission | None = None) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers holding ``permission`` (any signed-in caller when
    None). API clients need a scope that grants it; users need a role that does. Unsafe
    requests authenticated by cookie must also echo the session's CSRF token.
    """

    async def dependency(request: Request,
                         principal: Principal = Depends(current_principal, scope="function")
                         ) -> Principal:
        if permission is not None and not principal.can(permission):
            if principal.actor_type == "api_client":
                scope = next((name.value for name, granted in SCOPE_PERMISSIONS.items()
                              if permission in granted), permission.value)
                raise ScopeMissing(scope=scope)
            raise PermissionDenied()
        await check_csrf(request, principal)
        return principal

    return dependency


async def check_csrf(request: Request, principal: Principal) -> None:
    if request.method in SAFE_METHODS or principal.actor_type != "user":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not constant_time_equals(sent, principal.csrf_token):
        raise CsrfTokenMissing()
