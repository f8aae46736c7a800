"""The pupil progress page's newer figures: the quartile rule on the flight path (DOMAIN 9.9), expected
results in words, standardised-score progress (9.13) and the no-gain-but-SEMH finding (section 8).

``reports.pupil_dashboard.flight_paths`` draws the levels rule; :func:`apply_quartile_rule` redraws a
path the quartile table in force covers (``pupil_dashboard.judged_paths``), so every page judges alike.
"""

from __future__ import annotations

import datetime as dt
import pandas as pd

from assessments.expected import (
    EXPECTATION_LEVELS,
    EXPECTATION_QUARTILE,
    BaselineResult,
    pro_rata_quartile,
    progress_span,
    quartile_band,
    quartile_status,
)
from assessments.ladder import LadderError, PointsScheme, points_in_words
from reports import charts_figures, datasets, metrics
from reports.dashboards import Block, Cell, Table, fmt
from reports.explain import NOTES, TITLES

NOTE_FLIGHT_QUARTILE = (
    "Quartile rule (this pupil's baseline is below level 1 and the quartile table in force has their starting "
    "point): the three dashed lines are the national lower quartile, median and upper quartile of outcomes from the "
    "same starting point, each reached in step over the key stage: b + (Q - b) x min(t, S) / S, b the baseline "
    "points, Q the quartile's points, t terms since the baseline and S the span's terms. Expected: at or above the "
    "median line; exceeding: at or above the upper quartile line and above the median. "
)
NOTE_WORDS = (
    "Expected results are shown as points with the levels either side (20.6 points is between 3c and 3b), so a "
    "pupil on the lower level has not met it."
)


def words(points: float | None, scheme: PointsScheme) -> str:
    if points is None:
        return "–"
    try:
        return points_in_words(points, scheme)
    except LadderError:
        return f"{points:.2f} points"


def apply_quartile_rule(path, quartiles, scheme: PointsScheme, ks2_span: str) -> None:
    """Redraw ``path`` (``reports.pupil_dashboard.FlightPath``) by the quartile rule when it covers the baseline.

    The expected line becomes the pro-rata median, the exceeding line the upper quartile, and a
    lower-quartile line is added; each result's status is judged by DOMAIN 9.9. Without a row of
    the table in force (or with the setting off) the path keeps the levels rule.
    """
    path.expectation = EXPECTATION_LEVELS
    if path.baseline is None or path.baseline_index is None or quartiles is None:
        return
    chosen = BaselineResult(path.key_stage, path.baseline.result, path.baseline_index)
    found = quartiles.points_for(chosen, path.subject, ks2_span, scheme)
    if found is None:
        return
    path.expectation = EXPECTATION_QUARTILE
    path.quartile_codes = quartiles.codes_for(chosen, path.subject, ks2_span)
    span = progress_span(path.key_stage, ks2_span)
    base = path.baseline.points
    lower, median, upper = [], [], []
    for p in path.expected:  # one point per term from the baseline's
        t = path.expected.index(p)
        lq, md, uq = (pro_rata_quartile(base, q, t, span.span_terms) for q in found)
        lower.append(type(p)(p.day, lq, p.label))
        median.append(type(p)(p.day, md, p.label))
        upper.append(type(p)(p.day, uq, p.label))
    path.lower, path.expected, path.exceeding = lower, median, upper
    by_label = {p.label: i for i, p in enumerate(median)}
    judged = []
    for p in path.actual:
        i = by_label.get(p.label)
        if i is None or i == 0:
            judged.append(p)
            continue
        status = quartile_status(p.points, median[i].points, upper[i].points)
        band = quartile_band(p.points, lower[i].points, median[i].points, upper[i].points)
        judged.append(type(p)(p.day, p.points, p.label, p.result, p.level, status, band))
    path.actual = judged


# --- Standardised-score progress (DOMAIN 9.13) ----------------------------------------------------------


def standardised_rows(series, *, today: dt.date) -> list[dict]:
    """The pupil's standardised-score progress per measure, from tests dated up to ``today``."""
    tests = [t for t in series.reading_tests if t.standardised_score is not None and t.tested_on <= today]
    if not tests:
        return []
    frame = pd.DataFrame([
        {"pupil_id": t.pupil_id, "upn": series.pupil.upn, "measure": t.measure, "tested_on": t.tested_on,
         "standardised_score": t.standardised_score}
        for t in tests
    ])
    rows = metrics.round_for_output(metrics.standardised_progress(frame))
    return rows.drop(columns="pupil_id").to_dict("records")


def standardised_block(series, *, today: dt.date):

    rows = standardised_rows(series, today=today)
    table = Table(
        caption="Standardised-score progress per test measure",
        headers=["Measure", "Earlier score", "Earlier date", "Latest score", "Latest date", "Change", "Status"],
        rows=[
            [Cell(str(r["measure"]).capitalize()), fmt(r["earlier_score"]), Cell(f"{r['earlier_date']:%d/%m/%Y}"),
             fmt(r["latest_score"]), Cell(f"{r['latest_date']:%d/%m/%Y}"), fmt(r["change"]),
             Cell(str(r["status"]).capitalize())]
            for r in rows
        ],
        empty="No measure has two standardised scores at least 90 days apart.",
    )
    points = [t for t in series.reading_tests if t.standardised_score is not None and t.tested_on <= today]
    figure = charts_figures.standardised_scores(points) if points else None
    return Block("standardised-progress", TITLES["standardised-progress"], table, NOTES["standardised-progress"],
                 figure, summary="Line chart of standardised scores over time, with the average band 85 to 115.")


# --- No academic gain, but SEMH or qualitative gains (DOMAIN section 8) -------------------------------------


def no_gain_finding(pupil, series, scheme: PointsScheme, core_subjects: list[str]) -> dict | None:
    """The finding for the pupil's latest assessed term, or None when it does not apply.

    Their English or maths teacher assessment did not rise from the term before, and an SEMH or
    qualitative measure improved over the same two terms (the no-gain-but-SEMH report, one pupil).
    """
    results = []
    for a in series.assessments:
        try:
            points = scheme.points_for(a.result)
        except LadderError:
            continue
        if points is not None:
            results.append({"pupil_id": pupil.pk, "upn": pupil.upn, "subject": a.subject.name,
                            "term_index": a.term_index, "points": points})
    if not results:
        return None
    assessments = pd.DataFrame(results).drop_duplicates(["pupil_id", "subject", "term_index"], keep="last")
    latest = int(assessments["term_index"].max())
    measures = datasets.semh_measures_of([pupil.school_id], [latest - 1, latest])
    measures = measures[measures["pupil_id"] == pupil.pk]
    found = metrics.no_gain_but_semh(assessments, measures, latest, subjects=core_subjects)
    if found.empty:
        return None
    row = found.iloc[0]
    from sencotrack.parsing import term_label

    return {"term": term_label(latest), "subjects": row["subjects_without_gain"], "measures": row["improved_measures"]}


def no_gain_block(finding: dict):
    """The finding as a block at the top of the page: a positive thing to report."""

    table = Table(
        caption=f"No rise in {finding['subjects']} in {finding['term']}, but SEMH or qualitative gains",
        headers=["Term", "Subjects without a gain", "Measures that improved"],
        rows=[[Cell(finding["term"]), Cell(finding["subjects"]), Cell(finding["measures"])]],
    )
    return Block("no-gain-but-semh", "A positive finding: SEMH or qualitative gains", table, NOTES["no-gain-but-semh"])
