"""Signing and verifying contracts: PAdES signatures of seller and platform with timestamps from
the platform TSA, checked by our verifier and by pyHanko's own validator; tampered, foreign and
garbage files."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.audit.service import AuditContext
from fourflow.core.clock import FrozenClock, get_clock, set_clock
from fourflow.lending.contracts.errors import SigningConfirmationExpired
from fourflow.lending.contracts.service import certificates, pki, signing
from fourflow.lending.contracts.service.coroutines import run_to_completion
from fourflow.lending.contracts.service.document import render_contract
from fourflow.lending.contracts.service.verification import verify_contract
from tests.conftest import TEST_SECRET_KEY
from tests.lending.contracts.conftest import LI_WEI_ID, LUMEN_ID, flip_byte, sample_terms, signatory

SESSION_SHA256 = hashlib.sha256(b"session-7f3a").hexdigest()


@pytest.fixture
def three_days_ago() -> Iterator[datetime]:
    """Sign on a clock three days behind: the one-hour seller certificate has long expired when
    the contract is verified, and the trusted timestamp still proves it was valid at signing."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    previous = set_clock(FrozenClock(at))
    yield at
    set_clock(previous)


def test_seller_and_platform_signatures_verify_intact_and_trusted(
        session: Session, three_days_ago: datetime, signed_contract: bytes) -> None:
    report = verify_contract(signed_contract, pki.platform_trust_roots(session), language="en")
    assert (report.intact, report.trusted, report.error) == (True, True, None)
    assert report.document_sha256 == hashlib.sha256(signed_contract).hexdigest()
    seller, platform = report.signatures
    assert (seller.field, seller.signer, seller.organisation) == (
        "Seller", "Li Wei", "Shenzhen Lumen Electronics Co., Ltd.")
    assert (platform.field, platform.signer, platform.organisation) == (
        "Platform", "Fourflow Platform Contract Signing", "Fourflow")
    for check in report.signatures:
        assert (check.intact, check.trusted, check.timestamp_trusted) == (True, True, True)
        assert check.timestamp_at == three_days_ago
        assert check.signed_at is not None
        assert check.location == "Fourflow"
    assert (seller.coverage, seller.modifications) == ("entire_revision", "form_filling")
    assert (platform.coverage, platform.modifications) == ("entire_file", "none")
    assert seller.contact_info == "owner@lumen.demo"
    assert seller.reason == (f"Seller accepts contract FF-2026-000123; user {LI_WEI_ID}; "
                             f"session sha256:{SESSION_SHA256}; one-time code confirmed "
                             f"{(three_days_ago - timedelta(minutes=2)).isoformat()}")
    assert platform.reason == "Lender signs contract FF-2026-000123"


def test_pyhanko_validates_both_signatures(session: Session, signed_contract: bytes) -> None:
    roots = pki.platform_trust_roots(session)
    context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
    embedded = PdfFileReader(io.BytesIO(signed_contract)).embedded_signatures
    assert [signature.field_name for signature in embedded] == ["Seller", "Platform"]
    for signature in embedded:
        status = run_to_completion(async_validate_pdf_signature(signature, context,
                                                                ts_validation_context=context))
        assert (status.intact, status.valid, status.trusted, status.bottom_line) == (True, True, True, True)
        assert status.timestamp_validity is not None
        assert status.timestamp_validity.trusted is True
        assert str(signature.sig_object["/SubFilter"]) == "/ETSI.CAdES.detached"


def test_the_seller_certificate_names_the_organisation_and_the_person(seller_signed: signing.SignedContract
                                                                     ) -> None:
    signature = PdfFileReader(io.BytesIO(seller_signed.pdf)).embedded_signatures[0]
    certificate = x509.load_der_x509_certificate(signature.signer_cert.dump())
    assert certificate.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == str(LI_WEI_ID)
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "Shenzhen Lumen Electronics Co., Ltd.")
    alternative = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert alternative.get_values_for_type(x509.RFC822Name) == ["owner@lumen.demo"]
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime == timedelta(hours=1, minutes=5)
    assert f"{certificate.serial_number:x}" == seller_signed.certificate_serial
    assert str(signature.sig_object["/Prop_AuthType"]) == "PIN"
    assert int(signature.sig_object["/Prop_AuthTime"]) == 120


def test_signing_is_audited_with_the_file_digest(session: Session, three_days_ago: datetime,
                                                 seller_signed: signing.SignedContract,
                                                 signed_contract: bytes) -> None:
    rows = session.execute(text(
        "SELECT subject_id, organisation_id, after FROM audit_events WHERE action = 'contracts.signed' "
        "ORDER BY sequence")).all()
    assert [(row.subject_id, row.organisation_id) for row in rows] == [("FF-2026-000123", LUMEN_ID)] * 2
    seller, platform = (row.after for row in rows)
    assert seller == {"field": "Seller", "document_sha256": seller_signed.sha256,
                      "certificate_serial": seller_signed.certificate_serial, "user_id": str(LI_WEI_ID),
                      "session_sha256": SESSION_SHA256,
                      "one_time_code_verified_at": (three_days_ago - timedelta(minutes=2)).isoformat()}
    assert seller_signed.sha256 == hashlib.sha256(seller_signed.pdf).hexdigest()
    assert platform["field"] == "Platform"
    assert platform["document_sha256"] == hashlib.sha256(signed_contract).hexdigest()


