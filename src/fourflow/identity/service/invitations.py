"""Invitations: an administrator invites an address; the invitee sets a password."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from fourflow.audit import service as audit
from fourflow.core import jobs
from fourflow.core.clock import get_clock
from fourflow.core.errors import PermissionDenied
from fourflow.core.i18n import Language, parse_language, translate
from fourflow.core.pagination import Page, PageRequest
from fourflow.core.security import secret_digest
from fourflow.core.settings import Settings
from fourflow.identity import repository
from fourflow.identity.errors import (
    InvitationAlreadyOpen,
    InvitationExpired,
    InvitationNotFound,
    OrganisationNotFound,
    UserEmailTaken,
)
from fourflow.identity.models import Invitation, Organisation, User
from fourflow.identity.principal import Principal
from fourflow.identity.roles import ROLE_LABELS, Permission, Role
from fourflow.identity.schemas import InvitationAccept, InvitationCreate
from fourflow.identity.service.organisations import audit_cross_organisation_read
from fourflow.identity.service.users import check_role_fits, create_user
from fourflow.notifications import service as notifications
from fourflow.notifications.mail import MailTransport

SEND_INVITATION_TASK = "identity:send_invitation_email"


def invitation_token(secret_key: str, invitation_id: uuid.UUID) -> str:
    """Derived from the platform secret, so the job can rebuild the link without the
    raw token ever being stored (the database keeps only its digest)."""
    mac = hmac.new(secret_key.encode(), f"invitation:{invitation_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _may_manage(principal: Principal, organisation_id: uuid.UUID) -> bool:
    if principal.can(Permission.MANAGE_ALL_ORGANISATIONS):
        return True
    return principal.can(Permission.MANAGE_OWN_USERS) and organisation_id == principal.organisation_id


def invite_user(session: Session, principal: Principal, settings: Settings,
                organisation_id: uuid.UUID, data: InvitationCreate) -> Invitation:
    organisation = repository.organisation_by_id(session, organisation_id, principal)
    if organisation is None:
        raise OrganisationNotFound()
    if not _may_manage(principal, organisation.id):
        raise PermissionDenied()
    check_role_fits(organisation, data.role)
    email = str(data.email).lower()
    if repository.user_by_email(session, email) is not None:
        raise UserEmailTaken(field="email", email=email)
    if repository.open_invitation(session, organisation.id, email) is not None:
        raise InvitationAlreadyOpen(field="email", email=email)
    invitation_id = uuid.uuid4()
    secret = settings.security.secret_key.get_secret_value()
    invitation = Invitation(
        id=invitation_id, organisation_id=organisation.id, email=email, role=data.role.value,
        language=data.language,
        token_digest=secret_digest(invitation_token(secret, invitation_id)),
        invited_by_user_id=principal.user_id,
        expires_at=get_clock().now() + timedelta(hours=settings.security.invitation_lifetime_hours),
    )
    repository.add(session, invitation)
    audit.record(session, principal.audit_context(), "identity:user:invited",
                 subject_type="invitation", subject_id=invitation.id,
                 organisation_id=organisation.id, after={"email": email, "role": data.role.value})
    jobs.enqueue(session, SEND_INVITATION_TASK, {"invitation_id": str(invitation.id)},
                 queueing_lock=f"invitation-email:{invitation.id}")
    return invitation


def get_invitation(session: Session, principal: Principal, invitation_id: uuid.UUID) -> Invitation:
    invitation = repository.visible_invitation(session, invitation_id, principal)
    if invitation is None or not (
        _may_manage(principal, invitation.organisation_id) or principal.sees_all_organisations()
    ):
        raise InvitationNotFound()
    audit_cross_organisation_read(session, principal, "identity:invitation:viewed",
                                  invitation.organisation_id, "invitation", invitation.id)
    return invitation


def list_invitations(session: Session, principal: Principal, organisation_id: uuid.UUID,
                     request: PageRequest) -> Page[Invitation]:
    if repository.organisation_by_id(session, organisation_id, principal) is None:
        raise OrganisationNotFound()
    if not (_may_manage(principal, organisation_id) or principal.sees_all_organisations()):
        raise PermissionDenied()
    return repository.invitations_page(session, organisation_id, request)


def revoke_invitation(session: Session, principal: Principal, invitation_id: uuid.UUID) -> Invitation:
    invitation = repository.visible_invitation(session, invitation_id, principal)
    if invitation is None:
        raise InvitationNotFound()
    if not _may_manage(principal, invitation.organisation_id):
        raise PermissionDenied()
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = get_clock().now()
        session.flush()
        audit.record(session, principal.audit_context(), "identity:invitation:revoked",
                     subject_type="invitation", subject_id=invitation.id,
                     organisation_id=invitation.organisation_id)
    return invitation


def open_invitation_for_token(session: Session, token: str, *,
                              for_update: bool = False) -> tuple[Invitation, Organisation]:
    invitation = repository.invitation_by_token_digest(session, secret_digest(token),
                                                       for_update=for_update)
    if invitation is None or invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationNotFound()
    if invitation.expires_at <= get_clock().now():
        raise InvitationExpired()
    organisation = repository.organisation_by_id(session, invitation.organisation_id)
    if organisation is None or not organisation.is_active:
        raise InvitationNotFound()
    return invitation, organisation


def accept_invitation(session: Session, token: str, data: InvitationAccept, *,
                      request_id: str | None, ip_address: str | None) -> User:
    invitation, organisation = open_invitation_for_token(session, token, for_update=True)
    context = audit.AuditContext(actor_type="invitee", actor_id=invitation.id,
                                 organisation_id=organisation.id, request_id=request_id,
                                 ip_address=ip_address)
    language: Language = parse_language(invitation.language) or "en"
    user = create_user(session, context, organisation=organisation, email=invitation.email,
                       display_name=data.display_name, role=Role(invitation.role),
                       password=data.password, preferred_language=language)
    invitation.accepted_at = get_clock().now()
    invitation.accepted_user_id = user.id
    session.flush()
    audit.record(session, context, "identity:invitation:accepted", subject_type="invitation",
                 subject_id=invitation.id, organisation_id=organisation.id,
                 after={"user_id": str(user.id)})
    return user


def send_invitation_email(session: Session, settings: Settings, transport: MailTransport,
                          invitation_id: uuid.UUID) -> None:
    """The job body: idempotent on the invitation, so a retry never sends a second mail."""
    invitation = repository.invitation_by_id(session, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        return
    organisation = repository.organisation_by_id(session, invitation.organisation_id)
    if organisation is None:
        return
    language: Language = parse_language(invitation.language) or "en"
    token = invitation_token(settings.security.secret_key.get_secret_value(), invitation.id)
    base_url = settings.web.public_url or f"http://{settings.web.host}:{settings.web.port}"
    link = f"{base_url}/invitations/{token}"
    role_label = translate(ROLE_LABELS[Role(invitation.role)], language)
    subject = translate("You are invited to {organisation} on Fourflow", language,
                        organisation=organisation.name)
    body = translate(
        "Hello,\n\nYou have been invited to join {organisation} on Fourflow as {role}.\n"
        "Open this link to choose your password and sign in:\n\n{link}\n\n"
        "The link is valid until {expires} UTC.\n", language,
        organisation=organisation.name, role=role_label, link=link,
        expires=invitation.expires_at.strftime("%Y-%m-%d %H:%M"))
    notifications.send_mail(session, transport, idempotency_key=f"invitation:{invitation.id}",
                            recipient=invitation.email, subject=subject, body_text=body,
                            language=language)
