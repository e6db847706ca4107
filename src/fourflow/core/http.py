"""Edge plumbing shared by every API and page route: the request's unit of work,
its id, the caller's address and the language to answer in."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from fourflow.core.database import Database
from fourflow.core.settings import Settings


def request_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def database_session(request: Request) -> Iterator[Session]:
    """One session per request: commit when the route returns, roll back if it raises.

    Used with ``Depends(..., scope="function")`` so the commit happens before the
    response is sent (ARCHITECTURE rule 2).
    """
    with request_database(request).unit_of_work() as session:
        yield session


def request_id(request: Request) -> str | None:
    value: str | None = getattr(request.state, "request_id", None)
    return value


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
