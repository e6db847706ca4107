"""Every identity query. Organisation-owned rows are filtered by the caller's organisation
in one place (``visible_to``) unless the caller's role sees across organisations."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Uuid, bindparam, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from fourflow.core.database import locked
from fourflow.core.pagination import Page, PageRequest, fetch_page
from fourflow.identity.models import ApiClient, Invitation, Organisation, User, UserSession
from fourflow.identity.principal import Principal

Statement = TypeVar("Statement", bound=Select[Any])


def visible_to(statement: Statement, organisation_column: InstrumentedAttribute[Any],
               principal: Principal) -> Statement:
    if principal.sees_all_organisations():
        return statement
    filtered: Statement = statement.where(organisation_column == principal.organisation_id)
    return filtered


# Organisations ---------------------------------------------------------------------------

def organisation_by_id(session: Session, organisation_id: uuid.UUID,
                       principal: Principal | None = None) -> Organisation | None:
    statement = select(Organisation).where(Organisation.id == organisation_id)
    if principal is not None:
        statement = visible_to(statement, Organisation.id, principal)
    return session.execute(statement).scalar_one_or_none()


ORGANISATION_PARAMETER = "identity_organisation"


@cache
def organisation_columns() -> tuple[ColumnElement[Any], ...]:
    """An organisation's ``organisation_kind``, ``organisation_slug`` and ``organisation_country``
    as labelled scalar subqueries (primary-key reads) for another domain to select beside its own
    in one round trip; the id is the parameter named ``ORGANISATION_PARAMETER``. Built once, so
    callers pay neither for building the statement nor for its cache key."""
    organisation = bindparam(ORGANISATION_PARAMETER, type_=Uuid())

    def column(attribute: InstrumentedAttribute[str]) -> ColumnElement[Any]:
        return select(attribute).where(Organisation.id == organisation).correlate(None).scalar_subquery()

    return (column(Organisation.kind).label("organisation_kind"),
            column(Organisation.slug).label("organisation_slug"),
            column(Organisation.country_code).label("organisation_country"))


def organisation_names(session: Session, organisation_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not organisation_ids:
        return {}
    rows = session.execute(select(Organisation.id, Organisation.name)
                           .where(Organisation.id.in_(list(organisation_ids))))
    return {row[0]: row[1] for row in rows}


def organisation_by_slug(session: Session, slug: str) -> Organisation | None:
    return session.execute(
        select(Organisation).where(Organisation.slug == slug)
    ).scalar_one_or_none()


ORGANISATION_SORTS = {"name": Organisation.name, "kind": Organisation.kind,
                      "created_at": Organisation.created_at, "slug": Organisation.slug}


def organisations_page(session: Session, principal: Principal, request: PageRequest, *,
                       kind: str | None, search: str | None, sort: str,
                       descending: bool) -> Page[Organisation]:
    statement = visible_to(select(Organisation), Organisation.id, principal)
    if kind:
        statement = statement.where(Organisation.kind == kind)
    if search:
        pattern = f"%{search}%"
        statement = statement.where(
            Organisation.name.ilike(pattern, escape="\\") | Organisation.slug.ilike(pattern)
        )
    column = ORGANISATION_SORTS.get(sort, Organisation.name)
    return fetch_page(session, statement, (column.desc() if descending else column, Organisation.id),
                      request)


def organisations_of_kind(session: Session, kind: str) -> list[Organisation]:
    return list(session.execute(
        select(Organisation).where(Organisation.kind == kind).order_by(Organisation.slug)
    ).scalars())


def add(session: Session, row: object) -> None:
    session.add(row)
    session.flush()


# Users -----------------------------------------------------------------------------------

def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def visible_user(session: Session, user_id: uuid.UUID, principal: Principal) -> User | None:
    statement = visible_to(select(User).where(User.id == user_id), User.organisation_id, principal)
    return session.execute(statement).scalar_one_or_none()


def user_by_email(session: Session, email: str, *, for_update: bool = False) -> User | None:
    statement = select(User).where(User.email == email.lower())
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def user_with_organisation(session: Session, user_id: uuid.UUID) -> tuple[User, Organisation] | None:
    row = session.execute(
        select(User, Organisation).join(Organisation, User.organisation_id == Organisation.id)
        .where(User.id == user_id)
    ).first()
    return None if row is None else (row[0], row[1])


def active_users_with_roles(session: Session, organisation_id: uuid.UUID,
                            roles: tuple[str, ...]) -> list[User]:
    return list(session.execute(select(User).where(
        User.organisation_id == organisation_id, User.is_active.is_(True), User.role.in_(roles))
        .order_by(User.email)).scalars())


def users_page(session: Session, organisation_id: uuid.UUID,
               request: PageRequest) -> Page[User]:
    return fetch_page(session, select(User).where(User.organisation_id == organisation_id),
                 (User.display_name, User.id), request)


# Invitations -----------------------------------------------------------------------------

def visible_invitation(session: Session, invitation_id: uuid.UUID,
                       principal: Principal) -> Invitation | None:
    statement = visible_to(select(Invitation).where(Invitation.id == invitation_id),
                           Invitation.organisation_id, principal)
    return session.execute(statement).scalar_one_or_none()


def invitation_by_id(session: Session, invitation_id: uuid.UUID) -> Invitation | None:
    return session.get(Invitation, invitation_id)


def invitation_by_token_digest(session: Session, digest: str, *,
                               for_update: bool = False) -> Invitation | None:
    statement = select(Invitation).where(Invitation.token_digest == digest)
    if for_update:
        statement = locked(statement)
    return session.execute(statement).scalar_one_or_none()


def open_invitation(session: Session, organisation_id: uuid.UUID, email: str) -> Invitation | None:
    return session.execute(select(Invitation).where(
        Invitation.organisation_id == organisation_id, Invitation.email == email.lower(),
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
    )).scalar_one_or_none()


def invitations_page(session: Session, organisation_id: uuid.UUID,
                     request: PageRequest) -> Page[Invitation]:
    return fetch_page(session, select(Invitation).where(Invitation.organisation_id == organisation_id),
                 (Invitation.created_at.desc(), Invitation.id), request)


# Sessions --------------------------------------------------------------------------------

def active_session(session: Session, token_digest: str,
                   now: datetime) -> tuple[UserSession, User, Organisation] | None:
    row = session.execute(
        select(UserSession, User, Organisation)
        .join(User, UserSession.user_id == User.id)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(UserSession.token_digest == token_digest, UserSession.revoked_at.is_(None),
               UserSession.expires_at > now, User.is_active.is_(True),
               Organisation.is_active.is_(True))
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def revoke_sessions_of(session: Session, user_id: uuid.UUID, now: datetime) -> int:
    result = session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def user_session_by_digest(session: Session, token_digest: str) -> UserSession | None:
    return session.execute(
        select(UserSession).where(UserSession.token_digest == token_digest)
    ).scalar_one_or_none()


# API clients -----------------------------------------------------------------------------

def api_client_by_client_id(session: Session, client_id: str) -> tuple[ApiClient, Organisation] | None:
    row = session.execute(
        select(ApiClient, Organisation).join(Organisation, ApiClient.organisation_id == Organisation.id)
        .where(ApiClient.client_id == client_id)
    ).first()
    return None if row is None else (row[0], row[1])


def api_client_with_organisation(session: Session,
                                 api_client_id: uuid.UUID) -> tuple[ApiClient, Organisation] | None:
    row = session.execute(
        select(ApiClient, Organisation).join(Organisation, ApiClient.organisation_id == Organisation.id)
        .where(ApiClient.id == api_client_id)
    ).first()
    return None if row is None else (row[0], row[1])


def visible_api_client(session: Session, api_client_id: uuid.UUID,
                       principal: Principal) -> ApiClient | None:
    statement = visible_to(select(ApiClient).where(ApiClient.id == api_client_id),
                           ApiClient.organisation_id, principal)
    return session.execute(statement).scalar_one_or_none()


def api_clients_page(session: Session, organisation_id: uuid.UUID,
                     request: PageRequest) -> Page[ApiClient]:
    return fetch_page(session, select(ApiClient).where(ApiClient.organisation_id == organisation_id),
                 (ApiClient.created_at.desc(), ApiClient.id), request)
