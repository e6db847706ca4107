"""The platform PKI in the database: created once at setup (``ensure_platform_pki``), read when
signing (private keys, unsealed with the platform secret) and when verifying (the root CA
certificate, public)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.audit.service import AuditContext
from fourflow.core.clock import get_clock
from fourflow.lending.contracts import repository
from fourflow.lending.contracts.errors import PlatformKeysMissing
from fourflow.lending.contracts.models import PlatformKey
from fourflow.lending.contracts.service import certificates, sealing
from fourflow.lending.contracts.service.certificates import KeyPair

ROOT_CA = "root_ca"
PLATFORM_SIGNING = "platform_signing"
TIMESTAMPING = "timestamping"
PURPOSES = (ROOT_CA, PLATFORM_SIGNING, TIMESTAMPING)


def _associated_data(purpose: str, certificate: x509.Certificate) -> bytes:
    return f"{purpose}|{certificates.fingerprint(certificate)}".encode()


def ensure_platform_pki(session: Session, context: AuditContext | None = None, *, secret: str) -> list[str]:
    """Create whichever of the root CA, the platform signing certificate and the TSA is missing;
    returns the purposes created (none on a second call). Each creation is audited."""
    repository.lock_platform_keys(session)
    existing = repository.platform_keys(session)
    if all(purpose in existing for purpose in PURPOSES):
        return []
    now = get_clock().now()
    context = context or AuditContext.system()
    created: list[str] = []
    root = (_unseal(existing[ROOT_CA], secret) if ROOT_CA in existing
            else _store(session, context, ROOT_CA, certificates.new_root_ca(now), secret, created))
    issuers: dict[str, Callable[[KeyPair, datetime], KeyPair]] = {
        PLATFORM_SIGNING: certificates.new_platform_signing, TIMESTAMPING: certificates.new_timestamping}
    for purpose, issue in issuers.items():
        if purpose not in existing:
            _store(session, context, purpose, issue(root, now), secret, created)
    return created


def _store(session: Session, context: AuditContext, purpose: str, pair: KeyPair, secret: str,
           created: list[str]) -> KeyPair:
    certificate = pair.certificate
    subject = certificate.subject.rfc4514_string()
    sealed = sealing.seal_key(pair.private_key_der, secret=secret,
                              associated_data=_associated_data(purpose, certificate))
    repository.add_platform_key(session, PlatformKey(
        purpose=purpose, subject=subject[:255], serial_number=certificates.serial_text(certificate),
        key_algorithm=pair.key_algorithm, certificate_pem=pair.certificate_pem(), sealed_private_key=sealed,
        not_valid_before=certificate.not_valid_before_utc, not_valid_after=certificate.not_valid_after_utc))
    audit.record(session, context, "contracts.platform_key_created", subject_type="platform_key",
                 subject_id=purpose, after={
                     "subject": subject, "serial_number": certificates.serial_text(certificate),
                     "certificate_sha256": certificates.fingerprint(certificate),
                     "not_valid_after": certificate.not_valid_after_utc.isoformat()})
    created.append(purpose)
    return pair


def _unseal(stored: PlatformKey, secret: str) -> KeyPair:
    return _unsealed(stored.purpose, stored.certificate_pem, bytes(stored.sealed_private_key), secret)


@lru_cache(maxsize=16)
def _unsealed(purpose: str, certificate_pem: str, sealed_private_key: bytes, secret: str) -> KeyPair:
    """The key pair of a stored row, opened once per process: every signing needs two or three of
    them, and loading the TSA's RSA key checks it, which costs tens of milliseconds each time. The
    row's purpose, certificate and sealed key and the secret are the cache key, so another key (a
    rotation) or another secret is opened afresh, and a secret that does not open it still fails
    (a failure is not cached)."""
    certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    key_der = sealing.unseal_key(sealed_private_key, secret=secret,
                                 associated_data=_associated_data(purpose, certificate))
    return certificates.load_key_pair(certificate, key_der)


def platform_key_pairs(session: Session, purposes: Iterable[str], *, secret: str) -> dict[str, KeyPair]:
    """The platform keys of ``purposes``, unsealed, read in one query (one per signing)."""
    stored = repository.platform_keys(session)
    wanted = tuple(purposes)
    if not all(purpose in stored for purpose in wanted):
        raise PlatformKeysMissing()
    return {purpose: _unseal(stored[purpose], secret) for purpose in wanted}


def platform_trust_roots(session: Session) -> list[asn1_x509.Certificate]:
    """The platform root CA certificate: what a signature must chain to, to count as trusted."""
    stored = repository.platform_key(session, ROOT_CA)
    if stored is None:
        return []
    return certificates.certificates_from_pem(stored.certificate_pem.encode())


def platform_root_certificate_pem(session: Session) -> str | None:
    stored = repository.platform_key(session, ROOT_CA)
    return stored.certificate_pem if stored is not None else None


def platform_signer_name(session: Session) -> str:
    """The common name on the platform's signing certificate: who signs contracts for the lender."""
    stored = repository.platform_key(session, PLATFORM_SIGNING)
    if stored is None:
        raise PlatformKeysMissing()
    certificate = x509.load_pem_x509_certificate(stored.certificate_pem.encode())
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else stored.subject
