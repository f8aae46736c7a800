"""Exports of a school's register, assessments and interventions as CSV or XLSX.

Each export reads its rows with ``values_list`` in a fixed number of queries (one, or two for
interventions' staff), whatever the number of pupils, and streams them: CSV row by row, XLSX
through openpyxl's write-only workbook. Every text cell goes through
``sencotrack.csvsafe.neutralise``, so a name such as ``=HYPERLINK(...)`` arrives as plain text, not
a formula. Numbers and dates stay numbers and dates.

The assessments export has the assessments import's columns (docs/imports.md, plus the
``framework`` extension), so exporting and importing it again changes nothing. The register
export is the register page's default view: entries not yet ended, of pupils on roll, without N.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from assessments.models import Assessment
from interventions.models import Attendance, Enrolment, Intervention
from pupils.models import Provision, RegisterEntry, School
from sencotrack.csvsafe import neutralise
from sencotrack.parsing import format_academic_year

KINDS: dict[str, str] = {
    "register": "SEN register",
    "assessments": "Assessments",
    "interventions": "Interventions",
}
FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_CHUNK = 2000


@dataclass
class Export:
    kind: str
    title: str
    columns: list[str]
    rows: Iterable[tuple]

    def filename(self, school: School, fmt: str, today: dt.date) -> str:
        return f"{self.kind}-{school.code}-{today:%Y-%m-%d}.{fmt}"


# --- The data -------------------------------------------------------------------------------------


REGISTER_COLUMNS = [
    "upn", "surname", "forename", "year_group", "provision", "primary_need", "secondary_need",
    "start_date", "end_date", "review_date",
]  # fmt: skip


def register(school: School, *, today: dt.date) -> Export:
    rows = (
        RegisterEntry.objects.filter(pupil__school=school, pupil__archived_at__isnull=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(provision=Provision.NONE)
        .order_by("pupil__surname", "pupil__forename", "pupil__upn", "-start_date")
        .values_list(
            "pupil__upn", "pupil__surname", "pupil__forename", "pupil__year_group", "provision", "primary_need",
            "secondary_need", "start_date", "end_date", "review_date",
        )  # fmt: skip
    )
    return Export("register", KINDS["register"], REGISTER_COLUMNS, rows.iterator(chunk_size=_CHUNK))


#: The assessments import's columns (kind before result, as the brief for the export orders them).
ASSESSMENT_COLUMNS = ["upn", "subject", "academic_year", "term", "kind", "result", "assessed_on", "framework"]


def assessments(school: School, *, today: dt.date) -> Export:
    rows = (
        Assessment.objects.filter(pupil__school=school)
        .order_by("pupil__surname", "pupil__forename", "pupil__upn", "subject__position", "subject__name",
                  "academic_year", "term", "kind")  # autumn < spring < summer sorts as the year runs
        .values_list("pupil__upn", "subject__name", "academic_year", "term", "kind", "result", "assessed_on", "framework")
    )  # fmt: skip

    def shaped() -> Iterator[tuple]:
        for upn, subject, year, term, kind, result, assessed_on, framework in rows.iterator(chunk_size=_CHUNK):
            yield (upn, subject, format_academic_year(year), term.capitalize(), kind, result, assessed_on, framework)

    return Export("assessments", KINDS["assessments"], ASSESSMENT_COLUMNS, shaped())


INTERVENTION_COLUMNS = [
    "programme", "group", "staff", "upn", "surname", "forename", "start_date", "end_date", "sessions_attended",
]  # fmt: skip


def _staff_by_group(school: School) -> dict[int, str]:
    """Each group's staff as "First Last; First Last", in one query."""
    through = Intervention.staff.through
    names: dict[int, list[str]] = {}
    for group_id, first, last, username in (
        through.objects.filter(intervention__programme__school=school)
        .order_by("intervention_id", "user__first_name", "user__last_name", "user__username")
        .values_list("intervention_id", "user__first_name", "user__last_name", "user__username")
    ):
        names.setdefault(group_id, []).append(f"{first} {last}".strip() or username)
    return {group_id: "; ".join(people) for group_id, people in names.items()}


def interventions(school: School, *, today: dt.date) -> Export:
    """Every enrolment in the school's groups. Sessions attended are those logged (attended, at a
    delivered session); where none is logged, the number an import gave, as the group page shows."""
    attended = (
        Attendance.objects.filter(enrolment=OuterRef("pk"), attended=True, session__delivered=True)
        .order_by()
        .values("enrolment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Enrolment.objects.filter(intervention__programme__school=school)
        .annotate(attended=Coalesce(Subquery(attended, output_field=IntegerField()), Value(0)))
        .order_by("intervention__programme__name", "intervention__name", "pupil__surname", "pupil__forename",
                  "pupil__upn", "start_date")
        .values_list("intervention_id", "intervention__programme__name", "intervention__name", "pupil__upn",
                     "pupil__surname", "pupil__forename", "start_date", "end_date", "sessions_attended", "attended")
    )  # fmt: skip

    def shaped() -> Iterator[tuple]:
        staff = _staff_by_group(school)
        for group_id, programme, group, upn, surname, forename, start, end, imported, logged in rows.iterator(
            chunk_size=_CHUNK
        ):
            sessions = logged if logged or imported is None else imported
            yield (programme, group, staff.get(group_id, ""), upn, surname, forename, start, end, sessions)

    return Export("interventions", KINDS["interventions"], INTERVENTION_COLUMNS, shaped())


BUILDERS = {"register": register, "assessments": assessments, "interventions": interventions}


def build(kind: str, school: School, *, today: dt.date) -> Export:
    return BUILDERS[kind](school, today=today)


# --- Writing --------------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """A cell as CSV writes it: dates as YYYY-MM-DD, blanks empty, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


class _Echo:
    """A file-like object whose write returns what it was given, for streaming csv.writer rows."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(export: Export) -> Iterator[bytes]:
    """The CSV file in pieces: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), CRLF lines."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield ("\ufeff" + writer.writerow([_text(c) for c in export.columns])).encode("utf-8")
    batch: list[str] = []
    for row in export.rows:
        batch.append(writer.writerow([_text(value) for value in row]))
        if len(batch) >= 500:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def _xlsx_cell(sheet, value: Any) -> Any:
    if isinstance(value, str):
        # openpyxl refuses control characters; a leading "=" would be written as a formula.
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def xlsx_bytes(export: Export) -> bytes:
    """The workbook: one sheet, a bold header row, dates as dates, text neutralised."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=export.title[:31])
    for index, name in enumerate(export.columns):
        letter = chr(ord("A") + index)
        sheet.column_dimensions[letter].width = 14 if name.endswith(("date", "_on", "upn")) else 16
    sheet.freeze_panes = "A2"
    header = []
    for name in export.columns:
        cell = WriteOnlyCell(sheet, value=neutralise(name))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in export.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
