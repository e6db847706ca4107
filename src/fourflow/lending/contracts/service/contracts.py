"""Stored contracts (issue 7, F4): an accepted offer becomes a numbered contract, rendered from the
offer's terms in the seller's language; the seller signs it with a one-time code sent by mail to the
user who asked for it, from the browser session that asked for it; the platform countersigns at once.

Status: ``awaiting_seller_signature`` → ``awaiting_platform_signature`` → ``signed``. The platform
countersigns in the same transaction as the seller's signature: its keys and its timestamping
authority are local (no call leaves the process), so the countersignature costs tens of
milliseconds and can fail only when the keys are missing, and then the seller's signature rolls
back with it and the seller may simply sign again. A job would add a window in which a contract is
half-signed, and a retry path for it, for no gain; when the TSA becomes an external service (a
port with a circuit breaker), countersigning moves to a job keyed by the contract id, which the
intermediate status already allows for.

Signings of one contract queue on its row lock (``SELECT … FOR UPDATE``): the first signs, the
others then find it signed and are refused with ``contract_already_signed``.

Every change appends an audit event in the same transaction; the signing module audits each
signature with the SHA-256 of the file it produced.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import events, jobs
from fourflow.core.clock import get_clock
from fourflow.core.i18n import LANGUAGES, N_, Language, parse_language, translate
from fourflow.core.money import Money
from fourflow.core.pagination import Page, PageRequest
from fourflow.identity import service as identity
from fourflow.identity.principal import Principal
from fourflow.lending.applications import service as applications
from fourflow.lending.contracts import repository
from fourflow.lending.contracts.errors import (
    ContractAlreadySigned,
    ContractNotFound,
    OfferNotAccepted,
    SellerRegistrationMissing,
    SigningCodeInvalid,
    SigningCodesTooMany,
    SigningNeedsBrowserSession,
)
from fourflow.lending.contracts.events import CONTRACT_COUNTERSIGNED
from fourflow.lending.contracts.models import ContractSigningCode, LendingContract
from fourflow.lending.contracts.service import pki, signing
from fourflow.lending.contracts.service.document import render_contract
from fourflow.lending.contracts.service.terms import ContractFee, ContractTerms, ScheduleRow
from fourflow.lending.insurance import service as insurance
from fourflow.lending.products import CATALOGUE, REPAYMENT_METHOD_LABELS, USE_OF_FUNDS_LABELS, RepaymentMethod
from fourflow.notifications import service as notifications
from fourflow.notifications.mail import MailTransport
from fourflow.tradedata.service import profiles

AWAITING_SELLER = "awaiting_seller_signature"
AWAITING_PLATFORM = "awaiting_platform_signature"
SIGNED = "signed"
LENDER_NAME = "Fourflow Platform Ltd."
CONTRACT_NUMBER_PREFIX = "FF"
# A code is good for as long as signing accepts a confirmation (signing.CONFIRMATION_WINDOW): the
# code is confirmed at the moment of signing.
SIGNING_CODE_VALIDITY = signing.CONFIRMATION_WINDOW
SIGNING_CODE_DIGITS = 6
# Wrong codes a session may enter while a code is open before that code is void: five guesses at
# a million codes.
MAX_FAILED_ATTEMPTS = 5
# Codes a session may have sent for one contract in an hour: bounds the mail sent, and the guesses
# (MAX_FAILED_ATTEMPTS per code) an attacker holding the session gets.
MAX_CODES_PER_HOUR = 5
SEND_SIGNING_CODE_TASK = "contracts:send_signing_code"

ORIGINATION_FEE = N_("Origination fee")
INSURED_BY = N_("{cover} by {insurer}, premium")
GOVERNING_LAW = N_("Laws of the Hong Kong Special Administrative Region")
USE_OF_FUNDS_WITH_PURPOSE = N_("{use_of_funds}: {purpose}")
SIGNING_CODE_SUBJECT = N_("Your code to sign contract {number}")
SIGNING_CODE_BODY = N_(
    "Hello,\n\nYour one-time code to sign financing contract {number} on Fourflow is:\n\n"
    "    {code}\n\nIt is valid until {expires} UTC, and only in the browser where you asked for it. "
    "If you did not ask for it, do not share it and tell your administrator.\n")


@dataclass(frozen=True, slots=True)
class Signer:
    """The seller's user signing, as their browser session authenticated them."""

    organisation_id: uuid.UUID
    organisation_name: str
    user_id: uuid.UUID
    session_id: uuid.UUID
    display_name: str
    email: str
    language: Language


