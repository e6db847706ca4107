"""The seller's funds: balances by account and currency, and the latest movements."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from fourflow.core.http import database_session
from fourflow.core.pagination import PageRequest
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.ledger import service as ledger
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
Reader = Annotated[Principal, Depends(require(Permission.READ_LEDGER))]
# The accounts people look for first.
FIRST_SHOWN = ["seller:wallet", "funder:available", "seller:collections", "funder:deployed"]


@router.get("/funds")
def funds(request: Request, session: Db, principal: Reader,
          account: uuid.UUID | None = None, page: int = Query(1, ge=1)) -> Response:
    accounts = sorted(ledger.list_accounts(session, principal.organisation_id,
                                           PageRequest(page=1, page_size=200)).items,
                      key=lambda item: (FIRST_SHOWN.index(item.code) if item.code in FIRST_SHOWN
                                        else len(FIRST_SHOWN), item.code, item.currency))
    balances = [(item, ledger.balance(session, item)) for item in accounts]
    selected = next((item for item in accounts if item.id == account), accounts[0] if accounts else None)
    movements = ledger.account_postings(session, selected, PageRequest(page=page, page_size=20)) \
        if selected is not None else None
    return render(request, "funds.html", {"balances": balances, "selected": selected,
                                          "movements": movements}, active="funds")
