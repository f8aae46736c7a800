"""Query counts that depend on the run mode."""

from django.conf import settings


def session_queries() -> int:
    """Reading the session: a query in embedded mode; in production mode a Redis read."""
    return 0 if settings.SESSION_ENGINE == "sencotrack.sessions" else 1
