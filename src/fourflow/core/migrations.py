"""Alembic helpers: apply migrations and tell whether the schema is current."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from fourflow.core.database import sqlalchemy_url
from fourflow.core.settings import PROJECT_ROOT

MIGRATIONS_DIRECTORY = PROJECT_ROOT / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIRECTORY))
    # ConfigParser treats % as interpolation; passwords may contain it.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def head_revisions() -> set[str]:
    script = ScriptDirectory(str(MIGRATIONS_DIRECTORY))
    return set(script.get_heads())


def migrations_are_current(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception:  # noqa: BLE001 - an unreadable version table means "not current"
        return False
    return current == head_revisions()
