"""Who is calling: a signed-in user or an API client, with what they may do."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fourflow.audit.service import AuditContext
from fourflow.core.i18n import Language
from fourflow.identity.roles import OrganisationKind, Permission


@dataclass(frozen=True, slots=True)
class OrganisationSummary:
    """The caller's organisation as loaded with the caller, so no second query is needed."""

    id: uuid.UUID
    slug: str
    name: str
    kind: OrganisationKind
    country_code: str
    is_active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Principal:
    actor_type: str  # "user" or "api_client"
    actor_id: uuid.UUID
    organisation: OrganisationSummary
    display_name: str
    permissions: frozenset[Permission]
    role: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    language: Language = "en"
    request_id: str | None = None
    ip_address: str | None = None
    csrf_token: str | None = None
    # The browser session the user signed in with (None for API clients): what a contract
    # signature is bound to.
    session_id: uuid.UUID | None = None

    @property
    def organisation_id(self) -> uuid.UUID:
        return self.organisation.id

    @property
    def organisation_kind(self) -> OrganisationKind:
        return self.organisation.kind

    @property
    def user_id(self) -> uuid.UUID | None:
        """The signed-in user, or None for an API client (for "created by" columns)."""
        return self.actor_id if self.actor_type == "user" else None

    @property
    def is_platform_staff(self) -> bool:
        return self.organisation_kind is OrganisationKind.PLATFORM

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def sees_all_organisations(self) -> bool:
        return self.can(Permission.READ_ALL_ORGANISATIONS)

    @staticmethod
    def summarise(organisation: Any) -> OrganisationSummary:
        return OrganisationSummary(
            id=organisation.id, slug=organisation.slug, name=organisation.name,
            kind=OrganisationKind(organisation.kind), country_code=organisation.country_code,
            is_active=organisation.is_active, created_at=organisation.created_at)

    def audit_context(self) -> AuditContext:
        return AuditContext(
            actor_type=self.actor_type,
            actor_id=self.actor_id,
            organisation_id=self.organisation_id,
            request_id=self.request_id,
            ip_address=self.ip_address,
        )
