"""A fresh clone reads on its own: no link or citation leaves the repository, and the licence is there."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", ".git", "node_modules", "test-artifacts", "staticfiles", "media", "tests", "__pycache__"}
TEXT = {".py", ".html", ".md", ".txt", ".toml", ".yml", ".yaml", ".js", ".css", ".cfg", ".conf"}


def _files():
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if path.is_file() and not SKIPPED.intersection(parts) and (path.suffix in TEXT or path.name == "Makefile"):
            yield path


def _markdown():
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def test_no_file_cites_documents_outside_the_repository():
    found = []
    for path in _files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if re.search(r"\.\./shared|shared/|\bDOMAIN\.md|\bDESIGN\.md|\bSTYLE\.md", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "Cite docs/ instead:\n  " + "\n  ".join(found)


@pytest.mark.parametrize("document", _markdown(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_in_the_documentation_stays_in_the_repository_and_exists(document):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", document.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue  # web addresses and anchors on the same page
        resolved = (document.parent / target.split("#")[0]).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)} links outside the repository or to nothing: {broken}"


def test_every_docs_page_the_code_cites_exists():
    cited = set()
    for path in _files():
        cited |= set(re.findall(r"\bdocs/([a-z0-9-]+\.md)", path.read_text(errors="replace")))
    missing = sorted(name for name in cited if not (ROOT / "docs" / name).exists())
    assert not missing, f"Cited but missing in docs/: {missing}"


def test_the_licence_is_the_agpl_3_verbatim():
    text = (ROOT / "LICENSE").read_bytes()
    assert text.startswith(b"                    GNU AFFERO GENERAL PUBLIC LICENSE\n                       Version 3, 19 November 2007\n")
    # The FSF's agpl-3.0.txt: 34523 bytes (its MD5 as published with the SPDX licence list).
    assert len(text) == 34523
    assert hashlib.md5(text).hexdigest() == "4ae09d45eac4aa08d013b5f2e01c67f6"  # noqa: S324 - a checksum, not security
