"""Assemble the dashboards: report rows (stored runs first) -> Plotly figures, plain tables and notes.

A dashboard reads the newest finished run of each report for the term (a run of that kind or a
termly pack holding it). Only what no stored run holds is computed, through the same generators
the workers use, so a page and a run never disagree. Every chart comes with a plain table (the
same figures, for screen readers and printing) and the "how this is calculated" note.

Governors' dashboards read governors' copies only (aggregates, groups under 5 suppressed) and
never name a pupil: no name or UPN reaches their page or its chart data.
"""

from __future__ import annotations

import functools
import html
import uuid
from dataclasses import dataclass, field

import pandas as pd
from django.conf import settings
from django.urls import get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from pupils.models import School
from reports import charts, datasets, generators, metrics, selectors
from reports.explain import NOTES, TITLES
from reports.words import register_label
from sencotrack.parsing import format_academic_year, split_term, term_index, term_label

SENCO_KINDS = ["expected-progress", "starting-points", "value-added", "intervention-impact", "transition-matrix",
               "standardised-progress", "no-gain-but-semh"]
TEACHER_KINDS = ["expected-progress", "intervention-impact", "standardised-progress", "no-gain-but-semh"]
GOVERNOR_KINDS = ["value-added", "starting-points", "register-summary"]
GAP_TERMS = 6
#: Rows of a long list (``Table.limit``) shown on a dashboard; the list's own page has them all.
LIST_ROWS = 25
#: The dashboard blocks that list pupils one by one (each transition matrix's cells are a long list too).
LISTS = ("standardised-pupils", "no-gain-but-semh", "intervention-impact")
SUPPRESSED = "suppressed"

NOTE_COSTS = (
    "Cost to date = sessions delivered up to the last day of the term x the cost per session. Months gained = the "
    "sum over pupils of (post-test - pre-test) reading age in months, for enrolments with both tests (as in the "
    "intervention-impact report). Cost per month gained = cost to date / months gained; not shown when a programme "
    "is not costed or gained nothing. Read from the termly pack stored for the term (see where the figures come "
    "from), else from the costs and tests recorded when the page opened."
)
NOTE_COHORT = (
    "Each marker is one pupil in one subject: their baseline points across, their teacher assessment this term up. "
    "Results on the same points share a marker, drawn bigger; hovering over it says how many and whose. "
    "Above the dashed line the pupil has gained points. Colour and shape give the expected-progress status. "
    + NOTES["expected-progress"]
)
NOTE_GAP = (
    "For each term: of the teacher assessments with a baseline (as in the expected-progress report), the percentage "
    "whose status is expected or exceeding, for pupils with SEN (provision K or E on the last day of that term) and "
    "without. The gap is SEN minus non-SEN, in percentage points. n counts pupils. A group of fewer than 5 pupils is "
    "suppressed, and so is the gap."
)


# --- What a page shows ---------------------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    href: str = ""
    numeric: bool = False
    muted: bool = False

    def html(self) -> str:
        """``<td>`` as reports/_table.html would draw it, escaped: a template loop per cell cost a cold
        dashboard most of its time at a 1,200-pupil school (bench/RESULTS.md, 4 December 2026)."""
        text = conditional_escape(localize(self.text))
        inner = f'<a href="{conditional_escape(self.href)}">{text}</a>' if self.href else text
        if not (self.numeric or self.muted):
            return f"<td>{inner}</td>"
        classes = ("text-end text-nowrap" if self.numeric else "") + (" text-body-secondary" if self.muted else "")
        return f'<td class="{classes}">{inner}</td>'


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = "No rows."
    limit: int | None = None  # a list of pupils: the dashboard shows this many rows, its own page all of them

    @property
    def shown(self) -> list[list[Cell]]:
        return self.rows if self.limit is None else self.rows[: self.limit]

    @property
    def count(self) -> str:
        return f"{len(self.rows):,}"

    @property
    def cut(self) -> bool:
        return self.limit is not None and len(self.rows) > self.limit

    def body_html(self) -> str:
        """The rows of ``<tbody>`` (the first ``limit`` of them), one ``<tr>`` a line."""
        return mark_safe("\n      ".join("<tr>" + "".join(cell.html() for cell in row) + "</tr>" for row in self.shown))


