from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Stored report runs hold pupils' UPNs: the retention purge and the subject-access export
        # (in the pupils app, which imports no other app) reach them through these hooks.
        from pupils import hooks
        from reports.pupil_rows import subject_access_report_rows
        from reports.services_redaction import report_runs_redact

        hooks.register_retention_step("reports.ReportRun", report_runs_redact)
        hooks.register_subject_access_section("report_rows", subject_access_report_rows)
        # The build tasks, which services enqueue by name (tasks import services, never the other way).
        from reports import tasks  # noqa: F401
