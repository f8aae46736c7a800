"""Plotly figures for the dashboards, built from report rows and metrics output.

Each returns the figure as a JSON-ready dict, drawn by ``static/js/charts.js`` with the vendored
bundle (scatter, bar and heatmap only: another trace type must be added in tools/plotly-bundle).
Okabe-Ito colours darkened to WCAG contrast, statuses told by marker shape and words too; a
suppressed row is the word "suppressed", never a number. See docs/accessibility.md.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from reports import metrics

# Okabe & Ito (2008), "Color Universal Design", with orange, sky blue, green and purple darkened to
# the same hues: contrast with white in brackets (Okabe-Ito's own: orange 2.3, sky blue 2.3, green
# 3.4, purple 3.1). Yellow is kept for reference only: 1.3:1, never drawn on white.
BLACK = "#000000"  # 21
ORANGE = "#A86200"  # 4.8 (Okabe-Ito #E69F00)
SKY_BLUE = "#3A8FC7"  # 3.5 (#56B4E9): lines and bars only, never under text
GREEN = "#007F5F"  # 5.0 (#009E73)
YELLOW = "#F0E442"
BLUE = "#0072B2"  # 5.2
VERMILLION = "#D55E00"  # 3.9; 3.2 at the cohort chart's 0.85 opacity
PURPLE = "#A8508A"  # 5.0 (#CC79A7)
GREY = "#6B7280"  # 4.8
TEXT = "#1f2933"  # 14.8
SHADE = "rgba(58, 143, 199, 0.18)"  # sky blue, faint: the shading of an intervention's weeks
SERIES = (BLUE, ORANGE, GREEN, PURPLE, SKY_BLUE, VERMILLION, BLACK)

STATUS_COLOURS = {"below": VERMILLION, "expected": BLUE, "exceeding": GREEN}
STATUS_SYMBOLS = {"below": "triangle-down", "expected": "circle", "exceeding": "triangle-up"}
STATUS_LABELS = {"below": "Below expected", "expected": "Expected", "exceeding": "Exceeding"}

SIGNIFICANCE_COLOURS = {"above": GREEN, "in line": BLUE, "below": VERMILLION}
SIGNIFICANCE_SYMBOLS = {"above": "triangle-up", "in line": "circle", "below": "triangle-down"}

GROUP_LABELS = {
    "all": "All pupils",
    "sen": "SEN (K or E)",
    "sen_support": "SEN support (K)",
    "ehcp": "EHC plan (E)",
    "no_sen": "No SEN",
    "pupil_premium": "Pupil premium",
    "not_pupil_premium": "Not pupil premium",
    "eal": "EAL",
    "not_eal": "Not EAL",
    "looked_after": "Looked after",
    "not_looked_after": "Not looked after",
    "female": "Female",
    "male": "Male",
    **{f"year_{year}": f"Year {year}" for year in range(7, 14)},
    "need_communication": "Communication and interaction",
    "need_cognition": "Cognition and learning",
    "need_semh": "SEMH",
    "need_sensory": "Sensory and/or physical",
}
SUPPRESSED = "suppressed"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


# --- Helpers -------------------------------------------------------------------------------------


def to_dict(fig: go.Figure) -> dict:
    """The figure as plain JSON types (what ``json_script`` can write)."""
    return json.loads(fig.to_json())


# Axis lines 4.8:1 on white (gridlines are faint on purpose: they are decoration, not data).
AXIS = {"showgrid": True, "gridcolor": "#e5e7eb", "zeroline": False, "linecolor": GREY, "showline": True,
        "automargin": True}
# Bar labels: white inside a bar, dark outside one. The first four SERIES colours (a chart of bars
# by measure has two: reading and spelling) are 4.5:1 or more with white.
BAR_TEXT = {"insidetextfont": {"color": "#ffffff"}, "outsidetextfont": {"color": TEXT}}


def _merged(base: dict, new: dict) -> dict:
    """``base`` updated with ``new``, nested dicts merged key by key (as plotly's update_layout does)."""
    out = dict(base)
    for key, value in new.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _layout(fig: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 380, **extra) -> None:
    # The whole layout is assigned at once: plotly's update_layout and update_xaxes validate property
    # by property and cost about ten times as much (a dashboard assembles several figures).
    fig.layout = _layout_dict(fig.layout.to_plotly_json(), title=title, x_title=x_title, y_title=y_title,
                              height=height, **extra)


def _layout_dict(base: dict, *, title: str, x_title: str, y_title: str, height: int = 380, **extra) -> dict:
    layout = _merged(base, {
        "template": "none",
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 16}},
        "font": {"family": FONT, "size": 13, "color": TEXT},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "height": height + 50,
        # The legend sits at the foot of the figure, below the x axis title (never over it).
        "margin": {"l": 64, "r": 24, "t": 56, "b": 120},
        "legend": {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.01, "x": 0, "xanchor": "left"},
        "hoverlabel": {"font": {"family": FONT}},
        **extra,
    })
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        layout[axis] = _merged(layout.get(axis) or {}, {"title": {"text": text}, **AXIS})
    return layout


