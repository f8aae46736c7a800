"""Baselines, expected progress, starting points and rounding (docs/figures.md 9.1-9.5).

Points used below (DOMAIN 3 and 4, scheme NS2007-extended): P4 2, P5 3, P6 4, W 3, 1c 7, 1b 9,
1a 11, 2c 13, 2b 15, 2a 17, 3c 19, 3b 21, 3a 23, 4c 25, 4b 27 (and whole level 4 = 27), 4a 29,
5c 31, 5b 33. Term index = academic year start * 3 + (autumn 0, spring 1, summer 2).
"""

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports import metrics as m

SUMMER_2016 = 2016 * 3 + 2  # 6050
SUMMER_2020 = 2020 * 3 + 2  # 6062
AUTUMN_2020 = 2020 * 3 + 0  # 6060 (autumn 2020/21 is 6060; summer 2020 belongs to 2019/20)


def baselines(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "subject", "key_stage", "result", "points", "term_index"])


def current(rows, **extra):
    df = pd.DataFrame(rows, columns=["pupil_id", "upn", "subject", "result", "points"])
    for name, values in extra.items():
        df[name] = values
    return df


# ---------------------------------------------------------------- term index and spans


def test_term_index_counts_summer_to_next_autumn_as_one_term():
    # summer 2021/22 = 2021*3 + 2 = 6065; autumn 2022/23 = 2022*3 + 0 = 6066; difference 1
    assert m.term_index(2021, 2) == 6065
    assert m.term_index(2022, 0) == 6066
    assert m.term_index(2022, 0) - m.term_index(2021, 2) == 1


def test_term_index_rejects_a_fourth_term():
    with pytest.raises(ValueError):
        m.term_index(2022, 3)


def test_default_spans_follow_domain_9_1():
    spans = m.progress_spans()
    assert spans == {
        "KS1": (2, 12),
        "KS2": (3, 15),
        "KS3": (2, 9),
        "Entry": (2, 9),
    }
    assert spans["KS2"].expected_levels == 3 and spans["KS2"].span_terms == 15


def test_school_may_choose_ks2_to_ks3_span_of_two_levels_in_nine_terms():
    assert m.progress_spans("KS2-KS3")["KS2"] == m.Span(2, 9)


def test_unknown_ks2_span_is_refused():
    with pytest.raises(ValueError, match="KS2-KS4"):
        m.progress_spans("KS2-KS5")


# ---------------------------------------------------------------- select_baselines


def test_most_recent_baseline_before_the_report_term_is_chosen():
    df = baselines(
        [
            (1, "Maths", "KS1", "2b", 15, SUMMER_2016),
            (1, "Maths", "KS2", "4", 27, SUMMER_2020),
        ]
    )
    chosen = m.select_baselines(df, SUMMER_2020 + 1)
    assert chosen[["key_stage", "result", "points"]].values.tolist() == [["KS2", "4", 27.0]]


def test_baseline_in_the_report_term_itself_is_not_before_it():
    df = baselines(
        [
            (1, "Maths", "KS1", "2b", 15, SUMMER_2016),
            (1, "Maths", "KS2", "4", 27, SUMMER_2020),
        ]
    )
    chosen = m.select_baselines(df, SUMMER_2020)
    assert chosen["key_stage"].tolist() == ["KS1"]


def test_unusable_baseline_is_skipped_for_an_older_usable_one():
    # KS2 test code N has no usable points (DOMAIN 3): the KS1 2b is used instead
    df = baselines(
        [
            (1, "Maths", "KS1", "2b", 15, SUMMER_2016),
            (1, "Maths", "KS2", "N", np.nan, SUMMER_2020),
        ]
    )
    chosen = m.select_baselines(df, SUMMER_2020 + 3)
    assert chosen[["key_stage", "result"]].values.tolist() == [["KS1", "2b"]]


def test_pupil_with_only_unusable_baselines_has_none():
    df = baselines([(1, "Maths", "KS2", "B", None, SUMMER_2020)])
    assert m.select_baselines(df, SUMMER_2020 + 3).empty


