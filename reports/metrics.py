"""Pure pandas maths behind every report figure (docs/figures.md section 9).

No Django: DataFrames in, DataFrames out, no Python loop over pupils. The input frames' columns,
the ``by`` keys for several schools and the rounding rules: docs/metrics-frames.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

# One definition of the spans, statuses and tolerance, shared with the one-pupil version.
from assessments.expected import (  # noqa: F401  (re-exported)
    BAND_BELOW_LQ,
    BAND_LQ_TO_MEDIAN,
    BAND_MEDIAN_TO_UQ,
    BAND_UQ_OR_ABOVE,
    EXPECTATION_LEVELS,
    EXPECTATION_QUARTILE,
    KEY_STAGES,
    POINTS_PER_LEVEL,
    QUARTILE_SETTINGS,
    QUARTILES_ALL,
    QUARTILES_BELOW_LEVEL_1,
    QUARTILES_OFF,
    STATUS_BELOW,
    STATUS_EXCEEDING,
    STATUS_EXPECTED,
    TOLERANCE,
    TRANSITIONS,
    Span,
    progress_span,
    transition_for,
)
from assessments.ladder import LadderError, is_below_level_1, ladder_position, parse_level, whole_level_code

__all__ = [
    "AGE_EQUIVALENT_KINDS",
    "DAYS_PER_MONTH",
    "MEASURE_KINDS",
    "NEED_GROUPS",
    "Partition",
    "STANDARDISED_PROGRESS_COLUMNS",
    "TRANSITION_MATRIX_COLUMNS",
    "VALUE_ADDED_PARTITIONS",
    "YEAR_GROUPS",
    "enrolment_measure_kinds",
    "key_stage_start",
    "ladder_progress",
    "measure_impact",
    "programme_measure_impact",
    "quartile_transitions",
    "secondary_suppression",
    "select_pre_post_measures",
    "standardised_progress",
    "standardised_progress_summary",
    "suppress_register_summary",
    "suppress_starting_points_and_matrix",
    "suppress_value_added",
    "transition_matrix",
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
# Constants (docs/figures.md sections 5-9)
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
    # The gap gives our percentage away (gap + national); the national figures themselves are public.
    "starting-points": ["pct_expected", "pct_more_than_expected", "gap_expected"],
}

#: Tie-break when two baselines of a subject share a term: the later stage wins; an on-entry
#: assessment is the school's own and most recent judgement, so it ranks last (wins).
_KEY_STAGE_RANK = {key_stage: rank for rank, key_stage in enumerate(KEY_STAGES)}


SIGNIFICANCE_ABOVE = "above"
SIGNIFICANCE_BELOW = "below"
SIGNIFICANCE_IN_LINE = "in line"

YEAR_GROUPS = tuple(f"year_{year}" for year in range(7, 14))
NEED_GROUPS = ("need_communication", "need_cognition", "need_semh", "need_sensory")
#: The broad area of need of each census primary-need code (DOMAIN 2, 9.11); other codes have none.
NEED_AREAS = {
    "SLCN": "need_communication", "ASD": "need_communication",
    "SPLD": "need_cognition", "MLD": "need_cognition", "SLD": "need_cognition", "PMLD": "need_cognition",
    "SEMH": "need_semh", "BESD": "need_semh",
    "HI": "need_sensory", "VI": "need_sensory", "MSI": "need_sensory", "PD": "need_sensory",
}
#: Every value-added group, in the order the report lists them (DESIGN and DOMAIN 9.11).
VALUE_ADDED_GROUPS = (
    "all",
    "sen",
    "sen_support",
    "ehcp",
    "no_sen",
    "pupil_premium",
    "not_pupil_premium",
    "eal",
    "not_eal",
    "looked_after",
    "not_looked_after",
    "female",
    "male",
    *YEAR_GROUPS,
    *NEED_GROUPS,
)
#: Groups that split a parent group into parts (DOMAIN 9.8), for secondary suppression.
VALUE_ADDED_PARTITIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("all", ("sen", "no_sen")),
    ("sen", ("sen_support", "ehcp")),
    ("all", ("pupil_premium", "not_pupil_premium")),
    ("all", ("eal", "not_eal")),
    ("all", ("looked_after", "not_looked_after")),
    ("all", ("female", "male")),
    ("all", YEAR_GROUPS),
    ("sen", NEED_GROUPS),
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
    "expectation",
    "quartile_band",
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
    "national_pct_expected",
    "national_pct_more_than_expected",
    "gap_expected",
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


def quartile_transitions(ks2_span: str = "KS2-KS4") -> dict[str, str | None]:
    """Key stage of the baseline -> the transition its quartile and national rows are looked up in
    (DOMAIN 9.9): KS1 -> KS1-KS2, KS2 -> the school's KS2 span, KS3 -> KS3-KS4, Entry -> none."""
    return {key_stage: transition_for(key_stage, ks2_span) for key_stage in KEY_STAGES}


def _safe(fn, code, default):
    try:
        return fn(code)
    except (LadderError, TypeError):
        return default


def _reference_lookup(
    rows: pd.DataFrame, table: pd.DataFrame, code_column: str, value_columns: Sequence[str], by: Sequence[str]
) -> pd.DataFrame:
    """The reference-table row of each row of ``rows`` (DOMAIN 9.9's lookup), aligned on its index.

    ``rows`` has the ``by`` columns, ``transition``, ``subject`` and the code in ``code_column``;
    ``table`` has ``by``, transition, subject, starting_point and ``value_columns``. A row matches
    on its transition, its subject (case-insensitive) and the starting point: the code itself, else
    its whole level (2b -> 2). Columns: ``value_columns`` plus ``quartile_starting_point`` (the
    table's starting point matched); NaN where nothing matches.
    """
    by = list(by)
    out = pd.DataFrame(index=rows.index, columns=[*value_columns, "_matched"], dtype="float64")
    out["_matched"] = out["_matched"].astype("object")
    if rows.empty or table is None or table.empty:
        return out.rename(columns={"_matched": "quartile_starting_point"})
    t = table[by + ["transition", "subject", "starting_point", *value_columns]].copy()
    t["_subject"] = t["subject"].astype(str).str.casefold()
    t = t.drop(columns="subject").rename(columns={"starting_point": "_code"})
    keys = by + ["transition", "_subject"]
    look = rows[by + ["transition"]].copy()
    look["_subject"] = rows["subject"].astype(str).str.casefold()
    codes = rows[code_column].astype(str)
    look["_row"] = np.arange(len(rows))
    found = np.full(len(rows), False)
    for candidate in (codes, _map(codes, {c: _safe(whole_level_code, c, None) for c in codes.unique()})):
        attempt = look.assign(_code=candidate.to_numpy())
        attempt = attempt[~found & attempt["_code"].notna().to_numpy() & attempt["transition"].notna().to_numpy()]
        hit = attempt.merge(t, on=keys + ["_code"], how="inner", validate="many_to_one")
        if hit.empty:
            continue
        positions = hit["_row"].to_numpy()
        for column in value_columns:
            out.iloc[positions, out.columns.get_loc(column)] = hit[column].to_numpy(dtype="float64")
        out.iloc[positions, out.columns.get_loc("_matched")] = hit["_code"].to_numpy(dtype=object)
        found[positions] = True
    return out.rename(columns={"_matched": "quartile_starting_point"})


