"""MIS values read to codes, and line numbers named in short (pure: no Django)."""

import pytest

from imports.mis import coded, reading_codes
from imports.rows import line_ranges, lines_text


@pytest.mark.parametrize(
    ("text", "code"),
    [("K - SEN Support", "K"), ("E - Education, Health and Care Plan", "E"), ("SPLD - Specific Learning Difficulty", "SPLD"),
     ("SEMH: Social, emotional and mental health", "SEMH"), ("M – Male", "M"),
     ("K", "K"), ("SEN support", "SEN support"), ("Year 7", "Year 7"), ("7-2", "7-2")],
)  # fmt: skip
def test_a_code_with_its_description_gives_the_code_and_anything_else_is_left_alone(text, code):
    assert coded(text) == code


def test_the_column_parser_still_judges_the_value():
    def provision(text: str) -> str:
        if text not in ("N", "K", "E"):
            raise ValueError(f"{text!r} is not a provision code")
        return text

    read = reading_codes(provision)
    assert read("K - SEN Support") == "K"
    assert read("E") == "E"
    with pytest.raises(ValueError, match="'Q - Something' is not a provision code"):
        read("Q - Something")


def test_lines_are_named_as_ranges():
    assert line_ranges([2, 3, 4, 9, 11, 12]) == "2-4, 9, 11-12"
    assert line_ranges(range(2, 52)) == "2-51"
    assert lines_text([7]) == "line 7"
    assert lines_text([5, 3, 4, 3]) == "lines 3-5"
