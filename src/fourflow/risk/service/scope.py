"""Whose risk a caller may see and ask about."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.tradedata.service.sellers import target_seller


def seller_in_scope(principal: Principal) -> uuid.UUID | None:
    """None for risk staff (every seller); a seller sees its own decisions only."""
    return None if principal.can(Permission.READ_RISK) else principal.organisation_id


def decision_subject(session: Session, principal: Principal, seller_id: uuid.UUID | None) -> uuid.UUID:
    """Sellers ask about themselves; risk staff name the seller (the rule uploads follow)."""
    return target_seller(session, principal, seller_id)
