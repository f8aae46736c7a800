"""Value added (docs/figures.md 9.6): prior attainment groups, the OLS line, group CIs."""

import math

import numpy as np
import pandas as pd
import pytest

from reports import metrics as m

GROUP_FLAGS = ["sen", "sen_support", "ehcp", "no_sen", "pupil_premium", "not_pupil_premium"]


def frame(baselines, outcomes, subject="Maths", term=6071, start_id=1, **flags):
    n = len(baselines)
    df = pd.DataFrame(
        {
            "pupil_id": range(start_id, start_id + n),
            "subject": [subject] * n,
            "baseline_term_index": [term] * n,
            "baseline_points": baselines,
            "outcome_points": outcomes,
        }
    )
    for group in GROUP_FLAGS:
        df[group] = flags.get(group, [False] * n)
    return df


# ---------------------------------------------------------------- pupil level


def test_prior_attainment_group_of_four_uses_the_ols_line():
    # Cohort (Maths, baseline term 6071): x = 27 x4 with outcomes 30, 32, 34, 40 (PAG of 4),
    # x = 21 outcome 24, x = 33 outcome 38.
    # n = 6, mean x = (108 + 21 + 33) / 6 = 27, mean y = (136 + 24 + 38) / 6 = 33.
    # dx = 0,0,0,0,-6,+6: Sxx = 72; Sxy = (-6)(24-33) + 6(38-33) = 54 + 30 = 84; slope = 7/6.
    # Line at 27 = 33 (not the PAG mean 34): VA = -3, -1, +1, +7.
    # Line at 21 = 33 - 7 = 26: VA = -2. Line at 33 = 33 + 7 = 40: VA = -2.
    pupils = m.pupil_value_added(frame([27, 27, 27, 27, 21, 33], [30, 32, 34, 40, 24, 38]))
    assert pupils["method"].tolist() == ["line"] * 6
    assert pupils["pag_n"].tolist() == [4, 4, 4, 4, 1, 1]
    assert pupils["cohort_n"].tolist() == [6] * 6
    assert pupils["expected_outcome"].tolist() == pytest.approx([33, 33, 33, 33, 26, 40])
    assert pupils["va"].tolist() == pytest.approx([-3, -1, 1, 7, -2, -2])


def test_prior_attainment_group_of_five_uses_the_group_mean():
    # As above plus a fifth pupil at x = 27 with outcome 34: the PAG has 5 pupils,
    # mean (30 + 32 + 34 + 40 + 34) / 5 = 34: VA = -4, -2, 0, +6, 0.
    # The others use the line over all 7: mean x = 189/7 = 27, mean y = 232/7; Sxx = 72 and
    # Sxy = -6*24 + 6*38 = 84 as before (the mean-y terms cancel), slope 7/6.
    # Line at 21 = 232/7 - 7 = 183/7: VA = 24 - 183/7 = -15/7 = -2.142857.
    # Line at 33 = 232/7 + 7 = 281/7: VA = 38 - 281/7 = -15/7.
    pupils = m.pupil_value_added(frame([27, 27, 27, 27, 27, 21, 33], [30, 32, 34, 40, 34, 24, 38]))
    assert pupils["method"].tolist() == ["pag"] * 5 + ["line"] * 2
    assert pupils["expected_outcome"].tolist() == pytest.approx([34] * 5 + [183 / 7, 281 / 7])
    assert pupils["va"].tolist() == pytest.approx([-4, -2, 0, 6, 0, -15 / 7, -15 / 7])


def test_cohort_whose_baselines_are_all_equal_uses_the_cohort_mean():
    # x = 21 for all 3 (PAG of 3 < 5, and the line has no slope): expected = mean(20, 26, 29) = 25
    pupils = m.pupil_value_added(frame([21, 21, 21], [20, 26, 29]))
    assert pupils["method"].tolist() == ["line"] * 3
    assert pupils["expected_outcome"].tolist() == pytest.approx([25, 25, 25])
    assert pupils["va"].tolist() == pytest.approx([-5, 1, 4])


