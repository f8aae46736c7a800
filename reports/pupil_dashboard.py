"""One pupil's dashboard: flight paths, reading ages and SEMH scores over time."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field, replace

from assessments.expected import (
    EXPECTATION_LEVELS,
    EXPECTATION_QUARTILE,
    choose_baseline,
    expected_gain,
    level_not_above,
    progress_span,
    progress_status,
)
from assessments.ladder import LadderError, PointsScheme
from pupils.models import Pupil
from reports import charts, datasets, figures_pupil, selectors
from reports.pupil_history import PupilHistory, chronological_months, pupil_history, sdq_total_band, stored_baselines
from reports.dashboards import Block, Cell, Table, fmt
from sencotrack.parsing import split_term, term_index, term_label


NOTE_FLIGHT = (
    "The line joins the pupil's teacher assessments, converted to points. The dashed line is expected progress from "
    "their baseline: baseline points + expected levels x 6 x terms elapsed / span terms (KS1: 2 levels in 12 terms; "
    "KS2: 3 in 15, or 2 in 9; KS3 and on entry: 2 in 9); the dotted line is one level more (exceeding). Shaded spans "
    "are interventions; stars are staff comments (at their recorded level, else at the pupil's latest result)."
)
NOTE_READING = (
    "Age-equivalent scores from each reading or spelling test, in years, against the pupil's age on the day of the "
    "test. Tests carry about +/-4 months of error, so small differences between two tests are not a change."
)
NOTE_SEMH = (
    "SDQ total difficulties (teacher version; lower is better; bands 0-11 close to average, 12-15 slightly raised, "
    "16-18 high, 19-40 very high) and the Boxall Profile's section totals (section I developmental strands, higher is "
    "better; section II diagnostic profile, lower is better), as recorded on each checklist."
)


@dataclass(frozen=True)
class PathPoint:
    day: dt.date
    points: float
    label: str
    result: str = ""
    level: str | None = None
    status: str = ""
    band: str = ""  # quartile rule only: which quarter of national progress (DOMAIN 9.9)


@dataclass(frozen=True)
class Span:
    start: dt.date
    end: dt.date
    label: str


@dataclass(frozen=True)
class CommentMark:
    day: dt.date
    points: float
    hover: str


@dataclass
class FlightPath:
    subject: str
    actual: list[PathPoint] = field(default_factory=list)
    baseline: PathPoint | None = None
    key_stage: str = ""
    expected: list[PathPoint] = field(default_factory=list)
    exceeding: list[PathPoint] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    comments: list[CommentMark] = field(default_factory=list)
    baseline_index: int | None = None
    # The quartile rule (reports.figures_pupil.apply_quartile_rule): expected is then the median line,
    # exceeding the upper quartile's, and lower the lower quartile's.
    expectation: str = "levels"
    lower: list[PathPoint] = field(default_factory=list)
    quartile_codes: tuple[str, str, str] | None = None

    @property
    def latest(self) -> PathPoint | None:
        return self.actual[-1] if self.actual else None

    @property
    def expected_now(self) -> PathPoint | None:
        """The expected line at the latest assessment's term."""
        if not self.actual or not self.expected:
            return None
        return next((p for p in self.expected if p.label == self.actual[-1].label), None)


@dataclass(frozen=True)
class ReadingPoint:
    day: dt.date
    measure: str
    months: int
    chronological_months: int
    test_name: str


@dataclass(frozen=True)
class SemhPoint:
    day: dt.date
    measure: str
    value: float
    higher_is_better: bool
    band: str = ""


def _points(scheme, result: str) -> float | None:
    try:
        return scheme.points_for(result)
    except LadderError:
        return None


