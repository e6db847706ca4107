"""Controls a risk officer puts on a seller (F22): a frozen credit limit and a hold on drawdowns.

Post-loan monitoring proposes them and a risk officer confirms (``lending.collections``); the
control stands, with the findings' reasons and the officer's words, until a risk officer releases
it. While a limit freeze stands every credit decision declines new financing (``risk.decision``,
``limit_freeze``); while a drawdown hold stands new applications, disbursements and draws are
refused before anything is stored (``ensure_drawdowns_allowed``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import Conflict, NotFound, ValidationFailed
from fourflow.core.i18n import N_
from fourflow.core.pagination import Page, PageRequest
from fourflow.risk.models import DRAWDOWN_HOLD, LIMIT_FREEZE, SELLER_CONTROLS
from fourflow.risk.models import SellerControl as SellerControl  # re-exported: callers name it
from fourflow.risk.repository import controls as repository

CONTROL_LABELS = {LIMIT_FREEZE: N_("Credit limit frozen"), DRAWDOWN_HOLD: N_("New drawdowns on hold")}
# What the seller reads about each control, beside its reasons.
CONTROL_EXPLANATIONS = {
    LIMIT_FREEZE: N_("Your credit limit is frozen: no new financing or limit increase until a risk "
                     "officer lifts the freeze."),
    DRAWDOWN_HOLD: N_("New drawdowns are on hold: no new application, disbursement or draw until a "
                      "risk officer releases the hold."),
}


class SellerControlNotFound(NotFound):
    code = "seller_control_not_found"
    message = N_("No such control.")


class SellerControlUnknown(ValidationFailed):
    code = "seller_control_unknown"
    message = N_("{control} is not a control; choose one of {controls}.")


class SellerControlReleased(Conflict):
    code = "seller_control_released"
    message = N_("This control was released already.")


class ControlReasonMissing(ValidationFailed):
    code = "control_reason_missing"
    message = N_("Give the reason.")


class DrawdownOnHold(Conflict):
    code = "drawdown_on_hold"
    message = N_("New drawdowns are on hold for this seller since {since}: {reason} A risk officer "
                 "must release the hold first.")


def impose(session: Session, context: audit.AuditContext, seller_organisation_id: uuid.UUID, control: str, *,
           source_reference: str, reasons: list[dict[str, Any]], imposed_reason: str,
           imposed_by_user_id: uuid.UUID | None) -> SellerControl:
    """The control, standing from now; the same source imposes a control once (a retry gets it back)."""
    if control not in SELLER_CONTROLS:
        raise SellerControlUnknown(field="control", control=control, controls=", ".join(SELLER_CONTROLS))
    if not imposed_reason or not imposed_reason.strip():
        raise ControlReasonMissing(field="reason")
    if control == DRAWDOWN_HOLD:
        repository.serialise_drawdowns(session, seller_organisation_id, paying_out=False)
    existing = repository.by_source(session, source_reference, control)
    if existing is not None:
        return existing
    row = SellerControl(
        id=uuid.uuid4(), seller_organisation_id=seller_organisation_id, control=control,
        source_reference=source_reference, reasons=reasons, imposed_reason=imposed_reason.strip()[:500],
        imposed_by_user_id=imposed_by_user_id, imposed_at=get_clock().now())
    repository.add(session, row)
    audit.record(session, context, "risk:seller:control_imposed", subject_type="organisation",
                 subject_id=seller_organisation_id, organisation_id=seller_organisation_id, after={
                     "control_id": str(row.id), "control": control, "source": source_reference,
                     "reason": row.imposed_reason, "findings": [reason.get("code") for reason in reasons]})
    return row


def release(session: Session, context: audit.AuditContext, control_id: uuid.UUID, reason: str, *,
            released_by_user_id: uuid.UUID | None) -> SellerControl:
    if not reason or not reason.strip():
        raise ControlReasonMissing(field="reason")
    row = repository.get(session, control_id, for_update=True)
    if row is None:
        raise SellerControlNotFound()
    if row.released_at is not None:
        raise SellerControlReleased()
    row.released_at = get_clock().now()
    row.released_by_user_id = released_by_user_id
    row.release_reason = reason.strip()[:500]
    session.flush()
    audit.record(session, context, "risk:seller:control_released", subject_type="organisation",
                 subject_id=row.seller_organisation_id, organisation_id=row.seller_organisation_id,
                 before={"control_id": str(row.id), "control": row.control, "standing": True},
                 after={"standing": False, "reason": row.release_reason})
    return row


def get(session: Session, control_id: uuid.UUID) -> SellerControl:
    row = repository.get(session, control_id)
    if row is None:
        raise SellerControlNotFound()
    return row


def standing(session: Session, seller_organisation_id: uuid.UUID) -> Sequence[SellerControl]:
    return repository.standing(session, seller_organisation_id)


def standing_of_source(session: Session, source_reference: str) -> list[SellerControl]:
    return [row for control in SELLER_CONTROLS
            if (row := repository.by_source(session, source_reference, control)) is not None]


def list_controls(session: Session, request: PageRequest, *, seller_organisation_id: uuid.UUID | None = None,
                  standing_only: bool = False) -> Page[SellerControl]:
    return repository.controls(session, request, seller_organisation_id=seller_organisation_id,
                               standing_only=standing_only)


def ensure_drawdowns_allowed(session: Session, seller_organisation_id: uuid.UUID) -> None:
    """Raises DrawdownOnHold while a hold stands on the seller (the oldest one is named). Call it in
    the pay-out's transaction: the seller's drawdown lock it takes keeps a hold from being imposed
    until the pay-out commits."""
    repository.serialise_drawdowns(session, seller_organisation_id, paying_out=True)
    for row in repository.standing(session, seller_organisation_id):
        if row.control == DRAWDOWN_HOLD:
            raise DrawdownOnHold(since=row.imposed_at.date().isoformat(), reason=row.imposed_reason)
