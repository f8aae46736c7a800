"""CSV import: read what a school's MIS exports, check every row, save all of it or nothing.

Keeps the contract of docs/imports.md, extended only by the optional columns and aliases in
:data:`COLUMNS`. Cells are read with the shared parsers and rows written through the services, so
an import validates exactly as the pages do; ``dry_run`` (rolled back) is the browser's preview.
How files are read and rows matched: docs/imports.md, "How the import code works".
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction

from assessments.ages import ACCEPTED_FORMS as AGE_FORMS
from assessments.ages import parse_age_equivalent
from assessments.ladder import REFERENCE_CODES_TEXT, VALID_CODES_TEXT, LadderError, parse_level, parse_result
from assessments.progression import (
    TRANSITIONS_TEXT,
    parse_percentage,
    parse_table_code,
    parse_transition,
    percentage_order_problem,
    quartile_order_problem,
)
from assessments.reference import default_set_name, reference_rows_record_many
from assessments.services import (
    assessments_record_many,
    baselines_record_many,
    framework_code,
    key_stage_code,
    kind_code,
    measure_code,
    reading_tests_record_many,
)
from interventions.services import enrolments_record_many
from pupils import progress
from pupils.models import Need, Pupil, School
from pupils.services import (
    SubjectLookup,
    gender_code,
    need_code,
    provision_code,
    pupils_upsert_many,
    register_entries_record_many,
    year_group_number,
)
from imports import kinds
from imports.grants import AccessWatch
from imports.mis import reading_codes
from imports.rows import RowError, line_ranges, lines_text
from imports.workbook import WorkbookProblem, is_workbook, sheet_rows
from pupils.writes import RowsInvalid
from pupils.upn import validate_upn
from sencotrack.parsing import normalise_header, parse_academic_year, parse_bool, parse_date, parse_term

KINDS: tuple[str, ...] = (
    "pupils", "staff", "groups", "register", "baselines", "assessments", "reading", "programmes", "enrolments",
    "quartiles", "national",
)
#: Rows between two reports of progress (``pupils.progress``) while a file is checked.
PROGRESS_EVERY = 500
#: Kinds about the school's people and library rather than pupils' records (``imports.kinds``).
SCHOOL_KINDS: tuple[str, ...] = ("staff", "groups", "programmes")
#: Kinds that are named reference sets (``name``), not rows about pupils.
REFERENCE_KINDS: tuple[str, ...] = ("quartiles", "national")

#: How a summary names the rows of each kind (one, many).
NOUNS: Mapping[str, tuple[str, str]] = {
    "pupils": ("pupil", "pupils"),
    "register": ("register entry", "register entries"),
    "baselines": ("baseline", "baselines"),
    "assessments": ("assessment", "assessments"),
    "reading": ("reading test", "reading tests"),
    "enrolments": ("enrolment", "enrolments"),
    "staff": ("member of staff", "members of staff"),
    "groups": ("class list row", "class list rows"),
    "programmes": ("programme", "programmes"),
    "quartiles": ("quartile row", "quartile rows"),
    "national": ("national row", "national rows"),
}


# --- Results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorGroup:
    """One message about one column, with every line it is on: the same problem on 50 rows is
    told once ("lines 2-51: programme: ..."), not 50 times."""

    lines: tuple[int, ...]
    column: str | None
    message: str

    @property
    def line_text(self) -> str:
        """The lines alone, "2-51, 60" (a table's Line column)."""
        return line_ranges(self.lines)

    @property
    def where(self) -> str:
        if not self.lines:
            return ""
        return lines_text(self.lines)

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.column, self.message) if part)


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Things the person should know that did not stop the import (ignored columns, encoding).
    warnings: list[str] = field(default_factory=list)
    #: Side effects worth reporting, e.g. intervention groups made for an enrolments file.
    notes: list[str] = field(default_factory=list)
    #: What happened to each data line: "created", "updated" or "unchanged" (empty on errors).
    outcomes: dict[int, str] = field(default_factory=dict)
    #: People the file gives access to pupils they could not see before, e.g. "Jo Morgan: 12 more
    #: pupils (teaching groups)"; shown in the preview (``imports.grants``).
    access: list[str] = field(default_factory=list)
    #: New accounts and the path of each one's set-password page (staff files, not on a dry run).
    accounts: list[dict[str, str]] = field(default_factory=list)

    def error_groups(self) -> list[ErrorGroup]:
        """The errors with the same column and message merged, in order of their first line."""
        groups: dict[tuple, list[int]] = {}
        whole: list[ErrorGroup] = []
        for error in self.errors:
            if error.line is None:
                whole.append(ErrorGroup((), error.column, error.message))
            else:
                groups.setdefault((error.column, error.message), []).append(error.line)
        merged = [ErrorGroup(tuple(sorted(lines)), column, message) for (column, message), lines in groups.items()]
        merged.sort(key=lambda g: g.lines[0])
        return whole + merged

    @property
    def ok(self) -> bool:
        return not self.errors

    def noun(self, count: int) -> str:
        one, many = NOUNS.get(self.kind, (self.kind, self.kind))
        return one if count == 1 else many

    def summary(self) -> str:
        """One line for people: "Imported 120 pupils: 118 created, 2 updated, 0 unchanged"."""
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if not self.ok:
            problems = "1 problem" if len(self.errors) == 1 else f"{len(self.errors)} problems"
            return f"Nothing imported: {problems} in {self.rows} {self.noun(self.rows)}"
        if self.dry_run:
            return f"Checked {self.rows} {self.noun(self.rows)} (dry run, nothing saved): would be {counts}"
        return f"Imported {self.rows} {self.noun(self.rows)}: {counts}"


