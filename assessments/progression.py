"""Reference tables of national progress by starting point (docs/figures.md section 5).

Pure Python (no Django): the loader reads a CSV in the columns of the shipped
``data/progression_2012_quartiles.csv`` so a school can swap in the official tables.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from assessments.ladder import LadderError, ladder_position, parse_reference_code

DEFAULT_PATH = Path(__file__).parent / "data" / "progression_2012_quartiles.csv"
COLUMNS = (
    "transition",
    "subject",
    "starting_point",
    "lower_quartile",
    "median",
    "upper_quartile",
    "source_note",
)
_QUARTILES = ("lower_quartile", "median", "upper_quartile")


class ProgressionDataError(ValueError):
    """A quartile file that is missing columns or holds unusable numbers."""


def _number(text: str) -> int | float:
    """Whole levels stay ints; a fractional value (a school's finer table) becomes a float."""
    value = float(text)
    return int(value) if value.is_integer() else value


def load_progression_quartiles(path: str | Path | None = None) -> list[dict]:
    """Rows of a quartile table as dicts, quartiles as numbers; the shipped table by default.

    Checks that every column is present and that lower quartile <= median <= upper quartile,
    naming the line of any bad row.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ProgressionDataError(f"{path.name}: missing columns {', '.join(missing)}")
        rows: list[dict] = []
        for row in reader:
            line = reader.line_num
            try:
                quartiles = [_number(row[c]) for c in _QUARTILES]
            except (TypeError, ValueError):
                raise ProgressionDataError(
                    f"{path.name} line {line}: quartiles must be numbers, not {[row[c] for c in _QUARTILES]}"
                ) from None
            if not quartiles[0] <= quartiles[1] <= quartiles[2]:
                raise ProgressionDataError(f"{path.name} line {line}: need lower quartile <= median <= upper quartile")
            rows.append(
                {**{c: (row[c] or "").strip() for c in COLUMNS}, **dict(zip(_QUARTILES, quartiles, strict=True))}
            )
    return rows


# --- One row of a reference set, as a school's file gives it (docs/figures.md 9.9, 9.10) -----------

TRANSITIONS = ("KS1-KS2", "KS2-KS3", "KS2-KS4", "KS3-KS4")
TRANSITIONS_TEXT = "KS1-KS2, KS2-KS3, KS2-KS4 or KS3-KS4"
_TRANSITION = re.compile(r"ks([1-3])(?:-|to|->)?ks([2-4])")


def parse_transition(text: str) -> str:
    """"KS1-KS2", "ks1 to ks2", "KS1KS2" -> "KS1-KS2"; anything else raises ValueError."""
    squashed = re.sub(r"[\s_]+", "", str(text)).lower().replace("–", "-")
    if (m := _TRANSITION.fullmatch(squashed)) and (code := f"KS{m[1]}-KS{m[2]}") in TRANSITIONS:
        return code
    raise ValueError(f"{str(text)[:40]!r} is not a transition; use {TRANSITIONS_TEXT}")


def parse_table_code(text: str) -> str:
    """A starting point or quartile as a canonical ladder code: "2C" -> "2c", "L1" -> "1", "0" -> "W"."""
    try:
        return parse_reference_code(text).code
    except LadderError as exc:
        raise ValueError(str(exc)) from None


def parse_percentage(text: str) -> float:
    """"62", "62.5", "62 %" -> a number from 0 to 100; anything else raises ValueError."""
    cleaned = str(text).strip().removesuffix("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{str(text)[:40]!r} is not a percentage; write a number from 0 to 100") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise ValueError(f"{str(text)[:40]!r} is out of range: a percentage is from 0 to 100")
    return value


def quartile_order_problem(lower: str, median: str, upper: str) -> str | None:
    """Why three quartile codes are out of order (lower <= median <= upper up the ladder), or None."""
    positions = [ladder_position(code) for code in (lower, median, upper)]
    if positions[0] > positions[1]:
        return f"the lower quartile {lower} is above the median {median}: need lower quartile <= median <= upper quartile"
    if positions[1] > positions[2]:
        return f"the median {median} is above the upper quartile {upper}: need lower quartile <= median <= upper quartile"
    return None


def percentage_order_problem(pct_expected: float, pct_more: float) -> str | None:
    """More than expected progress is part of at least expected, so it cannot be the larger share."""
    if pct_more > pct_expected:
        return (
            f"pct_more_than_expected ({pct_more:g}) is above pct_expected ({pct_expected:g}): pupils making more "
            "than expected progress are among those making at least expected progress"
        )
    return None
