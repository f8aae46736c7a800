"""Quartile expectations (docs/figures.md 9.9) and the national comparison of starting points (9.10).

Points (NS2007-extended): P1i 0.5, P4 2, P5 3, P6 4, P7 5, P8 6, W 3, 1c 7, 1b 9, 2c 13, 2b 15 (whole
level 2 = 15), 2a 17, 3c 19, 3b 21 (3 = 21), 4b 27 (4 = 27). Term index = year * 3 + (autumn 0,
spring 1, summer 2). Spans: KS1 2 levels in 12 terms, KS2 3 in 15 (or 2 in 9 for KS2-KS3), KS3 2 in 9.
"""

import pandas as pd
import pytest

from assessments import expected as e
from assessments.ladder import DEFAULT_SCHEME, PointsScheme
from reports import metrics as m

KS1_TERM = 2019 * 3 + 2  # summer 2019/20 = 6059
T6 = KS1_TERM + 6  # t = 6 of 12 terms: half way


def baseline(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "subject", "key_stage", "result", "points", "term_index"])


def current(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "upn", "subject", "result", "points"])


def quartiles(rows):
    return pd.DataFrame(
        rows, columns=["transition", "subject", "starting_point", "lower_quartile", "median", "upper_quartile"]
    )


# One row: KS1-KS2 English from P4 (2): LQ P6 (4), median P7 (5), UQ P8 (6).
P4_ROW = ("KS1-KS2", "English", "P4", 4.0, 5.0, 6.0)


def one(result, points, *, base=("P4", 2.0), key_stage="KS1", term=T6, table=(P4_ROW,), subject="English",
        setting="below_level_1", ks2_span="KS2-KS4", base_term=KS1_TERM):
    b = baseline([(1, subject, key_stage, base[0], base[1], base_term)])
    c = current([(1, "U1", subject, result, points)])
    out = m.expected_progress(
        m.select_baselines(b, term), c, term, m.progress_spans(ks2_span),
        quartiles=quartiles(list(table)) if table is not None else None, quartile_expectations=setting,
        transitions=m.quartile_transitions(ks2_span),
    )
    return out.iloc[0]


# ------------------------------------------------------------------ the rule at half way


@pytest.mark.parametrize(
    ("result", "points", "status", "band"),
    [
        # t = 6, span 12: LQ_t = 2 + (4 - 2) x 6/12 = 3; median_t = 2 + 3 x 6/12 = 3.5; UQ_t = 2 + 4 x 6/12 = 4
        ("P4", 2.0, "below", "below lower quartile"),  # 2 < 3
        ("P5", 3.0, "below", "lower quartile to median"),  # 3 is not below LQ_t 3, and under 3.5
        ("P6", 4.0, "exceeding", "upper quartile or above"),  # 4 >= UQ_t 4 and 4 > 3.5
        ("P8", 6.0, "exceeding", "upper quartile or above"),
    ],
)
def test_quartile_rule_half_way_through_ks1_to_ks2(result, points, status, band):
    row = one(result, points)
    assert (row["status"], row["quartile_band"], row["expectation"]) == (status, band, "quartile")
    assert row["expected_points"] == 3.5  # expected_points = median_t
    assert (row["lower_quartile_points"], row["median_points"], row["upper_quartile_points"]) == (3.0, 3.5, 4.0)
    assert row["quartile_starting_point"] == "P4" and row["transition"] == "KS1-KS2"


def test_at_the_median_is_expected_and_between_median_and_upper_quartile():
    # t = 3: median_t = 2 + (5 - 2) x 3/12 = 2.75; UQ_t = 2 + 4 x 3/12 = 3; LQ_t = 2 + 2 x 3/12 = 2.5.
    # A current result exactly on the median (given as 2.75 points) is expected, median to upper quartile.
    row = one("P4", 2.75, term=KS1_TERM + 3)
    assert (row["status"], row["quartile_band"], row["expected_points"]) == ("expected", "median to upper quartile", 2.75)


