"""Schools, staff, pupils and the SEN register: the base every other app builds on."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from pupils.history import AuditHistory
from sencotrack.versions import TrackedModel, TrackedQuerySet


class Trust(TrackedModel):
    """A multi-academy trust (or a local authority) that runs several schools."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class School(TrackedModel):
    class Ks2Span(models.TextChoices):
        KS2_KS4 = "KS2-KS4", "KS2 to KS4: 3 levels in 15 terms"
        KS2_KS3 = "KS2-KS3", "KS2 to KS3: 2 levels in 9 terms"

    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.SET_NULL, related_name="schools")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=40, unique=True, help_text="Short code used by imports and commands.")
    urn = models.CharField("URN", max_length=10, blank=True, help_text="The DfE unique reference number.")
    ks2_span = models.CharField(
        "KS2 expected-progress span", max_length=8, choices=Ks2Span.choices, default=Ks2Span.KS2_KS4
    )
    points_scheme = models.CharField(
        max_length=60, default="NS2007-extended", help_text="Name of the points scheme every report uses."
    )
    retention_years = models.PositiveSmallIntegerField(
        default=25, help_text="Years after leaving that a pupil's SEN records are kept."
    )
    # Moved on by every write to the school's records, in the writer's transaction: cached page
    # fragments are keyed on it (sencotrack.versions, sencotrack.fragments).
    data_version = models.BigIntegerField(default=0, editable=False)

    class QuartileExpectations(models.TextChoices):
        BELOW_LEVEL_1 = "below_level_1", "Baselines below level 1 (P-scales and W)"
        ALL = "all", "Every baseline the quartile table covers"
        OFF = "off", "Off: always 2 or 3 levels (pro rata)"

    quartile_expectations = models.CharField(
        "judge expected progress by the quartile table for",
        max_length=13, choices=QuartileExpectations.choices, default=QuartileExpectations.BELOW_LEVEL_1,
        help_text="Ofsted took expected progress for pupils working below level 1 to be the national median "
        "progress from the same starting point; other baselines use the levels rule.",
    )
    quartile_table = models.CharField(
        max_length=120, blank=True, default="",
        help_text="Name of the quartile reference set in force; blank for the newest one imported.",
    )
    national_table = models.CharField(
        max_length=120, blank=True, default="",
        help_text="Name of the national comparison set in force; blank for the newest one imported.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        # Never write back the version read with the row: another writer may have moved it on since.
        if not self._state.adding and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name != "data_version"]
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    SENCO = "senco", "SENCo"
    TEACHER = "teacher", "Teacher"
    TA = "ta", "Teaching assistant"
    GOVERNOR = "governor", "Governor"
    DATA_MANAGER = "data_manager", "Data manager"
    # Invited by the SENCo for named children (plans.ParentLink); sees only those children.
    PARENT = "parent", "Parent or carer"


class Membership(TrackedModel):
    """A person's role at a school. One person may hold several roles, or roles at several schools."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name}: {self.get_role_display()} at {self.school.code}"


class TrustMembership(TrackedModel):
    """A trust-level role: sees the aggregates of every school in the trust, never named pupils."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trust_memberships")
    trust = models.ForeignKey(Trust, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "trust"], name="trust_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user.get_username()} at {self.trust}"


class Subject(TrackedModel):
    """A subject taught and assessed (English, maths, ...).

    Lives here rather than in assessments because teaching groups are taught in a subject and
    pupils is the base app: dependencies run pupils <- assessments <- interventions <- reports.
    """

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100, unique=True)
    core = models.BooleanField(default=False, help_text="English and maths: the subjects the no-gain report reads.")
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Gender(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other / not recorded"


class PupilQuerySet(TrackedQuerySet):
    def current(self):
        """Pupils on roll: archived leavers are kept for reporting but hidden from daily pages."""
        return self.filter(archived_at__isnull=True)


class Pupil(TrackedModel):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13)
    surname = models.CharField(max_length=100)
    forename = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices)
    year_group = models.SmallIntegerField(help_text="National curriculum year: 0 is Reception, 7 is the first year of secondary.")
    pupil_premium = models.BooleanField(default=False)
    eal = models.BooleanField("EAL", default=False)
    looked_after = models.BooleanField(default=False)
    admission_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PupilQuerySet.as_manager()

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["surname", "forename"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="pupil_unique_upn_per_school"),
            models.CheckConstraint(condition=Q(year_group__gte=-1, year_group__lte=14), name="pupil_year_group_range"),
            models.CheckConstraint(
                condition=Q(leaving_date__isnull=True) | Q(admission_date__isnull=True) | Q(leaving_date__gte=F("admission_date")),
                name="pupil_leaves_after_admission",
            ),
        ]
        indexes = [models.Index(fields=["school", "year_group"])]

    def __str__(self) -> str:
        return f"{self.forename} {self.surname} ({self.upn})"

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"


