"""Reading and spelling age-equivalents, held as whole months.

Pure Python (no Django). Test publishers and MIS exports write ages in several ways; every one
is turned into months so that ratio gain (docs/figures.md 9.7) is simple arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re


class AgeEquivalentError(ValueError):
    """Text that is not an age-equivalent, or an impossible one."""


#: The oldest age-equivalent accepted (25 years): anything above is a typing slip.
MAX_MONTHS = 25 * 12

ACCEPTED_FORMS = (
    "7:06 or 7:6 (years:months), 7y6m or 7 y 6 m, 7.06 or 7.6 (years.months, so 7.11 is "
    "7 years 11 months), 90m (months), or 7 (whole years)"
)

_YEARS = r"(?:y|yr|yrs|year|years)"
_MONTHS = r"(?:m|mth|mths|month|months)"
_COLON = re.compile(r"(\d{1,2})\s*:\s*(\d{1,2})", re.ASCII)
_DOT = re.compile(r"(\d{1,2})\.(\d{1,2})", re.ASCII)
_YM = re.compile(rf"(\d{{1,2}})\s*{_YEARS}(?:\s*(\d{{1,2}})\s*{_MONTHS})?", re.ASCII)
_M = re.compile(rf"(\d{{1,3}})\s*{_MONTHS}", re.ASCII)
_Y = re.compile(r"(\d{1,2})", re.ASCII)


def _error(text: object, reason: str) -> AgeEquivalentError:
    shown = repr(text) if len(repr(text)) <= 40 else repr(text)[:37] + "...'"
    return AgeEquivalentError(f"{shown} {reason}. Accepted forms: {ACCEPTED_FORMS}")


def parse_age_equivalent(text: str) -> int:
    """Months from an age-equivalent such as "7:06", "7y 6m", "7.06" or "90m".

    "7.06" and "7.6" are years.months (both 90 months), not decimal years: that is how reading
    tests print them. A plain number is whole years ("7" is 84 months), because that is what a
    bare reading age means; "90" is therefore rejected as 90 years, so write "90m" for months.
    Months after a year must be 0-11; the total must be at most 25 years.
    """
    if not isinstance(text, str):
        raise _error(text, "is not an age-equivalent")
    s = text.strip().lower()
    years: int
    months: int
    if m := (_COLON.fullmatch(s) or _DOT.fullmatch(s) or _YM.fullmatch(s)):
        years, months = int(m[1]), int(m[2] or 0)
        if months >= 12:
            raise _error(text, f"has {months} months after the years; months must be 0-11")
        total = years * 12 + months
    elif m := _M.fullmatch(s):
        total = int(m[1])
    elif m := _Y.fullmatch(s):
        total = int(m[1]) * 12
    else:
        raise _error(text, "is not an age-equivalent")
    if total > MAX_MONTHS:
        raise _error(text, f"is older than {MAX_MONTHS // 12} years, which no test reports")
    return total


def months_between(born: dt.date, day: dt.date) -> int:
    """Whole months from ``born`` to ``day`` (a chronological age in months; negative before birth)."""
    return (day.year - born.year) * 12 + day.month - born.month - (day.day < born.day)


def format_age_equivalent(months: int) -> str:
    """Months as years:months with two-digit months, the way reports print it: 90 -> "7:06"."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise AgeEquivalentError(f"months must be a whole number, not {months!r}")
    if not 0 <= months <= MAX_MONTHS:
        raise AgeEquivalentError(f"months must be from 0 to {MAX_MONTHS}, not {months}")
    return f"{months // 12}:{months % 12:02d}"
