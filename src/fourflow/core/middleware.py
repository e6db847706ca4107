"""ASGI middleware: request ids, the answer's language, body-size limits, security headers."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fourflow.core.errors import RequestTooLarge
from fourflow.core.i18n import negotiate_language, parse_language, set_current_language

LANGUAGE_COOKIE = "fourflow_language"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"frame-ancestors 'none'; form-action 'self'"),
]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _equals, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class RequestContextMiddleware:
    """Gives every request an id and a language, and refuses oversize bodies early."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int | None = None,
                 upload_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # File uploads (trade data) stream to a spooled file and are parsed as a stream, so they
        # get their own, larger limit; every other route keeps the small one.
        self.max_upload_bytes = max_upload_bytes or max_body_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_id = _header(scope, b"x-request-id")
        request_id = sent_id if sent_id and _REQUEST_ID_PATTERN.match(sent_id) else uuid.uuid4().hex
        chosen = parse_language(_cookie(scope, LANGUAGE_COOKIE))
        language = chosen or negotiate_language(_header(scope, b"accept-language"))
        set_current_language(language)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["language_chosen"] = chosen is not None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        limit = self.max_upload_bytes if scope["path"] in self.upload_paths else self.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(send_with_headers, language, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes through FastAPI's body parsing unchanged (any
                    # other error there becomes a generic 400); the app renders it as 413.
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, limited_receive, send_with_headers)

    async def _too_large(self, send: Send, language: Any, limit: int) -> None:
        error = RequestTooLarge(limit=limit)
        body = json.dumps({"error": error.code, "detail": error.localised(language)},
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": error.http_status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
