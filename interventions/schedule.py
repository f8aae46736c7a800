"""Which weekdays a group meets, read from its free-text schedule (pure: no Django).

A schedule is what the SENCo typed, e.g. "Mon, Wed and Fri 8:40-9:00, library" or "Tuesdays
after lunch". Day names, their usual abbreviations and ranges ("Mon-Thu") are recognised; "daily"
and "every day" mean Monday to Friday. A schedule that names no day says nothing about when the
group meets, so it is treated as meeting on any day (docs/daily-use.md).
"""

from __future__ import annotations

import re

_DAYS = {
    "mon": 0, "monday": 0, "mondays": 0,
    "tue": 1, "tues": 1, "tuesday": 1, "tuesdays": 1,
    "wed": 2, "weds": 2, "wednesday": 2, "wednesdays": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "thursdays": 3,
    "fri": 4, "friday": 4, "fridays": 4,
    "sat": 5, "saturday": 5, "saturdays": 5,
    "sun": 6, "sunday": 6, "sundays": 6,
}  # fmt: skip
_DAY = "|".join(sorted(_DAYS, key=len, reverse=True))
_RANGE = re.compile(rf"\b({_DAY})\.?\s*(?:-|–|to)\s*({_DAY})\b", re.IGNORECASE)
_SINGLE = re.compile(rf"\b({_DAY})\b\.?", re.IGNORECASE)
_EVERY_DAY = re.compile(r"\b(daily|every\s*day|each\s*day)\b", re.IGNORECASE)
WEEKDAYS = frozenset(range(5))


def meeting_days(schedule: str) -> frozenset[int] | None:
    """The weekdays (Monday 0) the schedule names; None when it names none."""
    text = schedule or ""
    days: set[int] = set()
    if _EVERY_DAY.search(text):
        days |= WEEKDAYS
    for start, end in _RANGE.findall(text):
        first, last = _DAYS[start.lower()], _DAYS[end.lower()]
        days |= set(range(first, last + 1)) if first <= last else set(range(first, 7)) | set(range(0, last + 1))
    text = _RANGE.sub(" ", text)
    days |= {_DAYS[word.lower()] for word in _SINGLE.findall(text)}
    return frozenset(days) if days else None


def meets_on(schedule: str, weekday: int) -> bool:
    """Whether a group with this schedule meets on ``weekday`` (Monday 0); yes when no day is named."""
    days = meeting_days(schedule)
    return days is None or weekday in days
