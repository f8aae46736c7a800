"""The expected-progress table: a page of rows, filtered and sorted on the server, and its CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from pupils.models import Pupil
from sencotrack.csvsafe import neutralise

ROWS_PER_PAGE = 50
# A row as cached: a plain tuple (the fastest to unpickle; a filtered page reads every row of the school).
(NAME, PUBLIC_ID, UPN, SUBJECT, BASELINE_RESULT, BASELINE_POINTS, CURRENT_RESULT, CURRENT_POINTS, TERMS,
 LEVELS, EXPECTED_POINTS, STATUS, PROVISION) = range(13)
STATUS_CHOICES = [("below", "Below expected"), ("expected", "Expected"), ("exceeding", "Exceeding")]
PROVISION_CHOICES = [("sen", "SEN (K or E)"), ("K", "SEN support (K)"), ("E", "EHC plan (E)"), ("none", "No SEN")]
SORT_CHOICES = [
    ("name", "Pupil (surname)"),
    ("subject", "Subject, then pupil"),
    ("status", "Status, below expected first"),
    ("progress", "Levels of progress, fewest first"),
    ("-progress", "Levels of progress, most first"),
]
SORT_LABELS = dict(SORT_CHOICES)
_STATUS_ORDER = {"below": 0, "expected": 1, "exceeding": 2}
_SEN = ("K", "E")


def progress_rows(ep: list[dict], names: dict, provisions: dict[str, str]) -> list[tuple]:
    """Expected-progress rows for the table, by surname: name, public id, UPN, the report's figures, provision.

    ``provisions``: UPN -> provision on the last day of the term. Values that repeat (subjects,
    results, statuses) are shared, so a cached copy stores each once.
    """
    shared: dict = {}

    def one(value):
        return shared.setdefault((type(value), value), value)

    out = []
    for row in ep:
        who = names.get(row["upn"])
        out.append((
            who.name if who else "", str(who.public_id) if who else "", row["upn"], one(row["subject"]),
            one(row["baseline_result"]), one(row["baseline_points"]), one(row["current_result"]),
            one(row["current_points"]), one(row["terms_elapsed"]), one(row["levels_of_progress"]),
            one(row["expected_points"]), one(row["status"]), one(provisions.get(row["upn"], "")),
        ))

    def by_name(row: tuple) -> tuple:
        if not row[NAME]:
            return ("~", row[UPN], row[SUBJECT])
        return (row[NAME].split(" ")[-1].lower(), row[NAME].lower(), row[SUBJECT])

    out.sort(key=by_name)
    return out


@dataclass(frozen=True)
class ProgressFilters:
    """What the expected-progress table shows: filters, sort and page (from ``reports.forms.ProgressFilterForm``)."""

    subject: str = ""
    status: str = ""
    provision: str = ""
    q: str = ""
    sort: str = "name"
    page: int = 1

    @property
    def filtered(self) -> bool:
        return bool(self.subject or self.status or self.provision or self.q)

    def params(self, *, page: int | None = None) -> list[tuple[str, str]]:
        """The non-default settings as query parameters, in a fixed order (links and cache keys)."""
        out = [(k, getattr(self, k)) for k in ("subject", "status", "provision", "q") if getattr(self, k)]
        if self.sort != "name":
            out.append(("sort", self.sort))
        page = self.page if page is None else page
        if page > 1:
            out.append(("page", str(page)))
        return out


def filter_progress(rows: list[tuple], filters: ProgressFilters) -> list[tuple]:
    """The rows matching ``filters``, in its order (rows come sorted by name; other sorts keep that within)."""
    if filters.subject:
        rows = [r for r in rows if r[SUBJECT] == filters.subject]
    if filters.status:
        rows = [r for r in rows if r[STATUS] == filters.status]
    if filters.provision == "sen":
        rows = [r for r in rows if r[PROVISION] in _SEN]
    elif filters.provision == "none":
        rows = [r for r in rows if r[PROVISION] not in _SEN]
    elif filters.provision:
        rows = [r for r in rows if r[PROVISION] == filters.provision]
    if filters.q:
        needle = filters.q.casefold()
        rows = [r for r in rows if needle in r[NAME].casefold() or needle in r[UPN].casefold()]
    if filters.sort == "subject":
        rows = sorted(rows, key=lambda r: r[SUBJECT])
    elif filters.sort == "status":
        rows = sorted(rows, key=lambda r: _STATUS_ORDER.get(r[STATUS], 3))
    elif filters.sort in ("progress", "-progress"):
        known = [r for r in rows if r[LEVELS] is not None]
        known.sort(key=lambda r: r[LEVELS], reverse=filters.sort == "-progress")
        rows = known + [r for r in rows if r[LEVELS] is None]
    return rows


@dataclass(frozen=True)
class ProgressRow:
    """One row as the table prints it."""

    name: str
    href: str
    upn: str
    subject: str
    baseline: str
    current: str
    terms: str
    levels: str
    expected: str
    status: str
    provision: str


def _two_places(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def progress_row(row: tuple, pupil_url: str) -> ProgressRow:
    """``pupil_url``: the pupil dashboard's URL with ``00000000-0000-0000-0000-000000000000`` for the id."""
    return ProgressRow(
        name=row[NAME] or row[UPN],
        href=pupil_url.replace(_NO_ID, row[PUBLIC_ID]) if row[PUBLIC_ID] else "",
        upn=row[UPN], subject=row[SUBJECT],
        baseline=f"{row[BASELINE_RESULT]} ({_two_places(row[BASELINE_POINTS])})",
        current=f"{row[CURRENT_RESULT]} ({_two_places(row[CURRENT_POINTS])})",
        terms="–" if row[TERMS] is None else str(row[TERMS]), levels=_two_places(row[LEVELS]),
        expected=_two_places(row[EXPECTED_POINTS]), status=row[STATUS], provision=row[PROVISION] or "–",
    )


