from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from fourflow.core.migrations import head_revisions, migrations_are_current
from fourflow.core.models import Base
from fourflow.models_registry import import_all_models


def test_the_models_match_the_migrated_schema(engine: Engine) -> None:
    import_all_models()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [
            difference for difference in compare_metadata(context, Base.metadata)
            # procrastinate's own tables are created by its schema file, not by our models
            if "procrastinate" not in str(difference)
        ]
    assert differences == []


def test_the_test_database_is_at_the_single_head(engine: Engine) -> None:
    assert len(head_revisions()) == 1
    assert migrations_are_current(engine)
