"""Progress in plain words for parents and carers: no points, no level codes, no jargon.

Pure Python (no Django): plain values in, sentences out. The pages and the termly report for
parents build every sentence about progress here, so one set of tests pins the wording. How each
sentence is worked out (ages, "the level expected at the end of Year N", progress):
docs/plans-and-parents.md, "How the plain words are worked out".
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

MONTHS_OF_YEAR = 12

#: Expected-progress statuses (DOMAIN 9.4 and 9.9).
EXCEEDING = "exceeding"
EXPECTED = "expected"
BELOW = "below"

#: The first and last school years the levels describe (the end of key stage 3 is Year 9).
FIRST_YEAR = 1
LAST_YEAR = 9

_SUBLEVEL = re.compile(r"([1-8])([abc])?")
_SUB_OFFSET = {"c": 1, "b": 3, "a": 5}
_EARLY = re.compile(r"(P[1-3](i|ii)|P[4-8]|W)")
_PKS = re.compile(r"PK[1-6]")
ENGAGEMENT_WORDS = ("not yet", "emerging", "developing", "established")

TERM_WORDS = {"autumn": "autumn", "spring": "spring", "summer": "summer"}


# --- Numbers as words ----------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def years_and_months(months: int) -> str:
    """96 -> "8 years", 98 -> "8 years 2 months", 13 -> "1 year 1 month", 11 -> "11 months"."""
    if isinstance(months, bool) or not isinstance(months, int) or months < 0:
        raise ValueError(f"months must be a whole number of at least 0, not {months!r}")
    years, rest = divmod(months, MONTHS_OF_YEAR)
    if years and rest:
        return f"{_plural(years, 'year')} {_plural(rest, 'month')}"
    if years:
        return _plural(years, "year")
    return _plural(rest, "month")


def long_date(day: dt.date) -> str:
    """12 March 2026 (no leading zero)."""
    return f"{day.day} {day:%B %Y}"


def academic_year_of(day: dt.date) -> int:
    """The start year of the school year (September to August) a day falls in."""
    return day.year if day.month >= 9 else day.year - 1


def since_month(earlier: dt.date, later: dt.date) -> str:
    """ "September" when ``earlier`` is in the same school year as ``later``, else "March 2025"."""
    if academic_year_of(earlier) == academic_year_of(later):
        return f"{earlier:%B}"
    return f"{earlier:%B %Y}"


def term_phrase(academic_year: int, term: str, *, now_year: int) -> str:
    """ "the autumn term", or "the summer term of 2024/25" for an earlier school year."""
    name = TERM_WORDS[term]
    if academic_year == now_year:
        return f"the {name} term"
    return f"the {name} term of {academic_year}/{(academic_year + 1) % 100:02d}"


# --- Reading and spelling ages -------------------------------------------------------------------


def age_sentence(
    label: str, latest_months: int, latest_on: dt.date, earlier_months: int | None = None,
    earlier_on: dt.date | None = None, *, today: dt.date | None = None,
) -> str:  # fmt: skip
    """ "Reading age 8 years 2 months, up 7 months since September."

    ``label`` is "Reading age" or "Spelling age". The earlier test's month is named with its year
    unless it is in the school year of ``today`` (default: the latest test's day). Without an
    earlier test the sentence says when the test was taken instead.
    """
    now = f"{label} {years_and_months(latest_months)}"
    if earlier_months is None or earlier_on is None or earlier_on >= latest_on:
        return f"{now}, from a test in {latest_on:%B %Y}."
    change = latest_months - earlier_months
    since = since_month(earlier_on, today or latest_on)
    if change > 0:
        return f"{now}, up {_plural(change, 'month')} since {since}."
    if change < 0:
        return f"{now}, down {_plural(-change, 'month')} since {since}."
    return f"{now}, the same as in {since}."


# --- Where a pupil is working ----------------------------------------------------------------


def dfe_points(code: str) -> int | None:
    """DfE points of a national curriculum level (section 3): 4c 25, 4b 27, 4 27, EP 57; else None."""
    if code == "EP":
        return 57
    m = _SUBLEVEL.fullmatch(code)
    if not m:
        return None
    level, sub = int(m[1]), m[2] or "b"
    return 6 * level + _SUB_OFFSET[sub]


def school_year_for_points(points: int) -> int:
    """The school year at whose end ``points`` is the level expected: floor((points - 9) / 3)."""
    return math.floor((points - 9) / 3)


def working_at(code: str, framework: str = "nc") -> str | None:
    """Where a result says the pupil is working, in words; None for a code that says nothing (B, N)."""
    if framework == "engagement":
        return None  # said by engagement_sentence
    if framework == "pks" or _PKS.fullmatch(code or ""):
        return "working on the early steps of learning set for pupils not yet working at national curriculum levels"
    if _EARLY.fullmatch(code or ""):
        return "working on the early steps of learning that come before the first national curriculum level"
    points = dfe_points(code or "")
    if points is None:
        return None
    year = school_year_for_points(points)
    if year < FIRST_YEAR:
        return f"working towards the level expected at the end of Year {FIRST_YEAR}"
    if year > LAST_YEAR:
        return f"working above the level expected at the end of Year {LAST_YEAR}"
    return f"working at about the level expected at the end of Year {year}"


def progress_phrase(status: str | None, steps_gained: int | None) -> str | None:
    """The school's expected-progress status in words (DOMAIN 9.4 / 9.9)."""
    if status == EXCEEDING:
        return "making more progress than expected"
    if status == EXPECTED:
        return "making the progress expected"
    if status == BELOW:
        if steps_gained is None or steps_gained > 0:
            return "making steady progress, though more slowly than expected"
        if steps_gained == 0:
            return "not yet moving on from where they started"
        return "working a little below where they started"
    return None


def steps_phrase(steps: int, since: str) -> str:
    """ "Up 2 small steps since the autumn term." """
    if steps > 0:
        return f"Up {_plural(steps, 'small step')} since {since}."
    if steps < 0:
        return f"Down {_plural(-steps, 'small step')} since {since}."
    return f"On the same step as in {since}."


@dataclass(frozen=True)
class SubjectFacts:
    """What the school knows of one subject, as plain values (codes go in, words come out)."""

    subject: str
    current: str  # the latest teacher assessment's result code
    framework: str = "nc"  # nc, pks or engagement
    status: str | None = None  # exceeding, expected or below: against the starting point
    steps_gained: int | None = None  # small steps from the starting point to now
    steps_this_year: int | None = None  # small steps since the first result of this school year
    since: str = ""  # when that first result was, in words ("the autumn term")


def subject_sentence(facts: SubjectFacts) -> str | None:
    """ "English: working at about the level expected at the end of Year 4, and making the
    progress expected. Up 2 small steps since the autumn term." None when there is nothing to say."""
    if facts.framework == "engagement":
        return engagement_sentence(facts.subject, facts.current)
    where = working_at(facts.current, facts.framework)
    how = progress_phrase(facts.status, facts.steps_gained)
    if where is None and how is None:
        return None
    parts = [p for p in (where, how) if p]
    text = f"{facts.subject}: {', and '.join(parts)}."
    if facts.steps_this_year is not None and facts.since:
        text += " " + steps_phrase(facts.steps_this_year, facts.since)
    return text


def engagement_sentence(area: str, rating: str) -> str | None:
    """The engagement model's own words: "Exploration: developing (of not yet, emerging, developing, established)." """
    word = (rating or "").strip().lower()
    if word not in ENGAGEMENT_WORDS:
        return None
    return f"{area}: {word} (on a scale of {', '.join(ENGAGEMENT_WORDS)})."


# --- Plans, targets and interventions ------------------------------------------------------------

RATING_WORDS = {"achieved": "Achieved", "partly": "Partly achieved", "not_yet": "Not yet achieved"}
CHECK_WORDS = {"on_track": "On track", "not_on_track": "Not on track yet", "achieved": "Achieved"}


def rating_words(rating: str) -> str:
    return RATING_WORDS.get(rating, "Not reviewed yet")


def check_words(status: str) -> str:
    return CHECK_WORDS.get(status, "Not checked yet")


def attendance_sentence(
    *, attended: int | None, held: int | None, start: dt.date, end: dt.date | None, today: dt.date
) -> str:
    """ "Attended 18 of 20 sessions held since 8 September 2025." (no costs, ever)

    ``held`` is None when no session has been logged here (an imported count only).
    """
    if end is not None and end < today:
        span = f"from {long_date(start)} to {long_date(end)}"
    else:
        span = f"since {long_date(start)}"
    if start > today:
        return f"Starts on {long_date(start)}."
    if held is None:
        if attended is None:
            return f"Taking part {span}."
        return f"Attended {_plural(attended, 'session')} {span}."
    if held == 0:
        if end is not None and end < today:
            return f"No sessions were held {span}."
        return f"Started on {long_date(start)}; no sessions have been held yet."
    return f"Attended {attended or 0} of {_plural(held, 'session')} held {span}."
