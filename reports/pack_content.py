"""What the termly pack says, section by section, for its reader (the SENCo, governors or the trust).

Two steps, so a pack rebuilt later from its stored result (``services_redaction``) reads the same:
:func:`pack_extras` works out, when the pack is built, the figures that are not reports of their own
(the summary, the per-programme table, the SEN gap over time); :func:`sections` turns the reports and
those extras into titled tables with plain headings, a chart where one exists and a one-sentence
reading. Nothing here names a pupil except the SENCo's appendices (:func:`appendices`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pupils.models import Pupil
from reports import charts, charts_figures, datasets, figures_dashboard, generators, metrics, pack_charts, pack_summary
from reports.explain import FIGURE_NOTES, NOTES, TITLES
from reports.words import register_label

SUPPRESSED = "suppressed"
EDITIONS = ("senco", "governors", "trust")
EDITION_TITLES = {
    "senco": "SENCo's edition (names pupils: keep it secure)",
    "governors": "Governors' edition: figures only, groups under 5 pupils suppressed",
    "trust": "Trust edition: every school side by side, figures only, groups under 5 pupils suppressed",
}


PX_MM = 0.1875  # a chart beside a table: 640 pixels in 44 % of the landscape page's 273 mm
MAX_CHART_MM = (270, 150)  # a wide chart's largest width and height on the page (mm)


@dataclass
class PackTable:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    numeric: list[bool] = field(default_factory=list)
    small: bool = False  # many columns: a smaller type
    figure: dict | None = None  # the chart drawn beside this table
    image: str | None = None
    # How the chart is drawn: "side" (beside the table), "wide" (above it), "" (wide when the table has
    # more than 7 columns). chart_width and chart_height: the exported image's size in pixels, when the
    # pack sizes it (a chart as tall as the table beside it; a heat map's cells legible).
    layout: str = ""
    chart_width: int | None = None
    chart_height: int | None = None
    keep_whole: bool = False  # a grid read across and down: on one page, not split over two

    @property
    def wide(self) -> bool:
        return self.layout == "wide" or (self.layout != "side" and len(self.headers) > 7)

    @property
    def chart_mm(self) -> str:
        """A wide chart of a given size: its width on the page (mm), at the scale of a chart beside a
        table (640 pixels in 120 mm), smaller when it would not fit the page's height or width."""
        if not (self.wide and self.chart_width and self.chart_height):
            return ""
        mm = min(self.chart_width * PX_MM, MAX_CHART_MM[1] * self.chart_width / self.chart_height, MAX_CHART_MM[0])
        return f"{mm:.0f}"


@dataclass
class Section:
    key: str
    title: str
    reading: str  # one sentence: what the chart and table say
    tables: list[PackTable]
    note: str = ""
    figure: dict | None = None
    image: str | None = None


# --- Figures worked out when the pack is built ----------------------------------------------------


def pack_extras(ctx: generators.ReportContext, reports: list[generators.Report]) -> dict:
    """The pack's own figures, JSON-ready, for the stored result: the summary, programmes, SEN gap.

    Reads the rows the reports were computed from (the context's batch, so nothing is read twice)
    and, for the comparison with last year, the expected-progress rows of the same term a year earlier.
    """
    from reports.dashboards import costs_frame, sen_gap_series  # the dashboards' own tables

    batch = ctx.batch
    by_kind = {r.kind: r.frame for r in reports}
    ep = generators._expected_progress_rows(batch)
    ep = ep[ep[datasets.SCHOOL] == ctx.school.pk]
    last_ctx = generators.context_for(school=ctx.school, academic_year=ctx.term.academic_year - 1, term=ctx.term.term)
    # Baselines do not depend on the term: the year-earlier figures reuse the ones already read.
    last_ctx.batch._data["baselines"] = batch.baselines()
    ep_last = generators._expected_progress_rows(last_ctx.batch)
    sp_all = generators._starting_points_all(batch)
    sp_all = sp_all[sp_all[datasets.SCHOOL] == ctx.school.pk]
    impact = generators._intervention_impact_rows(batch)
    impact = impact[impact[datasets.SCHOOL] == ctx.school.pk]
    interventions, _ = datasets.intervention_costs_inputs(ctx.school, ctx.term.end)
    programmes = pack_summary.programme_table(impact, interventions, governor=ctx.governor)
    semh = generators.REGISTRY["no-gain-but-semh"](ctx)  # counted only: the rows name pupils
    summary = pack_summary.summarise(
        ep=ep, ep_last=ep_last, starting_points=sp_all,
        starting_points_shown=by_kind.get("starting-points", pd.DataFrame()),
        value_added=by_kind.get("value-added", pd.DataFrame()),
        register=by_kind.get("register-summary", pd.DataFrame()), programmes=programmes,
        semh_count=len(semh), subjects=batch.core_subjects(), governor=ctx.governor,
    )
    gap = sen_gap_series(ctx.school, academic_year=ctx.term.academic_year, term=ctx.term.term)
    extras = {
        "summary": summary.to_dict(),
        "programmes": generators.Report(kind="", frame=programmes).records(),
        "semh_count": None if ctx.governor and len(semh) < metrics.SUPPRESSION_THRESHOLD else len(semh),
        "sen_gap": generators.Report(kind="", frame=gap).records(),
        "case_studies": case_study_entries(ctx.school, governor=ctx.governor, day=ctx.term.end),
    }
    if not ctx.governor:  # the SENCo's dashboard draws the costs block from here (figures_dashboard.add_blocks)
        costs = costs_frame(ctx.school, academic_year=ctx.term.academic_year, term=ctx.term.term)
        extras["costs"] = generators.Report(kind="", frame=costs).records()
    return extras


