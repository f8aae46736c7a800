"""Who may see, run and manage interventions, and read or add anecdotal comments (docs/roles.md).

- The SENCo manages and costs every intervention of the school and reads every comment.
- Teachers and TAs see the interventions they staff or that one of their own pupils attends, log
  sessions of the interventions they staff, and add and read comments about their own pupils.
- Governors and data managers have no access to named pupils: they are refused (403).

Anything outside the person's school or scope is a 404, so ids leak nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from interventions.models import Enrolment, Intervention, Programme
from pupils.models import Membership, Role
from pupils.access import require_membership, visible_pupils

#: Roles that may open intervention and comment pages at all.
INTERVENTION_ROLES = (Role.SENCO, Role.TEACHER, Role.TA)
COMMENT_ROLES = (Role.SENCO, Role.TEACHER, Role.TA)
#: The role that manages programmes, groups and enrolments, and sees what they cost.
MANAGER_ROLE = Role.SENCO


def is_manager(membership: Membership) -> bool:
    return membership.role == MANAGER_ROLE


def visible_interventions(membership: Membership) -> QuerySet[Intervention]:
    """Interventions of the membership's school this person may see."""
    interventions = Intervention.objects.filter(programme__school=membership.school)
    if is_manager(membership):
        return interventions
    if membership.role in (Role.TEACHER, Role.TA):
        own_pupils = visible_pupils(membership).values("pk")
        mine = Intervention.objects.filter(
            Q(staff=membership.user_id) | Q(enrolments__pupil__in=own_pupils)
        ).values("pk")
        return interventions.filter(pk__in=mine)
    return interventions.none()


def loggable_interventions(membership: Membership) -> QuerySet[Intervention]:
    """Interventions whose sessions this person may log: all for the SENCo, else the ones they staff."""
    interventions = Intervention.objects.filter(programme__school=membership.school)
    if is_manager(membership):
        return interventions
    if membership.role in (Role.TEACHER, Role.TA):
        return interventions.filter(pk__in=Intervention.objects.filter(staff=membership.user_id).values("pk"))
    return interventions.none()


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such record.") from None


def intervention_for_user(
    request: HttpRequest, public_id, *, manage: bool = False, log: bool = False
) -> Intervention:
    """An intervention the person may see; with ``manage`` only the SENCo, with ``log`` only its staff.

    404 for an intervention outside the person's school or scope; 403 when they may see it but
    not do what is asked (a teacher asking to edit it).
    """
    membership = require_membership(request, *INTERVENTION_ROLES)
    if manage and not is_manager(membership):
        raise PermissionDenied("Only the SENCo can change interventions.")
    interventions = visible_interventions(membership).select_related("programme", "programme__school")
    intervention = interventions.filter(public_id=_uuid_or_404(public_id)).first()
    if intervention is None:
        raise Http404("No such intervention.")
    if log and not is_manager(membership) and not intervention.staff.filter(pk=membership.user_id).exists():
        raise PermissionDenied("Only the staff who run this intervention, or the SENCo, can log its sessions.")
    return intervention


def enrolment_for_user(
    request: HttpRequest, public_id, pupil_id, start_date: dt.date
) -> Enrolment:
    """One enrolment, named by its natural key (intervention, pupil, start date): SENCo only."""
    intervention = intervention_for_user(request, public_id, manage=True)
    enrolment = (
        Enrolment.objects.filter(
            intervention=intervention, pupil__public_id=_uuid_or_404(pupil_id), start_date=start_date
        )
        .select_related("pupil", "intervention", "intervention__programme")
        .first()
    )
    if enrolment is None:
        raise Http404("No such enrolment.")
    return enrolment


#: Who keeps the programme library: the SENCo, and the data manager who sets the school up
#: (programmes are a reference table; they name no pupil and cost nothing until a group runs one).
PROGRAMME_MANAGERS = (Role.SENCO, Role.DATA_MANAGER)


def programmes_for_user(request: HttpRequest, *, manage: bool = False) -> QuerySet[Programme]:
    """The programme library of the person's school; with ``manage``, refused unless they keep it."""
    membership = require_membership(request, *INTERVENTION_ROLES, Role.DATA_MANAGER)
    if manage and membership.role not in PROGRAMME_MANAGERS:
        raise PermissionDenied("Only the SENCo or the data manager can change the programme library.")
    return Programme.objects.filter(school=membership.school)


def programme_for_user(request: HttpRequest, name: str, *, manage: bool = False) -> Programme:
    """A programme of the person's school, by its name (unique within the school)."""
    programme = programmes_for_user(request, manage=manage).filter(name=name).first()
    if programme is None:
        raise Http404("No such programme.")
    return programme


def comment_access(request: HttpRequest) -> Membership:
    """The membership of someone who may add and read anecdotal comments (SENCo, teacher, TA)."""
    return require_membership(request, *COMMENT_ROLES)
