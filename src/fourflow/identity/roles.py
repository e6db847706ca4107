"""Organisation kinds, roles, permissions and API scopes, and how they relate."""

from __future__ import annotations

from enum import StrEnum

from fourflow.core.i18n import N_


class OrganisationKind(StrEnum):
    SELLER = "seller"
    SUPPLIER = "supplier"
    LOGISTICS_PROVIDER = "logistics_provider"
    WAREHOUSE = "warehouse"
    FUNDER = "funder"
    INVESTOR = "investor"
    PARTNER = "partner"
    PLATFORM = "platform"


class Role(StrEnum):
    SELLER_ADMIN = "seller_admin"
    SELLER_FINANCE = "seller_finance"
    FUNDER_ANALYST = "funder_analyst"
    INVESTOR_VIEWER = "investor_viewer"
    PARTNER_DEVELOPER = "partner_developer"
    RISK_OFFICER = "risk_officer"
    COMPLIANCE_OFFICER = "compliance_officer"
    OPERATIONS = "operations"
    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"


class Permission(StrEnum):
    READ_PROFILE = "profile:read"
    READ_OWN_ORGANISATION = "organisation:read"
    READ_OWN_USERS = "organisation:users:read"
    MANAGE_OWN_USERS = "organisation:users:manage"
    MANAGE_API_CLIENTS = "organisation:api_clients:manage"
    READ_ALL_ORGANISATIONS = "platform:organisations:read"
    MANAGE_ALL_ORGANISATIONS = "platform:organisations:manage"
    READ_AUDIT_LOG = "platform:audit:read"
    READ_LEDGER = "ledger:read"
    MOVE_MONEY = "platform:ledger:transfer"
    REQUEST_PAYOUT = "ledger:payouts:request"
    SEE_CHANNELS = "platform:channels:read"
    RECONCILE = "platform:reconciliation:manage"
    READ_TRADE_DATA = "tradedata:read"
    UPLOAD_TRADE_DATA = "tradedata:upload"
    # Buyers' names, e-mails, phones and addresses (F8 classification); others see them masked.
    SEE_BUYER_PERSONAL_DATA = "tradedata:personal_data:read"
    # A seller asks for a credit decision about itself; risk staff for any seller.
    REQUEST_CREDIT_DECISION = "risk:decisions:request"
    # Every seller's risk profile, decisions with the officers' reasons, alerts.
    READ_RISK = "platform:risk:read"
    MANAGE_RISK_RULES = "platform:risk:rules:manage"
    # Decide the financing applications the risk engine referred to a person.
    REVIEW_CREDIT_APPLICATIONS = "platform:lending:applications:review"
    # Every seller's financing contracts and their PDFs (sellers read their own with
    # REQUEST_CREDIT_DECISION, which also lets them sign).
    READ_ALL_CONTRACTS = "platform:lending:contracts:read"
    # Lock and release sellers' pledged stock; confirm or dismiss post-loan monitoring alerts.
    MANAGE_COLLECTIONS = "platform:lending:collections:manage"


ORGANISATION_KIND_LABELS: dict[OrganisationKind, str] = {
    OrganisationKind.SELLER: N_("Seller"),
    OrganisationKind.SUPPLIER: N_("Supplier"),
    OrganisationKind.LOGISTICS_PROVIDER: N_("Logistics provider"),
    OrganisationKind.WAREHOUSE: N_("Warehouse"),
    OrganisationKind.FUNDER: N_("Funder"),
    OrganisationKind.INVESTOR: N_("Investor"),
    OrganisationKind.PARTNER: N_("Partner"),
    OrganisationKind.PLATFORM: N_("Platform"),
}

ROLE_LABELS: dict[Role, str] = {
    Role.SELLER_ADMIN: N_("Seller administrator"),
    Role.SELLER_FINANCE: N_("Seller finance"),
    Role.FUNDER_ANALYST: N_("Funder analyst"),
    Role.INVESTOR_VIEWER: N_("Investor viewer"),
    Role.PARTNER_DEVELOPER: N_("Partner developer"),
    Role.RISK_OFFICER: N_("Risk officer"),
    Role.COMPLIANCE_OFFICER: N_("Compliance officer"),
    Role.OPERATIONS: N_("Operations"),
    Role.ADMINISTRATOR: N_("Administrator"),
    Role.AUDITOR: N_("Auditor"),
}

_PARTNER_ROLES = frozenset({Role.PARTNER_DEVELOPER})

ROLES_BY_KIND: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.SELLER: frozenset({Role.SELLER_ADMIN, Role.SELLER_FINANCE}),
    OrganisationKind.FUNDER: frozenset({Role.FUNDER_ANALYST}),
    OrganisationKind.INVESTOR: frozenset({Role.INVESTOR_VIEWER}),
    OrganisationKind.SUPPLIER: _PARTNER_ROLES,
    OrganisationKind.LOGISTICS_PROVIDER: _PARTNER_ROLES,
    OrganisationKind.WAREHOUSE: _PARTNER_ROLES,
    OrganisationKind.PARTNER: _PARTNER_ROLES,
    OrganisationKind.PLATFORM: frozenset(
        {Role.RISK_OFFICER, Role.COMPLIANCE_OFFICER, Role.OPERATIONS, Role.ADMINISTRATOR,
         Role.AUDITOR}
    ),
}