def test_when_the_median_is_the_upper_quartile_reaching_it_is_expected_not_exceeding():
    # KS1-KS2 English from 2b (15): 4/4/4 (27 each). t = 12: every Q_t = 27.
    # current 4b (27): 27 >= UQ_t but not > median_t: expected; band "upper quartile or above".
    row = one("4b", 27.0, base=("2b", 15.0), term=KS1_TERM + 12, table=[("KS1-KS2", "English", "2b", 27.0, 27.0, 27.0)],
              setting="all")
    assert (row["status"], row["quartile_band"]) == ("expected", "upper quartile or above")
    # 4a (29) is above the median too: exceeding
    assert one("4a", 29.0, base=("2b", 15.0), term=KS1_TERM + 12,
               table=[("KS1-KS2", "English", "2b", 27.0, 27.0, 27.0)], setting="all")["status"] == "exceeding"


def test_boundaries_allow_one_in_a_billion():
    # b = 0.1, Q = 0.7 for all three (a school's own finer scheme), t = 5 of 15 (KS2-KS4):
    # 0.1 + (0.7 - 0.1) x 5 / 15 is 0.3 exactly, but in binary floating point it comes out
    # 0.30000000000000004. A current result of 0.3 is on the median and the upper quartile:
    # expected (not exceeding: not above the median), band "upper quartile or above", not below LQ.
    table = [("KS2-KS4", "English", "P4", 0.7, 0.7, 0.7)]
    row = one("P5", 0.3, base=("P4", 0.1), key_stage="KS2", term=KS1_TERM + 5, table=table)
    assert row["median_points"] != 0.3 and abs(row["median_points"] - 0.3) < 1e-9
    assert (row["status"], row["quartile_band"]) == ("expected", "upper quartile or above")
    # A hair under (by more than 1e-9) is below
    row = one("P5", 0.3 - 1e-8, base=("P4", 0.1), key_stage="KS2", term=KS1_TERM + 5, table=table)
    assert (row["status"], row["quartile_band"]) == ("below", "below lower quartile")


def test_after_the_span_the_quartiles_stop_growing():
    # t = 18 > span 12: min(t, 12) / 12 = 1, so Q_t = Q: median 5 (P7), not 2 + 3 x 18/12 = 6.5.
    row = one("P7", 5.0, term=KS1_TERM + 18)
    assert (row["median_points"], row["upper_quartile_points"], row["expected_points"]) == (5.0, 6.0, 5.0)
    assert (row["status"], row["quartile_band"]) == ("expected", "median to upper quartile")
    # The levels rule keeps growing: without a table, 2 + 2 x 6 x 18 / 12 = 20 points expected
    assert one("P7", 5.0, term=KS1_TERM + 18, table=None)["expected_points"] == 20.0


# ------------------------------------------------------------------ which rows the rule covers


@pytest.mark.parametrize(
    ("setting", "base", "rule"),
    [
        ("below_level_1", ("P4", 2.0), "quartile"),
        ("below_level_1", ("W", 3.0), "quartile"),
        ("below_level_1", ("1c", 7.0), "levels"),  # level 1 and up: the levels rule
        ("all", ("1c", 7.0), "quartile"),
        ("off", ("P4", 2.0), "levels"),
    ],
)
def test_the_school_setting_says_which_baselines_the_quartile_rule_covers(setting, base, rule):
    table = [("KS1-KS2", "English", base[0], 9.0, 15.0, 21.0)]
    assert one("P8", 6.0, base=base, table=table, setting=setting)["expectation"] == rule