_QUARTILE_POINTS = ["lower_quartile", "median", "upper_quartile"]
#: Columns :func:`expected_progress` adds after the report's columns.
_EP_EXTRA = [
    "pupil_id", "key_stage", "baseline_term_index", "transition", "quartile_starting_point",
    "lower_quartile_points", "median_points", "upper_quartile_points",
]


def expected_progress(
    baselines_selected: pd.DataFrame,
    current: pd.DataFrame,
    report_term_index: int,
    spans: Mapping[str, Span] | None = None,
    *,
    quartiles: pd.DataFrame | None = None,
    quartile_expectations: str = QUARTILES_BELOW_LEVEL_1,
    transitions: Mapping[str, str | None] | None = None,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Expected-progress rows: one per pupil and subject with a baseline and a current result.

    ``baselines_selected`` is the output of :func:`select_baselines`; ``current`` as in
    docs/metrics-frames.md. Rows whose baseline or current points are NaN are excluded. With
    t = report_term_index - baseline term, L and S the span's expected levels and terms:

    - points_gained = current - baseline; levels_of_progress = points_gained / 6
    - the levels rule (DOMAIN 9.4): expected gain = L * 6 * t / S; expected_points = baseline +
      expected gain; status ``exceeding`` if gain >= (L + 1) * 6 * t / S, ``expected`` if gain >=
      L * 6 * t / S, else ``below``; "at least" holds within :data:`TOLERANCE`. The pro-rata line
      is not capped at the end of the span (t > S keeps growing linearly).
    - the quartile rule (DOMAIN 9.9), for a row whose baseline ``quartile_expectations`` covers
      (``below_level_1``: a P-scale code or W; ``all``; ``off``) and that has a row in
      ``quartiles`` (by, transition, subject, starting_point, lower_quartile, median,
      upper_quartile: the outcomes in points, NaN = unusable) for its transition
      (``transitions``: key stage -> transition, default :func:`quartile_transitions`), subject
      (any case) and starting point (the baseline code, else its whole level): with b the
      baseline points, Q_t = b + (Q - b) * min(t, S) / S; ``exceeding`` when current >= UQ_t and
      current > median_t, ``expected`` when current >= median_t, else ``below``;
      expected_points = median_t; quartile_band as DOMAIN 9.9. Comparisons allow 1e-9.
    - expectation is ``quartile`` or ``levels``; quartile_band is "" for levels-rule rows.

    Columns: :data:`EXPECTED_PROGRESS_COLUMNS` (unrounded), then pupil_id, key_stage,
    baseline_term_index, transition, quartile_starting_point, lower_quartile_points,
    median_points, upper_quartile_points (Q_t; NaN for levels-rule rows) and any extra columns of
    ``current``. Sorted by upn then subject. Raises ``ValueError`` for an unknown key stage or
    setting, or a baseline not before the report's term.
    """
    spans = progress_spans() if spans is None else spans
    transitions = quartile_transitions() if transitions is None else transitions
    by = list(by)
    if quartile_expectations not in QUARTILE_SETTINGS:
        raise ValueError(
            f"quartile_expectations must be one of {', '.join(QUARTILE_SETTINGS)}, not {quartile_expectations!r}"
        )
    _require(baselines_selected, ["pupil_id", "subject", "key_stage", "result", "points", "term_index"], "baselines")
    _require(current, by + ["pupil_id", "upn", "subject", "result", "points"], "current")
    reserved = set(EXPECTED_PROGRESS_COLUMNS) | set(_EP_EXTRA)
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
    df["expectation"] = EXPECTATION_LEVELS
    df["quartile_band"] = ""
    df["transition"] = _map(df["key_stage"], dict(transitions)).astype("object")

    # The quartile rule (DOMAIN 9.9) for the rows the setting covers and the table has a row for.
    if quartile_expectations == QUARTILES_ALL:
        covered = pd.Series(True, index=df.index)
    elif quartile_expectations == QUARTILES_BELOW_LEVEL_1:
        codes = df["baseline_result"].astype(str)
        covered = _map(codes, {c: _safe(is_below_level_1, c, False) for c in codes.unique()}).astype(bool)
    else:
        covered = pd.Series(False, index=df.index)
    table = None
    if quartiles is not None:
        _require(quartiles, by + ["transition", "subject", "starting_point", *_QUARTILE_POINTS], "quartiles")
        table = quartiles.copy()
        for column in _QUARTILE_POINTS:
            table[column] = _as_float(table[column])
        table = table[table[_QUARTILE_POINTS].notna().all(axis=1)]  # a code the scheme does not score
    found = _reference_lookup(df[covered], table, "baseline_result", _QUARTILE_POINTS, by).reindex(df.index)
    use = covered & found[_QUARTILE_POINTS].notna().all(axis=1)
    b = df["baseline_points"]
    done = np.minimum(terms, span_terms)
    at_t = {c: (b + (found[c] - b) * done / span_terms).where(use) for c in _QUARTILE_POINTS}
    lq, med, uq = at_t["lower_quartile"], at_t["median"], at_t["upper_quartile"]
    now = df["current_points"]
    df["lower_quartile_points"], df["median_points"], df["upper_quartile_points"] = lq, med, uq
    df["quartile_starting_point"] = found["quartile_starting_point"].where(use)
    quartile_status = np.select(
        [(now >= uq - TOLERANCE) & (now > med + TOLERANCE), now >= med - TOLERANCE],
        [STATUS_EXCEEDING, STATUS_EXPECTED],
        default=STATUS_BELOW,
    )
    band = np.select(
        [now < lq - TOLERANCE, now >= uq - TOLERANCE, now >= med - TOLERANCE],
        [BAND_BELOW_LQ, BAND_UQ_OR_ABOVE, BAND_MEDIAN_TO_UQ],
        default=BAND_LQ_TO_MEDIAN,
    )
    df["status"] = pd.Series(np.where(use, quartile_status, df["status"].to_numpy()), index=df.index, dtype="str")
    df["quartile_band"] = pd.Series(np.where(use, band, ""), index=df.index, dtype="str")
    df["expected_points"] = med.where(use, df["expected_points"])
    df["expectation"] = pd.Series(np.where(use, EXPECTATION_QUARTILE, EXPECTATION_LEVELS), index=df.index, dtype="str")

    extras = [c for c in cur.columns if c not in EXPECTED_PROGRESS_COLUMNS and c != "pupil_id"]
    columns = EXPECTED_PROGRESS_COLUMNS + _EP_EXTRA + extras
    df = df[columns].sort_values(["upn", "subject"], kind="mergesort")
    return df.reset_index(drop=True)


_NATIONAL = ["pct_expected", "pct_more_than_expected"]


def starting_points(
    ep: pd.DataFrame,
    by: Sequence[str] = (),
    national: pd.DataFrame | None = None,
    groups: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Starting-points table from :func:`expected_progress` output (DOMAIN 9.5 and 9.10).

    One row per subject and baseline result: n pupils, pct_expected = % whose status is
    ``expected`` or ``exceeding``, pct_more_than_expected = % ``exceeding`` (0-100, unrounded);
    the statuses are those of either rule (9.4 or 9.9). Ordered by subject, then up the ladder
    (baseline points, then the result's text, so ``4`` and ``4b``, both 27 points, stay separate
    rows).

    National comparison (9.10): ``national`` (by, transition, subject, starting_point,
    pct_expected, pct_more_than_expected) is looked up as in 9.9 with the row's transition, which
    is the transition of its pupils' baselines (``ep``'s ``transition`` column) when they all share
    one; a row mixing transitions, or holding an on-entry baseline (no transition), has no
    national row. national_pct_expected, national_pct_more_than_expected and gap_expected =
    pct_expected - national_pct_expected are NaN when no row matches.

    ``groups``: bool columns of ``ep`` (``all`` for everyone) to split each subject by: the output
    then has a ``group`` column after ``subject`` and a row per subject, group and starting point
    (a group with no members in a subject has no rows). Columns :data:`STARTING_POINTS_COLUMNS`
    (after the ``by`` columns).
    """
    by = list(by)
    _require(ep, by + ["subject", "baseline_result", "baseline_points", "status"], "expected-progress")
    df = ep.assign(
        _met=ep["status"].isin([STATUS_EXPECTED, STATUS_EXCEEDING]).astype("float64"),
        _more=(ep["status"] == STATUS_EXCEEDING).astype("float64"),
        _transition=ep["transition"] if "transition" in ep.columns else None,
    )
    df["_transition"] = df["_transition"].astype("object").where(df["_transition"].notna(), "")
    split = []
    if groups is not None:
        _require(ep, [g for g in groups if g != "all"], "expected-progress")
        parts = []
        for group in groups:
            member = (
                pd.Series(True, index=df.index)
                if group == "all"
                else df[group].astype("boolean").fillna(False).astype(bool)
            )
            parts.append(df[member].assign(group=group, _group_order=len(parts)))
        df = pd.concat(parts, ignore_index=True) if parts else df.iloc[:0].assign(group="", _group_order=0)
        split = ["group"]
    keys = by + ["subject"] + split + ["baseline_result"]
    out = (
        df.groupby(keys, sort=False)
        .agg(
            n=("status", "size"),
            _points=("baseline_points", "min"),
            pct_expected=("_met", "mean"),
            pct_more_than_expected=("_more", "mean"),
            _transitions=("_transition", "nunique"),
            _transition=("_transition", "first"),
            **({"_group_order": ("_group_order", "first")} if split else {}),
        )
        .reset_index()
        .rename(columns={"baseline_result": "starting_point"})
    )
    out["pct_expected"] = out["pct_expected"] * 100.0
    out["pct_more_than_expected"] = out["pct_more_than_expected"] * 100.0
    out["n"] = out["n"].astype("int64")
    # One shared transition (an on-entry baseline counts as "" and so never matches).
    out["transition"] = out["_transition"].where((out["_transitions"] == 1) & (out["_transition"] != ""))
    if national is not None:
        _require(national, by + ["transition", "subject", "starting_point", *_NATIONAL], "national")
        table = national.copy()
        for column in _NATIONAL:
            table[column] = _as_float(table[column])
    else:
        table = None
    found = _reference_lookup(out, table, "starting_point", _NATIONAL, by)
    out["national_pct_expected"] = found["pct_expected"].astype("float64")
    out["national_pct_more_than_expected"] = found["pct_more_than_expected"].astype("float64")
    out["gap_expected"] = out["pct_expected"] - out["national_pct_expected"]
    order = by + ["subject"] + (["_group_order"] if split else []) + ["_points", "starting_point"]
    out = out.sort_values(order, kind="mergesort")
    columns = STARTING_POINTS_COLUMNS[:1] + split + STARTING_POINTS_COLUMNS[1:]
    return out[by + columns].reset_index(drop=True)


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
    frame: pd.DataFrame, groups: Sequence[str] | None = None, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Value added per subject and group (DOMAIN 9.6, DESIGN value-added report).

    ``frame`` as for :func:`pupil_value_added` with one bool column per group other than
    ``all`` (every pupil). For each subject and group: n = group members, va = mean pupil VA,
    index = 100 + va, ci = va -/+ 1.96 * s / sqrt(n) where s is the sample sd (n - 1) of pupil VA
    over all pupils in that subject. significance ``above`` when ci_low > 0, ``below`` when
    ci_high < 0, else ``in line`` (0 compared within :data:`TOLERANCE`, so float noise around
    a VA of exactly 0 is not "significant").

    Choices: a group with no members gets no row; a subject with one pupil has s undefined, so
    its CI is NaN and its significance ``in line``. Rows ordered by subject, then ``groups``
    (default: the seven groups of the report contract, whose columns are required, then each
    DOMAIN 9.11 group whose column ``frame`` has). Columns :data:`VALUE_ADDED_COLUMNS`
    (unrounded; n int64), after the ``by`` columns.
    """
    by = list(by)
    if groups is None:
        core = VALUE_ADDED_GROUPS[:7]
        groups = [*core, *(g for g in VALUE_ADDED_GROUPS[7:] if g in frame.columns)]
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


# --------------------------------------------------------------------------------------------
# Secondary suppression (DOMAIN 9.8)
# --------------------------------------------------------------------------------------------


class Partition(NamedTuple):
    """Groups that split a parent group: ``complete`` when their counts add up to the parent's."""

    parent: object
    members: tuple
    complete: bool


def secondary_suppression(
    rank: Mapping,
    partitions: Sequence[Partition],
    *,
    shown: Iterable,
    suppressed: Iterable,
    known: Iterable = (),
) -> set:
    """The figures to suppress so that no suppressed figure can be worked out from those shown.

    ``rank``: every group (node) in the order the page lists them, with the size that decides
    which is "the next smallest" (ties: the first listed). ``shown``: the groups that are rows on
    the page (or on the pages beside it); others (a total no report prints) are never shown.
    ``known``: totals this table does not print but other tables of the same page or pack do (the
    SEN count in value added, say): readable, and never chosen, as this table cannot hide them.
    ``suppressed``: the groups suppressed for small numbers. Two rules, applied until neither
    adds a group:

    1. DOMAIN 9.8 as written: within each partition whose parent can be read (shown, or worked
       out), if exactly one group is suppressed, the next smallest shown group of that partition
       is suppressed too.
    2. What rule 1 misses: a suppressed group that can still be worked out (a parent whose parts
       are all readable and add up to it; the one unreadable part of a complete partition whose
       parent is readable) has the smallest shown group suppressed whose loss stops that.

    Rule 2 adds nothing where rule 1 already protects every figure, so on such pages the result is
    rule 1's. Returns the set of suppressed groups (a superset of ``suppressed``).
    """
    order = {key: i for i, key in enumerate(rank)}
    rows = {key for key in shown if key in order}
    outside = {key for key in known if key in order and key not in rows}
    hidden = {key for key in suppressed if key in order}
    parts = [Partition(p.parent, tuple(m for m in p.members if m in order), p.complete) for p in partitions]

    def key(node):
        return (rank[node], order[node])

    def readable(hidden_now: set) -> set:
        seen = {node for node in rows if node not in hidden_now} | outside
        changed = True
        while changed:
            changed = False
            for part in parts:
                if not part.complete or not part.members:
                    continue
                if part.parent not in seen and all(m in seen for m in part.members):
                    seen.add(part.parent)
                    changed = True
                if part.parent in seen:
                    unknown = [m for m in part.members if m not in seen]
                    if len(unknown) == 1:
                        seen.add(unknown[0])
                        changed = True
        return seen

    while True:
        seen = readable(hidden)
        added = None
        for part in parts:  # rule 1
            if part.parent not in seen:
                continue
            present = [m for m in part.members if m in rows]
            hid = [m for m in present if m in hidden]
            visible = [m for m in present if m not in hidden]
            if len(hid) == 1 and visible:
                added = min(visible, key=key)
                break
        if added is None:  # rule 2
            leaked = sorted((node for node in hidden if node in seen), key=order.__getitem__)
            if leaked:
                candidates = sorted((node for node in rows if node not in hidden), key=key)
                added = next((c for c in candidates if leaked[0] not in readable(hidden | {c})), None)
                if added is None and candidates:  # no single group stops it: take the smallest, go on
                    added = candidates[0]
        if added is None:
            return hidden
        hidden.add(added)


def _blank(df: pd.DataFrame, mask: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
    """``suppress_small``'s blanking for an explicit mask: values missing, a ``suppressed`` column."""
    out = df.copy()
    for column in dict.fromkeys(columns):
        series = out[column]
        if pd.api.types.is_integer_dtype(series.dtype):
            series = series.astype("Int64")
        elif pd.api.types.is_bool_dtype(series.dtype):
            series = series.astype("boolean")
        out[column] = series.mask(mask)
    out[SUPPRESSED_FLAG_COLUMN] = mask.astype(bool).to_numpy()
    return out


def suppress_value_added(
    table: pd.DataFrame, by: Sequence[str] = (), threshold: int = SUPPRESSION_THRESHOLD
) -> pd.DataFrame:
    """Governor's copy of :func:`value_added`: small-number and secondary suppression (DOMAIN 9.8).

    Per subject (and ``by`` part), each group of fewer than ``threshold`` pupils is suppressed,
    then :func:`secondary_suppression` over :data:`VALUE_ADDED_PARTITIONS` (a partition is complete
    when its groups' n add up to the parent's). A suppressed row has n, va, the interval, index and
    significance missing and ``suppressed`` True.
    """
    by = list(by)
    _require(table, by + ["subject", "group", "n"], "value-added")
    mask = pd.Series(False, index=table.index)
    for _, part in table.groupby(by + ["subject"], sort=False):
        n = dict(zip(part["group"], part["n"].astype("int64"), strict=True))
        partitions = [
            Partition(parent, members, parent in n and sum(n.get(m, 0) for m in members) == n[parent])
            for parent, members in VALUE_ADDED_PARTITIONS
        ]
        hidden = secondary_suppression(
            n, partitions, shown=n, suppressed=[g for g, size in n.items() if size < threshold]
        )
        mask[part.index] = part["group"].isin(hidden).to_numpy()
    return _blank(table, mask, ["n", *SUPPRESSED_VALUE_COLUMNS["value-added"]])


def suppress_starting_points_and_matrix(
    starting: pd.DataFrame,
    matrix: pd.DataFrame,
    by: Sequence[str] = (),
    threshold: int = SUPPRESSION_THRESHOLD,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Governor's copies of the starting-points table and the transition matrix, suppressed together.

    In a subject the starting points split its pupils (whose number is value added's ``all`` n,
    shown when at least ``threshold``), and the NC cells of the matrix split each starting point
    (matrix rows whose ``framework`` is ``nc``): one hierarchy, so a starting point's hidden n can
    be worked out neither from the subject's total nor from its cells, nor a cell's from its
    starting point. Pre-key-stage and engagement cells have no total shown anywhere: they are
    suppressed for small numbers only. Starting points lose n, the percentages and the gap; cells
    lose n and on_or_above. Both get a ``suppressed`` column. ``matrix`` as :func:`transition_matrix`
    returns it (with ``framework``).
    """
    by = list(by)
    _require(starting, by + ["subject", "starting_point", "n"], "starting points")
    _require(matrix, by + ["subject", "framework", "baseline_result", "current_result", "n"], "transition matrix")
    sp_mask = pd.Series(False, index=starting.index)
    cell_mask = pd.Series(matrix["n"].astype("int64") < threshold, index=matrix.index)
    nc = matrix[matrix["framework"] == "nc"]
    cells_by_subject = {k: g for k, g in nc.groupby(by + ["subject"], sort=False)}
    for subject_key, part in starting.groupby(by + ["subject"], sort=False):
        cells = cells_by_subject.get(subject_key, nc.iloc[:0])
        total = int(part["n"].sum())
        rank: dict = {("total",): total}
        rank.update({("sp", sp): int(n) for sp, n in zip(part["starting_point"], part["n"], strict=True)})
        rank.update({
            ("cell", b, c): int(n)
            for b, c, n in zip(cells["baseline_result"], cells["current_result"], cells["n"], strict=True)
        })
        partitions = [Partition(("total",), tuple(k for k in rank if k[0] == "sp"), True)]
        for sp in part["starting_point"]:
            partitions.append(Partition(("sp", sp), tuple(k for k in rank if k[0] == "cell" and k[1] == sp), True))
        hidden = secondary_suppression(
            rank, partitions, shown=rank, suppressed=[k for k, size in rank.items() if size < threshold]
        )
        sp_mask[part.index] = [("sp", sp) in hidden for sp in part["starting_point"]]
        cell_mask[cells.index] = [("cell", b, c) in hidden for b, c in zip(cells["baseline_result"],
                                                                          cells["current_result"], strict=True)]
    starting_out = _blank(starting, sp_mask, ["n", *SUPPRESSED_VALUE_COLUMNS["starting-points"]])
    matrix_out = _blank(matrix, cell_mask, ["n", "on_or_above"])
    return starting_out, matrix_out


def suppress_register_summary(
    table: pd.DataFrame, by: Sequence[str] = (), threshold: int = SUPPRESSION_THRESHOLD
) -> pd.DataFrame:
    """Governor's copy of :func:`register_summary`: small-number and secondary suppression.

    A row is suppressed when this year's or last year's count is under ``threshold``. The
    provision rows split the pupils on roll; those other than N (pupils with SEN) are split again
    by the primary-need rows, and the needs of each broad area of need (:data:`NEED_AREAS`) add up
    to that area. The number on roll, the SEN total and each area's total are printed beside this
    table in a governor's pack and page (value added's groups, the SEN gap, the summary), so they
    count as known: with EHC plans hidden, SEN support is hidden too, and with SLD hidden, the next
    smallest need of cognition and learning (DOMAIN 9.8). The next smallest row is the one with the
    fewest pupils this year (then last year). Suppressed rows lose both counts and the change.
    """
    by = list(by)
    _require(table, by + ["dimension", "code", "this_year", "previous_year"], "register summary")
    mask = pd.Series(False, index=table.index)
    groups = table.groupby(by, sort=False) if by else [((), table)]
    for _, part in groups:
        rank = {
            (d, c): (int(t), int(p))
            for d, c, t, p in zip(part["dimension"], part["code"], part["this_year"], part["previous_year"], strict=True)
        }
        provisions = tuple(k for k in rank if k[0] == "provision")
        sen = tuple(k for k in provisions if k[1] != "N")
        needs = tuple(k for k in rank if k[0] == "primary_need")
        no_sen = tuple(k for k in provisions if k[1] == "N")
        areas = {area: tuple(k for k in needs if NEED_AREAS.get(k[1]) == area) for area in NEED_GROUPS}
        partitions = [  # the finest first: two needs hidden in one area protect both it and the SEN total
            *(Partition(("area", area), members, True) for area, members in areas.items() if members),
            Partition(("roll",), provisions, True),
            Partition(("roll",), (*no_sen, ("sen",)), True),
            Partition(("sen",), sen, True),
            Partition(("sen",), needs, True),
        ]
        known = [("sen",), ("roll",), *(("area", area) for area in NEED_GROUPS)]
        nodes = {**rank, **{node: (0, 0) for node in known}}
        small = [k for k, (t, p) in rank.items() if t < threshold or p < threshold]
        hidden = secondary_suppression(nodes, partitions, shown=rank, suppressed=small, known=known)
        mask[part.index] = [(d, c) in hidden for d, c in zip(part["dimension"], part["code"], strict=True)]
    return _blank(table, mask, ["this_year", "previous_year", "change"])


# --------------------------------------------------------------------------------------------
# Transition matrices and the other ladders (DOMAIN 9.12, 9.14)
# --------------------------------------------------------------------------------------------

TRANSITION_MATRIX_COLUMNS = ["subject", "baseline_result", "current_result", "n", "on_or_above"]
#: Frameworks in the order a subject's matrix lists them.
MATRIX_FRAMEWORKS = ("nc", "pks", "engagement")
#: Key stages by national curriculum year: (name, first year). Nursery is -1, Reception 0.
KEY_STAGE_YEARS = (("EYFS", -1, 0), ("KS1", 1, 2), ("KS2", 3, 6), ("KS3", 7, 9), ("KS4", 10, 11), ("KS5", 12, 14))


def key_stage_first_year(year_group: int) -> int | None:
    """The first national curriculum year of the key stage ``year_group`` is in (Year 4 -> 3, KS2)."""
    for _, first, last in KEY_STAGE_YEARS:
        if first <= year_group <= last:
            return first
    return None


def key_stage_start(year_group: pd.Series, report_academic_year: int) -> pd.Series:
    """Term index of the autumn the pupil began their present key stage (DOMAIN 9.14).

    ``year_group``: each pupil's year group in the report's academic year (NaN when unknown: no
    limit, -inf). A Year 4 pupil in 2025/26 began KS2 (Year 3) in autumn 2024: 2024 * 3.
    """
    years = pd.to_numeric(year_group, errors="coerce")
    first = years.map(lambda y: np.nan if pd.isna(y) else key_stage_first_year(int(y))).astype("float64")
    start = (report_academic_year - (years - first)) * 3
    return start.fillna(-np.inf)


def ladder_progress(
    results: pd.DataFrame, report_term_index: int, starts: pd.DataFrame, by: Sequence[str] = ()
) -> pd.DataFrame:
    """Progress on the pre-key-stage and engagement ladders (DOMAIN 9.14): steps, never points.

    ``results``: teacher assessments on those ladders (by, pupil_id, upn, subject, framework,
    result, step, term_index). ``starts``: pupil_id, key_stage_start (a term index, from
    :func:`key_stage_start`). For each pupil and subject with a result in the report's term, the
    baseline is their earliest result on the same framework dated in their key stage and before
    the report's term; steps_gained = current step - baseline step. No row without one.

    Columns: by, pupil_id, upn, subject, framework, baseline_result, baseline_step,
    baseline_term_index, current_result, current_step, steps_gained. Sorted by upn, subject.
    """
    by = list(by)
    _require(results, by + ["pupil_id", "upn", "subject", "framework", "result", "step", "term_index"], "ladder results")
    _require(starts, ["pupil_id", "key_stage_start"], "key stage starts")
    columns = by + ["pupil_id", "upn", "subject", "framework", "baseline_result", "baseline_step",
                    "baseline_term_index", "current_result", "current_step", "steps_gained"]
    r = results[results["step"].notna()].copy()
    r["step"] = r["step"].astype("int64")
    now = r[r["term_index"] == report_term_index]
    if now.duplicated(["pupil_id", "subject"]).any():
        raise ValueError("ladder results must have at most one row per pupil, subject and term")
    before = r[r["term_index"] < report_term_index].merge(starts[["pupil_id", "key_stage_start"]], on="pupil_id",
                                                          how="left")
    before = before[before["term_index"] >= before["key_stage_start"].fillna(-np.inf)]
    before = before.sort_values(["pupil_id", "subject", "term_index"], kind="mergesort")
    first = before.groupby(["pupil_id", "subject", "framework"], sort=False).head(1)
    first = first[["pupil_id", "subject", "framework", "result", "step", "term_index"]].rename(
        columns={"result": "baseline_result", "step": "baseline_step", "term_index": "baseline_term_index"}
    )
    cur = now[by + ["pupil_id", "upn", "subject", "framework", "result", "step"]].rename(
        columns={"result": "current_result", "step": "current_step"}
    )
    out = cur.merge(first, on=["pupil_id", "subject", "framework"], how="inner")
    out["steps_gained"] = (out["current_step"] - out["baseline_step"]).astype("int64")
    out["baseline_term_index"] = out["baseline_term_index"].astype("int64")
    return out[columns].sort_values(by + ["upn", "subject"], kind="mergesort").reset_index(drop=True)


def transition_matrix(ep: pd.DataFrame, ladders: pd.DataFrame | None = None, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pupils by baseline result and current result, per subject (DOMAIN 9.12).

    ``ep``: :func:`expected_progress` rows (NC ladder); a cell is ``on_or_above`` (True) when every
    pupil in it has status ``expected`` or ``exceeding`` under the rule that judged them (9.4 or
    9.9), else False. ``ladders``: :func:`ladder_progress` rows (pre-key-stage standards, the
    engagement model, 9.14): their cells count pupils too, but no expectation is defined on those
    ladders, so on_or_above is missing (None). Rows: subject, then NC, pre-key-stage and
    engagement cells, each up the ladder by baseline then current result. Columns:
    :data:`TRANSITION_MATRIX_COLUMNS` after the ``by`` columns, then ``framework``.
    """
    by = list(by)
    _require(ep, by + ["subject", "baseline_result", "current_result", "status"], "expected-progress")
    nc = ep[by + ["subject", "baseline_result", "current_result"]].assign(
        framework="nc", _ok=ep["status"].isin([STATUS_EXPECTED, STATUS_EXCEEDING]).to_numpy()
    )
    keys = by + ["subject", "framework", "baseline_result", "current_result"]
    parts = []
    if not nc.empty:
        cells = nc.groupby(keys, sort=False).agg(n=("_ok", "size"), on_or_above=("_ok", "all")).reset_index()
        codes = pd.unique(pd.concat([cells["baseline_result"], cells["current_result"]]))
        position = {c: _safe(ladder_position, c, np.inf) for c in codes}
        cells["_b"] = _map(cells["baseline_result"], position).astype("float64")
        cells["_c"] = _map(cells["current_result"], position).astype("float64")
        cells["on_or_above"] = cells["on_or_above"].astype(object)
        parts.append(cells)
    if ladders is not None and not ladders.empty:
        _require(ladders, by + ["subject", "framework", "baseline_result", "current_result", "baseline_step",
                                "current_step"], "ladder progress")
        cells = ladders.groupby(keys, sort=False).agg(
            n=("current_step", "size"), _b=("baseline_step", "first"), _c=("current_step", "first")
        ).reset_index()
        cells["on_or_above"] = None
        cells["on_or_above"] = cells["on_or_above"].astype(object)
        parts.append(cells)
    columns = by + TRANSITION_MATRIX_COLUMNS + ["framework"]
    dtypes = {"subject": "str", "baseline_result": "str", "current_result": "str", "n": "int64",
              "on_or_above": "object", "framework": "str", **{c: ep[c].dtype for c in by if c in ep.columns}}
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns}).astype(dtypes)
    out = pd.concat(parts, ignore_index=True)
    out["_f"] = out["framework"].map({f: i for i, f in enumerate(MATRIX_FRAMEWORKS)})
    out = out.sort_values(by + ["subject", "_f", "_b", "baseline_result", "_c", "current_result"], kind="mergesort")
    return out[columns].astype(dtypes).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Standardised-score progress (DOMAIN 9.13)
