"""The public page where an invitee chooses a password and joins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from fourflow.core.errors import FourflowError
from fourflow.core.http import client_ip, database_session, request_id
from fourflow.core.i18n import current_language
from fourflow.identity import service as identity
from fourflow.identity.schemas import InvitationAccept
from fourflow.web.forms import attempt, field_errors, parse_form
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]


def _page(request: Request, session: Session, token: str, *, values: dict[str, str],
          errors: dict[str, str], status_code: int = 200) -> Response:
    try:
        invitation, organisation = identity.open_invitation_for_token(session, token)
    except FourflowError as error:
        return render(request, "invitations/invalid.html",
                      {"message": error.localised(current_language())},
                      status_code=error.http_status)
    return render(request, "invitations/accept.html", {
        "invitation": invitation, "organisation": organisation, "token": token,
        "values": values, "errors": errors}, status_code=status_code)


@router.get("/invitations/{token}")
def accept_form(request: Request, session: Db, token: str) -> Response:
    return _page(request, session, token, values={}, errors={})


@router.post("/invitations/{token}")
async def accept(request: Request, session: Db, token: str) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in ("display_name", "password")}
    data, errors = parse_form(InvitationAccept, values)
    if data is None:
        return _page(request, session, token, values=values, errors=errors, status_code=422)
    user, error = attempt(session, lambda: identity.accept_invitation(
        session, token, data, request_id=request_id(request), ip_address=client_ip(request)))
    if error is not None:
        return _page(request, session, token, values=values, errors=field_errors(error),
                     status_code=error.http_status)
    return RedirectResponse(f"/login?joined=1&email={user.email if user else ''}", status_code=303)