def test_subject_matches_in_any_case_and_the_transition_follows_the_key_stage():
    table = [("KS1-KS2", "ENGLISH", "P4", 4.0, 5.0, 6.0)]
    assert one("P6", 4.0, table=table)["expectation"] == "quartile"
    # A KS2 baseline looks up the school's KS2 span: KS2-KS4 by default, KS2-KS3 when chosen
    ks2_table = [("KS2-KS3", "English", "P4", 3.0, 4.0, 5.0)]
    assert one("P6", 4.0, key_stage="KS2", table=ks2_table)["expectation"] == "levels"
    row = one("P6", 4.0, key_stage="KS2", table=ks2_table, ks2_span="KS2-KS3")
    # KS2-KS3: span 9; t = 6: median_t = 2 + (4 - 2) x 6/9 = 3.3333; UQ_t = 2 + 3 x 6/9 = 4: P6 (4) exceeding
    assert row["expectation"] == "quartile" and row["transition"] == "KS2-KS3"
    assert row["median_points"] == pytest.approx(3.3333333, abs=1e-6) and row["status"] == "exceeding"
    # On-entry baselines have no transition: always the levels rule
    assert one("P6", 4.0, key_stage="Entry", table=[("KS3-KS4", "English", "P4", 3.0, 4.0, 5.0)])["expectation"] == "levels"


def test_the_starting_point_is_the_code_else_its_whole_level():
    # 2b (15) with only a "2" row (KS2-KS3 English 2: 3/4/4 = 21/27/27): the whole level matches.
    table = [("KS1-KS2", "English", "2", 21.0, 27.0, 27.0)]
    row = one("3b", 21.0, base=("2b", 15.0), table=table, setting="all")
    assert (row["expectation"], row["quartile_starting_point"]) == ("quartile", "2")
    # t = 6 of 12: median_t = 15 + (27 - 15) / 2 = 21: 3b (21) is expected
    assert (row["median_points"], row["status"]) == (21.0, "expected")
    # With a 2b row as well, the code itself wins
    both = [*table, ("KS1-KS2", "English", "2b", 27.0, 27.0, 29.0)]
    row = one("3b", 21.0, base=("2b", 15.0), table=both, setting="all")
    assert (row["quartile_starting_point"], row["upper_quartile_points"]) == ("2b", 22.0)  # 15 + 14 / 2
    # A P-scale has no whole level: no row, the levels rule
    assert one("P6", 4.0, table=[("KS1-KS2", "English", "1", 7.0, 9.0, 11.0)])["expectation"] == "levels"


def test_a_row_the_scheme_cannot_score_is_no_row():
    table = [("KS1-KS2", "English", "P4", float("nan"), 5.0, 6.0)]
    assert one("P6", 4.0, table=table)["expectation"] == "levels"


def test_bare_digits_and_zero_in_a_table_score_as_b_sub_levels_and_w():
    from assessments.progression import parse_table_code

    # "4" is a whole level: 4b's 27 points; "0" is below level 1, stored as W: 3 points
    assert [parse_table_code(c) for c in ("0", "4", "L1", "2C", " p 4 ")] == ["W", "4", "1", "2c", "P4"]
    assert DEFAULT_SCHEME.points_for(parse_table_code("4")) == 27
    assert DEFAULT_SCHEME.points_for(parse_table_code("0")) == 3
    for bad in ("B", "N", "9", "4.5", "4d", ""):
        with pytest.raises(ValueError):
            parse_table_code(bad)


def test_the_one_pupil_version_agrees_with_the_cohort_version():
    # Every current result P1i..5a from P4 at every t from 1 to 20: the pupil page's function and
    # the report's must give the same status and expected points.
    codes = ["P1i", "P3ii", "P4", "P5", "P6", "P7", "P8", "1c", "1a", "2b", "3c", "4b", "5a"]
    for t in range(1, 21):
        for code in codes:
            points = DEFAULT_SCHEME.points_for(code)
            row = one(code, points, term=KS1_TERM + t)
            single = e.progress(
                baseline=e.BaselineResult("KS1", "P4", KS1_TERM), current_result=code, current_term_index=KS1_TERM + t,
                scheme=DEFAULT_SCHEME, quartiles=e.QuartilePoints(4.0, 5.0, 6.0),
            )
            assert (single.status, single.expected_points, single.quartile_band, single.expectation) == (
                row["status"], row["expected_points"], row["quartile_band"], row["expectation"]
            ), (code, t)


