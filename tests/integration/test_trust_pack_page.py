"""The trust pack as a background run: a POST asks for it, the run's page shows its progress and then the downloads.

A GET never starts work; a trust's runs are seen by that trust's leaders only (a school's staff get
403, another trust's leader 404), and they hold figures only, never a pupil. docs/termly-pack.md.
"""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from pupils.models import Trust, TrustMembership
from reports import pack_trust
from reports.models import ReportKind, ReportRun, RunStatus
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tasks_eager")]  # built here, with a broker too
ASKED = {"academic_year": 2025, "term": "summer"}


@pytest.fixture
def trust(personas, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # The PDF's content is tested in test_pack_reader.py; here only that the run stores and serves it.
    monkeypatch.setattr(pack_trust, "render_trust_pdf", lambda **kwargs: b"%PDF-trust-test")
    trust = Trust.objects.create(name="Oak Trust")
    personas.school.trust = trust
    personas.school.save()
    return trust


@pytest.fixture
def leader(trust, client):
    user = f.UserFactory(username="terry")
    TrustMembership.objects.create(user=user, trust=trust)
    client.force_login(user)
    return user


def ask(client, capture, *, execute=True, data=ASKED):
    with capture(execute=execute):
        return client.post(reverse("reports:trust_pack"), data)


def test_a_get_of_the_pack_page_starts_nothing(client, leader):
    page = client.get(reverse("reports:trust_pack"))
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    text = page.content.decode()
    assert "No trust pack has been requested yet" in text
    # The menu leads to both trust pages.
    assert f'href="{reverse("reports:trust")}"' in text and 'aria-current="page"' in text
    assert client.get(reverse("reports:trust")).status_code == 200  # nor does the dashboard
    assert ReportRun.objects.count() == 0


def test_asking_goes_straight_to_the_run_page_which_shows_its_progress(client, leader, trust,
                                                                     django_capture_on_commit_callbacks):
    response = ask(client, django_capture_on_commit_callbacks, execute=False)  # no worker has taken it yet
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:trust_run", args=[run.public_id])
    assert (run.trust, run.school, run.kind, run.requested_by) == (trust, None, ReportKind.TRUST_PACK, leader)
    assert run.parameters == ASKED and run.status == RunStatus.QUEUED
    page = client.get(response.url).content.decode()
    assert 'data-status="queued"' in page and 'hx-trigger="every 1s"' in page and "run-progress" in page
    # The page's status part asks for itself: only that part comes back.
    part = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert part.lstrip().startswith("<section") and "<html" not in part
    # The pack page shows the latest run and its state; looking at it starts nothing more.
    listing = client.get(reverse("reports:trust_pack")).content.decode()
    assert 'data-status="queued"' in listing and "Summer 2025/26" in listing
    assert ReportRun.objects.count() == 1


def test_a_built_pack_is_downloaded_from_its_run_page(client, leader, personas, django_capture_on_commit_callbacks):
    response = ask(client, django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    assert run.status == RunStatus.DONE, run.error
    assert (run.progress, run.attempts) == (100, 1)
    page = client.get(response.url).content.decode()
    assert 'data-status="done"' in page and "hx-trigger" not in page
    pdf = client.get(reverse("reports:trust_run_download", args=[run.public_id, "pdf"]))
    assert pdf.status_code == 200 and pdf["Cache-Control"] == "private, no-store"
    assert b"".join(pdf.streaming_content) == b"%PDF-trust-test"
    assert 'filename="oak-trust-2025-26-summer-trust-pack.pdf"' in pdf["Content-Disposition"]
    zipped = client.get(reverse("reports:trust_run_download", args=[run.public_id, "zip"]))
    assert zipped.status_code == 200 and "oak-trust-2025-26-summer-trust-pack.zip" in zipped["Content-Disposition"]
    data = client.get(reverse("reports:trust_run_download", args=[run.public_id, "json"]))
    assert json.loads(data.content)["edition"] == "trust"
    text = data.content.decode()
    for pupil in (personas.pupil, personas.other_pupil):  # figures only: no pupil named
        assert pupil.upn not in text and pupil.surname not in text
    assert client.get(reverse("reports:trust_run_download", args=[run.public_id, "csv"])).status_code == 404


def test_bad_input_asks_again_and_saves_nothing(client, leader, django_capture_on_commit_callbacks):
    response = ask(client, django_capture_on_commit_callbacks, data={"academic_year": "19x\x00", "term": "winter"})
    assert response.status_code == 200 and ReportRun.objects.count() == 0
    assert "Select a valid choice" in response.content.decode()


def test_a_trust_with_no_school_has_no_pack_to_build(client, django_capture_on_commit_callbacks):
    empty = Trust.objects.create(name="Empty Trust")
    user = f.UserFactory(username="erin")
    TrustMembership.objects.create(user=user, trust=empty)
    client.force_login(user)
    response = ask(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and ReportRun.objects.count() == 0
    assert "no school yet" in client.get(response.url).content.decode()


@pytest.mark.parametrize("who", ["senco", "governor", "teacher", "outsider"])
def test_school_staff_are_refused_every_trust_pack_page(client, personas, leader, who,
                                                        django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    client.force_login(getattr(personas, who))
    assert client.get(reverse("reports:trust_pack")).status_code == 403
    assert ask(client, django_capture_on_commit_callbacks).status_code == 403
    assert client.get(reverse("reports:trust_run", args=[run.public_id])).status_code == 403
    assert client.get(reverse("reports:trust_run_download", args=[run.public_id, "pdf"])).status_code == 403
    # Nor is the trust's run one of the school's: not listed, not opened through the school's run pages.
    assert client.get(reverse("reports:run", args=[run.public_id])).status_code in (403, 404)
    assert client.get(reverse("reports:run_download", args=[run.public_id, "pdf"])).status_code in (403, 404)
    assert ReportRun.objects.count() == 1


def test_the_senco_school_history_leaves_the_trust_run_out(client, personas, leader,
                                                          django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    client.force_login(personas.senco)
    assert str(run.public_id) not in client.get(reverse("reports:list")).content.decode()
    assert client.get(reverse("reports:run", args=[run.public_id])).status_code == 404


def test_another_trusts_leader_gets_404_for_the_run_and_never_sees_it(client, leader,
                                                                     django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks)
    run = ReportRun.objects.get()
    other = f.UserFactory(username="olga")
    elm_trust = Trust.objects.create(name="Elm Trust")
    TrustMembership.objects.create(user=other, trust=elm_trust)
    client.force_login(other)
    assert client.get(reverse("reports:trust_run", args=[run.public_id])).status_code == 404
    for fmt in ("pdf", "zip", "json"):
        assert client.get(reverse("reports:trust_run_download", args=[run.public_id, fmt])).status_code == 404
    assert str(run.public_id) not in client.get(reverse("reports:trust_pack")).content.decode()


def test_a_run_not_finished_has_nothing_to_download(client, leader, django_capture_on_commit_callbacks):
    ask(client, django_capture_on_commit_callbacks, execute=False)
    run = ReportRun.objects.get()
    assert client.get(reverse("reports:trust_run_download", args=[run.public_id, "pdf"])).status_code == 404


def test_a_failed_build_says_so_on_the_run_page(client, leader, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise ValueError("the PDF could not be written")

    monkeypatch.setattr(pack_trust, "render_trust_pdf", broken)
    response = ask(client, django_capture_on_commit_callbacks)
    assert ReportRun.objects.get().status == RunStatus.FAILED
    page = client.get(response.url).content.decode()
    assert 'data-status="failed"' in page and "the PDF could not be written" in page


def test_a_run_belongs_to_a_school_or_a_trust_never_both(personas, trust):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.create(school=personas.school, trust=trust, kind=ReportKind.TRUST_PACK, parameters=ASKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.create(trust=trust, kind=ReportKind.TERMLY_PACK, parameters=ASKED)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.objects.create(school=personas.school, kind=ReportKind.TRUST_PACK, parameters=ASKED)


# --- The trust dashboard: worked out once per data version of every school ----------------------------


def test_the_dashboard_is_worked_out_again_only_when_a_schools_records_change(client, leader, personas, trust,
                                                                             monkeypatch):
    from reports import trust_views

    built = []
    real = trust_views._per_school
    monkeypatch.setattr(trust_views, "_per_school", lambda *a: built.append(a[1:]) or real(*a))
    elm = personas.outsider.memberships.get().school  # another school joins the trust
    elm.trust = trust
    elm.save()
    other = f.UserFactory(username="tina")  # a second leader of the trust (made first: any trust row moves every version)
    TrustMembership.objects.create(user=other, trust=trust)
    url = reverse("reports:trust")
    assert "Elm School" in client.get(url, ASKED).content.decode()
    client.get(url, {**ASKED, "anything": "1"})  # read back: an unknown parameter makes no new entry
    assert built == [(2025, "summer")]
    f.PupilFactory(school=elm)  # one school's records change: its version moves, the figures are worked out again
    client.get(url, ASKED)
    assert built == [(2025, "summer")] * 2
    client.get(url, {"academic_year": 2024, "term": "summer"})  # another term is its own entry
    assert len(built) == 3
    # The cached figures are the same for every leader of the trust: no person is in them.
    client.force_login(other)
    client.get(url, ASKED)
    assert len(built) == 3