class FileProblem(Exception):
    """The file as a whole cannot be read."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


# --- Columns --------------------------------------------------------------------------------------


def _text(cell: str) -> str:
    return cell


def _validation_message(fn: Callable[[str], Any]) -> Callable[[str], Any]:
    """Turn a service normaliser's ValidationError into the cell's message."""

    def parse(cell: str) -> Any:
        try:
            return fn(cell)
        except ValidationError as exc:
            raise ValueError("; ".join(exc.messages)) from None

    return parse


def _whole_number(low: int, high: int | None, what: str) -> Callable[[str], int]:
    def parse(cell: str) -> int:
        match = re.fullmatch(r"(\d+)(?:\.0+)?", cell.replace(",", ""))
        if not match:
            raise ValueError(f"{cell!r} is not {what}; write a whole number")
        value = int(match[1])
        if value < low or (high is not None and value > high):
            top = f" to {high}" if high is not None else " or more"
            raise ValueError(f"{value} is out of range for {what} ({low}{top})")
        return value

    return parse


def _level_code(cell: str) -> str:
    return parse_level(cell).code


def _framework_of(cell: str) -> str | None:
    """The framework whose ladder reads this result: a level first, then PK1-PK6, then engagement."""
    for key in ("nc", "pks", "engagement"):
        try:
            parse_result(key, cell)
        except LadderError:
            continue
        return key
    return None


def _any_result(cell: str) -> str:
    """A result on some framework's ladder, kept as written: the service parses it with the
    row's framework. Anything else gets the NC ladder's message, which lists the valid codes."""
    if _framework_of(cell) is None:
        parse_level(cell)
    return cell


DATES = "YYYY-MM-DD or DD/MM/YYYY"
BOOLEANS = "Y/N, Yes/No, True/False or 1/0; blank leaves it as it is (No for a new pupil)"
YEARS = "2024/25 or 2024-25"
TERMS = "Autumn, Spring or Summer"
UPN_HELP = "13 characters: a check letter then 12 digits (the last may be a letter); spaces are ignored"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    parse: Callable[[str], Any] = _text
    aliases: tuple[str, ...] = ()
    #: Stored as written: never unwrapped or interpreted.
    free_text: bool = False
    #: Headers read only when no other header in the file gives this column (e.g. "Preferred
    #: Forename" beside "Legal Forename"); when another does, this one is ignored with a note.
    fallbacks: tuple[str, ...] = ()


_UPN = Column("upn", True, UPN_HELP, validate_upn, ("unique pupil number", "pupil upn"))

#: The columns of each kind, in the contract's order (docs/imports.md), with accepted forms and
#: the other headers each may go by. Columns marked "(extension)" are not in the contract.
COLUMNS: Mapping[str, tuple[Column, ...]] = {
    "pupils": (
        _UPN,
        Column("surname", True, "the legal surname", aliases=("legal surname", "last name", "family name"), free_text=True,
               fallbacks=("preferred surname",)),
        Column("forename", True, "the forename", aliases=("legal forename", "first name", "given name", "forenames"), free_text=True,
               fallbacks=("preferred forename", "preferred first name")),
        Column("date_of_birth", True, DATES, parse_date, ("dob", "birth date", "birthdate")),
        Column("gender", True, "M, F or X (also Male, Female, Other; Unknown is X)",
               reading_codes(_validation_message(gender_code)), ("sex",)),
        Column("year_group", True, "national curriculum year 0-14, R for Reception, N for Nursery; Y7 and Year 7 also work",
               _validation_message(year_group_number),
               ("year", "nc year", "national curriculum year", "curriculum year", "nc year actual", "year group"),
               fallbacks=("nc year taught", "year taught")),
        Column("pupil_premium", False, BOOLEANS, parse_bool,
               ("pp", "pupil premium indicator", "pupil premium eligibility", "pupil premium", "pp eligible"),
               fallbacks=("fsm eligible", "fsm", "fsm ever 6", "ever 6 fsm")),
        Column("eal", False, BOOLEANS, parse_bool, ("english as an additional language",)),
        Column("looked_after", False, BOOLEANS, parse_bool,
               ("in care", "lac", "cla", "looked after child", "child looked after", "in la care", "looked after")),
        Column("admission_date", False, DATES, parse_date, ("date of admission", "admission", "entry date", "date of entry")),
        Column("reg_group", False, "(extension) the registration group, e.g. 7A: the pupil is put in that group "
               "(made if new, no subject)", aliases=("reg", "registration group", "reg group", "form", "tutor group"),
               free_text=True),
    ),
    "register": (
        _UPN,
        Column("provision", True, "N, K or E; before 2014 A, P or S (names such as 'SEN support' and 'EHC plan' work too, "
               "as does 'K - SEN Support')",
               reading_codes(_validation_message(provision_code)), ("sen provision", "sen stage"),
               fallbacks=("sen status",)),
        Column("primary_need", False, f"a need code: {', '.join(Need.values)} (also 'SPLD - Specific Learning Difficulty')",
               reading_codes(_validation_message(need_code)),
               ("primary need type", "primary need", "sen need type rank 1", "sen primary need"),
               fallbacks=("sen need", "need", "sen need type")),
        Column("secondary_need", False, "a need code, different from the primary need",
               reading_codes(_validation_message(need_code)),
               ("secondary need type", "secondary need", "sen need type rank 2", "sen secondary need")),
        Column("start_date", True, DATES, parse_date, ("sen start date", "start")),
        Column("end_date", False, f"{DATES}; blank for the current entry (an existing entry keeps its end date)",
               parse_date, ("sen end date", "end")),
        Column("review_date", False, f"(extension) {DATES}; the next review", parse_date, ("next review",)),
    ),
    "baselines": (
        _UPN,
        Column("subject", True, "a subject's code or name (English, Maths, eng, ma, ...)"),
        Column("key_stage", True, "KS1, KS2, KS3 or Entry", _validation_message(key_stage_code), ("ks",)),
        Column("result", True, f"a level: {VALID_CODES_TEXT}; case and spaces do not matter (4 b, P1(ii))",
               _level_code, aliases=("level", "baseline")),
        Column("academic_year", True, YEARS, parse_academic_year),
        Column("term", False, f"{TERMS}; default Summer", parse_term),
    ),
    "assessments": (
        _UPN,
        Column("subject", True, "a subject's code or name (English, Maths, eng, ma, ...)"),
        Column("academic_year", True, YEARS, parse_academic_year),
        Column("term", True, TERMS, parse_term),
        Column("result", True, f"a level: {VALID_CODES_TEXT}, or a pre-key-stage standard PK1-PK6; "
               "case and spaces do not matter (4 b, P1(ii))", _any_result, aliases=("level",)),
        Column("assessed_on", False, DATES, parse_date, ("date assessed", "assessment date", "date")),
        Column("kind", False, "teacher (the default), test or moderated", _validation_message(kind_code),
               ("assessment kind", "assessment type", "type")),
        Column("framework", False, "(extension) nc, pks or engagement; when blank, the first whose ladder reads "
               "the result (a level, then PK1-PK6, then an engagement rating)",
               _validation_message(framework_code)),
    ),
    "reading": (
        _UPN,
        Column("measure", True, "reading or spelling", _validation_message(measure_code)),
        Column("test_name", True, "the test, e.g. Salford, NGRT", aliases=("test",), free_text=True),
        Column("tested_on", True, DATES, parse_date, ("test date", "date tested", "date")),
        Column("age_equivalent", True, AGE_FORMS, parse_age_equivalent, aliases=("reading age", "spelling age", "age equivalent")),
        Column("standardised_score", False, "a whole number from 40 to 160", _whole_number(40, 160, "a standardised score"),
               ("standard score", "standardized score", "ss", "sas")),
    ),
    "enrolments": (
        _UPN,
        Column("programme", True, "the programme's name (any case, spaces or punctuation); a new name makes a new "
               "programme, listed in the preview", aliases=("intervention", "program", "programme name", "intervention name"),
               free_text=True),
        Column("start_date", True, DATES, parse_date, ("start", "date started")),
        Column("end_date", False, f"{DATES}; blank while it runs (an existing enrolment keeps its end date)",
               parse_date, ("end", "date ended")),
        Column("staff", False, "the member of staff running it: username, First Last, Mrs A Smith, or email; a name "
               "that matches nobody is kept as text (a warning, and no access)",
               aliases=("staff member", "run by", "led by", "teacher", "delivered by", "staff name"), free_text=True),
        Column("sessions_attended", False, "a whole number, 0 or more", _whole_number(0, 32767, "a number of sessions"),
               ("sessions",)),
    ),
    "staff": (
        Column("email", True, "the person's email address (how a row finds them again)", kinds.parse_email,
               ("e-mail", "email address", "work email", "school email")),
        Column("first_name", True, "the first name", aliases=("forename", "first name", "given name", "legal forename"),
               free_text=True, fallbacks=("preferred forename",)),
        Column("surname", True, "the surname", aliases=("last name", "legal surname", "family name"), free_text=True,
               fallbacks=("preferred surname",)),
        Column("role", True, kinds.ROLES_HELP, kinds.parse_roles, ("roles", "staff role", "role(s)")),
        Column("username", False, "the sign-in name; blank: the email address", aliases=("user name", "login"),
               free_text=True),
    ),
    "groups": (
        Column("group", True, "the class, set or registration group (e.g. 7E1); made if new",
               aliases=("class", "class code", "class name", "teaching group", "set", "group name"), free_text=True,
               fallbacks=("reg", "registration group", "reg group", "form", "tutor group")),
        Column("subject", False, "a subject's code or name (made if new); blank for a registration group",
               aliases=("subject name", "course"), free_text=True),
        Column("upn", False, f"{UPN_HELP}; when blank, the pupil is found by surname, forename and date of birth",
               validate_upn, ("unique pupil number", "pupil upn")),
        Column("staff", False, "the teachers and TAs of the class: email, username or name (Mrs A Smith), "
               "';' between several", aliases=("teacher", "teachers", "class teacher", "tutor", "staff member",
                                                "teacher(s)", "main teacher"), free_text=True),
        Column("surname", False, "(extension) the pupil's surname, with forename and date_of_birth when there is no UPN",
               aliases=("legal surname", "pupil surname"), free_text=True),
        Column("forename", False, "(extension) the pupil's forename", aliases=("legal forename", "pupil forename"),
               free_text=True, fallbacks=("preferred forename",)),
        Column("date_of_birth", False, f"(extension) {DATES}", parse_date, ("dob", "birth date", "birthdate")),
    ),
    "programmes": (
        Column("name", True, "the programme's name, e.g. Toe by Toe", aliases=("programme", "intervention", "programme name"),
               free_text=True),
        Column("area_of_need", True, kinds.AREA_HELP, kinds.parse_area, ("area of need", "area", "type")),
        Column("cost_per_session", False, "staff time and materials for one session, e.g. 12.50; blank keeps it (0 for a new one)",
               kinds.parse_cost, ("cost", "session cost", "cost per session")),
        Column("default_measure", False, kinds.MEASURE_HELP, kinds.parse_measure, ("measure", "measured by")),
        Column("description", False, "what it is and who it is for", aliases=("notes",), free_text=True),
    ),
    "quartiles": (
        Column("transition", True, TRANSITIONS_TEXT, parse_transition, ("key stages", "stage")),
        Column("subject", True, "the subject as the table names it (matched to the school's subjects in any case)",
               free_text=True),
        Column("starting_point", True, f"the prior result: {REFERENCE_CODES_TEXT}", parse_table_code,
               ("start", "prior attainment", "from", "baseline")),
        Column("lower_quartile", True, f"the outcome at the end of the transition: {REFERENCE_CODES_TEXT}",
               parse_table_code, ("lq", "lower quartile", "q1")),
        Column("median", True, f"the median outcome: {REFERENCE_CODES_TEXT}", parse_table_code, ("q2", "med")),
        Column("upper_quartile", True, f"the upper-quartile outcome: {REFERENCE_CODES_TEXT}", parse_table_code,
               ("uq", "upper quartile", "q3")),
        Column("source_note", False, "where the row comes from, with any caveat", aliases=("source", "note"),
               free_text=True),
    ),
    "national": (
        Column("transition", True, TRANSITIONS_TEXT, parse_transition, ("key stages", "stage")),
        Column("subject", True, "the subject as the table names it (matched to the school's subjects in any case)",
               free_text=True),
        Column("starting_point", True, f"the prior result: {REFERENCE_CODES_TEXT}", parse_table_code,
               ("start", "prior attainment", "from", "baseline")),
        Column("pct_expected", True, "the percentage nationally making at least expected progress, 0 to 100",
               parse_percentage, ("% expected", "percent expected", "expected")),
        Column("pct_more_than_expected", True,
               "the percentage nationally making more than expected progress, 0 to 100 (at most pct_expected)",
               parse_percentage, ("% more than expected", "percent more than expected", "more than expected")),
        Column("source_note", False, "where the row comes from, with any caveat", aliases=("source", "note"),
               free_text=True),
    ),
}  # fmt: skip

#: The header row of a blank template for each kind.
TEMPLATES: Mapping[str, list[str]] = {kind: [c.name for c in columns] for kind, columns in COLUMNS.items()}

#: Natural keys (docs/imports.md): a row matching a stored row on these updates it.
NATURAL_KEYS: Mapping[str, tuple[str, ...]] = {
    "pupils": ("upn",),
    "register": ("upn", "start_date"),
    "baselines": ("upn", "subject", "key_stage"),
    "assessments": ("upn", "subject", "academic_year", "term", "kind"),
    "reading": ("upn", "measure", "tested_on"),
    "enrolments": ("upn", "programme", "start_date"),
    "staff": ("email",),
    "groups": ("group", "upn"),
    "programmes": ("name",),
    "quartiles": ("transition", "subject", "starting_point"),
    "national": ("transition", "subject", "starting_point"),
}


def column_help(kind: str) -> list[dict[str, Any]]:
    """For a template page: each column's name, whether it is required, accepted forms and aliases."""
    return [
        {"name": c.name, "required": c.required, "help": c.help, "aliases": [*c.aliases, *c.fallbacks]}
        for c in COLUMNS[kind]
    ]


