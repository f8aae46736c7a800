"""Transition matrices (docs/figures.md 9.12), the pre-key-stage and engagement ladders (9.14),
standardised-score progress (9.13), intervention impact for any measure (9.7) and the words
that go with expected points."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from assessments.ladder import DEFAULT_SCHEME, SCHEMES, place_points, points_in_words, whole_level_code
from reports import metrics as m

REPORT = 2025 * 3 + 2  # summer 2025/26 = 6077


# ------------------------------------------------------------------ transition matrix (9.12)


def ep(rows):
    return pd.DataFrame(rows, columns=["subject", "baseline_result", "current_result", "status"])


def test_cells_count_pupils_and_are_on_or_above_only_when_every_pupil_is():
    table = m.transition_matrix(ep([
        ("English", "P4", "P6", "expected"),
        ("English", "P4", "P6", "exceeding"),  # P4 -> P6: 2 pupils, both at least expected
        ("English", "P4", "P5", "expected"),
        ("English", "P4", "P5", "below"),  # P4 -> P5: one below (a different t), so not on or above
        ("English", "W", "1c", "expected"),
        ("English", "P8", "1c", "below"),
    ]))  # fmt: skip
    assert table[m.TRANSITION_MATRIX_COLUMNS].values.tolist() == [
        # up the ladder: P4 (step 7), P8 (11), W (11.5); then by current result
        ["English", "P4", "P5", 2, False],
        ["English", "P4", "P6", 2, True],
        ["English", "P8", "1c", 1, False],
        ["English", "W", "1c", 1, True],
    ]


def ladder_results(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "upn", "subject", "framework", "result", "step", "term_index"])


def test_pre_key_stage_steps_run_from_the_earliest_result_in_the_key_stage():
    # Pupil 1 is in Year 4 in 2025/26: KS2 began (Year 3) in autumn 2024, term 2024 * 3 = 6072.
    # PK1 in summer 2023/24 (6071, Year 2: KS1) is before it; PK2 in autumn 2024 (6072) is the
    # earliest in KS2; PK4 now: 4 - 2 = 2 steps.
    starts = pd.DataFrame({"pupil_id": [1, 2],
                           "key_stage_start": m.key_stage_start(pd.Series([4, 9]), 2025).to_numpy()})
    assert starts["key_stage_start"].tolist() == [6072, (2025 - 2) * 3]  # Year 9: KS3 from Year 7, autumn 2023
    results = ladder_results([
        (1, "U1", "English", "pks", "PK1", 1, 6071),
        (1, "U1", "English", "pks", "PK2", 2, 6072),
        (1, "U1", "English", "pks", "PK3", 3, 6075),
        (1, "U1", "English", "pks", "PK4", 4, REPORT),
        (2, "U2", "Exploration", "engagement", "emerging", 1, 6071),  # autumn 2023 = 6069 <= 6071: in KS3
        (2, "U2", "Exploration", "engagement", "established", 3, REPORT),
        (2, "U2", "Maths", "pks", "PK2", 2, REPORT),  # no earlier result: no row
    ])  # fmt: skip
    progress = m.ladder_progress(results, REPORT, starts)
    assert progress[["upn", "subject", "baseline_result", "current_result", "steps_gained"]].values.tolist() == [
        ["U1", "English", "PK2", "PK4", 2],
        ["U2", "Exploration", "emerging", "established", 2],
    ]
    matrix = m.transition_matrix(ep([]), progress)
    assert matrix[m.TRANSITION_MATRIX_COLUMNS].values.tolist() == [
        ["English", "PK2", "PK4", 1, None],
        ["Exploration", "emerging", "established", 1, None],
    ]
    assert matrix["framework"].tolist() == ["pks", "engagement"]


def test_ladders_sit_after_the_nc_cells_of_a_subject():
    progress = pd.DataFrame([{"subject": "English", "framework": "pks", "baseline_result": "PK1",
                              "current_result": "PK2", "baseline_step": 1, "current_step": 2}])
    matrix = m.transition_matrix(ep([("English", "P7", "P8", "expected")]), progress)
    assert matrix["baseline_result"].tolist() == ["P7", "PK1"]


@pytest.mark.parametrize(("year", "first"), [(-1, -1), (0, -1), (1, 1), (2, 1), (3, 3), (6, 3), (7, 7), (9, 7),
                                             (10, 10), (11, 10), (12, 12), (14, 12)])
def test_key_stage_first_years(year, first):
    assert m.key_stage_first_year(year) == first


# ------------------------------------------------------------------ standardised progress (9.13)


def scores_frame(rows):
    df = pd.DataFrame(rows, columns=["pupil_id", "upn", "measure", "tested_on", "standardised_score"])
    df["tested_on"] = pd.to_datetime(df["tested_on"])
    return df


@pytest.mark.parametrize(
    ("earlier", "latest", "status"),
    [(85, 90, "accelerated"), (85, 89, "kept pace"), (90, 85, "fell behind"), (89, 85, "kept pace"), (85, 85, "kept pace")],
)
def test_change_bands_at_their_edges(earlier, latest, status):
    # change = latest - earlier: 5 accelerated, 4 kept pace, -5 fell behind, -4 kept pace
    out = m.standardised_progress(scores_frame([(1, "U1", "reading", "2025-01-10", earlier),
                                               (1, "U1", "reading", "2025-06-10", latest)]))
    assert out.loc[0, "change"] == latest - earlier and out.loc[0, "status"] == status


def test_the_earlier_score_is_the_latest_at_least_90_days_before():
    # Latest 2025-06-10 (score 95). 90 days before is 2025-03-12: a test that day counts (88);
    # one on 2025-03-13 (89 days) does not; 2025-01-06 (80) is older than the one that counts.
    out = m.standardised_progress(scores_frame([
        (1, "U1", "reading", "2025-01-06", 80),
        (1, "U1", "reading", "2025-03-12", 88),
        (1, "U1", "reading", "2025-03-13", 99),
        (1, "U1", "reading", "2025-06-10", 95),
        (1, "U1", "spelling", "2025-05-01", 90),  # one spelling score: no row
        (2, "U2", "reading", "2025-04-01", None),  # no score recorded: ignored
        (2, "U2", "reading", "2025-06-01", 100),
    ]))  # fmt: skip
    assert out[m.STANDARDISED_PROGRESS_COLUMNS].values.tolist() == [
        ["U1", "reading", 88, pd.Timestamp("2025-03-12"), 95, pd.Timestamp("2025-06-10"), 7, "accelerated"],
    ]


def test_effect_size_is_mean_change_over_15():
    rows = pd.DataFrame({"measure": ["reading"] * 3, "change": [6, 3, -3], "status": ["accelerated", "kept pace",
                                                                                     "kept pace"],
                         "sen": [True, True, False]})
    summary = m.standardised_progress_summary(rows, groups=["all", "sen"]).set_index("group")
    # all: mean (6 + 3 - 3) / 3 = 2, effect size 2 / 15 = 0.1333; SEN: (6 + 3) / 2 = 4.5, 0.3
    assert summary.loc["all", "mean_change"] == 2 and summary.loc["all", "effect_size"] == pytest.approx(2 / 15)
    assert summary.loc["sen", "effect_size"] == pytest.approx(0.3)
    assert summary.loc["all", ["accelerated", "kept_pace", "fell_behind"]].tolist() == [1, 2, 0]


# ------------------------------------------------------------------ intervention impact, any measure (9.7)


def enrolments(rows):
    df = pd.DataFrame(rows, columns=["enrolment_id", "pupil_id", "upn", "programme", "measure", "measures",
                                     "start_date", "end_date"])
    return df


def test_measures_of_an_enrolment():
    out = m.enrolment_measure_kinds(enrolments([
        (1, 1, "U1", "A", "none", [], "2025-01-06", "2025-06-01"),  # none set: reading and spelling
        (2, 1, "U1", "B", "sdq", ["boxall", "sdq"], "2025-01-06", "2025-06-01"),  # the union, in order
        (3, 1, "U1", "C", "reading", None, "2025-01-06", None),
    ]))  # fmt: skip
    assert out.groupby("enrolment_id")["kind"].agg(list).to_dict() == {
        1: ["reading", "spelling"], 2: ["sdq", "boxall"], 3: ["reading"]}


def observations(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "kind", "measure", "on", "value", "higher_is_better"])


def test_every_measure_gives_pre_post_and_change_with_ratio_gain_only_for_ages():
    kinds = m.enrolment_measure_kinds(enrolments([
        (1, 1, "U1", "Calm club", "sdq", ["reading", "boxall", "standardised"], dt.date(2025, 1, 6), dt.date(2025, 4, 4)),
    ]))  # fmt: skip
    obs = observations([
        (1, "reading", "reading", "2025-01-03", 90, True),  # pre: on or before 6 Jan + 14 days
        (1, "reading", "reading", "2025-04-04", 96, True),  # post: on or after 4 Apr - 14 days
        (1, "standardised", "reading standardised score", "2025-01-03", 84, True),
        (1, "standardised", "reading standardised score", "2025-04-04", 88, True),
        (1, "sdq", "SDQ total difficulties", "2025-01-10", 19, False),
        (1, "sdq", "SDQ total difficulties", "2025-03-28", 15, False),
        (1, "boxall", "Boxall section I", "2025-01-21", 70, True),  # 21 Jan > 6 Jan + 14 days: no pre
        (1, "boxall", "Boxall section I", "2025-04-01", 80, True),
    ])  # fmt: skip
    rows = m.measure_impact(m.select_pre_post_measures(kinds, obs))
    got = rows[["measure", "pre", "post", "elapsed_months", "ratio_gain", "band", "flag", "change", "gain"]]
    # reading: 3 Jan -> 4 Apr = 91 days = 2.9897 months (2.99): 6 / 2.9897 = 2.0069 -> 2.01 substantial; short
    # standardised: 84 -> 88, change 4 (no ratio gain); SDQ 19 -> 15 over 77 days = 2.53 months: change -4, gain 4
    assert got["measure"].tolist() == ["reading", "reading standardised score", "SDQ total difficulties"]
    assert got["pre"].tolist() == [90, 84, 19] and got["post"].tolist() == [96, 88, 15]
    assert got["elapsed_months"].tolist() == [2.99, 2.99, 2.53]
    assert got["ratio_gain"].iloc[0] == 2.01 and np.isnan(got["ratio_gain"].iloc[1:]).all()
    assert got["band"].tolist() == ["substantial", "", ""]
    assert got["flag"].tolist() == ["short interval"] * 3
    assert got["change"].tolist() == [6.0, 4.0, -4.0] and got["gain"].tolist() == [6.0, 4.0, 4.0]


def test_ages_give_the_same_row_as_the_ratio_gain_report():
    # The report school's pupil A: 90 months on 2 Sep 2024, 102 on 10 Mar 2025: 189 days = 6.2094
    # months; 12 / 6.2094 = 1.9325 -> 1.93 useful.
    kinds = m.enrolment_measure_kinds(enrolments([
        (1, 1, "U1", "Paired reading", "reading", [], dt.date(2024, 9, 9), dt.date(2025, 3, 14))]))
    obs = observations([(1, "reading", "reading", "2024-09-02", 90, True), (1, "reading", "reading", "2025-03-10", 102, True)])
    row = m.measure_impact(m.select_pre_post_measures(kinds, obs)).iloc[0]
    assert (row["pre"], row["post"], row["elapsed_months"], row["ratio_gain"], row["band"], row["flag"]) == \
        (90, 102, 6.21, 1.93, "useful", "")


def test_programme_figures_effect_size_and_cost_per_unit_gained():
    impact = pd.DataFrame({
        "programme": ["P"] * 4,
        "kind": ["reading", "reading", "standardised", "sdq"],
        "measure": ["reading", "reading", "reading standardised score", "SDQ total difficulties"],
        "pre": [80, 90, 85, 20], "post": [92, 96, 91, 14],
        "change": [12.0, 6.0, 6.0, -6.0], "gain": [12.0, 6.0, 6.0, 6.0],
        "ratio_gain": [2.0, 1.0, np.nan, np.nan], "age_equivalent": [True, True, False, False],
    })  # fmt: skip
    interventions = pd.DataFrame({"intervention_id": [1, 2], "programme": ["P", "P"], "sessions_delivered": [10, 20],
                                  "cost_per_session": [15.0, 6.0]})
    out = m.programme_measure_impact(impact, interventions).set_index("measure")
    # reading: mean gain 9, sd of pre (80, 90) = 7.0711: effect 1.2728; mean ratio (2 + 1) / 2 = 1.5 useful
    assert out.loc["reading", "effect_size"] == pytest.approx(9 / np.std([80, 90], ddof=1))
    assert (out.loc["reading", "mean_ratio_gain"], out.loc["reading", "band"]) == (1.5, "useful")
    # cost 10 x 15 + 20 x 6 = 270; reading gained 12 + 6 = 18 months: 15 per month
    assert out.loc["reading", "cost_per_unit_gained"] == 15.0
    # standardised: 6 / 15 = 0.4 (the population sd); SDQ: one pupil, no spread: no effect size
    assert out.loc["reading standardised score", "effect_size"] == pytest.approx(0.4)
    assert np.isnan(out.loc["SDQ total difficulties", "effect_size"])
    assert out.loc["SDQ total difficulties", "cost_per_unit_gained"] == 45.0  # 270 / 6 points fewer difficulties


# ------------------------------------------------------------------ words that agree with the points


@pytest.mark.parametrize(
    ("points", "text"),
    [
        (20.6, "20.6 points, between 3c and 3b"),  # 3c 19 < 20.6 < 3b 21: never "3c"
        (21, "21 points, 3b"),
        (21.0000000001, "21 points, 3b"),  # within 1e-9 of 3b
        (19.2, "19.2 points, between 3c and 3b"),
        (3, "3 points, P5"),  # W also scores 3, but only the 36 steps name points
        (2.5, "2.5 points, between P4 and P5"),
        (0.3, "0.3 points, below P1i"),
        (60, "60 points, above EP"),
        (20.333333, "20.33 points, between 3c and 3b"),
    ],
)
def test_points_in_words(points, text):
    assert points_in_words(points) == text


def test_points_in_words_under_another_scheme():
    # DfE 2018 nominal: P1i-P3ii all 59, P4 61; no NC levels. 60 is between P3ii (the highest of the
    # 59s) and P4; 59 is on P3ii.
    scheme = SCHEMES["DfE-2018-nominal"]
    assert points_in_words(60, scheme) == "60 points, between P3ii and P4"
    assert place_points(59, scheme).exact == "P3ii"
    assert place_points(70, scheme).text == "70 points, above P8"


def test_whole_levels():
    assert [whole_level_code(c) for c in ("2b", "2c", "2", "8a", "P4", "W", "EP", "B")] == \
        ["2", "2", "2", "8", None, None, None, None]
    assert DEFAULT_SCHEME.points_for("2") == 15
