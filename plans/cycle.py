"""Dates of the review cycle, without Django: when an EHC plan's annual review is due, and when to say so.

An EHC plan is reviewed at least every 12 months: the next annual review is due 12 months after
the last one, or 12 months after the plan began when none has been held yet (the register entry
with provision E). The SENCo's home page lists a review from 10 weeks before it is due, and every
overdue one.
"""

from __future__ import annotations

import calendar
import datetime as dt

ANNUAL_REVIEW_MONTHS = 12
#: How long before an annual review is due the SENCo's home page starts to list it.
REMINDER_WEEKS = 10

OVERDUE = "overdue"
DUE_SOON = "due soon"
LATER = "later"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it has no such day (29 Feb -> 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def annual_review_due(*, ehcp_since: dt.date, last_review: dt.date | None) -> dt.date:
    """12 months after the last annual review, else 12 months after the EHC plan began."""
    return add_months(last_review or ehcp_since, ANNUAL_REVIEW_MONTHS)


def reminder_from(due: dt.date) -> dt.date:
    return due - dt.timedelta(weeks=REMINDER_WEEKS)


def review_state(due: dt.date, today: dt.date) -> str:
    """``overdue`` after the due day, ``due soon`` from 10 weeks before it, else ``later``."""
    if due < today:
        return OVERDUE
    if reminder_from(due) <= today:
        return DUE_SOON
    return LATER


def default_review_date(starts_on: dt.date, *, previous_start: dt.date | None = None,
                        previous_review: dt.date | None = None) -> dt.date:  # fmt: skip
    """A new plan's review date: as long after its start as the previous plan's was, else a term (12 weeks)."""
    if previous_start is not None and previous_review is not None and previous_review > previous_start:
        return starts_on + (previous_review - previous_start)
    return starts_on + dt.timedelta(weeks=12)
