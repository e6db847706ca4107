"""Contract API: anyone may verify a signed contract (no sign-in); sellers make contracts from their
accepted offers, ask for a one-time code and sign (the platform countersigns at once), and download
the PDF. Sellers see their own contracts only (others' are 404); platform staff with
``platform:lending:contracts:read`` read every seller's."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.errors import PermissionDenied
from fourflow.core.http import Paging, database_session, request_settings
from fourflow.core.i18n import current_language
from fourflow.core.pagination import PageOut
from fourflow.core.settings import Settings
from fourflow.identity.dependencies import require
from fourflow.identity.principal import Principal
from fourflow.identity.roles import Permission
from fourflow.lending.contracts.errors import SigningCodeInvalid
from fourflow.lending.contracts.models import LendingContract
from fourflow.lending.contracts.schemas import (
    ContractIn,
    ContractOut,
    ContractVerificationOut,
    SignIn,
    SigningCodeOut,
)
from fourflow.lending.contracts.service import contracts, pki, verification

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


# ---------------------------------------------------------------- stored contracts

lending_router = APIRouter(prefix="/api/v1/lending/contracts", tags=["lending"])
Signer = Annotated[Principal, Depends(require(Permission.REQUEST_CREDIT_DECISION))]
Reader = Annotated[Principal, Depends(require())]
AppSettings = Annotated[Settings, Depends(request_settings)]




def _readable_seller(principal: Principal) -> uuid.UUID | None:
    """Platform staff with the permission read every seller's contracts; a seller its own."""
    if principal.can(Permission.READ_ALL_CONTRACTS):
        return None
    if principal.can(Permission.REQUEST_CREDIT_DECISION):
        return principal.organisation_id
    raise PermissionDenied()


@lending_router.get("", response_model=PageOut[ContractOut])
def list_contracts(session: Db, principal: Reader, paging: Paging) -> PageOut[ContractOut]:
    """The seller's contracts (platform staff: everyone's), newest first."""
    page = contracts.list_contracts(session, _readable_seller(principal), paging)
    return PageOut.of(page.map(contract_out))


@lending_router.post("", response_model=ContractOut, status_code=201)
def create_contract(session: Db, principal: Signer, body: ContractIn, response: Response) -> ContractOut:
    """The contract of an accepted offer (201); asking again returns the same contract (200)."""
    contract, created = contracts.contract_for_offer(
        session, principal.audit_context(), body.offer_id, body.language or principal.language,
        seller_organisation_id=principal.organisation_id, created_by_user_id=principal.user_id)
    if not created:
        response.status_code = 200
    return contract_out(contract)


@lending_router.get("/{contract_id}", response_model=ContractOut)
def get_contract(session: Db, principal: Reader, contract_id: uuid.UUID) -> ContractOut:
    return contract_out(contracts.get_contract(session, contract_id, _readable_seller(principal)))


@lending_router.post("/{contract_id}/signing-code", response_model=SigningCodeOut, status_code=201)
def request_signing_code(session: Db, principal: Signer, settings: AppSettings,
                         contract_id: uuid.UUID) -> SigningCodeOut:
    """Mail a one-time code to the signed-in user; it signs this contract from this browser session
    within ten minutes, once."""
    code = contracts.request_signing_code(session, principal.audit_context(), contract_id,
                                          contracts.signer_for(session, principal),
                                          secret=settings.security.secret_key.get_secret_value())
    return SigningCodeOut(contract_id=code.contract_id, sent_to=code.recipient, expires_at=code.expires_at)


@lending_router.post("/{contract_id}/sign", response_model=ContractOut,
                     responses={422: {"description": "signing_code_invalid"}})
def sign_contract(session: Db, principal: Signer, settings: AppSettings, contract_id: uuid.UUID,
                  body: SignIn) -> ContractOut | JSONResponse:
    """Sign with the one-time code; the platform countersigns at once and the contract is signed.
    After five wrong codes the open code is void: ask for a new one."""
    try:
        contract = contracts.sign(session, principal.audit_context(), contract_id,
                                  contracts.signer_for(session, principal), body.code,
                                  secret=settings.security.secret_key.get_secret_value())
    except SigningCodeInvalid as refused:
        # Answered, not raised, so the request commits the count of wrong codes (as sign-in does).
        return JSONResponse({"error": refused.code, "detail": refused.detail(current_language())},
                            status_code=refused.http_status)
    return contract_out(contract)


@lending_router.get("/{contract_id}/pdf", response_class=Response,
                    responses={200: {"content": {"application/pdf": {}}}})
def download_contract(session: Db, principal: Reader, contract_id: uuid.UUID) -> Response:
    """The current PDF: unsigned, signed by the seller, or signed by both."""
    contract = contracts.contract_pdf(session, principal.audit_context(), contract_id,
                                      _readable_seller(principal))
    return Response(content=contract.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{contract.contract_number}.pdf"',
        "X-Content-SHA256": contract.pdf_sha256})


def contract_out(contract: LendingContract) -> ContractOut:
    return ContractOut(
        id=contract.id, contract_number=contract.contract_number, offer_id=contract.offer_id,
        seller_id=contract.seller_organisation_id, language=contract.language, status=contract.status,
        pdf_sha256=contract.pdf_sha256, unsigned_sha256=contract.unsigned_sha256,
        seller_signed_sha256=contract.seller_signed_sha256, signed_sha256=contract.signed_sha256,
        seller_signer_name=contract.seller_signer_name, seller_signed_at=contract.seller_signed_at,
        platform_signer_name=contract.platform_signer_name, platform_signed_at=contract.platform_signed_at,
        created_at=contract.created_at, updated_at=contract.updated_at)
