"""The report registry: each kind of report reads its datasets and calls the pure metrics.

One computation serves ``manage.py run_report``, the Celery tasks and the pages. A report is a
rounded DataFrame with the contract's columns (docs/reports.md) plus a little metadata. A report is
computed for its context's batch of schools (one school, or the schools whose packs are built
together) and each school takes its own rows.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pandas as pd

from assessments.ladder import PointsScheme
from pupils.models import School
from reports import datasets, metrics
from sencotrack.csvsafe import neutralise
from sencotrack.parsing import format_academic_year

ProgressCallback = Callable[[int, str], None]


@dataclass
class ReportContext:
    """One school's report: its term (with the school's own dates), points scheme and options.

    ``batch`` holds the rows behind the reports and the reports computed from them. A context from
    :func:`context_for` is a batch of one school; :func:`contexts_for` gives several schools one
    batch, so each dataset is read once for all of them and each report computed once across them.
    """

    school: School
    term: datasets.ReportTerm
    scheme: PointsScheme
    subjects: list[str] | None = None
    governor: bool = False
    progress: ProgressCallback = lambda percent, note: None
    batch: ReportBatch | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.batch is None:
            self.batch = ReportBatch([self])


class ReportBatch:
    """The schools whose reports are computed together: one term, the same subjects and copy.

    Each dataset is read once for every school (one query with a ``school_id`` column; date filters
    use each school's own term dates) and each report is computed once across the schools, with the
    school among the group keys (``by`` in ``reports.metrics``), so a school's figures are exactly
    those it gets alone. A school's report is its slice, handed out from a split made once.
    """

    def __init__(self, contexts: list[ReportContext]) -> None:
        first = contexts[0]
        options = {(c.term.academic_year, c.term.term, tuple(c.subjects or ()), c.governor) for c in contexts}
        if len(options) != 1:
            raise ValueError("a batch holds one term's reports with the same subjects and copy for every school")
        self.contexts = {c.school.pk: c for c in contexts}
        self.term_index = first.term.index
        self.subjects = first.subjects
        self.governor = first.governor
        self._data: dict = {}
        self._reports: dict[str, dict[int, pd.DataFrame]] = {}

    # --- per-school parameters
    @property
    def schemes(self) -> dict[int, PointsScheme]:
        return {pk: c.scheme for pk, c in self.contexts.items()}

    @property
    def term_ends(self) -> dict[int, date]:
        return {pk: c.term.end for pk, c in self.contexts.items()}

    def progress(self, percent: int, note: str) -> None:
        for ctx in self.contexts.values():
            ctx.progress(percent, note)

    def _once(self, key, read):
        if key not in self._data:
            self._data[key] = read()
        return self._data[key]

    # --- the datasets, each read once for the batch
    def baselines(self) -> pd.DataFrame:
        return self._once("baselines", lambda: datasets.baselines_of(self.schemes, self.subjects))

    def assessments(self) -> pd.DataFrame:
        """Teacher assessments of the report's term and the one before, every subject."""
        terms = [self.term_index - 1, self.term_index]
        return self._once("assessments", lambda: datasets.teacher_assessments_of(self.schemes, terms))

    def pupil_groups(self) -> pd.DataFrame:
        return self._once("pupil_groups", lambda: datasets.pupil_groups_of(self.term_ends, self.register_this_year()))

    def register_this_year(self) -> pd.DataFrame:
        return self._once("register", lambda: datasets.register_entries_of(self.term_ends))

    def register_last_year(self) -> pd.DataFrame:
        def read():
            first = next(iter(self.contexts.values())).term
            last = datasets.report_terms(list(self.contexts), first.academic_year - 1, first.term)
            return datasets.register_entries_of({pk: t.end for pk, t in last.items()})

        return self._once("register_last_year", read)

    def enrolments_raw(self) -> pd.DataFrame:
        """Every enrolment open or ended by the term's end, with its intervention's measures."""
        return self._once("enrolments_raw", lambda: datasets.enrolments_of(self.term_ends))

    def enrolments(self) -> pd.DataFrame:
        """Enrolments and their age-equivalent measures (reading, spelling)."""
        return self._once("enrolments", lambda: datasets.enrolments_ended_of(self.term_ends, self.enrolments_raw()))

    def reference(self):
        """(quartile rows, national rows, sets in force) of every school: DOMAIN 9.9 and 9.10."""
        schools = [ctx.school for ctx in self.contexts.values()]
        return self._once("reference", lambda: datasets.reference_tables_of(schools, self.schemes))

    def measure_observations(self) -> pd.DataFrame:
        def read():
            kinds = set(datasets.enrolment_kinds(self.enrolments_raw())["kind"])
            return datasets.measure_observations_of(list(self.contexts), self.schemes, self.reading_tests(), kinds)

        return self._once("observations", read)

    def ladder_results(self) -> pd.DataFrame:
        return self._once("ladders", lambda: datasets.ladder_results_of(list(self.contexts), self.term_index))

    def reading_tests(self) -> pd.DataFrame:
        return self._once("reading_tests", lambda: datasets.reading_tests_of(list(self.contexts)))

    def semh_measures(self) -> pd.DataFrame:
        terms = [self.term_index - 1, self.term_index]
        return self._once("semh", lambda: datasets.semh_measures_of(list(self.contexts), terms))

    def core_subjects(self) -> list[str]:
        return self._once("core_subjects", datasets.core_subject_names)

    # --- the reports, each computed once for the batch
    def report(self, kind: str, compute: Callable[[ReportBatch], pd.DataFrame]) -> dict[int, pd.DataFrame]:
        """Each school's rows of ``compute(batch)`` (a frame led by ``school_id``), without that column."""
        if kind not in self._reports:
            self._reports[kind] = self.split(compute(self))
        return self._reports[kind]

    def split(self, frame: pd.DataFrame) -> dict[int, pd.DataFrame]:
        rows = frame.drop(columns=datasets.SCHOOL)
        parts = {int(pk): rows.iloc[index] for pk, index in frame.groupby(datasets.SCHOOL, sort=False).indices.items()}
        empty = rows.iloc[:0]
        return {pk: parts.get(pk, empty).reset_index(drop=True) for pk in self.contexts}


@dataclass
class Report:
    kind: str
    frame: pd.DataFrame
    meta: dict = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def records(self) -> list[dict]:
        """Rows as plain JSON-ready dicts: NaN becomes None, numpy scalars become Python numbers."""
        out = []
        for row in self.frame.astype(object).where(self.frame.notna(), None).to_dict("records"):
            out.append({k: _plain(v) for k, v in row.items()})
        return out

    def to_dict(self) -> dict:
        return {**self.meta, "columns": self.columns, "rows": self.records()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_csv(self) -> str:
        frame = self.frame.copy()
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column].dtype):
                frame[column] = frame[column].map(_csv_cell)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, float_format="%.2f", lineterminator="\r\n")
        return buffer.getvalue()


