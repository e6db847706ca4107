"""Whose insights the caller reads: their own seller's; platform staff name a seller, and that read
across organisations is audited."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.errors import PermissionDenied
from fourflow.identity import service as identity
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind
from fourflow.tradedata.service.overview import SellerRequired
from fourflow.tradedata.service.sellers import NotASeller


def insights_target(session: Session, principal: Principal, seller_id: uuid.UUID | None) -> uuid.UUID:
    if seller_id is None or seller_id == principal.organisation_id:
        if principal.organisation_kind is OrganisationKind.SELLER:
            return principal.organisation_id
        if principal.sees_all_organisations():
            raise SellerRequired(field="seller_id")
        raise NotASeller(field="seller_id", name=principal.organisation.name)
    if not principal.sees_all_organisations():
        raise PermissionDenied()
    organisation = identity.get_organisation(session, principal, seller_id)
    if organisation.kind != OrganisationKind.SELLER.value:
        raise NotASeller(field="seller_id", name=organisation.name)
    audit.record(session, principal.audit_context(), "insights:viewed", subject_type="organisation",
                 subject_id=organisation.id, organisation_id=organisation.id)
    return organisation.id
