"""Intervention impact: pre/post tests, ratio gains, standardised scores, costs (DOMAIN 7, 9.7)."""

import numpy as np
import pandas as pd
import pytest

from reports import metrics as m

NaT = pd.NaT


def enrolments(rows):
    df = pd.DataFrame(
        rows,
        columns=["enrolment_id", "pupil_id", "upn", "programme", "measure", "start_date", "end_date"],
    )
    df["start_date"] = pd.to_datetime(df["start_date"])
    df["end_date"] = pd.to_datetime(df["end_date"])
    return df


def make_tests(rows, with_scores=False):
    columns = ["pupil_id", "measure", "tested_on", "months"] + (["standardised_score"] if with_scores else [])
    df = pd.DataFrame(rows, columns=columns)
    df["tested_on"] = pd.to_datetime(df["tested_on"])
    return df


# ---------------------------------------------------------------- select_pre_post

ENROLMENTS = enrolments(
    [
        (1, 1, "U1", "Toe by Toe", "reading", "2024-09-02", "2025-03-03"),
        (1, 1, "U1", "Toe by Toe", "spelling", "2024-09-02", "2025-03-03"),
        (2, 2, "U2", "Toe by Toe", "reading", "2024-09-02", "2025-03-03"),
        (3, 3, "U3", "Toe by Toe", "reading", "2024-09-02", "2025-03-03"),  # no post-test
        (4, 4, "U4", "Toe by Toe", "reading", "2024-09-02", None),  # not ended
        (5, 5, "U5", "Lexia", "reading", "2024-09-02", "2024-09-20"),  # only tests before pre
        (6, 6, "U6", "Lexia", "reading", "2024-09-02", "2025-03-03"),  # no pre-test
        (8, 8, "U8", "Lexia", "reading", "2024-09-02", "2024-09-20"),  # short
    ]
)
TESTS = make_tests(
    [
        # pupil 1 reading. Pre window: on or before 2024-09-02 + 14 = 2024-09-16.
        # Post window: on or after 2025-03-03 - 14 = 2025-02-17, and later than pre.
        (1, "reading", "2024-06-20", 80, 79.0),
        (1, "reading", "2024-09-02", 84, 82.0),  # pre: the last on or before 16 Sep
        (1, "reading", "2024-09-17", 86, 84.0),  # a day too late for pre, too early for post
        (1, "reading", "2025-03-03", 96, 91.0),  # post: the first on or after 17 Feb
        (1, "reading", "2025-06-01", 100, 93.0),
        (1, "spelling", "2024-09-05", 70, np.nan),
        (1, "spelling", "2025-03-01", 75, np.nan),
        # pupil 2: tests exactly on both window edges
        (2, "reading", "2024-09-15", 83, np.nan),
        (2, "reading", "2024-09-16", 85, np.nan),  # start + 14: still pre
        (2, "reading", "2025-02-16", 88, np.nan),  # end - 15: not post
        (2, "reading", "2025-02-17", 91, np.nan),  # end - 14: post
        # pupil 3: nothing after 17 Feb 2025
        (3, "reading", "2024-09-01", 90, np.nan),
        (3, "reading", "2024-12-01", 95, np.nan),
        # pupil 4: enrolment still open
        (4, "reading", "2024-09-01", 90, np.nan),
        (4, "reading", "2025-03-01", 99, np.nan),
        # pupil 5 (2 Sep to 20 Sep): pre window to 16 Sep, post window from 6 Sep. The 12 Sep
        # test is the pre; the 8 Sep test is in the post window but dated before the pre.
        (5, "reading", "2024-09-08", 80, np.nan),
        (5, "reading", "2024-09-12", 81, np.nan),
        # pupil 6: first test after 16 Sep
        (6, "reading", "2024-09-17", 70, np.nan),
        (6, "reading", "2025-03-03", 80, np.nan),
        # pupil 8 (2 Sep to 20 Sep): pre 8 Sep; 18 Sep is after 16 Sep, on or after 6 Sep and
        # later than pre: post.
        (8, "reading", "2024-09-08", 80, np.nan),
        (8, "reading", "2024-09-18", 82, np.nan),
        # someone else's test is never used
        (9, "reading", "2024-09-01", 10, np.nan),
    ],
    with_scores=True,
)