# --- Cells ---------------------------------------------------------------------------------------------


def num(value, decimals: int = 2, *, suppressed: bool = False, pct: bool = False, money: bool = False) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return SUPPRESSED if suppressed else "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if money:
        return f"£{float(value):,.2f}"
    if isinstance(value, int) or (isinstance(value, float) and float(value).is_integer() and decimals == 0):
        return f"{int(value)}"
    text = f"{float(value):.{decimals}f}"
    return text + " %" if pct else text


def count(value, *, suppressed: bool = False) -> str:
    """A number of pupils: always a whole number."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return SUPPRESSED if suppressed else "–"
    return str(int(value))


def _hidden(row: dict) -> bool:
    return bool(row.get("suppressed"))


# --- Sections --------------------------------------------------------------------------------------------


def register_section(rows: list[dict]) -> Section:
    table = PackTable(
        "Pupils on the register on the last day of the term, against the same day a year earlier",
        ["Provision or primary need", "This term", "A year earlier", "Change"],
        [[register_label(r),
          count(r["this_year"], suppressed=_hidden(r)), count(r["previous_year"], suppressed=_hidden(r)),
          num(r["change"], 0, suppressed=_hidden(r)) if r.get("change") is None
          else f"{int(r['change']):+d}"]
         for r in rows],
        [False, True, True, True],
    )
    prov = {r["code"]: r for r in rows if r["dimension"] == "provision" and not _hidden(r)}
    if "K" in prov and "E" in prov:
        now = int(prov["K"]["this_year"]) + int(prov["E"]["this_year"])
        before = int(prov["K"]["previous_year"]) + int(prov["E"]["previous_year"])
        reading = f"{now} pupils have SEN this term against {before} a year earlier ({now - before:+d})."
    else:
        reading = "Some rows are suppressed because they hold fewer than 5 pupils."
    if not rows:
        reading = "Nobody is on the register on the last day of this term."
    return Section("register", TITLES["register-summary"], reading, [table], NOTES["register-summary"],
                   charts.register_by_provision(rows))


def starting_points_section(rows: list[dict], *, governor: bool = False) -> Section:
    tables = []
    by_subject: dict[str, list[dict]] = {}
    for r in rows:
        by_subject.setdefault(r["subject"], []).append(r)
    for subject, part in by_subject.items():
        hidden = [r for r in part if _hidden(r)]
        if governor:  # a row that says only "suppressed" tells a governor nothing: counted, not listed
            part = [r for r in part if not _hidden(r)]
        # The dashboard's chart (ours and national) of the starting points shown: never a suppressed one.
        charted = [r for r in part if not _hidden(r) and r.get("pct_expected") is not None]
        caption = f"{subject}: progress from each starting point"
        if hidden and governor:
            caption += (f" ({len(hidden)} starting point{'s' if len(hidden) != 1 else ''} with fewer than 5 pupils, "
                        "or hidden so that they cannot be worked out, are not listed)")
        tables.append(PackTable(
            caption,
            ["Starting point", "Pupils", "At least expected", "More than expected", "Nationally, at least expected",
             "Difference from national"],
            [[str(r["starting_point"]), count(r["n"], suppressed=_hidden(r)),
              num(r["pct_expected"], suppressed=_hidden(r), pct=True),
              num(r["pct_more_than_expected"], suppressed=_hidden(r), pct=True),
              num(r.get("national_pct_expected"), pct=True) if not _hidden(r) else SUPPRESSED,
              num(r.get("gap_expected")) if not _hidden(r) else SUPPRESSED]
             for r in part],
            [False, True, True, True, True, True],
            figure=figures_dashboard.starting_points_chart(
                charted, title=f"{subject}: at least expected progress, ours and national") if charted else None,
            # Beside the table, as tall as it, while the two fit on a page; above a longer table, wide.
            **({"layout": "side", "chart_height": max(430, ROW_PX * (len(part) + 2))} if len(part) <= SIDE_ROWS
               else {"layout": "wide", "chart_width": 1100, "chart_height": 430}),
        ))
    shown = [r for r in rows if not _hidden(r) and r.get("n") is not None]
    if shown:
        best = max(shown, key=lambda r: (float(r["pct_expected"]), r["n"]))
        reading = (f"Of {len(shown)} starting points shown, pupils starting from {best['starting_point']} in "
                   f"{best['subject']} did best: {float(best['pct_expected']):.0f} % at least expected "
                   f"(n = {int(best['n'])}).")
    else:
        reading = "No starting point has enough pupils to show."
    return Section("starting-points", "Expected progress by starting point", reading, tables,
                   NOTES["starting-points"] + " " + NOTES["expected-progress"])


ROW_PX = 22  # a table row beside a chart, in the chart's pixels (PX_MM): a chart as tall as its table
SIDE_ROWS = 26  # the most rows of a table beside a chart that still fit on a page with it


def sen_gap_section(rows: list[dict]) -> Section:
    table = PackTable(
        "Percentage making at least expected progress, pupils with SEN and without, term by term",
        ["Term", "Pupils with SEN", "With SEN: at least expected", "Pupils without SEN",
         "Without SEN: at least expected", "Gap (percentage points)"],
        [[r["term_label"], count(r["sen_n"], suppressed=True), num(r["sen_pct"], suppressed=True, pct=True),
          count(r["no_sen_n"], suppressed=True), num(r["no_sen_pct"], suppressed=True, pct=True),
          num(r["gap"], suppressed=True)] for r in rows],
        [False, True, True, True, True, True],
    )
    last = rows[-1] if rows else None
    if last and last.get("gap") is not None:
        reading = (f"In {last['term_label']} the gap between pupils with SEN and without was "
                   f"{float(last['gap']):+.1f} percentage points.")
    else:
        reading = "The latest term's gap is suppressed or has no figures."
    few = "fewer than 5"
    chart_rows = [{**r, "sen_n": r["sen_n"] or few, "no_sen_n": r["no_sen_n"] or few} for r in rows]
    return Section("sen-gap", "Pupils with SEN and without: expected progress over time", reading, [table],
                   "For each term: the percentage of assessed pupils making at least expected progress, with SEN "
                   "(provision K or E on the last day of the term) and without. Groups under 5 are suppressed.",
                   charts.sen_gap(chart_rows) if rows else None)


def value_added_section(rows: list[dict]) -> Section:
    tables = []
    by_subject: dict[str, list[dict]] = {}
    for r in rows:
        by_subject.setdefault(r["subject"], []).append(r)
    for subject, part in by_subject.items():
        shown_part = [r for r in part if not _hidden(r)]
        tables.append(PackTable(
            f"{subject}: value added by group",
            ["Group", "Pupils", "Value added (points)", "95 % interval", "Index", "Against the school"],
            [[charts.GROUP_LABELS.get(r["group"], r["group"]), count(r["n"], suppressed=_hidden(r)),
              num(r["va"], suppressed=_hidden(r)),
              SUPPRESSED if _hidden(r) else (f"{float(r['ci_low']):.2f} to {float(r['ci_high']):.2f}"
                                              if r.get("ci_low") is not None else "–"),
              num(r["index"], suppressed=_hidden(r)),
              SUPPRESSED if _hidden(r) else {"above": "above", "below": "below", "in line": "in line"}.get(
                  r.get("significance") or "", "–")]
             for r in part],
            [False, True, True, True, True, False], small=True,
            figure=charts.value_added(shown_part, title=f"{subject}: value added, 95 % intervals") if shown_part else None,
        ))
    below = [r for r in rows if not _hidden(r) and r.get("significance") == "below" and r["group"] != "all"]
    reading = (f"{len(below)} group{'s' if len(below) != 1 else ''} made significantly less progress than pupils in "
               f"the school with the same starting points" + (
                   f", the furthest behind {charts.GROUP_LABELS.get(min(below, key=lambda r: float(r['va']))['group'])}"
                   f" in {min(below, key=lambda r: float(r['va']))['subject']}." if below else "."))
    return Section("value-added", "Value added by group, with 95 % confidence intervals", reading, tables,
                   NOTES["value-added"] + " " + FIGURE_NOTES["groups"])


def matrix_section(rows: list[dict], *, governor: bool = False) -> Section:
    """One grid per subject: baseline results down, this term's results across (codes in ladder order).

    Governors: rows and columns whose every cell is suppressed are left out (they would show only "s").
    """
    tables = []
    by_subject: dict[str, list[dict]] = {}
    for r in rows:
        by_subject.setdefault(r["subject"], []).append(r)
    for subject, part in by_subject.items():
        if governor:
            shown = [r for r in part if not _hidden(r)]
            starts_shown = {str(r["baseline_result"]) for r in shown}
            ends_shown = {str(r["current_result"]) for r in shown}
            part = [r for r in part if str(r["baseline_result"]) in starts_shown and str(r["current_result"]) in ends_shown]
            if not part:
                continue
        starts = list(dict.fromkeys(str(r["baseline_result"]) for r in part))
        ends = list(dict.fromkeys(str(r["current_result"]) for r in sorted(part, key=lambda r: _ladder(r["current_result"]))))
        cells = {(str(r["baseline_result"]), str(r["current_result"])): r for r in part}
        body = []
        for start in starts:
            line = [start]
            for end in ends:
                r = cells.get((start, end))
                if r is None:
                    line.append("")
                elif _hidden(r):
                    line.append("s")
                else:
                    line.append(count(r["n"]) + ("*" if r.get("on_or_above") else ""))
            body.append(line)
        tables.append(PackTable(f"{subject}: from starting point (down) to this term's result (across)",
                                ["From \\ to", *ends], body, [False] + [True] * len(ends), small=len(ends) > 14,
                                **_heatmap(part, subject)))
    reading = ("Each number counts pupils who went from the row's starting point to the column's result this term; "
               "* marks cells where every pupil made at least expected progress, s a suppressed cell.")
    if any(t.figure for t in tables):
        reading += " The heat map shades the same counts" + (", suppressed cells left blank." if governor else ".")
    if governor:
        reading += " Starting points and results with every cell suppressed are left out."
    if not tables:
        reading = "Every cell holds fewer than 5 pupils, so none is shown."
    return Section("matrix", "Transition matrices", reading, tables, NOTES["transition-matrix"])


def _heatmap(cells: list[dict], subject: str) -> dict:
    """The dashboard's heat map of a subject's matrix (its national-curriculum cells, as the dashboard
    draws it; a governor's suppressed cells are left out, never drawn as a number), sized so each cell
    holds its count: beside the table when the grid is narrow enough, else above it."""
    nc = [r for r in cells if not _hidden(r) and r.get("n") is not None and r.get("on_or_above") is not None]
    if not nc:
        return {}
    across = len({str(r["current_result"]) for r in nc})
    down = len({str(r["baseline_result"]) for r in nc})
    figure = charts_figures.transition_heatmap(nc, subject)
    # Compact for the page, the figures unchanged: every count is written in its cell, so no colour
    # scale (WeasyPrint draws its gradient as an empty box), and no room kept under the axis for a legend.
    figure["data"][0]["showscale"] = False
    figure["layout"]["margin"] = {**figure["layout"].get("margin", {}), "t": 40, "b": 56, "r": 12}
    if across <= 20:
        return {"figure": figure, "layout": "side", "chart_width": pack_charts.WIDTH, "chart_height": 100 + 18 * down}
    return {"figure": figure, "layout": "wide", "chart_width": 120 + 30 * across, "chart_height": 100 + 20 * down,
            "keep_whole": down <= 40}


def _ladder(code) -> tuple:
    """Sort key for results: P-scales, W, then levels (1c < 1b < 1a < 2 ...), other ladders after."""
    text = str(code)
    if text.startswith("P") and text[1:].isdigit():
        return (0, int(text[1:]), 0)
    if text == "W":
        return (1, 0, 0)
    if text[:1].isdigit():
        return (2, int(text[0]), {"c": 0, "": 1, "b": 1, "a": 2}.get(text[1:], 3))
    return (3, 0, text)


def programmes_section(rows: list[dict], *, governor: bool) -> Section:
    table = PackTable(
        "Per programme and measure (sessions and cost are the programme's, over all its groups)",
        ["Programme", "Measure", "Pupils", "Mean ratio gain", "Band", "Mean change", "Effect size",
         "Sessions delivered", "Cost to date", "Cost per month (or point) gained"],
        [[r["programme"], r["measure"], count(r["n"], suppressed=_hidden(r)),
          num(r["mean_ratio_gain"], suppressed=_hidden(r)) if r.get("age_equivalent") else "–",
          (r.get("band") or "–") if not _hidden(r) else SUPPRESSED,
          num(r["mean_change"], suppressed=_hidden(r)), num(r["effect_size"], suppressed=_hidden(r)),
          count(r["sessions_delivered"]), num(r["cost_to_date"], money=True),
          num(r["cost_per_unit_gained"], money=True, suppressed=_hidden(r))]
         for r in rows],
        [False, False, True, True, False, True, True, True, True, True], small=True,
    )
    shown = [r for r in rows if not _hidden(r) and r.get("age_equivalent") and r.get("mean_ratio_gain") is not None]
    if shown:
        best = max(shown, key=lambda r: float(r["mean_ratio_gain"]))
        reading = (f"{best['programme']} had the highest mean ratio gain in {best['measure']}: "
                   f"{float(best['mean_ratio_gain']):.2f} ({best['band']}) over {int(best['n'])} pupils.")
    else:
        reading = "No programme has reading or spelling tests before and after for 5 pupils or more."
    # The chart is drawn from this table's own rows (one per programme and measure, with its n), not
    # from pupil rows: a programme's bar says how many pupils it stands for, a hidden one "suppressed".
    drawn = [r for r in rows if r.get("age_equivalent") and (_hidden(r) or r.get("mean_ratio_gain") is not None)]
    summary = pd.DataFrame(
        [{"programme": r["programme"], "measure": r["measure"], "n": None if _hidden(r) else int(r["n"]),
          "mean_ratio_gain": None if _hidden(r) else float(r["mean_ratio_gain"]),
          "band": "" if _hidden(r) else (r.get("band") or ""), "suppressed": _hidden(r)} for r in drawn],
        columns=["programme", "measure", "n", "mean_ratio_gain", "band", "suppressed"])
    figure = charts.ratio_gain_by_programme([], summary=summary) if shown else None
    note = NOTES["intervention-impact"] + " " + FIGURE_NOTES["intervention-measures"]
    if governor:
        note += " Governors: a programme's figures about fewer than 5 pupils are suppressed."
    return Section("programmes", "Interventions: results and cost per programme", reading, [table], note, figure)


def semh_section(count_: int | None, programmes: list[dict], *, governor: bool) -> Section:
    semh = [r for r in programmes if r.get("kind") in ("sdq", "boxall", "rating")]
    table = PackTable(
        "SEMH and qualitative measures of intervention programmes",
        ["Programme", "Measure", "Pupils", "Mean before", "Mean after", "Mean change", "Effect size"],
        [[r["programme"], r["measure"], count(r["n"], suppressed=_hidden(r)),
          num(r["mean_pre"], suppressed=_hidden(r)), num(r["mean_post"], suppressed=_hidden(r)),
          num(r["mean_change"], suppressed=_hidden(r)), num(r["effect_size"], suppressed=_hidden(r))]
         for r in semh],
        [False, False, True, True, True, True, True],
    )
    charted = [r for r in semh if not _hidden(r) and r.get("effect_size") is not None]
    if charted:  # the dashboard's effect-size chart, of the SEMH measures the table shows
        table.figure = charts_figures.effect_sizes(charted, title="SEMH and qualitative measures: effect size")
        # Above the table, wide: the programme and measure names are long, the plot would be squeezed beside it.
        table.layout, table.chart_width, table.chart_height = "wide", 1000, max(260, 110 + 36 * len(charted))
    reading = pack_summary.semh_sentence(count_) or "No SEMH findings this term."
    where = " The SENCo's edition lists these pupils in an appendix." if not governor else ""
    return Section("semh", "SEMH, and pupils with no academic gain but an SEMH gain", reading, [table],
                   NOTES["no-gain-but-semh"] + where)


def method_notes(reports: list[generators.Report], *, governor: bool) -> list[tuple[str, str]]:
    meta = reports[0].meta if reports else {}
    used = next((r.meta for r in reports if "national_table" in r.meta), {})
    notes = [
        ("Points scheme", f"Results are turned into points with {meta.get('points_scheme', 'the scheme in force')}."),
        ("Reference sets used",
         f"Quartile table: {used.get('quartile_table') or 'none'}. National table: {used.get('national_table') or 'none loaded'}."
         f" Quartile expectations apply to: {str(used.get('quartile_expectations') or 'off').replace('_', ' ')}."),
        ("Quartile expectations", FIGURE_NOTES["quartile-expectations"]),
        ("Expected progress", NOTES["expected-progress"]),
        ("Standardised scores", NOTES["standardised-progress"]),
    ]
    if governor:
        notes.append(("Suppression", FIGURE_NOTES["suppression"]))
    return notes


def sections(reports: list[generators.Report], extras: dict, *, governor: bool) -> list[Section]:
    data = {r.kind: r.records() for r in reports}
    out = []
    if "register-summary" in data:
        out.append(register_section(data["register-summary"]))
    if "starting-points" in data:
        out.append(starting_points_section(data["starting-points"], governor=governor))
    if extras.get("sen_gap"):
        out.append(sen_gap_section(extras["sen_gap"]))
    if "value-added" in data:
        out.append(value_added_section(data["value-added"]))
    if "transition-matrix" in data:
        out.append(matrix_section(data["transition-matrix"], governor=governor))
    if "programmes" in extras:
        out.append(programmes_section(extras["programmes"], governor=governor))
        out.append(semh_section(extras.get("semh_count"), extras["programmes"], governor=governor))
    draw_charts(out)
    return out


def draw_charts(parts: list[Section]) -> None:
    """Each table's chart as an image (a section's own chart goes beside its first table), with one
    exporter for them all."""
    with pack_charts.exporting():
        for section in parts:
            if section.figure and section.tables and section.tables[0].figure is None:
                section.tables[0].figure = section.figure
            for table in section.tables:
                table.image = pack_charts.image(table.figure, width=table.chart_width or pack_charts.WIDTH,
                                                height=table.chart_height)
            section.image = next((t.image for t in section.tables if t.image), None)


# --- The SENCo's named appendices --------------------------------------------------------------------------


def appendices(school, reports: list[generators.Report]) -> list[Section]:
    """Named tables (name and year group beside the UPN) for the SENCo's edition only."""
    data = {r.kind: r.records() for r in reports}
    upns = {row["upn"] for rows in data.values() for row in rows if "upn" in row}
    who = {upn: (f"{surname}, {forename}", year) for upn, surname, forename, year in
           Pupil.objects.filter(school=school, upn__in=upns).values_list("upn", "surname", "forename", "year_group")}

    def name(upn):
        return who.get(upn, (upn, None))[0]

    def year(upn):
        y = who.get(upn, (None, None))[1]
        return "" if y is None else f"Year {y}"

    out = []
    ep = sorted(data.get("expected-progress", []), key=lambda r: (name(r["upn"]), r["subject"]))
    if ep:
        out.append(Section("appendix-progress", "Appendix A: expected progress, pupil by pupil", "", [PackTable(
            "Every pupil with a baseline and a teacher assessment this term",
            ["Pupil", "Year", "UPN", "Subject", "Baseline", "This term", "Terms", "Levels of progress", "Status"],
            [[name(r["upn"]), year(r["upn"]), r["upn"], r["subject"], str(r["baseline_result"]), str(r["current_result"]),
              count(r["terms_elapsed"]), num(r["levels_of_progress"]), r["status"]] for r in ep],
            [False, False, False, False, False, False, True, True, False], small=True)]))
    impact = sorted(data.get("intervention-impact", []), key=lambda r: (r["programme"], name(r["upn"])))
    if impact:
        out.append(Section("appendix-interventions", "Appendix B: intervention results, pupil by pupil", "", [PackTable(
            "Every ended enrolment with a measure before and after",
            ["Pupil", "Year", "UPN", "Programme", "Measure", "Before", "After", "Months between", "Ratio gain", "Band"],
            [[name(r["upn"]), year(r["upn"]), r["upn"], r["programme"], r["measure"], num(r["pre"]), num(r["post"]),
              num(r["elapsed_months"]), num(r["ratio_gain"]), r.get("band") or "–"] for r in impact],
            [False, False, False, False, False, True, True, True, True, False], small=True)]))
    semh = sorted(data.get("no-gain-but-semh", []), key=lambda r: name(r["upn"]))
    if semh:
        out.append(Section("appendix-semh", "Appendix C: no academic gain, but an SEMH or qualitative gain", "", [PackTable(
            "Pupils whose English or maths did not rise this term but whose SEMH or qualitative measures improved",
            ["Pupil", "Year", "UPN", "Subjects without gain", "Measures that improved"],
            [[name(r["upn"]), year(r["upn"]), r["upn"], r["subjects_without_gain"], r["improved_measures"]]
             for r in semh],
            [False, False, False, False, False], small=True)]))
    return out



