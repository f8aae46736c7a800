"""Progress in plain words for parents (plans.plain): every sentence, worked by hand.

DfE points (DOMAIN 3): a level is 6 points; c, b, a are 6L+1, 6L+3, 6L+5 (2b = 15, 4b = 27).
The end of Year Y is 9 + 3Y points (2b at the end of Year 2, 4b at the end of Year 6, 3 points a
year between them, DOMAIN 5), so a result of p points is at the level of Year floor((p - 9) / 3).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from plans import plain
from plans.plain import SubjectFacts

# Anything a parent should never read: level codes, points, jargon.
CODES = re.compile(r"\b([1-8][abc]|P[1-8](i|ii)?|PK[1-6]|EP|APS|UPN|SDQ)\b")
JARGON = ("points", "sub-level", "P-scale", "ratio gain", "baseline", "quartile", "key stage", "KS2")


def assert_plain(text: str) -> None:
    assert not CODES.search(text), f"a code in {text!r}"
    for word in JARGON:
        assert word.lower() not in text.lower(), f"{word!r} in {text!r}"


@pytest.mark.parametrize(
    ("months", "words"),
    [(98, "8 years 2 months"), (96, "8 years"), (13, "1 year 1 month"), (11, "11 months"), (1, "1 month"),
     (0, "0 months"), (145, "12 years 1 month")],
)  # fmt: skip
def test_months_read_as_years_and_months(months, words):
    assert plain.years_and_months(months) == words


@pytest.mark.parametrize("bad", [-1, 1.5, True, "98"])
def test_months_must_be_a_whole_number_of_at_least_nought(bad):
    with pytest.raises(ValueError):
        plain.years_and_months(bad)


def test_reading_age_with_the_change_since_september_as_the_brief_asks():
    # 98 months = 8 years 2 months; 98 - 91 = 7 months up since the September test (same school year).
    text = plain.age_sentence("Reading age", 98, dt.date(2026, 3, 10), 91, dt.date(2025, 9, 15))
    assert text == "Reading age 8 years 2 months, up 7 months since September."
    assert_plain(text)


def test_tests_from_last_school_year_name_the_year_when_read_this_year():
    # Both tests were in 2025/26; read in December 2026 (2026/27), "since September" would mislead.
    text = plain.age_sentence("Reading age", 98, dt.date(2026, 3, 10), 91, dt.date(2025, 9, 15), today=dt.date(2026, 12, 3))
    assert text == "Reading age 8 years 2 months, up 7 months since September 2025."


def test_an_earlier_test_from_a_previous_school_year_is_named_with_its_year():
    # March 2025 is in 2024/25; March 2026 in 2025/26.
    text = plain.age_sentence("Spelling age", 100, dt.date(2026, 3, 10), 101, dt.date(2025, 3, 1))
    assert text == "Spelling age 8 years 4 months, down 1 month since March 2025."


def test_the_same_age_twice_and_a_first_test():
    assert (
        plain.age_sentence("Reading age", 90, dt.date(2026, 1, 5), 90, dt.date(2025, 10, 1))
        == "Reading age 7 years 6 months, the same as in October."
    )
    assert plain.age_sentence("Reading age", 90, dt.date(2026, 1, 5)) == "Reading age 7 years 6 months, from a test in January 2026."


@pytest.mark.parametrize(
    ("code", "points"),
    [("1c", 7), ("2b", 15), ("2", 15), ("4c", 25), ("4b", 27), ("4a", 29), ("8a", 53), ("EP", 57), ("P6", None),
     ("W", None), ("B", None), ("nonsense", None)],
)  # fmt: skip
def test_dfe_points_of_the_levels(code, points):
    assert plain.dfe_points(code) == points


@pytest.mark.parametrize(
    ("code", "words"),
    [
        # 1a = 11 < 12 (the end of Year 1): towards Year 1.
        ("1a", "working towards the level expected at the end of Year 1"),
        # 2c = 13: floor(4 / 3) = 1. 2b = 15: floor(6 / 3) = 2. 2a = 17: floor(8 / 3) = 2.
        ("2c", "working at about the level expected at the end of Year 1"),
        ("2b", "working at about the level expected at the end of Year 2"),
        ("2a", "working at about the level expected at the end of Year 2"),
        # 3b = 21: floor(12 / 3) = 4. 4b = 27: 6. 5c = 31: floor(22 / 3) = 7.
        ("3b", "working at about the level expected at the end of Year 4"),
        ("4b", "working at about the level expected at the end of Year 6"),
        ("4", "working at about the level expected at the end of Year 6"),
        ("5c", "working at about the level expected at the end of Year 7"),
        # 6c = 37: floor(28 / 3) = 9, the last year. 6b = 39: 10, above Year 9.
        ("6c", "working at about the level expected at the end of Year 9"),
        ("6b", "working above the level expected at the end of Year 9"),
        ("EP", "working above the level expected at the end of Year 9"),
        ("P6", "working on the early steps of learning that come before the first national curriculum level"),
        ("W", "working on the early steps of learning that come before the first national curriculum level"),
        ("P1ii", "working on the early steps of learning that come before the first national curriculum level"),
    ],
)
def test_where_a_pupil_is_working_is_a_school_year_never_a_code(code, words):
    assert plain.working_at(code) == words
    assert_plain(words)


def test_pre_key_stage_standards_are_early_steps_and_test_codes_say_nothing():
    assert "early steps" in plain.working_at("PK3", "pks")
    assert plain.working_at("B") is None and plain.working_at("N") is None


@pytest.mark.parametrize(
    ("status", "gained", "words"),
    [
        ("exceeding", 5, "making more progress than expected"),
        ("expected", 3, "making the progress expected"),
        ("below", 2, "making steady progress, though more slowly than expected"),
        ("below", None, "making steady progress, though more slowly than expected"),
        ("below", 0, "not yet moving on from where they started"),
        ("below", -1, "working a little below where they started"),
        (None, 2, None),
    ],
)
def test_progress_is_the_expected_progress_status_in_words(status, gained, words):
    assert plain.progress_phrase(status, gained) == words


def test_a_subject_sentence_joins_where_and_how_and_the_steps_this_year():
    facts = SubjectFacts(
        subject="English", current="3b", status="expected", steps_gained=3, steps_this_year=2, since="the autumn term"
    )
    text = plain.subject_sentence(facts)
    assert text == (
        "English: working at about the level expected at the end of Year 4, and making the progress expected. "
        "Up 2 small steps since the autumn term."
    )
    assert_plain(text)


def test_a_subject_sentence_without_a_status_or_steps():
    assert plain.subject_sentence(SubjectFacts(subject="Maths", current="P7")) == (
        "Maths: working on the early steps of learning that come before the first national curriculum level."
    )
    assert plain.subject_sentence(SubjectFacts(subject="Maths", current="B")) is None


@pytest.mark.parametrize(("steps", "words"), [(1, "Up 1 small step since the spring term."),
                                              (0, "On the same step as in the spring term."),
                                              (-2, "Down 2 small steps since the spring term.")])  # fmt: skip
def test_steps_this_year(steps, words):
    assert plain.steps_phrase(steps, "the spring term") == words


def test_engagement_ratings_keep_their_own_words():
    assert plain.subject_sentence(SubjectFacts(subject="Exploration", current="developing", framework="engagement")) == (
        "Exploration: developing (on a scale of not yet, emerging, developing, established)."
    )
    assert plain.engagement_sentence("Exploration", "7") is None


def test_term_phrases_name_the_year_only_when_it_is_not_this_one():
    assert plain.term_phrase(2025, "autumn", now_year=2025) == "the autumn term"
    assert plain.term_phrase(2024, "summer", now_year=2025) == "the summer term of 2024/25"


def test_since_month_names_the_year_across_a_school_year():
    assert plain.since_month(dt.date(2025, 9, 1), dt.date(2026, 8, 31)) == "September"
    assert plain.since_month(dt.date(2025, 8, 31), dt.date(2025, 9, 1)) == "August 2025"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"attended": 18, "held": 20, "start": dt.date(2025, 9, 8), "end": None},
         "Attended 18 of 20 sessions held since 8 September 2025."),
        ({"attended": 9, "held": 10, "start": dt.date(2025, 9, 8), "end": dt.date(2025, 12, 12)},
         "Attended 9 of 10 sessions held from 8 September 2025 to 12 December 2025."),
        ({"attended": 12, "held": None, "start": dt.date(2025, 9, 8), "end": None},
         "Attended 12 sessions since 8 September 2025."),
        ({"attended": None, "held": None, "start": dt.date(2025, 9, 8), "end": None},
         "Taking part since 8 September 2025."),
        ({"attended": 0, "held": 0, "start": dt.date(2026, 1, 5), "end": None},
         "Started on 5 January 2026; no sessions have been held yet."),
        ({"attended": 0, "held": 0, "start": dt.date(2026, 2, 5), "end": None}, "Starts on 5 February 2026."),
        ({"attended": 1, "held": 1, "start": dt.date(2025, 9, 8), "end": None},
         "Attended 1 of 1 session held since 8 September 2025."),
    ],
)  # fmt: skip
def test_attendance_in_words_without_costs(kwargs, words):
    text = plain.attendance_sentence(today=dt.date(2026, 1, 20), **kwargs)
    assert text == words
    assert "£" not in text and "cost" not in text.lower()


def test_ratings_and_checks_in_words():
    assert [plain.rating_words(r) for r in ("achieved", "partly", "not_yet", "")] == [
        "Achieved", "Partly achieved", "Not yet achieved", "Not reviewed yet",
    ]  # fmt: skip
    assert [plain.check_words(s) for s in ("on_track", "not_on_track", "achieved", "")] == [
        "On track", "Not on track yet", "Achieved", "Not checked yet",
    ]  # fmt: skip