@dataclass
class Block:
    """One chart with its table and note, or a table alone when ``figure`` is None."""

    key: str
    title: str
    table: Table | None  # None: the expected-progress table, drawn a page at a time (ProgressFilters)
    note: str
    figure: dict | None = None
    summary: str = ""
    reading: str = ""  # one plain sentence beside the chart: what it says (the governor page)
    html: str = ""  # a block that draws itself (the governor page's summary)
    more_href: str = ""  # a cut list's own page (reports:dashboard_list), with every row
    wide: bool = False  # the chart above its table, each the page's full width (a long chart, a wide table)

    @property
    def data_id(self) -> str:
        return f"{self.key}-data"


@dataclass
class Source:
    text: str
    run_public_id: object | None = None


@dataclass
class Dashboard:
    academic_year: int
    term: str
    blocks: list[Block] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    computed: list[str] = field(default_factory=list)
    #: The expected-progress rows as the table filters them (``progress_table``); empty on a governor's.
    progress: list[tuple] = field(default_factory=list)

    @property
    def term_label(self) -> str:
        return f"{self.term.capitalize()} {format_academic_year(self.academic_year)}"

    def block(self, key: str) -> Block:
        return next(b for b in self.blocks if b.key == key)


def fmt(value, *, decimals: int = 2, suppressed: bool = False) -> Cell:
    """A figure as printed: 2 decimals, whole counts as integers, 'suppressed' where a governor's copy blanked it."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return Cell(SUPPRESSED if suppressed else "–", numeric=True, muted=True)
    if isinstance(value, bool):
        return Cell("yes" if value else "no")
    if isinstance(value, int):
        return Cell(str(value), numeric=True)
    if isinstance(value, float):
        return Cell(f"{value:.{decimals}f}", numeric=True)
    return Cell(str(value))


def _records(data: dict | pd.DataFrame) -> list[dict]:
    if isinstance(data, pd.DataFrame):
        return generators.Report(kind="", frame=data).records()
    return list(data.get("rows", []))


# --- Reading the reports: stored runs first -------------------------------------------------------------


def report_rows(
    school: School, *, academic_year: int, term: str, kinds: list[str], governor: bool = False,
    runs: dict[str, selectors.StoredRun] | None = None,
) -> tuple[dict[str, list[dict]], list[Source], list[str], dict[str, dict]]:
    """Rows of each report for the term: from stored runs where they exist, else computed now.

    ``runs``: the runs :func:`selectors.stored_runs` chose, when the caller has read them already.
    Also returned: the kinds computed now, and for each kind read from a termly pack, that pack's
    own figures (``pack_content.pack_extras``: its per-programme table, say).
    """
    if runs is None:
        runs = selectors.stored_runs(school, academic_year=academic_year, term=term, kinds=kinds, governor=governor)
    stored = selectors.results_of(runs)
    rows = {kind: list(found.data["rows"]) for kind, found in stored.items()}
    sources: list[Source] = []
    by_run: dict = {}
    for kind, found in stored.items():
        by_run.setdefault((found.run_public_id, found.finished_at, found.from_pack), []).append(kind)
    for (public_id, finished_at, from_pack), run_kinds in by_run.items():
        when = timezone.localtime(finished_at).strftime("%d/%m/%Y %H:%M") if finished_at else "earlier"
        what = "the termly pack" if from_pack else "the report run"
        names = ", ".join(TITLES.get(k, k).lower() for k in run_kinds)
        sources.append(Source(f"{names.capitalize()}: from {what} finished {when}.", public_id))
    missing = [kind for kind in kinds if kind not in rows]
    if missing:
        ctx = generators.context_for(school=school, academic_year=academic_year, term=term, governor=governor)
        for kind in missing:
            rows[kind] = generators.build(kind, ctx).records()
    packs = {kind: found.pack for kind, found in stored.items() if found.pack}
    return rows, sources, missing, packs


# --- SENCo and teacher ---------------------------------------------------------------------------------


_ANY_PUPIL = uuid.UUID(int=0)


@functools.lru_cache(maxsize=8)
def _pupil_dashboard_url(urlconf: str | None, root: str) -> str:
    """The flight path's URL with ``{}`` for the pupil: reversed once, not once per row of a long list."""
    return reverse("reports:pupil_dashboard", args=[_ANY_PUPIL], urlconf=urlconf).replace(str(_ANY_PUPIL), "{}")