def _scatter_figure(traces: list[dict], layout: dict) -> dict:
    """A figure of scatter traces as plain JSON types, as ``to_dict(go.Figure(...))`` gives it.

    For a chart of hundreds of markers with their hover texts: plotly's objects validate every
    element of every list, several times the cost of the rest of the chart.
    """
    template = {"data": {"scatter": [{"type": "scatter"}]}}  # what plotly writes for template "none"
    return {"data": [{**trace, "type": "scatter"} for trace in traces],
            "layout": {**layout, "template": template}}


def _vline(x: float, line: dict) -> dict:
    """A vertical line across the plot at ``x`` (what fig.add_vline draws, without its slow updates)."""
    return {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _whisker(high, low) -> float:
    """Length of a confidence whisker (0 when the interval is undefined, as for a one-pupil subject)."""
    a, b = _number(high), _number(low)
    return 0.0 if a is None or b is None else a - b


def _whole(value) -> str:
    """A number of pupils as a whole number: a column with a blank comes back as floats (28.0)."""
    number = _number(value)
    return str(value) if number is None else f"{number:.0f}"


def _fmt(value, decimals: int = 2) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.{decimals}f}"


def _frame(rows) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))


def _is_suppressed(row: Mapping) -> bool:
    return bool(row.get(metrics.SUPPRESSED_FLAG_COLUMN))


def empty_figure(title: str, message: str) -> dict:
    """A figure with no data that says why (a page never shows a blank box)."""
    fig = go.Figure()
    _layout(fig, title=title, x_title="", y_title="", height=240)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font={"size": 14})
    return to_dict(fig)


# --- SENCo: cohort progress ------------------------------------------------------------------------


NAMES_IN_HOVER = 6  # a marker standing for more results names this many pupils, then "and n more"


