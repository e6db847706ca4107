"""Audit log API: auditors read the events and check the hash chain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from fourflow.audit import service
from fourflow.audit.schemas import AuditEventOut, ChainVerificationOut
from fourflow.core.http import database_session
from fourflow.core.pagination import PageOut, PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Db = Annotated[Session, Depends(database_session, scope="function")]
Auditor = Annotated[Principal, Depends(require(Permission.READ_AUDIT_LOG))]


@router.get("/events", response_model=PageOut[AuditEventOut])
def list_events(session: Db, principal: Auditor, page: int = Query(1, ge=1),
                page_size: int = Query(50, ge=1, le=200),
                organisation_id: uuid.UUID | None = None,
                action: str | None = Query(None, max_length=128)) -> PageOut[AuditEventOut]:
    result = service.list_events(session, PageRequest(page=page, page_size=page_size),
                                 organisation_id=organisation_id, action_prefix=action)
    return PageOut.of(result.map(AuditEventOut.model_validate))


@router.get("/verification", response_model=ChainVerificationOut)
def verify(session: Db, principal: Auditor) -> ChainVerificationOut:
    result = service.verify_chain(session)
    return ChainVerificationOut(intact=result.intact, events_checked=result.events_checked,
                                first_broken_sequence=result.first_broken_sequence)
