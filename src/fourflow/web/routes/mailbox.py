"""The development mailbox: mail the platform would have sent, readable in the browser.

Only in the development environment, where invitation links are picked up from here.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fourflow.core.errors import NotFound
from fourflow.core.http import database_session, request_settings
from fourflow.core.pagination import PageRequest
from fourflow.identity.dependencies import optional_principal
from fourflow.identity.principal import Principal
from fourflow.notifications import service as notifications
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
# Resolved only so the navigation shows for a signed-in visitor.
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal, scope="function")]


def _development_only(request: Request) -> None:
    if not request_settings(request).is_development:
        raise NotFound()


@router.get("/mailbox")
def mailbox(request: Request, session: Db, principal: MaybePrincipal, page: int = Query(1, ge=1)) -> Response:
    _development_only(request)
    messages = notifications.mailbox(session, PageRequest(page=page, page_size=25))
    return render(request, "mailbox/list.html", {"messages": messages}, active="mailbox")


@router.get("/mailbox/{message_id}")
def mail_message(request: Request, session: Db, principal: MaybePrincipal, message_id: uuid.UUID) -> Response:
    _development_only(request)
    message = notifications.message(session, message_id)
    if message is None:
        raise NotFound()
    return render(request, "mailbox/message.html", {"message": message}, active="mailbox")

