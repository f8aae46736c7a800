"""The source code of the running sencotrack, for anyone who uses it over the network (AGPL-3.0 section 13).

``SOURCE_URL`` (a setting from the environment) sends people to where the code is published, e.g. a
school's fork on a forge. Without it, /source/ serves a .tar.gz of the code this server runs,
read from its own folder: source and documentation files only, never the database, uploads,
secrets or the virtualenv (``_included``). Made once per process: the code does not change while
it runs.
"""

from __future__ import annotations

import io
import tarfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

#: Folders never served: the environment, data, uploads, build output and every hidden folder but CI's.
SKIPPED_DIRS = {".venv", "venv", "media", "staticfiles", "test-artifacts", "node_modules", "__pycache__", ".git"}
SOURCE_SUFFIXES = {".py", ".html", ".css", ".js", ".md", ".txt", ".toml", ".in", ".yml", ".yaml", ".cfg", ".ini",
                   ".json", ".svg", ".csv", ".xlsx", ".conf", ".sh", ".map", ".woff2", ".png", ".ico"}  # fmt: skip
SOURCE_NAMES = {"Makefile", "Dockerfile", "LICENSE", "run", ".gitignore", ".dockerignore", "manage.py"}


def _included(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    if any(part in SKIPPED_DIRS or (part.startswith(".") and part != ".ci") for part in parts[:-1]):
        return False
    name = parts[-1]
    if name.startswith(".") and name not in SOURCE_NAMES:  # .secret_key, .env and the like
        return False
    return name in SOURCE_NAMES or path.suffix in SOURCE_SUFFIXES


def source_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and _included(p, root))


@lru_cache(maxsize=1)
def tarball() -> bytes:
    root = Path(settings.BASE_DIR)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in source_files(root):
            archive.add(path, arcname=f"sencotrack/{path.relative_to(root).as_posix()}", recursive=False)
    return buffer.getvalue()


def source_url() -> str:
    """Where the footer's "Source code" link goes."""
    return settings.SOURCE_URL or "/source/"


@require_GET
def source(request: HttpRequest) -> HttpResponse:
    if settings.SOURCE_URL:
        return redirect(settings.SOURCE_URL)
    response = HttpResponse(tarball(), content_type="application/gzip")
    response["Content-Disposition"] = 'attachment; filename="sencotrack-source.tar.gz"'
    return response


def footer(request: HttpRequest) -> dict:
    """Context processor: the source link every page's footer shows."""
    return {"source_url": source_url()}
