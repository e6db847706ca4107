"""Contract API shapes."""

from __future__ import annotations

from datetime import datetime

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