_EVERYONE = frozenset({Permission.READ_PROFILE, Permission.READ_OWN_ORGANISATION,
                       Permission.READ_OWN_USERS, Permission.READ_LEDGER, Permission.READ_TRADE_DATA})
_PLATFORM_STAFF = _EVERYONE | {Permission.READ_ALL_ORGANISATIONS}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.SELLER_ADMIN: _EVERYONE | {Permission.MANAGE_OWN_USERS, Permission.MANAGE_API_CLIENTS,
                                    Permission.REQUEST_PAYOUT, Permission.UPLOAD_TRADE_DATA,
                                    Permission.SEE_BUYER_PERSONAL_DATA, Permission.REQUEST_CREDIT_DECISION},
    Role.SELLER_FINANCE: _EVERYONE | {Permission.REQUEST_PAYOUT, Permission.UPLOAD_TRADE_DATA,
                                      Permission.REQUEST_CREDIT_DECISION},
    Role.FUNDER_ANALYST: _EVERYONE,
    Role.INVESTOR_VIEWER: _EVERYONE,
    Role.PARTNER_DEVELOPER: _EVERYONE | {Permission.MANAGE_API_CLIENTS},
    Role.RISK_OFFICER: _PLATFORM_STAFF | {Permission.READ_RISK, Permission.MANAGE_RISK_RULES,
                                          Permission.REQUEST_CREDIT_DECISION,
                                          Permission.REVIEW_CREDIT_APPLICATIONS,
                                          Permission.READ_ALL_CONTRACTS, Permission.MANAGE_COLLECTIONS},
    Role.COMPLIANCE_OFFICER: _PLATFORM_STAFF | {Permission.READ_AUDIT_LOG, Permission.READ_RISK,
                                                Permission.SEE_BUYER_PERSONAL_DATA,
                                                Permission.READ_ALL_CONTRACTS},
    Role.OPERATIONS: _PLATFORM_STAFF | {Permission.MOVE_MONEY, Permission.SEE_CHANNELS,
                                        Permission.RECONCILE, Permission.UPLOAD_TRADE_DATA,
                                        Permission.READ_ALL_CONTRACTS, Permission.MANAGE_COLLECTIONS},
    Role.ADMINISTRATOR: _PLATFORM_STAFF
    | {Permission.MANAGE_OWN_USERS, Permission.MANAGE_ALL_ORGANISATIONS,
       Permission.MANAGE_API_CLIENTS, Permission.READ_AUDIT_LOG, Permission.MOVE_MONEY,
       Permission.SEE_CHANNELS, Permission.RECONCILE, Permission.UPLOAD_TRADE_DATA, Permission.READ_RISK,
       Permission.READ_ALL_CONTRACTS},
    Role.AUDITOR: _PLATFORM_STAFF | {Permission.READ_AUDIT_LOG, Permission.READ_RISK,
                                     Permission.READ_ALL_CONTRACTS},
}


class Scope(StrEnum):
    """What an API client may be granted; each maps to the permissions it unlocks."""

    PROFILE_READ = "profile:read"
    ORGANISATION_READ = "organisation:read"
    USERS_READ = "organisation:users:read"
    LEDGER_READ = "ledger:read"
    TRADEDATA_READ = "tradedata:read"
    TRADEDATA_WRITE = "tradedata:write"
    RISK_DECIDE = "risk:decide"


SCOPE_PERMISSIONS: dict[Scope, frozenset[Permission]] = {
    Scope.PROFILE_READ: frozenset({Permission.READ_PROFILE}),
    Scope.ORGANISATION_READ: frozenset({Permission.READ_OWN_ORGANISATION}),
    Scope.USERS_READ: frozenset({Permission.READ_OWN_USERS}),
    Scope.LEDGER_READ: frozenset({Permission.READ_LEDGER}),
    Scope.TRADEDATA_READ: frozenset({Permission.READ_TRADE_DATA}),
    Scope.TRADEDATA_WRITE: frozenset({Permission.UPLOAD_TRADE_DATA}),
    Scope.RISK_DECIDE: frozenset({Permission.REQUEST_CREDIT_DECISION}),
}

SCOPE_LABELS: dict[Scope, str] = {
    Scope.PROFILE_READ: N_("Read the client's own profile"),
    Scope.ORGANISATION_READ: N_("Read the organisation"),
    Scope.USERS_READ: N_("Read the organisation's users"),
    Scope.LEDGER_READ: N_("Read the organisation's accounts and balances"),
    Scope.TRADEDATA_READ: N_("Read the organisation's trade data"),
    Scope.TRADEDATA_WRITE: N_("Send trade data (uploads and the push API)"),
    Scope.RISK_DECIDE: N_("Ask for credit decisions about the organisation"),
}


def permissions_for_scopes(scopes: frozenset[str]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for scope in scopes:
        granted |= SCOPE_PERMISSIONS.get(Scope(scope), frozenset())
    return frozenset(granted)
