"""Intervention programmes, the groups that run them, who attends, and staff's anecdotal comments."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from pupils.history import AuditHistory

from pupils.models import Pupil, School, Subject
from sencotrack.versions import TrackedModel


class AreaOfNeed(models.TextChoices):
    COMMUNICATION = "communication", "Communication and interaction"
    COGNITION = "cognition", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY = "sensory", "Sensory and/or physical"


class MeasureKind(models.TextChoices):
    READING = "reading", "Reading age"
    SPELLING = "spelling", "Spelling age"
    STANDARDISED = "standardised", "Standardised score"
    SDQ = "sdq", "SDQ total difficulties"
    BOXALL = "boxall", "Boxall Profile"
    RATING = "rating", "Qualitative ratings"
    LEVEL = "level", "Levels (teacher assessments)"
    NONE = "none", "No set measure"


#: The measures an intervention can be judged by (every kind but "none").
MEASURE_CHOICES = [(value, label) for value, label in MeasureKind.choices if value != MeasureKind.NONE]


def validate_measures(value) -> None:
    """A list of distinct measure kinds (not "none")."""
    allowed = {value for value, _ in MEASURE_CHOICES}
    if not isinstance(value, list) or any(not isinstance(v, str) or v not in allowed for v in value):
        raise ValidationError(f"Measures must be a list of: {', '.join(sorted(allowed))}.")
    if len(set(value)) != len(value):
        raise ValidationError("A measure is listed twice.")


class Programme(TrackedModel):
    """An intervention in the school's library (e.g. 'Toe by Toe', 'Lego therapy')."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="programmes")
    name = models.CharField(max_length=120)
    # Blank only for a programme an enrolments import created: the SENCo chooses its area later.
    area_of_need = models.CharField(max_length=15, choices=AreaOfNeed.choices, blank=True)
    description = models.TextField(blank=True)
    cost_per_session = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    default_measure = models.CharField(max_length=12, choices=MeasureKind.choices, default=MeasureKind.NONE)
    active = models.BooleanField(default=True)

    history = AuditHistory()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="programme_unique_name"),
            models.CheckConstraint(condition=Q(cost_per_session__gte=0), name="programme_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class Intervention(TrackedModel):
    """A group running a programme: its staff, schedule and cost."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="interventions")
    name = models.CharField(max_length=120)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="interventions")
    # Who runs it as an import named them when no account matched (e.g. "Mrs T. Assistant"): kept
    # as text so nothing is lost, and never an account, so it gives nobody access to pupils.
    staff_names = models.CharField(
        max_length=200, blank=True, help_text="Staff named by an import who have no account here; gives no access."
    )
    schedule = models.CharField(max_length=200, blank=True, help_text="e.g. 'Mon and Thu, 9:00-9:20, library'.")
    sessions_per_week = models.PositiveSmallIntegerField(default=1)
    cost_per_session = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))],
        help_text="Staff time and materials for one session.",
    )
    measure = models.CharField(
        max_length=12, choices=MeasureKind.choices, default=MeasureKind.NONE,
        help_text="The measure entry and exit are recorded in for each pupil.",
    )
    measures = models.JSONField(
        default=list, blank=True, validators=[validate_measures],
        help_text="Further measures the group's impact is judged by (reports use these and the measure above).",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    history = AuditHistory()

    @property
    def judged_by(self) -> list[str]:
        """The measure kinds reports judge this group by: ``measure`` and ``measures`` together."""
        chosen = {*self.measures, self.measure} - {MeasureKind.NONE}
        return [value for value, _ in MEASURE_CHOICES if value in chosen]

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="intervention_unique_name"),
            models.CheckConstraint(condition=Q(cost_per_session__gte=0), name="intervention_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="intervention_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(TrackedModel):
    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="enrolments")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrolments")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    entry_measure = models.CharField(max_length=100, blank=True, help_text="The measure on entry, as recorded.")
    exit_measure = models.CharField(max_length=100, blank=True)
    sessions_attended = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="From an import; when sessions are logged here the log is used."
    )
    end_reason = models.CharField(max_length=200, blank=True)

    history = AuditHistory()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["intervention", "pupil", "start_date"], name="enrolment_unique_start"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="enrolment_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil.upn} in {self.intervention} from {self.start_date:%d/%m/%Y}"


class InterventionSession(TrackedModel):
    """A session on a day: delivered or not, and who attended."""

    intervention = models.ForeignKey(Intervention, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    delivered = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    logged_at = models.DateTimeField(auto_now_add=True)

    history = AuditHistory()

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["intervention", "date"], name="session_one_per_day")]

    def __str__(self) -> str:
        return f"{self.intervention} on {self.date:%d/%m/%Y}"


class Attendance(TrackedModel):
    session = models.ForeignKey(InterventionSession, on_delete=models.CASCADE, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    attended = models.BooleanField(default=True)

    history = AuditHistory()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "enrolment"], name="attendance_once_per_session")]

    def __str__(self) -> str:
        return f"{self.enrolment.pupil.upn} {'attended' if self.attended else 'absent'} {self.session.date:%d/%m/%Y}"


class Comment(TrackedModel):
    """An anecdotal comment: a few sentences when staff notice a new piece of learning."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments")
    observed_on = models.DateField()
    objective = models.CharField("Learning objective", max_length=300)
    activity = models.TextField()
    outcome = models.TextField()
    level = models.CharField(max_length=8, blank=True, help_text="Optional level or sub-level, e.g. 2b or P6.")
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    intervention = models.ForeignKey(Intervention, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    shared_with_parents = models.BooleanField(
        default=False, help_text="Set by the SENCo: the pupil's parents and carers see this comment."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = AuditHistory()

    class Meta:
        ordering = ["-observed_on", "-created_at"]
        indexes = [models.Index(fields=["pupil", "observed_on"])]

    def __str__(self) -> str:
        return f"{self.pupil.upn} {self.observed_on:%d/%m/%Y}: {self.objective[:40]}"
