"""Signing a contract: PAdES signatures (pyHanko, SHA-256) in the visible fields 'Seller' and
'Platform' on the last page, each with an RFC 3161 timestamp from the platform's TSA.

The seller signs first (accepting the offer), the platform countersigns; each signature is an
incremental update, so the earlier one stays intact. Each signing is audited with the SHA-256 of
the signed file.

How a seller's signature is bound to a person, their session and the one-time code:

* the certificate is issued by the platform CA for this one signing, at the moment of signing, and
  names the seller organisation (O), the person (CN) and their user id (UID), with their e-mail
  as alternative name;
* the signature dictionary, which the signature itself covers, carries the binding: /Reason names
  the contract, the user id, the SHA-256 of the session id and when the one-time code was
  confirmed; /ContactInfo the e-mail; /Prop_AuthType PIN (a one-time code) and /Prop_AuthTime the
  seconds between the code's confirmation and the signature;
* the code must have been confirmed within ``CONFIRMATION_WINDOW`` before signing.

The code itself is checked by the application flow before this is called.
"""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import cms, core, tsp  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import general, signers, timestamps
from pyhanko.sign.fields import SigAuthType, SigFieldSpec, SigSeedSubFilter
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.lending.contracts.errors import SigningConfirmationExpired
from fourflow.lending.contracts.service import certificates, pki
from fourflow.lending.contracts.service.certificates import KeyPair
from fourflow.lending.contracts.service.coroutines import run_to_completion
from fourflow.lending.contracts.service.document import PLATFORM_SIGNATURE_BOX, SELLER_SIGNATURE_BOX

SELLER_FIELD = "Seller"
PLATFORM_FIELD = "Platform"
CONFIRMATION_WINDOW = timedelta(minutes=10)
# The visible stamp: ASCII only, since the stamp's standard font has no Chinese glyphs; the names
# of the parties are printed above each box by the template.
STAMP_STYLE = TextStampStyle(stamp_text="Signed electronically (PAdES)\n%(ts)s", border_width=0)


@dataclass(frozen=True, slots=True)
class SellerSignatory:
    """The person signing for a seller, as the application flow authenticated them."""

    organisation_id: uuid.UUID
    organisation_name: str
    user_id: uuid.UUID
    user_email: str
    user_display_name: str
    session_id: str
    one_time_code_verified_at: datetime


@dataclass(frozen=True, slots=True)
class SignedContract:
    pdf: bytes
    sha256: str
    field: str
    certificate_serial: str
    signed_at: datetime


def sign_as_seller(session: Session, context: AuditContext, pdf: bytes, *, contract_number: str,
                   signatory: SellerSignatory, secret: str) -> SignedContract:
    now = get_clock().now()
    verified_at = signatory.one_time_code_verified_at
    if verified_at.tzinfo is None or not now - CONFIRMATION_WINDOW <= verified_at <= now:
        raise SigningConfirmationExpired()
    keys = pki.platform_key_pairs(session, (pki.ROOT_CA, pki.TIMESTAMPING), secret=secret)
    root, tsa = keys[pki.ROOT_CA], keys[pki.TIMESTAMPING]
    signer = certificates.new_seller_signing(
        root, now, organisation_name=signatory.organisation_name, display_name=signatory.user_display_name,
        user_id=signatory.user_id, email=signatory.user_email)
    session_sha256 = hashlib.sha256(signatory.session_id.encode()).hexdigest()
    verified_text = verified_at.isoformat(timespec="seconds")
    metadata = signers.PdfSignatureMetadata(
        field_name=SELLER_FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        name=signatory.user_display_name, contact_info=signatory.user_email, location="Fourflow",
        reason=(f"Seller accepts contract {contract_number}; user {signatory.user_id}; "
                f"session sha256:{session_sha256}; one-time code confirmed {verified_text}"),
        prop_auth_type=SigAuthType.PIN, prop_auth_time=int((now - verified_at).total_seconds()))
    signed = _sign(pdf, metadata, SELLER_SIGNATURE_BOX, signer, root, tsa, now)
    result = SignedContract(signed, hashlib.sha256(signed).hexdigest(), SELLER_FIELD,
                            certificates.serial_text(signer.certificate), now)
    _audit(session, context, contract_number, result, signatory.organisation_id, {
        "user_id": str(signatory.user_id), "session_sha256": session_sha256,
        "one_time_code_verified_at": verified_text})
    return result


def sign_as_platform(session: Session, context: AuditContext, pdf: bytes, *, contract_number: str,
                     secret: str, seller_organisation_id: uuid.UUID | None = None) -> SignedContract:
    now = get_clock().now()
    keys = pki.platform_key_pairs(session, pki.PURPOSES, secret=secret)
    root, tsa, signer = keys[pki.ROOT_CA], keys[pki.TIMESTAMPING], keys[pki.PLATFORM_SIGNING]
    metadata = signers.PdfSignatureMetadata(
        field_name=PLATFORM_FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        location="Fourflow", reason=f"Lender signs contract {contract_number}")
    signed = _sign(pdf, metadata, PLATFORM_SIGNATURE_BOX, signer, root, tsa, now)
    result = SignedContract(signed, hashlib.sha256(signed).hexdigest(), PLATFORM_FIELD,
                            certificates.serial_text(signer.certificate), now)
    _audit(session, context, contract_number, result, seller_organisation_id, {})
    return result


