"""Dates of the review cycle (plans.cycle), worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from plans import cycle


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [(dt.date(2025, 3, 14), 12, dt.date(2026, 3, 14)), (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
     (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)), (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
     (dt.date(2025, 12, 1), 1, dt.date(2026, 1, 1))],
)  # fmt: skip
def test_add_months_keeps_the_day_or_takes_the_last_day_of_a_short_month(day, months, expected):
    assert cycle.add_months(day, months) == expected


def test_annual_review_is_due_12_months_after_the_last_or_after_the_plan_began():
    assert cycle.annual_review_due(ehcp_since=dt.date(2023, 5, 2), last_review=None) == dt.date(2024, 5, 2)
    assert cycle.annual_review_due(ehcp_since=dt.date(2023, 5, 2), last_review=dt.date(2025, 6, 20)) == dt.date(2026, 6, 20)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        # Due 20 June 2026; 10 weeks (70 days) before is 11 April 2026.
        (dt.date(2026, 4, 10), cycle.LATER),
        (dt.date(2026, 4, 11), cycle.DUE_SOON),
        (dt.date(2026, 6, 20), cycle.DUE_SOON),
        (dt.date(2026, 6, 21), cycle.OVERDUE),
    ],
)
def test_the_reminder_starts_ten_weeks_before_and_a_day_late_is_overdue(today, state):
    due = dt.date(2026, 6, 20)
    assert cycle.reminder_from(due) == dt.date(2026, 4, 11)
    assert cycle.review_state(due, today) == state


def test_a_new_plan_is_reviewed_as_long_after_its_start_as_the_last_one_else_after_a_term():
    assert cycle.default_review_date(dt.date(2026, 1, 5)) == dt.date(2026, 3, 30)  # 12 weeks = 84 days
    # The last plan ran 1 September to 8 December: 98 days.
    assert cycle.default_review_date(
        dt.date(2026, 1, 5), previous_start=dt.date(2025, 9, 1), previous_review=dt.date(2025, 12, 8)
    ) == dt.date(2026, 4, 13)
