"""Contract API: anyone may verify a signed contract (no sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.http import database_session
from fourflow.core.i18n import current_language
from fourflow.lending.contracts.schemas import ContractVerificationOut
from fourflow.lending.contracts.service import pki, verification

router = APIRouter(prefix="/api/v1/contracts", tags=["contracts"])
Db = Annotated[Session, Depends(database_session, scope="function")]


@router.post("/verify", response_model=ContractVerificationOut)
async def verify(session: Db, file: Annotated[UploadFile, File(description="The signed contract PDF")]
                 ) -> ContractVerificationOut:
    """Check a signed PDF: signers, signing and timestamp times, whether the signed bytes are intact
    and whether each signer chains to the platform CA. Nothing is stored."""
    data = await file.read(verification.MAX_CONTRACT_BYTES + 1)
    verification.check_size(len(data))
    language = current_language()

    def check() -> ContractVerificationOut:
        report = verification.verify_contract(data, pki.platform_trust_roots(session), language=language)
        return ContractVerificationOut.model_validate(report.as_json())

    return await run_in_threadpool(check)
