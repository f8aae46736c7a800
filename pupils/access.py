"""Who may see what: roles and the named access helpers every view starts with (docs/roles.md).

Everything is scoped to the signed-in person's school. Teachers and TAs see only "own pupils":
pupils in teaching or intervention groups they are attached to. Governors see aggregates only.
A parent or carer sees only the children the SENCo named for them, and only on the pages made for
parents (``child_for_parent``); every staff page refuses them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from pupils.models import Membership, Pupil, Role

SESSION_KEY = "membership_id"

# Roles that may see named pupils, and whether they see all of the school or only their own.
SEES_ALL_PUPILS = {Role.SENCO}
SEES_OWN_PUPILS = {Role.TEACHER, Role.TA}
# A parent or carer: the children linked to them (plans.ParentLink) and not revoked.
SEES_OWN_CHILDREN = {Role.PARENT}


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership the person is acting in: the one chosen this session, else their first.

    Read from the database on every request (never cached), with the school and so its data
    version: a membership deleted, moved or given another role is refused at the next request,
    and the version read here, before any record, is the one the page's fragments are keyed on.
    """
    if hasattr(request, "_membership_cache"):
        return request._membership_cache
    membership = None
    if request.user.is_authenticated:
        chosen = request.session.get(SESSION_KEY)
        memberships = list(Membership.objects.filter(user=request.user).select_related("school").order_by("pk"))
        if chosen:
            membership = next((m for m in memberships if str(m.pk) == str(chosen)), None)
        if membership is None and memberships:
            membership = memberships[0]
    request._membership_cache = membership
    return membership


def require_membership(request: HttpRequest, *roles: str) -> Membership:
    """The acting membership, refused (403) unless it holds one of ``roles`` (any role when none given)."""
    membership = current_membership(request)
    if membership is None or (roles and membership.role not in roles):
        raise PermissionDenied("Your role does not give access to this page.")
    return membership


def visible_pupils(membership: Membership):
    """Pupils of the membership's school that this person may see by name."""
    pupils = Pupil.objects.filter(school=membership.school)
    if membership.role in SEES_ALL_PUPILS:
        return pupils
    if membership.role in SEES_OWN_PUPILS:
        user = membership.user_id
        return pupils.filter(
            Q(teaching_groups__staff=user) | Q(enrolments__intervention__staff=user)
        ).distinct()
    if membership.role in SEES_OWN_CHILDREN:
        return pupils.current().filter(parent_links__user=membership.user_id, parent_links__revoked_at__isnull=True)
    return pupils.none()


def pupil_for_user(request: HttpRequest, public_id, *, write: bool = False) -> Pupil:
    """A pupil the person may see (or, with ``write``, edit); 404 for anything else, so ids leak nothing.

    Asked of the database on every request: access is never cached.
    """
    membership = require_membership(request, *(SEES_ALL_PUPILS | SEES_OWN_PUPILS))
    if write and membership.role not in SEES_ALL_PUPILS:
        raise PermissionDenied("Only the SENCo can change a pupil's record.")
    try:
        return get_object_or_404(visible_pupils(membership), public_id=public_id)
    except (ValueError, ValidationError):
        raise Http404("No such pupil.") from None


def child_for_parent(request: HttpRequest, public_id) -> Pupil:
    """A child of the signed-in parent or carer, at any school where they are one; 404 for any other.

    Never cached: a link the SENCo revokes is refused at the very next request. A child at another
    school than the one the parent is acting for makes that school's membership the acting one
    (a family with children at two schools of a trust).
    """
    acting = require_membership(request, *SEES_OWN_CHILDREN)
    memberships = {m.school_id: m for m in Membership.objects.filter(user=request.user, role__in=SEES_OWN_CHILDREN)}
    try:
        child = (
            Pupil.objects.current()
            .filter(public_id=public_id, school__in=list(memberships))
            .filter(parent_links__user=request.user, parent_links__revoked_at__isnull=True)
            .select_related("school")
            .first()
        )
    except (ValueError, ValidationError):
        child = None
    if child is None:
        raise Http404("No such pupil.")
    if child.school_id != acting.school_id:
        request.session[SESSION_KEY] = memberships[child.school_id].pk
        request._membership_cache = memberships[child.school_id]
    return child
