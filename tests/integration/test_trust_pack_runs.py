"""The termly schedule builds the packs due for one term together, each run still its own.

When beat finds several schools' packs due for the same term it queues them in batches
(``services.PACKS_PER_TASK``) as one task, ``build_report_runs_together``: the reports are computed
together (``packs.compute_trust_reports``), and each run is claimed, stored or failed on its own and
is skipped once done. If the joint computation fails each pack is built alone; the stale-run sweeper
and retries send single runs through the one-run path, as before.
"""

import datetime as dt

import pytest

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


# --- On a real worker ----------------------------------------------------------------------------------


@pytest.fixture
def require_worker():
    import os

    from tests.worker import worker_available

    reason = worker_available()
    if reason:
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail(f"CI requires a real worker but {reason}")
        pytest.skip(reason)


def wait_until_done(ids, timeout=120):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = list(ReportRun.objects.filter(pk__in=ids))
        if all(r.status == RunStatus.DONE for r in runs):
            return runs
        time.sleep(0.3)
    raise AssertionError(f"runs not done after {timeout}s: {[(r.pk, r.status) for r in runs]}")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_the_batch_to_another_that_builds_each_pack_once(require_worker, tmp_path):
    from reports.tasks import build_report_runs_together
    from tests.worker import celery_worker

    schools = build_trust()
    # The runs the schedule would queue, sent here to the test worker's own queue.
    ids = [ReportRun.objects.create(school=school, kind=ReportKind.TERMLY_PACK,
                                    parameters={"academic_year": YEAR, "term": TERM}).pk for school in schools]
    media = {"MEDIA_ROOT": str(tmp_path)}
    slow = {"SENCOTRACK_TEST_REPORT_DELAY": "30", "CELERY_VISIBILITY_TIMEOUT": "3", **media}
    with celery_worker(log_name="doomed-batch", extra_env=slow) as doomed:
        build_report_runs_together.apply_async(args=[ids], queue=doomed.queue)
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while ReportRun.objects.filter(pk__in=ids, status=RunStatus.RUNNING).count() < 3:
            assert dt.datetime.now() < deadline, "the batch never started"
        doomed.kill()  # the task is never acknowledged
        queue = doomed.queue
    assert ReportRun.objects.filter(pk__in=ids, status=RunStatus.RUNNING).count() == 3
    with celery_worker(queue=queue, log_name="rescuer-batch", extra_env={"CELERY_VISIBILITY_TIMEOUT": "3", **media}):
        runs = wait_until_done(ids)
    assert all(r.attempts == 2 and r.worker.startswith("rescuer-batch-") for r in runs)
    assert ReportRun.objects.filter(kind=ReportKind.TERMLY_PACK).count() == 3
    for school in schools:
        run = ReportRun.objects.get(school=school)
        assert {kind: r["rows"] for kind, r in run.result["reports"].items()} == own_rows(school)
