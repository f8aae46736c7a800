"""The graduated approach (assess, plan, do, review), EHC plan annual reviews, and parents' access.

A support plan is one turn of the cycle: a draft, then the one plan in place for the pupil, then
closed when the next starts; it has at most one review, from which the next plan is drafted. Every
model keeps its audit history. Dependencies: pupils <- assessments <- interventions <- plans.
See docs/plans-and-parents.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from assessments.models import Assessment, ReadingTest, TermName
from interventions.models import Comment, Enrolment
from pupils.history import AuditHistory
from pupils.models import Pupil, Subject
from sencotrack.versions import TrackedModel


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "In place"
    CLOSED = "closed", "Closed"


class SupportPlan(TrackedModel):
    """An SEN support plan: one assess-plan-do-review cycle for one pupil."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="support_plans")
    status = models.CharField(max_length=6, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    starts_on = models.DateField(help_text="When the plan is put in place.")
    review_date = models.DateField(help_text="When it will be reviewed with the pupil and their parents.")
    strategies = models.TextField(
        "Strategies for staff", blank=True, help_text="What every adult working with the pupil should do, one per line."
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The plan whose review this one was drafted from.",
    )  # fmt: skip
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["pupil", "-starts_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(status="active"), name="plan_one_in_place_per_pupil"
            ),
            models.CheckConstraint(condition=Q(review_date__gt=F("starts_on")), name="plan_reviewed_after_start"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("starts_on")), name="plan_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan from {self.starts_on:%d/%m/%Y} ({self.get_status_display().lower()})"


class Rating(models.TextChoices):
    ACHIEVED = "achieved", "Achieved"
    PARTLY = "partly", "Partly achieved"
    NOT_YET = "not_yet", "Not yet achieved"


class Outcome(TrackedModel):
    """What the pupil will achieve by when, how it is measured, and what supports it.

    The review's judgement of it (rating and evidence) is kept here too: a plan has one review.
    """

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField(default=0)
    description = models.TextField("What the pupil will achieve")
    measure = models.TextField("How it will be measured")
    by_when = models.DateField("By when")
    provision = models.TextField(
        "Provision that supports it", blank=True, help_text="Support, resources and who provides them."
    )
    enrolments = models.ManyToManyField(
        Enrolment, blank=True, related_name="plan_outcomes", help_text="The pupil's interventions that support it."
    )
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The same outcome in the previous plan, not yet achieved at its review.",
    )  # fmt: skip
    # Filled in at the review.
    rating = models.CharField(max_length=8, choices=Rating.choices, blank=True)
    evidence = models.TextField("Evidence", blank=True)
    evidence_assessments = models.ManyToManyField(Assessment, blank=True, related_name="+")
    evidence_reading_tests = models.ManyToManyField(ReadingTest, blank=True, related_name="+")
    evidence_comments = models.ManyToManyField(Comment, blank=True, related_name="+")
    evidence_enrolments = models.ManyToManyField(Enrolment, blank=True, related_name="+")

    history = AuditHistory(
        m2m_fields=[enrolments, evidence_assessments, evidence_reading_tests, evidence_comments, evidence_enrolments]
    )

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 60 else text[:57] + "..."


class CurricularTarget(TrackedModel):
    """A small-step target in a subject, in the pupil's words: "I can read a page aloud"."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="curricular_targets")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    statement = models.CharField(max_length=200, help_text='In the pupil\'s words, e.g. "I can read a page aloud".')
    position = models.PositiveSmallIntegerField(default=0)
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = AuditHistory()

    class Meta:
        ordering = ["plan", "subject__position", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.statement}"


class CheckStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    NOT_ON_TRACK = "not_on_track", "Not on track"
    ACHIEVED = "achieved", "Achieved"


class TargetCheck(TrackedModel):
    """Each term, whether the pupil is on track for a curricular target."""

    # The plan first: the audit page finds a record through its first link to a pupil's record.
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="target_checks")
    target = models.ForeignKey(CurricularTarget, on_delete=models.CASCADE, related_name="checks")
    academic_year = models.PositiveSmallIntegerField()
    term = models.CharField(max_length=6, choices=TermName.choices)
    status = models.CharField(max_length=12, choices=CheckStatus.choices)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["target", "academic_year", "term"]
        constraints = [
            models.UniqueConstraint(fields=["target", "academic_year", "term"], name="target_check_once_a_term"),
        ]

    def __str__(self) -> str:
        return f"{self.target.statement} {self.get_term_display()} {self.academic_year}: {self.get_status_display()}"


class PlanReview(TrackedModel):
    """The review at the end of a plan: the views of everyone and what happens next."""

    plan = models.OneToOneField(SupportPlan, on_delete=models.CASCADE, related_name="review")
    held_on = models.DateField("Review held on")
    pupil_views = models.TextField("The pupil's views", blank=True)
    parent_views = models.TextField("The parents' views", blank=True)
    next_steps = models.TextField("Next steps", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    def __str__(self) -> str:
        return f"Review held on {self.held_on:%d/%m/%Y}"


class ContributorRole(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    STAFF = "staff", "Staff"


class PlanContribution(TrackedModel):
    """Views added to a plan before its review, by a parent or carer or by a member of staff."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(max_length=6, choices=ContributorRole.choices)
    going_well = models.TextField("What is going well", blank=True)
    concerns = models.TextField("What worries you", blank=True)
    hopes = models.TextField("What you would like to happen next", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = AuditHistory(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["plan", "created_at"]
        constraints = [models.UniqueConstraint(fields=["plan", "author"], name="contribution_one_per_person")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} views on {self.created_at:%d/%m/%Y}"


class Recommendation(models.TextChoices):
    MAINTAIN = "maintain", "Keep the plan as it is"
    AMEND = "amend", "Amend the plan"
    CEASE = "cease", "Cease the plan"


class AnnualReview(TrackedModel):
    """An EHC plan's annual review meeting, held at least every 12 months."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="annual_reviews")
    held_on = models.DateField("Held on")
    recommendation = models.CharField(max_length=8, choices=Recommendation.choices)
    attendees = models.TextField("Who took part", blank=True)
    summary = models.TextField("What was agreed", blank=True)
    pupil_views = models.TextField("The pupil's views", blank=True)
    parent_views = models.TextField("The parents' views", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "-held_on"]
        constraints = [models.UniqueConstraint(fields=["pupil", "held_on"], name="annual_review_once_a_day")]

    def __str__(self) -> str:
        return f"Annual review on {self.held_on:%d/%m/%Y}"


class ParentLink(TrackedModel):
    """A parent or carer's account may see this child, until the SENCo revokes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="parent_links")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="parent_links")
    relationship = models.CharField(max_length=60, blank=True, help_text="e.g. Mother, Father, Grandparent, Foster carer.")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    history = AuditHistory()

    class Meta:
        ordering = ["pupil", "invited_at"]
        constraints = [models.UniqueConstraint(fields=["user", "pupil"], name="parent_link_once_per_child")]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"{self.user.get_username()} for {self.pupil.upn} ({state})"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