def cohort_progress(rows, names: Mapping[str, str] | None = None, *, title: str = "Cohort progress") -> dict:
    """Baseline points against current points, one marker per position and status, coloured by status.

    ``rows``: expected-progress rows (upn, subject, baseline_result, baseline_points, current_result,
    current_points, expected_points, status). ``names``: UPN -> pupil name for named pages; without
    it the hover text names nobody. Markers above the dashed line gained points.

    Results on the same points (common: points go in steps) share one marker, sized by how many
    results it stands for and saying so in its hover text, so a school of a thousand pupils draws a
    few hundred markers that show where results gather, rather than thousands drawn over each other.
    """
    # Plain rows, not a DataFrame: a school's thousands of rows are only grouped here.
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    if not records:
        return empty_figure(title, "No pupil has a baseline and an assessment in this term.")
    points = [p for r in records for p in (_number(r["baseline_points"]), _number(r["current_points"])) if p is not None]
    low, high = min(points), max(points)
    traces = [{
        "x": [low, high], "y": [low, high], "mode": "lines", "name": "No change (current = baseline)",
        "line": {"color": GREY, "dash": "dash", "width": 1}, "hoverinfo": "skip",
    }]
    if names is not None:  # each name escaped once, however many markers it appears in
        names = {upn: html.escape(name) for upn, name in names.items()}
    for status in ("below", "expected", "exceeding"):
        part = [r for r in records if r["status"] == status]
        if not part:
            continue
        groups: dict[tuple[float, float], list[dict]] = {}
        for row in part:
            groups.setdefault((float(row["baseline_points"]), float(row["current_points"])), []).append(row)
        traces.append({
            "x": [x for x, _ in groups],
            "y": [y for _, y in groups],
            "mode": "markers",
            "name": f"{STATUS_LABELS[status]} ({len(part)})",
            "marker": {"color": STATUS_COLOURS[status], "symbol": STATUS_SYMBOLS[status],
                       "size": [_marker_size(len(group)) for group in groups.values()],
                       "opacity": 0.85, "line": {"color": "#ffffff", "width": 1}},
            "hovertext": [_cohort_hover(group, names, status) for group in groups.values()],
            "hoverinfo": "text",
        })
    layout = _layout_dict({}, title=title, x_title="Baseline (points)", y_title="Current (points)")
    return _scatter_figure(traces, layout)


def _marker_size(results: int) -> float:
    """10 for one result; the area grows with the number of results, up to a limit."""
    return round(min(36.0, 10 * math.sqrt(results)), 1)


def _cohort_hover(group: list[dict], names: Mapping[str, str] | None, status: str) -> str:
    """Hover text of one marker: the result, or how many results it stands for and whose.

    ``names``: UPN -> name, already HTML-escaped.
    """
    first = group[0]

    def each(column: str) -> str:
        return "/".join(sorted({html.escape(str(r[column])) for r in group}))

    points = f"{_fmt(first['baseline_points'])} to {_fmt(first['current_points'])} points"
    expected = sorted({_fmt(r.get("expected_points")) for r in group})
    expected_text = expected[0] if len(expected) == 1 else f"{expected[0]} to {expected[-1]}"
    results = f"{each('baseline_result')} to {each('current_result')}"
    state = f"Status: {STATUS_LABELS[status].lower()}"
    if len(group) == 1:
        who = names.get(first["upn"], "") if names is not None else ""
        head = f"{who}<br>" if who else ""
        return f"{head}{html.escape(first['subject'])}: {results}<br>{points} (expected {expected_text})<br>{state}"
    subjects: dict[str, int] = {}
    for row in group:
        subjects[row["subject"]] = subjects.get(row["subject"], 0) + 1
    text = (f"{len(group)} results: {results}<br>{points} (expected {expected_text})<br>{state}<br>"
            + ", ".join(f"{html.escape(subject)} {n}" for subject, n in sorted(subjects.items())))
    if names is not None:
        who = sorted(names[r["upn"]] for r in group if names.get(r["upn"]))
        if who:
            more = len(who) - NAMES_IN_HOVER
            text += "<br>" + ", ".join(who[:NAMES_IN_HOVER]) + (f" and {more} more" if more > 0 else "")
    return text


# --- Value added ---------------------------------------------------------------------------------------


