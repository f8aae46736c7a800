"""Two saves at the same moment, for real: separate threads, each with its own database connection.

The issue: two people saving the same empty grid at once, one got a 500 (the unique constraint on
one assessment per pupil, subject, term and kind) and lost what they typed. Now the grid locks its
pupils before it compares and writes, so the second save waits for the first and then sees it.

- PostgreSQL (production mode): two requests released at once, many times over; two requests
  held at the lock together and let go at once; and a writer that takes no lock (the import's
  service) holding an uncommitted row for the same cell while a grid save runs. Then every other
  first save two people can make at once: a one-page profile, a result for a term, the day's
  session log, a programme's name, a pupil's place in a group.
- SQLite (the embedded mode): the same two-at-once saves against a database file, in a separate
  process (the test database is in memory, shared by every thread of this process).

Skipped on the other database of each pair; never mocked.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentKind
from assessments.services import assessments_record_many
from interventions.models import Enrolment, InterventionSession, Programme
from pupils.models import Pupil, PupilProfile, Role
from sencotrack.conflicts import lock
from tests import factories as f
from tests.integration.test_grid import GRID, post_data

ROOT = Path(__file__).resolve().parents[2]


def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL test (DATABASE_URL=postgres://...): threads share one in-memory SQLite database")


@pytest.fixture
def klass(personas):
    """9E1 English: Amy Smith, Cara Brown, Dev Patel. bob (teacher) and alice (SENCo) both record for it."""
    p = personas
    p.english = p.group.subject
    p.cara = f.PupilFactory(school=p.school, surname="Brown", forename="Cara")
    p.dev = f.PupilFactory(school=p.school, surname="Patel", forename="Dev")
    p.group.pupils.add(p.cara, p.dev)
    return p


def _post_together(posts: list[tuple[object, dict]], *, before=None, url: str = GRID) -> list:
    """POST each (user, data) from its own thread, all released at the same instant; responses in order.

    A 500 comes back as a response (not raised). ``before`` runs once every thread is signed in
    and waiting, just before they are released.
    """
    return _post_pages([(user, url, data) for user, data in posts], before=before)


def _post_pages(posts: list[tuple[object, str, dict]], *, before=None, open_first: bool = False) -> list:
    """Each (user, url, data) from its own thread: sign in, open the page (``open_first``: its hidden
    fields join the data), wait for the others, then all POST at the same instant."""
    ready = threading.Barrier(len(posts) + 1)
    results: list = [None] * len(posts)

    def run(i: int, user, url: str, data: dict) -> None:
        try:
            client = Client(raise_request_exception=False)
            client.force_login(user)
            if open_first:
                form = client.get(url).context["form"]
                if "version" in form.fields:
                    data = {**data, "version": form["version"].value() or "", "loaded_at": form["loaded_at"].value()}
            ready.wait(timeout=30)
            results[i] = client.post(url, data)
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=30)
    if before is not None:
        before()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _wait_for_waiters(n: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while _waiting_on_locks() < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"{n} sessions never waited on a lock ({_waiting_on_locks()} did)")
        time.sleep(0.05)


def _results(year: int, term: str) -> dict[str, str]:
    return dict(
        Assessment.objects.filter(academic_year=year, term=term, kind=AssessmentKind.TEACHER).values_list(
            "pupil__surname", "result"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_the_same_empty_grid_at_the_same_moment_never_give_a_500(klass):
    postgres_only()
    # Twelve rounds, each on a fresh empty grid: bob types Amy 4b, Cara 3a; alice types Amy 4a, Dev 5c.
    for round_ in range(12):
        group = f.TeachingGroupFactory(school=klass.school, name=f"7R{round_}", subject=klass.english)
        group.staff.add(klass.teacher)
        amy, cara, dev = (f.PupilFactory(school=klass.school, surname=name) for name in ("Smith", "Brown", "Patel"))
        group.pupils.add(amy, cara, dev)
        bob = post_data(group, {amy: "4b", cara: "3a"})
        alice = post_data(group, {amy: "4a", dev: "5c"})
        responses = _post_together([(klass.teacher, bob), (klass.senco, alice)])

        assert not [r for r in responses if isinstance(r, BaseException)], responses
        statuses = [r.status_code for r in responses]
        # One saved everything and went back to the grid (302); the other saved its other cell
        # and was shown Amy's cell as a conflict (200), with the winner's result kept.
        assert sorted(statuses) == [200, 302], f"round {round_}: {statuses}"
        winner_typed = "4b" if statuses[0] == 302 else "4a"
        loser = responses[statuses.index(200)].content.decode()
        assert "Saved 1 result; 1 was changed by" in loser and "since you opened the grid and was not saved" in loser
        stored = dict(Assessment.objects.filter(pupil__in=[amy, cara, dev]).values_list("pupil__surname", "result"))
        assert stored == {"Smith": winner_typed, "Brown": "3a", "Patel": "5c"}
        assert Assessment.history.filter(pupil=amy).count() == 1  # created once, never written over


@pytest.mark.django_db(transaction=True)
def test_two_saves_held_at_the_lock_together_are_let_go_at_once_and_one_wins(klass):
    postgres_only()
    bob = post_data(klass.group, {klass.pupil: "4b", klass.cara: "3a", klass.dev: "5c"})
    alice = post_data(klass.group, {klass.pupil: "4b", klass.cara: "3b", klass.dev: "5c"})
    gate = threading.Event()
    held = threading.Event()

    def hold_the_pupils() -> None:  # a third session holds the lock both saves need
        try:
            with transaction.atomic():
                lock(Pupil, [klass.pupil.pk, klass.cara.pk, klass.dev.pk])
                held.set()
                gate.wait(timeout=60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_pupils)
    holder.start()
    assert held.wait(timeout=20)

    def release_when_both_wait() -> None:
        _wait_for_waiters(2)  # both requests are inside the save, waiting on the same rows
        gate.set()

    responses = _post_together([(klass.teacher, bob), (klass.senco, alice)], before=release_when_both_wait)
    holder.join(timeout=30)

    assert sorted(r.status_code for r in responses) == [200, 302]
    stored = _results(2024, "autumn")
    loser = next(r for r in responses if r.status_code == 200)
    page = loser.content.decode()
    # Amy and Dev: both typed the same, so no conflict. Cara: the second save's 3a/3b is a conflict.
    assert stored["Smith"] == "4b" and stored["Patel"] == "5c" and stored["Brown"] in ("3a", "3b")
    assert "Nothing new saved; 2 unchanged; 1 was changed by" in page
    mine = "3b" if stored["Brown"] == "3a" else "3a"
    assert f'id="result-{klass.cara.pk}" value="{mine}"' in page  # the loser's typing is kept


@pytest.mark.django_db(transaction=True)
def test_a_grid_save_waits_for_an_import_inserting_the_same_cell_and_shows_it_as_a_conflict(klass):
    """The import's service takes no lock (last write wins there): the grid's insert meets its uncommitted row,
    waits, fails when the import commits, and the grid looks again (in a savepoint) and finds it."""
    postgres_only()
    inserted, finish = threading.Event(), threading.Event()

    def import_amy() -> None:
        try:
            with transaction.atomic():
                assessments_record_many(rows=[
                    dict(pupil=klass.pupil, subject=klass.english, academic_year=2024, term="autumn", result="4a"),
                    dict(pupil=klass.dev, subject=klass.english, academic_year=2024, term="autumn", result="2c"),
                ])  # fmt: skip
                inserted.set()
                finish.wait(timeout=60)  # the rows are written but not committed yet
        finally:
            connection.close()

    importer = threading.Thread(target=import_amy)
    importer.start()
    assert inserted.wait(timeout=20)

    def commit_the_import_once_the_grid_waits() -> None:
        _wait_for_waiters(1)
        finish.set()

    bob = post_data(klass.group, {klass.pupil: "4b", klass.cara: "3a"})
    (response,) = _post_together([(klass.teacher, bob)], before=commit_the_import_once_the_grid_waits)
    importer.join(timeout=30)

    assert response.status_code == 200
    assert _results(2024, "autumn") == {"Smith": "4a", "Brown": "3a", "Patel": "2c"}
    page = response.content.decode()
    assert "Saved 1 result; 1 was changed by an import or task (no signed-in person) at" in page
    assert "1 result you did not touch was changed by an import or task" in page  # Dev's 2c, kept


# --- Every other first save ------------------------------------------------------------------------


@pytest.fixture
def two_sencos(klass):
    jo = f.UserFactory(username="jo", first_name="Jo", last_name="Morgan")
    f.MembershipFactory(user=jo, school=klass.school, role=Role.SENCO)
    return klass.senco, jo


def _first_saves_at_once(users, url: str, data: dict, *, rounds: int = 4, fresh=None) -> list[list]:
    """Both people open ``url`` and save ``data`` at the same instant, ``rounds`` times (``fresh(i)`` resets)."""
    outcomes = []
    for round_ in range(rounds):
        page_url, page_data = fresh(round_) if fresh else (url, data)
        responses = _post_pages([(user, page_url, page_data) for user in users], open_first=True)
        assert not [r for r in responses if isinstance(r, BaseException)], responses
        outcomes.append(responses)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_first_profiles_saved_at_the_same_moment_never_give_a_500(two_sencos, klass):
    postgres_only()

    def fresh(round_):
        pupil = f.PupilFactory(school=klass.school)
        return reverse("pupils:profile_edit", args=[pupil.public_id]), {
            "needs_summary": f"round {round_}", "strengths": "", "what_helps": "", "aspirations": "", "pupil_voice": "",
        }  # fmt: skip

    for responses in _first_saves_at_once(two_sencos, "", {}, fresh=fresh):
        assert sorted(r.status_code for r in responses) == [200, 302]
        assert 'data-testid="conflict"' in next(r for r in responses if r.status_code == 200).content.decode()
    assert PupilProfile.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_first_results_for_the_same_term_saved_at_the_same_moment_never_give_a_500(two_sencos, klass):
    postgres_only()

    def fresh(round_):
        pupil = f.PupilFactory(school=klass.school)
        return reverse("assessments:assessment_add", args=[pupil.public_id]), {
            "subject": "english", "academic_year": "2024", "term": "autumn", "kind": "teacher", "framework": "nc",
            "result": "4b", "assessed_on": "",
        }  # fmt: skip

    for responses in _first_saves_at_once(two_sencos, "", {}, fresh=fresh):
        assert sorted(r.status_code for r in responses) == [200, 302]
    assert Assessment.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_first_logs_of_the_same_session_at_the_same_moment_never_give_a_500(klass):
    postgres_only()
    tom = f.UserFactory(username="tom")
    f.MembershipFactory(user=tom, school=klass.school, role=Role.TA)
    today = timezone.localdate()

    def fresh(round_):
        group = f.InterventionFactory(programme=f.ProgrammeFactory(school=klass.school), start_date=today - dt.timedelta(days=9))
        group.staff.add(klass.ta, tom)
        enrolment = f.EnrolmentFactory(intervention=group, pupil=klass.pupil, start_date=group.start_date)
        url = reverse("interventions:session_log", args=[group.public_id, today])
        return url, {"attended": [str(enrolment.pupil.public_id)], "note": f"round {round_}"}

    for responses in _first_saves_at_once((klass.ta, tom), "", {}, fresh=fresh):
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 302], statuses
    assert InterventionSession.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_two_programmes_of_the_same_name_added_at_the_same_moment_never_give_a_500(two_sencos, klass):
    postgres_only()

    def fresh(round_):
        return reverse("interventions:programme_add"), {
            "name": f"Lego therapy {round_}", "area_of_need": "semh", "cost_per_session": "8", "default_measure": "none",
            "description": "", "active": "on",
        }  # fmt: skip

    for responses in _first_saves_at_once(two_sencos, "", {}, fresh=fresh):
        assert sorted(r.status_code for r in responses) == [200, 302]
        assert "already has a programme with this name" in next(r for r in responses if r.status_code == 200).content.decode()
    assert Programme.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_the_same_pupil_enrolled_twice_at_the_same_moment_never_gives_a_500(two_sencos, klass):
    postgres_only()
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=klass.school), start_date=dt.date(2024, 9, 9))

    def fresh(round_):
        pupil = f.PupilFactory(school=klass.school)
        return reverse("interventions:enrol", args=[group.public_id]), {
            "pupils": [str(pupil.public_id)], "start_date": "2024-09-09",
        }  # fmt: skip

    for responses in _first_saves_at_once(two_sencos, "", {}, fresh=fresh):
        assert sorted(r.status_code for r in responses) == [200, 302]
        assert "Already in this group" in next(r for r in responses if r.status_code == 200).content.decode()
    assert Enrolment.objects.filter(intervention=group).count() == 4


# --- SQLite: the embedded mode ---------------------------------------------------------------------

_SQLITE_SCRIPT = r"""
import json, os, sys, threading
import django
django.setup()
from django.db import connection
from django.test import Client
from django.contrib.auth import get_user_model
from assessments.models import Assessment