def _sign(pdf: bytes, metadata: signers.PdfSignatureMetadata, box: tuple[float, float, float, float],
          signer_keys: KeyPair, root: KeyPair, tsa: KeyPair, now: datetime) -> bytes:
    chain = SimpleCertificateStore.from_certs([root.asn1_certificate()])  # type: ignore[no-untyped-call]
    certificate = signer_keys.asn1_certificate()
    signer = signers.SimpleSigner(signing_cert=certificate, signing_key=signer_keys.asn1_private_key(),
                                  cert_registry=chain)
    # The platform's own TSA (a real RFC 3161 token signed by the TSA key), on the process clock.
    timestamper = PlatformTimeStamper(tsa, chain, now)
    left, bottom, right, top = (round(side) for side in box)
    field = SigFieldSpec(sig_field_name=str(metadata.field_name), on_page=-1, box=(left, bottom, right, top))
    pdf_signer = signers.PdfSigner(metadata, signer=signer, timestamper=timestamper, stamp_style=STAMP_STYLE,
                                   new_field_spec=field)
    # pyHanko sizes the space for the signature by making a whole trial signature (a third of the
    # work); a signature of the same shape needs the same space, so it is sized once per shape.
    shape = (len(certificate.dump()), hashlib.sha256(root.certificate_pem().encode()
                                                             + tsa.certificate_pem().encode()).digest(),
             str(metadata.md_algorithm))
    reserved = _RESERVED_BY_SHAPE.get(shape)
    output = run_to_completion(pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)),
                                                         bytes_reserved=reserved))
    signed: bytes = output.getvalue()
    if reserved is None and len(_RESERVED_BY_SHAPE) < MAX_SIGNATURE_SHAPES:
        _RESERVED_BY_SHAPE[shape] = _reserved_space(signed)
    return signed


# The space pyHanko reserved for a signature (hex digits, its own estimate with its 50 % margin), by
# the shape of the signature: the length of the signing certificate, the CA and TSA certificates
# and the digest algorithm (the rest of the CMS object is the same size every time).
_RESERVED_BY_SHAPE: dict[tuple[int, bytes, str], int] = {}
MAX_SIGNATURE_SHAPES = 1024


def _reserved_space(signed: bytes) -> int:
    """The hex digits between ``<`` and ``>`` of the newest signature's /Contents."""
    newest = PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1]
    byte_range = newest.sig_object["/ByteRange"]
    return int(byte_range[2]) - int(byte_range[1]) - 2


class PlatformTimeStamper(timestamps.DummyTimeStamper):
    """pyHanko's in-process TSA (an RFC 3161 token signed with the TSA key, at ``at``), made cheap
    to call per signing; the tokens are the same:

    * it signs with the TSA key already loaded (pyHanko's loads the DER again for every token, and
      loading an RSA key checks it: tens of milliseconds);
    * it answers a parsed token (the DER of the one built), whose parts asn1crypto copies and
      encodes again by their stored bytes, where a token built from values is encoded afresh each
      time pyHanko copies it into the signature (both to size it and to sign);
    * the token pyHanko makes to size the signature's reserved space (a sample, never embedded) is
      made once per TSA certificate and digest algorithm in the process, not for every signing.
    """

    def __init__(self, tsa: KeyPair, chain: SimpleCertificateStore, at: datetime) -> None:
        if not isinstance(tsa.private_key, rsa.RSAPrivateKey):
            raise TypeError("the timestamping key must be RSA")
        super().__init__(tsa_cert=tsa.asn1_certificate(), tsa_key=tsa.asn1_private_key(),
                         certs_to_embed=chain, fixed_dt=at)
        self._tsa_private_key = tsa.private_key

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                       dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
        # pyHanko's DummyTimeStamper._sign_tst_info, with the loaded key.
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            _attribute("content_type", "tst_info"),
            _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            _attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            _attribute("message_digest", digest.finalize())])
        signature = self._tsa_private_key.sign(signed_attrs.dump(), PKCS1v15(),
                                               get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        built = super().request_tsa_response(req)
        return tsp.TimeStampResp.load(built.dump())

    async def async_dummy_response(self, md_algorithm: str) -> cms.ContentInfo:
        key = (self.tsa_cert.dump(), md_algorithm)
        sample = _TIMESTAMP_SAMPLES.get(key)
        if sample is None:
            sample = await super().async_dummy_response(md_algorithm)
            with _TIMESTAMP_SAMPLES_LOCK:
                _TIMESTAMP_SAMPLES.setdefault(key, sample)
        else:
            self._register_dummy(md_algorithm, sample)  # type: ignore[no-untyped-call]
        return sample


# The sizing samples of PlatformTimeStamper, per TSA certificate (DER) and digest algorithm.
_TIMESTAMP_SAMPLES: dict[tuple[bytes, str], cms.ContentInfo] = {}
_TIMESTAMP_SAMPLES_LOCK = threading.Lock()


def _attribute(name: str, value: object) -> cms.CMSAttribute:
    return general.simple_cms_attribute(name, value)  # type: ignore[no-untyped-call]


def _audit(session: Session, context: AuditContext, contract_number: str, signed: SignedContract,
           organisation_id: uuid.UUID | None, binding: dict[str, str]) -> None:
    audit.record(session, context, "contracts.signed", subject_type="contract", subject_id=contract_number,
                 organisation_id=organisation_id, after={
                     "field": signed.field, "document_sha256": signed.sha256,
                     "certificate_serial": signed.certificate_serial, **binding})