def value_added(rows, *, title: str = "Value added by group, with 95% confidence intervals") -> dict:
    """Dot-and-whisker chart: each subject and group's VA with its 95% interval; 0 is in line.

    ``rows``: value-added rows (subject, group, n, va, ci_low, ci_high, index, significance, and
    ``suppressed`` on a governor's copy). A suppressed row is drawn as the word "suppressed" at 0.
    """
    df = _frame(rows)
    if df.empty:
        return empty_figure(title, "No value added: no subject has baselines and outcomes this term.")
    records = df.to_dict("records")
    labels = [f"{r['subject']}: {GROUP_LABELS.get(r['group'], r['group'])}" for r in records]
    fig = go.Figure()
    for significance in ("above", "in line", "below"):
        shown = [
            (label, r) for label, r in zip(labels, records)
            if not _is_suppressed(r) and r.get("significance") == significance and _number(r.get("va")) is not None
        ]
        if not shown:
            continue
        xs = [_number(r["va"]) for _, r in shown]
        plus = [_whisker(r.get("ci_high"), r["va"]) for _, r in shown]
        minus = [_whisker(r["va"], r.get("ci_low")) for _, r in shown]
        hover = [
            f"{label}<br>VA {_fmt(r['va'])} (index {_fmt(r.get('index'))})"
            f"<br>95% interval {_fmt(r.get('ci_low'))} to {_fmt(r.get('ci_high'))}"
            f"<br>{significance}, n = {_whole(r['n'])}"
            for label, r in shown
        ]
        fig.add_trace(go.Scatter(
            x=xs, y=[label for label, _ in shown], mode="markers",
            name={"above": "Significantly above", "in line": "In line", "below": "Significantly below"}[significance],
            marker={"color": SIGNIFICANCE_COLOURS[significance], "symbol": SIGNIFICANCE_SYMBOLS[significance],
                    "size": 11},
            error_x={"type": "data", "symmetric": False, "array": plus, "arrayminus": minus,
                     "color": SIGNIFICANCE_COLOURS[significance], "thickness": 2, "width": 6},
            hovertext=hover, hoverinfo="text",
        ))
    hidden = [label for label, r in zip(labels, records) if _is_suppressed(r)]
    if hidden:
        fig.add_trace(go.Scatter(
            x=[0] * len(hidden), y=hidden, mode="text", text=[SUPPRESSED] * len(hidden),
            textfont={"color": GREY}, name="Suppressed (fewer than 5 pupils)",
            hovertext=[f"{label}: suppressed, fewer than 5 pupils" for label in hidden], hoverinfo="text",
        ))
    _layout(fig, title=title, x_title="Value added (points; 0 = in line with the school)", y_title="",
            height=max(260, 90 + 34 * len(labels)),
            yaxis={"categoryorder": "array", "categoryarray": list(reversed(labels)), "type": "category"},
            shapes=[_vline(0, {"color": GREY, "width": 1})])
    return to_dict(fig)


# --- Intervention impact -------------------------------------------------------------------------------


def programme_ratio_summary(rows) -> pd.DataFrame:
    """Mean ratio gain per programme and measure: programme, measure, n, mean_ratio_gain, band."""
    df = _frame(rows)
    if df.empty:
        return pd.DataFrame(columns=["programme", "measure", "n", "mean_ratio_gain", "band"])
    df = df.assign(ratio_gain=pd.to_numeric(df["ratio_gain"], errors="coerce"))
    out = (
        df.dropna(subset=["ratio_gain"]).groupby(["programme", "measure"], sort=True)["ratio_gain"]
        .agg(n="size", mean_ratio_gain="mean").reset_index()
    )
    out["mean_ratio_gain"] = metrics.round_half_up(out["mean_ratio_gain"], 2)
    out["band"] = metrics.ratio_band(out["mean_ratio_gain"]).astype(str)
    out["n"] = out["n"].astype("int64")
    return out


