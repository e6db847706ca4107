"""The audit log for auditors: events, newest first, and the state of the hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.http import database_session
from fourflow.core.pagination import PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Auditor = Annotated[Principal, Depends(require(Permission.READ_AUDIT_LOG))]


@router.get("/audit")
def audit_log(request: Request, session: Db, principal: Auditor, page: int = Query(1, ge=1),
              action: str | None = Query(None, max_length=128)) -> Response:
    events = audit.list_events(session, PageRequest(page=page, page_size=25),
                               organisation_id=None, action_prefix=action or None)
    return render(request, "audit.html", {"events": events, "action": action or ""},
                  active="audit")


@router.get("/audit/verification")
def verification(request: Request, session: Db, principal: Auditor) -> Response:
    return render(request, "audit_verification.html", {"result": audit.verify_chain(session)})