def flight_paths(series: PupilHistory, scheme, ks2_span: str, *, today: dt.date) -> list[FlightPath]:
    """One flight path per subject the pupil has a baseline or teacher assessment in."""
    own_dates = series.term_dates

    def term_end(index: int) -> dt.date:
        return selectors.term_bounds(own_dates, *split_term(index))[1]

    subjects: dict[int, object] = {}
    for item in [*series.assessments, *series.baselines]:
        subjects.setdefault(item.subject_id, item.subject)
    spans = [
        Span(e.start_date, e.end_date or today, f"{e.intervention.programme.name}")
        for e in series.enrolments
    ]
    paths = []
    for subject in sorted(subjects.values(), key=lambda s: (s.position, s.name)):
        path = FlightPath(subject=subject.name, spans=spans)
        results = sorted(
            ((term_index(a.academic_year, a.term), a) for a in series.assessments if a.subject_id == subject.pk),
            key=lambda pair: pair[0],
        )
        results = [(i, a, _points(scheme, a.result)) for i, a in results]
        results = [(i, a, p) for i, a, p in results if p is not None]
        stored = stored_baselines(series.baselines, subject.pk)
        latest_index = results[-1][0] if results else max((b.term_index for b in stored), default=0) + 1
        chosen = choose_baseline(stored, latest_index, scheme)
        span = None
        if chosen is not None:
            span = progress_span(chosen.key_stage, ks2_span)
            base_points = _points(scheme, chosen.result)
            path.key_stage = chosen.key_stage
            path.baseline_index = chosen.term_index
            path.baseline = PathPoint(term_end(chosen.term_index), base_points, term_label(chosen.term_index),
                                      chosen.result, chosen.result)
            last = max(latest_index, chosen.term_index + 1)
            for index in range(chosen.term_index, last + 1):
                t = index - chosen.term_index
                expected = base_points + expected_gain(span, t)
                exceeding = base_points + expected_gain(span, t, extra_levels=1)
                day = term_end(index)
                level = level_not_above(expected, scheme)
                path.expected.append(PathPoint(day, expected, term_label(index), level=level))
                path.exceeding.append(PathPoint(day, exceeding, term_label(index)))
        for index, assessment, points in results:
            status = ""
            if chosen is not None and index > chosen.term_index:
                status = progress_status(points - path.baseline.points, span, index - chosen.term_index)
            day = assessment.assessed_on or term_end(index)
            path.actual.append(PathPoint(day, points, term_label(index), assessment.result, assessment.result, status))
        path.comments = _comment_marks(series.comments, subject, path, scheme)
        paths.append(path)
    return paths


def _comment_marks(comments, subject, path: FlightPath, scheme) -> list[CommentMark]:
    marks = []
    for comment in comments:
        if comment.subject_id not in (None, subject.pk):
            continue
        points = _points(scheme, comment.level) if comment.level else None
        if points is None:
            before = [p for p in path.actual if p.day <= comment.observed_on]
            anchor = before[-1] if before else (path.baseline or (path.actual[0] if path.actual else None))
            if anchor is None:
                continue
            points = anchor.points
        text = f"{comment.observed_on:%d/%m/%Y}"
        if comment.level:
            text += f" (level {html.escape(comment.level)})"
        text += f": {html.escape(comment.objective[:80])}<br>{html.escape(comment.outcome[:120])}"
        marks.append(CommentMark(comment.observed_on, points, text))
    return marks


def reading_points(series: PupilHistory) -> list[ReadingPoint]:
    born = series.pupil.date_of_birth
    return [
        ReadingPoint(t.tested_on, t.measure, t.age_equivalent_months, chronological_months(born, t.tested_on),
                     t.test_name)
        for t in series.reading_tests
    ]


def _boxall_section(scores: dict, section: str) -> float | None:
    if scores.get(section) is not None:  # section totals, keyed as assessments.semh.BOXALL_SECTIONS
        return float(scores[section])
    clusters = "ABCDEFGHIJ" if section == "I" else "QRSTUVWXYZ"
    values = [scores[c] for c in clusters if isinstance(scores.get(c), (int, float))]
    return float(sum(values)) if values else None


def semh_points(series: PupilHistory) -> list[SemhPoint]:
    out = []
    for checklist in series.semh:
        if checklist.instrument == "sdq" and checklist.total is not None:
            total = float(checklist.total)
            out.append(SemhPoint(checklist.completed_on, "SDQ total difficulties", total, False,
                                 sdq_total_band(checklist)))
        elif checklist.instrument == "boxall":
            for section, better in (("I", True), ("II", False)):
                value = _boxall_section(checklist.scores or {}, section)
                if value is not None:
                    out.append(SemhPoint(checklist.completed_on, f"Boxall section {section}", value, better))
        elif checklist.total is not None:
            name = checklist.instrument_name or "Other checklist"
            out.append(SemhPoint(checklist.completed_on, name, float(checklist.total), checklist.higher_is_better))
    return out


@dataclass
class PupilDashboard:
    pupil: Pupil
    provision: object | None
    flight_paths: list[FlightPath]
    blocks: list[Block]
    enrolments: list
    comments: list


def judged_paths(series, scheme: PointsScheme, school, *, today: dt.date) -> list:
    """The pupil's flight paths, each judged by the rule that covers it, expected points labelled in words."""
    from assessments.selectors import quartile_table

    paths = flight_paths(series, scheme, school.ks2_span, today=today)
    quartiles = quartile_table(school) if paths else None
    for path in paths:
        figures_pupil.apply_quartile_rule(path, quartiles, scheme, school.ks2_span)
        path.expected = [replace(p, level=figures_pupil.words(p.points, scheme)) for p in path.expected]
    return paths