posts = json.loads(sys.argv[1])
ready = threading.Barrier(len(posts))
out = [None] * len(posts)

def run(i, username, data):
    try:
        client = Client(raise_request_exception=False)
        client.force_login(get_user_model().objects.get(username=username))
        ready.wait(timeout=30)
        response = client.post("/assessments/", data)
        out[i] = [response.status_code, response.content.decode()]
    except BaseException as exc:
        out[i] = [0, repr(exc)]
    finally:
        connection.close()

threads = [threading.Thread(target=run, args=(i, u, d)) for i, (u, d) in enumerate(posts)]
for t in threads: t.start()
for t in threads: t.join(timeout=120)
stored = dict(Assessment.objects.values_list("pupil__surname", "result"))
print(json.dumps({"responses": out, "stored": stored}))
"""


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_at_the_same_moment_on_a_sqlite_file_never_give_a_500(klass):
    if connection.vendor != "sqlite":
        pytest.skip("the embedded mode's database (SQLite)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite3"
        target = sqlite3.connect(path)
        connection.ensure_connection()
        connection.connection.backup(target)  # this test's database (schema and personas), as a file
        target.close()
        bob = post_data(klass.group, {klass.pupil: "4b", klass.cara: "3a"})
        alice = post_data(klass.group, {klass.pupil: "4a", klass.dev: "5c"})
        env = {
            **os.environ, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{path}", "CACHE_DIR": str(Path(folder) / "cache"),
            "DJANGO_SETTINGS_MODULE": "sencotrack.settings", "ALLOWED_HOSTS": "testserver",
        }  # fmt: skip
        env.pop("REDIS_URL", None)
        done = subprocess.run(
            [sys.executable, "-c", _SQLITE_SCRIPT, json.dumps([["bob", bob], ["alice", alice]])],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    statuses = sorted(status for status, _ in result["responses"])
    assert statuses == [200, 302], [body[-2000:] for _, body in result["responses"]]
    loser = next(body for status, body in result["responses"] if status == 200)
    assert "was not saved" in loser
    assert result["stored"]["Brown"] == "3a" and result["stored"]["Patel"] == "5c"
    assert result["stored"]["Smith"] in ("4a", "4b")
