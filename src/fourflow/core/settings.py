"""Application settings: one root object with a nested section per concern.

Values come from environment variables (``FOURFLOW_<SECTION>__<FIELD>``) or a
``.env`` file; ``DATABASE_URL`` is honoured as hosting providers give it.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secrets shipped for development only; running anything else with them is refused.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me-0123456789"
PROJECT_ROOT = Path(__file__).resolve().parents[3]


class DatabaseSettings(BaseModel):
    """Where the system of record lives."""

    # None means "start the embedded PostgreSQL owned by the app".
    url: SecretStr | None = None
    embedded_data_directory: Path = PROJECT_ROOT / ".fourflow" / "pgdata"
    embedded_database_name: str = "fourflow"
    pool_size: int = 10
    max_overflow: int = 20


class SecuritySettings(BaseModel):
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    session_cookie_name: str = "fourflow_session"
    session_lifetime_minutes: int = 12 * 60
    # Cookies over plain HTTP in development; production sits behind TLS.
    secure_cookies: bool = False
    access_token_lifetime_seconds: int = 900
    failed_logins_before_lockout: int = 5
    lockout_minutes: int = 15
    invitation_lifetime_hours: int = 72
    max_request_body_bytes: int = 1_048_576
    max_upload_bytes: int = 512 * 1_048_576


class MailSettings(BaseModel):
    # "mailbox" stores messages in the database for the development mailbox page.
    backend: Literal["mailbox", "smtp"] = "mailbox"
    sender: str = "Fourflow <no-reply@fourflow.example>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None


class FxSettings(BaseModel):
    # The platform's margin on conversions, as a share of the mid rate.
    spread: Decimal = Decimal("0.005")
    # Annual money-market rates for forward quotes by covered interest parity (ACT/365F).
    interest_rates: dict[str, Decimal] = {
        "USD": Decimal("0.0450"), "EUR": Decimal("0.0300"), "GBP": Decimal("0.0450"),
        "CNY": Decimal("0.0200"), "HKD": Decimal("0.0400"), "JPY": Decimal("0.0050"),
        "SGD": Decimal("0.0350"),
    }


class WebSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    workers: int = 2
    # Threads per web process that run blocking work (database calls); keep it at or below
    # the database pool size.
    request_threads: int = 8


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FOURFLOW_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    environment: Literal["development", "test", "production"] = "development"
    default_language: Literal["en", "zh_Hans"] = "en"
    database: DatabaseSettings = DatabaseSettings()
    security: SecuritySettings = SecuritySettings()
    mail: MailSettings = MailSettings()
    web: WebSettings = WebSettings()
    fx: FxSettings = FxSettings()
    # The conventional variable every hosting provider sets; wins over FOURFLOW_DATABASE__URL.
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "FOURFLOW_DATABASE_URL")
    )

    @model_validator(mode="after")
    def _refuse_default_secrets_outside_development(self) -> Settings:
        if self.database_url is not None:
            self.database.url = self.database_url
        if self.environment != "development":
            if self.security.secret_key.get_secret_value() == DEVELOPMENT_SECRET_KEY:
                raise ValueError(
                    "FOURFLOW_SECURITY__SECRET_KEY must be set to a private value outside development"
                )
            if len(self.security.secret_key.get_secret_value()) < 32:
                raise ValueError("FOURFLOW_SECURITY__SECRET_KEY must be at least 32 characters")
        return self

    @property
    def is_development(self) -> bool:
        return self.environment == "development"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