def _pupil_link(names: dict, upn: str) -> Cell:
    who = names.get(upn)
    if who is None:
        return Cell(upn)
    return Cell(who.name, href=_pupil_dashboard_url(get_urlconf(), settings.ROOT_URLCONF).format(who.public_id))


def cohort_block(ep: list[dict], names: dict) -> Block:
    counts: dict[str, dict[str, int]] = {}
    for row in ep:
        counts.setdefault(row["subject"], {"below": 0, "expected": 0, "exceeding": 0})[row["status"]] += 1
    table = Table(
        caption="Pupils by expected-progress status, per subject",
        headers=["Subject", "Below", "Expected", "Exceeding", "Pupils"],
        rows=[
            [Cell(subject), *(fmt(c[s]) for s in ("below", "expected", "exceeding")), fmt(sum(c.values()))]
            for subject, c in sorted(counts.items())
        ],
        empty="No pupil has a baseline and a teacher assessment in this term.",
    )
    figure = charts.cohort_progress(ep, {upn: n.name for upn, n in names.items()})
    total = sum(sum(c.values()) for c in counts.values())
    return Block("cohort-progress", "Cohort progress: baseline against current", table, NOTE_COHORT, figure,
                 summary=f"Scatter chart of {total} results, baseline points against current points, "
                         "coloured by status.")


def expected_progress_block() -> Block:
    """The expected-progress table's place on the page: its rows come a page at a time (:func:`progress_page`)."""
    return Block("expected-progress", TITLES["expected-progress"], None, NOTES["expected-progress"])


def starting_points_block(rows: list[dict]) -> Block:
    table = Table(
        caption="Progress from starting points",
        headers=["Subject", "Starting point", "Pupils", "% at least expected", "% more than expected"],
        rows=[
            [
                Cell(r["subject"]), Cell(str(r["starting_point"])),
                fmt(r["n"], suppressed=bool(r.get("suppressed"))),
                fmt(r["pct_expected"], suppressed=bool(r.get("suppressed"))),
                fmt(r["pct_more_than_expected"], suppressed=bool(r.get("suppressed"))),
            ]
            for r in rows
        ],
        empty="No starting points: nobody has a baseline and an assessment in this term.",
    )
    return Block("starting-points", TITLES["starting-points"], table, NOTES["starting-points"])


def value_added_block(rows: list[dict]) -> Block:
    table = Table(
        caption="Value added by subject and group",
        headers=["Subject", "Group", "Pupils", "VA", "95% interval", "Index", "Significance"],
        rows=[],
        empty="No value added: no subject has baselines and outcomes in this term.",
    )
    for r in rows:
        hidden = bool(r.get("suppressed"))
        interval = (
            Cell(SUPPRESSED, muted=True) if hidden
            else Cell(f"{r['ci_low']:.2f} to {r['ci_high']:.2f}", numeric=True) if r.get("ci_low") is not None
            else Cell("–", muted=True)
        )
        table.rows.append([
            Cell(r["subject"]), Cell(charts.GROUP_LABELS.get(r["group"], r["group"])),
            fmt(r["n"], suppressed=hidden), fmt(r["va"], suppressed=hidden), interval,
            fmt(r["index"], suppressed=hidden),
            Cell(SUPPRESSED, muted=True) if hidden else Cell(r.get("significance") or "–"),
        ])
    return Block("value-added", TITLES["value-added"], table, NOTES["value-added"], charts.value_added(rows),
                 summary="Dot and whisker chart of value added by subject and group with 95% intervals.")


