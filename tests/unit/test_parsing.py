"""Helpers for the CSV import contract (docs/imports.md)."""

import contextlib
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sencotrack.parsing import (
    TERM_ORDER,
    ParseError,
    default_term_dates,
    format_academic_year,
    normalise_header,
    parse_academic_year,
    parse_bool,
    parse_date,
    parse_optional_bool,
    parse_optional_date,
    parse_term,
    term_for_date,
    term_index,
)

# --- Headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["date_of_birth", "Date of Birth", "DATE_OF_BIRTH", " date-of-birth ", "\ufeffdate_of_birth", "DateOfBirth",
     "date _ of _ birth", "date\tof birth"],
)  # fmt: skip
def test_headers_match_ignoring_case_spaces_underscores_hyphens_and_a_bom(header):
    assert normalise_header(header) == "dateofbirth"


def test_different_headers_stay_different():
    assert normalise_header("upn") != normalise_header("up")
    assert normalise_header("start_date") != normalise_header("end_date")


# --- Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-02-28", date(2025, 2, 28)), ("28/02/2025", date(2025, 2, 28)), ("1/9/2024", date(2024, 9, 1)),
     ("01/09/2024", date(2024, 9, 1)), (" 2024-09-01 ", date(2024, 9, 1)), ("29/02/2024", date(2024, 2, 29)),
     ("2024-2-9", date(2024, 2, 9)), ("31/12/2099", date(2099, 12, 31))],
)  # fmt: skip
def test_parse_date_reads_iso_and_day_first_dates(text, expected):
    assert parse_date(text) == expected


def test_a_day_that_does_not_exist_is_refused_with_the_length_of_the_month():
    with pytest.raises(ParseError, match=r"'31/02/2025' is not a real date: February 2025 has 28 days"):
        parse_date("31/02/2025")


@pytest.mark.parametrize("text", ["29/02/2025", "2025-02-29", "31/04/2025", "0/01/2025", "2025-01-00", "32/01/2025"])
def test_impossible_days_are_refused(text):
    with pytest.raises(ParseError, match="not a real date"):
        parse_date(text)


def test_a_month_first_date_is_refused_with_a_hint_that_dates_are_day_first():
    with pytest.raises(ParseError, match=r"no month 13.*day first"):
        parse_date("09/13/2025")


@pytest.mark.parametrize(
    "text",
    ["", "2025/02/28", "28-02-2025", "28/02/25", "28.02.2025", "2025-02-28T09:30", "28 Feb 2025", "20250228",
     "٢٠٢٥-٠٢-٢٨", "1/1/1899", "2101-01-01", "0000-01-01"],
)  # fmt: skip
def test_other_date_forms_are_refused(text):
    with pytest.raises(ParseError):
        parse_date(text)


def test_an_unknown_date_form_names_the_accepted_forms():
    with pytest.raises(ParseError, match="YYYY-MM-DD or DD/MM/YYYY"):
        parse_date("28 Feb 2025")


@pytest.mark.parametrize("blank", ["", "  ", None])
def test_a_blank_optional_date_is_none(blank):
    assert parse_optional_date(blank) is None


def test_an_optional_date_is_still_checked_when_given():
    assert parse_optional_date("01/09/2024") == date(2024, 9, 1)
    with pytest.raises(ParseError):
        parse_optional_date("31/02/2025")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_every_date_round_trips_through_both_forms(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(day.strftime("%d/%m/%Y")) == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}") == day


@given(st.text())
def test_parse_date_raises_nothing_but_parse_error_on_any_text(text):
    with contextlib.suppress(ParseError):
        parse_date(text)


# --- Booleans ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Y", "y", "Yes", "YES", "True", "true", "1", " yes "])
def test_true_values(text):
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["N", "n", "No", "NO", "False", "false", "0", " no "])
def test_false_values(text):
    assert parse_bool(text) is False


@pytest.mark.parametrize("text", ["", " ", "maybe", "t", "f", "2", "yes please", "on", None])
def test_anything_else_is_not_a_yes_or_no(text):
    with pytest.raises(ParseError):
        parse_bool(text)


@pytest.mark.parametrize(("text", "expected"), [("", None), ("  ", None), (None, None), ("Y", True), ("0", False)])
def test_a_blank_optional_bool_is_none(text, expected):
    assert parse_optional_bool(text) is expected


def test_an_optional_bool_is_still_checked_when_given():
    with pytest.raises(ParseError, match="Y/N, Yes/No, True/False or 1/0"):
        parse_optional_bool("maybe")


# --- Academic years and terms ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024/25", "2024-25", "2024/2025", "2024-2025", " 2024 / 25 "])
def test_academic_years_give_their_start_year(text):
    assert parse_academic_year(text) == 2024


