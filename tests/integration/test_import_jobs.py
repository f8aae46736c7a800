"""Import jobs (imports.jobs): off the request, watched by their starter only, dead ones failed clearly.

Most tests run a job where it is sent (tests/conftest.py); the ones marked ``threads`` run the
embedded mode as shipped, a thread of this process, on a database the thread can see
(``transactional_db``), and hold the import at a gate to see the request answer first.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from imports import jobs, pending
from imports.models import ImportJob, JobAction, JobStatus
from pupils import progress
from pupils.models import Pupil
from pupils.upn import make_upn
from reports.models import ReportRun, RunStatus
from sencotrack import background


@pytest.fixture(autouse=True)
def _eager(tasks_eager):
    """Jobs run where they are sent, with a broker too (CI); each test says when they are sent."""


pytestmark = pytest.mark.django_db


def pupils_csv(count: int, first: int = 0) -> str:
    rows = [
        f"{make_upn(873, 3001, 20, n % 1000) if n < 1000 else make_upn(874, 3001, 20, n % 1000)},S{n},F{n},2012-03-14,F,9"
        for n in range(first, first + count)
    ]
    return "upn,surname,forename,date_of_birth,gender,year_group\n" + "\n".join(rows) + "\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media" / "imports"


def upload(client, text: str, kind: str = "pupils"):
    return client.post(
        reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile("p.csv", text.encode(), "text/csv")}
    )


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url.rstrip("/").split("/")[-1]


# --- The progress bar's figure ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "done", "total", "expected"),
    [
        # checking is 0-30: half of it is 15; matching is 30-60: a third of it is 40; saving 60-99.
        (progress.CHECKING, 3000, 6000, 15),
        (progress.MATCHING, 2000, 6000, 40),
        (progress.SAVING, 0, 6000, 60),
        (progress.SAVING, 6000, 6000, 99),  # never 100 while it runs
        (progress.CHECKING, 0, 0, 1),  # started: the bar shows it has
    ],
)
def test_the_percent_follows_the_phase_and_rows_done(personas, phase, done, total, expected):
    job = ImportJob(school=personas.school, started_by=personas.senco, status=JobStatus.RUNNING,
                    phase=phase, rows_done=done, rows_total=total)  # fmt: skip
    assert jobs.percent(job) == expected
    job.status = JobStatus.DONE
    assert jobs.percent(job) == 100


def test_a_job_reports_its_phases_in_order_with_rows_done(personas, media, monkeypatch):
    client = Client()
    client.force_login(personas.data_manager)
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: None)  # run by hand below
    token = token_of(upload(client, pupils_csv(1200)))
    job = ImportJob.objects.get(token=token)
    heard = []
    real = jobs._Running.update
    monkeypatch.setattr(jobs._Running, "update", lambda self, *a: (heard.append(a), real(self, *a)))

    assert jobs.job_execute(job.pk, worker="test") == JobStatus.DONE

    # The engine every 500 rows and at the end; the service every 500 rows; the writes per 5,000.
    assert heard == [
        ("checking", 0, 1200), ("checking", 500, 1200), ("checking", 1000, 1200), ("checking", 1200, 1200),
        ("matching", 0, 1200), ("matching", 500, 1200), ("matching", 1000, 1200),
        ("saving", 1200, 1200),
    ]  # fmt: skip
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.result["created"]) == (JobStatus.DONE, 1200, 1200, 1200)
    assert not Pupil.objects.filter(surname="S0").exists()  # a check saves nothing


def test_a_message_delivered_twice_runs_the_job_once(personas, monkeypatch):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())
    client = Client()
    client.force_login(personas.data_manager)
    token = token_of(upload(client, pupils_csv(3)))
    job = ImportJob.objects.get(token=token)
    assert job.status == JobStatus.DONE
    assert jobs.job_execute(job.pk, worker="again") == JobStatus.DONE  # already done: skipped
    assert ImportJob.objects.get(pk=job.pk).worker != "again"


# --- Who may see a job ------------------------------------------------------------------------------


@pytest.fixture
def jobs_now(monkeypatch):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())


def test_only_the_person_who_started_a_job_at_the_same_school_sees_it(personas, jobs_now):
    dan = Client()
    dan.force_login(personas.data_manager)
    token = token_of(upload(dan, pupils_csv(3)))
    job = ImportJob.objects.get(token=token)
    assert dan.get(reverse("imports:preview", args=[token])).status_code == 200

    # The SENCo of the same school, even holding the token in her own session, is told it is gone.
    alice = Client()
    alice.force_login(personas.senco)
    session = alice.session
    session[pending.SESSION_KEY] = dict(dan.session[pending.SESSION_KEY])
    session.save()
    response = alice.get(reverse("imports:preview", args=[token]))
    assert response.status_code == 302 and response.url == reverse("imports:upload")
    assert jobs.job_for(public_id=job.public_id, school=personas.school, user=personas.senco) is None

    # Dan moved to another school: his job there is not found, nor at his new school.
    other = personas.outsider.memberships.get().school
    personas.data_manager.memberships.update(school=other)
    response = dan.get(reverse("imports:preview", args=[token]))
    assert response.status_code == 302 and response.url == reverse("imports:upload")
    assert jobs.job_for(public_id=job.public_id, school=other, user=personas.data_manager) is None

    # A teacher (no imports at all) is refused outright.
    bob = Client()
    bob.force_login(personas.teacher)
    assert bob.get(reverse("imports:preview", args=[token])).status_code == 403


def test_watching_a_running_job_costs_the_same_few_queries_however_big_the_file(personas, monkeypatch):
    client = Client()
    client.force_login(personas.data_manager)
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: None)  # never runs: stays queued
    counts = []
    for rows in (3, 3000):
        token = token_of(upload(client, pupils_csv(rows)))
        ImportJob.objects.filter(token=token).update(
            status=JobStatus.RUNNING, heartbeat_at=timezone.now(), worker="elsewhere", phase="matching",
            rows_done=rows // 3, rows_total=rows,
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("imports:preview", args=[token]), headers={"HX-Request": "true"})
        assert response.status_code == 200 and b'data-status="running"' in response.content
        assert f"{rows // 3:,} of {rows:,}".encode() in response.content
        counts.append(len(queries))
    # The session, the person, their membership, the job (and its school, named on the page).
    assert counts[0] == counts[1] <= 6, counts


# --- Jobs that die ----------------------------------------------------------------------------------


def _running_job(personas, client, *, worker: str, heartbeat_age: int, action=JobAction.CHECK) -> tuple[ImportJob, str]:
    token = token_of(upload(client, pupils_csv(3)))
    job = ImportJob.objects.get(token=token)
    ImportJob.objects.filter(pk=job.pk).update(
        action=action, status=JobStatus.RUNNING, worker=worker,
        heartbeat_at=timezone.now() - timedelta(seconds=heartbeat_age),
    )  # fmt: skip
    return job, token


def test_a_job_whose_heartbeat_stopped_is_marked_failed_with_a_clear_message(personas, settings, monkeypatch):
    settings.IMPORT_JOB_STALE_SECONDS = 60
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: None)
    client = Client()
    client.force_login(personas.data_manager)
    alive, alive_token = _running_job(personas, client, worker="worker-1", heartbeat_age=30)
    dead, dead_token = _running_job(personas, client, worker="worker-2", heartbeat_age=61)

    assert b'data-status="running"' in client.get(reverse("imports:preview", args=[alive_token])).content
    page = client.get(reverse("imports:preview", args=[dead_token])).content.decode()
    assert 'data-status="failed"' in page
    assert "The check stopped before it finished: the process running it ended" in page
    assert "nothing was saved" in page
    assert ImportJob.objects.get(pk=dead.pk).status == JobStatus.FAILED
    assert ImportJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING


def test_an_import_that_died_in_a_thread_here_fails_at_once_and_its_upload_can_be_confirmed_again(
    personas, media, monkeypatch
):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())
    client = Client()
    client.force_login(personas.data_manager)
    token = token_of(upload(client, pupils_csv(3)))  # checked: ok
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: None)  # the import never runs...
    client.post(reverse("imports:confirm", args=[token]))
    job = ImportJob.objects.get(token=token, action=JobAction.IMPORT)
    assert sorted(p.name for p in media.iterdir()) == [f"{token}.claimed"]
    # ...as if its thread here had claimed it and then ended with the process's restart.
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, worker=background.THIS_PROCESS,
                                               heartbeat_at=timezone.now())  # fmt: skip

    page = client.get(reverse("imports:preview", args=[token])).content.decode()
    assert "The import stopped before it finished" in page
    assert sorted(p.name for p in media.iterdir()) == [token]  # the upload is back, unclaimed

    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())
    response = client.post(reverse("imports:confirm", args=[token]), follow=True)
    assert "Imported 3 pupils: 3 created" in response.content.decode()


def test_a_job_the_broker_could_not_take_waits_and_is_sent_when_its_page_is_next_asked(personas, monkeypatch):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())
    down = {"yes": True}
    real_send = background.send

    def send(task, *args):
        if down["yes"]:
            raise ConnectionError("Redis is down")
        real_send(task, *args)

    monkeypatch.setattr(background, "send", send)
    client = Client()
    client.force_login(personas.data_manager)
    token = token_of(upload(client, pupils_csv(3)))
    job = ImportJob.objects.get(token=token)
    assert (job.status, job.sent_at) == (JobStatus.QUEUED, None)
    page = client.get(reverse("imports:preview", args=[token])).content.decode()
    assert "The import service cannot be reached just now" in page

    down["yes"] = False
    client.get(reverse("imports:preview", args=[token]))  # sent now, and (here) run at once
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.sent_at is not None


# --- The embedded mode as shipped: threads ------------------------------------------------------------


@pytest.fixture
def threads(settings, transactional_db):
    from sencotrack.celery import app

    settings.BACKGROUND_THREADS = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def wait_until(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_in_the_embedded_mode_the_upload_answers_before_the_check_ends(personas, threads, monkeypatch):
    gate = threading.Event()
    real = jobs.run_import

    def held(**kwargs):
        assert gate.wait(30)
        return real(**kwargs)

    monkeypatch.setattr(jobs, "run_import", held)
    client = Client()
    client.force_login(personas.data_manager)
    started = time.monotonic()
    token = token_of(upload(client, pupils_csv(50)))
    assert time.monotonic() - started < 10  # the import is held at the gate: this request did not wait for it
    wait_until(lambda: ImportJob.objects.get(token=token).status == JobStatus.RUNNING)
    page = client.get(reverse("imports:preview", args=[token])).content.decode()
    assert 'data-status="running"' in page and 'hx-trigger="every 1s"' in page

    gate.set()
    wait_until(lambda: ImportJob.objects.get(token=token).status == JobStatus.DONE)
    polled = client.get(reverse("imports:preview", args=[token]), headers={"HX-Request": "true"})
    assert polled["HX-Refresh"] == "true"  # the job ended: the page reloads into the preview
    assert "No problems found in 50 rows" in client.get(reverse("imports:preview", args=[token])).content.decode()


def test_in_the_embedded_mode_a_report_request_goes_straight_to_the_run_page(personas, threads, monkeypatch):
    from reports import services

    gate = threading.Event()
    real = services._build

    def held(run, progress_):
        assert gate.wait(30)
        return real(run, progress_)

    monkeypatch.setattr(services, "_build", held)
    client = Client()
    client.force_login(personas.senco)
    started = time.monotonic()
    from reports import selectors

    year, term = selectors.default_term(personas.school, today=timezone.localdate())
    response = client.post(reverse("reports:list"), {"kind": "register-summary", "academic_year": year, "term": term})
    assert response.status_code == 302, response.content.decode()[:1000]
    assert time.monotonic() - started < 10  # the build is held at the gate: the request did not wait
    run = ReportRun.objects.get()
    assert response.url == reverse("reports:run", args=[run.public_id])
    wait_until(lambda: ReportRun.objects.get().status == RunStatus.RUNNING)
    assert b'hx-trigger="every 1s"' in client.get(response.url).content
    gate.set()
    wait_until(lambda: ReportRun.objects.get().status == RunStatus.DONE)


def test_a_new_upload_deletes_jobs_finished_over_a_day_ago_and_marks_dead_ones(personas, monkeypatch, settings):
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: None)
    client = Client()
    client.force_login(personas.data_manager)
    old = ImportJob.objects.get(token=token_of(upload(client, pupils_csv(1))))
    dead = ImportJob.objects.get(token=token_of(upload(client, pupils_csv(1))))
    ImportJob.objects.filter(pk=old.pk).update(status=JobStatus.DONE, finished_at=timezone.now() - timedelta(days=1, seconds=1))
    ImportJob.objects.filter(pk=dead.pk).update(status=JobStatus.RUNNING, worker="gone",
                                                heartbeat_at=timezone.now() - timedelta(seconds=settings.IMPORT_JOB_STALE_SECONDS + 1))
    upload(client, pupils_csv(1))
    assert not ImportJob.objects.filter(pk=old.pk).exists()
    assert ImportJob.objects.get(pk=dead.pk).status == JobStatus.FAILED


def test_a_job_here_is_alive_until_its_final_status_is_stored(personas, monkeypatch):
    """A page asking between the end of the import and the stored result must not take the job for
    dead (it ran in a thread of this process, listed while it runs)."""
    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: None)
    client = Client()
    client.force_login(personas.data_manager)
    job = ImportJob.objects.get(token=token_of(upload(client, pupils_csv(3))))
    seen = []
    real_finish = jobs._finish

    def finish(job_, **fields):
        row = ImportJob.objects.get(pk=job_.pk)
        seen.append(jobs.job_check_alive(row).status)  # as the page would, just before the result is stored
        real_finish(job_, **fields)

    monkeypatch.setattr(jobs, "_finish", finish)
    assert jobs.job_execute(job.pk, worker=background.THIS_PROCESS) == JobStatus.DONE
    assert seen == [JobStatus.RUNNING]
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.DONE