def test_equal_decimal_baselines_are_recognised_as_equal():
    # x = 0.1 for all three: a float mean of equal decimals need not equal them exactly
    # (0.1 * 3 / 3 = 0.10000000000000002); the cohort is still "all equal": mean(2, 3, 7) = 4
    pupils = m.pupil_value_added(frame([0.1, 0.1, 0.1], [2, 3, 7]))
    assert pupils["expected_outcome"].tolist() == pytest.approx([4, 4, 4])
    assert pupils["va"].tolist() == pytest.approx([-2, -1, 3])


def test_one_pupil_cohort_is_its_own_expectation():
    pupils = m.pupil_value_added(frame([27], [31]))
    assert pupils["expected_outcome"].tolist() == [31.0]
    assert pupils["va"].tolist() == [0.0]


def test_cohorts_are_split_by_subject_and_by_baseline_term():
    # Maths 6071: outcomes 20, 30 at x = 21 -> mean 25: VA -5, +5.
    # Maths 6068 (an older year group): one pupil, VA 0. English 6071: one pupil, VA 0.
    df = pd.concat(
        [
            frame([21, 21], [20, 30], start_id=1),
            frame([21], [40], term=6068, start_id=3),
            frame([21], [10], subject="English", start_id=4),
        ],
        ignore_index=True,
    )
    pupils = m.pupil_value_added(df)
    assert pupils["va"].tolist() == pytest.approx([-5, 5, 0, 0])
    assert pupils["cohort_n"].tolist() == [2, 2, 1, 1]


def test_pupils_missing_baseline_or_outcome_points_are_left_out():
    pupils = m.pupil_value_added(frame([21, 21, np.nan], [20, np.nan, 30]))
    assert pupils["pupil_id"].tolist() == [1]
    assert pupils["va"].tolist() == [0.0]


# ---------------------------------------------------------------- group level

# Twelve Maths pupils, all x = 21 (one PAG of 12, mean 21): outcomes 20 x6 then 22 x6, so pupil
# VA = -1 for pupils 1-6 and +1 for pupils 7-12.
# s = sample sd over the 12 = sqrt(12 * 1 / 11) = sqrt(12/11) = 1.0444659; 1.96 s = 2.0471532.
TWELVE = frame(
    [21] * 12,
    [20] * 6 + [22] * 6,
    sen=[True] * 6 + [False] * 6,
    sen_support=[True, True] + [False] * 10,
    ehcp=[False, False, True, True, True, True] + [False] * 6,
    no_sen=[False] * 6 + [True] * 6,
    pupil_premium=[True] + [False] * 11,
    not_pupil_premium=[False] + [True] * 11,
)


def test_group_value_added_ci_and_significance_by_hand():
    va = m.value_added(TWELVE)
    assert list(va.columns) == m.VALUE_ADDED_COLUMNS
    rows = {r["group"]: r for r in va.to_dict("records")}
    assert list(rows) == list(m.VALUE_ADDED_GROUPS[:7])  # the frame has the seven DESIGN groups only
    hand = {
        # group: (n, va, half width = 2.0471532 / sqrt(n), significance)
        "all": (12, 0.0, 0.5909622, "in line"),  # CI -0.59 .. 0.59
        "sen": (6, -1.0, 0.8357468, "below"),  # CI -1.84 .. -0.16 excludes 0
        "sen_support": (2, -1.0, 1.4475559, "in line"),  # CI -2.45 .. 0.45
        "ehcp": (4, -1.0, 1.0235766, "in line"),  # CI -2.02 .. 0.02 (just includes 0)
        "no_sen": (6, 1.0, 0.8357468, "above"),  # CI 0.16 .. 1.84
        "pupil_premium": (1, -1.0, 2.0471532, "in line"),
        "not_pupil_premium": (11, 1 / 11, 0.6172399, "in line"),  # VA (-5 + 6) / 11
    }
    for group, (n, mean, half, significance) in hand.items():
        row = rows[group]
        assert row["subject"] == "Maths"
        assert row["n"] == n
        assert row["va"] == pytest.approx(mean, abs=1e-12)
        assert row["ci_low"] == pytest.approx(mean - half, abs=1e-6)
        assert row["ci_high"] == pytest.approx(mean + half, abs=1e-6)
        assert row["index"] == pytest.approx(100 + mean)
        assert row["significance"] == significance, group