def test_the_century_rolls_over():
    assert parse_academic_year("1999/00") == 1999
    assert parse_academic_year("1999/2000") == 1999
    assert format_academic_year(1999) == "1999/00"


@pytest.mark.parametrize("text", ["2024/26", "2024/24", "2024/2026", "2024/2024"])
def test_the_second_year_must_follow_the_first(text):
    with pytest.raises(ParseError, match="should be followed by"):
        parse_academic_year(text)


@pytest.mark.parametrize("text", ["2024", "24/25", "2024/5", "2024/025", "", "2024 25", "year 7"])
def test_other_academic_year_forms_are_refused(text):
    with pytest.raises(ParseError, match="2024/25"):
        parse_academic_year(text)


@pytest.mark.parametrize(("year", "text"), [(2024, "2024/25"), (2008, "2008/09"), (2099, "2099/00")])
def test_format_academic_year(year, text):
    assert format_academic_year(year) == text


@given(st.integers(1900, 2100))
def test_academic_years_round_trip(year):
    assert parse_academic_year(format_academic_year(year)) == year


@pytest.mark.parametrize(
    ("text", "term"),
    [("Autumn", "autumn"), ("AUTUMN", "autumn"), ("aut", "autumn"), ("Spring", "spring"), ("Spr", "spring"),
     ("Summer", "summer"), ("sum", "summer"), (" Summer term ", "summer"), ("Autumn 2", "autumn"),
     ("Spring1", "spring")],
)  # fmt: skip
def test_parse_term_reads_term_names_and_abbreviations(text, term):
    assert parse_term(text) == term


@pytest.mark.parametrize("text", ["T1", "T2", "Term 3", "Fall", "Winter", "", "autumn 3", "su", "Autumn/Spring"])
def test_parse_term_refuses_ambiguous_or_unknown_terms(text):
    with pytest.raises(ParseError, match="Autumn, Spring or Summer"):
        parse_term(text)


def test_terms_run_autumn_spring_summer():
    assert TERM_ORDER == ("autumn", "spring", "summer")


def test_summer_to_the_next_autumn_is_one_term():
    # docs/figures.md 9.2: summer 2021/22 -> autumn 2022/23 is 1
    assert term_index(2022, "autumn") - term_index(2021, "summer") == 1


@pytest.mark.parametrize(
    ("start", "end", "elapsed"),
    [((2021, "summer"), (2022, "autumn"), 1), ((2020, "summer"), (2024, "summer"), 12),
     ((2024, "autumn"), (2024, "summer"), 2), ((2024, "spring"), (2024, "spring"), 0)],
)  # fmt: skip
def test_terms_elapsed_is_the_difference_of_term_indexes(start, end, elapsed):
    assert term_index(*end) - term_index(*start) == elapsed


def test_term_index_is_year_times_three_plus_position():
    assert term_index(2024, "Autumn") == 2024 * 3
    assert term_index(2024, "spring") == 2024 * 3 + 1
    assert term_index(2024, "Summer") == 2024 * 3 + 2


@pytest.mark.parametrize(
    ("term", "first", "last"),
    [("autumn", date(2024, 9, 1), date(2024, 12, 31)), ("spring", date(2025, 1, 1), date(2025, 3, 31)),
     ("summer", date(2025, 4, 1), date(2025, 8, 31))],
)  # fmt: skip
def test_default_term_dates_of_2024_25(term, first, last):
    assert default_term_dates(2024, term) == (first, last)


@given(st.integers(1901, 2099))
def test_default_terms_cover_every_day_of_the_academic_year_without_gaps(year):
    spans = [default_term_dates(year, t) for t in TERM_ORDER]
    assert spans[0][0] == date(year, 9, 1)
    assert spans[-1][1] == date(year + 1, 8, 31)
    for (_, end), (start, _) in pairwise(spans):
        assert start - end == timedelta(days=1)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)))
def test_term_for_date_finds_the_default_term_containing_the_date(day):
    year, term = term_for_date(day)
    first, last = default_term_dates(year, term)
    assert first <= day <= last


def test_parse_error_is_a_value_error():
    assert issubclass(ParseError, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2013-10-01 00:00:00", date(2013, 10, 1)), ("2013-10-01T00:00:00", date(2013, 10, 1)),
     ("01/10/2013 00:00", date(2013, 10, 1)), ("2013-10-01 00:00:00.000", date(2013, 10, 1))],
)  # fmt: skip
def test_a_date_with_a_midnight_time_is_the_date_as_excel_writes_it(text, expected):
    assert parse_date(text) == expected


def test_a_date_with_another_time_is_refused_rather_than_rounded():
    with pytest.raises(ParseError, match="has a time of day"):
        parse_date("2013-10-01 09:30:00")
