"""Whose trade data a caller may see or send: a seller's own people their own; platform staff
everyone's (and they upload on a seller's behalf by naming the seller)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.core.errors import PermissionDenied, ValidationFailed
from fourflow.core.i18n import N_
from fourflow.identity import service as identity
from fourflow.identity.principal import Principal
from fourflow.identity.roles import OrganisationKind


class NotASeller(ValidationFailed):
    code = "not_a_seller"
    message = N_("Trade data belongs to a seller; {name} is not one.")


def seller_in_scope(principal: Principal) -> uuid.UUID | None:
    """The seller whose data the caller reads, or None for all sellers (platform staff)."""
    return None if principal.sees_all_organisations() else principal.organisation_id


def target_seller(session: Session, principal: Principal, seller_id: uuid.UUID | None) -> uuid.UUID:
    """The seller a request is about: the caller's own, or (platform staff) the one it names."""
    if seller_id is None or seller_id == principal.organisation_id:
        if principal.organisation_kind is not OrganisationKind.SELLER:
            raise NotASeller(field="seller_id", name=principal.organisation.name)
        return principal.organisation_id
    if not principal.is_platform_staff:
        raise PermissionDenied()
    organisation = identity.get_organisation(session, principal, seller_id)
    if organisation.kind != OrganisationKind.SELLER.value:
        raise NotASeller(field="seller_id", name=organisation.name)
    return organisation.id