_NO_ID = "00000000-0000-0000-0000-000000000000"


@dataclass
class ProgressPage:
    """One page of the table: its rows as printed, where it sits among the matching rows, and the filters."""

    filters: ProgressFilters
    rows: list[ProgressRow]
    total: int  # rows matching the filters
    all_rows: int  # rows before filtering
    number: int
    num_pages: int
    academic_year: int
    term: str

    @property
    def first(self) -> int:
        return (self.number - 1) * ROWS_PER_PAGE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.total else 0

    @property
    def sort_label(self) -> str:
        return SORT_LABELS.get(self.filters.sort, SORT_LABELS["name"]).lower()

    def query(self, page: int | None = None) -> str:
        """The query string of this table for ``page`` (with the term, so a link stands on its own)."""
        return urlencode([("academic_year", self.academic_year), ("term", self.term),
                          *self.filters.params(page=page)])

    @property
    def previous_query(self) -> str:
        return self.query(self.number - 1)

    @property
    def next_query(self) -> str:
        return self.query(self.number + 1)

    @property
    def csv_query(self) -> str:
        return self.query(1)


def progress_page(rows: list[tuple], filters: ProgressFilters, *, academic_year: int, term: str) -> ProgressPage:
    """The page of rows ``filters`` asks for (a page past the end shows the last one)."""
    matching = filter_progress(rows, filters)
    num_pages = max(1, -(-len(matching) // ROWS_PER_PAGE))
    number = min(max(1, filters.page), num_pages)
    shown = matching[(number - 1) * ROWS_PER_PAGE:number * ROWS_PER_PAGE]
    pupil_url = reverse("reports:pupil_dashboard", args=[_NO_ID])
    return ProgressPage(filters, [progress_row(r, pupil_url) for r in shown], len(matching), len(rows), number,
                        num_pages, academic_year, term)


PROGRESS_CSV_COLUMNS = ["pupil", "upn", "subject", "baseline_result", "baseline_points", "current_result",
                        "current_points", "terms_elapsed", "levels_of_progress", "expected_points", "status",
                        "provision_at_term_end"]


def progress_csv(rows: list[tuple]) -> str:
    """The rows as CSV (text cells neutralised against formula injection; CRLF rows, as the report CSVs)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(PROGRESS_CSV_COLUMNS)
    for r in rows:
        writer.writerow([
            neutralise(r[NAME]), neutralise(r[UPN]), neutralise(r[SUBJECT]), neutralise(r[BASELINE_RESULT]),
            _two_places(r[BASELINE_POINTS]).replace("–", ""), neutralise(r[CURRENT_RESULT]),
            _two_places(r[CURRENT_POINTS]).replace("–", ""), "" if r[TERMS] is None else r[TERMS],
            _two_places(r[LEVELS]).replace("–", ""), _two_places(r[EXPECTED_POINTS]).replace("–", ""), r[STATUS],
            r[PROVISION],
        ])
    return buffer.getvalue()