def template_csv(kind: str) -> str:
    """A blank template: the header row only."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(TEMPLATES[kind])
    return out.getvalue()


# --- Reading the file -----------------------------------------------------------------------------

_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a zip file that holds no Excel workbook: import the .xlsx or .csv file itself"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls workbook: save the sheet as CSV and import that"),
    (b"%PDF", "a PDF: export the data as CSV from the MIS"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _read_source(data: Any, limit: int) -> bytes | str:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data
    if hasattr(data, "read"):
        if hasattr(data, "seek"):
            try:
                data.seek(0)
            except (OSError, ValueError):
                pass
        return data.read(limit + 1)
    raise TypeError(f"run_import reads bytes, text or a file, not {type(data).__name__}")


def _mb(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def decode(raw: bytes | str, warnings: list[str]) -> str:
    """The text of a file, or FileProblem saying why it is not a CSV file."""
    limit = settings.IMPORT_MAX_BYTES
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > limit:
        raise FileProblem(f"the file is larger than the import limit of {_mb(limit)}; split it into smaller files")
    if isinstance(raw, str):
        text = raw.removeprefix("\ufeff")
    else:
        if not raw.strip():
            raise FileProblem("the file is empty")
        for signature, what in _BINARY_SIGNATURES:
            if raw.startswith(signature):
                raise FileProblem(f"this is not a CSV file but {what}")
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            try:
                text = raw.decode("utf-16")
            except UnicodeDecodeError:
                raise FileProblem("the file says it is UTF-16 text but is not") from None
            text = text.removeprefix("\ufeff")
        elif b"\x00" in raw:
            raise FileProblem("the file holds binary data (NUL bytes), so it is not a CSV file: save it as CSV")
        elif raw.startswith(codecs.BOM_UTF8):
            try:
                text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FileProblem(f"the file starts as UTF-8 but byte {exc.start + 3} is not UTF-8") from None
        else:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    text = raw.decode("cp1252")
                except UnicodeDecodeError:
                    raise FileProblem(
                        "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8"
                    ) from None
                warnings.append("The file is not UTF-8, so it was read as Windows-1252 (usual for older MIS exports).")
    text = text.rstrip("\x1a")  # an old DOS end-of-file mark
    if _CONTROL.search(text[:65536]):
        raise FileProblem("the file holds binary data (control characters), so it is not a CSV file")
    if not text.strip():
        raise FileProblem("the file is empty")
    return text


_SEP_LINE = re.compile(r"sep=(.)\r?\n?", re.IGNORECASE)


def _delimiter(text: str) -> tuple[str, bool]:
    """The delimiter, and whether the first line is Excel's "sep=;" hint (to be skipped)."""
    first = text.splitlines()[0] if text else ""
    if m := _SEP_LINE.fullmatch(first):
        return m[1], True
    first = next((line for line in text.splitlines() if line.strip()), "")
    if "," not in first:
        if "\t" in first:
            return "\t", False
        if ";" in first:
            return ";", False
    return ",", False


