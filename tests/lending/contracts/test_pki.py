"""The platform PKI: created once, keys sealed at rest, certificates as the recipe asks."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from sqlalchemy import text
from sqlalchemy.orm import Session

from fourflow.lending.contracts.errors import PlatformKeysMissing, PlatformKeyUnreadable
from fourflow.lending.contracts.service import pki
from tests.conftest import TEST_SECRET_KEY


def _certificates(session: Session) -> dict[str, x509.Certificate]:
    rows = session.execute(text("SELECT purpose, certificate_pem FROM lending_platform_keys")).all()
    return {row.purpose: x509.load_pem_x509_certificate(row.certificate_pem.encode()) for row in rows}


def test_setup_creates_the_three_keys_once(session: Session) -> None:
    assert pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY) == ["root_ca", "platform_signing",
                                                                        "timestamping"]
    assert pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY) == []
    assert session.execute(text("SELECT count(*) FROM lending_platform_keys")).scalar_one() == 3
    events = session.execute(text(
        "SELECT subject_id FROM audit_events WHERE action = 'contracts.platform_key_created' "
        "ORDER BY sequence")).scalars().all()
    assert events == ["root_ca", "platform_signing", "timestamping"]


def test_certificates_chain_to_the_root_with_the_right_uses(session: Session) -> None:
    pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)
    certificates = _certificates(session)
    root, signing, tsa = (certificates[purpose] for purpose in pki.PURPOSES)
    assert root.subject == root.issuer
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert root.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign is True
    assert isinstance(root.public_key(), ec.EllipticCurvePublicKey)
    for issued in (signing, tsa):
        assert issued.issuer == root.subject
        issued.verify_directly_issued_by(root)
        assert issued.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert (usage.critical, list(usage.value)) == (True, [ExtendedKeyUsageOID.TIME_STAMPING])
    assert isinstance(tsa.public_key(), rsa.RSAPublicKey)
    assert signing.subject.rfc4514_string() == "CN=Fourflow Platform Contract Signing,O=Fourflow"
    assert root.subject.rfc4514_string() == "CN=Fourflow Platform Root CA,O=Fourflow"


def test_private_keys_are_sealed_and_need_the_secret(session: Session) -> None:
    pki.ensure_platform_pki(session, secret=TEST_SECRET_KEY)
    sealed = session.execute(text(
        "SELECT sealed_private_key FROM lending_platform_keys WHERE purpose = 'root_ca'")).scalar_one()
    assert bytes(sealed)[:1] == b"\x01"
    assert b"PRIVATE KEY" not in bytes(sealed)
    pair = pki.platform_key_pairs(session, [pki.ROOT_CA], secret=TEST_SECRET_KEY)[pki.ROOT_CA]
    assert pair.certificate == _certificates(session)["root_ca"]
    with pytest.raises(PlatformKeyUnreadable):
        pki.platform_key_pairs(session, [pki.ROOT_CA], secret="another-secret-key-0123456789-abcdefghij")


def test_signing_before_setup_says_what_to_do(session: Session) -> None:
    assert pki.platform_trust_roots(session) == []
    with pytest.raises(PlatformKeysMissing) as missing:
        pki.platform_key_pairs(session, [pki.PLATFORM_SIGNING], secret=TEST_SECRET_KEY)
    assert missing.value.http_status == 503