def ratio_gain_block(rows: list[dict], names: dict | None) -> list[Block]:
    summary = charts.programme_ratio_summary(rows)
    table = Table(
        caption="Mean ratio gain by programme and measure",
        headers=["Programme", "Measure", "Pupils", "Mean ratio gain", "Band"],
        rows=[
            [Cell(r["programme"]), Cell(r["measure"]), fmt(int(r["n"])), fmt(float(r["mean_ratio_gain"])),
             Cell(r["band"])]
            for r in summary.to_dict("records")
        ],
        empty="No enrolment has ended with a test before and after it.",
    )
    blocks = [Block("ratio-gain", "Intervention impact: ratio gain by programme", table, NOTES["intervention-impact"],
                    charts.ratio_gain_by_programme(rows, summary=summary),
                    summary="Bar chart of the mean ratio gain of each programme, with the impact bands marked.")]
    if names is not None:
        detail = Table(
            limit=LIST_ROWS,
            caption="Ratio gain per pupil and intervention",
            headers=["Pupil", "Programme", "Measure", "Pre (months)", "Post (months)", "Months elapsed", "Ratio gain",
                     "Band", "Flag"],
            rows=[
                [_pupil_link(names, r["upn"]), Cell(r["programme"]), Cell(r["measure"]), fmt(r["pre"]), fmt(r["post"]),
                 fmt(r["elapsed_months"]), fmt(r["ratio_gain"]), Cell(r["band"] or "–"), Cell(r["flag"] or "")]
                for r in rows
            ],
            empty="No enrolment has ended with a test before and after it.",
        )
        blocks.append(Block("intervention-impact", TITLES["intervention-impact"], detail, NOTES["intervention-impact"]))
    return blocks


def costs_frame(school: School, *, academic_year: int, term: str) -> pd.DataFrame:
    """Programme costs and cost per month of reading age gained, to the last day of the term."""
    report_term = datasets.report_term(school, academic_year, term)
    interventions, enrolled = datasets.intervention_costs_inputs(school, report_term.end)
    enrolments = datasets.enrolments_ended_by(school, report_term.end)
    # Only the enrolled pupils' tests: select_pre_post pairs each enrolment with its own pupil's.
    tests = datasets.reading_tests(school, pupil_ids=enrolments["pupil_id"].unique().tolist())
    prepost = metrics.select_pre_post(enrolments, tests)
    gains = metrics.ratio_gains(prepost)[["intervention_id", "pupil_id", "measure", "months_gained"]]
    return metrics.round_for_output(metrics.programme_costs(interventions, enrolled, gains, measure="reading"))


def costs_block(costs: pd.DataFrame) -> Block:
    rows = _records(costs)
    table = Table(
        caption="Programme costs and cost per month of reading age gained",
        headers=["Programme", "Sessions", "Cost to date (£)", "Pupils", "Months gained", "£ per month gained"],
        rows=[
            [Cell(r["programme"]), fmt(r["sessions_delivered"]), fmt(r["cost_to_date"]), fmt(r["pupils_enrolled"]),
             fmt(r["months_gained"]), fmt(r["cost_per_month_gained"])]
            for r in rows
        ],
        empty="No programme has run yet.",
    )
    return Block("costs", "Intervention costs: cost per month gained", table, NOTE_COSTS, charts.cost_per_month(rows),
                 summary="Bar chart of the cost per month of reading age gained, per programme.")


# --- Governors -------------------------------------------------------------------------------------------


