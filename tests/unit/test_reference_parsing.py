"""Cells of a reference set (quartile and national tables) as a school's file gives them (docs/figures.md 9.9, 9.10)."""

import pytest

from assessments import progression as p


@pytest.mark.parametrize(("text", "code"), [("KS1-KS2", "KS1-KS2"), ("ks1 to ks2", "KS1-KS2"), ("KS2KS4", "KS2-KS4"),
                                            ("KS3 - KS4", "KS3-KS4"), ("ks2–ks3", "KS2-KS3")])
def test_transitions_are_read_forgivingly(text, code):
    assert p.parse_transition(text) == code


@pytest.mark.parametrize("text", ["KS1-KS3", "KS4-KS5", "Y6", ""])
def test_other_transitions_are_refused_with_the_valid_ones(text):
    with pytest.raises(ValueError, match="KS1-KS2, KS2-KS3, KS2-KS4 or KS3-KS4"):
        p.parse_transition(text)


@pytest.mark.parametrize(("text", "value"), [("0", 0.0), ("100", 100.0), ("62.5", 62.5), ("23%", 23.0), (" 6 % ", 6.0)])
def test_percentages_from_0_to_100(text, value):
    assert p.parse_percentage(text) == value


@pytest.mark.parametrize("text", ["-1", "100.01", "abc", "nan", "inf", ""])
def test_percentages_outside_0_to_100_or_not_numbers_are_refused(text):
    with pytest.raises(ValueError):
        p.parse_percentage(text)


def test_quartiles_must_rise_up_the_ladder():
    # W sits between P8 and 1c; a whole level sits with its b sub-level ("4" = 4b)
    assert p.quartile_order_problem("W", "1c", "1b") is None
    assert p.quartile_order_problem("P8", "W", "W") is None
    assert p.quartile_order_problem("4", "4b", "4") is None
    assert "lower quartile 5 is above the median 4" in p.quartile_order_problem("5", "4", "5")
    assert "median 5 is above the upper quartile 4b" in p.quartile_order_problem("4", "5", "4b")


def test_more_than_expected_cannot_exceed_expected():
    assert p.percentage_order_problem(23, 6) is None and p.percentage_order_problem(23, 23) is None
    assert "above pct_expected" in p.percentage_order_problem(20, 21)
