"""Thin Celery tasks: take ids, call a service, let Celery handle retries (paperless style).

The builds are acknowledged late (when they end) and can only claim a run that is queued or whose
heartbeat has stopped: how a run survives a dead worker is in reports/services.py and
docs/operations-reports.md.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports import services
from sencotrack import background


def _worker(request) -> str:
    """Who builds the run: this process's name when run eagerly (a thread here in the embedded mode,
    so reports.services_threads can tell when that thread is gone), else the Celery worker's."""
    return background.THIS_PROCESS if request.is_eager else (request.hostname or "worker")


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def build_report_run(self, run_id: int) -> str:
    """Build one report run. Idempotent: a run already done, or still being built by a live worker,
    is skipped, so a message delivered twice builds it once."""
    return services.report_run_execute(run_id, worker=_worker(self.request))


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def build_report_runs_together(self, run_ids: list[int]) -> dict[int, str]:
    """Build termly packs of one term together (queued by the schedule). Each run is claimed and
    stored on its own, so a redelivered or retried task skips the runs already done."""
    return services.report_runs_execute_together(run_ids, worker=_worker(self.request))


@shared_task(acks_late=True)
def queue_termly_packs() -> int:
    """Fired by beat: queue the packs of schools whose term has just ended (claimed once each)."""
    return len(services.termly_packs_queue_due())


@shared_task(acks_late=True, ignore_result=True)
def requeue_stale_report_runs() -> int:
    """Fired by beat every REPORT_RUN_SWEEP_SECONDS (its message expires after as long, so sweeps that
    waited behind long builds are dropped, not run in a row): queue again the runs whose worker died,
    and send the runs the broker could not take when they were asked for."""
    return services.report_runs_requeue_stale()
