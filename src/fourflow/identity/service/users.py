"""Users: creation, reads scoped to the caller, language preference."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import PermissionDenied
from fourflow.core.i18n import Language
from fourflow.core.pagination import Page, PageRequest
from fourflow.core.security import MINIMUM_PASSWORD_LENGTH, hash_password
from fourflow.identity import repository
from fourflow.identity.errors import (
    CannotDeactivateSelf,
    OrganisationNotFound,
    PasswordTooWeak,
    RoleNotAllowed,
    UserEmailTaken,
    UserNotFound,
)
from fourflow.identity.models import Organisation, User
from fourflow.identity.principal import Principal
from fourflow.identity.roles import ROLES_BY_KIND, OrganisationKind, Permission, Role
from fourflow.identity.service.organisations import audit_cross_organisation_read


def check_role_fits(organisation: Organisation, role: Role) -> None:
    if role not in ROLES_BY_KIND[OrganisationKind(organisation.kind)]:
        raise RoleNotAllowed(field="role", role=role.value, kind=organisation.kind)


def check_password_strength(password: str) -> None:
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise PasswordTooWeak(field="password", minimum=MINIMUM_PASSWORD_LENGTH)


def create_user(session: Session, context: audit.AuditContext, *, organisation: Organisation,
                email: str, display_name: str, role: Role, password: str,
                preferred_language: Language = "en") -> User:
    check_role_fits(organisation, role)
    check_password_strength(password)
    if repository.user_by_email(session, email) is not None:
        raise UserEmailTaken(field="email", email=email)
    user = User(organisation_id=organisation.id, email=email.lower(), display_name=display_name,
                role=role.value, password_hash=hash_password(password),
                preferred_language=preferred_language)
    repository.add(session, user)
    audit.record(session, context, "identity:user:created", subject_type="user",
                 subject_id=user.id, organisation_id=organisation.id,
                 after={"email": user.email, "role": user.role})
    return user


def get_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    user = repository.visible_user(session, user_id, principal)
    if user is None:
        raise UserNotFound()
    audit_cross_organisation_read(session, principal, "identity:user:viewed",
                                  user.organisation_id, "user", user.id)
    return user


def list_users(session: Session, principal: Principal, organisation_id: uuid.UUID,
               request: PageRequest) -> Page[User]:
    if not principal.can(Permission.READ_OWN_USERS):
        raise PermissionDenied()
    if repository.organisation_by_id(session, organisation_id, principal) is None:
        raise OrganisationNotFound()
    audit_cross_organisation_read(session, principal, "identity:users:listed",
                                  organisation_id, "organisation", organisation_id)
    return repository.users_page(session, organisation_id, request)


def set_preferred_language(session: Session, principal: Principal, language: Language) -> None:
    if principal.actor_type != "user":
        return
    user = repository.user_by_id(session, principal.actor_id)
    if user is not None and user.preferred_language != language:
        user.preferred_language = language
        session.flush()


def set_user_active(session: Session, principal: Principal, user_id: uuid.UUID,
                    active: bool) -> User:
    """Deactivate or reactivate a user; a deactivated user's sessions stop at once."""
    user = repository.visible_user(session, user_id, principal)
    if user is None:
        raise UserNotFound()
    may_manage = principal.can(Permission.MANAGE_ALL_ORGANISATIONS) or (
        principal.can(Permission.MANAGE_OWN_USERS) and user.organisation_id == principal.organisation_id)
    if not may_manage:
        raise PermissionDenied()
    if user.id == principal.actor_id and not active:
        raise CannotDeactivateSelf()
    if user.is_active != active:
        user.is_active = active
        if not active:
            # Reactivation must not revive old browser sessions: end them now.
            repository.revoke_sessions_of(session, user.id, get_clock().now())
        session.flush()
        audit.record(session, principal.audit_context(),
                     "identity:user:activated" if active else "identity:user:deactivated",
                     subject_type="user", subject_id=user.id, organisation_id=user.organisation_id,
                     before={"is_active": not active}, after={"is_active": active})
    return user


def organisation_contacts(session: Session, organisation_id: uuid.UUID) -> list[User]:
    """The active people of a seller who hear about its money (notices, reminders): its administrators
    and finance users, each with their preferred language."""
    return repository.active_users_with_roles(session, organisation_id,
                                              (Role.SELLER_ADMIN.value, Role.SELLER_FINANCE.value))