def test_pre_and_post_tests_are_chosen_by_the_fourteen_day_windows():
    pp = m.select_pre_post(ENROLMENTS, TESTS)
    got = pp[["enrolment_id", "measure", "pre", "post", "pre_date", "post_date"]].assign(
        pre_date=lambda d: d["pre_date"].dt.strftime("%Y-%m-%d"),
        post_date=lambda d: d["post_date"].dt.strftime("%Y-%m-%d"),
    )
    assert got.values.tolist() == [
        [1, "reading", 84, 96, "2024-09-02", "2025-03-03"],
        [1, "spelling", 70, 75, "2024-09-05", "2025-03-01"],
        [2, "reading", 85, 91, "2024-09-16", "2025-02-17"],
        [8, "reading", 80, 82, "2024-09-08", "2024-09-18"],
    ]
    # enrolment 3 (no post), 4 (not ended), 5 (post window only before pre), 6 (no pre): no row


def test_pre_post_carries_enrolment_columns_and_the_scores_of_those_tests():
    extra = ENROLMENTS.assign(intervention_id=7)
    pp = m.select_pre_post(extra, TESTS)
    first = pp.iloc[0]
    assert (first["upn"], first["programme"], first["intervention_id"]) == ("U1", "Toe by Toe", 7)
    assert (first["pre_score"], first["post_score"]) == (82.0, 91.0)
    assert pp["pre"].dtype == "int64" and pp["post"].dtype == "int64"


def test_pre_post_without_score_column_has_no_score_columns():
    pp = m.select_pre_post(ENROLMENTS, TESTS.drop(columns="standardised_score"))
    assert "pre_score" not in pp.columns and len(pp) == 4


def test_enrolment_listed_twice_for_one_measure_is_refused():
    twice = pd.concat([ENROLMENTS.iloc[:1], ENROLMENTS.iloc[:1]])
    with pytest.raises(ValueError, match="one row"):
        m.select_pre_post(twice, TESTS)


# ---------------------------------------------------------------- ratio gains


def prepost(pre, post, pre_date, post_date, upn="U1", programme="Toe by Toe", measure="reading"):
    return pd.DataFrame(
        {
            "enrolment_id": [1],
            "upn": [upn],
            "programme": [programme],
            "measure": [measure],
            "pre": [pre],
            "post": [post],
            "pre_date": [pd.Timestamp(pre_date)],
            "post_date": [pd.Timestamp(post_date)],
        }
    )


def test_ratio_gain_worked_example():
    # 2024-09-02 to 2025-03-03: Sep 2 -> Mar 2 is 30+31+30+31+31+28 = 181 days, + 1 = 182.
    # elapsed = 182 / 30.4375 = 5.9795 -> 5.98 months. Gain 96 - 84 = 12 months.
    # ratio = 12 / 5.9795 = 12 * 30.4375 / 182 = 365.25 / 182 = 2.00687 -> 2.01: substantial.
    row = m.ratio_gains(prepost(84, 96, "2024-09-02", "2025-03-03")).iloc[0]
    assert list(row.index[:11]) == m.INTERVENTION_IMPACT_COLUMNS
    assert row["days"] == 182
    assert row["months_gained"] == 12
    assert row["elapsed_months"] == 5.98
    assert row["ratio_gain"] == 2.01
    assert row["band"] == "substantial"
    assert row["flag"] == ""
    assert row["enrolment_id"] == 1


