import pytest
from pydantic import ValidationError

from fourflow.core.settings import DEVELOPMENT_SECRET_KEY, Settings


@pytest.mark.parametrize("environment", ["production", "test"])
def test_refuses_the_development_secret_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY must be set"):
        Settings.model_validate({"environment": environment})


def test_refuses_a_short_secret_in_production() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings.model_validate({"environment": "production", "security": {"secret_key": "short"}})


def test_production_with_a_real_secret_is_accepted() -> None:
    settings = Settings.model_validate({"environment": "production",
                                        "security": {"secret_key": "x" * 40}})
    assert settings.security.secret_key.get_secret_value() == "x" * 40
    assert "x" * 40 not in repr(settings)


def test_database_url_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:pw@db.internal:5432/fourflow")
    monkeypatch.setenv("FOURFLOW_SECURITY__LOCKOUT_MINUTES", "30")
    settings = Settings()
    assert settings.database.url is not None
    assert settings.database.url.get_secret_value() == "postgresql://app:pw@db.internal:5432/fourflow"
    assert settings.security.lockout_minutes == 30
    assert settings.security.secret_key.get_secret_value() == DEVELOPMENT_SECRET_KEY