def ratio_gain_by_programme(rows, *, title: str = "Ratio gain by programme (mean)",
                            summary: pd.DataFrame | None = None) -> dict:
    """Mean ratio gain per programme and measure, with the impact bands marked (DOMAIN 7).

    ``rows``: intervention-impact rows, one per pupil. ``summary``: :func:`programme_ratio_summary`
    of them when the caller has it already, or a programme table of its own (programme, measure,
    n, mean_ratio_gain, band, and ``suppressed`` on a governors' copy): the hover text gives each
    bar's n from it. A suppressed programme is the word "suppressed" at 0, never a number.
    """
    summary = programme_ratio_summary(rows) if summary is None else summary
    if summary.empty:
        return empty_figure(title, "No intervention has ended with a test before and after it.")
    hidden_mask = (summary[metrics.SUPPRESSED_FLAG_COLUMN].fillna(False).astype(bool)
                   if metrics.SUPPRESSED_FLAG_COLUMN in summary else pd.Series(False, index=summary.index))
    shown, hidden = summary[~hidden_mask], summary[hidden_mask]
    fig = go.Figure()
    for i, (measure, part) in enumerate(shown.groupby("measure", sort=True)):
        fig.add_trace(go.Bar(
            x=part["mean_ratio_gain"].astype(float).tolist(), y=part["programme"].tolist(), orientation="h",
            name=f"{measure.capitalize()} age", marker={"color": SERIES[i % len(SERIES)]},
            hovertext=[
                f"{r['programme']} ({measure}): mean ratio gain {_fmt(r['mean_ratio_gain'])}, {r['band']}, n = {_whole(r['n'])}"
                for r in part.to_dict("records")
            ],
            hoverinfo="text",
            text=[f"{v:.2f} {b}" for v, b in zip(part["mean_ratio_gain"].astype(float), part["band"], strict=True)],
            textposition="auto", **BAR_TEXT,
        ))
    if not hidden.empty:
        fig.add_trace(go.Scatter(
            x=[0] * len(hidden), y=hidden["programme"].tolist(), mode="text", text=[SUPPRESSED] * len(hidden),
            textposition="middle right", textfont={"color": GREY}, name="Suppressed (fewer than 5 pupils)",
            hovertext=[f"{r['programme']} ({r['measure']}): {SUPPRESSED}, fewer than 5 pupils"
                       for r in hidden.to_dict("records")],
            hoverinfo="text",
        ))
    band_line = {"color": GREY, "dash": "dot", "width": 1}
    programmes = summary["programme"].nunique()
    _layout(fig, title=title, x_title="Ratio gain (months gained per month elapsed)", y_title="",
            height=max(260, 120 + 40 * programmes), barmode="group",
            shapes=[_vline(cut, band_line) for cut, _ in metrics.RATIO_BANDS],
            annotations=[
                {"text": label, "textangle": -90, "font": {"size": 11, "color": GREY}, "showarrow": False,
                 "x": cut, "xref": "x", "xanchor": "left", "y": 1, "yref": "y domain", "yanchor": "top"}
                for cut, label in metrics.RATIO_BANDS
            ])
    return to_dict(fig)


def cost_per_month(rows, *, title: str = "Cost per month of reading age gained") -> dict:
    """Cost to date divided by the months of reading age gained, per programme (costed ones with a gain)."""
    df = _frame(rows)
    if not df.empty:
        df = df[pd.to_numeric(df["cost_per_month_gained"], errors="coerce").notna()]
    shown = df
    if shown.empty:
        return empty_figure(title, "No costed programme has a reading-age gain to divide by yet.")
    fig = go.Figure(go.Bar(
        x=shown["cost_per_month_gained"].astype(float).tolist(), y=shown["programme"].tolist(), orientation="h",
        marker={"color": BLUE}, name="£ per month gained",
        text=[f"£{v:,.2f}" for v in shown["cost_per_month_gained"].astype(float)], textposition="auto", **BAR_TEXT,
        hovertext=[
            f"{r['programme']}: £{_fmt(r['cost_to_date'])} for {_fmt(r['months_gained'], 0)} months gained"
            f" = £{_fmt(r['cost_per_month_gained'])} a month"
            for r in shown.to_dict("records")
        ],
        hoverinfo="text",
    ))
    _layout(fig, title=title, x_title="£ per month of reading age gained", y_title="",
            height=max(240, 120 + 40 * len(shown)), showlegend=False)
    return to_dict(fig)


# --- Governors -----------------------------------------------------------------------------------


