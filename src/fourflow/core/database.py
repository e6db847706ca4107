"""Engine and unit-of-work sessions.

The edge (a request or a job) owns the transaction: it opens one session, commits on
success and rolls back on error. Services and repositories only ever ``flush()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import Engine, Select, create_engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from fourflow.core.settings import Settings

Row = TypeVar("Row")


def sqlalchemy_url(database_url: str) -> str:
    """Turn the standard ``postgresql://`` form into the psycopg 3 dialect URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql+psycopg://" + database_url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {database_url.split(':')[0]}://…")


def libpq_url(database_url: str) -> str:
    """The plain libpq form (for psycopg and procrastinate, which do not know dialects)."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def resolve_database_url(settings: Settings) -> str:
    """The configured server, or the embedded one started on demand."""
    if settings.database.url is not None:
        return settings.database.url.get_secret_value()
    from fourflow.core.embedded_database import start_embedded_database

    return start_embedded_database(
        settings.database.embedded_data_directory, settings.database.embedded_database_name
    )


def make_engine(database_url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    return create_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        # No pre-ping: it costs a round trip per request. Broken connections are replaced
        # when they fail, and recycling bounds their age.
        pool_recycle=1800,
        # Timestamps are stored and compared in UTC regardless of the server's zone.
        connect_args={"options": "-c timezone=UTC"},
    )


def locked(statement: Select[Row]) -> Select[Row]:
    """``SELECT … FOR UPDATE`` whose rows also replace what the session holds of them.

    A row is locked to decide on its current state; without ``populate_existing`` an object the
    session loaded before the lock (and that another transaction changed since) keeps its old
    attributes, because the identity map wins over the row just read. Whether it did depended on
    garbage collection, so such a decision went wrong only now and then."""
    return statement.with_for_update().execution_options(populate_existing=True)


def advisory_lock(session: Session, key: str, *, shared: bool = False) -> None:
    """A transaction-scoped advisory lock named by ``key``: serialises work that has no row to lock
    (yet), until the transaction ends. Shared holders exclude only the exclusive one."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    session.execute(text(f"SELECT {function}(hashtextextended(:key, 0))"), {"key": key})


WROTE = "fourflow_wrote"


def mark_written(session: Session) -> None:
    session.info[WROTE] = True


def has_written(session: Session) -> bool:
    """Whether the session flushed ORM changes or ran anything but a SELECT."""
    return bool(session.info.get(WROTE))


@event.listens_for(Session, "after_flush")
def _mark_flush(session: Session, _context: object) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _mark_statement(state: ORMExecuteState) -> None:
    # text() and function calls count as writes: unknown is treated as written.
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _clear_mark(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


class Database:
    """One engine plus the session factory bound to it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        # Same pool; psycopg switches autocommit on the client side, so no round trip.
        self.reading_session_factory = sessionmaker(
            bind=engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A session for a few independent reads outside any transaction: each statement
        stands alone, so there is no BEGIN or COMMIT round trip. Never write through it."""
        session = self.reading_session_factory()
        try:
            yield session
        finally:
            session.close()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        session = self.session_factory()
        try:
            yield session
        except BaseException:
            self.finish(session, commit=False)
            raise
        self.finish(session, commit=True)

    @staticmethod
    def finish(session: Session, *, commit: bool) -> None:
        """End a unit of work: commit (or roll back) and release the connection."""
        try:
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def is_reachable(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False


@lru_cache(maxsize=4)
def database_for_url(database_url: str) -> Database:
    return Database(make_engine(database_url))