def test_same_term_baselines_prefer_the_on_entry_assessment():
    df = baselines(
        [
            (1, "English", "Entry", "3c", 19, SUMMER_2020),
            (1, "English", "KS2", "3", 21, SUMMER_2020),
        ]
    )
    assert m.select_baselines(df, SUMMER_2020 + 1)["key_stage"].tolist() == ["Entry"]


def test_baselines_are_chosen_per_pupil_and_subject():
    df = baselines(
        [
            (2, "Maths", "KS2", "5", 33, SUMMER_2020),
            (1, "English", "KS1", "2a", 17, SUMMER_2016),
            (1, "Maths", "KS1", "2c", 13, SUMMER_2016),
            (1, "Maths", "KS2", "4", 27, SUMMER_2020),
        ]
    )
    chosen = m.select_baselines(df, SUMMER_2020 + 1)
    assert chosen[["pupil_id", "subject", "result"]].values.tolist() == [
        [1, "English", "2a"],
        [1, "Maths", "4"],
        [2, "Maths", "5"],
    ]


def test_unknown_key_stage_is_refused():
    df = baselines([(1, "Maths", "KS4", "C", 40, SUMMER_2020)])
    with pytest.raises(ValueError, match="key stage"):
        m.select_baselines(df, SUMMER_2020 + 1)


# ---------------------------------------------------------------- expected_progress


def ks1_case(current_result, current_points, baseline_result="2b", baseline_points=15):
    """KS1 baseline in summer 2016 (6050), report in summer 2018 (6056): t = 6 of 12 terms."""
    base = m.select_baselines(baselines([(1, "Maths", "KS1", baseline_result, baseline_points, SUMMER_2016)]), 6056)
    cur = current([(1, "U1", "Maths", current_result, current_points)])
    return m.expected_progress(base, cur, 6056).iloc[0]


def test_output_has_exactly_the_report_columns_first():
    row = ks1_case("3b", 21)
    assert list(row.index[:13]) == m.EXPECTED_PROGRESS_COLUMNS
    assert list(row.index[13:]) == [
        "pupil_id", "key_stage", "baseline_term_index", "transition", "quartile_starting_point",
        "lower_quartile_points", "median_points", "upper_quartile_points",
    ]  # fmt: skip
    # No quartile table given: the levels rule
    assert (row["expectation"], row["quartile_band"]) == ("levels", "")


def test_gain_exactly_on_the_expected_line_is_expected():
    # KS1 span: 2 levels in 12 terms, t = 6: expected gain = 2 * 6 * 6 / 12 = 6 points.
    # 2b (15) -> 3b (21): gain 6, 6 / 6 = 1.00 level; expected_points = 15 + 6 = 21.
    row = ks1_case("3b", 21)
    assert row["terms_elapsed"] == 6
    assert row["points_gained"] == 6.0
    assert row["levels_of_progress"] == 1.0
    assert row["expected_points"] == 21.0
    assert row["status"] == "expected"


def test_gain_exactly_on_the_exceeding_line_is_exceeding():
    # exceeding gain = (2 + 1) * 6 * 6 / 12 = 9 points; P4 (2) -> 1a (11) is a gain of exactly 9
    row = ks1_case("1a", 11, baseline_result="P4", baseline_points=2)
    assert row["points_gained"] == 9.0
    assert row["levels_of_progress"] == 1.5  # 9 / 6
    assert row["expected_points"] == 8.0  # 2 + 6
    assert row["status"] == "exceeding"


def test_gain_between_the_lines_is_expected():
    # P5 (3) -> 1a (11): gain 8, at least 6 but under 9
    assert ks1_case("1a", 11, baseline_result="P5", baseline_points=3)["status"] == "expected"


def test_gain_under_the_expected_line_is_below():
    # P6 (4) -> 1b (9): gain 5 < 6
    row = ks1_case("1b", 9, baseline_result="P6", baseline_points=4)
    assert row["status"] == "below"
    assert row["levels_of_progress"] == pytest.approx(5 / 6)


