"""Who gets each plans page and each family page: every view refuses an outsider, another school's
SENCo, a teacher for a pupil not theirs, a TA, a governor, a data manager and a parent of another child."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pupils.models import AccessEvent
from tests.integration.plans_fixtures import PlansSchool, plans_school  # noqa: F401

pytestmark = pytest.mark.django_db

LOGIN = "login"


def _client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


def staff_pages(s: PlansSchool, pupil, plan) -> dict[str, tuple[str, str]]:
    """name -> (method, url) for the staff pages of ``pupil`` and ``plan``."""
    o, t = plan.outcomes.first(), plan.curricular_targets.first()
    comment_id = "00000000-0000-4000-8000-000000000000"
    pages = {
        "plans:pupil": ("get", reverse("plans:pupil", args=[pupil.public_id])),
        "plans:plan_new": ("get", reverse("plans:plan_new", args=[pupil.public_id])),
        "plans:passport_pdf": ("get", reverse("plans:passport_pdf", args=[pupil.public_id])),
        "plans:parent_report_pdf": ("get", reverse("plans:parent_report_pdf", args=[pupil.public_id])),
        "plans:annual_review": ("get", reverse("plans:annual_review", args=[pupil.public_id])),
        "plans:annual_review_pdf": ("get", reverse("plans:annual_review_pdf", args=[pupil.public_id])),
        "plans:parent_invite": ("get", reverse("plans:parent_invite", args=[pupil.public_id])),
        "plans:comment_share": ("post", reverse("plans:comment_share", args=[pupil.public_id, comment_id])),
        "plans:plan": ("get", reverse("plans:plan", args=[plan.public_id])),
        "plans:plan_edit": ("get", reverse("plans:plan_edit", args=[plan.public_id])),
        "plans:plan_start": ("post", reverse("plans:plan_start", args=[plan.public_id])),
        "plans:plan_discard": ("post", reverse("plans:plan_discard", args=[plan.public_id])),
        "plans:outcome_add": ("get", reverse("plans:outcome_add", args=[plan.public_id])),
        "plans:outcome_edit": ("get", reverse("plans:outcome_edit", args=[plan.public_id, o.pk])),
        "plans:outcome_remove": ("post", reverse("plans:outcome_remove", args=[plan.public_id, o.pk])),
        "plans:review": ("get", reverse("plans:review", args=[plan.public_id])),
        "plans:draft_next": ("post", reverse("plans:draft_next", args=[plan.public_id])),
        "plans:plan_pdf": ("get", reverse("plans:plan_pdf", args=[plan.public_id])),
        "plans:contribute": ("get", reverse("plans:contribute", args=[plan.public_id])),
    }
    if t is not None:
        pages |= {
            "plans:target_edit": ("get", reverse("plans:target_edit", args=[plan.public_id, t.pk])),
            "plans:target_remove": ("post", reverse("plans:target_remove", args=[plan.public_id, t.pk])),
            "plans:target_check": ("get", reverse("plans:target_check", args=[plan.public_id, t.pk])),
            "plans:target_add": ("get", reverse("plans:target_add", args=[plan.public_id])),
        }
    return pages


VIEW_PAGES = {"plans:pupil", "plans:passport_pdf", "plans:plan", "plans:plan_pdf"}
CONTRIBUTE_PAGES = {"plans:contribute", "plans:target_check"}


def test_every_staff_plan_page_refuses_whoever_may_not_see_or_change_it(plans_school):
    s = plans_school
    p = s.p
    # Ben is neither bob's nor tia's pupil; charlie is another school's SENCo; Pat is a parent.
    people = {"anon": None, "charlie": p.outsider, "bob": p.teacher, "tia": p.ta, "gwen": p.governor,
              "dan": p.data_manager, "pat": s.pat, "pam": s.pam}  # fmt: skip
    before = AccessEvent.objects.count()
    wrong = []
    for name, (method, url) in staff_pages(s, s.ben, s.ben_plan).items():
        for who, user in people.items():
            got = _outcome(getattr(_client(user), method)(url))
            if who == "anon":
                expected = {LOGIN}
            elif who in ("gwen", "dan", "pat", "pam"):
                expected = {403, 405} if method == "get" else {403}
            elif who == "charlie":
                expected = {404}
            else:  # bob and tia: a pupil not theirs is a 404; a page their role may not use is a 403
                expected = {404} if name in VIEW_PAGES or (who == "bob" and name in CONTRIBUTE_PAGES) else {403, 404}
            if got not in expected:
                wrong.append(f"{name} as {who}: got {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)
    assert AccessEvent.objects.count() == before  # nothing refused was logged as seen


def test_the_teacher_sees_and_contributes_to_his_own_pupils_plan_but_changes_nothing(plans_school):
    s = plans_school
    bob = _client(s.p.teacher)
    for name, (method, url) in staff_pages(s, s.amy, s.plan).items():
        got = getattr(bob, method)(url).status_code
        if name in VIEW_PAGES | CONTRIBUTE_PAGES:
            assert got == 200, name
        else:
            assert got == 403, name


def test_the_ta_reads_her_own_pupils_plan_and_nothing_more(plans_school):
    s = plans_school
    from tests import factories as f

    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=s.p.school), name="Reading group")
    group.staff.add(s.p.ta)
    f.EnrolmentFactory(intervention=group, pupil=s.amy)
    tia = _client(s.p.ta)
    for name, (method, url) in staff_pages(s, s.amy, s.plan).items():
        got = getattr(tia, method)(url).status_code
        assert got == (200 if name in VIEW_PAGES else 403), name


def test_the_senco_opens_every_page(plans_school):
    s = plans_school
    alice = _client(s.p.senco)
    for name, (method, url) in staff_pages(s, s.amy, s.plan).items():
        if method == "get":
            assert alice.get(url).status_code == 200, name


def test_the_parents_list_and_a_parents_link_belong_to_the_senco_of_their_school(plans_school):
    s = plans_school
    link = s.pat_amy
    for user, expected in ((s.p.teacher, 403), (s.p.ta, 403), (s.pat, 403), (s.p.outsider, 404)):
        client = _client(user)
        assert client.post(reverse("plans:parent_revoke", args=[link.pk])).status_code == expected
        assert client.post(reverse("plans:parent_resend", args=[link.pk])).status_code == expected
    assert _client(s.p.outsider).get(reverse("plans:parents")).status_code == 200  # his own school's list
    assert "Pat" not in _client(s.p.outsider).get(reverse("plans:parents")).content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None


def family_pages(pupil) -> dict[str, str]:
    return {
        "family:child": reverse("family:child", args=[pupil.public_id]),
        "family:views": reverse("family:views", args=[pupil.public_id]),
        "family:history": reverse("family:history", args=[pupil.public_id]),
        "family:report": reverse("family:report", args=[pupil.public_id]),
    }


def test_every_family_page_refuses_staff_and_a_parent_of_another_child(plans_school):
    s = plans_school
    p = s.p
    for name, url in family_pages(s.amy).items():
        assert _outcome(Client().get(url)) == LOGIN, name
        for staff in (p.senco, p.teacher, p.ta, p.governor, p.data_manager, p.outsider):
            assert _client(staff).get(url).status_code == 403, (name, staff.username)
        assert _client(s.pam).get(url).status_code == 404, name  # Ben's parent
        assert _client(s.elm_parent).get(url).status_code == 404, name  # a parent at another school
        assert _client(s.pat).get(url).status_code == 200, name
    # Pam's POST of views to Amy's plan saves nothing.
    response = _client(s.pam).post(family_pages(s.amy)["family:views"], {"going_well": "Hijacked"})
    assert response.status_code == 404
    assert not s.plan.contributions.exists()


# --- Query counts: the lists do not grow with the number of pupils ---------------------------------------


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200  # warm: the signed-in person is cached again after the writes
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_pupils_with_plans(s: PlansSchool, n: int) -> None:
    import datetime as dt

    from plans import services
    from plans.services_parents import parent_invite
    from pupils.models import Provision
    from tests import factories as f

    for i in range(n):
        pupil = f.PupilFactory(school=s.p.school)
        s.p.group.pupils.add(pupil)
        f.RegisterEntryFactory(pupil=pupil, provision=Provision.SEN_SUPPORT, start_date=s.today - dt.timedelta(days=90))
        plan = services.plan_create(pupil=pupil, starts_on=s.today - dt.timedelta(days=9),
                                    review_date=s.today + dt.timedelta(days=9), created_by=None)  # fmt: skip
        services.outcome_add(plan=plan, description="x", measure="y", by_when=plan.review_date)
        services.plan_start(plan=plan)
        parent_invite(school=s.p.school, email=f"parent{i}@example.org", first_name="P", last_name=str(i),
                      pupils=[pupil], invited_by=None)  # fmt: skip


@pytest.mark.parametrize("who", ["senco", "teacher"])
def test_the_plans_list_runs_the_same_queries_for_few_pupils_and_many(plans_school, who):
    s = plans_school
    client = _client(getattr(s.p, who))
    few = _count(client, reverse("plans:list"))
    _more_pupils_with_plans(s, 12)
    assert _count(client, reverse("plans:list")) == few


def test_the_parents_list_runs_the_same_queries_for_few_parents_and_many(plans_school):
    s = plans_school
    client = _client(s.p.senco)
    few = _count(client, reverse("plans:parents"))
    _more_pupils_with_plans(s, 12)
    assert _count(client, reverse("plans:parents")) == few
