"""Where other apps join in the pupils app's data-protection work, without pupils importing them.

``pupils`` is the base app and imports no other app (docs/contributing.md). Most of what is held on a pupil is
a row pointing at them, which the retention purge deletes by cascade and the subject-access export
finds in the app registry. Some copies do not point at the pupil: a stored report run keeps
pupils' UPNs in its result and its PDF and ZIP files. The app holding such copies registers, from
its ``AppConfig.ready()``:

- a **retention step**: called with the pupils a purge removes, inside the purge's transaction
  after their rows are deleted (``apply=True``), or with the pupils it would remove (a dry run,
  ``apply=False``). It removes (or lists) its copies of them and says what it did.
- a **subject-access section**: called with a pupil, it returns the rows it holds about them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PurgedPupil:
    """Who a purge removes, kept after their rows are gone so that copies of them can be found."""

    pk: int
    public_id: str
    upn: str
    school_id: int


@dataclass
class CopyRemoved:
    """A copy of purged pupils' data held elsewhere (a stored report run), removed or to be removed."""

    school_id: int
    what: str  # "Termly report pack, Summer 2025/26, built 21/07/2026 (run 5f0c...)"
    pupils: int  # how many of the purged pupils it names
    change: str  # what was (or would be) done, in plain words


@dataclass
class SubjectAccessSection:
    """Rows held about a pupil outside the tables that point at them."""

    name: str  # the key in the export's JSON and its CSV file's name
    source: str  # the model the rows come from ("reports.ReportRun")
    about: str  # one sentence for the README
    rows: list[dict[str, Any]] = field(default_factory=list)


RetentionStep = Callable[..., list[CopyRemoved]]  # (pupils: list[PurgedPupil], *, today: dt.date, apply: bool)
SectionReader = Callable[[Any], SubjectAccessSection]  # (pupil) -> its rows

_retention_steps: dict[str, RetentionStep] = {}
_sections: dict[str, SectionReader] = {}


def register_retention_step(name: str, step: RetentionStep) -> None:
    _retention_steps[name] = step  # by name: registering again (tests, autoreload) replaces it


def register_subject_access_section(name: str, reader: SectionReader) -> None:
    _sections[name] = reader


def retention_steps() -> list[RetentionStep]:
    return list(_retention_steps.values())


def subject_access_sections() -> list[SectionReader]:
    return list(_sections.values())


def run_retention_steps(pupils: list[PurgedPupil], *, today: dt.date, apply: bool) -> list[CopyRemoved]:
    copies: list[CopyRemoved] = []
    for step in retention_steps():
        copies += step(pupils, today=today, apply=apply)
    return copies
