"""Verifying a signed contract, offline, for anyone: are the signed bytes intact, and does each
signer chain to the platform CA? Integrity and trust are reported separately, so a PDF signed
elsewhere is still checked for integrity.

Each signature is validated with pyHanko (no fetching, revocation soft-fail). When its timestamp
is trusted, the signer's certificate is validated as of the timestamp's time: a seller's
certificate lives one hour, and the trusted timestamp proves the signature was made while it was
valid. The overall verdict is intact only when there is at least one signature, every signature
is intact, no signature saw changes after it beyond what signing allows, and the last signature
covers the entire file. Nothing here raises on bad input: a file that is no PDF is reported as
not intact, with a reason in the asked language.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from fourflow.core.i18n import N_, Language, current_language, translate
from fourflow.lending.contracts.errors import ContractFileTooLarge
from fourflow.lending.contracts.service.coroutines import run_to_completion

NOT_A_PDF = N_("This file is not a PDF that can be read.")
NO_SIGNATURES = N_("This PDF carries no signature.")
SIGNATURE_BROKEN = N_("A signature does not match the signed bytes: the file was altered after signing.")
CHANGED_AFTER_SIGNING = N_("The file was changed after it was signed, beyond adding signatures.")
NOT_COVERED = N_("The last signature does not cover the whole file: something was added after it.")
SIGNATURE_UNREADABLE = N_("This signature cannot be read.")
ERROR_CODES = {NOT_A_PDF: "not_a_pdf", NO_SIGNATURES: "no_signatures", SIGNATURE_BROKEN: "signature_broken",
               CHANGED_AFTER_SIGNING: "changed_after_signing", NOT_COVERED: "not_covered"}

# pyHanko logs a traceback for every certificate it cannot chain to a trust root; for a PDF
# signed elsewhere that is the expected answer, reported as trusted: false, not an error.
_QUIET_LOGGERS = ("pyhanko.sign.validation.generic_cms", "pyhanko.sign.validation.pdf_embedded",
                  "pyhanko_certvalidator")
_quiet: ContextVar[bool] = ContextVar("quiet_pyhanko_validation", default=False)


class _WhileVerifying(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _quiet.get()


_FILTER = _WhileVerifying()
for _name in _QUIET_LOGGERS:
    logging.getLogger(_name).addFilter(_FILTER)


@contextlib.contextmanager
def _quiet_validation_logs() -> Iterator[None]:
    # A context variable, not a logger setting: concurrent requests in other threads keep their logs.
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    field: str
    signer: str | None
    organisation: str | None
    signed_at: datetime | None
    timestamp_at: datetime | None
    intact: bool
    trusted: bool
    timestamp_trusted: bool
    coverage: str
    modifications: str | None
    reason: str | None
    contact_info: str | None
    location: str | None
    certificate_serial: str | None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "signer": self.signer, "organisation": self.organisation,
                "signed_at": _iso(self.signed_at), "timestamp_at": _iso(self.timestamp_at),
                "intact": self.intact, "trusted": self.trusted, "timestamp_trusted": self.timestamp_trusted,
                "coverage": self.coverage, "modifications": self.modifications, "reason": self.reason,
                "contact_info": self.contact_info, "location": self.location,
                "certificate_serial": self.certificate_serial, "error": self.error}


@dataclass(frozen=True, slots=True)
class VerificationReport:
    intact: bool
    trusted: bool
    document_sha256: str
    signatures: tuple[SignatureCheck, ...] = field(default_factory=tuple)
    error_code: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"intact": self.intact, "trusted": self.trusted, "document_sha256": self.document_sha256,
                "signatures": [signature.as_json() for signature in self.signatures],
                "error_code": self.error_code, "error": self.error}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def verify_contract(pdf: bytes, trust_roots: Sequence[asn1_x509.Certificate], *,
                    language: Language | None = None) -> VerificationReport:
    language = language or current_language()
    digest = hashlib.sha256(pdf).hexdigest()

    def failed(message: str, checks: tuple[SignatureCheck, ...] = ()) -> VerificationReport:
        trusted = bool(checks) and all(check.trusted for check in checks)
        return VerificationReport(False, trusted, digest, checks, ERROR_CODES[message],
                                  translate(message, language))

    with _quiet_validation_logs():
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            embedded = sorted(reader.embedded_regular_signatures, key=lambda sig: sig.signed_revision)
        except Exception:  # noqa: BLE001 - any parse failure of untrusted input means "not a PDF"
            return failed(NOT_A_PDF)
        if not embedded:
            return failed(NO_SIGNATURES)
        checks = tuple(_check(signature, list(trust_roots), language) for signature in embedded)
    if not all(check.intact for check in checks):
        return failed(SIGNATURE_BROKEN, checks)
    if any(check.modifications == "other" for check in checks):
        return failed(CHANGED_AFTER_SIGNING, checks)
    if checks[-1].coverage != "entire_file":
        return failed(NOT_COVERED, checks)
    return VerificationReport(True, all(check.trusted for check in checks), digest, checks)


def _context(trust_roots: list[asn1_x509.Certificate], moment: datetime | None = None) -> ValidationContext:
    return ValidationContext(trust_roots=trust_roots, allow_fetching=False, revocation_mode="soft-fail",
                             moment=moment)


def _check(signature: EmbeddedPdfSignature, trust_roots: list[asn1_x509.Certificate],
           language: Language) -> SignatureCheck:
    name = str(signature.field_name)
    try:
        now = _context(trust_roots)
        status = run_to_completion(async_validate_pdf_signature(signature, now, ts_validation_context=now))
        timestamp = status.timestamp_validity
        if not status.trusted and timestamp is not None and timestamp.trusted:
            status = run_to_completion(async_validate_pdf_signature(
                signature, _context(trust_roots, timestamp.timestamp), ts_validation_context=now))
        return _from_status(name, signature, status)
    except Exception:  # noqa: BLE001 - a malformed signature is reported, never raised
        return SignatureCheck(field=name, signer=None, organisation=None, signed_at=None, timestamp_at=None,
                              intact=False, trusted=False, timestamp_trusted=False, coverage="unclear",
                              modifications=None, reason=None, contact_info=None, location=None,
                              certificate_serial=None, error=translate(SIGNATURE_UNREADABLE, language))


def _from_status(name: str, signature: EmbeddedPdfSignature, status: PdfSignatureStatus) -> SignatureCheck:
    subject = status.signing_cert.subject.native
    timestamp = status.timestamp_validity
    coverage = status.coverage or SignatureCoverageLevel.UNCLEAR
    level = status.modification_level
    return SignatureCheck(
        field=name, signer=subject.get("common_name"), organisation=subject.get("organization_name"),
        signed_at=signature.self_reported_timestamp,
        timestamp_at=timestamp.timestamp if timestamp is not None else None,
        intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
        timestamp_trusted=bool(timestamp is not None and timestamp.intact and timestamp.valid
                               and timestamp.trusted),
        coverage=coverage.name.lower(), modifications=level.name.lower() if level is not None else None,
        reason=_text(signature, "/Reason"), contact_info=_text(signature, "/ContactInfo"),
        location=_text(signature, "/Location"),
        certificate_serial=f"{status.signing_cert.serial_number:x}")


def _text(signature: EmbeddedPdfSignature, key: str) -> str | None:
    value = signature.sig_object.get(key)
    return str(value) if value is not None else None


# A signed contract is a few hundred kilobytes; anything this large is not one.
MAX_CONTRACT_BYTES = 20 * 1_048_576


def check_size(size: int) -> None:
    if size > MAX_CONTRACT_BYTES:
        raise ContractFileTooLarge(limit_megabytes=MAX_CONTRACT_BYTES // 1_048_576)
