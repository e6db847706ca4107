"""One error hierarchy. Services raise these; one handler renders them, localised.

Every error has a stable machine ``code``, an HTTP status and an English message that is
also the translation key (marked with ``N_`` so Babel extracts it).
"""

from __future__ import annotations

from typing import Any

from fourflow.core.i18n import N_, Language, translate


class FourflowError(Exception):
    code: str = "error"
    http_status: int = 500
    message: str = N_("Something went wrong on our side.")

    def __init__(self, message: str | None = None, *, field: str | None = None, **params: Any) -> None:
        if message is not None:
            self.message = message
        self.field = field
        self.params = params
        super().__init__(self.message.format(**params) if params else self.message)

    def localised(self, language: Language) -> str:
        return translate(self.message, language, **self.params)

    def detail(self, language: Language) -> dict[str, Any] | str:
        text = self.localised(language)
        if self.field is None:
            return text
        return {"message": text, "field": self.field}


class ValidationFailed(FourflowError):
    code = "validation_failed"
    http_status = 422
    message = N_("The request is not valid.")


class NotFound(FourflowError):
    code = "not_found"
    http_status = 404
    message = N_("Not found.")


class Conflict(FourflowError):
    code = "conflict"
    http_status = 409
    message = N_("This conflicts with the current state.")


class AuthenticationRequired(FourflowError):
    code = "authentication_required"
    http_status = 401
    message = N_("Please sign in first.")


class AuthenticationFailed(FourflowError):
    code = "authentication_failed"
    http_status = 401
    message = N_("Email or password is incorrect.")


class PermissionDenied(FourflowError):
    code = "permission_denied"
    http_status = 403
    message = N_("You do not have permission to do this.")


class RequestTooLarge(FourflowError):
    code = "request_too_large"
    http_status = 413
    message = N_("The request body is larger than {limit} bytes.")


class RateLimited(FourflowError):
    code = "rate_limited"
    http_status = 429
    message = N_("Too many requests; try again later.")
