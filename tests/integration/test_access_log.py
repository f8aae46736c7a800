"""The access log: each view of a named pupil's record and each download of a report naming pupils
is logged once, with who, what, where and when; a refused request logs nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pupils.models import AccessEvent
from reports.models import ReportKind, ReportRun, RunStatus

pytestmark = pytest.mark.django_db


def finished_run(personas, kind: str, **parameters) -> ReportRun:
    return ReportRun.objects.create(
        school=personas.school, kind=kind, status=RunStatus.DONE, progress=100,
        parameters={"academic_year": 2024, "term": "summer", **parameters},
        result={"columns": ["upn"], "rows": [{"upn": personas.pupil.upn}]},
    )  # fmt: skip


def test_opening_a_pupils_page_logs_one_view_naming_the_person_and_the_pupil(client, personas):
    client.force_login(personas.teacher)
    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    assert client.get(url).status_code == 200
    event = AccessEvent.objects.get()
    assert (event.user, event.school, event.pupil, event.action, event.what, event.path) == (
        personas.teacher, personas.school, personas.pupil, "viewed", "pupil page", url
    )
    assert event.at is not None


def test_the_pupil_dashboard_logs_one_view(client, personas):
    client.force_login(personas.senco)
    assert client.get(reverse("reports:pupil_dashboard", args=[personas.pupil.public_id])).status_code == 200
    assert list(AccessEvent.objects.values_list("pupil", "action", "what")) == [
        (personas.pupil.pk, "viewed", "pupil dashboard")
    ]


def test_the_case_study_logs_one_download(client, personas):
    client.force_login(personas.senco)
    response = client.get(reverse("reports:case_study", args=[personas.pupil.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert list(AccessEvent.objects.values_list("user", "pupil", "action", "what")) == [
        (personas.senco.pk, personas.pupil.pk, "downloaded", "case study PDF")
    ]


@pytest.mark.parametrize(
    "kind, fmt",
    [
        (ReportKind.EXPECTED_PROGRESS, "csv"),
        (ReportKind.EXPECTED_PROGRESS, "json"),
        (ReportKind.INTERVENTION_IMPACT, "csv"),
        (ReportKind.NO_GAIN_BUT_SEMH, "csv"),
        (ReportKind.TERMLY_PACK, "json"),
    ],
)
def test_downloading_a_report_that_names_pupils_logs_one_download(client, personas, kind, fmt):
    run = finished_run(personas, kind)
    client.force_login(personas.senco)
    url = reverse("reports:run_download", args=[run.public_id, fmt])
    assert client.get(url).status_code == 200
    event = AccessEvent.objects.get()
    assert (event.user, event.school, event.pupil, event.action, event.what, event.path) == (
        personas.senco, personas.school, None, "downloaded", f"{kind} {fmt}", url
    )


def test_downloading_an_aggregate_report_is_not_logged(client, personas):
    run = finished_run(personas, ReportKind.VALUE_ADDED)
    client.force_login(personas.senco)
    assert client.get(reverse("reports:run_download", args=[run.public_id, "csv"])).status_code == 200
    assert not AccessEvent.objects.exists()


def test_a_refused_request_logs_nothing(client, personas):
    run = finished_run(personas, ReportKind.EXPECTED_PROGRESS)
    for user, url in (
        (personas.ta, reverse("pupils:detail", args=[personas.pupil.public_id])),
        (personas.outsider, reverse("pupils:detail", args=[personas.pupil.public_id])),
        (personas.teacher, reverse("pupils:detail", args=[personas.other_pupil.public_id])),
        (personas.governor, reverse("reports:run_download", args=[run.public_id, "csv"])),
        (personas.teacher, reverse("reports:case_study", args=[personas.pupil.public_id])),
    ):
        client.force_login(user)
        assert client.get(url).status_code in (403, 404)
    assert not AccessEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_view_outside_any_transaction_is_logged_and_committed(client, personas):
    """Real commits (not the test's rolled-back transaction): on PostgreSQL the log's own
    transaction commits asynchronously; the row must be there, whole, for the next reader."""
    client.force_login(personas.senco)
    url = reverse("pupils:detail", args=[personas.pupil.public_id])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # the second from the cached body: logged all the same
    events = AccessEvent.objects.filter(pupil=personas.pupil, user=personas.senco, action="viewed")
    assert events.count() == 2
    assert {e.what for e in events} == {"pupil page"}
