"""Term dates: the school's own where it has set them, else the defaults of docs/operations.md ("Term dates")."""

from __future__ import annotations

from datetime import date

from assessments.models import Term
from pupils.models import School
from sencotrack.parsing import TERM_ORDER, default_term_dates, term_for_date


def term_dates(school: School, academic_year: int, term: str) -> tuple[date, date]:
    row = (
        Term.objects.filter(academic_year__school=school, academic_year__start_year=academic_year, name=term)
        .values_list("start_date", "end_date")
        .first()
    )
    return row if row else default_term_dates(academic_year, term)


def previous_term(academic_year: int, term: str) -> tuple[int, str]:
    position = TERM_ORDER.index(term)
    if position == 0:
        return academic_year - 1, TERM_ORDER[-1]
    return academic_year, TERM_ORDER[position - 1]


def last_ended_term(school: School, today: date) -> tuple[int, str]:
    """The most recent term whose last day is before ``today``."""
    year, term = term_for_date(today)
    while term_dates(school, year, term)[1] >= today:
        year, term = previous_term(year, term)
    return year, term