def sen_gap(rows, *, title: str = "Expected progress: SEN against non-SEN, by term") -> dict:
    """Percentage making at least expected progress, SEN and non-SEN pupils, over terms.

    ``rows``: term_label, sen_n, sen_pct, no_sen_n, no_sen_pct, gap, with the pcts and gap None where
    suppressed (fewer than 5 pupils); a suppressed point is a gap in the line, labelled "suppressed".
    """
    df = _frame(rows)
    if df.empty:
        return empty_figure(title, "No term has expected-progress figures yet.")
    terms = df["term_label"].tolist()
    fig = go.Figure()
    for column, label, colour, symbol in (
        ("sen_pct", "SEN (K or E)", ORANGE, "square"),
        ("no_sen_pct", "No SEN", BLUE, "circle"),
    ):
        values = [_number(v) for v in df[column]]
        count = column.replace("_pct", "_n")
        fig.add_trace(go.Scatter(
            x=terms, y=values, mode="lines+markers", name=label, connectgaps=False,
            line={"color": colour, "width": 2}, marker={"symbol": symbol, "size": 9, "color": colour},
            hovertext=[
                f"{term}, {label}: {SUPPRESSED} (fewer than 5 pupils)" if v is None
                else f"{term}, {label}: {v:.2f}% at least expected (n = {_whole(n)})"
                for term, v, n in zip(terms, values, df[count])
            ],
            hoverinfo="text",
        ))
    _layout(fig, title=title, x_title="Term", y_title="% at least expected")
    fig.update_yaxes(range=[0, 105])
    if df[["sen_pct", "no_sen_pct"]].isna().to_numpy().any():
        fig.add_annotation(text="A missing point is suppressed: fewer than 5 pupils.", xref="paper", yref="paper",
                           x=0, y=1.0, yanchor="bottom", xanchor="left", showarrow=False,
                           font={"size": 11, "color": GREY})
    fig.update_xaxes(type="category")
    return to_dict(fig)


def register_by_provision(rows, *, title: str = "SEN register by provision: this year and last") -> dict:
    """Pupils on the register by provision code, this year against last (suppressed counts as words)."""
    df = _frame(rows)
    if not df.empty:
        df = df[df["dimension"] == "provision"]
    if df.empty:
        return empty_figure(title, "Nobody is on the register on the last day of this term.")
    codes = df["code"].tolist()
    fig = go.Figure()
    # A year earlier is hatched as well as lighter, so the two bars differ by more than shade.
    for column, label, marker in (
        ("previous_year", "A year earlier", {"color": SKY_BLUE, "pattern": {"shape": "/", "fgcolor": "#ffffff"},
                                             "line": {"color": SKY_BLUE, "width": 1.5}}),
        ("this_year", "This term", {"color": BLUE}),
    ):
        values = [_number(v) for v in df[column]]
        fig.add_trace(go.Bar(
            x=codes, y=[v if v is not None else 0 for v in values], name=label, marker=marker,
            text=[f"{v:.0f}" if v is not None else SUPPRESSED for v in values], textposition="outside",
            hovertext=[f"{code}, {label.lower()}: {f'{v:.0f} pupils' if v is not None else SUPPRESSED}"
                       for code, v in zip(codes, values)],
            hoverinfo="text",
        ))
    _layout(fig, title=title, x_title="Provision (K SEN support, E EHC plan, N no SEN)", y_title="Pupils",
            barmode="group")
    fig.update_xaxes(type="category")
    shown = [_number(v) for column in ("this_year", "previous_year") for v in df[column]]
    highest = max([v for v in shown if v is not None] or [0])
    fig.update_yaxes(range=[0, max(5, highest * 1.2)], rangemode="tozero")
    return to_dict(fig)


# --- One pupil ------------------------------------------------------------------------------------------


