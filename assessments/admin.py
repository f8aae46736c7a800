from django.contrib import admin

from assessments import models


class TermInline(admin.TabularInline):
    model = models.Term
    extra = 0


@admin.register(models.AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["__str__", "school"]
    list_filter = ["school"]
    inlines = [TermInline]


@admin.register(models.PointsScheme)
class PointsSchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "created_at"]


class PupilMeasureAdmin(admin.ModelAdmin):
    raw_id_fields = ["pupil"]
    search_fields = ["pupil__upn", "pupil__surname"]


@admin.register(models.Baseline)
class BaselineAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "subject", "key_stage", "result", "academic_year", "term"]
    list_filter = ["subject", "key_stage"]


@admin.register(models.Assessment)
class AssessmentAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "subject", "academic_year", "term", "kind", "result"]
    list_filter = ["subject", "academic_year", "term", "kind"]


@admin.register(models.Target)
class TargetAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "subject", "academic_year", "result", "suggested"]


@admin.register(models.ReadingTest)
class ReadingTestAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "measure", "test_name", "tested_on", "age_equivalent_months", "standardised_score"]
    list_filter = ["measure"]


@admin.register(models.SemhChecklist)
class SemhChecklistAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "instrument", "completed_on", "total"]
    list_filter = ["instrument"]


@admin.register(models.BehaviourRecord)
class BehaviourRecordAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "academic_year", "term", "points", "times_on_report"]


@admin.register(models.QualitativeRating)
class QualitativeRatingAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "subject", "aspect", "academic_year", "term", "rating"]


@admin.register(models.SelfAssessment)
class SelfAssessmentAdmin(PupilMeasureAdmin):
    list_display = ["pupil", "statement", "rating", "recorded_on"]


class QuartileRowInline(admin.TabularInline):
    model = models.QuartileRow
    extra = 0


class NationalRowInline(admin.TabularInline):
    model = models.NationalRow
    extra = 0


@admin.register(models.ReferenceSet)
class ReferenceSetAdmin(admin.ModelAdmin):
    """Reference sets are imported (``import_data quartiles|national``); here they can be read and corrected."""

    list_display = ["name", "kind", "school", "imported_by", "imported_at"]
    list_filter = ["kind", "school"]
    readonly_fields = ["imported_by", "imported_at", "updated_at"]
    inlines = [QuartileRowInline, NationalRowInline]
