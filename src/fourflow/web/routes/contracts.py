"""Verify a signed contract in the browser: a public page (no sign-in), since anyone holding a
contract may want to check it. Nothing is stored and nothing changes, so the form needs no CSRF
token; the file is read up to the size limit and checked in the thread pool."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from fourflow.core.errors import FourflowError
from fourflow.core.http import database_session
from fourflow.core.i18n import current_language
from fourflow.identity.dependencies import optional_principal
from fourflow.identity.principal import Principal
from fourflow.lending.contracts.errors import ContractFileMissing
from fourflow.lending.contracts.service import pki, verification
from fourflow.web.templating import render

router = APIRouter(include_in_schema=False)
Db = Annotated[Session, Depends(database_session, scope="function")]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal, scope="function")]
LIMIT_MEGABYTES = verification.MAX_CONTRACT_BYTES // 1_048_576


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, "contracts_verify.html", {"limit_megabytes": LIMIT_MEGABYTES, **context},
                  status_code=status_code)


@router.get("/contracts/verify")
def verify_form(request: Request, principal: MaybePrincipal) -> Response:
    return _page(request, {})


@router.post("/contracts/verify")
async def verify(request: Request, session: Db, principal: MaybePrincipal) -> Response:
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ContractFileMissing()
        data = await upload.read(verification.MAX_CONTRACT_BYTES + 1)
        verification.check_size(len(data))
    except FourflowError as error:
        return _page(request, {"error": error.localised(current_language())}, error.http_status)
    language = current_language()
    report = await run_in_threadpool(
        lambda: verification.verify_contract(data, pki.platform_trust_roots(session), language=language))
    return _page(request, {"report": report, "filename": upload.filename})
