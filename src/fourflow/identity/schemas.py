"""Pydantic input and output shapes of the identity API."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StrictStr, field_validator

from fourflow.identity.roles import OrganisationKind, Role, Scope

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationCreate(Strict):
    slug: StrictStr = Field(min_length=1, max_length=64)
    name: StrictStr = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    country_code: StrictStr = Field(min_length=2, max_length=2)

    @field_validator("slug")
    @classmethod
    def _slug_shape(cls, value: str) -> str:
        if not SLUG_PATTERN.match(value):
            raise ValueError("use lower-case letters, digits and hyphens")
        return value

    @field_validator("country_code")
    @classmethod
    def _country_upper(cls, value: str) -> str:
        if not value.isalpha():
            raise ValueError("use a two-letter ISO 3166 country code")
        return value.upper()


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    slug: str
    name: str
    kind: OrganisationKind
    country_code: str
    is_active: bool
    created_at: datetime


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    display_name: str
    role: Role
    preferred_language: str
    is_active: bool
    last_login_at: datetime | None


class MeOut(BaseModel):
    actor_type: str
    id: uuid.UUID
    display_name: str
    role: Role | None
    scopes: list[str]
    permissions: list[str]
    organisation: OrganisationOut


class InvitationCreate(Strict):
    email: EmailStr
    role: Role
    language: StrictStr = Field(default="en", pattern="^(en|zh_Hans)$")


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    email: str
    role: Role
    language: str
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class InvitationAccept(Strict):
    display_name: StrictStr = Field(min_length=1, max_length=200)
    password: StrictStr = Field(min_length=1, max_length=200)


class ApiClientCreate(Strict):
    name: StrictStr = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)


class ApiClientOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: uuid.UUID
    name: str
    client_id: str
    scopes: list[str]
    revoked_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime


class ApiClientCreated(ApiClientOut):
    client_secret: str = Field(description="Shown once; only a digest is stored.")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    scope: str
