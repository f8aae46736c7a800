"""Writes of parents' and carers' access: the SENCo's invitation for named children, and revoking it.

A parent's account is an ordinary Django user whose username is their e-mail address, with a
``parent`` membership of the school and one ``ParentLink`` per child. A new account has no
usable password until the parent follows the invitation link (``plans.tokens``). An address that
belongs to a member of staff is refused: a parent uses their own address, so a SENCo can never
hand themselves a link to someone else's account, and nobody mixes a staff role with a parent's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from plans.models import ParentLink
from plans.tokens import invitation_tokens, uid_for
from pupils.models import Membership, Pupil, Role, School, TrustMembership

logger = logging.getLogger(__name__)

SENT = "sent"
NOT_CONFIGURED = "not configured"
FAILED = "failed"


@dataclass
class Invitation:
    user: AbstractBaseUser
    links: list[ParentLink]
    new_account: bool
    #: A token for the set-password link: only for an account that has no password yet.
    token: str = ""
    uidb64: str = ""
    children: list[Pupil] = field(default_factory=list)

    @property
    def needs_password(self) -> bool:
        return bool(self.token)


def _error(field_name: str | None, message: str) -> ValidationError:
    return ValidationError({field_name: [message]}) if field_name else ValidationError(message)


@transaction.atomic
def parent_invite(
    *, school: School, email: str, first_name: str, last_name: str, relationship: str = "",
    pupils: Sequence[Pupil], invited_by: AbstractBaseUser | None, reset_password: bool = False,
) -> Invitation:  # fmt: skip
    """Give a parent or carer access to named children of ``school``; create their account if new.

    Inviting the same person again for a child they lost access to gives it back; an account that
    has not set its password yet gets a new link (and the older link stops working). With
    ``reset_password`` a parent who forgot their password gets a link too: their old password
    stops working at once.
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise _error("email", "Enter the parent's e-mail address, e.g. name@example.com.") from None
    if not pupils:
        raise _error("pupils", "Choose at least one child.")
    for pupil in pupils:
        if pupil.school_id != school.pk or pupil.archived_at is not None:
            raise _error("pupils", f"{pupil.full_name} is not on roll at {school.name}.")
    User = get_user_model()
    user = User.objects.select_for_update().filter(email__iexact=email).first() or (
        User.objects.select_for_update().filter(username__iexact=email).first()
    )
    new_account = user is None
    if user is not None:
        staff_roles = Membership.objects.filter(user=user).exclude(role=Role.PARENT).exists()
        if staff_roles or user.is_staff or user.is_superuser or TrustMembership.objects.filter(user=user).exists():
            raise _error(
                "email", "That address belongs to a staff account. Invite the parent at their own, personal address."
            )
        if not user.is_active:
            raise _error("email", "That account has been switched off. Ask the school's IT administrator.")
    else:
        user = User(username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip())
        user.set_unusable_password()
        user.full_clean()
        user.save()
    Membership.objects.get_or_create(user=user, school=school, role=Role.PARENT)
    links = []
    for pupil in pupils:
        link = ParentLink.objects.filter(user=user, pupil=pupil).first()
        if link is None:
            link = ParentLink(user=user, pupil=pupil, invited_by=invited_by)
        link.relationship = relationship.strip() or link.relationship
        link.revoked_at, link.revoked_by = None, None
        link.full_clean()
        link.save()
        links.append(link)
    invitation = Invitation(user=user, links=links, new_account=new_account, children=list(pupils))
    if reset_password and user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if not user.has_usable_password():
        if not new_account:
            user.set_unusable_password()  # a fresh hash: the older link stops working
            user.save(update_fields=["password"])
        invitation.token = invitation_tokens.make_token(user)
        invitation.uidb64 = uid_for(user)
    return invitation


@transaction.atomic
def parent_link_revoke(*, link: ParentLink, revoked_by: AbstractBaseUser | None) -> ParentLink:
    """The parent no longer sees this child, from their next request. With no child left at the
    school, their membership of it goes too (their account and its history stay)."""
    if link.revoked_at is not None:
        return link
    link.revoked_at, link.revoked_by = timezone.now(), revoked_by
    link.full_clean()
    link.save()
    others = ParentLink.objects.filter(
        user=link.user_id, pupil__school_id=link.pupil.school_id, revoked_at__isnull=True
    ).exists()
    if not others:
        Membership.objects.filter(user=link.user_id, school_id=link.pupil.school_id, role=Role.PARENT).delete()
    return link


def _names(children: Sequence[Pupil]) -> str:
    names = [c.forename for c in children]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def invitation_send(*, invitation: Invitation, school: School, link: str, sign_in_url: str) -> str:
    """E-mail the invitation; ``sent``, ``not configured`` (no mail server set) or ``failed``.

    The SENCo is shown the link either way, to hand it over themselves if the e-mail goes astray.
    """
    if settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        return NOT_CONFIGURED
    user = invitation.user
    children = _names(invitation.children)
    greeting = f"Hello {user.first_name}," if user.first_name else "Hello,"
    lines = [
        greeting, "",
        f"{school.name} has invited you to see {children}'s SEN support plan, its reviews and how "
        "they are getting on, on sencotrack. You can add your own views before each review.", "",
    ]  # fmt: skip
    if invitation.needs_password:
        lines += [
            f"Choose your password here (the link works once, for {settings.PARENT_INVITATION_DAYS} days):", link, "",
            f"Your username is your e-mail address: {user.email}", "",
        ]  # fmt: skip
    else:
        lines += ["Sign in as usual, with your e-mail address and your password:", sign_in_url, ""]
    lines += ["If you were not expecting this e-mail, please ignore it or contact the school.", "", school.name]
    try:
        send_mail(
            subject=f"{school.name}: see {children}'s support plan",
            message="\n".join(lines),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception:  # noqa: BLE001 - a mail server that refuses or is down must not lose the invitation
        logger.warning("the invitation e-mail could not be sent", exc_info=True)
        return FAILED
    return SENT
