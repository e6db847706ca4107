"""Certificates of the platform PKI, built with ``cryptography``: the root CA (EC P-256), the
platform's signing certificate (EC P-256), the timestamping authority (RSA-2048, because pyHanko's
built-in TSA signs with RSA; critical extended key usage timeStamping) and the one-signing
certificates of sellers' representatives; and certificates read from PEM, for trust roots. No
database here."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_certs_from_pemder_data

PLATFORM_ORGANISATION = "Fourflow"
ROOT_CA_NAME = "Fourflow Platform Root CA"
PLATFORM_SIGNING_NAME = "Fourflow Platform Contract Signing"
TIMESTAMPING_NAME = "Fourflow Timestamping Authority"
ROOT_CA_LIFETIME = timedelta(days=20 * 365)
PLATFORM_SIGNING_LIFETIME = timedelta(days=5 * 365)
TIMESTAMPING_LIFETIME = timedelta(days=10 * 365)
# A seller's certificate serves one signing, made the moment it is issued; validation later uses
# the signature's trusted timestamp as the point in time, so the short life does not expire it.
SELLER_CERTIFICATE_LIFETIME = timedelta(hours=1)
# Tolerance for clocks that run slightly behind ours.
CLOCK_SKEW = timedelta(minutes=5)

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class KeyPair:
    certificate: x509.Certificate
    private_key: PrivateKey
    # The PKCS#8 DER of ``private_key``: what is sealed at rest and what pyHanko signs with. Kept
    # beside the key so a key unsealed from its DER is never serialised back to it.
    private_key_der: bytes

    @classmethod
    def generated(cls, certificate: x509.Certificate, private_key: PrivateKey) -> KeyPair:
        """A pair around a key made here: its DER is serialised once, now."""
        return cls(certificate, private_key, private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    @property
    def key_algorithm(self) -> str:
        return "rsa-2048" if isinstance(self.private_key, rsa.RSAPrivateKey) else "ec-p256"

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def asn1_certificate(self) -> asn1_x509.Certificate:
        return to_asn1(self.certificate)

    def asn1_private_key(self) -> asn1_keys.PrivateKeyInfo:
        return asn1_keys.PrivateKeyInfo.load(self.private_key_der)


def to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def serial_text(certificate: x509.Certificate) -> str:
    return f"{certificate.serial_number:x}"


def _name(common_name: str, organisation: str = PLATFORM_ORGANISATION,
          extra: tuple[x509.NameAttribute[str], ...] = ()) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation), *extra,
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, sign_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not sign_certificates, content_commitment=not sign_certificates,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=sign_certificates, crl_sign=sign_certificates, encipher_only=False,
                         decipher_only=False)


def _builder(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
             now: datetime, lifetime: timedelta) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - CLOCK_SKEW).not_valid_after(now + lifetime)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False))


def new_root_ca(now: datetime) -> KeyPair:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(ROOT_CA_NAME)
    certificate = (_builder(name, name, key.public_key(), now, ROOT_CA_LIFETIME)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(_key_usage(sign_certificates=True), critical=True)
                   .sign(key, hashes.SHA256()))
    return KeyPair.generated(certificate, key)


def _end_entity(issuer: KeyPair, key: PrivateKey, subject: x509.Name, now: datetime, lifetime: timedelta,
                *extensions: tuple[x509.ExtensionType, bool]) -> KeyPair:
    """A certificate for signing (not for issuing), signed by ``issuer``; ``extensions`` are the
    (extension, critical) pairs it adds to the key usage."""
    builder = (_builder(subject, issuer.certificate.subject, key.public_key(), now, lifetime)
               .add_extension(_key_usage(sign_certificates=False), critical=True))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    issuer_key: CertificateIssuerPrivateKeyTypes = issuer.private_key
    authority = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.private_key.public_key())
    certificate = (builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(authority, critical=False)
                   .sign(issuer_key, hashes.SHA256()))
    return KeyPair.generated(certificate, key)


def new_platform_signing(root: KeyPair, now: datetime) -> KeyPair:
    return _end_entity(root, ec.generate_private_key(ec.SECP256R1()), _name(PLATFORM_SIGNING_NAME), now,
                       PLATFORM_SIGNING_LIFETIME)


def new_timestamping(root: KeyPair, now: datetime) -> KeyPair:
    return _end_entity(root, rsa.generate_private_key(public_exponent=65537, key_size=2048),
                       _name(TIMESTAMPING_NAME), now, TIMESTAMPING_LIFETIME,
                       (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True))


def new_seller_signing(root: KeyPair, now: datetime, *, organisation_name: str, display_name: str,
                       user_id: uuid.UUID, email: str) -> KeyPair:
    """A certificate for one signing by one person of a seller: the subject names the seller
    organisation and the person (UID is their user id), the e-mail is its alternative name."""
    subject = _name(display_name, organisation_name, (x509.NameAttribute(NameOID.USER_ID, str(user_id)),))
    extensions: list[tuple[x509.ExtensionType, bool]] = []
    if email.isascii():  # an internationalised address has no plain rfc822Name form
        extensions.append((x509.SubjectAlternativeName([x509.RFC822Name(email)]), False))
    return _end_entity(root, ec.generate_private_key(ec.SECP256R1()), subject, now,
                       SELLER_CERTIFICATE_LIFETIME, *extensions)


def load_key_pair(certificate: x509.Certificate, private_key_der: bytes) -> KeyPair:
    key = serialization.load_der_private_key(private_key_der, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise TypeError(f"unexpected platform key type {type(key).__name__}")
    return KeyPair(certificate, key, private_key_der)


def certificates_from_pem(data: bytes) -> list[asn1_x509.Certificate]:
    """Certificates (trust roots) from PEM or DER bytes holding one or more of them."""
    return list(load_certs_from_pemder_data(data))
