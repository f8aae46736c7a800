"""A problem on a line of a file, and naming lines in a message shortly (pure Python)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """A problem in a file: its line (1 is the header; None for the file as a whole), the
    column it is in (the contract's name; None for the row or file as a whole) and why."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        if self.column:
            where.append(self.column)
        return ": ".join([*where, self.message])


def line_ranges(lines: Iterable[int]) -> str:
    """[2, 3, 4, 9] -> "2-4, 9": the lines a repeated message is about, short enough to read."""
    parts: list[str] = []
    ordered = sorted(set(lines))
    start = previous = None
    for line in [*ordered, None]:
        if start is not None and line is not None and line == previous + 1:
            previous = line
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = line
    return ", ".join(parts)


def lines_text(lines: Iterable[int]) -> str:
    """"line 7" or "lines 2-51, 60"."""
    ordered = sorted(set(lines))
    return f"line {ordered[0]}" if len(ordered) == 1 else f"lines {line_ranges(ordered)}"
