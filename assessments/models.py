"""Baselines, assessments and the other measures of progress: levels, ages, SEMH, ratings.

Results are stored as the canonical code of their framework's ladder (``assessments.ladder``);
points are never stored, they come from the school's points scheme when a report runs.
A term is stored as (academic_year start year, term name) so that baselines from before a pupil
joined the school need no term rows; ``Term`` holds the dates a school actually uses.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from pupils.history import AuditHistory

from pupils.models import Pupil, School, Subject
from sencotrack.parsing import term_index
from sencotrack.versions import TrackedModel, TrackedQuerySet


class TermName(models.TextChoices):
    AUTUMN = "autumn", "Autumn"
    SPRING = "spring", "Spring"
    SUMMER = "summer", "Summer"


TERM_POSITION = {"autumn": 0, "spring": 1, "summer": 2}


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


class Framework(models.TextChoices):
    NC = "nc", "P-scales and national curriculum levels"
    PKS = "pks", "Pre-key-stage standards"
    ENGAGEMENT = "engagement", "Engagement model"


class AcademicYear(TrackedModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="academic_years")
    start_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1990), MaxValueValidator(2100)])

    class Meta:
        ordering = ["school", "-start_year"]
        constraints = [models.UniqueConstraint(fields=["school", "start_year"], name="academic_year_unique")]

    def __str__(self) -> str:
        return academic_year_label(self.start_year)


class Term(TrackedModel):
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=6, choices=TermName.choices)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["academic_year", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "name"], name="term_unique_name"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_name_display()} {self.academic_year}"

    @property
    def index(self) -> int:
        return term_index(self.academic_year.start_year, self.name)


class PointsScheme(TrackedModel):
    """A named, versioned table of points per ladder code (docs/figures.md section 4).

    The built-in schemes live in ``assessments.ladder.SCHEMES``; a school may load another here.
    """

    name = models.CharField(max_length=60)
    version = models.CharField(max_length=20, default="1")
    description = models.TextField(blank=True)
    points = models.JSONField(help_text="Ladder code to points, e.g. {\"P7\": 5, \"1c\": 7}.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "version"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="points_scheme_unique_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class TermStampedQuerySet(TrackedQuerySet):
    def in_term(self, academic_year: int, term: str):
        return self.filter(academic_year=academic_year, term=term)


class TermStamped(TrackedModel):
    """The term a measure belongs to, as in the CSV contract (academic year and term name)."""

    academic_year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1990), MaxValueValidator(2100)])
    term = models.CharField(max_length=6, choices=TermName.choices)

    objects = TermStampedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def term_index(self) -> int:
        return term_index(self.academic_year, self.term)

    @property
    def term_label(self) -> str:
        return f"{self.get_term_display()} {academic_year_label(self.academic_year)}"


class KeyStage(models.TextChoices):
    KS1 = "KS1", "End of KS1"
    KS2 = "KS2", "End of KS2"
    KS3 = "KS3", "End of KS3"
    ENTRY = "Entry", "On entry"


class Baseline(TermStamped):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="baselines")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="baselines")
    key_stage = models.CharField(max_length=5, choices=KeyStage.choices)
    result = models.CharField(max_length=8, help_text="A ladder code such as 2b, P6 or W.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["pupil", "subject", "academic_year"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "subject", "key_stage"], name="baseline_unique_key_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil.upn} {self.subject.code} {self.key_stage}: {self.result}"


class AssessmentKind(models.TextChoices):
    TEACHER = "teacher", "Teacher assessment"
    TEST = "test", "Test"
    MODERATED = "moderated", "Moderated"


class Assessment(TermStamped):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="assessments")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="assessments")
    kind = models.CharField(max_length=10, choices=AssessmentKind.choices, default=AssessmentKind.TEACHER)
    framework = models.CharField(max_length=10, choices=Framework.choices, default=Framework.NC)
    result = models.CharField(max_length=12, help_text="A code of the framework's ladder, e.g. 4b or P6.")
    assessed_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["pupil", "subject", "academic_year", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "academic_year", "term", "kind"], name="assessment_one_per_term_and_kind"
            ),
        ]
        indexes = [models.Index(fields=["subject", "academic_year", "term"])]

    def __str__(self) -> str:
        return f"{self.pupil.upn} {self.subject.code} {self.term_label}: {self.result}"


class Target(TrackedModel):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="targets")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="targets")
    academic_year = models.PositiveSmallIntegerField()
    result = models.CharField(max_length=8)
    suggested = models.BooleanField(default=True, help_text="Still the figure suggested from expected progress.")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pupil", "subject", "academic_year"], name="target_unique")]

    def __str__(self) -> str:
        return f"{self.pupil.upn} {self.subject.code} {academic_year_label(self.academic_year)} target {self.result}"


class ReadingMeasure(models.TextChoices):
    READING = "reading", "Reading"
    SPELLING = "spelling", "Spelling"


class ReadingTest(TrackedModel):
    """A reading or spelling test: age-equivalent in months and, where the test gives one, a standardised score."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="reading_tests")
    measure = models.CharField(max_length=8, choices=ReadingMeasure.choices)
    test_name = models.CharField(max_length=100)
    tested_on = models.DateField()
    age_equivalent_months = models.PositiveSmallIntegerField(validators=[MaxValueValidator(300)])
    standardised_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(40), MaxValueValidator(160)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "measure", "tested_on"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "measure", "tested_on"], name="reading_test_unique_day"),
            models.CheckConstraint(
                condition=Q(standardised_score__isnull=True) | Q(standardised_score__gte=40, standardised_score__lte=160),
                name="reading_test_score_range",
            ),
            models.CheckConstraint(condition=Q(age_equivalent_months__lte=300), name="reading_test_age_range"),
        ]

    def __str__(self) -> str:
        years, months = divmod(self.age_equivalent_months, 12)
        return f"{self.pupil.upn} {self.measure} {self.tested_on:%d/%m/%Y}: {years}:{months:02d}"


