from django.contrib import admin

from plans import models


class OutcomeInline(admin.StackedInline):
    model = models.Outcome
    extra = 0
    raw_id_fields = ["enrolments", "carried_from", "evidence_assessments", "evidence_reading_tests",
                     "evidence_comments", "evidence_enrolments"]  # fmt: skip


@admin.register(models.SupportPlan)
class SupportPlanAdmin(admin.ModelAdmin):
    list_display = ["pupil", "status", "starts_on", "review_date"]
    list_filter = ["status"]
    raw_id_fields = ["pupil", "previous", "created_by"]
    inlines = [OutcomeInline]


@admin.register(models.AnnualReview)
class AnnualReviewAdmin(admin.ModelAdmin):
    list_display = ["pupil", "held_on", "recommendation"]
    raw_id_fields = ["pupil", "recorded_by"]


@admin.register(models.ParentLink)
class ParentLinkAdmin(admin.ModelAdmin):
    list_display = ["user", "pupil", "relationship", "invited_at", "revoked_at"]
    raw_id_fields = ["user", "pupil", "invited_by", "revoked_by"]
