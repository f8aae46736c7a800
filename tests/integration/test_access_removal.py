"""Access removed, however it is removed, is refused at the very next request, cached pages or not.

bob teaches 9E1, which holds pupil A of the report school; tia runs A's reading intervention.
Each test opens A's pages (twice: the second from the cache), takes the access away by one of the
ways a school does it (either side of a many-to-many, the table itself, deactivation, a
membership deleted, given another role or moved, the admin, a shell, ``QuerySet.update()``),
and opens them again. Run in the embedded mode and with Redis (production mode), so both caches
are exercised.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from interventions.models import Enrolment
from pupils.models import Membership, Role, TeachingGroup
from tests import factories as f
from tests.factories import PASSWORD
from tests.integration.test_report_pages_helpers import TERM_QUERY, report_school  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
User = get_user_model()

PUPIL_PAGES = ("pupils:detail", "reports:pupil_dashboard", "assessments:pupil_measures")


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def refused(response) -> bool:
    """Refused: 404 (not their pupil), 403 (not their kind of page) or sent to sign in."""
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response["Location"].startswith(reverse("login")))


def shows(response, pupil) -> bool:
    page = response.content.decode()
    return response.status_code == 200 and (pupil.upn in page or pupil.full_name in page)


def on_register(response, pupil) -> bool:
    return response.status_code == 200 and f"{pupil.surname}, {pupil.forename}" in response.content.decode()


def shell(code: str) -> None:
    """Django's own shell command, as a school's IT person would type it."""
    call_command("shell", command=code)


def admin_client() -> Client:
    admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    return signed_in(admin)


def admin_drops_bob_from_the_group(s) -> None:
    group = s.group
    data = {"school": group.school_id, "name": group.name, "subject": group.subject_id or "",
            "year_group": group.year_group or "", "staff": [], "pupils": ",".join(str(pk) for pk in
                                                                                  group.pupils.values_list("pk", flat=True))}
    response = admin_client().post(reverse("admin:pupils_teachinggroup_change", args=[group.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not s.group.staff.filter(pk=s.teacher.pk).exists()


def admin_deletes_bobs_membership(s) -> None:
    membership = Membership.objects.get(user=s.teacher)
    response = admin_client().post(reverse("admin:pupils_membership_changelist"), {
        "action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def move_membership(s) -> None:
    membership = Membership.objects.get(user=s.teacher)
    membership.school = f.SchoolFactory(code="elm")
    membership.save()


def change_role(s) -> None:
    membership = Membership.objects.get(user=s.teacher)
    membership.role = Role.GOVERNOR
    membership.save()


def deactivate(s) -> None:
    bob = User.objects.get(pk=s.teacher.pk)
    bob.is_active = False
    bob.save()


TEACHER_LOSES_A = {
    "the person's side: user.teaching_groups.remove(group)": lambda s: s.teacher.teaching_groups.remove(s.group),
    "the group's side: group.staff.remove(user)": lambda s: s.group.staff.remove(s.teacher),
    "user.teaching_groups.clear()": lambda s: s.teacher.teaching_groups.clear(),
    "group.staff.clear()": lambda s: s.group.staff.clear(),
    "group.staff.set([])": lambda s: s.group.staff.set([]),
    "the pupil's side: pupil.teaching_groups.remove(group)":
        lambda s: s.report_pupils["A"].teaching_groups.remove(s.group),
    "group.pupils.remove(pupil)": lambda s: s.group.pupils.remove(s.report_pupils["A"]),
    "the table itself: TeachingGroup.staff.through.objects...delete()":
        lambda s: TeachingGroup.staff.through.objects.filter(user=s.teacher).delete(),
    "the group deleted": lambda s: TeachingGroup.objects.filter(pk=s.group.pk).delete(),
    "deactivated: user.is_active = False; save()": deactivate,
    "deactivated: User.objects...update(is_active=False)":
        lambda s: User.objects.filter(pk=s.teacher.pk).update(is_active=False),
    "membership deleted": lambda s: Membership.objects.get(user=s.teacher).delete(),
    "membership deleted with QuerySet.delete()": lambda s: Membership.objects.filter(user=s.teacher).delete(),
    "role changed: membership.save()": change_role,
    "role changed: Membership.objects...update(role=...)":
        lambda s: Membership.objects.filter(user=s.teacher).update(role=Role.DATA_MANAGER),
    "membership moved to another school: save()": move_membership,
    "membership moved to another school: update()":
        lambda s: Membership.objects.filter(user=s.teacher).update(school=f.SchoolFactory(code="elm")),
    "the admin: the group's change form without him": admin_drops_bob_from_the_group,
    "the admin: his membership deleted": admin_deletes_bobs_membership,
    "a shell: manage.py shell -c": lambda s: shell(
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.get(pk={s.teacher.pk}).teaching_groups.clear()"),
}


@pytest.mark.parametrize("how", list(TEACHER_LOSES_A))
def test_a_teacher_who_loses_a_pupil_is_refused_at_the_next_request(report_school, how):  # noqa: F811
    s = report_school
    a = s.report_pupils["A"]
    bob = signed_in(s.teacher)
    urls = [reverse(name, args=[a.public_id]) for name in PUPIL_PAGES]
    if not a.register_entries.exists():
        f.RegisterEntryFactory(pupil=a)
    for _ in range(2):  # the second time from the cache
        for url in urls:
            assert shows(bob.get(url), a), url
        assert shows(bob.get(reverse("reports:dashboard"), TERM_QUERY), a)
        assert on_register(bob.get(reverse("pupils:register"), {"all": "on"}), a)  # its rows are cached too

    TEACHER_LOSES_A[how](s)

    for url in urls:
        assert refused(bob.get(url)), url
    dashboard = bob.get(reverse("reports:dashboard"), TERM_QUERY)
    assert refused(dashboard) or (dashboard.status_code == 200 and not shows(dashboard, a))
    register = bob.get(reverse("pupils:register"), {"all": "on"})
    assert refused(register) or (register.status_code == 200 and not on_register(register, a))
    # The SENCo's cached pages are untouched by bob's loss: A is still on hers.
    senco = signed_in(s.senco)
    assert shows(senco.get(urls[0]), a) and shows(senco.get(reverse("reports:dashboard"), TERM_QUERY), a)


TA_LOSES_A = {
    "intervention.staff.remove(user)": lambda s, i: i.staff.remove(s.ta),
    "user.interventions.remove(intervention)": lambda s, i: s.ta.interventions.remove(i),
    "user.interventions.clear()": lambda s, i: s.ta.interventions.clear(),
    "the pupil's enrolment deleted": lambda s, i: Enrolment.objects.filter(pupil=s.report_pupils["A"]).delete(),
    "deactivated with update()": lambda s, i: User.objects.filter(pk=s.ta.pk).update(is_active=False),
}


@pytest.mark.parametrize("how", list(TA_LOSES_A))
def test_a_ta_who_loses_a_pupil_is_refused_at_the_next_request(report_school, how):  # noqa: F811
    s = report_school
    a = s.report_pupils["A"]
    intervention = Enrolment.objects.get(pupil=a).intervention
    intervention.staff.add(s.ta)
    tia = signed_in(s.ta)
    url = reverse("pupils:detail", args=[a.public_id])
    assert shows(tia.get(url), a) and shows(tia.get(url), a)
    TA_LOSES_A[how](s, intervention)
    assert refused(tia.get(url))


def test_a_teacher_given_a_group_sees_its_pupil_at_the_next_request(report_school):  # noqa: F811
    s = report_school
    b = s.report_pupils["B"]
    bob = signed_in(s.teacher)
    assert not shows(bob.get(reverse("reports:dashboard"), TERM_QUERY), b)
    assert bob.get(reverse("pupils:detail", args=[b.public_id])).status_code == 404
    b.teaching_groups.add(s.group)
    assert shows(bob.get(reverse("reports:dashboard"), TERM_QUERY), b)
    assert shows(bob.get(reverse("pupils:detail", args=[b.public_id])), b)


def test_a_new_password_signs_out_the_sessions_that_used_the_old_one(report_school):  # noqa: F811
    s = report_school
    bob = signed_in(s.teacher)
    url = reverse("pupils:detail", args=[s.report_pupils["A"].public_id])
    assert bob.get(url).status_code == 200
    s.teacher.set_password("a-new-long-passphrase")
    s.teacher.save()
    assert refused(bob.get(url))
