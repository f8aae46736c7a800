from django.apps import AppConfig


class SencotrackConfig(AppConfig):
    name = "sencotrack"
    verbose_name = "sencotrack"

    def ready(self) -> None:
        # Load the Celery app so @shared_task binds to it in every process (web, worker, shell).
        # Kept out of sencotrack/__init__.py so the pure modules in this package import without Celery.
        from . import celery  # noqa: F401
        # Every write to a school's records moves its data version on (cached fragments are keyed on it).
        from . import versions

        versions.connect()
