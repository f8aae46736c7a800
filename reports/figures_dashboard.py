"""The SENCo's and teachers' dashboard blocks for the newer figures (DOMAIN 9.9-9.13, section 8).

Quartile-rule expected progress, starting points with the national comparison, transition matrices
as heat maps with their tables, standardised-score progress, the no-gain-but-SEMH list and
intervention impact per programme and measure (effect size, cost per unit gained). Each block is a
chart with the same figures in a table, and its "how this is calculated" note. Built from report
rows (stored runs first, ``reports.dashboards.report_rows``), so a page and a run agree.
"""

from __future__ import annotations

import pandas as pd

from assessments.ladder import LadderError, PointsScheme, points_in_words
from reports import charts, charts_figures, dashboards, datasets, generators, metrics
from reports.explain import FIGURE_NOTES, NOTES, TITLES


NOTE_SOURCES = (
    " The reference tables in force are listed, with where their figures come from, on the reference sets page."
)
NOTE_IMPACT_MEASURES = FIGURE_NOTES["intervention-measures"] + (
    " Effect sizes of about 0.2 are usually called small, 0.5 medium and 0.8 large (a rule of thumb, Cohen)."
)


def _dash():
    return dashboards


def _words(points, scheme: PointsScheme) -> str:
    if points is None:
        return "–"
    try:
        return points_in_words(float(points), scheme)
    except LadderError:
        return f"{float(points):.2f} points"


# --- Quartile expectations (DOMAIN 9.9) ---------------------------------------------------------------


def quartile_block(ep: list[dict], names: dict, scheme: PointsScheme, setting_label: str):
    d = _dash()
    judged = [r for r in ep if r.get("expectation") == "quartile"]
    table = d.Table(
        caption="Results judged by the quartile rule this term",
        headers=["Pupil", "Subject", "Baseline", "Current", "Expected (national median, pro rata)", "Band", "Status"],
        rows=[
            [d._pupil_link(names, r["upn"]), d.Cell(r["subject"]),
             d.Cell(f"{r['baseline_result']} ({r['baseline_points']:g})"),
             d.Cell(f"{r['current_result']} ({r['current_points']:g})"),
             d.Cell(_words(r["expected_points"], scheme)), d.Cell((r.get("quartile_band") or "–").capitalize()),
             d.Cell(charts.STATUS_LABELS.get(r["status"], r["status"]))]
            for r in sorted(judged, key=lambda r: (r["subject"], r["upn"]))
        ],
        empty=f"No result is judged by the quartile rule this term (the school's setting: {setting_label.lower()}).",
    )
    note = (FIGURE_NOTES["quartile-expectations"] + " Expected results are shown as points with the levels either "
            "side, so a pupil on the lower level has not met it." + NOTE_SOURCES)
    return d.Block("quartile-expectations", "Quartile expectations: pupils working below level 1", table, note,
                   charts_figures.quartile_bands(judged),
                   summary="Stacked bar chart of quartile-rule results by band, per subject.")


# --- Starting points with the national comparison (DOMAIN 9.5, 9.10) -----------------------------------------


def starting_points_block(rows: list[dict]):
    d = _dash()
    table = d.Table(
        caption="Progress from starting points, against the national figures from the same starting point",
        headers=["Subject", "Starting point", "Pupils", "% at least expected", "% more than expected",
                 "National % at least expected", "National % more than expected", "Gap (points)"],
        rows=[],
        empty="No starting points: nobody has a baseline and an assessment in this term.",
    )
    for r in rows:
        hidden = bool(r.get("suppressed"))
        table.rows.append([
            d.Cell(r["subject"]), d.Cell(str(r["starting_point"])), d.fmt(r["n"], suppressed=hidden),
            d.fmt(r["pct_expected"], suppressed=hidden), d.fmt(r["pct_more_than_expected"], suppressed=hidden),
            d.fmt(r.get("national_pct_expected")), d.fmt(r.get("national_pct_more_than_expected")),
            d.fmt(r.get("gap_expected"), suppressed=hidden),
        ])
    return d.Block("starting-points", TITLES["starting-points"], table, NOTES["starting-points"] + NOTE_SOURCES,
                   starting_points_chart(rows),
                   summary="Bar chart of the percentage at least expected from each starting point, with the "
                           "national percentage beside it where the national table has the starting point.",
                   wide=True)


