"""Errors on pages: sign-in redirects and a localised error page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from fourflow.core.errors import AuthenticationRequired, FourflowError
from fourflow.core.i18n import current_language
from fourflow.web.templating import render


def error_page(request: Request, error: FourflowError) -> Response:
    if isinstance(error, AuthenticationRequired):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return render(request, "error.html", {"error": error,
                                          "message": error.localised(current_language())},
                  status_code=error.http_status)
