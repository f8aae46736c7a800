"""Plotly figures for the newer figures (DOMAIN 9.9-9.13): quartile bands, transition matrices as heat
maps, standardised scores and intervention impact per measure. Same conventions as ``reports.charts``
(JSON-ready dicts, Okabe-Ito colours with 3:1 contrast, every status also in words); the pack and the
governors' pages may reuse them. Suppressed cells are drawn as the word, never as a number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from assessments.ladder import ENGAGEMENT_SCALE, LadderError, ladder_position
from reports.charts import (
    BAR_TEXT,
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    SUPPRESSED,
    VERMILLION,
    _layout,
    _layout_dict,
    empty_figure,
    to_dict,
)

QUARTILE_BANDS = ("below lower quartile", "lower quartile to median", "median to upper quartile",
                  "upper quartile or above")
BAND_COLOURS = dict(zip(QUARTILE_BANDS, (VERMILLION, ORANGE, BLUE, GREEN), strict=True))


def quartile_bands(rows: Sequence[Mapping], *, title: str = "Pupils judged by the quartile rule, by band") -> dict:
    """Stacked bars per subject: how many quartile-rule results fall in each quarter of national progress."""
    judged = [r for r in rows if r.get("expectation") == "quartile"]
    if not judged:
        return empty_figure(title, "No result is judged by the quartile rule this term.")
    subjects = sorted({r["subject"] for r in judged})
    fig = go.Figure()
    for band in QUARTILE_BANDS:
        counts = [sum(1 for r in judged if r["subject"] == s and r.get("quartile_band") == band) for s in subjects]
        fig.add_trace(go.Bar(x=subjects, y=counts, name=band.capitalize(), marker={"color": BAND_COLOURS[band]},
                             text=[str(c) if c else "" for c in counts], textposition="inside",
                             hovertext=[f"{s}: {c} {band}" for s, c in zip(subjects, counts, strict=True)],
                             hoverinfo="text", **BAR_TEXT))
    _layout(fig, title=title, x_title="Subject", y_title="Results", barmode="stack")
    return to_dict(fig)


def transition_heatmap(cells: Sequence[Mapping], subject: str, *, title: str | None = None) -> dict:
    """A subject's NC transition matrix as a heat map: baseline results down, this term's across.

    ``cells``: transition-matrix rows of one subject's national-curriculum ladder (subject,
    baseline_result, current_result, n, on_or_above), in ladder order. The count is written in each
    cell, with "on or above expected" or "below expected" in the hover text; a suppressed cell shows
    the word.
    """
    title = title or f"{subject}: from each starting point to this term's result"
    if not cells:
        return empty_figure(title, "No pupil has a baseline and a result in this subject this term.")
    starts = sorted(dict.fromkeys(c["baseline_result"] for c in cells), key=_up_the_ladder)
    nows = sorted(dict.fromkeys(c["current_result"] for c in cells), key=_up_the_ladder)
    found = {(c["baseline_result"], c["current_result"]): c for c in cells}
    z, text, hover = [], [], []
    for start in starts:
        z_row, t_row, h_row = [], [], []
        for now in nows:
            cell = found.get((start, now))
            n = None if cell is None else cell.get("n")
            hidden = cell is not None and n is None
            z_row.append(None if cell is None or hidden else n)
            t_row.append(SUPPRESSED if hidden else ("" if cell is None else str(n)))
            verdict = "" if cell is None or cell.get("on_or_above") is None else (
                ", on or above expected" if cell["on_or_above"] else ", below expected")
            # An empty cell has no hover (hoverongaps off): its text would only say "0 pupils", hundreds of times.
            h_row.append("" if cell is None else
                         f"From {start} to {now}: " + (SUPPRESSED if hidden else f"{n} pupil(s){verdict}"))
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    # Plain JSON, as to_dict(go.Figure(go.Heatmap(...))) writes it: plotly's objects validate every
    # cell of z, text and hovertext, most of a cold dashboard's chart time (bench/RESULTS.md).
    trace = {
        "type": "heatmap", "x": nows, "y": starts, "z": z, "text": text, "texttemplate": "%{text}",
        "hovertext": hover, "hoverinfo": "text", "colorscale": [[0, "#eaf2fa"], [1, "#0b4f8a"]], "showscale": True,
        "colorbar": {"title": {"text": "Pupils"}}, "xgap": 2, "ygap": 2, "hoverongaps": False,
    }
    layout = _layout_dict({}, title=title, x_title="Result this term", y_title="Starting point (baseline)",
                          height=max(300, 60 + 40 * len(starts)))
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {**layout[axis], "type": "category", "showgrid": False}
    layout["yaxis"]["autorange"] = "reversed"  # the lowest starting point at the top, as the tables list them
    layout["template"] = {"data": {"scatter": [{"type": "scatter"}]}}  # what plotly writes for template "none"
    return {"data": [trace], "layout": layout}


def _up_the_ladder(code: str) -> tuple:
    """National-curriculum codes by position, then pre-key-stage standards (PK1-PK6), then engagement ratings."""
    try:
        return (0, ladder_position(code), code)
    except (LadderError, ValueError, KeyError):
        word = str(code).strip().lower()
        if word in ENGAGEMENT_SCALE:
            return (2, float(ENGAGEMENT_SCALE.index(word)), code)
        return (1, 0.0, code)


def standardised_scores(tests: Sequence, *, title: str = "Standardised scores over time") -> dict:
    """Each test measure's standardised scores by date, with the average band (85-115) marked."""
    if not tests:
        return empty_figure(title, "No standardised scores recorded.")
    fig = go.Figure()
    measures = list(dict.fromkeys(t.measure for t in sorted(tests, key=lambda t: t.measure)))
    colours = (BLUE, ORANGE, GREEN, VERMILLION)
    for i, measure in enumerate(measures):
        points = sorted((t for t in tests if t.measure == measure), key=lambda t: t.tested_on)
        fig.add_trace(go.Scatter(
            x=[t.tested_on.isoformat() for t in points], y=[t.standardised_score for t in points],
            mode="lines+markers", name=str(measure).capitalize(), line={"color": colours[i % 4], "width": 2},
            hovertext=[f"{t.tested_on:%d/%m/%Y} {t.test_name}: {t.standardised_score}" for t in points],
            hoverinfo="text",
        ))
    fig.add_hrect(y0=85, y1=115, fillcolor="rgba(107, 114, 128, 0.10)", line={"width": 0}, layer="below",
                  annotation={"text": "average range 85-115", "font": {"size": 10}}, annotation_position="top left")
    _layout(fig, title=title, x_title="Date", y_title="Standardised score")
    fig.update_xaxes(type="date")
    return to_dict(fig)