SUMMER_2023 = 2023 * 3 + 2  # 6071
AUTUMN_2026 = 2026 * 3 + 0  # 6078: t = 6078 - 6071 = 7


@pytest.mark.parametrize(
    ("baseline", "current_points", "status"),
    [
        # KS2-KS4: 3 levels in 15 terms, t = 7.
        # expected gain  = 3 * 6 * 7 / 15 = 126 / 15 = 8.4
        # exceeding gain = 4 * 6 * 7 / 15 = 168 / 15 = 11.2
        # (decimal points as a school-loaded scheme may have). In floating point
        # 8.7 - 0.3 = 8.399999999999999 and 19.33 - 8.13 = 11.199999999999998, yet
        # both gains are exactly on the line, so "at least" must hold.
        (0.3, 8.7, "expected"),
        (0.3, 8.69, "below"),  # gain 8.39 < 8.4
        (8.13, 19.33, "exceeding"),
        (8.13, 19.32, "expected"),  # gain 11.19 < 11.2
    ],
)
def test_awkward_fraction_boundaries_hold_despite_floats(baseline, current_points, status):
    base = baselines([(1, "Maths", "KS2", "x", baseline, SUMMER_2023)])
    cur = current([(1, "U1", "Maths", "y", current_points)])
    row = m.expected_progress(base, cur, AUTUMN_2026).iloc[0]
    assert row["terms_elapsed"] == 7
    assert row["expected_points"] == pytest.approx(baseline + 8.4)
    assert row["status"] == status


@pytest.mark.parametrize(
    ("result", "points", "status"),
    [
        # KS2-KS3 chosen: 2 levels in 9 terms. Baseline 4b (27) summer 2024 (6074), report summer
        # 2025/26 (6077): t = 3. Expected gain 2*6*3/9 = 4, exceeding gain 3*6*3/9 = 6.
        ("4a", 29, "below"),  # gain 2
        ("5c", 31, "expected"),  # gain 4
        ("5b", 33, "exceeding"),  # gain 6
    ],
)
def test_school_chosen_ks2_to_ks3_span(result, points, status):
    base = baselines([(1, "Maths", "KS2", "4b", 27, 6074)])
    cur = current([(1, "U1", "Maths", result, points)])
    row = m.expected_progress(base, cur, 6077, m.progress_spans("KS2-KS3")).iloc[0]
    assert row["expected_points"] == 31.0  # 27 + 4
    assert row["status"] == status


def test_entry_baseline_uses_two_levels_in_nine_terms_across_a_year_boundary():
    # Entry 3c (19) summer 2021/22 (6065), report autumn 2022/23 (6066): t = 1.
    # expected gain 2*6*1/9 = 1.3333, exceeding 3*6*1/9 = 2. 3c -> 3b is a gain of 2: exceeding.
    base = baselines([(1, "English", "Entry", "3c", 19, 6065)])
    cur = current([(1, "U1", "English", "3b", 21)])
    row = m.expected_progress(base, cur, 6066).iloc[0]
    assert row["terms_elapsed"] == 1
    assert row["expected_points"] == pytest.approx(19 + 4 / 3)
    assert row["status"] == "exceeding"


def test_ks3_baseline_below_expected():
    # KS3 5c (31) summer 2022 (6068), report summer 2024/25 (2024*3+2 = 6074): t = 6.
    # expected gain 2*6*6/9 = 8; 5c -> 5a (35) gains 4: below; levels 4/6 = 0.67.
    base = baselines([(1, "Science", "KS3", "5c", 31, 6068)])
    cur = current([(1, "U1", "Science", "5a", 35)])
    row = m.expected_progress(base, cur, 6074).iloc[0]
    assert row["expected_points"] == 39.0
    assert row["status"] == "below"


