"""Query counts every signed-in request shares."""


def session_queries() -> int:
    """Reading the session: one query in both run modes (sessions live in the database)."""
    return 1