def standardised_summary(rows: Sequence[Mapping], *, title: str = "Standardised-score progress by measure") -> dict:
    """Stacked bars per measure: pupils who accelerated, kept pace and fell behind."""
    if not rows:
        return empty_figure(title, "No pupil has two standardised scores at least 90 days apart.")
    measures = [str(r["measure"]).capitalize() for r in rows]
    fig = go.Figure()
    for key, label, colour in (("fell_behind", "Fell behind", VERMILLION), ("kept_pace", "Kept pace", BLUE),
                               ("accelerated", "Accelerated", GREEN)):
        counts = [int(r[key]) for r in rows]
        fig.add_trace(go.Bar(x=measures, y=counts, name=label, marker={"color": colour},
                             text=[str(c) if c else "" for c in counts], textposition="inside",
                             hovertext=[f"{m}: {c} {label.lower()}" for m, c in zip(measures, counts, strict=True)],
                             hoverinfo="text", **BAR_TEXT))
    _layout(fig, title=title, x_title="Measure", y_title="Pupils", barmode="stack")
    return to_dict(fig)


def effect_sizes(rows: Sequence[Mapping], *, title: str = "Intervention impact: effect size by programme and measure") -> dict:
    """Horizontal bars of each programme and measure's effect size (mean gain / sd); 0.2, 0.5, 0.8 marked."""
    shown = [r for r in rows if r.get("effect_size") is not None]
    if not shown:
        return empty_figure(title, "No programme has an effect size yet (it needs pupils with a pre and post result).")
    labels = [f"{r['programme']}: {r['measure']}" for r in shown]
    values = [float(r["effect_size"]) for r in shown]
    fig = go.Figure(go.Bar(
        x=values, y=labels, orientation="h", marker={"color": [GREEN if v >= 0 else VERMILLION for v in values]},
        text=[f"{v:.2f}" for v in values], textposition="outside",
        hovertext=[f"{lab}: effect size {v:.2f} ({int(r['n'])} pupils)" for lab, v, r in zip(labels, values, shown,
                                                                                          strict=True)],
        hoverinfo="text", name="Effect size", **BAR_TEXT,
    ))
    for x in (0.2, 0.5, 0.8):
        fig.add_vline(x=x, line={"color": GREY, "dash": "dot", "width": 1})
    _layout(fig, title=title, x_title="Effect size (mean gain / sd)", y_title="",
            height=max(300, 80 + 36 * len(shown)))
    fig.update_yaxes(autorange="reversed", type="category")
    return to_dict(fig)