def test_ratio_uses_unrounded_elapsed_months():
    # 13 months gained over 45 days: elapsed = 45 / 30.4375 = 1.478439 -> printed 1.48.
    # ratio from the unrounded value: 13 / 1.478439 = 8.79306 -> 8.79
    # (from the rounded value it would be 13 / 1.48 = 8.78378 -> 8.78: wrong)
    row = m.ratio_gains(prepost(80, 93, "2024-09-02", "2024-10-17")).iloc[0]
    assert row["days"] == 45  # 28 days to 30 Sep + 17
    assert row["elapsed_months"] == 1.48
    assert row["ratio_gain"] == 8.79


@pytest.mark.parametrize(
    ("days", "flag"),
    [
        # 2024-09-02 + 90 days = 2024-12-01: 90 / 30.4375 = 2.957 months < 3: short interval
        (90, "short interval"),
        (91, "short interval"),  # 2.990 -> 2.99
        (92, ""),  # 3.023 -> 3.02
    ],
)
def test_short_interval_flag_under_three_months(days, flag):
    post_date = pd.Timestamp("2024-09-02") + pd.Timedelta(days=days)
    row = m.ratio_gains(prepost(84, 90, "2024-09-02", post_date)).iloc[0]
    assert row["flag"] == flag


def test_short_interval_example_by_hand():
    # 2 Sep 2024 -> 1 Dec 2024 = 28 + 31 + 30 + 1 = 90 days = 2.96 months; 6 months gained:
    # 6 / 2.95688 = 2.02917 -> 2.03 substantial, flagged short interval
    row = m.ratio_gains(prepost(84, 90, "2024-09-02", "2024-12-01")).iloc[0]
    assert (row["elapsed_months"], row["ratio_gain"], row["band"], row["flag"]) == (
        2.96,
        2.03,
        "substantial",
        "short interval",
    )


@pytest.mark.parametrize(
    ("gained", "days", "ratio", "band"),
    [
        # ratio = gained * 30.4375 / days, rounded half up; the band follows the rounded figure
        (11, 240, 1.40, "useful"),  # 334.8125 / 240 = 1.39505 -> 1.40 (unrounded below 1.4)
        (11, 241, 1.39, "modest"),  # 334.8125 / 241 = 1.38926
        (20, 305, 2.00, "substantial"),  # 608.75 / 305 = 1.99590 -> 2.00
        (20, 306, 1.99, "useful"),  # 608.75 / 306 = 1.98938
        (41, 416, 3.00, "remarkable"),  # 1247.9375 / 416 = 2.99985 -> 3.00
        (41, 417, 2.99, "substantial"),  # 1247.9375 / 417 = 2.99266
        (-2, 182, -0.33, "modest"),  # a fall: -60.875 / 182 = -0.33448
    ],
)
def test_band_edges_follow_the_printed_ratio(gained, days, ratio, band):
    post_date = pd.Timestamp("2024-01-01") + pd.Timedelta(days=days)
    row = m.ratio_gains(prepost(100, 100 + gained, "2024-01-01", post_date)).iloc[0]
    assert row["ratio_gain"] == ratio
    assert row["band"] == band


@pytest.mark.parametrize(
    ("ratio", "band"),
    [
        (-1.0, "modest"),
        (0.0, "modest"),
        (1.39, "modest"),
        (1.4, "useful"),
        (1.99, "useful"),
        (2.0, "substantial"),
        (2.99, "substantial"),
        (3.0, "remarkable"),
        (7.5, "remarkable"),
        (float("nan"), ""),
    ],
)
def test_ratio_band_edges(ratio, band):
    assert m.ratio_band(ratio) == band


def test_ratio_band_on_a_series_keeps_its_index():
    out = m.ratio_band(pd.Series([1.4, 0.5], index=[3, 4]))
    assert out.to_dict() == {3: "useful", 4: "modest"}