class SemhInstrument(models.TextChoices):
    SDQ = "sdq", "SDQ (teacher)"
    BOXALL = "boxall", "Boxall Profile"
    OTHER = "other", "Other checklist"


class SemhChecklist(TermStamped):
    """An SEMH checklist completed for a pupil: totals and, where recorded, section or item scores."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="semh_checklists")
    instrument = models.CharField(max_length=10, choices=SemhInstrument.choices)
    instrument_name = models.CharField(max_length=100, blank=True, help_text="For 'other' checklists.")
    completed_on = models.DateField()
    total = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    scores = models.JSONField(default=dict, blank=True, help_text="Subscale, section, cluster or item scores.")
    higher_is_better = models.BooleanField(default=False, help_text="True when a rising total means improvement.")
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "instrument", "completed_on"], name="semh_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil.upn} {self.get_instrument_display()} {self.completed_on:%d/%m/%Y}"


class BehaviourRecord(TermStamped):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="behaviour_records")
    points = models.IntegerField(help_text="Behaviour points under the school's policy (negative points).")
    times_on_report = models.PositiveSmallIntegerField(default=0)

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "academic_year", "term"]
        constraints = [models.UniqueConstraint(fields=["pupil", "academic_year", "term"], name="behaviour_one_per_term")]

    def __str__(self) -> str:
        return f"{self.pupil.upn} behaviour {self.term_label}: {self.points}"


class RatingAspect(models.TextChoices):
    ENGAGEMENT = "engagement", "Engagement"
    UNDERSTANDING = "understanding", "Understanding"
    MASTERY = "mastery", "Mastery of a skill"


RATING_SCALE = [(1, "1: not yet"), (2, "2: emerging"), (3, "3: developing"), (4, "4: secure"), (5, "5: confident")]


class QualitativeRating(TermStamped):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="qualitative_ratings")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    aspect = models.CharField(max_length=15, choices=RatingAspect.choices)
    rating = models.PositiveSmallIntegerField(choices=RATING_SCALE)
    note = models.CharField(max_length=300, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "academic_year", "term"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "subject", "aspect", "academic_year", "term"], name="rating_one_per_term"
            ),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil.upn} {self.aspect} {self.term_label}: {self.rating}"


class SelfAssessment(TermStamped):
    """Pupil voice: how the pupil rates themself against a statement."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="self_assessments")
    statement = models.CharField(max_length=200, help_text="e.g. 'I can read a page on my own'.")
    rating = models.PositiveSmallIntegerField(choices=RATING_SCALE)
    comment = models.TextField(blank=True)
    recorded_on = models.DateField()

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "recorded_on"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="self_assessment_range")]

    def __str__(self) -> str:
        return f"{self.pupil.upn} self-assessment {self.recorded_on:%d/%m/%Y}: {self.rating}"