def case_studies(school, extras: dict, *, governor: bool) -> list[dict]:
    """The pupils the SENCo picked for the pack, as stored in ``extras['case_studies']`` (already
    anonymised in a governors' pack: the stored result never holds their names)."""
    return list(extras.get("case_studies") or [])


STATUS_WORDS = {"below": "below expected progress", "expected": "expected progress",
                "exceeding": "more than expected progress"}


def case_study_entries(school, *, governor: bool, day) -> list[dict]:
    """The picked pupils' case studies for the pack: label and plain lines of figures, no staff comments.

    Governors: "Pupil A, Year 8, SEN support, SLCN" (letters in the order picked); the SENCo: the name.
    """
    from reports.casestudy import case_study_context
    from reports.models import PackCaseStudy

    out = []
    picks = PackCaseStudy.objects.filter(school=school).select_related("pupil").order_by("chosen_at", "pk")
    for index, pick in enumerate(picks):
        pupil = pick.pupil
        context = case_study_context(pupil, today=day)
        provision = context["provision"]
        parts = [f"Year {pupil.year_group}"]
        if provision is not None:
            parts.append({"K": "SEN support", "E": "EHC plan"}.get(provision.provision, "no SEN"))
            if provision.primary_need:
                parts.append(provision.primary_need)
        who = f"Pupil {chr(ord('A') + index)}" if governor else f"{pupil.forename} {pupil.surname}"
        lines = []
        for p in context["progress"]:
            if p.baseline is None or p.current is None:
                continue
            status = STATUS_WORDS.get(p.status, "")
            lines.append(f"{p.subject}: from {p.baseline.result or p.baseline.label} ({p.key_stage}) to "
                         f"{p.current.result or p.current.label} by {p.current.label}"
                         + (f", {status}" if status else "") + ".")
        for i in context["interventions"]:
            text = f"{i.programme}, from {i.start:%B %Y}" + (f" to {i.end:%B %Y}" if i.end else " (still running)")
            if i.ratio_gain is not None:
                text += (f": {i.measure.lower()} age {i.pre} to {i.post} months, ratio gain {i.ratio_gain:.2f}"
                         f" ({i.band})")
            lines.append(text + ".")
        semh = {}
        for point in context["semh"]:
            semh.setdefault(point.measure, []).append(point)
        for measure, points in semh.items():
            if len(points) >= 2:
                lines.append(f"{measure}: {points[0].value:g} in {points[0].day:%B %Y}, {points[-1].value:g} in "
                             f"{points[-1].day:%B %Y}.")
        out.append({"label": ", ".join([who, *parts]), "lines": lines or ["No results recorded yet."]})
    return out
