"""Expected progress for one pupil and subject (docs/figures.md 9.1-9.4, 9.9), without pandas or Django.

The one-pupil version of what ``reports/metrics.py`` computes for cohorts, so the pupil page and
the expected-progress report always agree; definitions and worked examples are in
docs/figures.md, "Expected progress". For display, points map to the highest ladder step not above
them (:func:`level_not_above`); pages should prefer ``assessments.ladder.place_points``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from assessments.ladder import STEP_CODES, LadderError, PointsScheme, is_below_level_1

POINTS_PER_LEVEL = 6
#: "At least" holds within this, so a gain exactly on a boundary counts despite binary floating
#: point (8.7 - 0.3 == 8.399999999999999 < 8.4). reports.metrics uses this same constant.
TOLERANCE = 1e-9

STATUS_BELOW = "below"
STATUS_EXPECTED = "expected"
STATUS_EXCEEDING = "exceeding"

#: Key stages in the order a tie in the same term is broken: the later one wins.
KEY_STAGES = ("KS1", "KS2", "KS3", "Entry")


class Span(NamedTuple):
    """Expected progress over a key-stage span: ``expected_levels`` whole levels in ``span_terms`` terms."""

    expected_levels: int
    span_terms: int


KS2_SPANS = {"KS2-KS4": Span(3, 15), "KS2-KS3": Span(2, 9)}

#: Transitions of a quartile or national table (DOMAIN 9.9).
TRANSITIONS = ("KS1-KS2", "KS2-KS3", "KS2-KS4", "KS3-KS4")

#: The school setting ``quartile_expectations``: which baselines the quartile rule covers.
QUARTILES_BELOW_LEVEL_1 = "below_level_1"
QUARTILES_ALL = "all"
QUARTILES_OFF = "off"
QUARTILE_SETTINGS = (QUARTILES_BELOW_LEVEL_1, QUARTILES_ALL, QUARTILES_OFF)

EXPECTATION_QUARTILE = "quartile"
EXPECTATION_LEVELS = "levels"
BAND_BELOW_LQ = "below lower quartile"
BAND_LQ_TO_MEDIAN = "lower quartile to median"
BAND_MEDIAN_TO_UQ = "median to upper quartile"
BAND_UQ_OR_ABOVE = "upper quartile or above"


def progress_span(key_stage: str, ks2_span: str = "KS2-KS4") -> Span:
    """The span a baseline's key stage picks (DOMAIN 9.1); ``ks2_span`` is the school's choice for KS2."""
    if ks2_span not in KS2_SPANS:
        raise ValueError(f"ks2_span must be one of {', '.join(KS2_SPANS)}, not {ks2_span!r}")
    spans = {"KS1": Span(2, 12), "KS2": KS2_SPANS[ks2_span], "KS3": Span(2, 9), "Entry": Span(2, 9)}
    if key_stage not in spans:
        raise ValueError(f"{key_stage!r} is not a key stage; valid: {', '.join(KEY_STAGES)}")
    return spans[key_stage]


def transition_for(key_stage: str, ks2_span: str = "KS2-KS4") -> str | None:
    """The table transition a baseline's key stage looks up (DOMAIN 9.9): KS1 -> KS1-KS2, KS2 -> the
    school's KS2 span, KS3 -> KS3-KS4; an on-entry baseline has none (the levels rule applies)."""
    if ks2_span not in KS2_SPANS:
        raise ValueError(f"ks2_span must be one of {', '.join(KS2_SPANS)}, not {ks2_span!r}")
    return {"KS1": "KS1-KS2", "KS2": ks2_span, "KS3": "KS3-KS4"}.get(key_stage)


def quartile_setting_covers(setting: str, baseline_code: str) -> bool:
    """Whether the school's ``quartile_expectations`` setting puts this baseline under the quartile rule."""
    if setting not in QUARTILE_SETTINGS:
        raise ValueError(f"quartile_expectations must be one of {', '.join(QUARTILE_SETTINGS)}, not {setting!r}")
    if setting == QUARTILES_OFF:
        return False
    if setting == QUARTILES_ALL:
        return True
    try:
        return is_below_level_1(baseline_code)
    except LadderError:
        return False


class QuartilePoints(NamedTuple):
    """A quartile-table row's outcomes in points under the school's scheme."""

    lower: float
    median: float
    upper: float


def pro_rata_quartile(baseline_points: float, quartile_points: float, terms_elapsed: int, span_terms: int) -> float:
    """Q_t = b + (Q - b) x min(t, span) / span: the quartile's outcome reached in step after t terms."""
    return baseline_points + (quartile_points - baseline_points) * min(terms_elapsed, span_terms) / span_terms


def quartile_status(current: float, median_t: float, upper_t: float) -> str:
    """``exceeding`` when current >= UQ_t and current > median_t; ``expected`` when current >= median_t."""
    if current >= upper_t - TOLERANCE and current > median_t + TOLERANCE:
        return STATUS_EXCEEDING
    if current >= median_t - TOLERANCE:
        return STATUS_EXPECTED
    return STATUS_BELOW


def quartile_band(current: float, lower_t: float, median_t: float, upper_t: float) -> str:
    """Which quarter of national progress from the same starting point the current result is in."""
    if current < lower_t - TOLERANCE:
        return BAND_BELOW_LQ
    if current >= upper_t - TOLERANCE:
        return BAND_UQ_OR_ABOVE
    if current >= median_t - TOLERANCE:
        return BAND_MEDIAN_TO_UQ
    return BAND_LQ_TO_MEDIAN


