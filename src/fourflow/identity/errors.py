"""Identity errors, named <Noun><Problem>."""

from __future__ import annotations

from fourflow.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from fourflow.core.i18n import N_


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"
    message = N_("Organisation not found.")


class UserNotFound(NotFound):
    code = "user_not_found"
    message = N_("User not found.")


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message = N_("This invitation does not exist or is no longer valid.")


class ApiClientNotFound(NotFound):
    code = "api_client_not_found"
    message = N_("API client not found.")


class OrganisationSlugTaken(Conflict):
    code = "organisation_slug_taken"
    message = N_("The short name {slug} is already used by another organisation.")


class UserEmailTaken(Conflict):
    code = "user_email_taken"
    message = N_("A user with the e-mail address {email} already exists.")


class InvitationAlreadyOpen(Conflict):
    code = "invitation_already_open"
    message = N_("{email} already has an open invitation to this organisation.")


class InvitationExpired(ValidationFailed):
    code = "invitation_expired"
    message = N_("This invitation has expired; ask for a new one.")


class RoleNotAllowed(ValidationFailed):
    code = "role_not_allowed"
    message = N_("The role {role} is not available in a {kind} organisation.")


class PasswordTooWeak(ValidationFailed):
    code = "password_too_weak"
    message = N_("The password must be at least {minimum} characters long.")


class AccountLocked(AuthenticationFailed):
    code = "account_locked"
    message = N_("Too many failed sign-ins. The account is locked until {until} UTC.")


class InvalidClient(AuthenticationFailed):
    code = "invalid_client"
    message = N_("The client id or client secret is wrong, or the client was revoked.")


class InvalidScope(ValidationFailed):
    code = "invalid_scope"
    http_status = 400
    message = N_("The scope {scope} is not granted to this client.")


class UnsupportedGrantType(ValidationFailed):
    code = "unsupported_grant_type"
    http_status = 400
    message = N_("Only the client_credentials grant type is supported.")


class AccessTokenRejected(AuthenticationFailed):
    code = "invalid_token"
    message = N_("The access token is invalid or has expired.")


class ScopeMissing(PermissionDenied):
    code = "insufficient_scope"
    message = N_("The access token lacks the scope {scope}.")


class CsrfTokenMissing(PermissionDenied):
    code = "csrf_failed"
    message = N_("The form has expired; reload the page and try again.")


class CannotDeactivateSelf(Conflict):
    code = "cannot_deactivate_self"
    message = N_("You cannot deactivate your own account.")
