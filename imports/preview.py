"""The first rows of an upload as the import reads them, for the preview page.

Nothing is parsed here: rows are read and each cell parsed by the import engine
(``imports.engine``: its reader, header matching and column parsers), then only formatted for
people: dates as 14/03/2013, years as 2024/25, flags as Yes/No, subjects and results as stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from assessments.ages import format_age_equivalent
from assessments.ladder import LadderError, parse_result
from interventions.services import ProgrammeLookup
from pupils.models import School
from imports import engine
from imports.kinds import StaffMatcher
from pupils.services import SubjectLookup, staff_display_name
from sencotrack.parsing import format_academic_year

#: Rows shown on the preview page.
PREVIEW_ROWS = 20
#: What a blank cell is saved as where the import always fills it in (``imports.engine._service_row``).
DEFAULTS = {("assessments", "kind"): "teacher", ("baselines", "term"): "Summer"}


@dataclass
class PreviewRow:
    line: int
    outcome: str  # created, updated, unchanged, or "error"
    cells: list[str]


@dataclass
class PreviewTable:
    columns: list[str] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def _show(name: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple):  # a staff file's roles
        return ", ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if name == "academic_year" and isinstance(value, int):
        return format_academic_year(value)
    if name == "term":
        return str(value).capitalize()
    if name == "age_equivalent" and isinstance(value, int):
        return format_age_equivalent(value)
    return str(value)


class _Several:
    """A class list's staff cell, "a; b": each name as the school knows them, or as written."""

    def __init__(self, matcher: StaffMatcher):
        self.matcher = matcher

    def resolve(self, text: str) -> list[str]:
        names = []
        for part in [p.strip() for p in text.split(";") if p.strip()]:
            try:
                person = self.matcher.resolve(part)
            except ValidationError:
                person = None
            names.append(staff_display_name(person) if person is not None else part)
        return names


def preview_table(
    kind: str, data: bytes, result: engine.ImportResult, *, school: School, limit: int = PREVIEW_ROWS
) -> PreviewTable:
    """The first ``limit`` data rows, each cell as it would be saved (or as written, on a row with errors).

    Subjects, programmes and staff are named as the school knows them, through the same lookups
    the import uses; a name that does not resolve is shown as written (its row has an error).
    """
    try:
        header_line, header, raw_rows = engine.read_file(data, [])
    except engine.FileProblem:
        return PreviewTable()
    scratch = engine.ImportResult(kind=kind)
    positions = engine._map_headers(kind, header, header_line, scratch)
    if scratch.errors:
        return PreviewTable()
    names = [name for name in engine.TEMPLATES[kind] if name in positions]
    bad_lines = {error.line for error in result.errors}
    lookups: dict[str, Any] = {}
    if kind in ("baselines", "assessments"):
        lookups["subject"] = (SubjectLookup(), lambda subject: subject.name)
    if kind == "enrolments":
        lookups["programme"] = (ProgrammeLookup(school), lambda programme: programme.name)
        lookups["staff"] = (StaffMatcher(school), staff_display_name)
    if kind == "groups":
        lookups["staff"] = (_Several(StaffMatcher(school)), lambda people: "; ".join(people))
    table = PreviewTable(columns=names, total=len(raw_rows))
    for line, cells in raw_rows[:limit]:
        values = engine._parse_row(kind, line, cells, positions, len(header), scratch)
        if values is None or line in bad_lines:
            written = [cells[positions[name]].strip() if positions[name] < len(cells) else "" for name in names]
            table.rows.append(PreviewRow(line, "error", written))
            continue
        shown = {name: _show(name, values[name]) or DEFAULTS.get((kind, name), "") for name in names}
        for name, (lookup, label) in lookups.items():
            if values.get(name):
                try:
                    found = lookup.resolve(values[name])
                except ValidationError:
                    continue
                if found is not None:  # nobody: shown as written (the import warns)
                    shown[name] = label(found)
        if kind == "assessments" and values.get("result"):
            try:
                shown["result"] = parse_result(engine._framework_for(values), values["result"]).code
            except LadderError:
                pass
        table.rows.append(PreviewRow(line, result.outcomes.get(line, "ok"), [shown[name] for name in names]))
    return table