def test_a_stale_one_time_code_is_refused(session: Session, platform_pki: list[str]) -> None:
    with pytest.raises(SigningConfirmationExpired):
        signing.sign_as_seller(session, AuditContext.system(), render_contract(sample_terms()),
                               contract_number="FF-2026-000123", signatory=signatory(verified_minutes_ago=11),
                               secret=TEST_SECRET_KEY)
    future = signatory(verified_minutes_ago=-5)
    with pytest.raises(SigningConfirmationExpired):
        signing.sign_as_seller(session, AuditContext.system(), render_contract(sample_terms()),
                               contract_number="FF-2026-000123", signatory=future, secret=TEST_SECRET_KEY)


def test_flipping_one_signed_byte_breaks_verification(session: Session, signed_contract: bytes) -> None:
    tampered = flip_byte(signed_contract, b"/Title (")
    report = verify_contract(tampered, pki.platform_trust_roots(session), language="en")
    assert (report.intact, report.error_code) == (False, "signature_broken")
    assert report.error == "A signature does not match the signed bytes: the file was altered after signing."
    assert [(check.field, check.intact) for check in report.signatures] == [("Seller", False),
                                                                            ("Platform", False)]
    status = run_to_completion(async_validate_pdf_signature(
        PdfFileReader(io.BytesIO(tampered)).embedded_signatures[1],
        ValidationContext(trust_roots=pki.platform_trust_roots(session))))
    assert (status.intact, status.bottom_line) == (False, False)


def test_bytes_added_after_the_last_signature_are_noticed(session: Session, signed_contract: bytes) -> None:
    report = verify_contract(signed_contract + b"\n% appended\n", pki.platform_trust_roots(session),
                             language="en")
    assert (report.intact, report.error_code) == (False, "not_covered")
    assert [check.intact for check in report.signatures] == [True, True]


def _foreign_signed_pdf() -> tuple[bytes, certificates.KeyPair]:
    """A contract signed with a CA of someone else's, with that CA's own TSA."""
    now = get_clock().now()
    root = certificates.new_root_ca(now)
    signer_keys = certificates.new_seller_signing(root, now, organisation_name="Elsewhere Ltd.",
                                                  display_name="Eve", user_id=uuid.uuid4(),
                                                  email="eve@example.com")
    tsa = certificates.new_timestamping(root, now)
    chain = SimpleCertificateStore.from_certs([root.asn1_certificate()])
    out = run_to_completion(signers.async_sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(render_contract(sample_terms()))),
        signers.PdfSignatureMetadata(field_name="Sig1", subfilter=SigSeedSubFilter.PADES,
                                     md_algorithm="sha256"),
        signer=signers.SimpleSigner(signing_cert=signer_keys.asn1_certificate(),
                                    signing_key=signer_keys.asn1_private_key(), cert_registry=chain),
        timestamper=timestamps.DummyTimeStamper(tsa_cert=tsa.asn1_certificate(),
                                                tsa_key=tsa.asn1_private_key(), certs_to_embed=chain)))
    return out.getvalue(), root


def test_a_pdf_signed_elsewhere_is_intact_but_not_trusted(session: Session, platform_pki: list[str]) -> None:
    foreign, foreign_root = _foreign_signed_pdf()
    report = verify_contract(foreign, pki.platform_trust_roots(session), language="en")
    assert (report.intact, report.trusted, report.error) == (True, False, None)
    (check,) = report.signatures
    assert (check.field, check.signer, check.organisation) == ("Sig1", "Eve", "Elsewhere Ltd.")
    assert (check.intact, check.trusted, check.timestamp_trusted, check.coverage) == (
        True, False, False, "entire_file")
    trusting_it = verify_contract(foreign, [foreign_root.asn1_certificate()], language="en")
    assert (trusting_it.intact, trusting_it.trusted) == (True, True)


@pytest.mark.parametrize(("content", "code", "message"), [
    (b"", "not_a_pdf", "This file is not a PDF that can be read."),
    (b"garbage \x00\xff not a pdf", "not_a_pdf", "This file is not a PDF that can be read."),
    (b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF", "not_a_pdf",
     "This file is not a PDF that can be read."),
])
def test_garbage_is_reported_never_raised(content: bytes, code: str, message: str) -> None:
    report = verify_contract(content, [], language="en")
    assert report.as_json() == {"intact": False, "trusted": False,
                                "document_sha256": hashlib.sha256(content).hexdigest(), "signatures": [],
                                "error_code": code, "error": message}


def test_an_unsigned_contract_is_not_intact() -> None:
    report = verify_contract(render_contract(sample_terms()), [], language="en")
    assert (report.intact, report.error_code, report.error) == (False, "no_signatures",
                                                                "This PDF carries no signature.")
