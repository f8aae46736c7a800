"""Helpers for the CSV import contract (docs/imports.md).

Pure Python (no Django), so the importer, forms and tests read values one way. Every function
raises :class:`ParseError` with a message fit to show a school's data manager next to the line
number.
"""

from __future__ import annotations

import calendar
import re
from datetime import date


class ParseError(ValueError):
    """A cell that does not hold what its column promises."""


def _shown(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "...'"


def _text(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise ParseError(f"{_shown(text)} is not {what}")
    return text.strip()


# --- Headers -----------------------------------------------------------------------------------


def normalise_header(header: str) -> str:
    """A header as the importer matches it: "Date of Birth", "date_of_birth" -> "dateofbirth".

    Case-insensitive, ignoring spaces, underscores and hyphens, and the byte-order mark that
    Excel puts before the first header of a UTF-8 CSV.
    """
    return re.sub(r"[\s_\-]+", "", header.replace("\ufeff", "")).casefold()


# --- Dates -------------------------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
# The time Excel and MIS exports add to a date cell: midnight only, so no day is shifted.
_MIDNIGHT = re.compile(r"(?:[ T]00:00(?::00(?:\.0+)?)?)$", re.ASCII)
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.ASCII)
MIN_YEAR, MAX_YEAR = 1900, 2100


def parse_date(text: str) -> date:
    """A date written YYYY-MM-DD or DD/MM/YYYY (also D/M/YYYY), optionally with a midnight time
    (``2013-10-01 00:00:00``, as Excel and MIS exports write a date); any other time is refused.

    Two-digit years and US month-first dates are refused rather than guessed: a wrong date of
    birth or test date silently corrupts every age and ratio-gain figure.
    """
    s = _text(text, "a date")
    if _MIDNIGHT.search(s):
        s = _MIDNIGHT.sub("", s)
    elif _TIME.search(s):
        raise ParseError(f"{_shown(text)} has a time of day; write the date alone, YYYY-MM-DD or DD/MM/YYYY")
    if m := _ISO.fullmatch(s):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _UK.fullmatch(s):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
    else:
        raise ParseError(f"{_shown(text)} is not a date; write YYYY-MM-DD or DD/MM/YYYY")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParseError(f"{_shown(text)} has year {year}; expected {MIN_YEAR}-{MAX_YEAR}")
    if not 1 <= month <= 12:
        raise ParseError(
            f"{_shown(text)} is not a real date: there is no month {month} "
            "(dates are YYYY-MM-DD or DD/MM/YYYY, day first)"
        )
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise ParseError(
            f"{_shown(text)} is not a real date: {calendar.month_name[month]} {year} has {days_in_month} days"
        )
    return date(year, month, day)


def parse_optional_date(text: str | None) -> date | None:
    """As :func:`parse_date`, but a blank cell (optional column) gives None."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_date(text)


# --- Booleans ----------------------------------------------------------------------------------

_TRUE = frozenset({"y", "yes", "true", "1"})
_FALSE = frozenset({"n", "no", "false", "0"})


def parse_bool(text: str) -> bool:
    """Y/N, Yes/No, True/False or 1/0, any case. A blank is an error: use parse_optional_bool."""
    s = _text(text, "Y/N, Yes/No, True/False or 1/0").lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError(f"{_shown(text)} is not a yes/no value; write Y/N, Yes/No, True/False or 1/0")


def parse_optional_bool(text: str | None) -> bool | None:
    """As :func:`parse_bool`, but a blank cell (optional column) gives None."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_bool(text)


# --- Academic years and terms ------------------------------------------------------------------

_ACADEMIC_YEAR = re.compile(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", re.ASCII)


def parse_academic_year(text: str) -> int:
    """The start year of "2024/25", "2024-25" or "2024/2025" (all give 2024).

    The second part must be the following year, so "2024/26" is refused as a typing slip.
    """
    s = _text(text, "an academic year")
    m = _ACADEMIC_YEAR.fullmatch(s)
    if not m:
        raise ParseError(f"{_shown(text)} is not an academic year; write it like 2024/25")
    start, end = int(m[1]), m[2]
    if not MIN_YEAR <= start <= MAX_YEAR:
        raise ParseError(f"{_shown(text)} starts in {start}; expected {MIN_YEAR}-{MAX_YEAR}")
    expected = str(start + 1) if len(end) == 4 else f"{(start + 1) % 100:02d}"
    if end != expected:
        raise ParseError(f"{_shown(text)} is not an academic year: {start} should be followed by {expected}")
    return start


def format_academic_year(start_year: int) -> str:
    """2024 -> "2024/25", the form reports and the import contract use."""
    if isinstance(start_year, bool) or not isinstance(start_year, int):
        raise ParseError(f"an academic year starts in a year, not {start_year!r}")
    return f"{start_year}/{(start_year + 1) % 100:02d}"


#: The three terms of an academic year, in order.
TERM_ORDER: tuple[str, ...] = ("autumn", "spring", "summer")
_TERM_PREFIXES = {"aut": "autumn", "spr": "spring", "sum": "summer"}
_TERM_POSITION = {"autumn": 0, "spring": 1, "summer": 2}
_TERM = re.compile(r"(autumn|aut|spring|spr|summer|sum)(?:term)?[12]?", re.ASCII)


def parse_term(text: str) -> str:
    """ "autumn", "spring" or "summer" from "Autumn", "aut", "Spring term" or "Summer 2".

    Half-terms ("Autumn 1", "Autumn 2") name their term. "T1"-"T3" are refused: schools
    with six terms use T1-T6 for half-terms, so T2 is ambiguous.
    """
    s = re.sub(r"\s+", "", _text(text, "a term")).lower()
    if m := _TERM.fullmatch(s):
        return _TERM_PREFIXES[m[1][:3]]
    raise ParseError(f"{_shown(text)} is not a term; write Autumn, Spring or Summer")


def term_index(academic_year: int, term: str) -> int:
    """A running count of terms: the difference of two indexes is the terms elapsed.

    academic_year * 3 + position (autumn 0, spring 1, summer 2), so summer 2021/22 to autumn
    2022/23 is 1 term (docs/figures.md 9.2).
    """
    position = _TERM_POSITION.get(term)  # the stored spelling, without the regex (hot in reports)
    return academic_year * 3 + (TERM_ORDER.index(parse_term(term)) if position is None else position)


def split_term(index: int) -> tuple[int, str]:
    """The inverse of :func:`term_index`: (academic start year, term)."""
    year, position = divmod(index, 3)
    return year, TERM_ORDER[position]


def term_label(index: int) -> str:
    """A term index as people write it: "Autumn 2024/25"."""
    return year_term_label(*split_term(index))


def year_term_label(academic_year: int, term: str) -> str:
    """(2024, "autumn") -> "Autumn 2024/25"."""
    return f"{term.capitalize()} {format_academic_year(academic_year)}"


def default_term_dates(academic_year: int, term: str) -> tuple[date, date]:
    """First and last day of a term when the school has not set its own dates.

    Autumn 1 Sep-31 Dec of the start year; spring 1 Jan-31 Mar and summer 1 Apr-31 Aug of the
    next calendar year (docs/operations.md, "Term dates"). Together they cover every day of the year.
    """
    name = parse_term(term)
    if name == "autumn":
        return date(academic_year, 9, 1), date(academic_year, 12, 31)
    if name == "spring":
        return date(academic_year + 1, 1, 1), date(academic_year + 1, 3, 31)
    return date(academic_year + 1, 4, 1), date(academic_year + 1, 8, 31)


def term_for_date(day: date) -> tuple[int, str]:
    """(academic start year, term) that a date falls in under the default term dates."""
    if day.month >= 9:
        return day.year, "autumn"
    if day.month <= 3:
        return day.year - 1, "spring"
    return day.year - 1, "summer"
