"""Who manages staff, roles and teaching groups: the SENCo and the data manager (docs/roles.md).

A data manager manages every account except a SENCo's, and cannot give the SENCo role
(staff.services). Everything is scoped to the acting membership's school; an account or group of
another school is a 404, so ids leak nothing.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from pupils.models import Membership, Role, TeachingGroup
from pupils.access import require_membership
from staff.services import STAFF_ROLES

MANAGER_ROLES = (Role.SENCO, Role.DATA_MANAGER)


def staff_manager(request: HttpRequest) -> Membership:
    """The acting membership of someone who manages staff and groups; else 403."""
    return require_membership(request, *MANAGER_ROLES)


def staff_member_for_user(request: HttpRequest, user_id) -> tuple[Membership, object]:
    """A person with a staff role at the manager's school; 404 for anyone else."""
    membership = staff_manager(request)
    found = (
        Membership.objects.filter(school=membership.school, user_id=user_id, role__in=STAFF_ROLES)
        .select_related("user").first()
    )  # fmt: skip
    if found is None:
        raise Http404("No such member of staff.")
    return membership, found.user


def group_for_manager(request: HttpRequest, group_id) -> tuple[Membership, TeachingGroup]:
    membership = staff_manager(request)
    group = TeachingGroup.objects.filter(school=membership.school, pk=group_id).select_related("subject").first()
    if group is None:
        raise Http404("No such teaching group.")
    return membership, group
