"""Expected progress for one pupil (docs/figures.md 9.1-9.4), worked by hand under NS2007-extended.

Term indexes are academic_year * 3 + position (autumn 0, spring 1, summer 2):
summer 2018/19 = 2018*3+2 = 6056, summer 2021/22 = 6065, autumn 2022/23 = 6066, summer 2022/23 = 6068.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from assessments.expected import (
    STATUS_BELOW,
    STATUS_EXCEEDING,
    STATUS_EXPECTED,
    BaselineResult,
    Span,
    choose_baseline,
    expected_gain,
    expected_points,
    level_not_above,
    progress,
    progress_span,
    progress_status,
)
from assessments.ladder import SCHEMES

NS = SCHEMES["NS2007-extended"]
DFE = SCHEMES["DfE-2018-nominal"]


@pytest.mark.parametrize(
    ("key_stage", "ks2_span", "span"),
    [
        ("KS1", "KS2-KS4", Span(2, 12)),
        ("KS2", "KS2-KS4", Span(3, 15)),
        ("KS2", "KS2-KS3", Span(2, 9)),
        ("KS3", "KS2-KS4", Span(2, 9)),
        ("Entry", "KS2-KS3", Span(2, 9)),
    ],
)
def test_the_key_stage_of_the_baseline_picks_the_span(key_stage, ks2_span, span):
    assert progress_span(key_stage, ks2_span) == span


def test_an_unknown_key_stage_or_span_choice_is_refused():
    with pytest.raises(ValueError, match="not a key stage"):
        progress_span("KS5")
    with pytest.raises(ValueError, match="ks2_span"):
        progress_span("KS2", "KS2-KS5")


def test_the_expected_gain_is_pro_rata_over_the_span():
    # KS2-KS4, 3 levels in 15 terms, after 3 terms: 3 x 6 x 3 / 15 = 3.6 points
    assert expected_gain(Span(3, 15), 3) == pytest.approx(3.6)
    # one level more for "exceeding": 4 x 6 x 3 / 15 = 4.8
    assert expected_gain(Span(3, 15), 3, extra_levels=1) == pytest.approx(4.8)
    # baseline 3b = 21 points: expected points 21 + 3.6 = 24.6
    assert expected_points(21, Span(3, 15), 3) == pytest.approx(24.6)


def test_terms_elapsed_must_be_a_whole_number_not_below_zero():
    with pytest.raises(ValueError):
        expected_gain(Span(2, 9), -1)
    with pytest.raises(ValueError):
        expected_gain(Span(2, 9), 1.5)


@pytest.mark.parametrize(
    ("gain", "status"),
    [
        # KS1-KS2 span (2 levels in 12 terms) after 12 terms: expected 12 points, exceeding 3 x 6 = 18
        (11.99, STATUS_BELOW),
        (12, STATUS_EXPECTED),
        (17.99, STATUS_EXPECTED),
        (18, STATUS_EXCEEDING),
    ],
)
def test_the_status_boundaries_count_as_reached(gain, status):
    assert progress_status(gain, Span(2, 12), 12) == status


@pytest.mark.parametrize(
    ("value", "scheme", "code"),
    [
        (0.4, NS, None),  # below P1i (0.5)
        (0.5, NS, "P1i"),
        (1.3, NS, "P2ii"),  # P2ii 1.25 <= 1.3 < P3i 1.5
        (24.6, NS, "3a"),  # 3a 23 <= 24.6 < 4c 25
        (25, NS, "4c"),
        (27, NS, "4b"),
        (56.9, NS, "8a"),  # 8a 53 <= 56.9 < EP 57
        (100, NS, "EP"),
        (62, DFE, "P4"),  # P4 61 <= 62 < P5 63; NC levels carry no points in this scheme
        (70, DFE, "P8"),
        (58, DFE, None),
    ],
)
def test_points_map_back_to_the_highest_step_not_above_them(value, scheme, code):
    assert level_not_above(value, scheme) == code


def test_the_baseline_is_the_latest_usable_one_before_the_current_term():
    ks1 = BaselineResult("KS1", "2b", 6056)
    ks2_b = BaselineResult("KS2", "B", 6065)  # key-stage test "B": no points, so skipped
    same_term = BaselineResult("Entry", "3c", 6068)  # not before the current term
    assert choose_baseline([ks1, ks2_b, same_term], 6068, NS) == ks1


def test_two_baselines_in_one_term_resolve_to_the_later_key_stage():
    ks2 = BaselineResult("KS2", "3b", 6065)
    entry = BaselineResult("Entry", "3c", 6065)
    assert choose_baseline([entry, ks2], 6068, NS) == entry
    assert choose_baseline([], 6068, NS) is None


def test_progress_from_a_ks2_baseline_three_terms_on():
    # KS2 3b (21) in summer 2021/22 (6065); 4c (25) in summer 2022/23 (6068): t = 3.
    # Gain 4; expected 3 x 6 x 3 / 15 = 3.6, exceeding 4.8: "expected".
    # Expected points 24.6 -> 3a (23); levels of progress 4 / 6 = 0.667.
    result = progress(
        baseline=BaselineResult("KS2", "3b", 6065), current_result="4c", current_term_index=6068, scheme=NS
    )
    assert result.terms_elapsed == 3
    assert result.expected_points == pytest.approx(24.6)
    assert result.expected_level == "3a"
    assert result.levels_of_progress == pytest.approx(4 / 6)
    assert result.status == STATUS_EXPECTED


def test_progress_with_the_ks2_to_ks3_span_chosen_by_the_school():
    # KS2-KS3: 2 levels in 9 terms. t = 3: expected 2 x 6 x 3 / 9 = 4, exceeding 3 x 6 x 3 / 9 = 6.
    # 3b (21) -> 4b (27): gain 6, "exceeding"; expected points 25 -> 4c.
    result = progress(
        baseline=BaselineResult("KS2", "3b", 6065),
        current_result="4b",
        current_term_index=6068,
        scheme=NS,
        ks2_span="KS2-KS3",
    )
    assert result.expected_points == pytest.approx(25)
    assert result.expected_level == "4c"
    assert result.status == STATUS_EXCEEDING


def test_progress_from_a_p_level_on_entry():
    # Entry P6 (4 points) in summer 2018/19 (6056); 2c (13) nine terms later (6065).
    # Expected 2 x 6 x 9 / 9 = 12 -> 16 points -> 2b (15 <= 16 < 17); gain 9 < 12: "below".
    result = progress(
        baseline=BaselineResult("Entry", "P6", 6056), current_result="2c", current_term_index=6065, scheme=NS
    )
    assert result.expected_points == pytest.approx(16)
    assert result.expected_level == "2b"
    assert result.status == STATUS_BELOW


def test_no_progress_is_computed_for_a_result_without_points():
    assert (
        progress(baseline=BaselineResult("KS2", "3b", 6065), current_result="N", current_term_index=6068, scheme=NS)
        is None
    )
    assert (
        progress(baseline=BaselineResult("KS2", "3b", 6065), current_result="PK3", current_term_index=6068, scheme=NS)
        is None
    )


def test_a_baseline_from_the_same_term_is_refused():
    with pytest.raises(ValueError, match="before"):
        progress(baseline=BaselineResult("KS2", "3b", 6068), current_result="4c", current_term_index=6068, scheme=NS)


def test_the_module_imports_when_django_cannot_be_imported():
    code = "import sys\nsys.modules['django'] = None\nimport assessments.expected\n"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
