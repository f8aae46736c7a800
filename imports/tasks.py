"""Thin Celery task for import jobs: take the id, call the service (imports.jobs)."""

from __future__ import annotations

from celery import shared_task

from imports import jobs
from sencotrack import background


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_import_job(self, job_id: int) -> str:
    """Check or import a waiting upload. Idempotent: only a queued job is claimed, so a message
    delivered twice runs it once; a job whose worker died is marked failed (imports.jobs)."""
    worker = background.THIS_PROCESS if self.request.is_eager else (self.request.hostname or "worker")
    return jobs.job_execute(job_id, worker=worker)
