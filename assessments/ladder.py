"""The attainment ladders: P-scales, NC levels, pre-key-stage standards, the engagement model.

Pure Python (no Django) so reports and imports share one definition of every code, step and
point value. Definitions: docs/figures.md sections 3 and 4.

- The NC ladder is one ordinal scale with two families: P-scales (steps 1-11) and national
  curriculum sub-levels 1c-8a plus EP (steps 12-36). Whole levels ("4"), ``W`` and the key-stage
  test codes ``B``/``N`` are accepted too, because historic baselines use them.
- Points are not part of the ladder: sources disagree, so they live in versioned
  :class:`PointsScheme` tables and every report states the scheme it used.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType


class LadderError(ValueError):
    """A result that is not on the ladder, or a malformed points scheme."""


# Families: which part of which framework a level belongs to.
FAMILY_P = "p_scale"
FAMILY_NC = "nc_level"
FAMILY_TEST = "ks_test"  # B / N: key-stage test outcomes, not on the ladder
FAMILY_PKS = "pks"
FAMILY_ENGAGEMENT = "engagement"

# Position of codes with no step, for sorting only. W sits just below 1c; B and N are not on the
# ladder at all and sort before everything so that listings are stable.
_W_POSITION = 11.5
_TEST_POSITION = 0.0


@functools.total_ordering
@dataclass(frozen=True)
class Level:
    """One result on a ladder. ``step`` is the ordinal index used to count small steps.

    Sorting uses :attr:`sort_key`, so W (no step) falls between P8 and 1c.
    """

    code: str
    step: int | None
    family: str

    @property
    def sort_key(self) -> tuple[str, float, str]:
        """(family group, position, code): levels of different frameworks never interleave."""
        group = "nc" if self.family in (FAMILY_P, FAMILY_NC, FAMILY_TEST) else self.family
        if self.step is not None:
            position = float(self.step)
        elif self.code == "W":
            position = _W_POSITION
        else:
            position = _TEST_POSITION
        return (group, position, self.code)

    @property
    def is_whole_level(self) -> bool:
        """True for "1".."8": a result without a sub-level, scored as the "b" sub-level."""
        return self.family == FAMILY_NC and self.code.isdigit()

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.sort_key < other.sort_key

    def __str__(self) -> str:
        return self.code


# --- The NC ladder (P-scales and NC sub-levels), steps 1..36 as docs/figures.md section 3 -----------

_P_CODES = ("P1i", "P1ii", "P2i", "P2ii", "P3i", "P3ii", "P4", "P5", "P6", "P7", "P8")
_NC_SUBLEVEL_CODES = tuple(f"{lvl}{sub}" for lvl in range(1, 9) for sub in ("c", "b", "a"))

#: The 36 steps of the ladder, lowest first: ``LADDER[i].step == i + 1``.
LADDER: tuple[Level, ...] = tuple(
    [Level(code, i + 1, FAMILY_P) for i, code in enumerate(_P_CODES)]
    + [Level(code, i + 12, FAMILY_NC) for i, code in enumerate(_NC_SUBLEVEL_CODES)]
    + [Level("EP", 36, FAMILY_NC)]
)
_BY_CODE: dict[str, Level] = {lvl.code: lvl for lvl in LADDER}
# Whole levels share the step of their "b" sub-level (docs/figures.md 3: "4" scores as "4b").
for _lvl in range(1, 9):
    _BY_CODE[str(_lvl)] = Level(str(_lvl), _BY_CODE[f"{_lvl}b"].step, FAMILY_NC)
_BY_CODE["W"] = Level("W", None, FAMILY_NC)
_BY_CODE["B"] = Level("B", None, FAMILY_TEST)
_BY_CODE["N"] = Level("N", None, FAMILY_TEST)

#: Codes of the 36 steps, lowest first.
STEP_CODES: tuple[str, ...] = tuple(lvl.code for lvl in LADDER)
#: Every canonical code the NC ladder accepts (steps, whole levels, W, B, N).
CANONICAL_CODES: tuple[str, ...] = tuple(_BY_CODE)
#: Codes that never carry points: key-stage test outcomes are excluded from progress.
NO_POINTS_CODES = frozenset({"B", "N"})

VALID_CODES_TEXT = "P1i, P1ii, P2i, P2ii, P3i, P3ii, P4-P8, 1c-8a (e.g. 4b), whole levels 1-8, EP, W, B, N"

_P_LOW = re.compile(r"p([1-3])(?:\((i{1,2})\)|(i{1,2}))", re.ASCII)
_P_HIGH = re.compile(r"p([4-8])", re.ASCII)
_SUBLEVEL = re.compile(r"(?:l|level)?([1-8])([abc])?", re.ASCII)


def _describe(text: object) -> str:
    """Quote what the person typed, shortened so an error message stays readable."""
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "...'"


def _squash(text: str) -> str:
    """Lower-case and drop all whitespace: ' 2 b ' -> '2b'."""
    return re.sub(r"\s+", "", text).lower()


def parse_level(text: str) -> Level:
    """Read a P-scale or NC result the way people write it; raise LadderError otherwise.

    Forgiving about case, spaces and brackets ("2B", " 2 b ", "P1(ii)", "p 4", "L4"), strict
    about the code itself: "P4i", "P1" (P1-P3 are split into i and ii) and "4d" are rejected.
    """
    if not isinstance(text, str) or not text.isascii():
        raise LadderError(f"{_describe(text)} is not a level. Valid codes: {VALID_CODES_TEXT}")
    s = _squash(text)
    code: str | None = None
    if m := _P_LOW.fullmatch(s):
        code = f"P{m[1]}{m[2] or m[3]}"
    elif m := _P_HIGH.fullmatch(s):
        code = f"P{m[1]}"
    elif m := _SUBLEVEL.fullmatch(s):
        code = m[1] + (m[2] or "")
    elif s in ("ep", "w", "b", "n"):
        code = s.upper()
    if code is None:
        raise LadderError(f"{_describe(text)} is not a level. Valid codes: {VALID_CODES_TEXT}")
    return _BY_CODE[code]


def level_for_step(step_index: int) -> Level:
    """The level at a step (1..36) of the ladder."""
    if isinstance(step_index, bool) or not isinstance(step_index, int):
        raise LadderError(f"step must be a whole number from 1 to 36, not {step_index!r}")
    if not 1 <= step_index <= len(LADDER):
        raise LadderError(f"step must be from 1 to {len(LADDER)}, not {step_index}")
    return LADDER[step_index - 1]


def _as_level(level_or_code: Level | str) -> Level:
    return level_or_code if isinstance(level_or_code, Level) else parse_level(level_or_code)


def step(level_or_code: Level | str) -> int | None:
    """The ordinal step (1..36) of a result; None for W, B and N, which have no step."""
    return _as_level(level_or_code).step


def steps_between(start: Level | str, end: Level | str) -> int:
    """Small steps from ``start`` to ``end`` (negative when ``end`` is lower).

    Raises LadderError for W, B and N, which are not steps on the ladder.
    """
    a, b = _as_level(start), _as_level(end)
    for lvl in (a, b):
        if lvl.step is None:
            raise LadderError(f"{lvl.code} is not a step on the ladder, so steps cannot be counted")
    assert a.step is not None and b.step is not None
    return b.step - a.step


# --- Points schemes (docs/figures.md section 4) ------------------------------------------------------


@dataclass(frozen=True)
class PointsScheme:
    """A named, versioned table of points per canonical code.

    Versioned because sources disagree (docs/figures.md 4): a report names the scheme it used.
    """

    name: str
    version: str
    points: Mapping[str, float]

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    def points_for(self, level_or_code: Level | str) -> float | None:
        """Points for a result, or None when it carries none (B, N) or the scheme lacks it.

        A whole level ("4") falls back to its "b" sub-level when the scheme does not list it.
        Text is parsed with :func:`parse_level`, so unreadable text raises LadderError.
        """
        lvl = _as_level(level_or_code)
        if lvl.code in NO_POINTS_CODES:
            return None
        value = self.points.get(lvl.code)
        if value is None and lvl.is_whole_level:
            value = self.points.get(f"{lvl.code}b")
        return value

    @classmethod
    def from_mapping(cls, name: str, version: str, mapping: Mapping[str, float]) -> PointsScheme:
        """Build a scheme from a school's own table, checking it strictly.

        Keys must be canonical codes exactly as :data:`CANONICAL_CODES` spells them ("2b",
        not "2B"), B and N excluded; values must be finite numbers.
        """
        if not isinstance(name, str) or not name.strip():
            raise LadderError("a points scheme needs a name")
        if not isinstance(version, str) or not version.strip():
            raise LadderError(f"points scheme {name!r} needs a version")
        points: dict[str, float] = {}
        problems: list[str] = []
        for key, value in mapping.items():
            if key in NO_POINTS_CODES:
                problems.append(f"{key!r} is a key-stage test code and never carries points")
                continue
            if key not in _BY_CODE:
                try:
                    hint = f"; write {parse_level(key).code!r}"
                except LadderError:
                    hint = f" (valid codes: {VALID_CODES_TEXT})"
                problems.append(f"{_describe(key)} is not a canonical code{hint}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                problems.append(f"points for {key} must be a number, not {value!r}")
                continue
            points[key] = float(value)
        if problems:
            raise LadderError(f"points scheme {name!r}: " + "; ".join(problems))
        if not points:
            raise LadderError(f"points scheme {name!r} defines no points")
        return cls(name, version, MappingProxyType(points))


def _ns2007_extended() -> dict[str, float]:
    """The project's default table, generated from the rules rather than typed in.

    NC points (DfE/RAISEonline): the "b" sub-level and the whole level score 6 x level + 3,
    "c" two less and "a" two more; EP 57; W 3. P-levels: National Strategies 2007 for P4-P8
    (P7 to 1a is 6 points), quarter points for P1i-P3ii (the project's extension).
    """
    table: dict[str, float] = {
        "P1i": 0.5, "P1ii": 0.75, "P2i": 1.0, "P2ii": 1.25, "P3i": 1.5, "P3ii": 1.75,
        "P4": 2, "P5": 3, "P6": 4, "P7": 5, "P8": 6,
    }  # fmt: skip
    for lvl in range(1, 9):
        b = 6 * lvl + 3
        table.update({f"{lvl}c": b - 2, f"{lvl}b": b, f"{lvl}a": b + 2, str(lvl): b})
    table["EP"] = 57
    table["W"] = 3
    return table


def _dfe_2018_nominal() -> dict[str, float]:
    """DfE nominal KS2 scores for P-levels (prior attainment for secondary measures, 2017-18).

    A different scale from NS2007 (scaled-score territory, 59-69): never mix the two in one
    report. Only P-levels are defined, so NC codes get no points under this scheme.
    """
    table: dict[str, float] = {code: 59 for code in _P_CODES[:6]}
    table.update({"P4": 61, "P5": 63, "P6": 65, "P7": 67, "P8": 69})
    return table


DEFAULT_SCHEME_NAME = "NS2007-extended"

#: Built-in schemes by name. A school may load others with :meth:`PointsScheme.from_mapping`.
SCHEMES: Mapping[str, PointsScheme] = MappingProxyType(
    {
        "NS2007-extended": PointsScheme.from_mapping("NS2007-extended", "1", _ns2007_extended()),
        "DfE-2018-nominal": PointsScheme.from_mapping("DfE-2018-nominal", "2017-18", _dfe_2018_nominal()),
    }
)
DEFAULT_SCHEME: PointsScheme = SCHEMES[DEFAULT_SCHEME_NAME]


def points(level_or_code: Level | str, scheme: PointsScheme | None = None) -> float | None:
    """Points under ``scheme`` (default NS2007-extended); None when the result carries none."""
    return (scheme or DEFAULT_SCHEME).points_for(level_or_code)


# --- Pre-key-stage standards -------------------------------------------------------------------

PKS_CODES: tuple[str, ...] = tuple(f"PK{n}" for n in range(1, 7))
_PKS = re.compile(r"(?:pks?|pre-?key-?stage)-?([1-6])", re.ASCII)
_PKS_LEVELS: dict[str, Level] = {code: Level(code, n, FAMILY_PKS) for n, code in enumerate(PKS_CODES, 1)}


def parse_pks(text: str) -> Level:
    """Read a pre-key-stage standard (2021 on): "PK3", "pk 3", "PKS3" -> PK3, step 3.

    KS1 uses PK1-PK4 and KS2 PK1-PK6; the ordinal is comparable only within one key stage.
    """
    if isinstance(text, str) and text.isascii() and (m := _PKS.fullmatch(_squash(text))):
        return _PKS_LEVELS[f"PK{m[1]}"]
    raise LadderError(f"{_describe(text)} is not a pre-key-stage standard. Valid codes: PK1-PK6")


# --- The engagement model ----------------------------------------------------------------------

#: The five areas of the engagement model (replaced P1-P4 from 2021). Record each area as its
#: own subject; the result is a rating on :data:`ENGAGEMENT_SCALE`.
ENGAGEMENT_AREAS: tuple[str, ...] = (
    "exploration",
    "realisation",
    "anticipation",
    "persistence",
    "initiation",
)

#: A small ordinal rating, lowest first. The engagement model itself prescribes no scale and is
#: not a levels ladder: this is a school-defined scale so that change can be shown at all.
ENGAGEMENT_SCALE: tuple[str, ...] = ("not yet", "emerging", "developing", "established")
_ENGAGEMENT_LEVELS: dict[str, Level] = {
    word: Level(word, n, FAMILY_ENGAGEMENT) for n, word in enumerate(ENGAGEMENT_SCALE)
}
_ENGAGEMENT_TEXT = ", ".join(f"{n} {word}" for n, word in enumerate(ENGAGEMENT_SCALE))


def parse_engagement_area(text: str) -> str:
    """One of :data:`ENGAGEMENT_AREAS`, case-insensitive."""
    area = text.strip().lower() if isinstance(text, str) else None
    if area in ENGAGEMENT_AREAS:
        return area
    raise LadderError(f"{_describe(text)} is not an engagement area. Valid areas: {', '.join(ENGAGEMENT_AREAS)}")


def parse_engagement(text: str) -> Level:
    """A rating on the engagement scale, by word ("Developing") or number ("2")."""
    if isinstance(text, str) and text.isascii():
        s = " ".join(text.split()).lower()
        if s in _ENGAGEMENT_LEVELS:
            return _ENGAGEMENT_LEVELS[s]
        if s.isdigit() and int(s) < len(ENGAGEMENT_SCALE):
            return _ENGAGEMENT_LEVELS[ENGAGEMENT_SCALE[int(s)]]
    raise LadderError(f"{_describe(text)} is not an engagement rating. Valid ratings: {_ENGAGEMENT_TEXT}")


# --- Frameworks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Framework:
    """An assessment framework: the codes it accepts and how to read them."""

    key: str
    label: str
    codes: tuple[str, ...]
    parse: Callable[[str], Level]


FRAMEWORKS: Mapping[str, Framework] = MappingProxyType(
    {
        "nc": Framework("nc", "P-scales and NC levels", CANONICAL_CODES, parse_level),
        "pks": Framework("pks", "Pre-key-stage standards", PKS_CODES, parse_pks),
        "engagement": Framework(
            "engagement",
            "Engagement model (school-defined rating)",
            ENGAGEMENT_SCALE,
            parse_engagement,
        ),
    }
)


def parse_result(framework_key: str, text: str) -> Level:
    """Read ``text`` as a result in the framework named by ``framework_key``."""
    framework = FRAMEWORKS.get(framework_key)
    if framework is None:
        raise LadderError(f"{_describe(framework_key)} is not a framework. Valid: {', '.join(FRAMEWORKS)}")
    return framework.parse(text)


# --- Reference tables and words for points (docs/figures.md 9.9) -------------------------------------

#: What a quartile table may hold in a code cell, for messages.
REFERENCE_CODES_TEXT = "a level such as P4, W, 1c-8a, EP, or a bare digit 0-8 (0 is below level 1, scored as W)"


def parse_reference_code(text: str) -> Level:
    """A code in a quartile or national table: a level, a bare digit for a whole level, ``0`` for W.

    DOMAIN 9.9: "a bare digit is a whole level and scores as its "b" sub-level, ``0`` means below
    level 1 and scores as W". The key-stage test codes B and N carry no points, so a table cannot
    use them. Raises LadderError naming what is accepted.
    """
    if isinstance(text, str) and _squash(text) in ("0", "l0", "level0"):
        return _BY_CODE["W"]
    try:
        level = parse_level(text)
    except LadderError:
        raise LadderError(f"{_describe(text)} is not a level. Valid: {REFERENCE_CODES_TEXT}") from None
    if level.code in NO_POINTS_CODES:
        raise LadderError(f"{level.code} is a key-stage test code with no points. Valid: {REFERENCE_CODES_TEXT}")
    return level


def whole_level_code(level_or_code: Level | str) -> str | None:
    """The whole level of an NC result: "2b" -> "2", "2" -> "2"; None for P-scales, W, EP, B, N."""
    level = _as_level(level_or_code)
    if level.family != FAMILY_NC or not level.code[:1].isdigit():
        return None
    return level.code[0]


def is_below_level_1(level_or_code: Level | str) -> bool:
    """True for a P-scale code or W: the baselines the quartile rule covers by default (DOMAIN 9.9)."""
    level = _as_level(level_or_code)
    return level.family == FAMILY_P or level.code == "W"


def ladder_position(level_or_code: Level | str) -> float:
    """Where a result sits on the NC ladder, for ordering: its step, W just below 1c (11.5)."""
    return _as_level(level_or_code).sort_key[1]


_TOLERANCE = 1e-9


def _plain_number(value: float) -> str:
    """20.6 -> "20.6", 21.0 -> "21", 20.333 -> "20.33": at most 2 decimals, no trailing zeros."""
    text = f"{round(value + 0.0, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class PointsPlace:
    """Where a number of points falls among the ladder's steps under a scheme.

    ``exact`` is the code whose points equal the value (within 1e-9); otherwise ``below`` is the
    highest code under it and ``above`` the lowest code over it (None past either end).
    """

    points: float
    exact: str | None
    below: str | None
    above: str | None

    @property
    def text(self) -> str:
        """"20.6 points, between 3c and 3b"; "21 points, 3b" when it is on a code."""
        number = f"{_plain_number(self.points)} points"
        if self.exact is not None:
            return f"{number}, {self.exact}"
        if self.below is not None and self.above is not None:
            return f"{number}, between {self.below} and {self.above}"
        if self.above is not None:
            return f"{number}, below {self.above}"
        if self.below is not None:
            return f"{number}, above {self.below}"
        return number

    def __str__(self) -> str:
        return self.text


def place_points(value: float, scheme: PointsScheme | None = None) -> PointsPlace:
    """The codes either side of ``value`` points (or the code it is on), so words agree with numbers.

    An expected result of 20.6 points is "between 3c and 3b": never just "3c", which reads as met
    by a pupil at 3c although 19 < 20.6. Only the 36 steps are used (not whole levels or W); when
    two steps share points under a scheme the higher step names them. Steps the scheme does not
    score are skipped.
    """
    scheme = scheme or DEFAULT_SCHEME
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise LadderError(f"points must be a finite number, not {value!r}")
    exact = below = above = None
    below_points, above_points = -math.inf, math.inf
    for code in STEP_CODES:
        code_points = scheme.points_for(code)
        if code_points is None:
            continue
        if abs(code_points - value) <= _TOLERANCE:
            exact = code  # the highest step on these points wins (later in STEP_CODES)
        elif code_points < value and code_points >= below_points:
            below, below_points = code, code_points
        elif code_points > value and code_points < above_points:
            above, above_points = code, code_points
    return PointsPlace(float(value), exact, below, above)


def points_in_words(value: float, scheme: PointsScheme | None = None) -> str:
    """``place_points(value, scheme).text``: "20.6 points, between 3c and 3b"."""
    return place_points(value, scheme).text
