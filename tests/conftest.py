"""Test fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL), schema built by the
Alembic migrations, each test inside an outer transaction that is rolled back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from fourflow.app import create_app
from fourflow.core import migrations
from fourflow.core.database import Database, libpq_url, make_engine
from fourflow.core.security import use_fast_password_hashing
from fourflow.core.settings import PROJECT_ROOT, Settings
from fourflow.demo_data import load_demo_data

use_fast_password_hashing()

TEST_SECRET_KEY = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _server_url() -> str:
    """A maintenance URL on the server that will hold the test databases."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return libpq_url(configured)
    from fourflow.core.embedded_database import start_embedded_database

    return start_embedded_database(PROJECT_ROOT / ".fourflow" / "test-pgdata", "postgres")


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


def fresh_database(name: str) -> str:
    """Drop and recreate a database on the test server, migrate it, return its URL."""
    server = _server_url()
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_database(server, name)
    migrations.upgrade(url)
    return url


def make_test_settings(database_url: str | None = None) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "security": {"secret_key": TEST_SECRET_KEY},
        "web": {"host": "127.0.0.1", "port": 8000},
    }
    if database_url:
        values["database"] = {"url": database_url}
    return Settings.model_validate(values)


@pytest.fixture(scope="session")
def database_url() -> str:
    return fresh_database(f"fourflow_test_{_worker_suffix()}")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=2, max_overflow=2)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """An outer transaction that every test's writes join and that is always rolled back."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        if transaction.is_active:
            transaction.rollback()


class TransactionalDatabase(Database):
    """The app's Database, but every unit of work is a savepoint in the test's transaction."""

    def __init__(self, engine: Engine, connection: Connection) -> None:
        super().__init__(engine)
        self.session_factory = sessionmaker(bind=connection, expire_on_commit=False,
                                            join_transaction_mode="create_savepoint")
        # Reads see the test's uncommitted rows only on the test's own connection.
        self.reading_session_factory = self.session_factory


@pytest.fixture
def database(engine: Engine, connection: Connection) -> Database:
    return TransactionalDatabase(engine, connection)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    session = database.session_factory()
    yield session
    session.close()


@pytest.fixture
def demo(session: Session) -> Session:
    """The demo world inside the test's transaction."""
    load_demo_data(session, with_operations=False)
    session.flush()
    return session


@pytest.fixture
def settings() -> Settings:
    return make_test_settings()


@pytest.fixture
def app(settings: Settings, database: Database) -> FastAPI:
    return create_app(settings, database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def shared_data(relative: str) -> Path:
    """A file from ../shared/data, or skip the test saying why when the folder is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent (shared data ships only with the development checkout)")
    return path