def flight_block(path, index: int, scheme: PointsScheme):
    """The flight path chart with its table: every expected result in words, the rule that judged it."""
    quartile = getattr(path, "expectation", EXPECTATION_LEVELS) == EXPECTATION_QUARTILE
    expected = {p.label: p for p in path.expected}
    lower = {p.label: p for p in getattr(path, "lower", [])}
    upper = {p.label: p for p in path.exceeding}
    rows = []
    if path.baseline is not None:
        rows.append([Cell(f"{path.baseline.label} (baseline, {path.key_stage})"), Cell(path.baseline.result),
                     fmt(path.baseline.points), Cell("–", muted=True)]
                    + ([Cell("–", muted=True)] if quartile else []) + [Cell("")])
    for p in path.actual:
        e = expected.get(p.label)
        row = [Cell(p.label), Cell(p.result), fmt(p.points),
               Cell(figures_pupil.words(e.points, scheme)) if e else Cell("–", muted=True)]
        if quartile:
            lq, uq = lower.get(p.label), upper.get(p.label)
            row.append(Cell(f"{lq.points:.2f} / {uq.points:.2f}", numeric=True) if lq and uq else Cell("–", muted=True))
        status = charts.STATUS_LABELS.get(p.status, p.status or "–")
        band = getattr(p, "band", "")
        row.append(Cell(f"{status} ({band})" if band else status))
        rows.append(row)
    headers = ["Term", "Result", "Points", "Expected (median)" if quartile else "Expected"]
    if quartile:
        headers.append("Lower / upper quartile (points)")
    headers.append("Status")
    if quartile:
        lq, md, uq = path.quartile_codes
        rule = (f"Judged by the quartile rule: national outcomes from {path.baseline.result} ({path.key_stage}) are "
                f"lower quartile {lq}, median {md}, upper quartile {uq} by the end of the key stage.")
        note = figures_pupil.NOTE_FLIGHT_QUARTILE + figures_pupil.NOTE_WORDS
    else:
        rule = ("Judged by the levels rule (2 or 3 levels over the key stage, pro rata)." if path.baseline
                else "No baseline: nothing to judge progress from.")
        note = NOTE_FLIGHT + " " + figures_pupil.NOTE_WORDS
    table = Table(caption=f"{path.subject}: results against expected progress. {rule}", headers=headers, rows=rows,
                  empty="No results in this subject.")
    return Block(f"flight-{index}", f"{path.subject}: flight path", table, note, charts.flight_path(path),
                 summary=f"Line chart of {path.subject} results against the "
                         + ("national quartile lines." if quartile else "expected-progress line."))


def reading_block(points: list[ReadingPoint]) -> Block:
    table = Table(
        caption="Reading and spelling tests",
        headers=["Date", "Test", "Measure", "Age equivalent", "Chronological age", "Difference (months)"],
        rows=[
            [Cell(f"{p.day:%d/%m/%Y}"), Cell(p.test_name), Cell(p.measure),
             Cell(f"{p.months // 12}y {p.months % 12}m"),
             Cell(f"{p.chronological_months // 12}y {p.chronological_months % 12}m"),
             fmt(p.months - p.chronological_months)]
            for p in points
        ],
        empty="No reading or spelling tests recorded.",
    )
    return Block("reading-age", "Reading age against chronological age", table, NOTE_READING,
                 charts.reading_ages(points),
                 summary="Line chart of reading and spelling ages against chronological age.")


def semh_block(points: list[SemhPoint]) -> Block:
    table = Table(
        caption="SEMH checklists",
        headers=["Date", "Measure", "Score", "Band"],
        rows=[[Cell(f"{p.day:%d/%m/%Y}"), Cell(p.measure), Cell(f"{p.value:g}", numeric=True), Cell(p.band or "–")]
              for p in points],
        empty="No SDQ or Boxall checklists recorded.",
    )
    return Block("semh", "SEMH profile over time", table, NOTE_SEMH, charts.semh_profile(points),
                 summary="Line chart of SDQ and Boxall totals over time.")


def pupil_dashboard(pupil: Pupil, *, today: dt.date) -> PupilDashboard:
    school = pupil.school
    series = pupil_history(pupil)
    scheme = datasets.points_scheme(school)
    paths = judged_paths(series, scheme, school, today=today)
    blocks = [flight_block(path, i, scheme) for i, path in enumerate(paths)]
    finding = figures_pupil.no_gain_finding(pupil, series, scheme, datasets.core_subject_names())
    if finding:
        blocks.insert(0, figures_pupil.no_gain_block(finding))
    blocks.append(figures_pupil.standardised_block(series, today=today))
    blocks.append(reading_block(reading_points(series)))
    blocks.append(semh_block(semh_points(series)))
    provision = next(
        (e for e in series.register if e.start_date <= today and (e.end_date is None or e.end_date >= today)), None
    )
    return PupilDashboard(pupil, provision, paths, blocks, series.enrolments, series.comments[:10])