def sen_gap_series(school: School, *, academic_year: int, term: str, terms: int = GAP_TERMS) -> pd.DataFrame:
    """Percentage at least expected, SEN against non-SEN, for the ``terms`` terms up to this one.

    A fixed number of queries (baselines, assessments, register spans, term dates), then pandas per
    term. Columns: term_label, sen_n, sen_pct, no_sen_n, no_sen_pct, gap, suppressed. Figures of a
    group under 5 pupils, and the gap, are None.
    """
    last = term_index(academic_year, term)
    indexes = list(range(last - terms + 1, last + 1))
    scheme = datasets.points_scheme(school)
    base = datasets.baselines(school, scheme)
    current = datasets.teacher_assessments(school, scheme, indexes)
    register = selectors.register_spans(school)
    own_dates = selectors.term_dates_for(school)
    spans = metrics.progress_spans(school.ks2_span)
    out = []
    for index in indexes:
        end = pd.Timestamp(selectors.term_bounds(own_dates, *split_term(index))[1])
        open_then = register[
            (register["start_date"] <= end) & (register["end_date"].isna() | (register["end_date"] >= end))
        ]
        sen_ids = set(open_then.loc[open_then["provision"].isin(["K", "E"]), "pupil_id"])
        cur = current.loc[current["term_index"] == index, ["pupil_id", "upn", "subject", "result", "points"]]
        ep = None
        if not cur.empty:
            ep = metrics.expected_progress(metrics.select_baselines(base, index), cur, index, spans)
        row = {"term_label": term_label(index)}
        figures = {}
        for key, in_group in (("sen", True), ("no_sen", False)):
            if ep is None or ep.empty:
                figures[key] = (0, None)
                continue
            part = ep[ep["pupil_id"].isin(sen_ids) == in_group]
            n = int(part["pupil_id"].nunique())
            pct = float(part["status"].isin(["expected", "exceeding"]).mean() * 100) if n else None
            figures[key] = (n, pct)
        hidden = any(n < metrics.SUPPRESSION_THRESHOLD for n, _ in figures.values())
        for key, (n, pct) in figures.items():
            small = n < metrics.SUPPRESSION_THRESHOLD
            row[f"{key}_n"] = None if small else n
            row[f"{key}_pct"] = None if small or pct is None else metrics.round_half_up(pct, 2)
        gap = None
        if not hidden and figures["sen"][1] is not None and figures["no_sen"][1] is not None:
            gap = metrics.round_half_up(figures["sen"][1] - figures["no_sen"][1], 2)
        row["gap"] = gap
        row["suppressed"] = hidden
        out.append(row)
    return pd.DataFrame(out, columns=["term_label", "sen_n", "sen_pct", "no_sen_n", "no_sen_pct", "gap", "suppressed"])


def gap_block(series: pd.DataFrame) -> Block:
    rows = series.astype(object).where(series.notna(), None).to_dict("records")
    for row in rows:  # counts are whole numbers (a column with a missing value comes back as floats)
        for key in ("sen_n", "no_sen_n"):
            row[key] = None if row[key] is None else int(row[key])
    table = Table(
        caption="Percentage making at least expected progress, SEN and non-SEN",
        headers=["Term", "SEN pupils", "SEN %", "Non-SEN pupils", "Non-SEN %", "Gap (points)"],
        rows=[
            [Cell(r["term_label"]), fmt(r["sen_n"], suppressed=True), fmt(r["sen_pct"], suppressed=True),
             fmt(r["no_sen_n"], suppressed=True), fmt(r["no_sen_pct"], suppressed=True),
             fmt(r["gap"], suppressed=True)]
            for r in rows
        ],
    )
    few = "fewer than 5"
    chart_rows = [{**r, "sen_n": r["sen_n"] or few, "no_sen_n": r["no_sen_n"] or few} for r in rows]
    return Block("sen-gap", "SEN against non-SEN: the expected-progress gap over time", table, NOTE_GAP,
                 charts.sen_gap(chart_rows),
                 summary="Line chart of the percentage making expected progress, SEN and non-SEN, by term.")


def register_block(rows: list[dict]) -> Block:
    """The register against a year earlier, each row in the pack's plain words (``words.register_label``)."""
    table = Table(
        caption="SEN register on the last day of the term, against a year earlier",
        headers=["Provision or primary need", "This term", "A year earlier", "Change"],
        rows=[
            [Cell(register_label(r)),
             fmt(r["this_year"], suppressed=bool(r.get("suppressed"))),
             fmt(r["previous_year"], suppressed=bool(r.get("suppressed"))),
             fmt(None, suppressed=bool(r.get("suppressed"))) if pd.isna(r.get("change"))
             else Cell(f"{int(r['change']):+d}", numeric=True)]  # signed, as the pack writes it
            for r in rows
        ],
        empty="Nobody is on the register.",
    )
    return Block("register-summary", TITLES["register-summary"], table, NOTES["register-summary"],
                 charts.register_by_provision(rows),
                 summary="Bar chart of pupils on the register by provision, this term and a year earlier.")
