"""Browser sign-in: password check, lockout, session tokens and the principal they carry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core.clock import get_clock
from fourflow.core.errors import AuthenticationFailed
from fourflow.core.i18n import Language, parse_language
from fourflow.core.security import new_secret, secret_digest, verify_password
from fourflow.core.settings import Settings
from fourflow.identity import repository
from fourflow.identity.errors import AccountLocked
from fourflow.identity.models import Organisation, User, UserSession
from fourflow.identity.principal import Principal
from fourflow.identity.roles import ROLE_PERMISSIONS, Role


@dataclass(frozen=True, slots=True)
class SignIn:
    """The result of a sign-in attempt. Failures are returned, not raised, because the
    failed-attempt counter must be committed for the lockout to work."""

    session_token: str | None
    user: User | None
    failure: AuthenticationFailed | None


def sign_in(session: Session, settings: Settings, *, email: str, password: str,
            ip_address: str | None, user_agent: str | None,
            request_id: str | None) -> SignIn:
    now = get_clock().now()
    user = repository.user_by_email(session, email.strip(), for_update=True)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        # Checked before the password so a locked account gives no password oracle.
        verify_password(None, password)
        return SignIn(None, None, AccountLocked(until=user.locked_until.strftime("%Y-%m-%d %H:%M")))
    if user is None or not user.is_active or not verify_password(user.password_hash, password):
        if user is not None:
            _count_failure(session, settings, user, ip_address, request_id)
            if user.locked_until is not None and user.locked_until > now:
                return SignIn(None, None, AccountLocked(
                    until=user.locked_until.strftime("%Y-%m-%d %H:%M")))
        return SignIn(None, None, AuthenticationFailed())
    organisation = repository.organisation_by_id(session, user.organisation_id)
    if organisation is None or not organisation.is_active:
        return SignIn(None, None, AuthenticationFailed())
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    token = new_secret()
    repository.add(session, UserSession(
        user_id=user.id, token_digest=secret_digest(token), csrf_token=new_secret(24),
        expires_at=now + timedelta(minutes=settings.security.session_lifetime_minutes),
        ip_address=ip_address, user_agent=(user_agent or "")[:400] or None,
    ))
    audit.record(session, audit.AuditContext("user", user.id, user.organisation_id, request_id,
                                             ip_address),
                 "identity:user:signed_in", subject_type="user", subject_id=user.id)
    return SignIn(token, user, None)


def _count_failure(session: Session, settings: Settings, user: User, ip_address: str | None,
                   request_id: str | None) -> None:
    user.failed_login_count += 1
    if user.failed_login_count >= settings.security.failed_logins_before_lockout:
        user.locked_until = get_clock().now() + timedelta(minutes=settings.security.lockout_minutes)
        user.failed_login_count = 0
        audit.record(session, audit.AuditContext("system", None, user.organisation_id, request_id,
                                                 ip_address),
                     "identity:user:locked_out", subject_type="user", subject_id=user.id,
                     after={"locked_until": user.locked_until.isoformat()})
    session.flush()


def sign_out(session: Session, session_token: str) -> None:
    user_session = repository.user_session_by_digest(session, secret_digest(session_token))
    if user_session is not None and user_session.revoked_at is None:
        user_session.revoked_at = get_clock().now()
        session.flush()


def principal_for_user(user: User, organisation: Organisation, *, request_id: str | None = None,
                       ip_address: str | None = None, csrf_token: str | None = None,
                       session_id: uuid.UUID | None = None) -> Principal:
    language: Language = parse_language(user.preferred_language) or "en"
    return Principal(
        actor_type="user", actor_id=user.id, organisation=Principal.summarise(organisation),
        display_name=user.display_name,
        permissions=ROLE_PERMISSIONS[Role(user.role)], role=user.role, language=language,
        request_id=request_id, ip_address=ip_address, csrf_token=csrf_token, session_id=session_id,
    )


def principal_for_session_token(session: Session, session_token: str, *,
                                request_id: str | None = None,
                                ip_address: str | None = None) -> Principal | None:
    found = repository.active_session(session, secret_digest(session_token), get_clock().now())
    if found is None:
        return None
    user_session, user, organisation = found
    return principal_for_user(user, organisation, request_id=request_id, ip_address=ip_address,
                              csrf_token=user_session.csrf_token, session_id=user_session.id)
