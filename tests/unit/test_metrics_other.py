"""No-gain-but-SEMH finder, register summary, small-number suppression, purity of the module."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reports import metrics as m

REPO = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- no gain but better SEMH

THIS = 2025 * 3 + 1  # spring 2025/26 = 6076
LAST = THIS - 1  # autumn 2025/26 = 6075


def assessments(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "upn", "subject", "term_index", "points"])


def measures(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "measure", "term_index", "value", "higher_is_better"])


ASSESSMENTS = assessments(
    [
        # pupil 1: English 3b -> 3b (no gain), Maths 3c -> 3b (gain)
        (1, "U1", "English", LAST, 21),
        (1, "U1", "English", THIS, 21),
        (1, "U1", "Maths", LAST, 19),
        (1, "U1", "Maths", THIS, 21),
        # pupil 2: English 3b -> 3c (a fall counts as no gain), Maths 3b -> 3b
        (2, "U2", "English", LAST, 21),
        (2, "U2", "English", THIS, 19),
        (2, "U2", "maths", LAST, 21),  # subject matched case-insensitively
        (2, "U2", "maths", THIS, 21),
        # pupil 3: no gain in English, but no measure improved
        (3, "U3", "English", LAST, 21),
        (3, "U3", "English", THIS, 21),
        # pupil 4: gained in English
        (4, "U4", "English", LAST, 21),
        (4, "U4", "English", THIS, 23),
        # pupil 5: no gain; its measure has no value last term
        (5, "U5", "English", LAST, 21),
        (5, "U5", "English", THIS, 21),
        # pupil 6: no assessment last term, so gain cannot be judged
        (6, "U6", "English", THIS, 21),
        # pupil 7: no gain only in Science, which is not English or maths
        (7, "U7", "Science", LAST, 21),
        (7, "U7", "Science", THIS, 21),
        # pupil 8: no gain in Maths two terms ago is not this term's finding
        (8, "U8", "Maths", LAST - 1, 21),
        (8, "U8", "Maths", LAST, 21),
    ]
)
MEASURES = measures(
    [
        (1, "SDQ total", LAST, 18, False),
        (1, "SDQ total", THIS, 14, False),  # difficulties fell: improved
        (1, "engagement", LAST, 2, True),
        (1, "engagement", THIS, 3, True),  # rose: improved
        (1, "Boxall I", LAST, 40, True),
        (1, "Boxall I", THIS, 38, True),  # fell: worse, not listed
        (1, "mastery", LAST - 1, 1, True),  # two terms ago: ignored
        (2, "behaviour points", LAST, 12, False),
        (2, "behaviour points", THIS, 12, False),  # unchanged: not listed
        (2, "Boxall II", LAST, 30, False),
        (2, "Boxall II", THIS, 25, False),  # diagnostic profile fell: improved
        (2, "mastery", LAST, 2.5, True),
        (2, "mastery", THIS, 3, True),
        (3, "SDQ total", LAST, 14, False),
        (3, "SDQ total", THIS, 16, False),  # worse
        (4, "SDQ total", LAST, 18, False),
        (4, "SDQ total", THIS, 12, False),
        (5, "engagement", THIS, 3, True),
        (6, "engagement", LAST, 1, True),
        (6, "engagement", THIS, 3, True),
        (7, "engagement", LAST, 1, True),
        (7, "engagement", THIS, 3, True),
        (8, "engagement", LAST - 1, 1, True),
        (8, "engagement", LAST, 3, True),
    ]
)


def test_pupils_without_gain_whose_semh_or_ratings_improved_are_surfaced():
    out = m.no_gain_but_semh(ASSESSMENTS, MEASURES, THIS)
    assert list(out.columns) == ["pupil_id", "upn", "subjects_without_gain", "improved_measures"]
    assert out.values.tolist() == [
        [1, "U1", "English", "engagement 2 -> 3; SDQ total 18 -> 14"],
        [2, "U2", "English; maths", "Boxall II 30 -> 25; mastery 2.5 -> 3"],
    ]


def test_two_values_of_a_measure_in_one_term_are_averaged():
    extra = measures(
        [(3, "engagement", LAST, 1, True), (3, "engagement", THIS, 2, True), (3, "engagement", THIS, 3, True)]
    )
    out = m.no_gain_but_semh(ASSESSMENTS, pd.concat([MEASURES, extra]), THIS)
    # pupil 3: engagement last term 1, this term mean(2, 3) = 2.5: improved
    assert out[out["upn"] == "U3"]["improved_measures"].tolist() == ["engagement 1 -> 2.5"]


def test_no_finding_gives_an_empty_frame_with_the_columns():
    out = m.no_gain_but_semh(ASSESSMENTS, MEASURES.iloc[0:0], THIS)
    assert out.empty and list(out.columns) == ["pupil_id", "upn", "subjects_without_gain", "improved_measures"]


def test_other_core_subjects_can_be_named():
    out = m.no_gain_but_semh(ASSESSMENTS, MEASURES, THIS, subjects=("Science",))
    assert out["upn"].tolist() == ["U7"]


# ---------------------------------------------------------------- register summary


def register(rows):
    return pd.DataFrame(rows, columns=["pupil_id", "provision", "primary_need"])


def test_register_summary_this_year_against_last_by_hand():
    this_year = register(
        [
            (1, "K", "SPLD"),
            (2, "K", "SPLD"),
            (3, "K", "SEMH"),
            (4, "E", "ASD"),
            (5, "E", "ASD"),
            (6, "N", None),
            (7, "K", None),  # SEN without a recorded need
            (8, "K", "OTH"),
        ]
    )
    last_year = register(
        [
            (1, "K", "SPLD"),
            (2, "K", "MLD"),
            (4, "E", "ASD"),
            (6, "N", ""),
            (9, "N", None),
            (10, "S", "SPLD"),  # a historic statement
        ]
    )
    out = m.register_summary(this_year, last_year)
    # provision: K 5 vs 2, E 2 vs 1, N 1 vs 2, S 0 vs 1.
    # needs (SEN pupils only): SPLD 2 vs 2 (pupils 1, 10), MLD 0 vs 1, SEMH 1 vs 0, ASD 2 vs 1,
    # OTH 1 vs 0, not recorded 1 vs 0; in census order, "not recorded" last.
    assert out.values.tolist() == [
        ["provision", "K", 5, 2, 3],
        ["provision", "E", 2, 1, 1],
        ["provision", "N", 1, 2, -1],
        ["provision", "S", 0, 1, -1],
        ["primary_need", "SPLD", 2, 2, 0],
        ["primary_need", "MLD", 0, 1, -1],
        ["primary_need", "SEMH", 1, 0, 1],
        ["primary_need", "ASD", 2, 1, 1],
        ["primary_need", "OTH", 1, 0, 1],
        ["primary_need", "not recorded", 1, 0, 1],
    ]


def test_register_summary_with_an_empty_previous_year():
    out = m.register_summary(register([(1, "E", "HI")]), register([]))
    assert out.values.tolist() == [["provision", "E", 1, 0, 1], ["primary_need", "HI", 1, 0, 1]]


# ---------------------------------------------------------------- suppression


@pytest.mark.parametrize(("n", "suppressed"), [(0, True), (4, True), (5, False), (6, False)])
def test_aggregates_over_fewer_than_five_pupils_are_suppressed(n, suppressed):
    df = pd.DataFrame(
        {
            "subject": ["Maths"],
            "starting_point": ["4"],
            "n": [n],
            "pct_expected": [60.0],
            "pct_more_than_expected": [20.0],
            "national_pct_expected": [55.0],
            "national_pct_more_than_expected": [15.0],
            "gap_expected": [5.0],
        }
    )
    out = m.suppress_small(df, value_cols=m.SUPPRESSED_VALUE_COLUMNS["starting-points"])
    assert out["gap_expected"].isna().tolist() == [suppressed]  # the gap gives the percentage away
    assert out["national_pct_expected"].tolist() == [55.0]  # the national figure is public
    assert out["suppressed"].tolist() == [suppressed]
    assert out["pct_expected"].isna().tolist() == [suppressed]
    assert out["n"].isna().tolist() == [suppressed]
    assert out["subject"].tolist() == ["Maths"]  # labels are kept


def test_suppressed_value_added_serialises_as_blanks_and_nulls():
    va = pd.DataFrame(
        {
            "subject": ["Maths", "Maths"],
            "group": ["all", "ehcp"],
            "n": [30, 4],
            "va": [0.5, -1.25],
            "ci_low": [-0.1, -3.0],
            "ci_high": [1.1, 0.5],
            "index": [100.5, 98.75],
            "significance": ["in line", "in line"],
        }
    )
    out = m.suppress_small(va, value_cols=m.SUPPRESSED_VALUE_COLUMNS["value-added"])
    csv = out.to_csv(index=False)
    assert csv.splitlines() == [
        "subject,group,n,va,ci_low,ci_high,index,significance,suppressed",
        "Maths,all,30,0.5,-0.1,1.1,100.5,in line,False",
        "Maths,ehcp,,,,,,,True",
    ]
    records = json.loads(out.to_json(orient="records"))
    assert records[1] == {
        "subject": "Maths",
        "group": "ehcp",
        "n": None,
        "va": None,
        "ci_low": None,
        "ci_high": None,
        "index": None,
        "significance": None,
        "suppressed": True,
    }
    assert va["n"].tolist() == [30, 4]  # input untouched
    assert pd.read_csv(io.StringIO(csv))["n"].isna().tolist() == [False, True]


def test_default_value_columns_are_the_numeric_ones_and_verdicts():
    df = pd.DataFrame({"code": ["K"], "n": [3], "pct": [12.5], "label": ["x"], "significance": ["above"]})
    out = m.suppress_small(df)
    assert out["pct"].isna().all() and out["significance"].isna().all() and out["n"].isna().all()
    assert out["label"].tolist() == ["x"] and out["code"].tolist() == ["K"]


def test_default_suppression_of_value_added_matches_the_listed_columns():
    va = pd.DataFrame(
        {
            "subject": ["Maths"],
            "group": ["ehcp"],
            "n": [4],
            "va": [-1.25],
            "ci_low": [-3.0],
            "ci_high": [0.5],
            "index": [98.75],
            "significance": ["in line"],
        }
    )
    by_default = m.suppress_small(va)
    listed = m.suppress_small(va, value_cols=m.SUPPRESSED_VALUE_COLUMNS["value-added"])
    pd.testing.assert_frame_equal(by_default, listed)


def test_counts_may_be_kept_while_values_are_suppressed():
    df = pd.DataFrame({"n": [3], "pct": [12.5]})
    out = m.suppress_small(df, value_cols=["pct"], suppress_counts=False)
    assert out["n"].tolist() == [3] and out["pct"].isna().all()


def test_register_counts_under_five_in_either_year_are_suppressed():
    summary = pd.DataFrame(
        {
            "dimension": ["provision"] * 2,
            "code": ["K", "E"],
            "this_year": [40, 3],
            "previous_year": [38, 6],
            "change": [2, -3],
        }
    )
    out = m.suppress_small(summary, count_col=["this_year", "previous_year"], value_cols=["change"])
    assert out["suppressed"].tolist() == [False, True]
    assert out["this_year"].tolist()[0] == 40 and out["this_year"].isna().tolist() == [False, True]
    assert out["change"].isna().tolist() == [False, True]


def test_threshold_is_configurable():
    out = m.suppress_small(pd.DataFrame({"n": [9, 10], "v": [1.0, 2.0]}), threshold=10)
    assert out["suppressed"].tolist() == [True, False]


def test_value_added_and_starting_points_pipe_into_suppression():
    # 6 pupils at 21 (VA -4 -2 -1 1 2 4), 4 of them SEN: the sen row is suppressed, all is not
    df = pd.DataFrame(
        {
            "pupil_id": range(6),
            "subject": ["Maths"] * 6,
            "baseline_term_index": [6071] * 6,
            "baseline_points": [21.0] * 6,
            "outcome_points": [22.0, 24.0, 25.0, 27.0, 28.0, 30.0],
            **{g: [True] * 4 + [False] * 2 for g in ("sen", "sen_support")},
            **{g: [False] * 6 for g in ("ehcp", "pupil_premium")},
            **{g: [False] * 4 + [True] * 2 for g in ("no_sen",)},
            "not_pupil_premium": [True] * 6,
        }
    )
    out = m.suppress_small(m.value_added(df), value_cols=m.SUPPRESSED_VALUE_COLUMNS["value-added"])
    assert out[["group", "suppressed"]].values.tolist() == [
        ["all", False],
        ["sen", True],
        ["sen_support", True],
        ["no_sen", True],
        ["not_pupil_premium", False],
    ]
    assert out.loc[0, "va"] == pytest.approx(0.0)


# ---------------------------------------------------------------- purity


def test_metrics_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None; "
        "import reports.metrics; "
        "assert not [k for k in sys.modules if k.startswith('django') and sys.modules[k] is not None]"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_metrics_source_never_mentions_django_imports():
    source = (REPO / "reports" / "metrics.py").read_text()
    assert "import django" not in source and "from django" not in source


# ---------------------------------------------------------------- empty inputs


def test_aggregates_of_no_pupils_are_empty_frames_with_their_columns():
    flags = ["sen", "sen_support", "ehcp", "no_sen", "pupil_premium", "not_pupil_premium"]
    va_in = pd.DataFrame(
        {
            c: pd.Series(dtype="float64")
            for c in ["pupil_id", "subject", "baseline_term_index", "baseline_points", "outcome_points"] + flags
        }
    )
    va = m.value_added(va_in)
    assert va.empty and list(va.columns) == m.VALUE_ADDED_COLUMNS
    sp = m.starting_points(pd.DataFrame(columns=m.EXPECTED_PROGRESS_COLUMNS))
    assert sp.empty and list(sp.columns) == m.STARTING_POINTS_COLUMNS
    empty_register = pd.DataFrame(columns=["pupil_id", "provision", "primary_need"])
    assert m.register_summary(empty_register, empty_register).empty
