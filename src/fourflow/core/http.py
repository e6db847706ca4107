"""Edge plumbing shared by every API and page route: the request's unit of work,
its id, the caller's address and the language to answer in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from fourflow.core.database import Database, has_written
from fourflow.core.pagination import PageRequest
from fourflow.core.settings import Settings


def request_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def request_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def database_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: commit when the route returns, roll back if it raises.

    Used with ``Depends(..., scope="function")`` so the commit happens before the
    response is sent (ARCHITECTURE rule 2). Opening a session does no I/O, so it happens
    on the event loop; the commit or rollback runs in the thread pool, and only when the
    request actually used the database.
    """
    database = request_database(request)
    session = database.session_factory()
    try:
        yield session
    except BaseException:
        await _finish(session, commit=False)
        raise
    await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    if not session.in_transaction() or not has_written(session):
        # Ending a read-only transaction is one short round trip with no WAL flush to
        # wait for: cheaper on the loop than a hop to the thread pool.
        Database.finish(session, commit=commit)
        return
    await run_in_threadpool(Database.finish, session, commit=commit)


def request_id(request: Request) -> str | None:
    value: str | None = getattr(request.state, "request_id", None)
    return value


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def page_request(page: int = Query(1, ge=1), page_size: int = Query(25, ge=1, le=200)) -> PageRequest:
    """The ``page`` and ``page_size`` query parameters of a listing route."""
    return PageRequest(page=page, page_size=page_size)


Paging = Annotated[PageRequest, Depends(page_request)]
