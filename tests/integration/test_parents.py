"""Parents and carers: the SENCo's invitation, the link that sets a password, what a parent sees,
two children, revoking access, and the log of every view."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans.models import ParentLink
from plans.services_parents import parent_invite
from plans.tokens import InvitationTokenGenerator
from pupils.models import AccessEvent, Membership, Role
from tests import factories as f
from tests.integration.plans_fixtures import plans_school  # noqa: F401

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-parent-password-42"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _invite(client, pupil, **overrides):
    data = {"first_name": "Rosa", "last_name": "Smith", "email": "Rosa.Smith@Example.org", "relationship": "Mother",
            "pupils": [str(pupil.pk)]} | overrides  # fmt: skip
    return client.post(reverse("plans:parent_invite", args=[pupil.public_id]), data)


def _link(response) -> str:
    found = re.search(r'value="(http://testserver/family/welcome/[^"]+)"', response.content.decode())
    assert found, "the invitation page shows no link"
    return found.group(1).replace("http://testserver", "")


# --- The invitation ----------------------------------------------------------------------------------


def test_the_senco_invites_a_parent_who_gets_an_email_with_a_single_use_link(plans_school, settings):
    s = plans_school
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = _invite(_client(s.p.senco), s.amy)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    link = _link(response)
    user = get_user_model().objects.get(email="rosa.smith@example.org")
    assert user.username == "rosa.smith@example.org" and not user.has_usable_password()
    assert Membership.objects.filter(user=user, role=Role.PARENT, school=s.p.school).exists()
    assert list(ParentLink.objects.filter(user=user).values_list("pupil", flat=True)) == [s.amy.pk]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["rosa.smith@example.org"] and "Amy" in message.subject
    assert link in message.body and "Your username is your e-mail address" in message.body

    anon = Client()
    page = anon.get(link)
    assert page.status_code == 200 and "Choose a password" in page.content.decode()
    response = anon.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("family:home")
    assert anon.get(reverse("family:home")).status_code == 302  # signed in: sent on to Amy's page
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # Single use: the same link now says it no longer works, and changes nothing.
    again = Client().post(link, {"new_password1": "another-long-pass-99", "new_password2": "another-long-pass-99"})
    assert "This link no longer works" in again.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_weak_password_is_refused_with_the_reason(plans_school):
    s = plans_school
    link = _link(_invite(_client(s.p.senco), s.amy))
    response = Client().post(link, {"new_password1": "short", "new_password2": "short"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    assert not get_user_model().objects.get(email="rosa.smith@example.org").has_usable_password()


def test_an_invitation_link_expires(plans_school, settings, monkeypatch):
    s = plans_school
    link = _link(_invite(_client(s.p.senco), s.amy))
    later = timezone.now().timestamp() + settings.PARENT_INVITATION_DAYS * 86400 + 60
    monkeypatch.setattr(InvitationTokenGenerator, "_now", lambda self: dt.datetime.fromtimestamp(later))
    assert "This link no longer works" in Client().get(link).content.decode()


def test_a_new_invitation_makes_the_older_link_stop_working(plans_school):
    s = plans_school
    senco = _client(s.p.senco)
    first = _link(_invite(senco, s.amy))
    link = ParentLink.objects.get(user__email="rosa.smith@example.org")
    second = _link(senco.post(reverse("plans:parent_resend", args=[link.pk])))
    assert first != second
    assert "This link no longer works" in Client().get(first).content.decode()
    assert "Choose a password" in Client().get(second).content.decode()


def test_a_revoked_parent_cannot_use_their_link_either(plans_school):
    s = plans_school
    senco = _client(s.p.senco)
    link_url = _link(_invite(senco, s.amy))
    link = ParentLink.objects.get(user__email="rosa.smith@example.org")
    senco.post(reverse("plans:parent_revoke", args=[link.pk]))
    assert "This link no longer works" in Client().get(link_url).content.decode()


def test_without_a_mail_server_the_senco_is_told_to_hand_the_link_over(plans_school, settings):
    s = plans_school
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    page = _invite(_client(s.p.senco), s.amy).content.decode()
    assert "No e-mail was sent" in page and "/family/welcome/" in page


def test_a_mail_server_that_fails_loses_nothing(plans_school, settings):
    s = plans_school
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens on port 9
    page = _invite(_client(s.p.senco), s.amy).content.decode()
    assert "could not be sent" in page and "/family/welcome/" in page
    assert ParentLink.objects.filter(user__email="rosa.smith@example.org").exists()


def test_a_staff_address_is_refused_so_no_link_ever_opens_a_staff_account(plans_school):
    s = plans_school
    response = _invite(_client(s.p.senco), s.amy, email=s.p.teacher.email)
    assert response.status_code == 200 and "staff account" in response.content.decode()
    assert not Membership.objects.filter(user=s.p.teacher, role=Role.PARENT).exists()
    s.p.teacher.refresh_from_db()
    assert s.p.teacher.has_usable_password()


def test_inviting_a_known_parent_for_another_child_adds_the_child_and_sends_no_password_link(plans_school):
    s = plans_school
    response = _invite(_client(s.p.senco), s.ben, email="pat@example.org")
    assert "already has a password" in response.content.decode() and "/family/welcome/" not in response.content.decode()
    assert set(ParentLink.objects.filter(user=s.pat).values_list("pupil", flat=True)) == {s.amy.pk, s.cara.pk, s.ben.pk}
    assert get_user_model().objects.get(pk=s.pat.pk).check_password(f.PASSWORD)  # their password is untouched


def test_the_invitation_offers_brothers_and_sisters_and_nobody_else(plans_school):
    s = plans_school
    page = _client(s.p.senco).get(reverse("plans:parent_invite", args=[s.amy.public_id])).content.decode()
    assert "Cara Smith" in page and "Ben Jones" not in page
    response = _invite(_client(s.p.senco), s.amy, pupils=[str(s.amy.pk), str(s.ben.pk)])
    assert "Select a valid choice" in response.content.decode()
    assert not get_user_model().objects.filter(email="rosa.smith@example.org").exists()


# --- What a parent sees -----------------------------------------------------------------------------------


def test_a_parents_home_is_their_childs_page(plans_school):
    s = plans_school
    pat = _client(s.pat)
    response = pat.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("family:home")
    response = pat.get(reverse("family:home"))
    assert response["Location"] in (reverse("family:child", args=[s.amy.public_id]), reverse("family:child", args=[s.cara.public_id]))


def test_a_parent_of_two_switches_between_them_and_home_remembers_the_last(plans_school):
    s = plans_school
    pat = _client(s.pat)
    page = pat.get(reverse("family:child", args=[s.cara.public_id])).content.decode()
    assert 'aria-label="Your children"' in page
    assert reverse("family:child", args=[s.amy.public_id]) in page  # the switcher links to Amy
    assert pat.get(reverse("family:home"))["Location"] == reverse("family:child", args=[s.cara.public_id])
    pat.get(reverse("family:child", args=[s.amy.public_id]))
    assert pat.get(reverse("family:home"))["Location"] == reverse("family:child", args=[s.amy.public_id])
    assert "Your children" not in _client(s.pam).get(reverse("family:child", args=[s.ben.public_id])).content.decode()


def test_a_parent_sees_shared_comments_only_no_costs_no_codes_no_staff_notes(plans_school):
    s = plans_school
    from interventions.services_ui import comment_set_shared
    from plans import services
    from plans.models import ContributorRole

    subject = s.p.group.subject
    shared = f_comment(s.amy, subject, "Read a whole page aloud", level="3b")
    f_comment(s.amy, subject, "Private staff observation about home")
    comment_set_shared(comment=shared, shared=True)
    programme = f.ProgrammeFactory(school=s.p.school, name="Toe by Toe", cost_per_session=17)
    group = f.InterventionFactory(programme=programme, name="Tuesday reading", cost_per_session=23)
    f.EnrolmentFactory(intervention=group, pupil=s.amy, start_date=s.today - dt.timedelta(days=20))
    services.contribution_save(plan=s.plan, author=s.p.teacher, role=ContributorRole.STAFF, concerns="Staff-only worry")
    from pupils.services_profile import pupil_profile_update

    pupil_profile_update(pupil=s.amy, updated_by=s.p.senco, needs_summary="", strengths="Drawing", what_helps="Quiet space",
                         aspirations="", pupil_voice="I like art")  # fmt: skip
    page = _client(s.pat).get(reverse("family:child", args=[s.amy.public_id])).content.decode()
    assert "Read a whole page aloud" in page and "Private staff observation" not in page
    assert "Toe by Toe" in page and "£" not in page and "cost" not in page.lower() and "23.00" not in page
    assert "Staff-only worry" not in page
    assert s.amy.upn not in page and ">3b<" not in page and " 3b" not in page
    assert "Drawing" in page and "I like art" in page
    assert "Amy will read a page of her reading book aloud" in page  # the plan's outcomes
    for other in ("Ben", "Jones", s.ben.upn):
        assert other not in page


def f_comment(pupil, subject, objective, level=""):
    from interventions.models import Comment

    return Comment.objects.create(pupil=pupil, observed_on=timezone.localdate(), objective=objective, activity="Activity",
                                  outcome="Outcome", level=level, subject=subject)  # fmt: skip


def test_the_senco_shares_a_comment_with_htmx_and_stops_sharing_it(plans_school):
    s = plans_school
    comment = f_comment(s.amy, s.p.group.subject, "Counted to fifty")
    url = reverse("plans:comment_share", args=[s.amy.public_id, comment.public_id])
    senco = _client(s.p.senco)
    response = senco.post(url, {"shared": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Stop sharing" in response.content.decode()
    comment.refresh_from_db()
    assert comment.shared_with_parents
    senco.post(url, {"shared": "0"})
    comment.refresh_from_db()
    assert not comment.shared_with_parents
    # Another pupil's comment under Amy's address is not found.
    ben_comment = f_comment(s.ben, s.p.group.subject, "Ben's")
    assert senco.post(reverse("plans:comment_share", args=[s.amy.public_id, ben_comment.public_id]), {"shared": "1"}).status_code == 404


def test_a_parent_adds_their_views_before_the_review_and_the_senco_sees_them_in_the_review(plans_school):
    s = plans_school
    pat = _client(s.pat)
    url = reverse("family:views", args=[s.amy.public_id])
    assert "What is going well for Amy?" in pat.get(url).content.decode()
    assert pat.post(url, {"going_well": "", "concerns": "", "hopes": ""}).status_code == 200  # says what is missing
    response = pat.post(url, {"going_well": "She reads to her sister", "concerns": "", "hopes": "Joining the choir"})
    assert response.status_code == 302
    review_page = _client(s.p.senco).get(reverse("plans:review", args=[s.plan.public_id])).content.decode()
    assert "She reads to her sister" in review_page and "Joining the choir" in review_page


def test_revoking_access_refuses_the_parent_at_their_next_request(plans_school):
    s = plans_school
    pat = _client(s.pat)
    url = reverse("family:child", args=[s.amy.public_id])
    assert pat.get(url).status_code == 200
    _client(s.p.senco).post(reverse("plans:parent_revoke", args=[s.pat_amy.pk]))
    assert pat.get(url).status_code == 404
    assert pat.get(reverse("family:report", args=[s.amy.public_id])).status_code == 404
    assert pat.get(reverse("family:child", args=[s.cara.public_id])).status_code == 200  # Cara's link stands
    cara_link = ParentLink.objects.get(user=s.pat, pupil=s.cara)
    _client(s.p.senco).post(reverse("plans:parent_revoke", args=[cara_link.pk]))
    assert pat.get(reverse("family:child", args=[s.cara.public_id])).status_code in (403, 404)
    assert not Membership.objects.filter(user=s.pat, role=Role.PARENT).exists()
    assert pat.get(reverse("home")).status_code == 200  # no role left: the friendly "no role" page
    assert ParentLink.objects.get(pk=s.pat_amy.pk).history.count() == 2  # invited, revoked


def test_a_parent_with_children_at_two_schools_switches_school_with_the_child(plans_school):
    s = plans_school
    elm = Membership.objects.get(user=s.p.outsider).school
    parent_invite(school=elm, email="pat@example.org", first_name="", last_name="", pupils=[s.elm_pupil], invited_by=None)
    pat = _client(s.pat)
    assert pat.get(reverse("family:child", args=[s.amy.public_id])).status_code == 200
    page = pat.get(reverse("family:child", args=[s.elm_pupil.public_id])).content.decode()
    assert "Eve Elmer" in page and "Elm School" in page
    assert pat.get(reverse("family:child", args=[s.amy.public_id])).status_code == 200


def test_every_family_page_view_is_logged(plans_school):
    s = plans_school
    pat = _client(s.pat)
    before = AccessEvent.objects.filter(user=s.pat).count()
    for name in ("family:child", "family:views", "family:history", "family:report"):
        assert pat.get(reverse(name, args=[s.amy.public_id])).status_code == 200
    events = list(AccessEvent.objects.filter(user=s.pat).order_by("at")[before:])
    assert [e.what for e in events] == ["family page", "family page: your views", "family page: earlier plans",
                                        "parent report PDF"]  # fmt: skip
    assert all(e.pupil_id == s.amy.pk for e in events)


def test_the_family_page_query_count_does_not_grow_with_the_childs_records(plans_school):
    s = plans_school
    pat = _client(s.pat)
    url = reverse("family:child", args=[s.amy.public_id])
    programme = f.ProgrammeFactory(school=s.p.school)
    subjects = [f.SubjectFactory(code=f"s{n}", name=f"Subject {n}") for n in range(6)]

    def records(n: int) -> None:
        comment = f_comment(s.amy, subjects[n], f"Note {n}")
        comment.__class__.objects.filter(pk=comment.pk).update(shared_with_parents=True)
        group = f.InterventionFactory(programme=programme, start_date=s.today - dt.timedelta(days=30))
        enrolment = f.EnrolmentFactory(intervention=group, pupil=s.amy, start_date=s.today - dt.timedelta(days=20))
        session = group.sessions.create(date=s.today - dt.timedelta(days=1))
        session.attendances.create(enrolment=enrolment)
        f.AssessmentFactory(pupil=s.amy, subject=subjects[n], academic_year=2025)
        f.BaselineFactory(pupil=s.amy, subject=subjects[n])
        s.amy.reading_tests.create(measure="reading", test_name="Salford", tested_on=s.today - dt.timedelta(days=n + 1),
                                   age_equivalent_months=90 + n)  # fmt: skip

    def count() -> int:
        assert pat.get(url).status_code == 200  # warm: the signed-in person is cached again after the writes
        with CaptureQueriesContext(connection) as captured:
            pat.get(url)
        return len(captured)

    records(0)
    few = count()
    for n in range(1, 6):
        records(n)
    assert count() == few
    assert few <= 30


def test_a_parent_who_forgot_their_password_gets_a_new_link_and_the_old_password_stops_working(plans_school):
    s = plans_school
    response = _client(s.p.senco).post(reverse("plans:parent_resend", args=[s.pat_amy.pk]))
    link = _link(response)
    s.pat.refresh_from_db()
    assert not s.pat.has_usable_password()
    assert not Client().login(username="pat@example.org", password=f.PASSWORD)
    Client().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    s.pat.refresh_from_db()
    assert s.pat.check_password(NEW_PASSWORD)


def test_no_new_link_for_a_revoked_parent(plans_school):
    s = plans_school
    senco = _client(s.p.senco)
    senco.post(reverse("plans:parent_revoke", args=[s.pat_amy.pk]))
    response = senco.post(reverse("plans:parent_resend", args=[s.pat_amy.pk]), follow=True)
    assert "invite them again instead" in response.content.decode()
