"""Where other apps join in the pupils app's data-protection work, without pupils importing them.

Rows that point at a pupil are covered by cascade and the app registry; an app holding copies that
do not (a report run's UPNs and files) registers from ``AppConfig.ready()`` a retention step,
called in the purge's transaction with the pupils removed (``apply=False``: a dry run, list only),
and a subject-access section, called with a pupil. See docs/contributing.md, "Design notes".
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
