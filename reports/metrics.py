"""Pure pandas maths behind every report figure (DOMAIN.md section 9).

No Django here: plain DataFrames in, plain DataFrames out. ``reports/datasets.py`` reads the
database into the frames described below and calls these functions; ``reports/generators.py``
picks the report columns, rounds with :func:`round_for_output` and, for a governor's copy,
applies :func:`suppress_small`. Everything is vectorised: there is no Python loop over pupils.

Conventions shared by all input frames
--------------------------------------
- ``pupil_id``: int64, the database id of the pupil. ``upn``: str.
- ``subject``: str, the subject name as the school names it.
- ``term_index``: int64, ``academic_year_start * 3 + position`` with autumn 0, spring 1,
  summer 2. Terms elapsed is a plain difference: summer 2021/22 (2021*3+2 = 6065) to autumn
  2022/23 (2022*3+0 = 6066) is 1 term. See :func:`term_index`.
- ``points``: float64 from the school's points scheme (DOMAIN 3 and 4); NaN (or None) means
  "not usable in progress" (for example key-stage codes B and N).
- Dates: datetime64 (anything :func:`pandas.to_datetime` accepts is converted).
- Boolean group flags: bool (nullable booleans are accepted; NA counts as "not a member").

Input frame contracts (extra columns are allowed unless said otherwise)
-----------------------------------------------------------------------
``baselines`` (:func:`select_baselines`)
    pupil_id, subject, key_stage (``KS1`` | ``KS2`` | ``KS3`` | ``Entry``), result (str),
    points (float64, NaN = unusable), term_index (int64): every baseline of every pupil.
``current`` (:func:`expected_progress`)
    pupil_id, upn, subject, result (str), points (float64): the teacher assessment (default
    kind) of each pupil and subject in the report's term, at most one row per pupil and
    subject. Extra columns (for example the boolean group flags) are carried to the output.
``value-added frame`` (:func:`pupil_value_added`, :func:`value_added`)
    pupil_id, subject, baseline_term_index (int64), baseline_points (float64), outcome_points
    (float64, the teacher assessment points in the report's term), plus one bool column per
    group in :data:`VALUE_ADDED_GROUPS` other than ``all`` (sen = provision K or E, sen_support
    = K, ehcp = E, no_sen = neither, as at the last day of the term; DESIGN). The output of
    :func:`expected_progress` (with group flags carried from ``current``) becomes this frame by
    renaming ``current_points`` to ``outcome_points``.
``enrolments`` (:func:`select_pre_post`)
    enrolment_id (int64), pupil_id, upn, programme (str), measure (``reading`` |
    ``spelling``), start_date, end_date (NaT while the enrolment is open). One row per
    enrolment and measure. Extra columns (for example intervention_id) are carried along.
``tests`` (:func:`select_pre_post`)
    pupil_id, measure, tested_on, months (age equivalent in months, int; rows with a missing
    value are ignored), optional standardised_score (float64, NaN when not recorded).
``interventions`` / ``enrolled`` / ``gains`` (:func:`intervention_costs`)
    interventions: intervention_id, programme, sessions_delivered (int), cost_per_session
    (float64, NaN = not costed); enrolled: intervention_id, pupil_id (one row per enrolment);
    gains: intervention_id, pupil_id, measure, months_gained (the ``months_gained`` column of
    :func:`ratio_gains`, i.e. post - pre, for enrolments with both tests; give the enrolments
    an intervention_id column and it is carried through to that output).
``assessments`` / ``measures`` (:func:`no_gain_but_semh`)
    assessments: pupil_id, upn, subject, term_index, points (teacher assessments; at most one
    per pupil, subject and term). measures (long): pupil_id, measure (label such as
    ``SDQ total``, ``Boxall I``, ``Boxall II``, ``behaviour points``, ``engagement``),
    term_index, value (float64), higher_is_better (bool: False for SDQ difficulties, Boxall
    section II and behaviour points). Several values of one measure in one term are averaged,
    so the caller should sum counts such as behaviour points over the term first.
``register entries`` (:func:`register_summary`)
    pupil_id, provision (N/K/E or historic A/P/S), primary_need (str or None): one row per pupil
    on the register at the census date of the year (the entry open on that day).

Several schools at once: the functions taking ``by`` (key columns such as ``school_id``) compute
each part of the frame on its own, with those columns first among the group and sort keys and first
in the output; each part's rows are exactly what the function returns for that part alone (the same
rows in the same order, so the same floating-point sums). Pupil, enrolment and intervention ids are
unique across schools, so functions keyed by them need no ``by``.

Output contracts are the ``*_COLUMNS`` constants below plus extra columns documented on each
function; callers select the report columns with ``df[EXPECTED_PROGRESS_COLUMNS]`` and so on.
Figures are computed unrounded; :func:`round_for_output` rounds floats half away from zero to
2 decimals (as a person rounds by hand). The two figures DOMAIN 9.7 defines as rounded
(``elapsed_months`` and ``ratio_gain``) come out of :func:`ratio_gains` already rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

# One definition of the spans, statuses and tolerance, shared with the one-pupil version.
from assessments.expected import (  # noqa: F401  (re-exported)
    KEY_STAGES,
    POINTS_PER_LEVEL,
    STATUS_BELOW,
    STATUS_EXCEEDING,
    STATUS_EXPECTED,
    TOLERANCE,
    Span,
    progress_span,
)

__all__ = [
    "DAYS_PER_MONTH",
    "EXPECTED_PROGRESS_COLUMNS",
    "INTERVENTION_IMPACT_COLUMNS",
    "KEY_STAGES",
    "STARTING_POINTS_COLUMNS",
    "SUPPRESSED_VALUE_COLUMNS",
    "Span",
    "VALUE_ADDED_COLUMNS",
    "VALUE_ADDED_GROUPS",
    "expected_progress",
    "intervention_costs",
    "no_gain_but_semh",
    "programme_costs",
    "progress_spans",
    "pupil_value_added",
    "ratio_band",
    "ratio_gains",
    "register_summary",
    "round_for_output",
    "round_half_up",
    "select_baselines",
    "select_pre_post",
    "standardised_change",
    "standardised_change_summary",
    "starting_points",
    "suppress_small",
    "term_index",
    "value_added",
]

# --------------------------------------------------------------------------------------------
# Constants (DOMAIN.md sections 5-9)
# --------------------------------------------------------------------------------------------

#: Days in an average month (365.25 / 12), DOMAIN 9.7.
DAYS_PER_MONTH = 30.4375
#: Pre-test may be up to 14 days after the start, post-test up to 14 days before the end.
TEST_WINDOW_DAYS = 14
SHORT_INTERVAL_MONTHS = 3.0
SHORT_INTERVAL_FLAG = "short interval"
#: Ratio-gain impact bands (Brooks; cut-offs *recalled*, DOMAIN 7), lowest first.
RATIO_BANDS: tuple[tuple[float, str], ...] = (
    (1.4, "useful"),
    (2.0, "substantial"),
    (3.0, "remarkable"),
)
RATIO_BAND_BELOW = "modest"
#: Population standard deviation of standardised scores (mean 100, sd 15).
STANDARDISED_SD = 15.0
#: Smallest prior attainment group whose mean is used as the expected outcome (DOMAIN 9.6).
PAG_MIN_SIZE = 5
Z_95 = 1.96
#: Aggregates over fewer pupils than this are suppressed for governors (DOMAIN 9.8).
SUPPRESSION_THRESHOLD = 5
SUPPRESSED_FLAG_COLUMN = "suppressed"
#: Text columns that state a verdict on the pupils counted in a row (blanked with its figures).
_VERDICT_COLUMNS = ("significance", "status", "band", "flag")
#: What a governor's copy blanks in each aggregate report (count column ``n`` as well).
SUPPRESSED_VALUE_COLUMNS = {
    "value-added": ["va", "ci_low", "ci_high", "index", "significance"],
    "starting-points": ["pct_expected", "pct_more_than_expected"],
}

#: Tie-break when two baselines of a subject share a term: the later stage wins; an on-entry
#: assessment is the school's own and most recent judgement, so it ranks last (wins).
_KEY_STAGE_RANK = {key_stage: rank for rank, key_stage in enumerate(KEY_STAGES)}


SIGNIFICANCE_ABOVE = "above"
SIGNIFICANCE_BELOW = "below"
SIGNIFICANCE_IN_LINE = "in line"

VALUE_ADDED_GROUPS = (
    "all",
    "sen",
    "sen_support",
    "ehcp",
    "no_sen",
    "pupil_premium",
    "not_pupil_premium",
)

EXPECTED_PROGRESS_COLUMNS = [
    "upn",
    "subject",
    "baseline_result",
    "baseline_points",
    "current_result",
    "current_points",
    "terms_elapsed",
    "points_gained",
    "levels_of_progress",
    "expected_points",
    "status",
]
VALUE_ADDED_COLUMNS = [
    "subject",
    "group",
    "n",
    "va",
    "ci_low",
    "ci_high",
    "index",
    "significance",
]
STARTING_POINTS_COLUMNS = [
    "subject",
    "starting_point",
    "n",
    "pct_expected",
    "pct_more_than_expected",
]
INTERVENTION_IMPACT_COLUMNS = [
    "upn",
    "programme",
    "measure",
    "pre",
    "post",
    "pre_date",
    "post_date",
    "elapsed_months",
    "ratio_gain",
    "band",
    "flag",
]

_PROVISION_ORDER = ("K", "E", "N", "A", "P", "S")
_NEED_ORDER = (
    "SPLD", "MLD", "SLD", "PMLD", "SEMH", "BESD", "SLCN", "HI", "VI", "MSI", "PD", "ASD",
    "OTH", "NSA",
)
NEED_NOT_RECORDED = "not recorded"


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def term_index(academic_year_start: int, position: int) -> int:
    """Term index of a term: ``academic_year_start * 3 + position`` (autumn 0 .. summer 2)."""
    if position not in (0, 1, 2):
        raise ValueError(f"term position must be 0 (autumn), 1 (spring) or 2 (summer), not {position!r}")
    return academic_year_start * 3 + position


def _require(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{name} frame is missing column(s): {', '.join(missing)}")


def _as_float(series: pd.Series) -> pd.Series:
    """Points as float64, None and pd.NA becoming NaN."""
    return pd.to_numeric(series, errors="raise").astype("float64")


def _group_ids(df: pd.DataFrame, keys: Sequence) -> pd.Series:
    """One integer per distinct combination of ``keys`` (columns or Series), in order of first
    appearance; NaN where a key is missing, so those rows fall out of a groupby as they would have.

    Grouping by this id makes the same groups, with their rows in the same order, as grouping by the
    keys themselves, but the keys (often text) are factorised once instead of once per groupby.
    """
    ids = df.groupby(list(keys), sort=False).ngroup()
    return ids.astype("int64") if not ids.isna().any() else ids


def _map(series: pd.Series, mapping: Mapping) -> pd.Series:
    """``series.map(mapping)`` looked up once per distinct value (a text column maps row by row slowly)."""
    codes, uniques = pd.factorize(series)
    values = pd.Series(uniques).map(mapping)
    if (codes < 0).any():  # missing values map to NaN, as with Series.map
        values = pd.concat([values, pd.Series([np.nan])], ignore_index=True)
    return pd.Series(values.to_numpy()[codes], index=series.index, name=series.name)


def _joined(df: pd.DataFrame, key: str, column: str, sep: str = "; ") -> pd.Series:
    """``df.groupby(key, sort=False)[column].agg(sep.join)`` without a Python call per group: each
    key's values joined in row order, keys in order of first appearance."""
    codes, uniques = pd.factorize(df[key])
    values = df[column].astype(str).to_numpy(dtype=object)
    position = pd.Series(codes).groupby(codes).cumcount().to_numpy()
    out = np.empty(len(uniques), dtype=object)
    for k in range(int(position.max()) + 1 if len(position) else 0):
        at = position == k
        out[codes[at]] = values[at] if k == 0 else out[codes[at]] + sep + values[at]
    return pd.Series(out, index=pd.Index(uniques, name=key), name=column, dtype="str")


