"""Alembic environment: the URL comes from the config set by fourflow.core.migrations,
or from the application's settings when alembic is run by hand."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from fourflow.core.models import Base
from fourflow.models_registry import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    """procrastinate's tables come from its own schema file (revision 0002), not our models."""
    table = getattr(obj, "table", obj)
    table_name = getattr(table, "name", name) or ""
    return not str(table_name).startswith("procrastinate_")


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from fourflow.core.database import resolve_database_url, sqlalchemy_url
    from fourflow.core.settings import get_settings

    return sqlalchemy_url(resolve_database_url(get_settings()))


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      compare_type=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          compare_type=True, include_object=include_object,
                          transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
