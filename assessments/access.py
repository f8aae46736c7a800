"""Who may record assessments and other measures (docs/roles.md: "assessments and baselines").

- The SENCo records everything for any pupil of the school and sees every teaching group.
- A teacher records for their own teaching groups (groups where they are one of the ``staff``)
  and their own pupils (``pupils.access.visible_pupils``).
- TAs, governors and data managers have no access to these pages: 403.

A group or pupil outside the person's school or scope is a 404, so ids leak nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from pupils.models import Membership, Pupil, Role, TeachingGroup
from pupils.access import pupil_for_user, require_membership

#: Roles that may open the assessment pages at all.
RECORDER_ROLES = (Role.SENCO, Role.TEACHER)


def recorder_membership(request: HttpRequest) -> Membership:
    """The acting membership of someone who may record assessments (SENCo or teacher); else 403."""
    return require_membership(request, *RECORDER_ROLES)


def recordable_groups(membership: Membership) -> QuerySet[TeachingGroup]:
    """Teaching groups this person records for: all the school's for the SENCo, their own for a teacher."""
    groups = TeachingGroup.objects.filter(school=membership.school)
    if membership.role == Role.SENCO:
        return groups
    if membership.role == Role.TEACHER:
        return groups.filter(staff=membership.user_id)
    return groups.none()


def group_for_user(request: HttpRequest, group_id) -> TeachingGroup:
    """A teaching group the person records for; 404 for another school's or another teacher's group."""
    membership = recorder_membership(request)
    try:
        pk = int(group_id)
    except (TypeError, ValueError):
        raise Http404("No such teaching group.") from None
    group = recordable_groups(membership).select_related("subject", "school").filter(pk=pk).first()
    if group is None:
        raise Http404("No such teaching group.")
    return group


def pupil_for_recording(request: HttpRequest, public_id) -> Pupil:
    """A pupil whose measures this person may record: 403 for other roles, 404 outside their pupils."""
    recorder_membership(request)
    return pupil_for_user(request, public_id)
