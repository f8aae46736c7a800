"""``by`` in reports.metrics: several schools in one frame give each school exactly its own figures.

Each function is run on two schools' rows together with ``by=["school_id"]`` and on each school
alone; a school's part of the first must equal the second: the same rows in the same order, the same
columns and dtypes, the same floating-point values (not merely close).
"""

import numpy as np
import pandas as pd
import pytest

from reports import metrics

SCHOOLS = (1, 2)


def parts(frame: pd.DataFrame) -> dict[int, pd.DataFrame]:
    return {pk: frame[frame["school_id"] == pk].drop(columns="school_id").reset_index(drop=True) for pk in SCHOOLS}


def alone(frame: pd.DataFrame, pk: int) -> pd.DataFrame:
    return frame[frame["school_id"] == pk].drop(columns="school_id").reset_index(drop=True)


def assert_same(together: pd.DataFrame, own: dict[int, pd.DataFrame]) -> None:
    assert list(together.columns[:1]) == ["school_id"]
    assert together["school_id"].is_monotonic_increasing
    for pk, part in parts(together).items():
        expected = own[pk]
        assert list(part.columns) == list(expected.columns)
        assert list(part.dtypes) == list(expected.dtypes)
        assert part.equals(expected), pk


@pytest.fixture
def rng():
    return np.random.default_rng(6)


@pytest.fixture
def value_added_frame(rng):
    """Pupils of two schools (ids unique across them, UPNs shared) with baselines, outcomes and flags."""
    rows = []
    for pk in SCHOOLS:
        for i in range(60):
            for subject in ("English", "Maths"):
                base = float(rng.choice([15, 17, 19, 21, 23, 27]))
                rows.append({
                    "school_id": pk, "pupil_id": pk * 1000 + i, "upn": f"A{i:03d}", "subject": subject,
                    "baseline_result": str(base), "baseline_term_index": 6071 - int(rng.integers(0, 2)),
                    "baseline_points": base, "outcome_points": base + float(rng.integers(-2, 14)) / 3,
                    "status": rng.choice(["below", "expected", "exceeding"]),
                    "sen": bool(rng.random() < 0.2), "sen_support": bool(rng.random() < 0.15),
                    "ehcp": bool(rng.random() < 0.05), "no_sen": bool(rng.random() < 0.8),
                    "pupil_premium": bool(rng.random() < 0.3), "not_pupil_premium": bool(rng.random() < 0.7),
                })
    return pd.DataFrame(rows).sort_values(["upn", "subject"], kind="mergesort", ignore_index=True)


def test_starting_points_by_school(value_added_frame):
    together = metrics.starting_points(value_added_frame, by=["school_id"])
    assert_same(together, {pk: metrics.starting_points(alone(value_added_frame, pk)) for pk in SCHOOLS})


def test_value_added_by_school(value_added_frame):
    together = metrics.value_added(value_added_frame, by=["school_id"])
    assert_same(together, {pk: metrics.value_added(alone(value_added_frame, pk)) for pk in SCHOOLS})
    pupils = metrics.pupil_value_added(value_added_frame, by=["school_id"])
    for pk in SCHOOLS:
        own = metrics.pupil_value_added(alone(value_added_frame, pk))
        mine = pupils[pupils["school_id"] == pk].drop(columns="school_id").reset_index(drop=True)
        assert mine.equals(own)


def test_pre_post_by_school_matches_tests_of_the_enrolments_own_school():
    enrolments = pd.DataFrame({
        "school_id": [1, 1, 2, 2], "enrolment_id": [10, 11, 20, 21], "pupil_id": [100, 101, 200, 101],
        "upn": ["A", "B", "A", "B"], "programme": ["Read", "Read", "Read", "Read"], "measure": "reading",
        "start_date": pd.to_datetime(["2025-09-08"] * 4), "end_date": pd.to_datetime(["2026-03-27"] * 4),
    })
    # Pupil 101 is at school 1; school 2's enrolment of them is matched with none of their tests.
    tests = pd.DataFrame({
        "school_id": [1, 1, 1, 1, 2, 2], "pupil_id": [100, 100, 101, 101, 200, 200], "measure": "reading",
        "tested_on": pd.to_datetime(
            ["2025-09-05", "2026-03-20", "2025-09-05", "2026-03-25", "2025-09-01", "2026-03-20"]
        ),
        "months": [90.0, 96.0, 80.0, 85.0, 100.0, 103.0], "standardised_score": [85.0, np.nan, 80.0, 84.0, 99.0, 101.0],
    })
    together = metrics.select_pre_post(enrolments, tests, by=["school_id"])
    assert list(together["enrolment_id"]) == [10, 11, 20]
    for pk in SCHOOLS:
        own = metrics.select_pre_post(alone(enrolments, pk), alone(tests, pk))
        mine = together[together["school_id"] == pk].drop(columns="school_id").reset_index(drop=True)
        assert mine.equals(own)


def test_no_gain_but_semh_by_school():
    assessments = pd.DataFrame({
        "school_id": [1, 1, 1, 1, 2, 2, 2, 2], "pupil_id": [1, 1, 2, 2, 3, 3, 4, 4],
        "upn": ["B", "B", "A", "A", "A", "A", "C", "C"], "subject": "English",
        "term_index": [6076, 6077] * 4, "points": [21.0, 21.0, 19.0, 17.0, 23.0, 23.0, 15.0, 19.0],
    })
    measures = pd.DataFrame({
        "pupil_id": [1, 1, 2, 2, 3, 3, 4, 4], "measure": "SDQ total difficulties", "term_index": [6076, 6077] * 4,
        "value": [18.0, 14.0, 16.0, 12.0, 20.0, 17.0, 12.0, 9.0], "higher_is_better": False,
    })
    together = metrics.no_gain_but_semh(assessments, measures, 6077, subjects=["English"], by=["school_id"])
    assert list(together["upn"]) == ["A", "B", "A"]
    own = {}
    for pk in SCHOOLS:
        part = alone(assessments, pk)
        own[pk] = metrics.no_gain_but_semh(part, measures[measures["pupil_id"].isin(part["pupil_id"])], 6077,
                                           subjects=["English"])
    assert_same(together, own)
    nobody = metrics.no_gain_but_semh(assessments.iloc[:0], measures, 6077, by=["school_id"])
    assert list(nobody.columns) == ["school_id", "pupil_id", "upn", "subjects_without_gain", "improved_measures"]
    assert nobody["school_id"].dtype == "int64"


def test_register_summary_by_school_lists_each_schools_own_codes():
    this = pd.DataFrame({"school_id": [1, 1, 1, 2, 2], "pupil_id": [1, 2, 3, 4, 5],
                         "provision": ["K", "E", "N", "K", "K"], "primary_need": ["SPLD", "", "", "ASD", "ASD"]})
    last = pd.DataFrame({"school_id": [1, 2], "pupil_id": [1, 6], "provision": ["K", "E"],
                         "primary_need": ["MLD", "SEMH"]})
    together = metrics.register_summary(this, last, by=["school_id"])
    own = {pk: metrics.register_summary(alone(this, pk), alone(last, pk)) for pk in SCHOOLS}
    assert_same(together, own)
    assert "SPLD" not in set(own[2]["code"]) and "ASD" not in set(own[1]["code"])
