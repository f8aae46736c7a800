from django.contrib import admin

from interventions import models


@admin.register(models.Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "area_of_need", "cost_per_session", "default_measure", "active"]
    list_filter = ["school", "area_of_need"]
    search_fields = ["name"]


class EnrolmentInline(admin.TabularInline):
    model = models.Enrolment
    extra = 0
    raw_id_fields = ["pupil"]


@admin.register(models.Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = ["name", "programme", "start_date", "end_date", "cost_per_session"]
    list_filter = ["programme"]
    filter_horizontal = ["staff"]
    inlines = [EnrolmentInline]


@admin.register(models.Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["pupil", "intervention", "start_date", "end_date"]
    raw_id_fields = ["pupil"]


class AttendanceInline(admin.TabularInline):
    model = models.Attendance
    extra = 0
    raw_id_fields = ["enrolment"]


@admin.register(models.InterventionSession)
class InterventionSessionAdmin(admin.ModelAdmin):
    list_display = ["intervention", "date", "delivered"]
    inlines = [AttendanceInline]


@admin.register(models.Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["pupil", "observed_on", "objective", "level", "author"]
    raw_id_fields = ["pupil"]
    search_fields = ["pupil__upn", "objective"]