def signer_for(session: Session, principal: Principal) -> Signer:
    """Only a person signed in with a browser signs: the signature is bound to their session."""
    if principal.user_id is None or principal.session_id is None:
        raise SigningNeedsBrowserSession()
    user = identity.get_user(session, principal, principal.user_id)
    return Signer(principal.organisation_id, principal.organisation.name, user.id, principal.session_id,
                  user.display_name, user.email, principal.language)


# ---------------------------------------------------------------- creating


def contract_for_offer(session: Session, context: audit.AuditContext, offer_id: uuid.UUID,
                       language: Language, *, seller_organisation_id: uuid.UUID | None,
                       created_by_user_id: uuid.UUID | None = None) -> tuple[LendingContract, bool]:
    """The contract of an accepted offer and whether this call made it: a second call for the same
    offer returns the first contract unchanged (in the language it was made in)."""
    offer = applications.get_offer(session, offer_id, seller_organisation_id)
    repository.lock_offer_contract(session, offer.id)  # concurrent calls for one offer queue here
    existing = repository.contract_of_offer(session, offer.id)
    if existing is not None:
        return existing, False
    if offer.status != "accepted":
        raise OfferNotAccepted(status=applications.offer_status(offer), field="offer_id")
    if language not in LANGUAGES:
        language = "en"
    now = get_clock().now()
    number = f"{CONTRACT_NUMBER_PREFIX}-{now.year}-{repository.next_contract_number(session):06d}"
    pdf = render_contract(terms_of_offer(session, offer, number, language))
    digest = hashlib.sha256(pdf).hexdigest()
    contract = LendingContract(
        id=uuid.uuid4(), contract_number=number, offer_id=offer.id,
        seller_organisation_id=offer.seller_organisation_id, language=language, status=AWAITING_SELLER,
        pdf=pdf, pdf_sha256=digest, unsigned_sha256=digest, created_by_user_id=created_by_user_id,
        created_at=now, updated_at=now)
    repository.add(session, contract)
    audit.record(session, context, "lending:contract:created", subject_type="lending_contract",
                 subject_id=contract.id, organisation_id=contract.seller_organisation_id, after={
                     "contract_number": number, "offer_id": str(offer.id), "language": language,
                     "status": AWAITING_SELLER, "document_sha256": digest})
    return contract, True


def terms_of_offer(session: Session, offer: Any, contract_number: str, language: Language) -> ContractTerms:
    """What the contract says, all from the offer (amount, rate, APR, fee, schedule), the
    application (purpose) and the seller's registry record (legal name, address, number)."""
    registry = sorted(profiles.registry_records(session, offer.seller_organisation_id),
                      key=lambda record: record.checked_at)
    if not registry:
        raise SellerRegistrationMissing()
    record = registry[-1]
    application = applications.get_application(session, offer.application_id, None)
    currency: str = offer.currency
    product = CATALOGUE[offer.product]
    use_of_funds = translate(USE_OF_FUNDS_LABELS[product.use_of_funds], language)
    if application.purpose:
        use_of_funds = translate(USE_OF_FUNDS_WITH_PURPOSE, language, use_of_funds=use_of_funds,
                                 purpose=application.purpose)
    fee = Money(offer.origination_fee, currency).quantized()
    schedule: dict[str, Any] = offer.schedule
    rows = tuple(ScheduleRow(date.fromisoformat(row["due_on"]), _money(row["principal"]),
                             _money(row["interest"]), _money(row["total"]))
                 for row in schedule["instalments"])
    return ContractTerms(
        contract_number=contract_number, language=language, seller_legal_name=record.legal_name,
        seller_address=record.registered_address, seller_registration_number=record.company_number,
        lender_name=LENDER_NAME, product=offer.product, principal=Money(offer.amount, currency).quantized(),
        annual_interest_rate=Decimal(offer.annual_rate),
        annual_percentage_rate=Decimal(offer.annual_percentage_rate),
        fees=(ContractFee(translate(ORIGINATION_FEE, language), fee),) if fee.amount > 0 else (),
        term_days=offer.tenor_days, disbursement_date=date.fromisoformat(schedule["start_on"]), schedule=rows,
        repayment_method=translate(REPAYMENT_METHOD_LABELS[RepaymentMethod(offer.repayment_method)],
                                   language),
        use_of_funds=use_of_funds, governing_law=translate(GOVERNING_LAW, language),
        insurance=tuple(ContractFee(translate(INSURED_BY, language, cover=translate(
            insurance.COVER_LABELS[quote.cover], language), insurer=quote.insurer),
            Money(quote.premium_amount, currency).quantized())
            for quote in insurance.chosen_quotes(session, offer.id)))