def test_pro_rata_line_continues_past_the_end_of_the_span():
    # KS1 W (3) summer 2016 (6050), report autumn 2021/22 (6063): t = 13 > 12.
    # expected gain 2*6*13/12 = 13 -> expected_points 16; 3 -> 2b (15) gains 12: below.
    base = baselines([(1, "Maths", "KS1", "W", 3, 6050)])
    cur = current([(1, "U1", "Maths", "2b", 15)])
    row = m.expected_progress(base, cur, 6063).iloc[0]
    assert row["expected_points"] == 16.0
    assert row["status"] == "below"


def test_rows_without_usable_points_or_a_current_result_are_excluded():
    base = baselines(
        [
            (1, "Maths", "KS2", "4", 27, SUMMER_2020),
            (2, "Maths", "KS2", "4", 27, SUMMER_2020),
            (3, "Maths", "KS2", "4", 27, SUMMER_2020),
        ]
    )
    cur = current(
        [
            (1, "U1", "Maths", "4a", 29),
            (2, "U2", "Maths", "?", None),  # no usable current points
        ]
    )  # pupil 3 has no assessment this term
    ep = m.expected_progress(base, cur, SUMMER_2020 + 3)
    assert ep["upn"].tolist() == ["U1"]


def test_extra_current_columns_are_carried_for_grouping():
    base = baselines([(1, "Maths", "KS2", "4", 27, SUMMER_2020), (2, "Maths", "KS2", "4", 27, SUMMER_2020)])
    cur = current([(2, "U2", "Maths", "4a", 29), (1, "U1", "Maths", "4a", 29)], sen=[True, False])
    ep = m.expected_progress(base, cur, SUMMER_2020 + 3)
    assert ep[["upn", "sen", "pupil_id"]].values.tolist() == [["U1", False, 1], ["U2", True, 2]]


def test_baseline_not_before_the_report_term_is_refused():
    base = baselines([(1, "Maths", "KS2", "4", 27, SUMMER_2020)])
    cur = current([(1, "U1", "Maths", "4a", 29)])
    with pytest.raises(ValueError, match="before"):
        m.expected_progress(base, cur, SUMMER_2020)


def test_two_current_results_for_one_pupil_and_subject_are_refused():
    base = baselines([(1, "Maths", "KS2", "4", 27, SUMMER_2020)])
    cur = current([(1, "U1", "Maths", "4a", 29), (1, "U1", "Maths", "5c", 31)])
    with pytest.raises(Exception):
        m.expected_progress(base, cur, SUMMER_2020 + 3)


def test_empty_inputs_give_an_empty_report_with_its_columns():
    base = baselines([])
    cur = current([])
    ep = m.expected_progress(base, cur, SUMMER_2020)
    assert ep.empty
    assert list(ep.columns[:13]) == m.EXPECTED_PROGRESS_COLUMNS


@settings(max_examples=300, deadline=None)
@given(
    baseline_cents=st.integers(0, 6000),
    gain_cents=st.integers(-1500, 3000),
    key_stage=st.sampled_from(m.KEY_STAGES),
    terms=st.integers(1, 20),
)
def test_status_agrees_with_exact_rational_arithmetic(baseline_cents, gain_cents, key_stage, terms):
    # points with 2 decimals; the exact rule in fractions: exceeding if gain >= (L+1)*6*t/S, ...
    baseline = baseline_cents / 100
    current_points = (baseline_cents + gain_cents) / 100
    span = m.progress_spans()[key_stage]
    gain = Fraction(gain_cents, 100)
    if gain >= Fraction((span.expected_levels + 1) * 6 * terms, span.span_terms):
        expected_status = "exceeding"
    elif gain >= Fraction(span.expected_levels * 6 * terms, span.span_terms):
        expected_status = "expected"
    else:
        expected_status = "below"
    base = baselines([(1, "Maths", key_stage, "b", baseline, 1000)])
    cur = current([(1, "U1", "Maths", "c", current_points)])
    assert m.expected_progress(base, cur, 1000 + terms).iloc[0]["status"] == expected_status


# ---------------------------------------------------------------- starting points


