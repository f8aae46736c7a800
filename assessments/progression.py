"""Reference tables of national progress by starting point (DOMAIN.md section 5).

Pure Python (no Django): the loader reads a CSV in the columns of the shipped
``data/progression_2012_quartiles.csv`` so a school can swap in the official tables.
"""

from __future__ import annotations

import csv
from pathlib import Path

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
