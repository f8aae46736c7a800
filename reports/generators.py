"""The report registry: each kind of report reads its datasets and calls the pure metrics.

One computation serves ``manage.py run_report``, the Celery task and the pages. A report is a
rounded DataFrame with the contract's columns (DESIGN.md) plus a little metadata.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from assessments.ladder import PointsScheme
from pupils.models import School
from reports import datasets, metrics
from sencotrack.csvsafe import neutralise
from sencotrack.parsing import format_academic_year

ProgressCallback = Callable[[int, str], None]


@dataclass
class ReportContext:
    school: School
    term: datasets.ReportTerm
    scheme: PointsScheme
    subjects: list[str] | None = None
    governor: bool = False
    progress: ProgressCallback = lambda percent, note: None
    # Expected-progress rows feed three reports; a pack computes them once per context.
    _ep_rows: pd.DataFrame | None = field(default=None, repr=False)


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
                frame[column] = frame[column].map(neutralise)
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, float_format="%.2f", lineterminator="\r\n")
        return buffer.getvalue()


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
GOVERNOR_SAFE = {"value-added", "starting-points", "register-summary"}


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
    return Report(kind=kind, frame=frame.reset_index(drop=True), meta=meta)


# --- The reports -------------------------------------------------------------------------------


def _expected_progress_rows(ctx: ReportContext) -> pd.DataFrame:
    if ctx._ep_rows is None:
        ctx._ep_rows = _compute_expected_progress_rows(ctx)
    return ctx._ep_rows


def _compute_expected_progress_rows(ctx: ReportContext) -> pd.DataFrame:
    base = datasets.baselines(ctx.school, ctx.scheme, ctx.subjects)
    ctx.progress(20, "Baselines read")
    selected = metrics.select_baselines(base, ctx.term.index)
    current = datasets.teacher_assessments(ctx.school, ctx.scheme, [ctx.term.index], ctx.subjects)
    groups = datasets.pupil_groups(ctx.school, ctx.term.end)
    current = current[["pupil_id", "upn", "subject", "result", "points"]].merge(
        groups.drop(columns=["upn"]), on="pupil_id", how="left"
    )
    ctx.progress(50, "Assessments read")
    spans = metrics.progress_spans(ctx.school.ks2_span)
    return metrics.expected_progress(selected, current, ctx.term.index, spans)


@register("expected-progress")
def expected_progress(ctx: ReportContext) -> pd.DataFrame:
    return _expected_progress_rows(ctx)[metrics.EXPECTED_PROGRESS_COLUMNS]


@register("starting-points")
def starting_points(ctx: ReportContext) -> pd.DataFrame:
    table = metrics.starting_points(_expected_progress_rows(ctx))[metrics.STARTING_POINTS_COLUMNS]
    if ctx.governor:
        table = metrics.suppress_small(table, "n", ["pct_expected", "pct_more_than_expected"])
    return table


@register("value-added")
def value_added(ctx: ReportContext) -> pd.DataFrame:
    ep = _expected_progress_rows(ctx)
    frame = ep.rename(columns={"current_points": "outcome_points"})
    ctx.progress(70, "Value added computed")
    table = metrics.value_added(frame)[metrics.VALUE_ADDED_COLUMNS]
    if ctx.governor:
        table = metrics.suppress_small(table, "n")
    return table


@register("intervention-impact")
def intervention_impact(ctx: ReportContext) -> pd.DataFrame:
    enrolments = datasets.enrolments_ended_by(ctx.school, ctx.term.end)
    tests = datasets.reading_tests(ctx.school)
    ctx.progress(40, "Enrolments and tests read")
    prepost = metrics.select_pre_post(enrolments, tests)
    return metrics.ratio_gains(prepost)[metrics.INTERVENTION_IMPACT_COLUMNS]


@register("no-gain-but-semh")
def no_gain_but_semh(ctx: ReportContext) -> pd.DataFrame:
    terms = [ctx.term.index - 1, ctx.term.index]
    assessments = datasets.teacher_assessments(ctx.school, ctx.scheme, terms)
    measures = datasets.semh_measures(ctx.school, terms)
    ctx.progress(50, "Assessments and measures read")
    core = datasets.core_subject_names()
    table = metrics.no_gain_but_semh(assessments, measures, ctx.term.index, subjects=core)
    return table[["upn", "subjects_without_gain", "improved_measures"]]


@register("register-summary")
def register_summary(ctx: ReportContext) -> pd.DataFrame:
    this_year = datasets.register_entries_on(ctx.school, ctx.term.end)
    last = datasets.report_term(ctx.school, ctx.term.academic_year - 1, ctx.term.term)
    previous = datasets.register_entries_on(ctx.school, last.end)
    table = metrics.register_summary(this_year, previous)
    if ctx.governor:
        table = metrics.suppress_small(table, ["this_year", "previous_year"], ["change"])
    return table


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
