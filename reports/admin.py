from django.contrib import admin

from reports import models


@admin.register(models.ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "school", "trust", "status", "progress", "attempts", "worker", "heartbeat_at", "created_at",
                    "finished_at"]
    list_filter = ["kind", "status", "school", "trust"]
    readonly_fields = ["public_id", "created_at", "sent_at", "started_at", "heartbeat_at", "finished_at"]


@admin.register(models.ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ["school", "enabled", "days_after_term_end", "last_built_term"]