def starting_points_chart(rows: list[dict], *, title: str = "At least expected progress: ours and national") -> dict:
    """Our percentage at least expected from each starting point, with the national one beside it.

    A suppressed starting point (a governors' copy, DOMAIN 9.8) keeps its place on the axis with the
    word "suppressed" where our bar would be, never a number: our bar, its label and its hover text
    say "suppressed". The national bar is drawn for it all the same (the national figures are not
    the school's pupils).
    """
    import plotly.graph_objects as go

    drawn = [r for r in rows if r.get("suppressed") or r.get("pct_expected") is not None]
    if not any(not r.get("suppressed") for r in drawn):
        return charts.empty_figure(title, "No starting point to show." if not drawn else
                                   "Every starting point has fewer than 5 pupils, or is hidden with one: suppressed.")
    labels = [f"{r['subject']} from {r['starting_point']}" for r in drawn]
    hidden = [bool(r.get("suppressed")) for r in drawn]
    fig = go.Figure()
    # Horizontal bars, a line per starting point in the table's order: a school has dozens of them.
    fig.add_trace(go.Bar(
        y=labels, x=[None if h else r["pct_expected"] for r, h in zip(drawn, hidden, strict=True)], orientation="h",
        name="This school", marker={"color": charts.BLUE},
        hovertext=[f"{lab}: {charts.SUPPRESSED} (fewer than 5 pupils, or hidden with them)" if h
                   else f"{lab}: {r['pct_expected']:.2f}% ({charts._whole(r['n'])} pupils)"
                   for lab, r, h in zip(labels, drawn, hidden, strict=True)],
        hoverinfo="text"))
    fig.add_trace(go.Bar(y=labels, x=[r.get("national_pct_expected") for r in drawn], orientation="h",
                         name="National", marker={"color": charts.GREY},
                         hovertext=[f"{lab}: national {r['national_pct_expected']:.2f}%"
                                    if r.get("national_pct_expected") is not None else f"{lab}: no national figure"
                                    for lab, r in zip(labels, drawn, strict=True)],
                         hoverinfo="text"))
    words = [lab for lab, h in zip(labels, hidden, strict=True) if h]
    if words:  # the word where our bar would be (a bar of no length draws no label)
        fig.add_trace(go.Scatter(
            y=words, x=[0] * len(words), mode="text", text=[charts.SUPPRESSED] * len(words),
            textposition="middle right", textfont={"color": charts.GREY}, name="Suppressed (fewer than 5 pupils)",
            hovertext=[f"{lab}: {charts.SUPPRESSED} (fewer than 5 pupils, or hidden with them)" for lab in words],
            hoverinfo="text"))
    charts._layout(fig, title=title, x_title="% at least expected", y_title="", barmode="group",
                   height=max(300, 110 + 30 * len(labels)),
                   xaxis={"range": [0, 100]},
                   yaxis={"type": "category", "categoryorder": "array", "categoryarray": list(reversed(labels))})
    return charts.to_dict(fig)


# --- Transition matrices (DOMAIN 9.12, 9.14) ---------------------------------------------------------------------


def transition_blocks(rows: list[dict]) -> list:
    """Per subject, a heat map with its table: one for the national-curriculum ladder (sub-levels and
    P-scales) and one for pre-key-stage standards or engagement ratings, steps on their own ladder
    (DOMAIN 9.14), which never mix with points and have no expected-progress verdict."""
    d = _dash()
    subjects = list(dict.fromkeys(r["subject"] for r in rows))
    blocks = []
    for i, subject in enumerate(subjects):
        cells = [r for r in rows if r["subject"] == subject]
        nc = [r for r in cells if r.get("on_or_above") is not None]
        steps = [r for r in cells if r.get("on_or_above") is None]
        if nc:
            blocks.append(d.Block(
                f"transition-{i}", f"{subject}: transition matrix", _matrix_table(subject, nc, verdict=True),
                NOTES["transition-matrix"], charts_figures.transition_heatmap(nc, subject),
                summary=f"Heat map of {subject} pupils by starting point (down) and this term's result (across).",
            ))
        if steps:
            title = f"{subject}: pre-key-stage standards and engagement"
            blocks.append(d.Block(
                f"transition-{i}-steps", title, _matrix_table(subject, steps, verdict=False),
                NOTES["transition-matrix"] + " " + NOTE_STEPS,
                charts_figures.transition_heatmap(steps, subject, title=f"{title}: from the earliest result in the "
                                                                        "key stage to this term's"),
                summary=f"Heat map of {subject} pupils by their earliest pre-key-stage standard or engagement rating "
                        "in the key stage (down) and this term's (across).",
            ))
    if not blocks:
        blocks.append(d.Block("transition-0", TITLES["transition-matrix"],
                              d.Table("Transition matrix", ["Starting point", "Result this term", "Pupils"],
                                      empty="No pupil has a baseline and a result this term."),
                              NOTES["transition-matrix"]))
    return blocks


NOTE_STEPS = (
    "Pre-key-stage standards (PK1 to PK6) and engagement ratings (not yet, emerging, developing, established) are "
    "ladders of their own: a pupil moves from the earliest result in their key stage to this term's, counted in "
    "steps, never in points, and with no expected-progress verdict."
)


