"""Reads for the staff and teaching-group pages: a few queries whatever the size of the school."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from pupils.models import Membership, Pupil, Role, School, TeachingGroup
from staff.services import STAFF_ROLES


@dataclass
class StaffRow:
    user: object
    roles: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    @property
    def role_labels(self) -> str:
        labels = dict(Role.choices)
        return ", ".join(labels[r] for r in STAFF_ROLES if r in self.roles)


def staff_rows(school: School) -> list[StaffRow]:
    """Everyone with a staff role at the school, by surname, with their roles and teaching groups."""
    rows: dict[int, StaffRow] = {}
    memberships = (
        Membership.objects.filter(school=school, role__in=STAFF_ROLES)
        .select_related("user").order_by("user__last_name", "user__first_name", "user__username")
    )  # fmt: skip
    for membership in memberships:
        rows.setdefault(membership.user_id, StaffRow(user=membership.user)).roles.append(membership.role)
    for group in TeachingGroup.objects.filter(school=school, staff__in=list(rows)).values_list("staff", "name").order_by("name"):
        rows[group[0]].groups.append(group[1])
    return list(rows.values())


def group_staff(school: School):
    """People who may teach or support a group: the school's SENCos, teachers and TAs who can sign in."""
    users = Membership.objects.filter(school=school, role__in=(Role.SENCO, Role.TEACHER, Role.TA)).values("user_id")
    return get_user_model().objects.filter(pk__in=users, is_active=True).order_by("last_name", "first_name", "username")


def groups_with_counts(school: School) -> list[TeachingGroup]:
    return list(
        TeachingGroup.objects.filter(school=school)
        .select_related("subject")
        .annotate(pupil_count=Count("pupils", filter=Q(pupils__archived_at__isnull=True), distinct=True))
        .prefetch_related("staff")
        .order_by("year_group", "name")
    )


def group_pupil_choices(group: TeachingGroup):
    """Pupils on roll in the group's year (every year for a mixed group), and its members whatever their year."""
    pupils = Pupil.objects.filter(school=group.school_id)
    on_roll = Q(archived_at__isnull=True) & (Q(year_group=group.year_group) if group.year_group is not None else Q())
    return pupils.filter(on_roll | Q(teaching_groups=group)).distinct().order_by("surname", "forename")