def round_half_up(values, decimals: int = 2):
    """Round half away from zero, as a person rounds by hand (1.385 -> 1.39, -0.125 -> -0.13).

    ``numpy.round`` rounds half to even on the binary value, so 1.385 (stored as
    1.38499999999999989...) would become 1.38; here a value within 1e-11 of a half (at 2
    decimals) is treated as the half it was meant to be. Accepts a scalar, array or Series and
    returns the same kind; NaN stays NaN.
    """
    factor = 10.0**decimals
    arr = np.asarray(values, dtype="float64")
    rounded = np.sign(arr) * np.floor(np.abs(arr) * factor + 0.5 + 1e-9) / factor
    rounded = rounded + 0.0  # turn -0.0 into 0.0
    if isinstance(values, pd.Series):
        return pd.Series(rounded, index=values.index, name=values.name)
    if np.ndim(values) == 0:
        return float(rounded)
    return rounded


def round_for_output(df: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """Copy of ``df`` with every float column rounded half up to ``decimals`` (DESIGN: 2)."""
    out = df.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            out[column] = round_half_up(out[column].astype("float64"), decimals)
    return out


# --------------------------------------------------------------------------------------------
# Baselines and expected progress (DOMAIN 9.1-9.5)
# --------------------------------------------------------------------------------------------


def progress_spans(ks2_span: str = "KS2-KS4") -> dict[str, Span]:
    """Key stage of the baseline -> :class:`Span` (DOMAIN 9.1).

    KS1 -> 2 levels in 12 terms; KS2 -> 3 levels in 15 terms (``"KS2-KS4"``, default) or, by
    the school's choice, 2 levels in 9 terms (``"KS2-KS3"``); KS3 and Entry -> 2 levels in 9.
    The table itself lives in ``assessments.expected`` so the pupil page and reports agree.
    """
    return {key_stage: progress_span(key_stage, ks2_span) for key_stage in KEY_STAGES}


def select_baselines(baselines: pd.DataFrame, report_term_index: int) -> pd.DataFrame:
    """The baseline of each pupil and subject for a report in ``report_term_index`` (DOMAIN 9.1).

    The most recent baseline whose term is strictly before the report's term. A baseline with no
    usable points (NaN, such as key-stage B or N) is skipped, so an older usable baseline of the
    same subject is used instead; if none is usable the pupil has no baseline in that subject
    (DOMAIN 3: B/N are excluded from progress). Two baselines in the same term: the later key
    stage wins (KS1 < KS2 < KS3 < Entry).

    Returns one row per (pupil_id, subject) with the input's columns, sorted by pupil_id and
    subject. Raises ``ValueError`` on an unknown key stage.
    """
    _require(baselines, ["pupil_id", "subject", "key_stage", "result", "points", "term_index"], "baselines")
    unknown = sorted(set(baselines["key_stage"].dropna().unique()) - set(KEY_STAGES))
    if unknown or baselines["key_stage"].isna().any():
        raise ValueError(
            f"unknown key stage(s) {unknown or ['(missing)']}; valid: {', '.join(KEY_STAGES)}"
        )
    df = baselines.copy()
    df["points"] = _as_float(df["points"])
    df = df[(df["term_index"] < report_term_index) & df["points"].notna()]
    df = df.assign(_rank=_map(df["key_stage"], _KEY_STAGE_RANK))
    df = df.sort_values(["pupil_id", "subject", "term_index", "_rank"], kind="mergesort")
    df = df.groupby(["pupil_id", "subject"], sort=False).tail(1)
    return df.drop(columns="_rank").reset_index(drop=True)


def expected_progress(
    baselines_selected: pd.DataFrame,
    current: pd.DataFrame,
    report_term_index: int,
    spans: Mapping[str, Span] | None = None,
) -> pd.DataFrame:
    """Expected-progress rows: one per pupil and subject with a baseline and a current result.

    ``baselines_selected`` is the output of :func:`select_baselines`; ``current`` as in the
    module docstring. Rows whose baseline or current points are NaN are excluded. With
    t = report_term_index - baseline term, L and S the span's expected levels and terms:

    - points_gained = current - baseline; levels_of_progress = points_gained / 6
    - expected gain = L * 6 * t / S; expected_points = baseline + expected gain
    - status ``exceeding`` if gain >= (L + 1) * 6 * t / S, ``expected`` if gain >= L * 6 * t / S,
      else ``below``; "at least" holds within :data:`TOLERANCE` so exact boundaries count.

    The pro-rata line is not capped at the end of the span (t > S keeps growing linearly).

    Columns: :data:`EXPECTED_PROGRESS_COLUMNS` (unrounded), then pupil_id, key_stage,
    baseline_term_index and any extra columns of ``current``. Sorted by upn then subject.
    Raises ``ValueError`` for an unknown key stage or a baseline not before the report's term.
    """
    spans = progress_spans() if spans is None else spans
    _require(baselines_selected, ["pupil_id", "subject", "key_stage", "result", "points", "term_index"], "baselines")
    _require(current, ["pupil_id", "upn", "subject", "result", "points"], "current")
    reserved = set(EXPECTED_PROGRESS_COLUMNS) | {"key_stage", "baseline_term_index"}
    clashes = sorted(reserved & (set(current.columns) - {"pupil_id", "upn", "subject", "result", "points"}))
    if clashes:
        raise ValueError(f"current frame has column(s) that clash with the output: {', '.join(clashes)}")

    base = baselines_selected[["pupil_id", "subject", "key_stage", "result", "points", "term_index"]].rename(
        columns={"result": "baseline_result", "points": "baseline_points", "term_index": "baseline_term_index"}
    )
    cur = current.rename(columns={"result": "current_result", "points": "current_points"})
    df = cur.merge(base, on=["pupil_id", "subject"], how="inner", validate="one_to_one")
    df["baseline_points"] = _as_float(df["baseline_points"])
    df["current_points"] = _as_float(df["current_points"])
    df = df[df["baseline_points"].notna() & df["current_points"].notna()].copy()

    unknown = sorted(set(df["key_stage"].unique()) - set(spans))
    if unknown:
        raise ValueError(f"no progress span for key stage(s) {', '.join(map(str, unknown))}")
    terms = (report_term_index - df["baseline_term_index"]).astype("int64")
    if (terms <= 0).any():
        raise ValueError("every baseline must be from a term before the report's term")

    levels = _map(df["key_stage"], {ks: span.expected_levels for ks, span in spans.items()}).astype("int64")
    span_terms = _map(df["key_stage"], {ks: span.span_terms for ks, span in spans.items()}).astype("int64")
    gain = df["current_points"] - df["baseline_points"]
    # One division of an exact integer numerator: the float nearest the true fraction.
    expected_gain = (levels * POINTS_PER_LEVEL * terms) / span_terms
    exceeding_gain = ((levels + 1) * POINTS_PER_LEVEL * terms) / span_terms

    df["terms_elapsed"] = terms
    df["points_gained"] = gain
    df["levels_of_progress"] = gain / POINTS_PER_LEVEL
    df["expected_points"] = df["baseline_points"] + expected_gain
    df["status"] = np.select(
        [gain >= exceeding_gain - TOLERANCE, gain >= expected_gain - TOLERANCE],
        [STATUS_EXCEEDING, STATUS_EXPECTED],
        default=STATUS_BELOW,
    )
    extras = [c for c in cur.columns if c not in EXPECTED_PROGRESS_COLUMNS and c != "pupil_id"]
    columns = EXPECTED_PROGRESS_COLUMNS + ["pupil_id", "key_stage", "baseline_term_index"] + extras
    df = df[columns].sort_values(["upn", "subject"], kind="mergesort")
    return df.reset_index(drop=True)


def starting_points(ep: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Starting-points table from :func:`expected_progress` output (DOMAIN 9.5).

    One row per subject and baseline result: n pupils, pct_expected = % whose status is
    ``expected`` or ``exceeding``, pct_more_than_expected = % ``exceeding`` (0-100, unrounded).
    Ordered by subject, then up the ladder (baseline points, then the result's text, so ``4``
    and ``4b``, both 27 points, stay separate rows). Columns :data:`STARTING_POINTS_COLUMNS`
    (after the ``by`` columns).
    """
    by = list(by)
    _require(ep, by + ["subject", "baseline_result", "baseline_points", "status"], "expected-progress")
    df = ep.assign(
        _met=ep["status"].isin([STATUS_EXPECTED, STATUS_EXCEEDING]).astype("float64"),
        _more=(ep["status"] == STATUS_EXCEEDING).astype("float64"),
    )
    out = (
        df.groupby(by + ["subject", "baseline_result"], sort=False)
        .agg(
            n=("status", "size"),
            _points=("baseline_points", "min"),
            pct_expected=("_met", "mean"),
            pct_more_than_expected=("_more", "mean"),
        )
        .reset_index()
        .rename(columns={"baseline_result": "starting_point"})
    )
    out["pct_expected"] = out["pct_expected"] * 100.0
    out["pct_more_than_expected"] = out["pct_more_than_expected"] * 100.0
    out["n"] = out["n"].astype("int64")
    out = out.sort_values(by + ["subject", "_points", "starting_point"], kind="mergesort")
    return out[by + STARTING_POINTS_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Value added (DOMAIN 9.6)
# --------------------------------------------------------------------------------------------


def pupil_value_added(frame: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pupil-level value added (for charts and for :func:`value_added`).

    Reference cohort: same subject and same baseline_term_index. Expected outcome: the mean
    outcome of the cohort pupils with the same baseline points (the prior attainment group,
    PAG; points compared to 6 decimals) when the PAG has at least 5 pupils, otherwise the
    ordinary least-squares line of outcome on baseline over the whole cohort at the pupil's
    baseline; when every baseline in the cohort is equal the line is the cohort mean (so a
    one-pupil cohort's expected outcome is its own outcome and its VA is 0). Rows with a NaN
    baseline or outcome are left out.

    Returns the input columns plus cohort_n, pag_n, method (``pag`` | ``line``),
    expected_outcome and va (outcome - expected), in the input's order.
    """
    by = list(by)
    _require(
        frame, by + ["pupil_id", "subject", "baseline_term_index", "baseline_points", "outcome_points"], "value-added"
    )
    df = frame.copy()
    df["baseline_points"] = _as_float(df["baseline_points"])
    df["outcome_points"] = _as_float(df["outcome_points"])
    df = df[df["baseline_points"].notna() & df["outcome_points"].notna()].copy()

    keys = [df[key] for key in by] + [df["subject"], df["baseline_term_index"]]
    cohort_keys = _group_ids(df, keys)
    pag_keys = _group_ids(df, keys + [df["baseline_points"].round(6)])
    x = df["baseline_points"]
    y = df["outcome_points"]

    by_cohort_x = x.groupby(cohort_keys, sort=False)
    x_mean = by_cohort_x.transform("mean")
    y_mean = y.groupby(cohort_keys, sort=False).transform("mean")
    dx = x - x_mean
    sxx = (dx * dx).groupby(cohort_keys, sort=False).transform("sum")
    sxy = (dx * (y - y_mean)).groupby(cohort_keys, sort=False).transform("sum")
    spread = by_cohort_x.transform("max") - by_cohort_x.transform("min")
    has_spread = spread > 0
    slope = (sxy / sxx.where(has_spread)).where(has_spread, 0.0)
    line = y_mean + slope * dx.where(has_spread, 0.0)

    pag_n = y.groupby(pag_keys, sort=False).transform("size").astype("int64")
    pag_mean = y.groupby(pag_keys, sort=False).transform("mean")
    use_pag = pag_n >= PAG_MIN_SIZE

    df["cohort_n"] = y.groupby(cohort_keys, sort=False).transform("size").astype("int64")
    df["pag_n"] = pag_n
    df["method"] = np.where(use_pag, "pag", "line")
    df["expected_outcome"] = pag_mean.where(use_pag, line)
    df["va"] = y - df["expected_outcome"]
    return df.reset_index(drop=True)


def value_added(
    frame: pd.DataFrame, groups: Sequence[str] = VALUE_ADDED_GROUPS, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Value added per subject and group (DOMAIN 9.6, DESIGN value-added report).

    ``frame`` as for :func:`pupil_value_added` with one bool column per group other than
    ``all`` (every pupil). For each subject and group: n = group members, va = mean pupil VA,
    index = 100 + va, ci = va -/+ 1.96 * s / sqrt(n) where s is the sample sd (n - 1) of pupil VA
    over all pupils in that subject. significance ``above`` when ci_low > 0, ``below`` when
    ci_high < 0, else ``in line`` (0 compared within :data:`TOLERANCE`, so float noise around
    a VA of exactly 0 is not "significant").

    Choices: a group with no members gets no row; a subject with one pupil has s undefined, so
    its CI is NaN and its significance ``in line``. Rows ordered by subject, then ``groups``.
    Columns :data:`VALUE_ADDED_COLUMNS` (unrounded; n int64), after the ``by`` columns.
    """
    by = list(by)
    pupils = pupil_value_added(frame, by)
    flag_groups = [g for g in groups if g != "all"]
    _require(pupils, flag_groups, "value-added")
    membership = pd.DataFrame(
        {g: pupils[g].astype("boolean").fillna(False).astype(bool) for g in flag_groups},
        index=pupils.index,
    )
    if "all" in groups:
        membership["all"] = True
    # Each group's members per subject (and part): one pass per group over integer subject ids.
    keys = by + ["subject"]
    ids = _group_ids(pupils, keys)
    subject_ids = ids.to_numpy()
    known = ids.notna().to_numpy()
    _, first = np.unique(subject_ids[known], return_index=True)
    labels = pupils.loc[known, keys].iloc[first].reset_index(drop=True)  # row i holds the keys of id i
    va = pupils["va"].to_numpy()
    parts = []
    for group in groups:
        member = membership[group].to_numpy(dtype=bool)
        stats = pd.Series(va[member]).groupby(subject_ids[member], sort=False).agg(["size", "mean"])
        parts.append(pd.DataFrame({"_id": stats.index.to_numpy(dtype="int64"), "group": group,
                                   "n": stats["size"].to_numpy(), "va": stats["mean"].to_numpy()}))
    out = pd.concat(parts, ignore_index=True)
    out = pd.concat([labels.iloc[out["_id"]].reset_index(drop=True), out], axis=1)

    sd = pd.Series(va).groupby(subject_ids).std(ddof=1)
    s = sd.reindex(out["_id"]).to_numpy(dtype="float64")
    n = out["n"].astype("int64")
    half_width = Z_95 * s / np.sqrt(n)
    out["n"] = n
    out["ci_low"] = out["va"] - half_width
    out["ci_high"] = out["va"] + half_width
    out["index"] = 100.0 + out["va"]
    out["significance"] = np.select(
        [out["ci_low"] > TOLERANCE, out["ci_high"] < -TOLERANCE],
        [SIGNIFICANCE_ABOVE, SIGNIFICANCE_BELOW],
        default=SIGNIFICANCE_IN_LINE,
    )
    out["_order"] = out["group"].map({g: i for i, g in enumerate(groups)})
    out = out.sort_values(by + ["subject", "_order"], kind="mergesort")
    return out[by + VALUE_ADDED_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Reading and spelling ages, standardised scores (DOMAIN 7, 9.7)
# --------------------------------------------------------------------------------------------


def select_pre_post(enrolments: pd.DataFrame, tests: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pre- and post-test of each ended enrolment and measure (DOMAIN 9.7).

    pre = the last test of the enrolment's measure dated on or before start + 14 days;
    post = the first test dated on or after end - 14 days and strictly later than pre. No row
    when the enrolment has not ended (end_date NaT) or either test is missing.

    Returns every enrolment column plus pre, post (int64 months), pre_date, post_date
    (datetime64) and, when ``tests`` has standardised_score, pre_score and post_score (the
    standardised scores recorded with those same two tests; NaN when not recorded). Sorted by
    enrolment_id then measure. With ``by``, an enrolment is matched only with tests of its own part
    (for schools: a pupil's tests at another school are not that school's).
    """
    by = list(by)
    _require(
        enrolments,
        by + ["enrolment_id", "pupil_id", "upn", "programme", "measure", "start_date", "end_date"],
        "enrolments",
    )
    _require(tests, by + ["pupil_id", "measure", "tested_on", "months"], "tests")
    keys = ["enrolment_id", "measure"]
    if enrolments.duplicated(keys).any():
        raise ValueError("enrolments must have one row per enrolment_id and measure")
    with_scores = "standardised_score" in tests.columns

    enr = enrolments.copy()
    enr["start_date"] = pd.to_datetime(enr["start_date"])
    enr["end_date"] = pd.to_datetime(enr["end_date"])
    enr = enr[enr["end_date"].notna()]

    test_cols = by + ["pupil_id", "measure", "tested_on", "months"] + (["standardised_score"] if with_scores else [])
    tst = tests[test_cols].copy()
    tst["tested_on"] = pd.to_datetime(tst["tested_on"])
    tst["months"] = pd.to_numeric(tst["months"])
    tst = tst[tst["months"].notna() & tst["tested_on"].notna()]
    if not with_scores:
        tst["standardised_score"] = np.nan

    window = pd.Timedelta(days=TEST_WINDOW_DAYS)
    pairs = enr[keys + by + ["pupil_id", "start_date", "end_date"]].merge(
        tst, on=by + ["pupil_id", "measure"], how="inner"
    )

    pre = pairs[pairs["tested_on"] <= pairs["start_date"] + window]
    pre = pre.sort_values(keys + ["tested_on"], kind="mergesort").groupby(keys, sort=False).tail(1)
    pre = pre[keys + ["tested_on", "months", "standardised_score"]].rename(
        columns={"tested_on": "pre_date", "months": "pre", "standardised_score": "pre_score"}
    )

    post = pairs.merge(pre[keys + ["pre_date"]], on=keys, how="inner")
    post = post[(post["tested_on"] >= post["end_date"] - window) & (post["tested_on"] > post["pre_date"])]
    post = post.sort_values(keys + ["tested_on"], kind="mergesort").groupby(keys, sort=False).head(1)
    post = post[keys + ["tested_on", "months", "standardised_score"]].rename(
        columns={"tested_on": "post_date", "months": "post", "standardised_score": "post_score"}
    )

    out = enr.merge(pre, on=keys, how="inner").merge(post, on=keys, how="inner")
    out["pre"] = out["pre"].astype("int64")
    out["post"] = out["post"].astype("int64")
    out = out[[c for c in out.columns if c not in ("pre_score", "post_score")] + ["pre_score", "post_score"]]
    if not with_scores:
        out = out.drop(columns=["pre_score", "post_score"])
    return out.sort_values(keys, kind="mergesort").reset_index(drop=True)


def ratio_band(ratio):
    """Impact band of a ratio gain (DOMAIN 7): < 1.4 ``modest``, 1.4 to < 2.0 ``useful``,
    2.0 to < 3.0 ``substantial``, >= 3.0 ``remarkable``; NaN -> empty string.

    Pass the ratio already rounded to 2 decimals (as :func:`ratio_gains` does) so the printed
    figure and its band always agree. Scalar in, str out; array or Series in, same kind out.
    """
    arr = np.asarray(ratio, dtype="float64")
    conditions = [arr >= cut - TOLERANCE for cut, _ in reversed(RATIO_BANDS)]
    labels = [label for _, label in reversed(RATIO_BANDS)]
    bands = np.select(conditions + [np.isnan(arr)], labels + [""], default=RATIO_BAND_BELOW)
    if isinstance(ratio, pd.Series):
        return pd.Series(bands, index=ratio.index, name="band", dtype="str")
    if np.ndim(ratio) == 0:
        return str(bands)
    return bands


def ratio_gains(prepost: pd.DataFrame) -> pd.DataFrame:
    """Intervention-impact rows from :func:`select_pre_post` (DOMAIN 9.7).

    elapsed months = days between the tests / 30.4375; ratio_gain = (post - pre) / elapsed
    months using the unrounded elapsed months, then rounded half up to 2 decimals;
    ``elapsed_months`` is output rounded to 2 decimals (the reported figure). ``band`` is taken
    from the *rounded* ratio, so a printed 1.40 is always ``useful``. ``flag`` is
    ``short interval`` when the unrounded elapsed months are under 3 (never differs from the
    rounded figure for whole days: 91 days = 2.99, 92 days = 3.02), else ``""``.

    Columns :data:`INTERVENTION_IMPACT_COLUMNS`, then days, months_gained and every other input
    column (enrolment_id, pupil_id, ...). Same row order as the input.
    """
    _require(prepost, ["upn", "programme", "measure", "pre", "post", "pre_date", "post_date"], "pre/post")
    df = prepost.copy()
    df["pre_date"] = pd.to_datetime(df["pre_date"])
    df["post_date"] = pd.to_datetime(df["post_date"])
    days = (df["post_date"] - df["pre_date"]).dt.days.astype("int64")
    elapsed = days / DAYS_PER_MONTH
    gained = df["post"].astype("int64") - df["pre"].astype("int64")
    ratio = round_half_up(gained / elapsed, 2)
    df["elapsed_months"] = round_half_up(elapsed, 2)
    df["ratio_gain"] = ratio
    df["band"] = ratio_band(ratio)
    df["flag"] = np.where(elapsed < SHORT_INTERVAL_MONTHS - TOLERANCE, SHORT_INTERVAL_FLAG, "")
    df["days"] = days
    df["months_gained"] = gained
    first = INTERVENTION_IMPACT_COLUMNS + ["days", "months_gained"]
    return df[first + [c for c in df.columns if c not in first]].reset_index(drop=True)


def standardised_change(prepost: pd.DataFrame) -> pd.DataFrame:
    """Change in standardised score per pupil, enrolment and measure (DOMAIN 7).

    change = post_score - pre_score; effect_size = change / 15, the population sd of
    standardised scores (not the sample sd of the group, which is unstable for the small
    groups interventions have). Rows missing either score are left out. Input: the output of
    :func:`select_pre_post` with pre_score and post_score. Columns: upn, programme, measure,
    pre_score, post_score, change, effect_size, then every other input column.
    """
    _require(prepost, ["upn", "programme", "measure", "pre_score", "post_score"], "pre/post scores")
    df = prepost.copy()
    df["pre_score"] = _as_float(df["pre_score"])
    df["post_score"] = _as_float(df["post_score"])
    df = df[df["pre_score"].notna() & df["post_score"].notna()].copy()
    df["change"] = df["post_score"] - df["pre_score"]
    df["effect_size"] = df["change"] / STANDARDISED_SD
    first = ["upn", "programme", "measure", "pre_score", "post_score", "change", "effect_size"]
    return df[first + [c for c in df.columns if c not in first]].reset_index(drop=True)


def standardised_change_summary(per_pupil: pd.DataFrame) -> pd.DataFrame:
    """Per programme and measure from :func:`standardised_change`: programme, measure, n,
    mean_change, effect_size (= mean_change / 15). Sorted by programme then measure."""
    _require(per_pupil, ["programme", "measure", "change"], "standardised change")
    out = (
        per_pupil.groupby(["programme", "measure"])["change"]
        .agg(n="size", mean_change="mean")
        .reset_index()
    )
    out["n"] = out["n"].astype("int64")
    out["effect_size"] = out["mean_change"] / STANDARDISED_SD
    return out[["programme", "measure", "n", "mean_change", "effect_size"]]


# --------------------------------------------------------------------------------------------
# Intervention costs
# --------------------------------------------------------------------------------------------


def _cost_inputs(interventions, enrolled, gains, measure):
    _require(interventions, ["intervention_id", "programme", "sessions_delivered", "cost_per_session"], "interventions")
    _require(enrolled, ["intervention_id", "pupil_id"], "enrolled")
    _require(gains, ["intervention_id", "pupil_id", "measure", "months_gained"], "gains")
    if interventions["intervention_id"].duplicated().any():
        raise ValueError("interventions must have one row per intervention_id")
    iv = interventions.copy()
    iv["cost_per_session"] = _as_float(iv["cost_per_session"])
    iv["cost_to_date"] = iv["sessions_delivered"].astype("float64") * iv["cost_per_session"]
    pupils = enrolled[["intervention_id", "pupil_id"]].drop_duplicates()
    pupils = pupils.merge(iv[["intervention_id", "programme"]], on="intervention_id", how="inner")
    g = gains[gains["measure"] == measure].copy()
    g["months_gained"] = _as_float(g["months_gained"])
    g = g[g["months_gained"].notna()]
    g = g.merge(iv[["intervention_id", "programme"]], on="intervention_id", how="inner")
    return iv, pupils, g


def _cost_ratios(out: pd.DataFrame) -> pd.DataFrame:
    out["pupils_enrolled"] = out["pupils_enrolled"].fillna(0).astype("int64")
    out["pupils_with_gain"] = out["pupils_with_gain"].fillna(0).astype("int64")
    out["months_gained"] = out["months_gained"].fillna(0.0).astype("float64")
    out["cost_per_pupil"] = out["cost_to_date"] / out["pupils_enrolled"].where(out["pupils_enrolled"] > 0)
    out["cost_per_month_gained"] = out["cost_to_date"] / out["months_gained"].where(out["months_gained"] > 0)
    return out


def intervention_costs(
    interventions: pd.DataFrame,
    enrolled: pd.DataFrame,
    gains: pd.DataFrame,
    measure: str = "reading",
) -> pd.DataFrame:
    """Cost of each intervention (a run of a programme) and cost per month of ``measure`` age.

    cost_to_date = sessions_delivered x cost_per_session (NaN when not costed);
    pupils_enrolled = distinct pupils enrolled; cost_per_pupil = cost_to_date / pupils_enrolled
    (NaN with no pupils); pupils_with_gain and months_gained = pupils with a pre- and post-test
    of ``measure`` and the sum of their months gained (post - pre, losses included);
    cost_per_month_gained = cost_to_date / months_gained, NaN when months_gained <= 0 (a cost
    per month of a loss or of nothing means nothing). The full cost is divided, including the
    cost of pupils without tests: it is the cost of the months the intervention produced.

    Columns: intervention_id, programme, sessions_delivered, cost_per_session, cost_to_date,
    pupils_enrolled, cost_per_pupil, pupils_with_gain, months_gained, cost_per_month_gained.
    """
    iv, pupils, g = _cost_inputs(interventions, enrolled, gains, measure)
    enrolled_n = pupils.groupby("intervention_id")["pupil_id"].nunique().rename("pupils_enrolled")
    gain_agg = g.groupby("intervention_id").agg(
        pupils_with_gain=("pupil_id", "nunique"), months_gained=("months_gained", "sum")
    )
    out = iv[["intervention_id", "programme", "sessions_delivered", "cost_per_session", "cost_to_date"]]
    out = out.merge(enrolled_n, left_on="intervention_id", right_index=True, how="left")
    out = out.merge(gain_agg, left_on="intervention_id", right_index=True, how="left")
    out = _cost_ratios(out)
    columns = [
        "intervention_id", "programme", "sessions_delivered", "cost_per_session", "cost_to_date",
        "pupils_enrolled", "cost_per_pupil", "pupils_with_gain", "months_gained", "cost_per_month_gained",
    ]
    return out[columns].sort_values("intervention_id", kind="mergesort").reset_index(drop=True)


def programme_costs(
    interventions: pd.DataFrame,
    enrolled: pd.DataFrame,
    gains: pd.DataFrame,
    measure: str = "reading",
) -> pd.DataFrame:
    """The figures of :func:`intervention_costs` summed over each programme's interventions.

    cost_to_date is NaN when any of the programme's interventions is not costed (a partial sum
    would understate it); pupils_enrolled and pupils_with_gain count distinct pupils across the
    programme (a pupil in two groups of one programme counts once); months_gained sums every
    gain row. Columns: programme, interventions, sessions_delivered, cost_to_date,
    pupils_enrolled, cost_per_pupil, pupils_with_gain, months_gained, cost_per_month_gained.
    """
    iv, pupils, g = _cost_inputs(interventions, enrolled, gains, measure)
    base = iv.groupby("programme").agg(
        interventions=("intervention_id", "size"),
        sessions_delivered=("sessions_delivered", "sum"),
        cost_to_date=("cost_to_date", lambda c: c.sum(min_count=len(c))),
    )
    enrolled_n = pupils.groupby("programme")["pupil_id"].nunique().rename("pupils_enrolled")
    gain_agg = g.groupby("programme").agg(
        pupils_with_gain=("pupil_id", "nunique"), months_gained=("months_gained", "sum")
    )
    out = base.join(enrolled_n).join(gain_agg).reset_index()
    out = _cost_ratios(out)
    columns = [
        "programme", "interventions", "sessions_delivered", "cost_to_date", "pupils_enrolled",
        "cost_per_pupil", "pupils_with_gain", "months_gained", "cost_per_month_gained",
    ]
    return out[columns].sort_values("programme", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# No attainment gain but better SEMH or qualitative measures (DOMAIN 8)
# --------------------------------------------------------------------------------------------


def _fmt_number(value: float) -> str:
    return f"{value:g}"


def no_gain_but_semh(
    assessments: pd.DataFrame,
    measures: pd.DataFrame,
    report_term_index: int,
    subjects: Sequence[str] = ("English", "Maths"),
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Pupils with no gain in English or maths this term whose SEMH or qualitative measures improved.

    No gain: teacher assessment points in the report's term minus those of the previous term
    (report_term_index - 1) <= 0, in a subject of ``subjects`` (matched case-insensitively);
    a pupil without both assessments in a subject is not judged in it. Improved: a measure's
    value this term versus last term rose (``higher_is_better``) or fell (otherwise); a measure
    without values in both terms is not judged.

    One row per pupil with both: pupil_id, upn, subjects_without_gain (``"English; Maths"``),
    improved_measures (``"SDQ total 18 -> 14; engagement 2 -> 3"``, measures in alphabetical
    order, case-insensitive). Sorted by upn (after the ``by`` columns, taken from ``assessments``).
    """
    by = list(by)
    _require(assessments, by + ["pupil_id", "upn", "subject", "term_index", "points"], "assessments")
    _require(measures, ["pupil_id", "measure", "term_index", "value", "higher_is_better"], "measures")
    columns = by + ["pupil_id", "upn", "subjects_without_gain", "improved_measures"]
    this_term, last_term = report_term_index, report_term_index - 1
    wanted = {s.casefold() for s in subjects}

    a = assessments[
        assessments["subject"].str.casefold().isin(wanted) & assessments["term_index"].isin([this_term, last_term])
    ].copy()
    a["points"] = _as_float(a["points"])
    a = a[a["points"].notna()]
    if a.duplicated(["pupil_id", "subject", "term_index"]).any():
        raise ValueError("assessments must have at most one row per pupil, subject and term")
    now = a[a["term_index"] == this_term][by + ["pupil_id", "upn", "subject", "points"]]
    before = a[a["term_index"] == last_term][["pupil_id", "subject", "points"]]
    paired = now.merge(before, on=["pupil_id", "subject"], suffixes=("", "_before"))
    stalled = paired[paired["points"] - paired["points_before"] <= TOLERANCE]
    stalled = stalled.sort_values(["pupil_id", "subject"], kind="mergesort")
    no_gain = stalled.drop_duplicates("pupil_id").set_index("pupil_id")[by + ["upn"]]
    no_gain["subjects_without_gain"] = _joined(stalled, "pupil_id", "subject")

    m = measures[measures["term_index"].isin([this_term, last_term])].copy()
    m["value"] = _as_float(m["value"])
    m = m[m["value"].notna()]
    m = m.groupby(["pupil_id", "measure", "term_index"], as_index=False).agg(
        value=("value", "mean"), higher_is_better=("higher_is_better", "first")
    )
    m_now = m[m["term_index"] == this_term]
    m_before = m[m["term_index"] == last_term][["pupil_id", "measure", "value"]]
    change = m_now.merge(m_before, on=["pupil_id", "measure"], suffixes=("", "_before"))
    delta = change["value"] - change["value_before"]
    better = change["higher_is_better"].astype(bool)
    improved = change[(better & (delta > TOLERANCE)) | (~better & (delta < -TOLERANCE))].copy()
    improved["text"] = (
        improved["measure"].astype(str)
        + " "
        + improved["value_before"].map(_fmt_number)
        + " -> "
        + improved["value"].map(_fmt_number)
    )
    improved["_key"] = improved["measure"].astype(str).str.casefold()
    improved = improved.sort_values(["pupil_id", "_key"], kind="mergesort")
    improved_text = _joined(improved, "pupil_id", "text").rename("improved_measures")

    out = no_gain.join(improved_text, how="inner").reset_index()
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "pupil_id" else "str") for c in columns}).astype(
            {key: assessments[key].dtype for key in by}
        )
    return out[columns].sort_values(by + ["upn"], kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# SEN register summary
# --------------------------------------------------------------------------------------------


def register_summary(entries_this: pd.DataFrame, entries_prev: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pupils on the register by provision and by primary need, this year against last year.

    Each frame: one row per pupil (pupil_id, provision, primary_need), as at the year's census
    date. Provision counts every row given. Primary-need counts only pupils with SEN (provision
    other than ``N``); a missing need is counted as ``not recorded``.

    Columns: dimension (``provision`` | ``primary_need``), code, this_year, previous_year,
    change (= this_year - previous_year), all int64; every code present in either year, zeros
    filled. Order: provision K, E, N, A, P, S; needs in the census order (SPLD, MLD, SLD, PMLD,
    SEMH, BESD, SLCN, HI, VI, MSI, PD, ASD, OTH, NSA); other codes alphabetically after them;
    ``not recorded`` last. With ``by``, each part's codes are those present in that part.
    """
    by = list(by)
    for frame, name in ((entries_this, "register (this year)"), (entries_prev, "register (previous year)")):
        _require(frame, by + ["pupil_id", "provision", "primary_need"], name)

    def long(entries: pd.DataFrame, year: str) -> pd.DataFrame:
        keys = {key: entries[key] for key in by}
        provision = pd.DataFrame({**keys, "dimension": "provision", "code": entries["provision"].astype(str)})
        sen = entries[entries["provision"] != "N"]
        need = sen["primary_need"].astype("object").where(
            sen["primary_need"].notna() & (sen["primary_need"].astype(str).str.strip() != ""), NEED_NOT_RECORDED
        )
        needs = pd.DataFrame({**{key: sen[key] for key in by}, "dimension": "primary_need", "code": need.astype(str)})
        return pd.concat([provision, needs], ignore_index=True).assign(year=year)

    both = pd.concat([long(entries_this, "this_year"), long(entries_prev, "previous_year")], ignore_index=True)
    counts = both.groupby(by + ["dimension", "code", "year"]).size().unstack("year", fill_value=0)
    counts = counts.reindex(columns=["this_year", "previous_year"], fill_value=0).reset_index()
    counts["this_year"] = counts["this_year"].astype("int64")
    counts["previous_year"] = counts["previous_year"].astype("int64")
    counts["change"] = counts["this_year"] - counts["previous_year"]

    order = {code: i for i, code in enumerate(_PROVISION_ORDER)}
    order.update({code: i for i, code in enumerate(_NEED_ORDER)})
    known = counts["code"].map(order)
    counts["_dim"] = (counts["dimension"] == "primary_need").astype(int)
    counts["_last"] = (counts["code"] == NEED_NOT_RECORDED).astype(int)
    counts["_known"] = known.isna().astype(int)
    counts["_rank"] = known.fillna(0)
    counts = counts.sort_values(by + ["_dim", "_last", "_known", "_rank", "code"], kind="mergesort")
    return counts[by + ["dimension", "code", "this_year", "previous_year", "change"]].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Small-number suppression (DOMAIN 9.8)
# --------------------------------------------------------------------------------------------


def suppress_small(
    df: pd.DataFrame,
    count_col: str | Sequence[str] = "n",
    value_cols: Sequence[str] | None = None,
    threshold: int = SUPPRESSION_THRESHOLD,
    suppress_counts: bool = True,
) -> pd.DataFrame:
    """Governor's copy: blank every figure of a row that aggregates fewer than ``threshold`` pupils.

    A row is suppressed when any of its count column(s) is under ``threshold`` (so 4 is
    suppressed and 5 is shown). In a suppressed row the ``value_cols`` and, with
    ``suppress_counts`` (default), the count columns themselves become missing. Default
    ``value_cols``: every numeric column other than the counts, plus the verdict columns
    ``significance``, ``status``, ``band`` and ``flag`` when present (they describe the same few
    pupils); labels such as subject and group are kept. :data:`SUPPRESSED_VALUE_COLUMNS` lists
    the columns per report. Missing means NaN in float columns, <NA> in integer columns
    (converted to the nullable ``Int64``) and in text columns. A bool column ``suppressed`` says
    which rows were blanked. Missing values serialise cleanly: an empty cell in CSV, ``null`` in JSON; the page
    prints the word "suppressed" where ``suppressed`` is True. The input is not modified.

    Note: this does not stop a figure being recovered by subtraction from other rows (for
    example ``all`` minus ``sen``); reports for governors show groups, not their differences.
    """
    counts = [count_col] if isinstance(count_col, str) else list(count_col)
    _require(df, counts, "suppression")
    if value_cols is None:
        value_cols = [
            c
            for c in df.columns
            if c not in counts
            and (
                c in _VERDICT_COLUMNS
                or (pd.api.types.is_numeric_dtype(df[c].dtype) and not pd.api.types.is_bool_dtype(df[c].dtype))
            )
        ]
    _require(df, value_cols, "suppression")
    out = df.copy()
    small = pd.Series(False, index=out.index)
    for column in counts:
        small = small | (pd.to_numeric(out[column]) < threshold)
    blank = list(value_cols) + (counts if suppress_counts else [])
    for column in dict.fromkeys(blank):
        series = out[column]
        if pd.api.types.is_integer_dtype(series.dtype):
            series = series.astype("Int64")
        elif pd.api.types.is_bool_dtype(series.dtype):
            series = series.astype("boolean")
        out[column] = series.mask(small)
    out[SUPPRESSED_FLAG_COLUMN] = small.astype(bool)
    return out
