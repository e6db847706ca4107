"""Organisations: creation by platform administrators, reads within the caller's reach."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.errors import PermissionDenied
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import repository
from fourflow.identity.errors import OrganisationNotFound, OrganisationSlugTaken
from fourflow.identity.models import Organisation
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.identity.schemas import OrganisationCreate


def audit_cross_organisation_read(session: Session, principal: Principal, action: str,
                                  organisation_id: uuid.UUID, subject_type: str,
                                  subject_id: object) -> None:
    """Staff reading another organisation's data leave a trace (ARCHITECTURE rule 7)."""
    if organisation_id != principal.organisation_id:
        audit.record(session, principal.audit_context(), action, subject_type=subject_type,
                     subject_id=subject_id, organisation_id=organisation_id)


def create_organisation(session: Session, principal: Principal | None,
                        data: OrganisationCreate) -> Organisation:
    """``principal`` None means the system itself (CLI, demo data)."""
    if principal is not None and not principal.can(Permission.MANAGE_ALL_ORGANISATIONS):
        raise PermissionDenied()
    if repository.organisation_by_slug(session, data.slug) is not None:
        raise OrganisationSlugTaken(field="slug", slug=data.slug)
    organisation = Organisation(slug=data.slug, name=data.name, kind=data.kind.value,
                                country_code=data.country_code)
    repository.add(session, organisation)
    context = principal.audit_context() if principal else audit.AuditContext.system()
    audit.record(session, context, "identity:organisation:created",
                 subject_type="organisation", subject_id=organisation.id,
                 organisation_id=organisation.id,
                 after={"slug": data.slug, "name": data.name, "kind": data.kind.value,
                        "country_code": data.country_code})
    return organisation


def get_organisation(session: Session, principal: Principal,
                     organisation_id: uuid.UUID) -> Organisation:
    organisation = repository.organisation_by_id(session, organisation_id, principal)
    if organisation is None:
        raise OrganisationNotFound()
    return organisation


def list_organisations(session: Session, principal: Principal, request: PageRequest, *,
                       kind: str | None = None, search: str | None = None,
                       sort: str = "name", descending: bool = False) -> Page[Organisation]:
    return repository.organisations_page(session, principal, request, kind=kind, search=search,
                                         sort=sort, descending=descending)


def organisations_of_kind(session: Session, kind: str) -> list[Organisation]:
    """For system callers (CLI listings, demo data); not filtered by a caller."""
    return repository.organisations_of_kind(session, kind)


def organisation_by_id(session: Session, organisation_id: uuid.UUID) -> Organisation | None:
    """For system callers (decisions, jobs) that have already checked the caller's scope."""
    return repository.organisation_by_id(session, organisation_id)


def organisation_columns() -> tuple[ColumnElement[Any], ...]:
    """The organisation's kind, slug and country as columns for another domain's one-query read
    (a credit decision reads them beside the seller's facts); bind ``organisation_parameters``."""
    return repository.organisation_columns()


def organisation_parameters(organisation_id: uuid.UUID) -> dict[str, Any]:
    return {repository.ORGANISATION_PARAMETER: organisation_id}


def organisation_names(session: Session, organisation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of these organisations, in one query (for listings that show whose rows they are)."""
    return repository.organisation_names(session, organisation_ids)


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    """For system callers (CLI); not filtered by a caller."""
    return repository.organisation_by_slug(session, slug)