def test_starting_points_count_and_percentages_per_subject_and_baseline():
    ep = pd.DataFrame(
        {
            "subject": ["Maths"] * 7 + ["English"],
            "baseline_result": ["4", "4", "4", "W", "3c", "3c", "4b", "2b"],
            "baseline_points": [27, 27, 27, 3, 19, 19, 27, 15],
            "status": ["below", "expected", "exceeding", "expected", "exceeding", "exceeding", "below", "below"],
        }
    )
    sp = m.starting_points(ep)
    assert list(sp.columns) == m.STARTING_POINTS_COLUMNS
    # English first (alphabetical); Maths up the ladder: W (3), 3c (19), then 4 and 4b (both 27,
    # ordered by text "4" < "4b").
    # Maths 4: 3 pupils, expected-or-better 2 -> 66.67%, exceeding 1 -> 33.33%
    # Maths W: 1 pupil expected -> 100%, 0%; 3c: 2 exceeding -> 100%, 100%; 4b: 1 below -> 0%, 0%
    assert sp[["subject", "starting_point", "n"]].values.tolist() == [
        ["English", "2b", 1],
        ["Maths", "W", 1],
        ["Maths", "3c", 2],
        ["Maths", "4", 3],
        ["Maths", "4b", 1],
    ]
    assert sp["pct_expected"].tolist() == pytest.approx([0.0, 100.0, 100.0, 200 / 3, 0.0])
    assert sp["pct_more_than_expected"].tolist() == pytest.approx([0.0, 0.0, 100.0, 100 / 3, 0.0])
    assert m.round_for_output(sp)["pct_expected"].tolist() == [0.0, 100.0, 100.0, 66.67, 0.0]


def test_starting_points_from_expected_progress_output():
    # KS1 2b (15) summer 2016 -> report summer 2018, t = 6: expected +6, exceeding +9
    base = baselines([(p, "Maths", "KS1", "2b", 15, SUMMER_2016) for p in (1, 2, 3, 4)])
    cur = current(
        [
            (1, "U1", "Maths", "3b", 21),  # +6 expected
            (2, "U2", "Maths", "4c", 25),  # +10 exceeding
            (3, "U3", "Maths", "2a", 17),  # +2 below
            (4, "U4", "Maths", "3a", 23),  # +8 expected
        ]
    )
    sp = m.starting_points(m.expected_progress(base, cur, 6056))
    # 4 pupils: 3 expected or better = 75%, 1 exceeding = 25%
    assert sp[m.STARTING_POINTS_COLUMNS[:5]].values.tolist() == [["Maths", "2b", 4, 75.0, 25.0]]
    # No national table: the comparison columns are empty
    assert sp[["national_pct_expected", "national_pct_more_than_expected", "gap_expected"]].isna().all().all()


# ---------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (1.385, 1.39),  # stored as 1.38499999..., numpy.round would give 1.38
        (1.395, 1.40),
        (2.675, 2.68),
        (5.979466119096509, 5.98),  # 182 days / 30.4375
        (66.66666666666667, 66.67),
        (-0.125, -0.13),
        (-0.001, 0.0),
        (0.0, 0.0),
    ],
)
def test_round_half_up_rounds_as_by_hand(value, rounded):
    assert m.round_half_up(value) == rounded


def test_round_half_up_keeps_nan_and_series_index():
    s = pd.Series([1.005, np.nan], index=[10, 20])
    out = m.round_half_up(s)
    assert out.index.tolist() == [10, 20]
    assert out.iloc[0] == 1.01 and np.isnan(out.iloc[1])


@given(st.integers(-10**6, 10**6))
def test_round_half_up_matches_decimal_on_three_decimal_values(thousandths):
    exact = Decimal(thousandths) / 1000
    assert m.round_half_up(float(exact)) == float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def test_round_for_output_rounds_floats_and_leaves_other_columns():
    df = pd.DataFrame({"n": [3], "va": [0.125], "upn": ["U1"], "flag": [True]})
    out = m.round_for_output(df)
    assert out.to_dict("records") == [{"n": 3, "va": 0.13, "upn": "U1", "flag": True}]
    assert df["va"].iloc[0] == 0.125  # input untouched