# --------------------------------------------------------------------------------------------

STANDARDISED_PROGRESS_COLUMNS = [
    "upn", "measure", "earlier_score", "earlier_date", "latest_score", "latest_date", "change", "status",
]
STANDARDISED_GAP_DAYS = 90
STANDARDISED_STEP = 5.0
STATUS_ACCELERATED = "accelerated"
STATUS_KEPT_PACE = "kept pace"
STATUS_FELL_BEHIND = "fell behind"


def standardised_progress(tests: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Change in standardised score per pupil and measure (DOMAIN 9.13).

    ``tests``: by, pupil_id, upn, measure, tested_on, standardised_score (NaN = none), already
    limited to tests dated in or before the report's term. latest = the pupil's latest score of
    the measure; earlier = their latest score dated at least 90 days before it; change = latest -
    earlier; status ``accelerated`` when change >= 5, ``fell behind`` when change <= -5, else
    ``kept pace``. No row without both. Columns :data:`STANDARDISED_PROGRESS_COLUMNS` after the
    ``by`` columns, then pupil_id; sorted by upn then measure.
    """
    by = list(by)
    _require(tests, by + ["pupil_id", "upn", "measure", "tested_on", "standardised_score"], "tests")
    t = tests[by + ["pupil_id", "upn", "measure", "tested_on", "standardised_score"]].copy()
    t["tested_on"] = pd.to_datetime(t["tested_on"])
    t["standardised_score"] = _as_float(t["standardised_score"])
    t = t[t["standardised_score"].notna()].sort_values(["pupil_id", "measure", "tested_on"], kind="mergesort")
    latest = t.groupby(["pupil_id", "measure"], sort=False).tail(1)
    latest = latest.rename(columns={"tested_on": "latest_date", "standardised_score": "latest_score"})
    pairs = t[["pupil_id", "measure", "tested_on", "standardised_score"]].merge(
        latest[["pupil_id", "measure", "latest_date"]], on=["pupil_id", "measure"]
    )
    pairs = pairs[pairs["tested_on"] <= pairs["latest_date"] - pd.Timedelta(days=STANDARDISED_GAP_DAYS)]
    earlier = pairs.groupby(["pupil_id", "measure"], sort=False).tail(1)
    earlier = earlier[["pupil_id", "measure", "tested_on", "standardised_score"]].rename(
        columns={"tested_on": "earlier_date", "standardised_score": "earlier_score"}
    )
    out = latest.merge(earlier, on=["pupil_id", "measure"], how="inner")
    out["change"] = out["latest_score"] - out["earlier_score"]
    out["status"] = np.select(
        [out["change"] >= STANDARDISED_STEP - TOLERANCE, out["change"] <= -STANDARDISED_STEP + TOLERANCE],
        [STATUS_ACCELERATED, STATUS_FELL_BEHIND],
        default=STATUS_KEPT_PACE,
    )
    whole = all(float(v).is_integer() for v in pd.concat([out["earlier_score"], out["latest_score"]]))
    if whole:  # scores are whole numbers: print them so
        for column in ("earlier_score", "latest_score", "change"):
            out[column] = out[column].astype("int64")
    columns = by + STANDARDISED_PROGRESS_COLUMNS + ["pupil_id"]
    return out[columns].sort_values(by + ["upn", "measure"], kind="mergesort").reset_index(drop=True)


def standardised_progress_summary(rows: pd.DataFrame, groups: Sequence[str] = ("all",), by: Sequence[str] = ()) -> pd.DataFrame:
    """Per measure and group from :func:`standardised_progress`: n, mean_change, effect_size =
    mean_change / 15 (DOMAIN 9.13), and the count of each status. ``groups``: bool columns of
    ``rows`` (``all`` for everyone); a group with no members has no row."""
    by = list(by)
    _require(rows, by + ["measure", "change", "status"], "standardised progress")
    parts = []
    for group in groups:
        member = (
            pd.Series(True, index=rows.index) if group == "all"
            else rows[group].astype("boolean").fillna(False).astype(bool)
        )
        part = rows[member]
        if part.empty:
            continue
        agg = part.groupby(by + ["measure"], sort=True).agg(
            n=("change", "size"),
            mean_change=("change", "mean"),
            accelerated=("status", lambda s: int((s == STATUS_ACCELERATED).sum())),
            kept_pace=("status", lambda s: int((s == STATUS_KEPT_PACE).sum())),
            fell_behind=("status", lambda s: int((s == STATUS_FELL_BEHIND).sum())),
        ).reset_index()
        parts.append(agg.assign(group=group))
    columns = by + ["measure", "group", "n", "mean_change", "effect_size", "accelerated", "kept_pace", "fell_behind"]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    out = pd.concat(parts, ignore_index=True)
    out["mean_change"] = out["mean_change"].astype("float64")
    out["effect_size"] = out["mean_change"] / STANDARDISED_SD
    return out[columns]


# --------------------------------------------------------------------------------------------
# Intervention impact for any measure (DOMAIN 9.7)
# --------------------------------------------------------------------------------------------

#: Measures of an intervention, in the order a pupil's rows are listed; the first two are
#: age-equivalent (months), the ones that have a ratio gain and its band.
MEASURE_KINDS = ("reading", "spelling", "standardised", "sdq", "boxall", "rating", "level")
AGE_EQUIVALENT_KINDS = ("reading", "spelling")
NO_MEASURE = "none"


def enrolment_measure_kinds(enrolments: pd.DataFrame) -> pd.DataFrame:
    """One row per enrolment and measure kind it is judged by (DOMAIN 9.7).

    ``enrolments``: one row per enrolment with ``measure`` (the intervention's main measure, or
    ``none``) and ``measures`` (a list of further kinds, or None). The kinds are the union of both;
    when none is set, every age-equivalent kind (reading, spelling). Adds a ``kind`` column; drops
    ``measure`` and ``measures``. Kinds outside :data:`MEASURE_KINDS` are ignored.
    """
    _require(enrolments, ["enrolment_id", "measure", "measures"], "enrolments")

    def kinds(main, more) -> list[str]:
        chosen = set(more) if isinstance(more, (list, tuple, set)) else set()
        if isinstance(main, str):
            chosen.add(main)
        chosen = [k for k in MEASURE_KINDS if k in chosen]
        return chosen or list(AGE_EQUIVALENT_KINDS)

    out = enrolments.copy()
    out["kind"] = [kinds(a, b) for a, b in zip(out["measure"], out["measures"], strict=True)]
    out = out.drop(columns=["measure", "measures"]).explode("kind", ignore_index=True)
    out["kind"] = out["kind"].astype("str")
    return out


def select_pre_post_measures(enrolments: pd.DataFrame, observations: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Pre and post of each ended enrolment and measure, for any measure (DOMAIN 9.7).

    ``enrolments``: by, enrolment_id, pupil_id, upn, programme, kind, start_date, end_date (from
    :func:`enrolment_measure_kinds`). ``observations``: by, pupil_id, kind, measure (the label a
    row is reported under, e.g. ``SDQ total difficulties``; one kind may give several, such as
    Boxall's two sections), on (date), value, higher_is_better. For each enrolment and measure:
    pre = the last value dated on or before start + 14 days; post = the first dated on or after
    end - 14 days and after pre. No row while the enrolment is open or without both.

    Returns the enrolment columns plus measure, higher_is_better, pre, post (float), pre_date,
    post_date; sorted by enrolment, kind (:data:`MEASURE_KINDS` order) and measure.
    """
    by = list(by)
    _require(enrolments, by + ["enrolment_id", "pupil_id", "upn", "programme", "kind", "start_date", "end_date"],
             "enrolments")
    _require(observations, by + ["pupil_id", "kind", "measure", "on", "value", "higher_is_better"], "observations")
    enr = enrolments.copy()
    enr["start_date"] = pd.to_datetime(enr["start_date"])
    enr["end_date"] = pd.to_datetime(enr["end_date"])
    enr = enr[enr["end_date"].notna()]
    obs = observations[by + ["pupil_id", "kind", "measure", "on", "value", "higher_is_better"]].copy()
    obs["on"] = pd.to_datetime(obs["on"])
    obs["value"] = _as_float(obs["value"])
    obs = obs[obs["value"].notna() & obs["on"].notna()]
    if obs.duplicated(["pupil_id", "measure", "on"]).any():  # several on a day (rare): their mean
        obs = obs.groupby(by + ["pupil_id", "kind", "measure", "on"], as_index=False, sort=False).agg(
            value=("value", "mean"), higher_is_better=("higher_is_better", "first")
        )
    window = pd.Timedelta(days=TEST_WINDOW_DAYS)
    keys = ["enrolment_id", "kind", "measure"]
    pairs = enr[["enrolment_id", "kind"] + by + ["pupil_id", "start_date", "end_date"]].merge(
        obs, on=by + ["pupil_id", "kind"], how="inner"
    )
    pre = pairs[pairs["on"] <= pairs["start_date"] + window]
    pre = pre.sort_values(keys + ["on"], kind="mergesort").groupby(keys, sort=False).tail(1)
    pre = pre[keys + ["on", "value", "higher_is_better"]].rename(columns={"on": "pre_date", "value": "pre"})
    post = pairs.merge(pre[keys + ["pre_date"]], on=keys, how="inner")
    post = post[(post["on"] >= post["end_date"] - window) & (post["on"] > post["pre_date"])]
    post = post.sort_values(keys + ["on"], kind="mergesort").groupby(keys, sort=False).head(1)
    post = post[keys + ["on", "value"]].rename(columns={"on": "post_date", "value": "post"})
    out = enr.merge(pre, on=["enrolment_id", "kind"], how="inner").merge(post, on=keys, how="inner")
    out["_k"] = out["kind"].map({k: i for i, k in enumerate(MEASURE_KINDS)})
    out = out.sort_values(["enrolment_id", "_k", "measure"], kind="mergesort").drop(columns="_k")
    return out.reset_index(drop=True)


def _as_printed(values: pd.Series) -> pd.Series:
    """Whole numbers as int (90 months prints "90"), others rounded half up to 2 decimals."""
    rounded = round_half_up(values.astype("float64"), 2)
    return pd.Series(
        [int(v) if float(v).is_integer() else float(v) for v in rounded], index=values.index, dtype="object"
    )


def measure_impact(prepost: pd.DataFrame) -> pd.DataFrame:
    """Intervention-impact rows for any measure from :func:`select_pre_post_measures` (DOMAIN 9.7).

    Every row: pre, post (whole numbers as int, others rounded to 2 decimals), dates,
    elapsed_months = days between them / 30.4375 (rounded to 2 decimals) and ``flag`` ``short
    interval`` under 3 months. Age-equivalent rows (reading, spelling) also get ratio_gain =
    months gained / elapsed months (from the unrounded elapsed months, rounded to 2 decimals) and
    its band, exactly as :func:`ratio_gains`; other rows leave both empty.

    Columns :data:`INTERVENTION_IMPACT_COLUMNS`, then kind, change (post - pre), gain (the change
    in the better direction: -change where lower is better), days, age_equivalent, months_gained
    (age-equivalent rows) and the other input columns.
    """
    _require(prepost, ["upn", "programme", "kind", "measure", "pre", "post", "pre_date", "post_date",
                       "higher_is_better"], "pre/post")
    df = prepost.copy()
    df["pre_date"] = pd.to_datetime(df["pre_date"])
    df["post_date"] = pd.to_datetime(df["post_date"])
    pre, post = _as_float(df["pre"]), _as_float(df["post"])
    days = (df["post_date"] - df["pre_date"]).dt.days.astype("int64")
    elapsed = days / DAYS_PER_MONTH
    age = df["kind"].isin(AGE_EQUIVALENT_KINDS)
    change = post - pre
    ratio = round_half_up(change / elapsed, 2).where(age)
    better = df["higher_is_better"].astype("boolean").fillna(True).astype(bool)
    df["pre"] = _as_printed(pre)
    df["post"] = _as_printed(post)
    df["elapsed_months"] = round_half_up(elapsed, 2)
    df["ratio_gain"] = ratio
    df["band"] = pd.Series(np.where(age, ratio_band(ratio), ""), index=df.index, dtype="str")
    df["flag"] = np.where(elapsed < SHORT_INTERVAL_MONTHS - TOLERANCE, SHORT_INTERVAL_FLAG, "")
    df["change"] = change
    df["gain"] = change.where(better, -change)
    df["days"] = days
    df["age_equivalent"] = age
    df["months_gained"] = change.where(age)
    first = INTERVENTION_IMPACT_COLUMNS + ["kind", "change", "gain", "days", "age_equivalent", "months_gained"]
    return df[first + [c for c in df.columns if c not in first]].reset_index(drop=True)


def programme_measure_impact(impact: pd.DataFrame, interventions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per programme and measure: n, mean pre, post and change, effect size, mean ratio gain, cost.

    ``impact``: :func:`measure_impact` rows. effect_size = mean gain / sd, where gain is the change
    in the better direction (an SDQ total falling by 4 is a gain of 4) and sd is 15 for
    standardised scores (DOMAIN 7) and otherwise the sample standard deviation (n - 1) of the
    programme's pre values of that measure (NaN with fewer than 2 pupils or no spread).
    mean_ratio_gain (age-equivalent measures) is rounded to 2 decimals before its band is read.
    With ``interventions`` (intervention_id, programme, sessions_delivered, cost_per_session, as
    for :func:`intervention_costs`): cost_to_date of the programme (NaN when a group is not costed), units_gained (the sum of gains) and cost_per_unit_gained = cost_to_date /
    units_gained (NaN unless units_gained > 0): for reading and spelling, the cost per month gained.
    """
    _require(impact, ["programme", "kind", "measure", "pre", "change", "gain", "ratio_gain", "age_equivalent"], "impact")
    df = impact.copy()
    df["pre"] = _as_float(df["pre"])
    df["post"] = _as_float(df["post"])
    grouped = df.groupby(["programme", "kind", "measure"], sort=False)
    out = grouped.agg(
        n=("gain", "size"), mean_pre=("pre", "mean"), mean_post=("post", "mean"), mean_change=("change", "mean"),
        mean_gain=("gain", "mean"), sd_pre=("pre", "std"), units_gained=("gain", "sum"),
        mean_ratio_gain=("ratio_gain", "mean"), age_equivalent=("age_equivalent", "first"),
    ).reset_index()
    sd = out["sd_pre"].where(out["kind"] != "standardised", STANDARDISED_SD)
    out["effect_size"] = out["mean_gain"] / sd.where(sd > TOLERANCE)
    out["mean_ratio_gain"] = round_half_up(out["mean_ratio_gain"], 2).where(out["age_equivalent"].astype(bool))
    out["band"] = np.where(out["age_equivalent"].astype(bool), ratio_band(out["mean_ratio_gain"]), "")
    if interventions is not None:
        iv = interventions.copy()
        iv["cost_per_session"] = _as_float(iv["cost_per_session"])
        iv["cost_to_date"] = iv["sessions_delivered"].astype("float64") * iv["cost_per_session"]
        cost = iv.groupby("programme")["cost_to_date"].agg(lambda c: c.sum(min_count=len(c)))
        out["cost_to_date"] = out["programme"].map(cost).astype("float64")
        out["cost_per_unit_gained"] = out["cost_to_date"] / out["units_gained"].where(out["units_gained"] > TOLERANCE)
    else:
        out["cost_to_date"] = np.nan
        out["cost_per_unit_gained"] = np.nan
    out["_k"] = out["kind"].map({k: i for i, k in enumerate(MEASURE_KINDS)})
    out = out.sort_values(["programme", "_k", "measure"], kind="mergesort")
    columns = ["programme", "measure", "kind", "n", "mean_pre", "mean_post", "mean_change", "effect_size",
               "mean_ratio_gain", "band", "cost_to_date", "units_gained", "cost_per_unit_gained"]
    return out[columns].reset_index(drop=True)
