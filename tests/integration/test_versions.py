"""Data versions behind the cached pages (sencotrack.freshness): every write moves the right ones on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment
from interventions.models import Attendance, InterventionSession
from pupils.models import AccessAction, AccessEvent, Pupil
from pupils.services import bulk_write, delete_with_history
from sencotrack import freshness
from tests import factories as f


@pytest.fixture
def english(db):
    return f.SubjectFactory(code="english", name="English", position=1)


def _assessment(pupil, subject, result="4c", year=2024, term="autumn"):
    return Assessment(pupil=pupil, subject=subject, result=result, academic_year=year, term=term)


def test_a_save_moves_its_pupil_and_school_on_and_nothing_else(personas, english):
    here = freshness.token(personas.school.pk, personas.pupil.pk)
    sibling = freshness.token(personas.school.pk, personas.other_pupil.pk)
    elsewhere = freshness.token(personas.outsider.memberships.get().school_id)
    Assessment.objects.create(pupil=Pupil.objects.get(pk=personas.pupil.pk), subject=english, result="4c",
                              academic_year=2024, term="autumn")
    assert freshness.token(personas.school.pk, personas.pupil.pk) != here
    # The sibling's page shows nothing of Amy's, but the school moved on (the register, dashboards).
    assert freshness.token(personas.school.pk, personas.other_pupil.pk) != sibling
    assert freshness.token(personas.outsider.memberships.get().school_id) == elsewhere


def test_the_same_token_is_read_twice_without_a_write(personas):
    assert freshness.token(personas.school.pk, personas.pupil.pk) == freshness.token(personas.school.pk, personas.pupil.pk)


def test_bulk_writes_move_versions_on_with_at_most_one_query(personas, english):
    before = freshness.token(personas.school.pk, personas.pupil.pk)
    rows = [_assessment(Pupil.objects.get(pk=personas.pupil.pk), english, term=t) for t in ("autumn", "spring")]
    rows[0].pupil_id, rows[1].pupil_id = personas.pupil.pk, personas.pupil.pk
    for row in rows:  # as if built from ids only: the school is read in one query for them all
        row._state.fields_cache.clear()
    with CaptureQueriesContext(connection) as queries:
        freshness.touch_rows(Assessment, rows)
    assert len(queries) == 1
    bulk_write(Assessment, new=rows, changed=[], fields=[])
    assert freshness.token(personas.school.pk, personas.pupil.pk) != before


def test_a_cascading_delete_reads_the_schools_once_per_kind_of_row(personas, english):
    pupils = [f.PupilFactory(school=personas.school) for _ in range(6)]
    for pupil in pupils:
        for term in ("autumn", "spring", "summer"):
            Assessment.objects.create(pupil=pupil, subject=english, result="4c", academic_year=2024, term=term)
    before = freshness.token(personas.school.pk)
    with CaptureQueriesContext(connection) as queries, freshness.batch():
        Assessment.objects.filter(pupil__in=pupils).delete()
    # One query for the schools of all 18 rows' pupils (the rest is the delete and its audit history).
    school_reads = [q for q in queries.captured_queries if q["sql"].startswith("SELECT") and "school_id" in q["sql"]]
    assert len(school_reads) == 1
    assert freshness.token(personas.school.pk) != before


def test_deleting_a_pupil_moves_its_school_on(personas):
    pupil = f.PupilFactory(school=personas.school)
    before = freshness.token(personas.school.pk)
    delete_with_history(Pupil, [pupil])
    assert freshness.token(personas.school.pk) != before


def test_attendance_and_sessions_find_their_school_through_the_group(personas):
    today = dt.date(2024, 3, 4)
    programme = f.ProgrammeFactory(school=personas.school)
    group = f.InterventionFactory(programme=programme, start_date=today - dt.timedelta(days=7))
    enrolment = f.EnrolmentFactory(intervention=group, pupil=personas.pupil, start_date=group.start_date)
    before_school = freshness.token(personas.school.pk)
    before_pupil = freshness.token(personas.school.pk, personas.pupil.pk)
    session = InterventionSession.objects.create(intervention_id=group.pk, date=today)
    assert freshness.token(personas.school.pk) != before_school
    before_pupil_2 = freshness.token(personas.school.pk, personas.pupil.pk)
    Attendance.objects.create(session_id=session.pk, enrolment_id=enrolment.pk, attended=True)
    assert freshness.token(personas.school.pk, personas.pupil.pk) not in {before_pupil, before_pupil_2}


def test_recording_a_view_or_signing_in_changes_no_version(client, personas):
    before = freshness.token(personas.school.pk, personas.pupil.pk)
    AccessEvent.objects.create(user=personas.senco, school=personas.school, pupil=personas.pupil,
                               action=AccessAction.VIEWED, what="pupil page")
    client.force_login(personas.senco)  # stamps last_login only
    assert freshness.token(personas.school.pk, personas.pupil.pk) == before


def test_adding_a_pupil_to_a_group_moves_the_pupil_on(personas):
    before = freshness.token(personas.school.pk, personas.other_pupil.pk)
    personas.group.pupils.add(personas.other_pupil)
    assert freshness.token(personas.school.pk, personas.other_pupil.pk) != before


def test_a_lost_counter_restarts_from_the_clock_not_from_zero(personas):
    first = freshness.token(personas.school.pk)
    caches["default"].delete(f"fresh:school:{personas.school.pk}")
    again = freshness.token(personas.school.pk)
    assert again != first
    assert int(again.split(".")[1]) > int(first.split(".")[1])


UNREACHABLE = {"default": {"BACKEND": "sencotrack.cache.RedisCache",
                           "LOCATION": "redis://127.0.0.1:1/0"}}


def test_pages_and_writes_work_while_the_cache_is_down(client, personas, english):
    from django.test import Client

    client.force_login(personas.senco)
    governor = Client()
    governor.force_login(personas.governor)
    # Signed in before the outage. Signing in or out during it fails: a session deleted from the
    # database but not from the cache would still sign its browser in once the cache is back.
    with override_settings(CACHES=UNREACHABLE):  # Django's setting_changed handler rebuilds the caches
        assert freshness.token(personas.school.pk, personas.pupil.pk) is None
        Assessment.objects.create(pupil=personas.pupil, subject=english, result="4c", academic_year=2024, term="autumn")
        response = client.get(reverse("pupils:detail", args=[personas.pupil.public_id]))
        assert response.status_code == 200
        assert personas.pupil.full_name in response.content.decode()
        assert client.get(reverse("reports:dashboard")).status_code == 200
        assert governor.get(reverse("reports:governor")).status_code == 200


# --- The signed-in person, read from the cache ---------------------------------------------------------


def test_a_deactivated_person_is_signed_out_at_their_next_page(client, personas):
    client.force_login(personas.senco)
    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # now from the cache
    personas.senco.is_active = False
    personas.senco.save()
    assert client.get(url).status_code == 302  # to the sign-in page


def test_a_new_password_signs_out_the_sessions_that_used_the_old_one(client, personas):
    client.force_login(personas.senco)
    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    assert client.get(url).status_code == 200
    personas.senco.set_password("a-new-long-passphrase")
    personas.senco.save()
    assert client.get(url).status_code == 302


def test_a_changed_role_applies_at_the_next_page(client, personas):
    client.force_login(personas.senco)
    url = reverse("pupils:detail", args=[personas.other_pupil.public_id])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    membership = personas.senco.memberships.get()
    membership.role = "teacher"  # the other pupil is in none of this person's groups
    membership.save()
    assert client.get(url).status_code == 404
    membership.delete()
    assert client.get(url).status_code == 403


def test_the_person_and_their_membership_are_read_once_then_cached(client, personas):
    client.force_login(personas.senco)
    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"auth_user"' not in tables
    assert '"pupils_membership"' not in tables


def test_the_redis_cache_reuses_one_client_per_pool():
    from sencotrack.cache import RedisCache

    backend = RedisCache("redis://127.0.0.1:1/0", {})  # nothing connects until a command is sent
    assert backend._cache.get_client() is backend._cache.get_client(write=True)


def test_in_embedded_mode_a_command_in_another_process_moves_the_servers_versions_on(tmp_path):
    """`make run` serves while `manage.py import_data` runs in another terminal: both use the
    file cache, so the server's cached pages see the command's writes."""
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    files = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}}
    with override_settings(CACHES=files):
        before = freshness.token(1, 2)
        env = {**os.environ, "CACHE_DIR": str(tmp_path), "DEBUG": "true", "DATABASE_URL": "", "REDIS_URL": ""}
        command = "import django; django.setup(); from sencotrack import freshness; freshness.touch(school_ids=[1])"
        subprocess.run([sys.executable, "-c", command], env={**env, "DJANGO_SETTINGS_MODULE": "sencotrack.settings"},
                       cwd=django_settings.BASE_DIR, check=True, timeout=120)
        after = freshness.token(1, 2)
    assert before.split(".")[1] != after.split(".")[1]  # the school moved on
    assert before.split(".")[2] == after.split(".")[2]  # the pupil did not


# --- Whole pages from the cache (sencotrack.pages) -------------------------------------------------------


def _csrf_from(html: str) -> str:
    import re

    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_cached_page_carries_each_requests_own_csrf_token(personas):
    """Two browsers of one person: each cached page's forms work with that browser's own cookie."""
    from django.test import Client

    from sencotrack.pages import CSRF_PLACEHOLDER

    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(personas.senco)
    first.get(url)
    page = second.get(url).content.decode()  # the whole page, from the cache
    assert CSRF_PLACEHOLDER not in page
    response = second.post(reverse("logout"), {"csrfmiddlewaretoken": _csrf_from(page)})
    assert response.status_code == 302  # signed out, not refused (403)
    assert first.get(url).status_code == 200  # the other browser is still signed in


def test_a_cached_page_names_the_person_reading_it(personas):
    from django.test import Client

    from pupils.models import Role

    other = f.UserFactory(username="sally", first_name="Sally", last_name="Second")
    f.MembershipFactory(user=other, school=personas.school, role=Role.SENCO)
    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    pages = {}
    for user in (personas.senco, other, personas.senco):
        browser = Client()
        browser.force_login(user)
        pages[user.username] = browser.get(url).content.decode()
    assert "Sally Second" in pages["sally"]
    assert "Sally Second" not in pages[personas.senco.username]


def test_a_message_after_a_change_is_shown_once_not_cached(client, personas, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    client.force_login(personas.senco)
    client.get(url)
    client.get(url)  # the whole page is cached now
    # A message waiting in this browser's cookie, as a form's redirect leaves one.
    storage = CookieStorage(rf.get("/"))
    client.cookies[storage.cookie_name] = storage._encode([Message(constants.SUCCESS, "Saved the profile.")])
    assert "Saved the profile." in client.get(url).content.decode()
    assert "Saved the profile." not in client.get(url).content.decode()