class TeachingGroup(TrackedModel):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teaching_groups")
    name = models.CharField(max_length=60)
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="teaching_groups")
    year_group = models.SmallIntegerField(null=True, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teaching_groups")
    pupils = models.ManyToManyField(Pupil, blank=True, related_name="teaching_groups")

    class Meta:
        ordering = ["year_group", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="teaching_group_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.subject or 'no subject'})"


class Provision(models.TextChoices):
    NONE = "N", "N: no SEN"
    SEN_SUPPORT = "K", "K: SEN support"
    EHC_PLAN = "E", "E: EHC plan"
    SCHOOL_ACTION = "A", "A: School Action (before 2014)"
    SCHOOL_ACTION_PLUS = "P", "P: School Action Plus (before 2014)"
    STATEMENT = "S", "S: Statement (before 2014)"


CURRENT_PROVISIONS = ("N", "K", "E")


class Need(models.TextChoices):
    SPLD = "SPLD", "SPLD: specific learning difficulty"
    MLD = "MLD", "MLD: moderate learning difficulty"
    SLD = "SLD", "SLD: severe learning difficulty"
    PMLD = "PMLD", "PMLD: profound and multiple learning difficulty"
    SEMH = "SEMH", "SEMH: social, emotional and mental health"
    BESD = "BESD", "BESD: behaviour, emotional and social difficulty (before 2015)"
    SLCN = "SLCN", "SLCN: speech, language and communication needs"
    HI = "HI", "HI: hearing impairment"
    VI = "VI", "VI: visual impairment"
    MSI = "MSI", "MSI: multi-sensory impairment"
    PD = "PD", "PD: physical disability"
    ASD = "ASD", "ASD: autistic spectrum disorder"
    OTH = "OTH", "OTH: other difficulty or disability"
    NSA = "NSA", "NSA: SEN support but no specialist assessment"


# Broad areas of need (Code of Practice 2014).
AREA_OF_NEED = {
    "SLCN": "Communication and interaction",
    "ASD": "Communication and interaction",
    "SPLD": "Cognition and learning",
    "MLD": "Cognition and learning",
    "SLD": "Cognition and learning",
    "PMLD": "Cognition and learning",
    "SEMH": "Social, emotional and mental health",
    "BESD": "Social, emotional and mental health",
    "HI": "Sensory and/or physical",
    "VI": "Sensory and/or physical",
    "MSI": "Sensory and/or physical",
    "PD": "Sensory and/or physical",
}


class RegisterEntryQuerySet(TrackedQuerySet):
    def open_on(self, day):
        """Entries in force on a day: a pupil's SEN status on the last day of a term (docs/figures.md)."""
        return self.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


class RegisterEntry(TrackedModel):
    """One dated span of a pupil's SEN provision; a pupil's history is the sequence of entries."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="register_entries")
    provision = models.CharField(max_length=1, choices=Provision.choices)
    primary_need = models.CharField(max_length=4, choices=Need.choices, blank=True)
    secondary_need = models.CharField(max_length=4, choices=Need.choices, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RegisterEntryQuerySet.as_manager()

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["pupil", "-start_date"]
        verbose_name_plural = "register entries"
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(end_date__isnull=True), name="register_one_open_entry_per_pupil"
            ),
            models.UniqueConstraint(fields=["pupil", "start_date"], name="register_unique_start_per_pupil"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="register_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(primary_need="NSA") | Q(provision="K"), name="register_nsa_only_with_sen_support"
            ),
            models.CheckConstraint(
                condition=Q(secondary_need="") | ~Q(secondary_need=F("primary_need")),
                name="register_secondary_need_differs",
            ),
        ]

    def __str__(self) -> str:
        span = f"{self.start_date:%d/%m/%Y} to {self.end_date:%d/%m/%Y}" if self.end_date else f"from {self.start_date:%d/%m/%Y}"
        need = f" {self.primary_need}" if self.primary_need else ""
        return f"{self.pupil.upn}: {self.provision}{need} {span}"


class PupilProfile(TrackedModel):
    """The one-page profile: what the pupil and the people who know them say helps."""

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="profile")
    needs_summary = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    what_helps = models.TextField("What helps me", blank=True)
    aspirations = models.TextField(blank=True)
    pupil_voice = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = AuditHistory(excluded_fields=["updated_at"])

    def __str__(self) -> str:
        return f"Profile of {self.pupil}"


class Concern(TrackedModel):
    """A pupil not on the register whom staff are watching (a 'pupil of concern')."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="concerns")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_on = models.DateField()
    reason = models.TextField()
    closed_on = models.DateField(null=True, blank=True)

    history = AuditHistory()

    class Meta:
        ordering = ["-raised_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("raised_on")), name="concern_closes_after_raised"
            )
        ]

    def __str__(self) -> str:
        return f"Concern about {self.pupil.upn} from {self.raised_on:%d/%m/%Y}"


class AccessAction(models.TextChoices):
    VIEWED = "viewed", "Viewed"
    DOWNLOADED = "downloaded", "Downloaded"
    EXPORTED = "exported", "Exported"


class AccessEvent(models.Model):
    """Who viewed a named pupil's record, or downloaded or exported a report naming pupils, and when.

    Written by ``pupils.services_audit.access_record``; never changed. ``pupil`` is empty for a
    download that names many pupils (a report run); ``what`` says which page or report it was.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="access_events")
    pupil = models.ForeignKey(Pupil, null=True, blank=True, on_delete=models.CASCADE, related_name="access_events")
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    what = models.CharField(max_length=100, help_text="The page or report, e.g. 'pupil page' or 'expected-progress csv'.")
    path = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["pupil", "-at"], name="access_event_pupil_at"),
            models.Index(fields=["school", "-at"], name="access_event_school_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.what} at {self.at:%d/%m/%Y %H:%M}"