def expected_gain(span: Span, terms_elapsed: int, *, extra_levels: int = 0) -> float:
    """Pro-rata gain in points after ``terms_elapsed`` terms: (L + extra) x 6 x t / S."""
    if isinstance(terms_elapsed, bool) or not isinstance(terms_elapsed, int) or terms_elapsed < 0:
        raise ValueError(f"terms elapsed must be a whole number of at least 0, not {terms_elapsed!r}")
    return (span.expected_levels + extra_levels) * POINTS_PER_LEVEL * terms_elapsed / span.span_terms


def expected_points(baseline_points: float, span: Span, terms_elapsed: int, *, extra_levels: int = 0) -> float:
    """Baseline points plus the pro-rata expected gain (DOMAIN 9.4, ``expected_points``); with
    ``extra_levels=1``, the line a pupil must reach to be exceeding (a challenging target)."""
    return baseline_points + expected_gain(span, terms_elapsed, extra_levels=extra_levels)


def progress_status(gain: float, span: Span, terms_elapsed: int) -> str:
    """``exceeding``, ``expected`` or ``below`` for a gain in points after ``terms_elapsed`` terms."""
    if gain >= expected_gain(span, terms_elapsed, extra_levels=1) - TOLERANCE:
        return STATUS_EXCEEDING
    if gain >= expected_gain(span, terms_elapsed) - TOLERANCE:
        return STATUS_EXPECTED
    return STATUS_BELOW


def level_not_above(value: float, scheme: PointsScheme) -> str | None:
    """The highest step code whose points under ``scheme`` are not above ``value``.

    None when ``value`` is below every step the scheme scores. Steps the scheme gives no points
    (NC levels under a P-level-only scheme) are skipped.
    """
    best: str | None = None
    best_points = float("-inf")
    for code in STEP_CODES:
        code_points = scheme.points_for(code)
        if code_points is None:
            continue
        if code_points <= value + TOLERANCE and code_points >= best_points:
            best, best_points = code, code_points
    return best


@dataclass(frozen=True)
class BaselineResult:
    """One baseline as stored: key stage, the result code and the term index it belongs to."""

    key_stage: str
    result: str
    term_index: int


def choose_baseline(
    baselines: Iterable[BaselineResult], before_term_index: int, scheme: PointsScheme
) -> BaselineResult | None:
    """The baseline DOMAIN 9.1 uses for a result in ``before_term_index``.

    The most recent baseline strictly before that term whose result carries points under the
    scheme (B and N, or an unreadable code, are skipped so an older usable one is used); in a tie
    of terms the later key stage wins (KS1 < KS2 < KS3 < Entry).
    """
    usable = []
    for baseline in baselines:
        if baseline.term_index >= before_term_index or baseline.key_stage not in KEY_STAGES:
            continue
        if _points_or_none(baseline.result, scheme) is None:
            continue
        usable.append(baseline)
    if not usable:
        return None
    return max(usable, key=lambda b: (b.term_index, KEY_STAGES.index(b.key_stage)))


def _points_or_none(result: str, scheme: PointsScheme) -> float | None:
    try:
        return scheme.points_for(result)
    except LadderError:
        return None


@dataclass(frozen=True)
class Progress:
    """Where a pupil is against expected progress in one subject (all points unrounded)."""

    baseline: BaselineResult
    baseline_points: float
    current_points: float
    terms_elapsed: int
    span: Span
    expected_points: float
    expected_level: str | None
    levels_of_progress: float
    status: str
    #: ``quartile`` or ``levels``: which rule judged this result (DOMAIN 9.9).
    expectation: str = EXPECTATION_LEVELS
    #: Quartile rule only: the band, and LQ_t, median_t, UQ_t in points.
    quartile_band: str = ""
    quartiles_now: QuartilePoints | None = None


def progress(
    *,
    baseline: BaselineResult,
    current_result: str,
    current_term_index: int,
    scheme: PointsScheme,
    ks2_span: str = "KS2-KS4",
    quartiles: QuartilePoints | None = None,
) -> Progress | None:
    """Expected progress of a current result from its baseline; None when either carries no points.

    ``quartiles``: the end-of-span outcomes of the quartile-table row that covers this baseline
    (the caller looks it up with the school's setting and table, DOMAIN 9.9); the quartile rule
    judges the result when it is given, the levels rule otherwise.
    Raises ValueError when the baseline is not from a term before the current one.
    """
    terms = current_term_index - baseline.term_index
    if terms <= 0:
        raise ValueError("the baseline must be from a term before the current result's term")
    base_points = _points_or_none(baseline.result, scheme)
    current_points = _points_or_none(current_result, scheme)
    if base_points is None or current_points is None:
        return None
    span = progress_span(baseline.key_stage, ks2_span)
    gain = current_points - base_points
    if quartiles is not None:
        now = QuartilePoints(*(pro_rata_quartile(base_points, q, terms, span.span_terms) for q in quartiles))
        return Progress(
            baseline=baseline,
            baseline_points=base_points,
            current_points=current_points,
            terms_elapsed=terms,
            span=span,
            expected_points=now.median,
            expected_level=level_not_above(now.median, scheme),
            levels_of_progress=gain / POINTS_PER_LEVEL,
            status=quartile_status(current_points, now.median, now.upper),
            expectation=EXPECTATION_QUARTILE,
            quartile_band=quartile_band(current_points, *now),
            quartiles_now=now,
        )
    target = expected_points(base_points, span, terms)
    return Progress(
        baseline=baseline,
        baseline_points=base_points,
        current_points=current_points,
        terms_elapsed=terms,
        span=span,
        expected_points=target,
        expected_level=level_not_above(target, scheme),
        levels_of_progress=gain / POINTS_PER_LEVEL,
        status=progress_status(gain, span, terms),
    )