def _matrix_table(subject: str, cells: list[dict], *, verdict: bool):
    d = _dash()
    headers = ["Starting point", "Result this term", "Pupils"] + (["On or above expected"] if verdict else [])
    return d.Table(
        limit=d.LIST_ROWS,
        caption=f"{subject}: pupils by starting point and this term's result",
        headers=headers,
        rows=[
            [d.Cell(r["baseline_result"]), d.Cell(r["current_result"]), d.fmt(r["n"], suppressed=r["n"] is None)]
            + ([d.Cell("yes" if r["on_or_above"] else "no")] if verdict else [])
            for r in cells
        ],
    )


# --- Standardised-score progress (DOMAIN 9.13) ----------------------------------------------------------------------


def standardised_blocks(rows: list[dict], names: dict | None) -> list:
    d = _dash()
    frame = pd.DataFrame(rows, columns=metrics.STANDARDISED_PROGRESS_COLUMNS)
    summary = [] if frame.empty else metrics.round_for_output(
        metrics.standardised_progress_summary(frame)).to_dict("records")
    table = d.Table(
        caption="Standardised-score progress per test measure",
        headers=["Measure", "Pupils", "Mean change", "Effect size", "Accelerated", "Kept pace", "Fell behind"],
        rows=[
            [d.Cell(str(r["measure"]).capitalize()), d.fmt(int(r["n"])), d.fmt(float(r["mean_change"])),
             d.fmt(float(r["effect_size"])), d.fmt(int(r["accelerated"])), d.fmt(int(r["kept_pace"])),
             d.fmt(int(r["fell_behind"]))]
            for r in summary
        ],
        empty="No pupil has two standardised scores at least 90 days apart by the end of this term.",
    )
    blocks = [d.Block("standardised-progress", TITLES["standardised-progress"], table, NOTES["standardised-progress"],
                      charts_figures.standardised_summary(summary),
                      summary="Stacked bar chart of pupils who accelerated, kept pace or fell behind, per measure.")]
    if names is not None:
        order = {"fell behind": 0, "kept pace": 1, "accelerated": 2}
        rows = sorted(rows, key=lambda r: (order.get(str(r["status"]), 3), float(r["change"] or 0)))
        detail = d.Table(
            limit=d.LIST_ROWS,
            caption="Standardised-score change per pupil and measure: those who fell behind first",
            headers=["Pupil", "Measure", "Earlier", "Latest", "Change", "Status"],
            rows=[
                [d._pupil_link(names, r["upn"]), d.Cell(str(r["measure"]).capitalize()),
                 d.Cell(f"{r['earlier_score']} ({_day(r['earlier_date'])})"),
                 d.Cell(f"{r['latest_score']} ({_day(r['latest_date'])})"), d.fmt(r["change"]),
                 d.Cell(str(r["status"]).capitalize())]
                for r in rows
            ],
            empty="No pupil has two standardised scores at least 90 days apart by the end of this term.",
        )
        blocks.append(d.Block("standardised-pupils", "Standardised-score progress per pupil", detail,
                              NOTES["standardised-progress"]))
    return blocks


def _day(value) -> str:
    text = str(value or "")
    if len(text) >= 10 and text[4] == "-":
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}"
    return text


# --- No gain, but SEMH or qualitative gains (section 8) -------------------------------------------------------------


def no_gain_block(rows: list[dict], names: dict):
    d = _dash()
    table = d.Table(
        limit=d.LIST_ROWS,
        caption="Pupils with no rise in English or maths this term whose SEMH or qualitative measures improved",
        headers=["Pupil", "Subjects without a gain", "Measures that improved"],
        rows=[[d._pupil_link(names, r["upn"]), d.Cell(r["subjects_without_gain"]), d.Cell(r["improved_measures"])]
              for r in rows],
        empty="No pupil this term: nobody's SEMH or qualitative measures improved while English or maths stood still.",
    )
    return d.Block("no-gain-but-semh", TITLES["no-gain-but-semh"], table, NOTES["no-gain-but-semh"])


# --- Intervention impact per programme and measure (DOMAIN 9.7) ----------------------------------------------------


def impact_frame(school, *, academic_year: int, term: str, upns: set[str] | None = None,
                 with_costs: bool = True) -> pd.DataFrame:
    """Per programme and measure: pupils, mean pre, post, change, effect size, ratio gain, cost per unit gained.

    ``upns``: only these pupils (a teacher's own), and then no costs (a cost is the whole programme's).
    """
    ctx = generators.context_for(school=school, academic_year=academic_year, term=term)
    impact = generators._intervention_impact_rows(ctx.batch)
    if upns is not None:
        impact = impact[impact["upn"].isin(upns)]
    interventions = None
    if with_costs and upns is None:
        interventions, _ = datasets.intervention_costs_inputs(school, ctx.term.end)
    return metrics.round_for_output(metrics.programme_measure_impact(impact, interventions))


