"""Identity services: organisations, users, invitations, sign-in and API clients."""

from fourflow.identity.service.api_clients import (
    create_api_client,
    get_api_client,
    issue_access_token,
    list_api_clients,
    principal_for_access_token,
    revoke_api_client,
)
from fourflow.identity.service.invitations import (
    SEND_INVITATION_TASK,
    accept_invitation,
    get_invitation,
    invitation_token,
    invite_user,
    list_invitations,
    open_invitation_for_token,
    revoke_invitation,
    send_invitation_email,
)
from fourflow.identity.service.organisations import (
    create_organisation,
    get_organisation,
    list_organisations,
    organisation_by_id,
    organisation_by_slug,
    organisation_columns,
    organisation_parameters,
    organisations_of_kind,
)
from fourflow.identity.service.sessions import (
    SignIn,
    principal_for_session_token,
    principal_for_user,
    sign_in,
    sign_out,
)
from fourflow.identity.service.users import (
    create_user,
    get_user,
    list_users,
    organisation_contacts,
    set_preferred_language,
    set_user_active,
)

__all__ = [
    "SEND_INVITATION_TASK", "SignIn", "accept_invitation", "create_api_client",
    "create_organisation", "create_user", "get_api_client", "get_invitation",
    "get_organisation", "get_user", "invitation_token", "invite_user", "issue_access_token",
    "list_api_clients", "list_invitations", "list_organisations", "list_users",
    "open_invitation_for_token",
    "organisation_by_id", "organisation_by_slug", "organisation_columns", "organisation_contacts",
    "organisation_parameters",
    "organisations_of_kind", "principal_for_access_token",
    "principal_for_session_token", "principal_for_user", "revoke_api_client",
    "revoke_invitation", "send_invitation_email", "set_preferred_language", "set_user_active", "sign_in",
    "sign_out",
]