def test_ratio_gains_from_selected_pre_post():
    out = m.ratio_gains(m.select_pre_post(ENROLMENTS, TESTS))
    # enrolment 1 reading: 182 days, +12 -> 5.98, 2.01 substantial (worked above)
    # enrolment 1 spelling: 5 Sep 2024 -> 1 Mar 2025 = 25+31+30+31+31+28+1 = 177 days
    #   = 5.81520 -> 5.82 months; +5: 5 / 5.81520 = 0.85981 -> 0.86 modest
    # enrolment 2: 16 Sep 2024 -> 17 Feb 2025 = 14+31+30+31+31+17 = 154 days = 5.05955 -> 5.06;
    #   +6: 6 / 5.05955 = 1.18587 -> 1.19 modest
    # enrolment 8: 10 days = 0.32854 -> 0.33 months, +2: 6.08750 -> 6.09 remarkable, short
    assert out[["upn", "measure", "elapsed_months", "ratio_gain", "band", "flag"]].values.tolist() == [
        ["U1", "reading", 5.98, 2.01, "substantial", ""],
        ["U1", "spelling", 5.82, 0.86, "modest", ""],
        ["U2", "reading", 5.06, 1.19, "modest", ""],
        ["U8", "reading", 0.33, 6.09, "remarkable", "short interval"],
    ]


def test_ratio_gains_of_nothing_is_an_empty_report():
    empty = m.select_pre_post(ENROLMENTS.iloc[0:0], TESTS)
    out = m.ratio_gains(empty)
    assert out.empty and list(out.columns[:11]) == m.INTERVENTION_IMPACT_COLUMNS


# ---------------------------------------------------------------- standardised scores


def test_standardised_change_and_effect_size_over_fifteen():
    pp = pd.DataFrame(
        {
            "upn": ["U1", "U2", "U3", "U4"],
            "programme": ["Toe by Toe", "Toe by Toe", "Toe by Toe", "Lexia"],
            "measure": ["reading"] * 4,
            "pre_score": [82.0, 85.0, 80.0, 70.0],
            "post_score": [91.0, 85.0, np.nan, 67.0],  # U3 has no post score: left out
        }
    )
    per_pupil = m.standardised_change(pp)
    # U1: 91 - 82 = 9, 9 / 15 = 0.6; U2: 0, 0; U4: 67 - 70 = -3, -3 / 15 = -0.2
    assert per_pupil[["upn", "change", "effect_size"]].values.tolist() == [
        ["U1", 9.0, pytest.approx(0.6)],
        ["U2", 0.0, 0.0],
        ["U4", -3.0, pytest.approx(-0.2)],
    ]
    summary = m.standardised_change_summary(per_pupil)
    # Lexia: n 1, mean -3, ES -0.2; Toe by Toe: n 2, mean (9 + 0) / 2 = 4.5, ES 4.5 / 15 = 0.3
    assert summary.values.tolist() == [
        ["Lexia", "reading", 1, -3.0, pytest.approx(-0.2)],
        ["Toe by Toe", "reading", 2, 4.5, pytest.approx(0.3)],
    ]


def test_standardised_change_from_selected_pre_post():
    per_pupil = m.standardised_change(m.select_pre_post(ENROLMENTS, TESTS))
    # only enrolment 1 reading has both scores: 82 -> 91
    assert per_pupil[["upn", "pre_score", "post_score", "change"]].values.tolist() == [["U1", 82.0, 91.0, 9.0]]


# ---------------------------------------------------------------- costs

INTERVENTIONS = pd.DataFrame(
    {
        "intervention_id": [1, 2, 3, 4],
        "programme": ["Reading Recovery", "Reading Recovery", "Toe by Toe", "Lexia"],
        "sessions_delivered": [20, 10, 12, 0],
        "cost_per_session": [25.0, 25.0, np.nan, 30.0],
    }
)
ENROLLED = pd.DataFrame(
    {
        "intervention_id": [1, 1, 1, 1, 1, 2, 2, 3],
        "pupil_id": [1, 2, 3, 4, 4, 4, 5, 6],  # pupil 4 listed twice in group 1: one pupil
    }
)
GAINS = pd.DataFrame(
    {
        "intervention_id": [1, 1, 1, 2, 3],
        "pupil_id": [1, 2, 1, 5, 6],
        "measure": ["reading", "reading", "spelling", "reading", "reading"],
        "months_gained": [12, 8, 5, -2, 6],
    }
)


