"""Who may see and change plans, reviews, annual reviews and parents' access (docs/roles.md).

Anything outside the person's school or scope is a 404, so ids leak nothing; a role that may see
the record but not do what is asked gets a 403.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from interventions.models import Comment
from plans.models import CurricularTarget, Outcome, ParentLink, SupportPlan
from pupils.models import Membership, Pupil, Role
from pupils.access import pupil_for_user, require_membership, visible_pupils

#: Roles that see plans at all, and those that may contribute to them.
PLAN_ROLES = (Role.SENCO, Role.TEACHER, Role.TA)
CONTRIBUTOR_ROLES = (Role.SENCO, Role.TEACHER)
MANAGER_ROLE = Role.SENCO


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such record.") from None


def plans_membership(request: HttpRequest) -> Membership:
    """The plans overview: the SENCo (the school's pupils), teachers and TAs (their own)."""
    return require_membership(request, *PLAN_ROLES)


def manager_membership(request: HttpRequest) -> Membership:
    """Pages only the SENCo opens: parents' access, annual reviews."""
    return require_membership(request, MANAGER_ROLE)


def pupil_for_plans(request: HttpRequest, public_id, *, write: bool = False) -> Pupil:
    """A pupil whose plans the person may see (SENCo, teacher, TA: their own), or write (SENCo)."""
    require_membership(request, *PLAN_ROLES)
    return pupil_for_user(request, public_id, write=write)


def plan_for_user(request: HttpRequest, plan_id, *, write: bool = False, contribute: bool = False) -> SupportPlan:
    """A plan of a pupil the person may see; ``write`` for the SENCo only, ``contribute`` for SENCo and teachers."""
    membership = require_membership(request, *PLAN_ROLES)
    if write and membership.role != MANAGER_ROLE:
        raise PermissionDenied("Only the SENCo can change a plan.")
    if contribute and membership.role not in CONTRIBUTOR_ROLES:
        raise PermissionDenied("Teaching assistants can read plans but not add to them.")
    plan = (
        SupportPlan.objects.filter(
            public_id=_uuid_or_404(plan_id),
            pupil__school=membership.school,
            pupil__in=visible_pupils(membership).values("pk"),
        )
        .select_related("pupil", "pupil__school")
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return plan


def outcome_for_user(request: HttpRequest, plan_id, outcome_id: int) -> tuple[SupportPlan, Outcome]:
    """An outcome of a plan, found only under its own plan (SENCo)."""
    plan = plan_for_user(request, plan_id, write=True)
    outcome = Outcome.objects.filter(plan=plan, pk=outcome_id).first()
    if outcome is None:
        raise Http404("No such outcome.")
    return plan, outcome


def target_for_user(request: HttpRequest, plan_id, target_id: int, *, check: bool = False) -> tuple[SupportPlan, CurricularTarget]:
    """A curricular target of a plan: the SENCo changes it; with ``check``, teachers record its term's check too."""
    plan = plan_for_user(request, plan_id, write=not check, contribute=check)
    target = CurricularTarget.objects.filter(plan=plan, pk=target_id).select_related("subject").first()
    if target is None:
        raise Http404("No such target.")
    return plan, target


def parent_link_for_user(request: HttpRequest, link_id: int) -> ParentLink:
    """A parent's link to a child of the SENCo's school."""
    membership = manager_membership(request)
    link = (
        ParentLink.objects.filter(pk=link_id, pupil__school=membership.school)
        .select_related("user", "pupil")
        .first()
    )
    if link is None:
        raise Http404("No such parent or carer.")
    return link


def comment_for_sharing(request: HttpRequest, public_id, comment_id) -> tuple[Pupil, Comment]:
    """A comment about a pupil, for the SENCo to share with the pupil's parents (or stop sharing)."""
    pupil = pupil_for_plans(request, public_id, write=True)
    comment = Comment.objects.filter(pupil=pupil, public_id=_uuid_or_404(comment_id)).first()
    if comment is None:
        raise Http404("No such comment.")
    return pupil, comment