UNITS = {"reading": "month", "spelling": "month", "standardised": "point", "sdq": "point", "boxall": "point",
         "rating": "step", "level": "point"}


def impact_block(frame: pd.DataFrame, *, with_costs: bool = True):
    d = _dash()
    rows = d._records(frame)
    headers = ["Programme", "Measure", "Pupils", "Mean pre", "Mean post", "Mean change", "Effect size",
               "Mean ratio gain", "Band"]
    if with_costs:
        headers += ["Cost to date (£)", "Gained", "£ per unit gained"]
    table = d.Table(caption="Intervention impact per programme and measure", headers=headers, rows=[],
                    empty="No enrolment has ended with a result before and after it.")
    for r in rows:
        line = [d.Cell(r["programme"]), d.Cell(r["measure"]), d.fmt(int(r["n"])), d.fmt(r["mean_pre"]),
                d.fmt(r["mean_post"]), d.fmt(r["mean_change"]), d.fmt(r["effect_size"]), d.fmt(r["mean_ratio_gain"]),
                d.Cell(r["band"] or "–")]
        if with_costs:
            unit = UNITS.get(r["kind"], "unit")
            per = r.get("cost_per_unit_gained")
            line += [d.fmt(r.get("cost_to_date")), d.fmt(r.get("units_gained")),
                     d.Cell(f"{per:.2f} per {unit}", numeric=True) if per is not None else d.Cell("–", muted=True)]
        table.rows.append(line)
    return d.Block("impact-measures", "Intervention impact per programme and measure", table, NOTE_IMPACT_MEASURES,
                   charts_figures.effect_sizes(rows),
                   summary="Bar chart of the effect size of each programme on each measure.")


# --- The blocks in their order on the page --------------------------------------------------------------------------


def add_blocks(dashboard, school, rows: dict[str, list[dict]], *, ep: list[dict], impact: list[dict], names: dict,
               teacher: bool, pack: dict | None = None) -> None:
    """Append the blocks after the cohort chart and the expected-progress table.

    A teacher's figures are worked out from their own pupils alone (``ep`` and ``impact`` are
    theirs already); whole-school figures (value added, costs, the school's transition matrix) are
    the SENCo's. ``pack``: the own figures of the termly pack the intervention-impact rows came from
    (``pack_content.pack_extras``): its per-programme table and costs are drawn as stored, the same
    figures :func:`impact_frame` and ``costs_frame`` give; a pack stored without them, or none, and
    they are worked out now.
    """
    d = _dash()
    year, term = dashboard.academic_year, dashboard.term
    scheme = datasets.points_scheme(school)
    setting = school.get_quartile_expectations_display()
    dashboard.blocks.append(quartile_block(ep, names, scheme, setting))
    if teacher:
        frame = pd.DataFrame(ep, columns=["subject", "baseline_result", "baseline_points", "status"])
        own = metrics.round_for_output(metrics.starting_points(frame)) if ep else pd.DataFrame(
            columns=metrics.STARTING_POINTS_COLUMNS)
        dashboard.blocks.append(d.starting_points_block(d._records(own)))
        standardised = [r for r in rows["standardised-progress"] if r["upn"] in names]
        no_gain = [r for r in rows["no-gain-but-semh"] if r["upn"] in names]
    else:
        dashboard.blocks.append(starting_points_block(rows["starting-points"]))
        dashboard.blocks.append(d.value_added_block(rows["value-added"]))
        dashboard.blocks.extend(transition_blocks(rows["transition-matrix"]))
        standardised = rows["standardised-progress"]
        no_gain = rows["no-gain-but-semh"]
    dashboard.blocks.extend(standardised_blocks(standardised, names))
    dashboard.blocks.append(no_gain_block(no_gain, names))
    dashboard.blocks.extend(d.ratio_gain_block(impact, names))
    pack = {} if teacher else (pack or {})
    if "programmes" in pack:
        frame = pd.DataFrame(pack["programmes"])
    else:
        upns = {r["upn"] for r in impact} if teacher else None
        frame = impact_frame(school, academic_year=year, term=term, upns=upns, with_costs=not teacher)
    dashboard.blocks.append(impact_block(frame, with_costs=not teacher))
    if not teacher:
        costs = pd.DataFrame(pack["costs"]) if "costs" in pack else d.costs_frame(school, academic_year=year, term=term)
        dashboard.blocks.append(d.costs_block(costs))
