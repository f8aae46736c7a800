from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = "Import and export"

    def ready(self) -> None:
        # The job task is registered here, not when imports.jobs first sends one: imports.tasks imports
        # imports.jobs, so the jobs find the task by name (imports.jobs._send) instead of importing it.
        from imports import tasks  # noqa: F401
