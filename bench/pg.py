"""A plain psycopg2 connection for the benchmark's own housekeeping (create, drop, inspect databases)."""

from __future__ import annotations

import urllib.parse


def pg_connect(url: str, dbname: str | None = None):
    import psycopg2

    parts = urllib.parse.urlsplit(url)
    return psycopg2.connect(
        host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=urllib.parse.unquote(parts.username or "postgres"),
        password=urllib.parse.unquote(parts.password) if parts.password else None,
        dbname=dbname or parts.path.lstrip("/"), connect_timeout=5,
    )
