import os

import pytest

from pupils.tasks import ping
from tests import factories as f
from tests.worker import celery_worker, worker_available

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def require_worker():
    reason = worker_available()
    if reason:
        if os.environ.get("REQUIRE_WORKER"):
            pytest.fail(f"CI requires a real worker but {reason}")
        pytest.skip(reason)


def test_a_task_round_trips_through_a_real_worker_process(require_worker):
    f.SchoolFactory(code="oak")
    f.SchoolFactory(code="elm")
    with celery_worker() as worker:
        result = ping.apply_async(queue=worker.queue)
        # The worker answers from its own process and reads the schools this test committed.
        assert result.get(timeout=60) == {"pong": True, "schools": 2}


def test_embedded_mode_runs_tasks_in_process(settings, db):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from sencotrack.celery import app

    app.conf.task_always_eager = True
    try:
        f.SchoolFactory(code="oak")
        assert ping.delay().get() == {"pong": True, "schools": 1}
    finally:
        app.conf.task_always_eager = bool(not os.environ.get("REDIS_URL"))