# --- Reference sets: national quartile and comparison tables (docs/figures.md 9.9, 9.10) --------------


class ReferenceKind(models.TextChoices):
    QUARTILES = "quartiles", "Quartile table (expected progress from each starting point)"
    NATIONAL = "national", "National comparison (percentages making expected progress)"


class Transition(models.TextChoices):
    KS1_KS2 = "KS1-KS2", "KS1 to KS2"
    KS2_KS3 = "KS2-KS3", "KS2 to KS3"
    KS2_KS4 = "KS2-KS4", "KS2 to KS4"
    KS3_KS4 = "KS3-KS4", "KS3 to KS4"


class ReferenceSet(TrackedModel):
    """A named, versioned reference table with its provenance: a quartile table or a national one.

    ``school`` empty: shipped with sencotrack and available to every school. For each kind, a
    school uses its chosen set (``School.quartile_table`` / ``national_table``), else the newest set
    it imported, else the newest shipped one.
    """

    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.CASCADE, related_name="reference_sets",
        help_text="Empty for a set shipped with sencotrack (every school can use it).",
    )
    kind = models.CharField(max_length=10, choices=ReferenceKind.choices)
    name = models.CharField(max_length=120)
    source_note = models.TextField(blank=True, help_text="Where the figures come from and their caveats.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now, help_text="When the set was first imported.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-imported_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "name"], name="reference_set_unique_name"),
            models.UniqueConstraint(
                fields=["kind", "name"], condition=Q(school__isnull=True), name="reference_set_unique_shipped_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().split(' (')[0].lower()}, {self.imported_at:%d/%m/%Y})"


class QuartileRow(TrackedModel):
    """End-of-key-stage outcomes (lower quartile, median, upper quartile) from one starting point.

    Codes are canonical ladder codes: a bare digit is a whole level ("4"), a table's "0" is stored
    as W (DOMAIN 9.9).
    """

    reference_set = models.ForeignKey(ReferenceSet, on_delete=models.CASCADE, related_name="quartile_rows")
    transition = models.CharField(max_length=7, choices=Transition.choices)
    subject = models.CharField(max_length=100, help_text="Matched to the school's subject names in any case.")
    starting_point = models.CharField(max_length=8)
    lower_quartile = models.CharField(max_length=8)
    median = models.CharField(max_length=8)
    upper_quartile = models.CharField(max_length=8)
    source_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["reference_set", "transition", "subject", "id"]
        constraints = [
            models.UniqueConstraint(
                "reference_set", "transition", Lower("subject"), "starting_point", name="quartile_row_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transition} {self.subject} from {self.starting_point}: {self.lower_quartile}/{self.median}/{self.upper_quartile}"


class NationalRow(TrackedModel):
    """The national percentages making expected and more than expected progress from one starting point."""

    reference_set = models.ForeignKey(ReferenceSet, on_delete=models.CASCADE, related_name="national_rows")
    transition = models.CharField(max_length=7, choices=Transition.choices)
    subject = models.CharField(max_length=100, help_text="Matched to the school's subject names in any case.")
    starting_point = models.CharField(max_length=8)
    pct_expected = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    pct_more_than_expected = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(100)])
    source_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["reference_set", "transition", "subject", "id"]
        constraints = [
            models.UniqueConstraint(
                "reference_set", "transition", Lower("subject"), "starting_point", name="national_row_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(pct_expected__gte=0, pct_expected__lte=100, pct_more_than_expected__gte=0,
                            pct_more_than_expected__lte=F("pct_expected")),
                name="national_row_percentages",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transition} {self.subject} from {self.starting_point}: {self.pct_expected}% ({self.pct_more_than_expected}%)"