def test_quartile_table_is_matched_per_school_with_by():
    b = baseline([(1, "English", "KS1", "P4", 2.0, KS1_TERM), (2, "English", "KS1", "P4", 2.0, KS1_TERM)])
    c = current([(1, "U1", "English", "P6", 4.0), (2, "U2", "English", "P6", 4.0)]).assign(school_id=[10, 20])
    table = quartiles([P4_ROW]).assign(school_id=10)  # only school 10 has the table
    out = m.expected_progress(m.select_baselines(b, T6), c, T6, quartiles=table, by=["school_id"])
    assert out.set_index("upn")["expectation"].to_dict() == {"U1": "quartile", "U2": "levels"}


# ------------------------------------------------------------------ national comparison (9.10)


def ep_rows(rows):
    """subject, baseline_result, baseline_points, status, transition"""
    return pd.DataFrame(rows, columns=["subject", "baseline_result", "baseline_points", "status", "transition"])


NATIONAL = pd.DataFrame(
    [("KS2-KS4", "maths", "2", 23.0, 6.0), ("KS2-KS4", "Maths", "3", 36.0, 12.0), ("KS2-KS4", "Maths", "3b", 40.0, 10.0)],
    columns=["transition", "subject", "starting_point", "pct_expected", "pct_more_than_expected"],
)


def test_starting_points_gain_the_national_figures_and_the_gap():
    ep = ep_rows([
        ("Maths", "2c", 13.0, "expected", "KS2-KS4"),  # whole level 2: 23 / 6
        ("Maths", "2c", 13.0, "below", "KS2-KS4"),
        ("Maths", "3b", 21.0, "exceeding", "KS2-KS4"),  # 3b itself: 40 / 10 (not the "3" row)
        ("Maths", "3c", 19.0, "below", "KS2-KS3"),  # no KS2-KS3 rows
        ("Maths", "4b", 27.0, "below", "KS2-KS4"),  # no row for 4b or 4
    ])  # fmt: skip
    sp = m.starting_points(ep, national=NATIONAL).set_index("starting_point")
    # 2c: 1 of 2 at least expected = 50%, national 23%: gap 50 - 23 = 27
    assert sp.loc["2c", ["pct_expected", "national_pct_expected", "national_pct_more_than_expected", "gap_expected"]
                  ].tolist() == [50.0, 23.0, 6.0, 27.0]
    # 3b: 100% against 40%: gap 60
    assert sp.loc["3b", ["national_pct_expected", "gap_expected"]].tolist() == [40.0, 60.0]
    for blank in ("3c", "4b"):
        assert sp.loc[blank, ["national_pct_expected", "national_pct_more_than_expected", "gap_expected"]].isna().all()


def test_a_starting_point_mixing_transitions_or_an_entry_baseline_has_no_national_row():
    ep = ep_rows([
        ("Maths", "2c", 13.0, "expected", "KS2-KS4"),
        ("Maths", "2c", 13.0, "below", None),  # an on-entry baseline of 2c
        ("Maths", "3c", 19.0, "expected", "KS2-KS4"),
        ("Maths", "3c", 19.0, "below", "KS1-KS2"),
    ])  # fmt: skip
    sp = m.starting_points(ep, national=NATIONAL).set_index("starting_point")
    assert sp[["national_pct_expected", "gap_expected"]].isna().all().all()


def test_starting_points_by_group():
    ep = ep_rows([("Maths", "2c", 13.0, "expected", "KS2-KS4"), ("Maths", "2c", 13.0, "below", "KS2-KS4")])
    ep["sen"] = [True, False]
    sp = m.starting_points(ep, groups=["all", "sen"])
    assert sp[["group", "starting_point", "n", "pct_expected"]].values.tolist() == [
        ["all", "2c", 2, 50.0], ["sen", "2c", 1, 100.0],
    ]  # fmt: skip


def test_a_custom_scheme_scores_table_codes_like_results():
    scheme = PointsScheme.from_mapping("tenths", "1", {"P4": 0.1, "P5": 0.3, "P6": 0.5, "P7": 0.7})
    assert [scheme.points_for(c) for c in ("P4", "P7")] == [0.1, 0.7]
