"""The termly schedule builds the packs due for one term together, each run still its own.

When beat finds several schools' packs due for the same term it queues them in batches
(``services.PACKS_PER_TASK``) as one task, ``build_report_runs_together``: the reports are computed
together (``packs.compute_trust_reports``), and each run is claimed, stored or failed on its own and
is skipped once done. If the joint computation fails each pack is built alone; the stale-run sweeper
and retries send single runs through the one-run path, as before. A worker killed mid-batch:
tests/integration/test_faults.py.
"""

import datetime as dt
import time

import pytest
from django.utils import timezone

from reports import generators, packs, services
from reports.models import ReportKind, ReportRun, ReportSchedule, RunStatus
from tests.integration.trust_schools import TERM, YEAR, build_trust

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 9, 1)  # every school's summer 2025/26 has ended (ash's on 17 July, the others' on 31 August)


@pytest.fixture
def eager():
    from sencotrack.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def trust(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(packs, "render_pdf", lambda **kwargs: b"%PDF-test")  # the PDF is not under test here
    schools = build_trust()
    for school in schools:
        ReportSchedule.objects.create(school=school)
    return schools


@pytest.fixture
def calls(monkeypatch):
    """Which service each task called, and with how many schools the reports were computed together."""
    seen = {"together": [], "alone": [], "computed_with": []}
    for name, key in (("report_runs_execute_together", "together"), ("report_run_execute", "alone")):
        real = getattr(services, name)
        monkeypatch.setattr(services, name, lambda ids, *a, _real=real, _key=key, **k: seen[_key].append(ids)
                            or _real(ids, *a, **k))
    real_compute = packs.compute_trust_reports
    monkeypatch.setattr(packs, "compute_trust_reports", lambda schools, *a, **k: seen["computed_with"].append(
        sorted(s.code for s in schools)) or real_compute(schools, *a, **k))
    return seen


def own_rows(school):
    ctx = generators.context_for(school=school, academic_year=YEAR, term=TERM)
    return {r.kind: r.to_dict()["rows"] for r in packs.compute_pack_reports(ctx)}


def assert_each_pack_is_the_schools_own(schools):
    for school in schools:
        run = ReportRun.objects.get(school=school, kind=ReportKind.TERMLY_PACK)
        assert run.status == RunStatus.DONE, run.error
        assert run.attempts == 1 and run.zip_file and run.pdf.read(4) == b"%PDF"
        assert {kind: r["rows"] for kind, r in run.result["reports"].items()} == own_rows(school)


def pack_runs():
    return list(ReportRun.objects.filter(kind=ReportKind.TERMLY_PACK).order_by("pk"))


def test_the_schedule_builds_the_packs_due_for_one_term_in_one_task(
    eager, trust, calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.termly_packs_queue_due(today=DUE)
    assert len(queued) == 3
    assert calls["together"] == [[r.pk for r in queued]] and calls["alone"] == []
    assert calls["computed_with"] == [["ash", "elm", "oak"]]
    assert_each_pack_is_the_schools_own(trust)


def test_packs_beyond_a_batch_go_in_further_tasks(eager, trust, calls, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "PACKS_PER_TASK", 2)
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.termly_packs_queue_due(today=DUE)
    ids = [r.pk for r in queued]
    assert calls["together"] == [ids[:2]] and calls["alone"] == [ids[2]]  # the last one on its own
    assert len(calls["computed_with"]) == 1
    assert_each_pack_is_the_schools_own(trust)


def test_a_batch_delivered_again_skips_the_runs_already_done(trust, calls):
    services.termly_packs_queue_due(today=DUE)  # sent on a commit that never comes here: the runs wait
    runs = pack_runs()
    services.report_run_execute(runs[0].pk)  # say the sweeper sent this one alone first
    first = services.report_runs_execute_together([r.pk for r in runs])
    assert set(first.values()) == {RunStatus.DONE}
    assert len(calls["computed_with"]) == 1 and len(calls["computed_with"][0]) == 2  # the other two
    finished = {r.pk: r.finished_at for r in pack_runs()}
    again = services.report_runs_execute_together([r.pk for r in runs])  # redelivered (acks_late)
    assert set(again.values()) == {RunStatus.DONE}
    assert {r.pk: r.finished_at for r in pack_runs()} == finished
    assert all(r.attempts == 1 for r in pack_runs())
    assert_each_pack_is_the_schools_own(trust)


def test_if_computing_together_fails_each_pack_is_built_alone(trust, monkeypatch):
    services.termly_packs_queue_due(today=DUE)

    def broken(*args, **kwargs):
        raise RuntimeError("the trust-wide computation broke")

    monkeypatch.setattr(packs, "compute_trust_reports", broken)
    statuses = services.report_runs_execute_together([r.pk for r in pack_runs()])
    assert set(statuses.values()) == {RunStatus.DONE}
    assert_each_pack_is_the_schools_own(trust)


def test_one_failing_pack_fails_alone(trust, monkeypatch):
    oak, ash, elm = trust
    services.termly_packs_queue_due(today=DUE)
    real = packs.build_pack

    def fussy(*, school, **kwargs):
        if school.code == "ash":
            raise ValueError("ash's pack cannot be written")
        return real(school=school, **kwargs)

    monkeypatch.setattr(packs, "build_pack", fussy)
    statuses = services.report_runs_execute_together([r.pk for r in pack_runs()])
    runs = {r.school.code: r for r in pack_runs()}
    assert statuses[runs["ash"].pk] == RunStatus.FAILED and "ash's pack cannot be written" in runs["ash"].error
    assert runs["oak"].status == runs["elm"].status == RunStatus.DONE
    assert_each_pack_is_the_schools_own([oak, elm])


def test_with_the_broker_down_the_sweeper_sends_each_pack_alone(eager, trust, calls, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    from reports.tasks import build_report_runs_together

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is not answering")

    monkeypatch.setattr(build_report_runs_together, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        services.termly_packs_queue_due(today=DUE)
    assert {(r.status, r.progress_note) for r in pack_runs()} == {(RunStatus.QUEUED, services.WAITING_NOTE)}
    ReportRun.objects.update(created_at=dt.datetime(2026, 9, 1, tzinfo=dt.timezone.utc))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.report_runs_requeue_stale() == 3
    assert len(calls["alone"]) == 3 and calls["computed_with"] == []
    assert_each_pack_is_the_schools_own(trust)


# --- Heartbeats ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_every_run_of_a_batch_keeps_its_heartbeat_while_the_first_packs_pdf_is_rendered(trust, settings, monkeypatch):
    """The packs waiting their turn in a batch are claimed too: the sweeper must not take them for
    dead while the first pack's PDF is being written. The interval is shortened to watch beats in a
    few seconds (not a fault test: test_faults.py kills a worker mid-batch with the shipped settings)."""
    settings.REPORT_RUN_HEARTBEAT_SECONDS = 0.2
    ids = [ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK,
                                    parameters={"academic_year": YEAR, "term": TERM}).pk for school in trust]
    seen = []

    def slow_pdf(**kwargs):  # the first pack's PDF takes 2 s: note the other runs' heartbeats meanwhile
        if not seen:
            rendering_since = timezone.now()
            time.sleep(2)
            seen.extend((rendering_since, run.status, run.heartbeat_at) for run in pack_runs()[1:])
        return b"%PDF-test"

    monkeypatch.setattr(packs, "render_pdf", slow_pdf)
    assert set(services.report_runs_execute_together(ids).values()) == {RunStatus.DONE}
    assert len(seen) == 2
    for rendering_since, status, heartbeat_at in seen:
        assert status == RunStatus.RUNNING and heartbeat_at > rendering_since + dt.timedelta(seconds=1), seen