def flight_path(path, *, title: str | None = None) -> dict:
    """A pupil's flight path in one subject: actual results against the expected line.

    ``path`` (``reports.pupil_dashboard.FlightPath``): actual points (date, points, result, term),
    expected and exceeding lines from the baseline, intervention spans (shaded) and comments
    (markers). Dates are ISO strings on the x axis.
    """
    title = title or f"{path.subject}: flight path"
    if not path.actual and path.baseline is None:
        return empty_figure(title, "No baseline or assessment in this subject yet.")
    fig = go.Figure()
    quartile = getattr(path, "expectation", "levels") == "quartile"
    if quartile and getattr(path, "lower", None):
        fig.add_trace(go.Scatter(
            x=[p.day.isoformat() for p in path.lower], y=[p.points for p in path.lower],
            mode="lines", name="Lower quartile (national)", line={"color": VERMILLION, "dash": "dashdot", "width": 1.5},
            hovertext=[f"{p.label}: lower quartile {p.points:.2f} points" for p in path.lower], hoverinfo="text",
        ))
    if path.expected:
        fig.add_trace(go.Scatter(
            x=[p.day.isoformat() for p in path.expected], y=[p.points for p in path.expected],
            mode="lines", name="Median (expected)" if quartile else "Expected progress",
            line={"color": GREY, "dash": "dash", "width": 2},
            hovertext=[f"{p.label}: expected {p.level or f'{p.points:.2f} points'}" for p in path.expected],
            hoverinfo="text",
        ))
    if path.exceeding:
        fig.add_trace(go.Scatter(
            x=[p.day.isoformat() for p in path.exceeding], y=[p.points for p in path.exceeding],
            mode="lines", name="Upper quartile (national)" if quartile else "Exceeding (one level more)",
            line={"color": GREEN, "dash": "dot", "width": 1.5},
            hovertext=[f"{p.label}: {'upper quartile' if quartile else 'exceeding from'} {p.points:.2f} points"
                       for p in path.exceeding], hoverinfo="text",
        ))
    if path.baseline is not None:
        b = path.baseline
        fig.add_trace(go.Scatter(
            x=[b.day.isoformat()], y=[b.points], mode="markers", name=f"Baseline ({b.result})",
            marker={"symbol": "diamond", "size": 12, "color": BLACK},
            hovertext=[f"Baseline {b.label}: {b.result} ({b.points:.2f} points)"], hoverinfo="text",
        ))
    if path.actual:
        fig.add_trace(go.Scatter(
            x=[p.day.isoformat() for p in path.actual], y=[p.points for p in path.actual], mode="lines+markers",
            name="Teacher assessment", line={"color": BLUE, "width": 3},
            marker={"size": 10, "color": [STATUS_COLOURS.get(p.status, BLUE) for p in path.actual],
                    "symbol": [STATUS_SYMBOLS.get(p.status, "circle") for p in path.actual],
                    "line": {"color": "#ffffff", "width": 1}},
            hovertext=[
                f"{p.label}: {p.result} ({p.points:.2f} points)"
                + (f"<br>Status: {STATUS_LABELS[p.status].lower()}" if p.status in STATUS_LABELS else "")
                for p in path.actual
            ],
            hoverinfo="text",
        ))
    if path.comments:
        fig.add_trace(go.Scatter(
            x=[c.day.isoformat() for c in path.comments], y=[c.points for c in path.comments], mode="markers",
            name="Comment",
            marker={"symbol": "star", "size": 12, "color": ORANGE, "line": {"color": BLACK, "width": 1}},
            hovertext=[c.hover for c in path.comments], hoverinfo="text",
        ))
    for i, span in enumerate(path.spans):
        fig.add_vrect(
            # A light shade (background, under the lines) with a 3.5:1 edge where the span starts and ends.
            x0=span.start.isoformat(), x1=span.end.isoformat(), fillcolor=SHADE, line={"color": SKY_BLUE, "width": 1},
            layer="below", annotation={"text": span.label, "font": {"size": 10, "color": TEXT}},
            annotation_position="top left",
        )
    if path.spans:  # a legend entry for the shading (shapes have none)
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="Intervention (shaded)",
                                 marker={"symbol": "square", "size": 12, "color": SHADE,
                                         "line": {"color": SKY_BLUE, "width": 2}},
                                 hoverinfo="skip"))
    _layout(fig, title=title, x_title="Date", y_title="Points")
    fig.update_xaxes(type="date")
    return to_dict(fig)


