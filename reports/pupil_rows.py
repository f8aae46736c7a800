"""Stored report rows about named pupils: found for a subject-access export, removed by retention.

A stored run keeps its result (``ReportRun.result``: the columns and rows of each report) long after
it was built, and the rows of the named reports (expected progress, intervention impact, no gain
but SEMH) carry each pupil's UPN. A row is *about* a pupil when one of its cells holds the pupil's
UPN or public id (a word of its own in the cell: "K801200001234", not part of a longer code).

Runs are looked for in the database by text first (the result as text contains the UPN), so a
school's other runs are never loaded; only the runs found are read row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from pupils.hooks import SubjectAccessSection
from reports.explain import TITLES
from reports.models import ReportKind, ReportRun, RunStatus
from sencotrack.parsing import format_academic_year

#: Words in a cell: UPNs and other codes, and public ids (UUIDs with their hyphens).
_WORDS = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[A-Za-z0-9]+")
#: Identifiers per database query: a long OR of LIKEs is slow to plan (and SQLite limits its depth).
_PER_QUERY = 100


class Identifiers:
    """The UPNs and public ids of some pupils, each mapped to the pupil's pk."""

    def __init__(self, pupils: Iterable[Any]) -> None:
        self.by_word: dict[str, int] = {}
        for pupil in pupils:
            self.by_word[str(pupil.upn).upper()] = pupil.pk
            self.by_word[str(pupil.public_id).lower()] = pupil.pk

    def __bool__(self) -> bool:
        return bool(self.by_word)

    def words(self) -> list[str]:
        return list(self.by_word)

    def scrub(self, text: str, replacement: str) -> str:
        """``text`` with every word that is one of the identifiers replaced."""
        return _WORDS.sub(lambda m: replacement if self.named_in(m.group(0)) else m.group(0), text)

    def named_in(self, value: Any) -> set[int]:
        """The pupils (pks) a cell, or any value nested in it, names."""
        found: set[int] = set()
        if isinstance(value, str):
            for word in _WORDS.findall(value):
                pk = self.by_word.get(word.upper()) or self.by_word.get(word.lower())
                if pk is not None:
                    found.add(pk)
        elif isinstance(value, dict):
            for item in value.values():
                found |= self.named_in(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                found |= self.named_in(item)
        return found


def reports_of(run_kind: str, result: dict | None) -> dict[str, dict]:
    """A stored result's reports by kind: a pack holds several, any other run is one report."""
    if not isinstance(result, dict):
        return {}
    if run_kind == ReportKind.TERMLY_PACK:
        return result.get("reports") or {}
    return {run_kind: result}


def runs_naming(school_id: int, identifiers: Identifiers) -> QuerySet[ReportRun]:
    """The school's finished runs whose stored result (or error) mentions any of the identifiers.

    One query per hundred identifiers (a text search of each run's stored result); the rows are
    checked cell by cell afterwards, so a run found here may still name nobody.
    """
    words = identifiers.words()
    runs = ReportRun.objects.filter(school_id=school_id).annotate(result_text=Cast("result", TextField()))
    pks: set[int] = set()
    for first in range(0, len(words), _PER_QUERY):
        chunk = words[first:first + _PER_QUERY]
        text = reduce(or_, [Q(result_text__icontains=w) | Q(error__icontains=w) for w in chunk])
        pks |= set(runs.filter(text).values_list("pk", flat=True))
    return ReportRun.objects.filter(pk__in=pks).order_by("created_at", "pk")


def rows_about(run_kind: str, result: dict | None, identifiers: Identifiers) -> Iterator[tuple[str, dict, set[int]]]:
    """(report kind, row, pupils it names) for each row of a stored result that names one of them."""
    for kind, report in reports_of(run_kind, result).items():
        for row in report.get("rows") or []:
            if named := identifiers.named_in(row):
                yield kind, row, named


def describe_run(run: ReportRun) -> str:
    """'Termly report pack, Summer 2025/26, built 21/07/2026' (and 'governors' copy', a subject)."""
    params = run.parameters or {}
    parts = [run.get_kind_display()]
    if params.get("governor"):
        parts[0] += " (governors' copy)"
    if params.get("term") and params.get("academic_year") is not None:
        parts.append(f"{str(params['term']).capitalize()} {format_academic_year(int(params['academic_year']))}")
    if params.get("subject"):
        parts.append(str(params["subject"]))
    built = run.finished_at or run.created_at
    if built is not None:
        parts.append(f"built {built:%d/%m/%Y}")
    return ", ".join(parts)


# --- The subject-access export's section -------------------------------------------------------

SECTION_ABOUT = (
    "every row about the pupil in the reports the school has stored (report packs and single reports), with "
    "the report, its term, when it was built and the run it belongs to; the other columns are the report's "
    "own (results, points, progress, ratio gains)"
)


def subject_access_report_rows(pupil) -> SubjectAccessSection:
    """Every stored run's rows about ``pupil``, with the run's kind, term and date. One query."""
    identifiers = Identifiers([pupil])
    runs = (
        ReportRun.objects.filter(school_id=pupil.school_id, status=RunStatus.DONE)
        .annotate(result_text=Cast("result", TextField()))
        .filter(Q(result_text__icontains=pupil.upn) | Q(result_text__icontains=str(pupil.public_id)))
        .order_by("created_at", "pk")
    )
    rows = []
    for run in runs:
        params = run.parameters or {}
        year = params.get("academic_year")
        built = timezone.localtime(run.finished_at).isoformat(timespec="minutes") if run.finished_at else ""
        for kind, row, _ in rows_about(run.kind, run.result, identifiers):
            about = {
                "report": TITLES.get(kind, kind),
                "run": run.get_kind_display(),
                "run_id": str(run.public_id),
                "academic_year": format_academic_year(int(year)) if year is not None else "",
                "term": str(params.get("term") or "").capitalize(),
                "built_at": built,
            }
            columns = [c for c in dict.fromkeys([*(reports_of(run.kind, run.result)[kind].get("columns") or []), *row])
                       if c not in about]  # the report's own order (jsonb keeps no key order)
            rows.append(about | {column: row.get(column) for column in columns})
    return SubjectAccessSection(name="report_rows", source=ReportRun._meta.label, about=SECTION_ABOUT, rows=rows)
