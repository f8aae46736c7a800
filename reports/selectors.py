"""Reads for the report pages: run history, stored results, term dates (a pupil's records: ``pupil_history``).

Every function runs a fixed number of queries whatever the number of pupils or runs; results are
read from stored runs in preference to computing them again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from assessments.models import Assessment, AssessmentKind, Term
from assessments.terms import last_ended_term
from pupils.models import Membership, Pupil, RegisterEntry, Role, School
from reports.access import runs_visible_to
from reports.models import ReportKind, ReportRun, RunStatus
from pupils.access import visible_pupils
from sencotrack.parsing import TERM_ORDER, default_term_dates

RUNS_PER_PAGE = 50


# --- Runs ----------------------------------------------------------------------------------------


def run_history(membership: Membership, *, limit: int = RUNS_PER_PAGE) -> list[ReportRun]:
    """The latest runs the person may see, newest first, without their (large) stored results."""
    runs = runs_visible_to(membership).select_related("requested_by").defer("result", "error")
    return list(runs.order_by("-created_at", "-pk")[:limit])


@dataclass(frozen=True)
class StoredRun:
    """The run a report's rows come from (without its result): a run of that kind, or a pack holding it."""

    kind: str
    pk: int
    public_id: object
    finished_at: dt.datetime | None
    from_pack: bool


@dataclass
class StoredResult:
    """One report's stored result (``columns`` and ``rows``) and the run it came from."""

    kind: str
    data: dict
    run_public_id: object
    finished_at: dt.datetime | None
    from_pack: bool
    pack: dict | None = None  # the pack's own figures (``pack_content.pack_extras``) when it came from a pack


def stored_runs(
    school: School, *, academic_year: int, term: str, kinds: list[str], governor: bool = False
) -> dict[str, StoredRun]:
    """The newest finished run for the term of each kind (a run of that kind, or a pack holding it).

    Only whole-school runs count (no subject filter); a governor's page reads governors' copies and
    a named page reads full copies. One query, without the (large) results: a cached dashboard
    reads it only when it is built (a finished run moves the school's data version on).
    """
    candidates = (
        ReportRun.objects.filter(
            school_id=school.pk,
            status=RunStatus.DONE,
            kind__in=[*kinds, ReportKind.TERMLY_PACK],
            parameters__academic_year=academic_year,
            parameters__term=term,
        )
        .order_by("-finished_at", "-pk")
        .values_list("pk", "public_id", "kind", "parameters", "finished_at")[:200]
    )
    chosen: dict[str, StoredRun] = {}
    for pk, public_id, kind, parameters, finished_at in candidates:
        parameters = parameters or {}
        if parameters.get("subject") or bool(parameters.get("governor")) != governor:
            continue
        if kind == ReportKind.TERMLY_PACK:
            for wanted in kinds:
                chosen.setdefault(wanted, StoredRun(wanted, pk, public_id, finished_at, True))
        elif kind in kinds:
            chosen.setdefault(kind, StoredRun(kind, pk, public_id, finished_at, False))
        if len(chosen) == len(kinds):
            break
    return chosen


def results_of(runs: dict[str, StoredRun]) -> dict[str, StoredResult]:
    """The stored results of ``runs`` (one query; none when there are no runs)."""
    if not runs:
        return {}
    results = dict(
        ReportRun.objects.filter(pk__in={run.pk for run in runs.values()}).values_list("pk", "result")
    )
    found = {}
    for kind, run in runs.items():
        result = results.get(run.pk) or {}
        data = result.get("reports", {}).get(kind) if run.from_pack else result
        if data and "rows" in data:
            found[kind] = StoredResult(kind, data, run.public_id, run.finished_at, run.from_pack,
                                       result.get("pack") if run.from_pack else None)
    return found


def stored_results(
    school: School, *, academic_year: int, term: str, kinds: list[str], governor: bool = False
) -> dict[str, StoredResult]:
    """The stored results of :func:`stored_runs` (two queries)."""
    return results_of(stored_runs(school, academic_year=academic_year, term=term, kinds=kinds, governor=governor))


# --- Terms ---------------------------------------------------------------------------------------

_TERM_POSITION = Case(
    *(When(term=name, then=Value(i)) for i, name in enumerate(TERM_ORDER)),
    output_field=IntegerField(),
)


def default_term(school: School, *, today: dt.date) -> tuple[int, str]:
    """The term a dashboard opens on: the latest term with a teacher assessment, else the last ended term.

    Never a term still running (its figures are not final): with any teacher assessment in the
    last ended term or later, that term. Asked pupil by pupil, which stops at the first pupil
    assessed (usually the first one), rather than reading every assessment of the school.
    """
    ended = last_ended_term(school, today)
    year, term = ended
    since_ended = Q(academic_year__gt=year) | Q(academic_year=year, term__in=TERM_ORDER[TERM_ORDER.index(term):])
    assessed = Assessment.objects.filter(since_ended, pupil=OuterRef("pk"), kind=AssessmentKind.TEACHER)
    if Pupil.objects.filter(school=school).filter(Exists(assessed)).exists():
        return ended
    latest = (
        Assessment.objects.filter(pupil__school=school, kind=AssessmentKind.TEACHER)
        .annotate(position=_TERM_POSITION)
        .order_by("-academic_year", "-position")
        .values_list("academic_year", "term")
        .first()
    )
    return ended if latest is None else latest


def term_dates_for(school: School) -> dict[tuple[int, str], tuple[dt.date, dt.date]]:
    """The school's own term dates (one query); look up others with :func:`term_bounds`."""
    rows = Term.objects.filter(academic_year__school=school).values_list(
        "academic_year__start_year", "name", "start_date", "end_date"
    )
    return {(year, name): (start, end) for year, name, start, end in rows}


def term_bounds(own: dict, academic_year: int, term: str) -> tuple[dt.date, dt.date]:
    return own.get((academic_year, term)) or default_term_dates(academic_year, term)


# --- Pupils --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilName:
    public_id: object
    name: str


def pupil_names(membership: Membership) -> dict[str, PupilName]:
    """UPN -> name and public id of every pupil the person may see by name (one query)."""
    if membership.role not in (Role.SENCO, Role.TEACHER):
        return {}
    rows = visible_pupils(membership).values_list("upn", "public_id", "forename", "surname")
    return {upn: PupilName(public_id, f"{forename} {surname}") for upn, public_id, forename, surname in rows}


def provisions_on(school: School, day: dt.date) -> dict[str, str]:
    """UPN -> SEN provision code in force on ``day`` (pupils with no open entry are absent; one query)."""
    rows = (
        RegisterEntry.objects.filter(pupil__school=school).open_on(day)
        .order_by("start_date", "pk").values_list("pupil__upn", "provision")
    )
    return dict(rows)  # the latest-starting entry wins, should two overlap


def teacher_pupil_ids(membership: Membership) -> QuerySet:
    """Ids of the pupils a teacher's dashboard is limited to (a subquery, not a list)."""
    return visible_pupils(membership).values("pk")


def register_spans(school: School):
    """Every register entry of the school as a DataFrame: pupil_id, provision, start_date, end_date (one query)."""
    import pandas as pd

    frame = pd.DataFrame.from_records(
        list(
            RegisterEntry.objects.filter(pupil__school=school).values_list(
                "pupil_id", "provision", "start_date", "end_date"
            )
        ),
        columns=["pupil_id", "provision", "start_date", "end_date"],
    )
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame
