from django.apps import AppConfig


class SencotrackConfig(AppConfig):
    name = "sencotrack"
    verbose_name = "sencotrack"

    def ready(self) -> None:
        # Load the Celery app so @shared_task binds to it in every process (web, worker, shell).
        # Kept out of sencotrack/__init__.py so the pure modules in this package import without Celery.
        from . import celery  # noqa: F401
        # Cached pages are keyed on data versions: every save, delete and group change moves them on.
        from . import freshness

        freshness.connect()
