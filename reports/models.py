"""Report runs (what was asked, its progress and its stored result) and termly schedules."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from pupils.models import School, Trust
from sencotrack.versions import TrackedModel


class ReportKind(models.TextChoices):
    EXPECTED_PROGRESS = "expected-progress", "Expected progress"
    VALUE_ADDED = "value-added", "Value added"
    STARTING_POINTS = "starting-points", "Progress from starting points"
    INTERVENTION_IMPACT = "intervention-impact", "Intervention impact"
    NO_GAIN_BUT_SEMH = "no-gain-but-semh", "No academic gain but SEMH gains"
    REGISTER_SUMMARY = "register-summary", "SEN register summary"
    TERMLY_PACK = "termly-pack", "Termly report pack"
    TRUST_PACK = "trust-pack", "Trust pack"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # A run belongs to one school, or (the trust pack, figures only) to one trust: never both.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE, related_name="report_runs")
    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.CASCADE, related_name="report_runs")
    kind = models.CharField(max_length=30, choices=ReportKind.choices)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    progress_note = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Set for scheduled packs: "school:year:term", so a pack is built once per school and term.
    dedupe_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a message for the run was last handed to the broker (set as the run is saved, for the
    # send on commit); empty while it could not be (broker down): the sweeper sends it.
    sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds by the worker building the run: a run whose heartbeat stops has
    # lost its worker, and the sweeper queues it again (reports.services.report_runs_sweep).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    pdf = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    zip_file = models.FileField(upload_to="reports/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_run_progress_range"),
            models.CheckConstraint(
                condition=(Q(school__isnull=False, trust__isnull=True) & ~Q(kind="trust-pack"))
                | Q(school__isnull=True, trust__isnull=False, kind="trust-pack"),
                name="report_run_school_or_trust",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "kind", "-created_at"]),
            models.Index(fields=["trust", "-created_at"], name="report_run_trust_latest"),
            # The sweeper's question every half minute: which unfinished runs need sending?
            models.Index(fields=["status"], name="report_run_unfinished",
                         condition=Q(status__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        owner = self.school.code if self.school_id else self.trust.name
        return f"{self.get_kind_display()} for {owner} ({self.status})"


class ReportSchedule(models.Model):
    """Build a school's termly pack once its term has ended."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="report_schedule")
    enabled = models.BooleanField(default=True)
    days_after_term_end = models.PositiveSmallIntegerField(default=0)
    last_built_term = models.CharField(max_length=20, blank=True, help_text="e.g. '2025:summer', set when claimed.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Termly pack for {self.school.code} ({'on' if self.enabled else 'off'})"


class PackCaseStudy(TrackedModel):
    """A pupil the SENCo picked for the termly pack's case studies (two or three at a time).

    Named in the SENCo's edition, anonymised in the governors' ("Pupil A, Year 8, SEN support, SLCN").
    Deleting the pupil (retention) deletes the pick.
    """

    MAX_PER_SCHOOL = 3

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="pack_case_studies")
    pupil = models.ForeignKey("pupils.Pupil", on_delete=models.CASCADE, related_name="pack_case_studies")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    chosen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chosen_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["school", "pupil"], name="pack_case_study_unique")]

    def __str__(self) -> str:
        return f"case study: {self.pupil_id} at {self.school_id}"
