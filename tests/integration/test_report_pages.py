"""The report history page, requests, the run page (progress, then the stored table) and downloads, per role."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile

import pytest
from django.urls import reverse

from reports import services
from reports.models import ReportKind, ReportRun, RunStatus
from tests.integration.test_report_pages_helpers import (  # noqa: F401 - fixtures
    PARAMS,
    eager,
    fast_passwords,
    report_school,
    sign_in,
)

pytestmark = pytest.mark.django_db


def run_url(run):
    return reverse("reports:run", args=[run.public_id])


def download_url(run, fmt):
    return reverse("reports:run_download", args=[run.public_id, fmt])


def request_report(client, django_capture_on_commit_callbacks, **data):
    form = {"kind": "value-added", "academic_year": "2025", "term": "summer", "subject": ""} | data
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("reports:list"), form)


# --- Requesting and reading a run ------------------------------------------------------------------------


def test_the_senco_requests_a_value_added_report_and_the_run_page_shows_the_stored_table(
    client, report_school, eager, django_capture_on_commit_callbacks
):
    sign_in(client, report_school.senco)
    response = request_report(client, django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run_url(run)
    assert run.kind == "value-added" and run.parameters == PARAMS and run.requested_by == report_school.senco
    assert run.status == RunStatus.DONE

    page = client.get(run_url(run)).content.decode()
    assert 'data-status="done"' in page and "hx-trigger" not in page  # finished: nothing polls
    # Maths, all pupils: VA 0, CI 0 +/- 1.96 x sqrt(10) / sqrt(5) = +/- 2.77 (worked in test_reports_figures)
    assert "-2.77" in page and "2.77" in page and "in line" in page
    assert "Download CSV" in page and "Download JSON" in page


def test_the_run_page_reads_the_stored_result_and_never_recomputes(client, report_school, monkeypatch):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    services.report_run_execute(run.pk)
    from reports import generators

    def refuse(*args, **kwargs):
        raise AssertionError("the run page recomputed a report")

    monkeypatch.setattr(generators, "build", refuse)
    sign_in(client, report_school.senco)
    assert b"2.77" in client.get(run_url(run)).content


def test_the_run_page_shows_progress_while_queued_and_running_then_the_table(client, report_school):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    sign_in(client, report_school.senco)

    queued = client.get(run_url(run)).content.decode()
    assert 'hx-trigger="every 1s"' in queued and f'hx-get="{run_url(run)}"' in queued
    assert 'value="0"' in queued and "Queued" in queued

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=40, progress_note="Assessments read")
    partial = client.get(run_url(run), HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<section id="run-status"')  # only the polled part, not the whole page
    assert "<html" not in partial
    assert 'value="40"' in partial and "Assessments read" in partial and 'hx-trigger="every 1s"' in partial

    ReportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, progress=0)
    services.report_run_execute(run.pk)
    done = client.get(run_url(run), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done  # polling stops
    assert "<table" in done and "2.77" in done and "Download CSV" in done


def test_a_run_queued_while_the_broker_is_down_says_it_will_start_when_the_service_is_back(
    client, report_school, monkeypatch, django_capture_on_commit_callbacks
):
    from reports.tasks import build_report_run
    from sencotrack.celery import app

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_report_run, "apply_async", broker_down)
    previous, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        sign_in(client, report_school.senco)
        response = request_report(client, django_capture_on_commit_callbacks)
    finally:
        app.conf.task_always_eager = previous
    run = ReportRun.objects.get()
    assert run.status == RunStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert "Queued" in page and "will start when it is back" in page
    assert 'hx-trigger="every 1s"' in page  # it keeps watching for the worker


def test_a_failed_run_says_why_in_one_line(client, report_school):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added",
                                   parameters={**PARAMS, "subject": "Latin"})
    with pytest.raises(ValueError):
        services.report_run_execute(run.pk)
    sign_in(client, report_school.senco)
    page = client.get(run_url(run)).content.decode()
    assert "could not be built" in page and "no subject called &#x27;Latin&#x27;" in page
    assert "Traceback" not in page


def test_a_subject_filter_and_a_pack_are_requested_with_the_right_parameters(
    client, report_school, eager, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, report_school.senco)
    from pupils.models import Subject

    maths = Subject.objects.get(code="maths")
    request_report(client, django_capture_on_commit_callbacks, kind="expected-progress", subject=str(maths.pk))
    request_report(client, django_capture_on_commit_callbacks, kind="termly-pack")
    runs = list(ReportRun.objects.order_by("pk").values_list("kind", "parameters", "status"))
    assert runs == [
        ("expected-progress", {**PARAMS, "subject": "Maths"}, "done"),
        ("termly-pack", PARAMS, "done"),
    ]


def test_a_pack_with_a_subject_is_refused_with_a_reason(client, report_school, django_capture_on_commit_callbacks):
    from pupils.models import Subject

    sign_in(client, report_school.senco)
    response = request_report(client, django_capture_on_commit_callbacks, kind="termly-pack",
                              subject=str(Subject.objects.get(code="maths").pk))
    assert response.status_code == 200 and b"A pack covers every subject" in response.content
    assert not ReportRun.objects.exists()


# --- History --------------------------------------------------------------------------------------------


def test_the_history_lists_past_runs_with_their_parameters_status_requester_and_downloads(client, report_school):
    done = ReportRun.objects.create(school=report_school.school, kind="value-added",
                                    parameters={**PARAMS, "subject": "Maths"},
                                    requested_by=report_school.senco)
    services.report_run_execute(done.pk)
    queued = ReportRun.objects.create(school=report_school.school, kind="starting-points", parameters=PARAMS)
    sign_in(client, report_school.senco)
    page = client.get(reverse("reports:list")).content.decode()
    assert "Value added" in page and "Summer 2025/26, Maths" in page and "Done" in page
    assert download_url(done, "csv") in page and download_url(done, "json") in page
    assert "Progress from starting points" in page and "Queued" in page
    assert download_url(queued, "csv") not in page
    assert "The termly schedule" in page  # a run nobody requested by hand


def test_the_history_page_runs_the_same_queries_however_many_runs_there_are(
    client, report_school, django_assert_num_queries
):
    def make(n):
        for _ in range(n):
            ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS,
                                     requested_by=report_school.senco)

    sign_in(client, report_school.senco)
    make(2)
    client.get(reverse("reports:list"))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("reports:list")).status_code == 200
    make(20)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(reverse("reports:list")).status_code == 200


# --- Downloads -----------------------------------------------------------------------------------------


def test_csv_and_json_downloads_come_from_the_stored_result(client, report_school, monkeypatch):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added",
                                   parameters={**PARAMS, "subject": "Maths"})
    services.report_run_execute(run.pk)
    from reports import generators

    monkeypatch.setattr(generators, "build", lambda *a, **k: (_ for _ in ()).throw(AssertionError("recomputed")))
    sign_in(client, report_school.senco)
    response = client.get(download_url(run, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "private, no-store"
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    # The same figures as run_report prints: Maths, all: n 5, VA 0, CI -2.77 to 2.77
    assert [rows["all"][c] for c in ("n", "va", "ci_low", "ci_high", "index", "significance")] == \
        ["5", "0.00", "-2.77", "2.77", "100.00", "in line"]
    assert list(rows["all"]) == ["subject", "group", "n", "va", "ci_low", "ci_high", "index", "significance"]
    data = json.loads(client.get(download_url(run, "json")).content)
    assert data["columns"][:3] == ["subject", "group", "n"] and data["points_scheme"] == "NS2007-extended v1"


def test_a_packs_pdf_and_zip_are_served_through_the_access_checked_view(client, report_school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = ReportRun.objects.create(school=report_school.school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    services.report_run_execute(run.pk)
    sign_in(client, report_school.senco)
    page = client.get(run_url(run)).content.decode()
    assert download_url(run, "pdf") in page and download_url(run, "zip") in page
    assert "/media/" not in page  # never a public media URL
    pdf = client.get(download_url(run, "pdf"))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(client.get(download_url(run, "zip")).streaming_content)))
    assert "value-added.csv" in archive.namelist()
    assert client.get(download_url(run, "csv")).status_code == 404  # a pack has a ZIP, not one CSV
    # Every report of the pack is on its page, from the stored result
    for kind in ("register-summary", "expected-progress", "starting-points", "value-added", "intervention-impact"):
        assert f'data-testid="result-{kind}"' in page


def test_an_unfinished_run_has_no_downloads(client, report_school):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    sign_in(client, report_school.senco)
    assert client.get(download_url(run, "csv")).status_code == 404
    assert client.get(download_url(run, "json")).status_code == 404


# --- Who may do what -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "ta", "data_manager"])
def test_teachers_tas_and_data_managers_cannot_open_reports(client, report_school, who):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    sign_in(client, getattr(report_school, who))
    assert client.get(reverse("reports:list")).status_code == 403
    form = {"kind": "value-added", "academic_year": "2025", "term": "summer"}
    assert client.post(reverse("reports:list"), form).status_code == 403
    assert client.get(run_url(run)).status_code == 403
    assert client.get(download_url(run, "json")).status_code == 403
    assert not ReportRun.objects.exclude(pk=run.pk).exists()


def test_another_schools_senco_gets_404_for_a_run_and_its_downloads(client, report_school):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    services.report_run_execute(run.pk)
    sign_in(client, report_school.outsider)
    assert client.get(run_url(run)).status_code == 404
    for fmt in ("csv", "json", "pdf", "zip"):
        assert client.get(download_url(run, fmt)).status_code == 404
    assert str(run.public_id) not in client.get(reverse("reports:list")).content.decode()


def test_an_unknown_run_is_404(client, report_school):
    sign_in(client, report_school.senco)
    assert client.get(reverse("reports:run", args=[uuid.uuid4()])).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client, report_school):
    response = client.get(reverse("reports:list"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_governors_see_and_request_only_governors_packs(
    client, report_school, eager, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    school = report_school.school
    named = ReportRun.objects.create(school=school, kind="value-added", parameters=PARAMS)
    full_pack = ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    for run in (named, full_pack):
        services.report_run_execute(run.pk)
    sign_in(client, report_school.governor)

    page = client.get(reverse("reports:list")).content.decode()
    assert "governor-pack" in page and 'value="value-added"' not in page  # the only choice they have
    assert str(named.public_id) not in page and str(full_pack.public_id) not in page
    for run in (named, full_pack):
        assert client.get(run_url(run)).status_code == 404
        assert client.get(download_url(run, "json")).status_code == 404

    # A governor asking for a named report gets the form back, and nothing is built
    refused = request_report(client, django_capture_on_commit_callbacks, kind="expected-progress")
    assert refused.status_code == 200 and ReportRun.objects.count() == 2

    response = request_report(client, django_capture_on_commit_callbacks, kind="governor-pack")
    pack = ReportRun.objects.latest("pk")
    assert response["Location"] == run_url(pack)
    assert pack.kind == ReportKind.TERMLY_PACK and pack.parameters == {**PARAMS, "governor": True}
    assert pack.status == RunStatus.DONE
    assert set(pack.result["reports"]) == {"register-summary", "starting-points", "value-added", "transition-matrix"}
    page = client.get(run_url(pack)).content.decode()
    assert "Governors&#x27; pack" in page or "Governors' pack" in page
    assert "suppressed" in page  # sen_support in maths is 2 pupils
    assert b"".join(client.get(download_url(pack, "pdf")).streaming_content).startswith(b"%PDF")
    assert str(pack.public_id) in client.get(reverse("reports:list")).content.decode()


def test_the_run_page_runs_the_same_queries_whatever_the_size_of_the_result(
    client, report_school, django_assert_num_queries
):
    from tests.integration.test_report_pages_helpers import add_pupils_with_results

    small = ReportRun.objects.create(school=report_school.school, kind="expected-progress", parameters=PARAMS)
    services.report_run_execute(small.pk)
    add_pupils_with_results(report_school.school, 30)
    big = ReportRun.objects.create(school=report_school.school, kind="expected-progress", parameters=PARAMS)
    services.report_run_execute(big.pk)
    assert len(big.__class__.objects.get(pk=big.pk).result["rows"]) == len(
        small.__class__.objects.get(pk=small.pk).result["rows"]) + 30
    sign_in(client, report_school.senco)
    client.get(run_url(small))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(run_url(small))
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(run_url(big))
    assert len(first.captured_queries) <= 5
