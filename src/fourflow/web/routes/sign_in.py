"""Sign in, sign out and the language switch."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fourflow.core.clock import get_clock
from fourflow.core.http import client_ip, database_session, request_id, request_settings
from fourflow.core.i18n import current_language, parse_language, set_current_language
from fourflow.core.middleware import LANGUAGE_COOKIE
from fourflow.core.security import constant_time_equals, new_secret
from fourflow.identity import service as identity
from fourflow.identity.dependencies import check_csrf, optional_principal
from fourflow.identity.errors import CsrfTokenMissing
from fourflow.identity.principal import Principal
from fourflow.tradedata.service import profiles
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal, scope="function")]
# Before sign-in there is no session to bind a CSRF token to: a double-submit cookie is used.
LOGIN_CSRF_COOKIE = "fourflow_csrf"


def safe_next(target: str | None) -> str:
    """Only same-site paths, so the sign-in page cannot be used to redirect elsewhere."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _login_page(request: Request, *, next_path: str, email: str = "", error: str | None = None,
                status_code: int = 200) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_secret(24)
    response = render(request, "login.html", {"next": next_path, "email": email, "error": error,
                                              "login_csrf": token}, status_code=status_code)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=request_settings(request).security.secure_cookies)
    return response


@router.get("/login")
def login_form(request: Request, principal: MaybePrincipal, next: str = "/") -> Response:
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=safe_next(next))


@router.post("/login")
def login(request: Request, session: Db, email: Annotated[str, Form(max_length=320)] = "",
          password: Annotated[str, Form(max_length=200)] = "",
          csrf_token: Annotated[str, Form(max_length=100)] = "",
          next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not constant_time_equals(cookie, csrf_token):
        return _login_page(request, next_path=safe_next(next), email=email,
                           error=CsrfTokenMissing().localised(current_language()), status_code=403)
    settings = request_settings(request)
    result = identity.sign_in(session, settings, email=email, password=password,
                              ip_address=client_ip(request),
                              user_agent=request.headers.get("user-agent"),
                              request_id=request_id(request))
    if result.failure is not None or result.session_token is None:
        failure = result.failure
        message = failure.localised(current_language()) if failure else ""
        return _login_page(request, next_path=safe_next(next), email=email, error=message,
                           status_code=401)
    if result.user is not None:
        _record_device(session, request, result.user.organisation_id)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(settings.security.session_cookie_name, result.session_token,
                        httponly=True, samesite="lax", secure=settings.security.secure_cookies,
                        max_age=settings.security.session_lifetime_minutes * 60)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    if result.user is not None and request.cookies.get(LANGUAGE_COOKIE) is None:
        response.set_cookie(LANGUAGE_COOKIE, result.user.preferred_language, samesite="lax",
                            max_age=365 * 86400)
    return response


def _record_device(session: Session, request: Request, organisation_id: uuid.UUID) -> None:
    """Sellers' sign-ins leave their device and address for the fraud checks (F16)."""
    profiles.record_sign_in_device(
        session, organisation_id, ip_address=client_ip(request) or "unknown",
        user_agent=request.headers.get("user-agent"),
        accept_language=request.headers.get("accept-language"), at=get_clock().now())


@router.post("/logout")
async def logout(request: Request, principal: MaybePrincipal, session: Db) -> Response:
    settings = request_settings(request)
    if principal is not None:
        await check_csrf(request, principal)
        cookie = request.cookies.get(settings.security.session_cookie_name, "")
        identity.sign_out(session, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(settings.security.session_cookie_name)
    return response


@router.post("/language")
async def switch_language(request: Request, principal: MaybePrincipal, session: Db) -> Response:
    """Anyone may switch; a signed-in user's choice is also saved to their profile."""
    form = await request.form()
    language = parse_language(str(form.get("language", ""))) or "en"
    if principal is not None:

        await check_csrf(request, principal)
        identity.set_preferred_language(session, principal, language)
    set_current_language(language)
    response = RedirectResponse(safe_next(str(form.get("next", "/"))), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", max_age=365 * 86400)
    return response