def _csv_cell(value):
    """A text column's cell: a number in a mixed column (pre and post of several measures) printed with
    2 decimals like the float columns, a whole number as it is; text neutralised."""
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:.2f}"
    return neutralise(value)


def _plain(value):
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


REGISTRY: dict[str, Callable[[ReportContext], pd.DataFrame]] = {}
# What a governor may see: aggregates only, and how each is suppressed.
GOVERNOR_SAFE = {"value-added", "starting-points", "register-summary", "transition-matrix"}
#: Reports whose figures depend on the reference tables: their metadata names the sets used.
USES_REFERENCE = {"expected-progress", "starting-points", "value-added", "transition-matrix"}


def register(kind: str):
    def decorator(fn):
        REGISTRY[kind] = fn
        return fn

    return decorator


def build(kind: str, ctx: ReportContext) -> Report:
    if kind not in REGISTRY:
        raise ValueError(f"unknown report {kind!r}; choose one of: {', '.join(REGISTRY)}")
    if ctx.governor and kind not in GOVERNOR_SAFE:
        raise ValueError(f"the {kind} report names pupils, so it has no governor's copy")
    frame = REGISTRY[kind](ctx)
    frame = metrics.round_for_output(frame)
    meta = {
        "report": kind,
        "school": ctx.school.code,
        "academic_year": format_academic_year(ctx.term.academic_year),
        "term": ctx.term.term.capitalize(),
        "subject": ", ".join(ctx.subjects) if ctx.subjects else None,
        "points_scheme": f"{ctx.scheme.name} v{ctx.scheme.version}",
        "governor_copy": ctx.governor,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if kind in USES_REFERENCE:
        meta.update(reference_meta(ctx))
    return Report(kind=kind, frame=frame.reset_index(drop=True), meta=meta)


def _set_text(found) -> str | None:
    if found is None:
        return None
    where = "shipped with sencotrack" if found.school_id is None else "imported"
    return f"{found.name} ({where} {found.imported_at:%Y-%m-%d})"


def reference_meta(ctx: ReportContext) -> dict:
    """Which rule covers which baselines, and the reference sets a report's figures used."""
    _, _, sets = ctx.batch.reference()
    chosen = sets.get(ctx.school.pk, {})
    return {
        "quartile_expectations": ctx.school.quartile_expectations,
        "quartile_table": _set_text(chosen.get("quartiles")),
        "national_table": _set_text(chosen.get("national")),
    }


# --- The reports -------------------------------------------------------------------------------
# Each report is computed for the context's whole batch (``*_rows`` functions: a frame led by
# school_id) and the school's slice is returned; a governor's suppression is row by row.

SCHOOL = datasets.SCHOOL


def _expected_progress_rows(batch: ReportBatch) -> pd.DataFrame:
    """Expected-progress rows of every school: they feed three reports, so a batch computes them once."""
    return batch._once("expected_progress_rows", lambda: _compute_expected_progress_rows(batch))


def _compute_expected_progress_rows(batch: ReportBatch) -> pd.DataFrame:
    base = batch.baselines()
    batch.progress(20, "Baselines read")
    selected = metrics.select_baselines(base, batch.term_index)
    current = batch.assessments()
    current = current[current["term_index"] == batch.term_index]
    if batch.subjects:
        current = current[current["subject"].isin(batch.subjects)]
    groups = batch.pupil_groups()
    current = current[[SCHOOL, "pupil_id", "upn", "subject", "result", "points"]].merge(
        groups.drop(columns=[SCHOOL, "upn"]), on="pupil_id", how="left"
    )
    quartiles, _, _ = batch.reference()
    batch.progress(50, "Assessments read")
    # Pupil ids are unique across schools, so only the schools' settings differ: the KS2 span and
    # which baselines the quartile rule covers. Each set of settings is one computation.
    settings = {pk: (ctx.school.ks2_span, ctx.school.quartile_expectations) for pk, ctx in batch.contexts.items()}
    parts = []
    for ks2_span, covers in sorted(set(settings.values())):
        schools = [pk for pk, chosen in settings.items() if chosen == (ks2_span, covers)]
        part = current if len(settings) == 1 else current[current[SCHOOL].isin(schools)]
        parts.append(metrics.expected_progress(
            selected, part, batch.term_index, metrics.progress_spans(ks2_span),
            quartiles=quartiles[quartiles[SCHOOL].isin(schools)], quartile_expectations=covers,
            transitions=metrics.quartile_transitions(ks2_span), by=[SCHOOL],
        ))  # fmt: skip
    if len(parts) == 1:
        return parts[0]
    # Within each school the rows keep the order expected_progress gives (upn, then subject).
    return pd.concat(parts, ignore_index=True).sort_values(SCHOOL, kind="mergesort", ignore_index=True)


def _slice(ctx: ReportContext, kind: str, compute: Callable[[ReportBatch], pd.DataFrame]) -> pd.DataFrame:
    return ctx.batch.report(kind, compute)[ctx.school.pk]


def _expected_progress_report(batch: ReportBatch) -> pd.DataFrame:
    return _expected_progress_rows(batch)[[SCHOOL] + metrics.EXPECTED_PROGRESS_COLUMNS]


@register("expected-progress")
def expected_progress(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "expected-progress", _expected_progress_report)


def _starting_points_all(batch: ReportBatch) -> pd.DataFrame:
    _, national, _ = batch.reference()
    return batch._once(
        "starting_points_all", lambda: metrics.starting_points(_expected_progress_rows(batch), by=[SCHOOL], national=national)
    )


def _matrix_all(batch: ReportBatch) -> pd.DataFrame:
    """Transition-matrix cells of every school, with their ``framework`` (DOMAIN 9.12, 9.14)."""

    def compute() -> pd.DataFrame:
        ep = _expected_progress_rows(batch)
        results = batch.ladder_results()
        if batch.subjects:
            results = results[results["subject"].isin(batch.subjects)]
        groups = batch.pupil_groups()
        starts = groups[["pupil_id"]].assign(
            key_stage_start=metrics.key_stage_start(groups["year_group"], batch.term_index // 3).to_numpy()
        )
        ladders = metrics.ladder_progress(results, batch.term_index, starts, by=[SCHOOL])
        return metrics.transition_matrix(ep, ladders, by=[SCHOOL])

    return batch._once("matrix_all", compute)


def _governor_starting_points_and_matrix(batch: ReportBatch) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both governor copies, suppressed together: a starting point's cells add up to it (DOMAIN 9.8)."""
    return batch._once(
        "governor_sp_matrix",
        lambda: metrics.suppress_starting_points_and_matrix(_starting_points_all(batch), _matrix_all(batch), by=[SCHOOL]),
    )


def _starting_points_report(batch: ReportBatch) -> pd.DataFrame:
    if batch.governor:
        return _governor_starting_points_and_matrix(batch)[0]
    return _starting_points_all(batch)


@register("starting-points")
def starting_points(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "starting-points", _starting_points_report)


def _value_added_report(batch: ReportBatch) -> pd.DataFrame:
    frame = _expected_progress_rows(batch).rename(columns={"current_points": "outcome_points"})
    batch.progress(70, "Value added computed")
    table = metrics.value_added(frame, by=[SCHOOL])
    if batch.governor:
        table = metrics.suppress_value_added(table, by=[SCHOOL])
    return table


@register("value-added")
def value_added(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "value-added", _value_added_report)


def _transition_matrix_report(batch: ReportBatch) -> pd.DataFrame:
    table = _governor_starting_points_and_matrix(batch)[1] if batch.governor else _matrix_all(batch)
    return table.drop(columns="framework")


@register("transition-matrix")
def transition_matrix(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "transition-matrix", _transition_matrix_report)


def _standardised_progress_report(batch: ReportBatch) -> pd.DataFrame:
    tests = batch.reading_tests()
    ends = pd.to_datetime(tests[SCHOOL].map(batch.term_ends))
    tests = tests[tests["tested_on"] <= ends]
    upns = batch.pupil_groups()[["pupil_id", "upn"]]
    rows = metrics.standardised_progress(tests.merge(upns, on="pupil_id", how="inner"), by=[SCHOOL])
    return rows[[SCHOOL] + metrics.STANDARDISED_PROGRESS_COLUMNS]


@register("standardised-progress")
def standardised_progress(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "standardised-progress", _standardised_progress_report)


def _intervention_impact_rows(batch: ReportBatch) -> pd.DataFrame:
    """Every measure's rows (DOMAIN 9.7) with their extra columns: the report and the programme figures."""

    def compute() -> pd.DataFrame:
        kinds = datasets.enrolment_kinds(batch.enrolments_raw())
        observations = batch.measure_observations()
        batch.progress(40, "Enrolments and measures read")
        return metrics.measure_impact(metrics.select_pre_post_measures(kinds, observations, by=[SCHOOL]))

    return batch._once("impact_rows", compute)


def _intervention_impact_report(batch: ReportBatch) -> pd.DataFrame:
    return _intervention_impact_rows(batch)[[SCHOOL] + metrics.INTERVENTION_IMPACT_COLUMNS]


@register("intervention-impact")
def intervention_impact(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "intervention-impact", _intervention_impact_report)


def _no_gain_but_semh_report(batch: ReportBatch) -> pd.DataFrame:
    assessments = batch.assessments()
    measures = batch.semh_measures()
    batch.progress(50, "Assessments and measures read")
    table = metrics.no_gain_but_semh(
        assessments, measures, batch.term_index, subjects=batch.core_subjects(), by=[SCHOOL]
    )
    return table[[SCHOOL, "upn", "subjects_without_gain", "improved_measures"]]


@register("no-gain-but-semh")
def no_gain_but_semh(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "no-gain-but-semh", _no_gain_but_semh_report)


def _register_summary_report(batch: ReportBatch) -> pd.DataFrame:
    table = metrics.register_summary(batch.register_this_year(), batch.register_last_year(), by=[SCHOOL])
    if batch.governor:
        table = metrics.suppress_register_summary(table, by=[SCHOOL])
    return table


@register("register-summary")
def register_summary(ctx: ReportContext) -> pd.DataFrame:
    return _slice(ctx, "register-summary", _register_summary_report)


def context_for(
    *, school: School, academic_year: int, term: str, subject: str | None = None, governor: bool = False,
    progress: ProgressCallback | None = None,
) -> ReportContext:
    ctx = ReportContext(
        school=school,
        term=datasets.report_term(school, academic_year, term),
        scheme=datasets.points_scheme(school),
        subjects=datasets.subject_names(subject),
        governor=governor,
    )
    if progress:
        ctx.progress = progress
    return ctx


def contexts_for(
    *, schools: list[School], academic_year: int, term: str, subject: str | None = None, governor: bool = False,
) -> list[ReportContext]:
    """Contexts of several schools sharing one batch, in a fixed number of queries whatever their number."""
    terms = datasets.report_terms([s.pk for s in schools], academic_year, term)
    schemes = datasets.points_schemes(schools)
    subjects = datasets.subject_names(subject)
    contexts = [
        ReportContext(
            school=school, term=terms[school.pk], scheme=schemes[school.pk], subjects=subjects, governor=governor
        )
        for school in schools
    ]
    batch = ReportBatch(contexts)
    for ctx in contexts:
        ctx.batch = batch
    return contexts