def read_file(raw: bytes | str, warnings: list[str]) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """(header line, header cells, [(line, cells)]) of a CSV file or of an .xlsx workbook's first
    sheet (``imports.workbook``), or FileProblem saying why it cannot be read."""
    if isinstance(raw, (bytes, bytearray)) and is_workbook(bytes(raw)):
        limit = settings.IMPORT_MAX_BYTES
        if len(raw) > limit:
            raise FileProblem(f"the file is larger than the import limit of {_mb(limit)}; split it into smaller files")
        try:
            rows = sheet_rows(bytes(raw))
        except WorkbookProblem as exc:
            raise FileProblem(str(exc)) from None
        if not rows:
            raise FileProblem("the first sheet of the workbook is empty")
        (header_line, header), *data = rows
        return header_line, header, data
    return read_rows(decode(raw, warnings))


def read_rows(text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """(header line, header cells, [(line, cells)]) with blank lines skipped.

    A line number is where the row starts in the file, so a quoted cell running over two lines
    does not shift the numbers of the rows after it.
    """
    delimiter, hinted = _delimiter(text)
    stream = io.StringIO(text, newline="")
    last = 0
    if hinted:
        stream.readline()
        last = 1
    reader = csv.reader(stream, delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            line = last + 1
            last = reader.line_num + (1 if hinted else 0)
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header, header_line = cells, line
            else:
                rows.append((line, cells))
    except csv.Error as exc:
        raise FileProblem(f"the file is not valid CSV: {exc}", last + 1) from None
    if header is None:
        raise FileProblem("the file is empty")
    return header_line, header, rows


def _map_headers(kind: str, header: list[str], header_line: int, result: ImportResult) -> dict[str, int]:
    by_alias: dict[str, Column] = {}
    by_fallback: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.name, *column.aliases):
            by_alias[normalise_header(name)] = column
        for name in column.fallbacks:
            by_fallback[normalise_header(name)] = column
    positions: dict[str, int] = {}
    ignored: list[str] = []
    fallback_at: dict[str, int] = {}
    for index, cell in enumerate(header):
        if not cell.strip():
            continue
        if (column := by_fallback.get(normalise_header(cell))) is not None:
            fallback_at.setdefault(column.name, index)
            continue
        column = by_alias.get(normalise_header(cell))
        if column is None:
            ignored.append(cell.strip())
            continue
        if column.name in positions:
            earlier = header[positions[column.name]].strip()
            result.errors.append(
                RowError(header_line, column.name, f"columns {earlier!r} and {cell.strip()!r} both give {column.name}: keep one")
            )
            continue
        positions[column.name] = index
    for name, index in fallback_at.items():
        if name in positions:
            result.warnings.append(
                f"Column {header[index].strip()!r} was not used: {header[positions[name]].strip()!r} gives {name}"
            )
        else:
            positions[name] = index
            result.warnings.append(f"Column {header[index].strip()!r} was read as {name}")
    missing = [c for c in COLUMNS[kind] if c.required and c.name not in positions]
    if missing:
        required = ", ".join(c.name for c in COLUMNS[kind] if c.required)
        optional = ", ".join(c.name for c in COLUMNS[kind] if not c.required)
        also = "; ".join(f"{c.name} may be headed {', '.join(c.aliases)}" for c in missing if c.aliases)
        message = (
            f"missing required column{'s' if len(missing) > 1 else ''}: {', '.join(c.name for c in missing)}. "
            f"A {kind} file has the columns {required}" + (f", and optionally {optional}" if optional else "")
            + " (case, spaces and underscores do not matter" + (f"; {also}" if also else "") + ")"
        )
        result.errors.append(RowError(header_line, None, message))
    if ignored:
        result.warnings.append(f"Ignored column{'s' if len(ignored) > 1 else ''} not used by a {kind} import: {', '.join(ignored)}")
    return positions


_EXCEL_PROTECTED = re.compile(r'="(.*)"', re.DOTALL)


def _parse_row(
    kind: str, line: int, cells: list[str], positions: dict[str, int], width: int, result: ImportResult
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    errors: list[RowError] = []
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        errors.append(
            RowError(line, None, f"has {len(cells)} cells but the header has {width}: is there an unquoted comma in a cell?")
        )
    for column in COLUMNS[kind]:
        if column.name not in positions:
            values[column.name] = None
            continue
        index = positions[column.name]
        cell = cells[index].strip() if index < len(cells) else ""
        if not column.free_text and (m := _EXCEL_PROTECTED.fullmatch(cell)):
            cell = m[1].strip()
        if not cell:
            if column.required:
                errors.append(RowError(line, column.name, "is blank, but every row needs one"))
            values[column.name] = None
            continue
        try:
            values[column.name] = column.parse(cell)
        except (ValueError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            errors.append(RowError(line, column.name, message))
    result.errors.extend(errors)
    return None if errors else values


# --- Running an import ----------------------------------------------------------------------------


def run_import(
    *, kind: str, data: bytes | str | IO, school: School, dry_run: bool = False, user: Any = None,
    name: str | None = None,
) -> ImportResult:
    """Import a CSV file of ``kind`` into ``school``: everything, or (on any error) nothing.

    ``data`` is the file's bytes, its text, or an open file (binary or text; an upload works).
    ``user`` is recorded as the person who recorded imported assessments, or who imported a
    reference set. ``name``: the reference set a ``quartiles`` or ``national`` file goes into
    (made if new; the same name again updates it); by default "Quartile table imported <day>".
    """
    if kind not in COLUMNS:
        raise ValueError(f"{kind!r} is not an import kind; use one of {', '.join(KINDS)}")
    if name is not None and kind not in REFERENCE_KINDS:
        raise ValueError(f"a name is only for reference sets ({', '.join(REFERENCE_KINDS)}), not a {kind} file")
    result = ImportResult(kind=kind, dry_run=dry_run)
    try:
        header_line, header, raw_rows = read_file(_read_source(data, settings.IMPORT_MAX_BYTES), result.warnings)
    except FileProblem as exc:
        result.errors.append(RowError(exc.line, None, str(exc)))
        return result
    positions = _map_headers(kind, header, header_line, result)
    result.rows = len(raw_rows)
    if result.errors:
        return result
    if not raw_rows:
        result.warnings.append("The file has a header but no rows.")
        return result
    parsed: list[tuple[int, dict[str, Any]]] = []
    for done, (line, cells) in enumerate(raw_rows):
        if done % PROGRESS_EVERY == 0:
            progress.report(progress.CHECKING, done, len(raw_rows))  # an import job's progress bar
        values = _parse_row(kind, line, cells, positions, len(header), result)
        if values is not None:
            parsed.append((line, values))
    progress.report(progress.CHECKING, len(raw_rows), len(raw_rows))
    watch = AccessWatch(school)
    try:
        with transaction.atomic():
            if kind in REFERENCE_KINDS:
                _apply_reference(kind, parsed, school, user, result, name or default_set_name(kind))
            elif kind == "staff":
                kinds.apply_staff(parsed, school, user, result, watch, dry_run=dry_run)
            elif kind == "groups":
                kinds.apply_groups(parsed, school, result, watch)
            elif kind == "programmes":
                kinds.apply_programmes(parsed, school, result)
            else:
                _apply(kind, parsed, school, user, result, watch)
            if not result.errors:
                result.access = watch.grants()  # read inside the transaction: what the rows would do
            if result.errors or dry_run:
                transaction.set_rollback(True)
    except DatabaseError as exc:
        result.errors.append(
            RowError(None, None, f"the database refused the import, so nothing was saved (try again): {exc}")
        )
    result.errors.sort(key=lambda e: (e.line or 0, _column_order(kind, e.column)))
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        result.outcomes.clear()
        result.access.clear()
        result.accounts.clear()
    return result


def _column_order(kind: str, column: str | None) -> int:
    names = TEMPLATES[kind]
    return names.index(column) if column in names else -1


_FIELD_COLUMNS = {"age_equivalent_months": "age_equivalent", "intervention": "programme"}


def _row_errors(kind: str, line: int, error: ValidationError) -> list[RowError]:
    if not hasattr(error, "error_dict"):
        return [RowError(line, None, message) for message in error.messages]
    found = []
    for name, errors in error.error_dict.items():
        column = None if name == NON_FIELD_ERRORS else _FIELD_COLUMNS.get(name, name)
        if column not in TEMPLATES[kind]:
            column = None
        for message in ValidationError(errors).messages:
            found.append(RowError(line, column, message))
    return found


def _framework_for(values: dict[str, Any]) -> str:
    """The framework of an assessment: the file's, else the one whose ladder reads the result."""
    return values.get("framework") or _framework_of(values.get("result") or "") or "nc"


def _apply(
    kind: str, parsed: list[tuple[int, dict[str, Any]]], school: School, user: Any, result: ImportResult,
    watch: AccessWatch | None = None,
) -> None:
    """Resolve references, catch repeated natural keys, and write through the services."""
    pupils: dict[str, Pupil] = {}
    if kind != "pupils":
        upns = sorted({values["upn"] for _, values in parsed})
        for start in range(0, len(upns), 2000):
            for pupil in school.pupils.filter(upn__in=upns[start : start + 2000]):
                pupils[pupil.upn] = pupil
    subjects = SubjectLookup() if kind in ("baselines", "assessments") else None

    lines: list[int] = []
    rows: list[dict[str, Any]] = []
    first_line: dict[tuple, int] = {}
    for line, values in parsed:
        problems: list[RowError] = []
        if kind != "pupils":
            pupil = pupils.get(values["upn"])
            if pupil is None:
                problems.append(
                    RowError(line, "upn", f"no pupil with UPN {values['upn']} at {school.name}: import the pupils file first")
                )
            values["pupil"] = pupil
        if subjects is not None:
            try:
                values["subject"] = subjects.resolve(values["subject"])
            except ValidationError as exc:
                problems.extend(_row_errors(kind, line, exc))
        if problems:
            result.errors.extend(problems)
            continue
        key = _natural_key(kind, values)
        if key in first_line:
            named = ", ".join(NATURAL_KEYS[kind])
            result.errors.append(RowError(line, None, f"repeats line {first_line[key]} (the same {named})"))
            continue
        first_line[key] = line
        lines.append(line)
        rows.append(_service_row(kind, values))
    if not rows:
        return
    if kind == "enrolments":
        known = len(result.errors)
        kinds.prepare_enrolments(lines, rows, school, result, watch or AccessWatch(school))
        if len(result.errors) > known:
            return
    try:
        if kind == "pupils":
            outcomes = pupils_upsert_many(school=school, rows=rows)
        elif kind == "register":
            outcomes = register_entries_record_many(rows=rows)
        elif kind == "baselines":
            outcomes = baselines_record_many(rows=rows)
        elif kind == "assessments":
            outcomes = assessments_record_many(rows=rows, recorded_by=user)
        elif kind == "reading":
            outcomes = reading_tests_record_many(rows=rows)
        else:
            outcomes = enrolments_record_many(rows=rows, notes=result.notes)
    except RowsInvalid as exc:
        for index, error in exc.row_errors.items():
            result.errors.extend(_row_errors(kind, lines[index], error))
        return
    for line, (_, outcome) in zip(lines, outcomes, strict=True):
        result.outcomes[line] = str(outcome)
        setattr(result, str(outcome), getattr(result, str(outcome)) + 1)
    if kind == "pupils":
        groups = {line: values.get("reg_group") for line, values in parsed}
        kinds.place_in_registration_groups(
            [(line, pupil, groups.get(line)) for line, (pupil, _) in zip(lines, outcomes, strict=True)], school, result
        )


def _apply_reference(
    kind: str, parsed: list[tuple[int, dict[str, Any]]], school: School, user: Any, result: ImportResult, name: str
) -> None:
    """Check each row as a whole (quartiles in order, percentages consistent), catch repeated keys,
    and write the set through ``assessments.reference``."""
    lines: list[int] = []
    rows: list[dict[str, Any]] = []
    first_line: dict[tuple, int] = {}
    for line, values in parsed:
        if kind == "quartiles":
            problem = quartile_order_problem(values["lower_quartile"], values["median"], values["upper_quartile"])
        else:
            problem = percentage_order_problem(values["pct_expected"], values["pct_more_than_expected"])
        if problem:
            result.errors.append(RowError(line, None, problem))
            continue
        key = _natural_key(kind, values)
        if key in first_line:
            result.errors.append(
                RowError(line, None, f"repeats line {first_line[key]} (the same transition, subject and starting point)")
            )
            continue
        first_line[key] = line
        lines.append(line)
        rows.append({k: v for k, v in values.items() if v is not None})
    if not rows or result.errors:
        return
    try:
        outcomes = reference_rows_record_many(school=school, kind=kind, name=name, rows=rows, user=user)
    except RowsInvalid as exc:
        for index, error in exc.row_errors.items():
            result.errors.extend(_row_errors(kind, lines[index], error))
        return
    except ValidationError as exc:
        result.errors.extend(RowError(None, None, message) for message in exc.messages)
        return
    for line, (_, outcome) in zip(lines, outcomes, strict=True):
        result.outcomes[line] = str(outcome)
        setattr(result, str(outcome), getattr(result, str(outcome)) + 1)
    result.notes.append(f"Reference set {name!r} ({kind})")


def _natural_key(kind: str, values: dict[str, Any]) -> tuple:
    if kind in REFERENCE_KINDS:
        return (values["transition"], " ".join(values["subject"].split()).casefold(), values["starting_point"])
    if kind == "baselines":
        return (values["upn"], values["subject"].pk, values["key_stage"])
    if kind == "assessments":
        return (values["upn"], values["subject"].pk, values["academic_year"], values["term"], values["kind"] or "teacher")
    if kind == "enrolments":
        return (values["upn"], " ".join(values["programme"].split()).casefold(), values["start_date"])
    return tuple(values[name] for name in NATURAL_KEYS[kind])


def _service_row(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the kind's record service for one parsed row."""
    if kind == "pupils":
        names = [name for name in TEMPLATES["pupils"] if name != "reg_group"]
        return {name: values[name] for name in names}
    pupil = values["pupil"]
    if kind == "register":
        return {
            "pupil": pupil, "provision": values["provision"], "primary_need": values["primary_need"] or "",
            "secondary_need": values["secondary_need"] or "", "start_date": values["start_date"],
            "end_date": values["end_date"], "review_date": values["review_date"],
        }  # fmt: skip
    if kind == "baselines":
        return {
            "pupil": pupil, "subject": values["subject"], "key_stage": values["key_stage"], "result": values["result"],
            "academic_year": values["academic_year"], "term": values["term"] or "summer",
        }  # fmt: skip
    if kind == "assessments":
        return {
            "pupil": pupil, "subject": values["subject"], "academic_year": values["academic_year"],
            "term": values["term"], "result": values["result"], "kind": values["kind"] or "teacher",
            "framework": _framework_for(values), "assessed_on": values["assessed_on"],
        }  # fmt: skip
    if kind == "reading":
        return {
            "pupil": pupil, "measure": values["measure"], "test_name": values["test_name"],
            "tested_on": values["tested_on"], "age_equivalent": values["age_equivalent"],
            "standardised_score": values["standardised_score"],
        }  # fmt: skip
    return {
        "pupil": pupil, "programme": values["programme"], "start_date": values["start_date"],
        "end_date": values["end_date"], "staff": values["staff"], "staff_text": "",
        "sessions_attended": values["sessions_attended"],
    }  # fmt: skip