def test_costs_per_intervention_by_hand():
    out = m.intervention_costs(INTERVENTIONS, ENROLLED, GAINS)
    rows = {r["intervention_id"]: r for r in out.to_dict("records")}
    # 1: 20 x 25 = 500; pupils 1-4 = 4 -> 125 each; reading gains 12 + 8 = 20 (pupil 3 has no
    #    post-test; pupil 1's spelling gain is another measure) -> 500 / 20 = 25 per month
    assert rows[1]["cost_to_date"] == 500.0
    assert (rows[1]["pupils_enrolled"], rows[1]["cost_per_pupil"]) == (4, 125.0)
    assert (rows[1]["pupils_with_gain"], rows[1]["months_gained"], rows[1]["cost_per_month_gained"]) == (2, 20.0, 25.0)
    # 2: 10 x 25 = 250; pupils 4, 5 -> 125; total gain -2 <= 0 -> no cost per month
    assert (rows[2]["cost_to_date"], rows[2]["cost_per_pupil"], rows[2]["months_gained"]) == (250.0, 125.0, -2.0)
    assert np.isnan(rows[2]["cost_per_month_gained"])
    # 3: not costed -> every cost figure missing, pupils still counted
    assert np.isnan(rows[3]["cost_to_date"]) and np.isnan(rows[3]["cost_per_pupil"])
    assert rows[3]["pupils_enrolled"] == 1 and rows[3]["months_gained"] == 6.0
    # 4: 0 sessions -> cost 0; no pupils -> no cost per pupil; no gains -> no cost per month
    assert rows[4]["cost_to_date"] == 0.0
    assert rows[4]["pupils_enrolled"] == 0 and np.isnan(rows[4]["cost_per_pupil"])
    assert rows[4]["months_gained"] == 0.0 and np.isnan(rows[4]["cost_per_month_gained"])


def test_costs_of_spelling_months():
    out = m.intervention_costs(INTERVENTIONS, ENROLLED, GAINS, measure="spelling")
    # group 1: 500 / 5 spelling months (pupil 1) = 100
    assert out.iloc[0]["cost_per_month_gained"] == 100.0
    assert out.iloc[0]["pupils_with_gain"] == 1


def test_costs_per_programme_by_hand():
    out = m.programme_costs(INTERVENTIONS, ENROLLED, GAINS)
    rows = {r["programme"]: r for r in out.to_dict("records")}
    assert list(rows) == ["Lexia", "Reading Recovery", "Toe by Toe"]
    rr = rows["Reading Recovery"]
    # 2 groups, 30 sessions, 500 + 250 = 750; distinct pupils 1-5 = 5 -> 150 each;
    # gains 12 + 8 - 2 = 18 from pupils 1, 2, 5 -> 750 / 18 = 41.6667 per month
    assert (rr["interventions"], rr["sessions_delivered"], rr["cost_to_date"]) == (2, 30, 750.0)
    assert (rr["pupils_enrolled"], rr["cost_per_pupil"]) == (5, 150.0)
    assert (rr["pupils_with_gain"], rr["months_gained"]) == (3, 18.0)
    assert rr["cost_per_month_gained"] == pytest.approx(750 / 18)
    # a programme with an uncosted group has no total cost rather than an understated one
    assert np.isnan(rows["Toe by Toe"]["cost_to_date"])
    assert rows["Lexia"]["cost_to_date"] == 0.0 and rows["Lexia"]["pupils_enrolled"] == 0
