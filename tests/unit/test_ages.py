"""Reading and spelling age-equivalents (docs/imports.md reading import, docs/figures.md section 7)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessments.ages import (
    MAX_MONTHS,
    AgeEquivalentError,
    format_age_equivalent,
    parse_age_equivalent,
)


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("7:06", 90),  # 7 x 12 + 6
        ("7:6", 90),
        (" 7 : 06 ", 90),
        ("7y6m", 90),
        ("7y 6m", 90),
        ("7 y 6 m", 90),
        ("7Y6M", 90),
        ("7 years 6 months", 90),
        ("7yrs 6mths", 90),
        ("7.06", 90),  # years.months, not decimal years
        ("7.6", 90),  # 7 years 6 months too
        ("7.11", 95),  # 7 x 12 + 11
        ("7.10", 94),
        ("7.01", 85),
        ("90m", 90),
        ("90 m", 90),
        ("90 months", 90),
        ("7", 84),  # a bare number is whole years
        ("7y", 84),
        ("10:00", 120),
        ("0:00", 0),
        ("25:00", 300),  # the oldest accepted
        ("300m", 300),
        ("16:11", 203),
    ],
)
def test_parse_age_equivalent_reads_every_accepted_form_as_months(text, months):
    assert parse_age_equivalent(text) == months


@pytest.mark.parametrize(
    "text",
    ["7:12", "7.12", "7y 12m", "7:60", "7 y 13 m"],
)
def test_months_after_the_years_must_be_0_to_11(text):
    with pytest.raises(AgeEquivalentError, match="months must be 0-11"):
        parse_age_equivalent(text)


@pytest.mark.parametrize("text", ["25:01", "26", "301m", "90", "99:11", "999m"])
def test_absurd_ages_over_25_years_are_refused(text):
    with pytest.raises(AgeEquivalentError, match="older than 25 years"):
        parse_age_equivalent(text)


@pytest.mark.parametrize(
    "text",
    ["", " ", "-7:06", "-7", "7:06:01", "7,06", "7.5.1", "seven", "7:", ":06", "7y6", "6m7y",
     "7.065", "<5:00", "16+", "7½", "\u0667:\u0660\u0666", "7m 6y", "1000m", "7.06.", "7 6"],
)  # fmt: skip
def test_anything_else_is_refused_with_the_accepted_forms_listed(text):
    with pytest.raises(AgeEquivalentError) as exc:
        parse_age_equivalent(text)
    assert "Accepted forms: 7:06" in str(exc.value)
    assert "90m" in str(exc.value)


@pytest.mark.parametrize("not_text", [None, 7, 7.06])
def test_values_that_are_not_text_are_refused(not_text):
    with pytest.raises(AgeEquivalentError):
        parse_age_equivalent(not_text)


def test_age_equivalent_error_is_a_value_error():
    assert issubclass(AgeEquivalentError, ValueError)


@pytest.mark.parametrize(("months", "text"), [(90, "7:06"), (95, "7:11"), (0, "0:00"), (120, "10:00"), (300, "25:00")])
def test_format_age_equivalent_writes_years_and_two_digit_months(months, text):
    assert format_age_equivalent(months) == text


@pytest.mark.parametrize("bad", [-1, 301, True, 7.5, "90"])
def test_format_age_equivalent_refuses_impossible_months(bad):
    with pytest.raises(AgeEquivalentError):
        format_age_equivalent(bad)


@pytest.mark.parametrize("months", range(MAX_MONTHS + 1))
def test_every_formatted_age_parses_back_to_the_same_months(months):
    assert parse_age_equivalent(format_age_equivalent(months)) == months


@given(
    years=st.integers(0, 24),
    months=st.integers(0, 11),
    form=st.sampled_from(["{y}:{m:02d}", "{y}:{m}", "{y}y{m}m", "{y}y {m}m", "{y} y {m} m", "{y}.{m:02d}", "{y}.{m}"]),
    pad=st.sampled_from(["", " ", "\t"]),
)
def test_every_form_of_the_same_age_gives_the_same_months(years, months, form, pad):
    text = pad + form.format(y=years, m=months) + pad
    assert parse_age_equivalent(text) == years * 12 + months
    assert parse_age_equivalent(f"{years * 12 + months}m") == years * 12 + months


@given(st.text())
def test_parse_age_equivalent_raises_nothing_but_its_own_error_on_any_text(text):
    try:
        months = parse_age_equivalent(text)
    except AgeEquivalentError:
        return
    assert 0 <= months <= MAX_MONTHS
