"""Contract API shapes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SignatureCheckOut(BaseModel):
    field: str = Field(description="The signature field: Seller or Platform for Fourflow contracts")
    signer: str | None = Field(description="The signer certificate's common name")
    organisation: str | None = Field(description="The signer certificate's organisation")
    signed_at: datetime | None = Field(description="The signing time the signer states")
    timestamp_at: datetime | None = Field(description="The time in the signature's RFC 3161 timestamp")
    intact: bool = Field(description="The signed bytes are unchanged and the signature matches them")
    trusted: bool = Field(description="The signer's certificate chains to a trusted root (the platform CA)")
    timestamp_trusted: bool
    coverage: str = Field(description="entire_file, entire_revision, contiguous_block_from_start or unclear")
    modifications: str | None = Field(description="Changes after this signature: none, lta_updates, "
                                                  "form_filling, annotations or other")
    reason: str | None
    contact_info: str | None
    location: str | None
    certificate_serial: str | None
    error: str | None


class ContractVerificationOut(BaseModel):
    intact: bool = Field(description="At least one signature, all intact, the last covering the whole file")
    trusted: bool = Field(description="Every signer chains to the platform CA")
    document_sha256: str
    signatures: list[SignatureCheckOut]
    error_code: str | None = Field(description="not_a_pdf, no_signatures, signature_broken, "
                                               "changed_after_signing or not_covered")
    error: str | None = Field(description="Why the file is not intact, in the caller's language")


class ContractIn(BaseModel):
    offer_id: uuid.UUID = Field(description="An accepted offer of the seller's")
    language: Literal["en", "zh_Hans"] | None = Field(
        None, description="The contract's first language (the other follows each text); default the caller's")


class ContractOut(BaseModel):
    id: uuid.UUID
    contract_number: str = Field(description="FF-<year>-<six digits>")
    offer_id: uuid.UUID
    seller_id: uuid.UUID
    language: str
    status: str = Field(description="awaiting_seller_signature, awaiting_platform_signature or signed")
    pdf_sha256: str = Field(description="SHA-256 of the current PDF (GET …/pdf)")
    unsigned_sha256: str
    seller_signed_sha256: str | None
    signed_sha256: str | None = Field(description="SHA-256 of the PDF both parties signed")
    seller_signer_name: str | None
    seller_signed_at: datetime | None
    platform_signer_name: str | None
    platform_signed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SigningCodeOut(BaseModel):
    contract_id: uuid.UUID
    sent_to: str = Field(description="The e-mail address the code was sent to")
    expires_at: datetime


class SignIn(BaseModel):
    code: str = Field(min_length=1, max_length=20, description="The one-time code from the e-mail")