def _money(value: dict[str, str]) -> Money:
    return Money(Decimal(value["amount"]), value["currency"])


# ---------------------------------------------------------------- one-time codes


def signing_code_for(secret: str, code_id: uuid.UUID) -> str:
    """The code of a code row, derived from the platform secret: the mail job rebuilds it, and the
    database never holds it."""
    mac = hmac.new(secret.encode(), f"contract-signing-code:{code_id}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(mac[:8], 'big') % 10**SIGNING_CODE_DIGITS:0{SIGNING_CODE_DIGITS}d}"


def _code_digest(secret: str, code_id: uuid.UUID, code: str) -> str:
    # Keyed: six digits are too few for a plain hash to hide them from someone holding the table.
    return hmac.new(secret.encode(), f"contract-signing-code-digest:{code_id}:{code}".encode(),
                    hashlib.sha256).hexdigest()


def request_signing_code(session: Session, context: audit.AuditContext, contract_id: uuid.UUID,
                         signer: Signer, *, secret: str) -> ContractSigningCode:
    """A new code for the signer, mailed after commit (a job); valid for ``SIGNING_CODE_VALIDITY``,
    once, from this browser session."""
    contract = _contract(session, contract_id, signer.organisation_id)
    if contract.status != AWAITING_SELLER:
        raise ContractAlreadySigned()
    now = get_clock().now()
    if repository.signing_codes_sent_since(session, contract.id, signer.session_id,
                                           now - timedelta(hours=1)) >= MAX_CODES_PER_HOUR:
        raise SigningCodesTooMany(limit=MAX_CODES_PER_HOUR)
    code_id = uuid.uuid4()
    code = ContractSigningCode(
        id=code_id, contract_id=contract.id, user_id=signer.user_id, session_id=signer.session_id,
        recipient=signer.email, language=signer.language,
        code_digest=_code_digest(secret, code_id, signing_code_for(secret, code_id)), created_at=now,
        expires_at=now + SIGNING_CODE_VALIDITY)
    repository.add(session, code)
    audit.record(session, context, "lending:contract:signing_code_sent", subject_type="lending_contract",
                 subject_id=contract.id, organisation_id=contract.seller_organisation_id, after={
                     "code_id": str(code_id), "recipient": signer.email,
                     "expires_at": code.expires_at.isoformat()})
    jobs.enqueue(session, SEND_SIGNING_CODE_TASK, {"code_id": str(code_id)},
                 queueing_lock=f"contract-signing-code:{code_id}")
    return code


def send_signing_code_email(session: Session, transport: MailTransport, code_id: uuid.UUID, *,
                            secret: str) -> None:
    """The job body: idempotent on the code (a retry never sends a second mail); a code already
    used or expired is not sent."""
    code = repository.signing_code(session, code_id)
    if code is None or code.used_at is not None or code.expires_at <= get_clock().now():
        return
    contract = repository.contract(session, code.contract_id, None)
    if contract is None:
        return
    language: Language = parse_language(code.language) or "en"
    subject = translate(SIGNING_CODE_SUBJECT, language, number=contract.contract_number)
    body = translate(SIGNING_CODE_BODY, language, number=contract.contract_number,
                     code=signing_code_for(secret, code.id),
                     expires=code.expires_at.strftime("%Y-%m-%d %H:%M"))
    notifications.send_mail(session, transport, idempotency_key=f"contract-signing-code:{code.id}",
                            recipient=code.recipient, subject=subject, body_text=body, language=language)


# ---------------------------------------------------------------- signing


def sign(session: Session, context: audit.AuditContext, contract_id: uuid.UUID, signer: Signer, code: str,
         *, secret: str) -> LendingContract:
    """The seller signs with a code sent to this user for this browser session; the platform
    countersigns at once. A wrong, used or expired code signs nothing; a wrong one counts against
    the open codes (``MAX_FAILED_ATTEMPTS``)."""
    contract = _contract(session, contract_id, signer.organisation_id, for_update=True)
    if contract.status != AWAITING_SELLER:
        raise ContractAlreadySigned()
    now = get_clock().now()
    candidates = repository.open_signing_codes(session, contract.id, signer.session_id, now,
                                               MAX_FAILED_ATTEMPTS)
    entered = code.strip()
    if not any(candidate.user_id == signer.user_id
               and hmac.compare_digest(candidate.code_digest, _code_digest(secret, candidate.id, entered))
               for candidate in candidates):
        # Counted on every open code, flushed before raising: the API commits the count with the
        # refusal (nothing else changes), so codes cannot be guessed one request at a time.
        repository.count_failed_attempt(session, [candidate.id for candidate in candidates])
        session.flush()
        raise SigningCodeInvalid(field="code")
    signed = signing.sign_as_seller(session, context, contract.pdf, contract_number=contract.contract_number,
                                    signatory=signing.SellerSignatory(
                                        organisation_id=signer.organisation_id,
                                        organisation_name=signer.organisation_name, user_id=signer.user_id,
                                        user_email=signer.email, user_display_name=signer.display_name,
                                        session_id=str(signer.session_id), one_time_code_verified_at=now),
                                    secret=secret)
    repository.use_signing_codes(session, contract.id, now)
    contract.pdf = signed.pdf
    contract.pdf_sha256 = contract.seller_signed_sha256 = signed.sha256
    contract.seller_signer_name = signer.display_name
    contract.seller_signer_user_id = signer.user_id
    contract.seller_certificate_serial = signed.certificate_serial
    contract.seller_signed_at = signed.signed_at
    _move(session, context, contract, AWAITING_PLATFORM, signed.sha256)
    # The platform acts for itself, within the seller's request (same request id in the log).
    _countersign(session, audit.AuditContext.system(context.request_id), contract, secret=secret)
    return contract


def _countersign(session: Session, context: audit.AuditContext, contract: LendingContract, *,
                 secret: str) -> None:
    signed = signing.sign_as_platform(session, context, contract.pdf,
                                      contract_number=contract.contract_number, secret=secret,
                                      seller_organisation_id=contract.seller_organisation_id)
    contract.pdf = signed.pdf
    contract.pdf_sha256 = contract.signed_sha256 = signed.sha256
    contract.platform_signer_name = pki.platform_signer_name(session)
    contract.platform_certificate_serial = signed.certificate_serial
    contract.platform_signed_at = signed.signed_at
    _move(session, context, contract, SIGNED, signed.sha256)
    # Both signatures are present: the loan on this offer may now meet its disbursement conditions.
    events.publish(session, events.DomainEvent(CONTRACT_COUNTERSIGNED, {
        "contract_id": str(contract.id), "offer_id": str(contract.offer_id),
        "seller_organisation_id": str(contract.seller_organisation_id)}, context.request_id))


def _move(session: Session, context: audit.AuditContext, contract: LendingContract, status: str,
          document_sha256: str) -> None:
    before = contract.status
    contract.status = status
    contract.updated_at = get_clock().now()
    session.flush()
    audit.record(session, context, f"lending:contract:{status}", subject_type="lending_contract",
                 subject_id=contract.id, organisation_id=contract.seller_organisation_id,
                 before={"status": before},
                 after={"status": status, "contract_number": contract.contract_number,
                        "document_sha256": document_sha256})


# ---------------------------------------------------------------- reads


def contract_of_offer(session: Session, offer_id: uuid.UUID) -> LendingContract | None:
    """The contract made from the offer, if any (a status read: the file is not loaded)."""
    return repository.contract_of_offer(session, offer_id)


def get_contract(session: Session, contract_id: uuid.UUID,
                 seller_organisation_id: uuid.UUID | None) -> LendingContract:
    return _contract(session, contract_id, seller_organisation_id)


def list_contracts(session: Session, seller_organisation_id: uuid.UUID | None,
                   request: PageRequest) -> Page[LendingContract]:
    return repository.contracts(session, seller_organisation_id, request)


def contract_pdf(session: Session, context: audit.AuditContext, contract_id: uuid.UUID,
                 seller_organisation_id: uuid.UUID | None) -> LendingContract:
    """The contract with its current PDF; platform staff reading a seller's contract is audited."""
    contract = _contract(session, contract_id, seller_organisation_id)
    if context.organisation_id != contract.seller_organisation_id:
        audit.record(session, context, "lending:contract:downloaded", subject_type="lending_contract",
                     subject_id=contract.id, organisation_id=contract.seller_organisation_id,
                     after={"document_sha256": contract.pdf_sha256})
    return contract


def _contract(session: Session, contract_id: uuid.UUID, seller_organisation_id: uuid.UUID | None, *,
              for_update: bool = False) -> LendingContract:
    contract = repository.contract(session, contract_id, seller_organisation_id, for_update=for_update)
    if contract is None:
        raise ContractNotFound()
    return contract