def test_group_value_added_rounds_for_the_report():
    out = m.round_for_output(m.value_added(TWELVE))
    sen = out[out["group"] == "sen"].iloc[0]
    # -1 -/+ 0.8357468 -> -1.84, -0.16; index 100 - 1 = 99
    assert (sen["va"], sen["ci_low"], sen["ci_high"], sen["index"]) == (-1.0, -1.84, -0.16, 99.0)


def test_empty_groups_get_no_row():
    df = frame([21, 21], [20, 30], sen=[False, False], no_sen=[True, True], not_pupil_premium=[True, True])
    assert m.value_added(df)["group"].tolist() == ["all", "no_sen", "not_pupil_premium"]


def test_subject_with_one_pupil_has_no_ci_and_is_in_line():
    df = frame([27], [35], subject="Science", no_sen=[True], not_pupil_premium=[True])
    va = m.value_added(df)
    assert va["n"].tolist() == [1, 1, 1]
    assert va["va"].tolist() == [0.0, 0.0, 0.0]
    assert va["ci_low"].isna().all() and va["ci_high"].isna().all()
    assert va["significance"].tolist() == ["in line"] * 3
    assert va["index"].tolist() == [100.0] * 3


def test_float_noise_around_zero_is_not_significant():
    # three equal outcomes 0.7: pandas' mean is 0.6999999999999998, so each VA is 1.1e-16 and
    # s = 0; the interval is [1.1e-16, 1.1e-16], which is 0 in truth: "in line".
    df = frame([0.1, 0.1, 0.1], [0.7, 0.7, 0.7])
    assert m.value_added(df)["significance"].tolist() == ["in line"]


def test_sd_is_taken_over_all_pupils_in_the_subject_not_the_group():
    # Maths: TWELVE (s = sqrt(12/11)); English: x = 21 for 2 pupils, outcomes 10 and 14 ->
    # VA -2, +2, s = sqrt((4 + 4) / 1) = 2.828427; all: n 2, half = 1.96 * 2.828427 / sqrt 2 = 3.92
    english = frame([21, 21], [10, 14], subject="English", start_id=100, no_sen=[True, True])
    va = m.value_added(pd.concat([TWELVE, english], ignore_index=True))
    assert va["subject"].tolist()[:3] == ["English", "English", "Maths"]
    english_all = va.iloc[0]
    assert english_all["group"] == "all"
    assert english_all["ci_high"] == pytest.approx(3.92)
    maths_sen = va[(va["subject"] == "Maths") & (va["group"] == "sen")].iloc[0]
    assert maths_sen["ci_high"] == pytest.approx(-1 + 1.96 * math.sqrt(12 / 11) / math.sqrt(6))


def test_nullable_group_flags_treat_missing_as_not_a_member():
    df = frame([21, 21, 21], [20, 26, 29])
    df["sen"] = pd.array([True, None, False], dtype="boolean")
    va = m.value_added(df)
    sen = va[va["group"] == "sen"].iloc[0]
    assert sen["n"] == 1 and sen["va"] == pytest.approx(-5)  # only pupil 1 (VA 20 - 25)


def test_missing_group_column_is_reported():
    df = frame([21], [20]).drop(columns="ehcp")
    with pytest.raises(ValueError, match="ehcp"):
        m.value_added(df)


def test_value_added_frame_built_from_expected_progress_output():
    # The documented hand-off: expected_progress output, current_points -> outcome_points
    base = pd.DataFrame(
        {
            "pupil_id": [1, 2],
            "subject": ["Maths", "Maths"],
            "key_stage": ["KS2", "KS2"],
            "result": ["4", "4"],
            "points": [27.0, 27.0],
            "term_index": [6071, 6071],
        }
    )
    cur = pd.DataFrame(
        {
            "pupil_id": [1, 2],
            "upn": ["U1", "U2"],
            "subject": ["Maths", "Maths"],
            "result": ["5c", "5a"],
            "points": [31.0, 35.0],
            **{g: [False, False] for g in GROUP_FLAGS},
        }
    )
    ep = m.expected_progress(base, cur, 6074)
    va = m.pupil_value_added(ep.rename(columns={"current_points": "outcome_points"}))
    # cohort mean 33: VA -2, +2
    assert va[["upn", "va"]].values.tolist() == [["U1", -2.0], ["U2", 2.0]]
