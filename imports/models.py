"""Import jobs: a browser import's check (preview) or import (confirm), run off the request.

The upload itself waits as a file (``imports.pending``); a job names it by its token and records
who started it, for which school, how far it has got and what it found. Only the person who started
a job, at the same school and still allowed to import, may see it (``imports.jobs.job_for``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from pupils.models import School


class JobAction(models.TextChoices):
    CHECK = "check", "Check"
    IMPORT = "import", "Import"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="import_jobs")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=10, choices=JobAction.choices)
    kind = models.CharField(max_length=20)
    # The waiting upload (imports.pending) the job reads.
    token = models.CharField(max_length=40)
    filename = models.CharField(max_length=200)
    set_name = models.CharField(max_length=200, blank=True)  # quartile/national tables: the reference set named
    size = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # Where it has got: the phase (pupils.progress) and rows done of the phase's total.
    phase = models.CharField(max_length=20, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a message for the job was handed to the broker; empty while it could not be (broker down).
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds while it runs: a job whose heartbeat stops has lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the import found (imports.jobs.result_to_json): counts, errors, warnings, notes.
    result = models.JSONField(null=True, blank=True)
    # Why a failed job failed, for people.
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="import_job_status_beat")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.kind} {self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