def reading_ages(tests: Sequence, *, title: str = "Reading and spelling age against chronological age") -> dict:
    """Age-equivalent scores and the pupil's age on each test day, in years."""
    if not tests:
        return empty_figure(title, "No reading or spelling test recorded.")
    fig = go.Figure()
    days = sorted({t.day for t in tests})
    chronological = {t.day: t.chronological_months for t in tests}
    fig.add_trace(go.Scatter(
        x=[d.isoformat() for d in days], y=[chronological[d] / 12 for d in days], mode="lines",
        name="Chronological age", line={"color": GREY, "dash": "dash", "width": 2},
        hovertext=[f"{d:%d/%m/%Y}: aged {_years_months(chronological[d])}" for d in days], hoverinfo="text",
    ))
    for i, measure in enumerate(("reading", "spelling")):
        part = [t for t in tests if t.measure == measure]
        if not part:
            continue
        fig.add_trace(go.Scatter(
            x=[t.day.isoformat() for t in part], y=[t.months / 12 for t in part], mode="lines+markers",
            name=f"{measure.capitalize()} age", line={"color": (BLUE, ORANGE)[i], "width": 3},
            marker={"symbol": ("circle", "square")[i], "size": 9},
            hovertext=[
                f"{t.day:%d/%m/%Y} {t.test_name}: {measure} age {_years_months(t.months)}, aged "
                f"{_years_months(t.chronological_months)} ({_gap_words(t.months - t.chronological_months)})"
                for t in part
            ],
            hoverinfo="text",
        ))
    _layout(fig, title=title, x_title="Test date", y_title="Age (years)")
    fig.update_xaxes(type="date")
    return to_dict(fig)


def semh_profile(points: Sequence, *, title: str = "SEMH profile over time") -> dict:
    """SDQ totals and Boxall section totals over time (each with which way is better in the legend)."""
    if not points:
        return empty_figure(title, "No SDQ or Boxall checklist recorded.")
    fig = go.Figure()
    measures = list(dict.fromkeys(p.measure for p in points))
    for i, measure in enumerate(measures):
        part = [p for p in points if p.measure == measure]
        better = "higher is better" if part[0].higher_is_better else "lower is better"
        fig.add_trace(go.Scatter(
            x=[p.day.isoformat() for p in part], y=[p.value for p in part], mode="lines+markers",
            name=f"{measure} ({better})", line={"color": SERIES[i % len(SERIES)], "width": 2},
            marker={"size": 9, "symbol": ("circle", "square", "diamond", "triangle-up", "x")[i % 5]},
            hovertext=[f"{p.day:%d/%m/%Y} {measure}: {p.value:g}" + (f" ({p.band})" if p.band else "") for p in part],
            hoverinfo="text",
        ))
    _layout(fig, title=title, x_title="Date completed", y_title="Score")
    fig.update_xaxes(type="date")
    return to_dict(fig)


def _years_months(months: int | None) -> str:
    if months is None:
        return "–"
    return f"{months // 12}y {months % 12}m"


def _gap_words(difference: int) -> str:
    if difference == 0:
        return "in line with age"
    direction = "ahead of" if difference > 0 else "behind"
    return f"{abs(difference)} months {direction} age"


def traces_named(figure: dict) -> list[str]:
    """The names of a figure's traces (for tests and for the page's chart summary)."""
    return [trace.get("name", "") for trace in figure.get("data", [])]


def all_text(figure: dict) -> Iterable[str]:
    """Every string in a figure (tests scan it for names that must not be there)."""
    stack = [figure]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
