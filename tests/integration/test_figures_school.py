"""A second school, loaded with import_data and reported with run_report: every row of every kind
against values worked out by hand from docs/figures.md section 9. The school is described in
tests/integration/figures_school.py (pupils, tables and dates).

Points (NS2007-extended): P4 2, P5 3, P6 4, P7 5, P8 6, W 3, whole level 1 = 1b 9, 1c 7, 2 = 2b 15,
3c 19, 3b 21, 4b 27, 4a 29, 5c 31, 5b 33, 5a 35. Spans: KS2-KS4 is 3 levels in 15 terms.
"""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction
from math import sqrt

import pytest
from django.core.management import call_command

from tests import factories as f
from tests.integration.figures_school import UPNS, build_figures_school

pytestmark = pytest.mark.django_db

ARGS = ["--school", "birch", "--academic-year", "2025/26", "--term", "Summer"]
KEY = {upn: key for key, upn in UPNS.items()}


@pytest.fixture
def birch(tmp_path):
    return build_figures_school(tmp_path)


def run(kind, *extra):
    out = io.StringIO()
    call_command("run_report", kind, *ARGS, *extra, stdout=out)
    return out.getvalue()


def rows(kind, *extra):
    """The report's rows as lists of cells, with each UPN replaced by the pupil's key (A1, B1, ...)."""
    reader = csv.reader(io.StringIO(run(kind, *extra)))
    header = next(reader)
    return header, [[KEY.get(cell, cell) for cell in row] for row in reader]


# --------------------------------------------------------------------------- expected progress

# Quartile rows (KS2-KS4, t = 6 of 15 terms, so Q_t = b + (Q - b) x 6/15 = b + 0.4 (Q - b)):
#   English from P4 (2): LQ P6 4 -> 2.8, median P7 5 -> 3.2, UQ P8 6 -> 3.6
#   English from P6 (4): LQ P7 5 -> 4.4, median P8 6 -> 4.8, UQ "1" (1b, 9) -> 6.0
#   English from W (3): LQ "0" (W, 3) -> 3.0, median "1" (9) -> 5.4, UQ "2" (2b, 15) -> 7.8
#   Maths ("maths" in the table) from P5 (3): LQ P6 4 -> 3.4, median P7 5 -> 3.8, UQ P8 6 -> 4.2
#   B1 (t = 9): 0.6 of the way: from P4, LQ 3.2, median 3.8, UQ 4.4
#   D1 (t = 18 > 15): capped at the end of the span: LQ 4, median 5, UQ 6
# Levels rule (t = 6): expected gain 3 x 6 x 6 / 15 = 7.2, exceeding from 4 x 6 x 6 / 15 = 9.6.
# E1 (on entry, autumn 2024/25 = 6072, t = 5; an on-entry baseline has no transition, so the levels
# rule even from P5): 2 levels in 9 terms: 2 x 6 x 5 / 9 = 6.67 expected, 3 + 6.67 = 9.67.
EXPECTED_PROGRESS = {
    # (pupil, subject): baseline, b pts, current, c pts, t, gained, levels (gain / 6), expected pts, status,
    # expectation, band
    ("A1", "English"): ["P4", "2.00", "P5", "3.00", "6", "1.00", "0.17", "3.20", "below", "quartile",
                        "lower quartile to median"],  # 2.8 <= 3 < 3.2
    ("A2", "English"): ["P4", "2.00", "P6", "4.00", "6", "2.00", "0.33", "3.20", "exceeding", "quartile",
                        "upper quartile or above"],  # 4 >= 3.6 and 4 > 3.2
    ("A3", "English"): ["P4", "2.00", "P4", "2.00", "6", "0.00", "0.00", "3.20", "below", "quartile",
                        "below lower quartile"],  # 2 < 2.8
    ("A4", "English"): ["P6", "4.00", "P8", "6.00", "6", "2.00", "0.33", "4.80", "exceeding", "quartile",
                        "upper quartile or above"],  # 6 >= 6.0 and 6 > 4.8
    ("A5", "English"): ["P6", "4.00", "P7", "5.00", "6", "1.00", "0.17", "4.80", "expected", "quartile",
                        "median to upper quartile"],  # 4.8 <= 5 < 6.0
    ("A6", "English"): ["W", "3.00", "1c", "7.00", "6", "4.00", "0.67", "5.40", "expected", "quartile",
                        "median to upper quartile"],  # 5.4 <= 7 < 7.8
    ("A7", "English"): ["3b", "21.00", "4b", "27.00", "6", "6.00", "1.00", "28.20", "below", "levels", ""],  # 6 < 7.2
    ("A8", "English"): ["3c", "19.00", "4a", "29.00", "6", "10.00", "1.67", "26.20", "exceeding", "levels", ""],  # 10 >= 9.6
    ("A9", "English"): ["2b", "15.00", "3b", "21.00", "6", "6.00", "1.00", "22.20", "below", "levels", ""],
    ("A10", "English"): ["P4", "2.00", "P5", "3.00", "6", "1.00", "0.17", "3.20", "below", "quartile",
                         "lower quartile to median"],
    ("B1", "English"): ["P4", "2.00", "P6", "4.00", "9", "2.00", "0.33", "3.80", "expected", "quartile",
                        "median to upper quartile"],  # 3.8 <= 4 < 4.4
    ("D1", "English"): ["P4", "2.00", "P7", "5.00", "18", "3.00", "0.50", "5.00", "expected", "quartile",
                        "median to upper quartile"],  # on the median 5 (not 2 + 3 x 18/15 = 5.6)
    ("E1", "English"): ["P5", "3.00", "P7", "5.00", "5", "2.00", "0.33", "9.67", "below", "levels", ""],
    ("A1", "Maths"): ["P5", "3.00", "P6", "4.00", "6", "1.00", "0.17", "3.80", "expected", "quartile",
                      "median to upper quartile"],  # 3.8 <= 4 < 4.2
    ("A2", "Maths"): ["P5", "3.00", "P5", "3.00", "6", "0.00", "0.00", "3.80", "below", "quartile",
                      "below lower quartile"],  # 3 < 3.4
    # Maths from 4b (27): levels rule (4b is not below level 1); 27 + 7.2 = 34.2
    ("A3", "Maths"): ["4b", "27.00", "5b", "33.00", "6", "6.00", "1.00", "34.20", "below", "levels", ""],
    ("A4", "Maths"): ["4b", "27.00", "4a", "29.00", "6", "2.00", "0.33", "34.20", "below", "levels", ""],
    ("A5", "Maths"): ["4b", "27.00", "5c", "31.00", "6", "4.00", "0.67", "34.20", "below", "levels", ""],
    ("A6", "Maths"): ["4b", "27.00", "4b", "27.00", "6", "0.00", "0.00", "34.20", "below", "levels", ""],
    ("A7", "Maths"): ["4b", "27.00", "5b", "33.00", "6", "6.00", "1.00", "34.20", "below", "levels", ""],
    ("A8", "Maths"): ["4b", "27.00", "5c", "31.00", "6", "4.00", "0.67", "34.20", "below", "levels", ""],
    ("A9", "Maths"): ["4b", "27.00", "4a", "29.00", "6", "2.00", "0.33", "34.20", "below", "levels", ""],
    ("A10", "Maths"): ["4b", "27.00", "5a", "35.00", "6", "8.00", "1.33", "34.20", "expected", "levels", ""],  # 7.2 <= 8 < 9.6
}  # fmt: skip


def test_expected_progress_every_row_matches_the_hand_calculation(birch):
    header, table = rows("expected-progress")
    assert header == ["upn", "subject", "baseline_result", "baseline_points", "current_result", "current_points",
                      "terms_elapsed", "points_gained", "levels_of_progress", "expected_points", "status",
                      "expectation", "quartile_band"]
    assert {(r[0], r[1]): r[2:] for r in table} == EXPECTED_PROGRESS
    assert len(table) == len(EXPECTED_PROGRESS)  # F1 and F2 (pre-key-stage, engagement) have no points rows
    upns = [UPNS[r[0]] for r in table]
    assert upns == sorted(upns)


def test_the_report_names_the_rule_and_the_tables_it_used(birch):
    meta = json.loads(run("expected-progress", "--format", "json"))
    assert meta["quartile_expectations"] == "below_level_1"
    assert meta["quartile_table"].startswith("Birch P-level quartiles (imported ")
    assert meta["national_table"].startswith("Birch national figures (imported ")


# --------------------------------------------------------------------------- starting points

STARTING_POINTS = [
    # English from P4: A1 below, A2 exceeding, A3 below, A10 below, B1 expected, D1 expected:
    # 3 of 6 at least expected = 50%, 1 of 6 more = 16.67%; all KS2 baselines: KS2-KS4 English P4
    # national 40 / 10: gap 50 - 40 = 10.
    ["English", "P4", "6", "50.00", "16.67", "40.00", "10.00", "10.00"],
    # P5 and W both score 3: by code, "P5" before "W". E1's P5 is on entry: no transition, no national row.
    ["English", "P5", "1", "0.00", "0.00", "", "", ""],
    ["English", "W", "1", "100.00", "0.00", "", "", ""],  # no W row in the national table
    ["English", "P6", "2", "100.00", "50.00", "", "", ""],  # A4 exceeding, A5 expected
    ["English", "2b", "1", "0.00", "0.00", "", "", ""],  # neither 2b nor 2 in the national table
    # 3c and 3b fall back to their whole level "3": 60 / 20
    ["English", "3c", "1", "100.00", "100.00", "60.00", "20.00", "40.00"],
    ["English", "3b", "1", "0.00", "0.00", "60.00", "20.00", "-60.00"],
    ["Maths", "P5", "2", "50.00", "0.00", "50.00", "15.00", "0.00"],  # A1 expected, A2 below
    # 4b: only A10 expected: 1 of 8 = 12.5%; national "4" (70 / 25): gap 12.5 - 70 = -57.5
    ["Maths", "4b", "8", "12.50", "0.00", "70.00", "25.00", "-57.50"],
]


def test_starting_points_every_row_with_the_national_comparison(birch):
    header, table = rows("starting-points")
    assert header == ["subject", "starting_point", "n", "pct_expected", "pct_more_than_expected",
                      "national_pct_expected", "national_pct_more_than_expected", "gap_expected"]
    assert table == STARTING_POINTS


# --------------------------------------------------------------------------- value added

# Pupil VA worked out by hand (DOMAIN 9.6). Cohorts are subject + baseline term.
# English, KS2 summer 2023/24 (A1-A10): no prior attainment group reaches 5 (P4 has 4), so the
# least-squares line over the 10: x = 2, 2, 2, 2 (A1 A2 A3 A10), 4, 4 (A4 A5), 3 (A6), 21, 19, 15 (A7 A8 A9);
# y = 3, 4, 2, 3, 6, 5, 7, 27, 29, 21. Mean x = 74/10 = 37/5, mean y = 107/10.
# Sxx = sum (x - 37/5)^2 = 2682/5; Sxy = sum (x - 37/5)(y - 107/10) = 3651/5; slope = 3651/2682 = 1217/894.
# VA = y - (107/10 + 1217/894 (x - 37/5)):
ENGLISH_VA = {
    "A1": Fraction(-52, 149), "A2": Fraction(97, 149), "A3": Fraction(-201, 149), "A10": Fraction(-52, 149),
    "A4": Fraction(-32, 447), "A5": Fraction(-479, 447), "A6": Fraction(2047, 894), "A7": Fraction(-1979, 894),
    "A8": Fraction(2243, 894), "A9": Fraction(-41, 894),
    # B1 (KS2 2022/23), D1 (KS2 2019/20) and E1 (on entry 2024/25) are each a cohort of one: the line
    # is the cohort mean, their own outcome: VA 0.
    "B1": Fraction(0), "D1": Fraction(0), "E1": Fraction(0),
}  # fmt: skip
# Maths, KS2 summer 2023/24: 4b (27) is a group of 8: expected = mean(33, 29, 31, 27, 33, 31, 29, 35) = 31.
# P5 (A1, A2) is a group of 2: the line over all 10: mean x = (3 + 3 + 8 x 27) / 10 = 22.2, mean y = 25.5,
# Sxx = 2 x 19.2^2 + 8 x 4.8^2 = 921.6, Sxy = 19.2 x 21.5 + 19.2 x 22.5 + 4.8 x (248 - 204) = 1056,
# slope 1056 / 921.6 = 55/48; at x = 3: 25.5 - 55/48 x 19.2 = 3.5. A1 4 - 3.5 = 0.5, A2 3 - 3.5 = -0.5.
MATHS_VA = {"A1": Fraction(1, 2), "A2": Fraction(-1, 2), "A3": 2, "A4": -2, "A5": 0, "A6": -4, "A7": 2, "A8": 0,
            "A9": -2, "A10": 4}  # fmt: skip

# Groups on 31 August 2026 (the roster in figures_school.py); needs by area of the primary need.
GROUPS = {
    "sen": ["A1", "A2", "A3", "A4", "A5", "A6", "B1", "D1", "E1"],
    "sen_support": ["A1", "A4", "A5", "A6", "B1", "E1"],
    "ehcp": ["A2", "A3", "D1"],
    "pupil_premium": ["A1", "A3", "A6"],
    "eal": ["A1", "A4", "A9"],
    "looked_after": ["A2"],
    "female": ["A1", "A3", "A5", "A7", "A9", "B1", "E1"],
    "male": ["A2", "A4", "A6", "A8", "A10", "D1"],
    "year_8": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "E1"],
    "year_9": ["B1"],
    "year_12": ["D1"],
    "need_communication": ["A2"],  # ASD
    "need_cognition": ["A1", "A3", "B1", "D1"],  # SPLD, PMLD, MLD, SLD
    "need_semh": ["A4", "A5"],
    "need_sensory": ["A6"],  # HI; E1's OTH is in no area
}
ORDER = ["all", "sen", "sen_support", "ehcp", "no_sen", "pupil_premium", "not_pupil_premium", "eal", "not_eal",
         "looked_after", "not_looked_after", "female", "male", "year_7", "year_8", "year_9", "year_10", "year_11",
         "year_12", "year_13", "need_communication", "need_cognition", "need_semh", "need_sensory"]


def half_up(value: Fraction | float) -> str:
    """Round half away from zero to 2 decimals, as by hand, from an exact value where there is one."""
    value = Fraction(value)
    sign = -1 if value < 0 else 1
    cents = int(abs(value) * 100 + Fraction(1, 2))
    text = f"{sign * cents / 100:.2f}"
    return "0.00" if text == "-0.00" else text


def value_added_by_hand(vas: dict) -> list[list[str]]:
    """DOMAIN 9.6 for every group of the subject: mean VA, index, 1.96 x s / sqrt(n), significance."""
    members = {"all": list(vas)}
    for group in ORDER[1:]:
        if group.startswith("not_") or group == "no_sen":
            continue
        if group in GROUPS:
            members[group] = [p for p in GROUPS[group] if p in vas]
    members["no_sen"] = [p for p in vas if p not in GROUPS["sen"]]
    for group in ("pupil_premium", "eal", "looked_after"):
        members[f"not_{group}"] = [p for p in vas if p not in GROUPS[group]]
    mean_all = sum(vas.values(), Fraction(0)) / len(vas)
    s = sqrt(float(sum((v - mean_all) ** 2 for v in vas.values()) / (len(vas) - 1)))
    out = []
    for group in ORDER:
        pupils = members.get(group, [])
        if not pupils:
            continue  # a group with no members has no row
        va = sum((vas[p] for p in pupils), Fraction(0)) / len(pupils)
        half = 1.96 * s / sqrt(len(pupils))
        low, high = float(va) - half, float(va) + half
        significance = "above" if low > 0 else "below" if high < 0 else "in line"
        out.append([group, str(len(pupils)), half_up(va), half_up(low), half_up(high), half_up(100 + va), significance])
    return out


def test_value_added_every_group_by_hand(birch):
    header, table = rows("value-added")
    assert header == ["subject", "group", "n", "va", "ci_low", "ci_high", "index", "significance"]
    expected = [["English", *r] for r in value_added_by_hand(ENGLISH_VA)]
    expected += [["Maths", *r] for r in value_added_by_hand(MATHS_VA)]
    assert table == expected
    by = {(r[0], r[1]): r for r in table}
    # Spot checks written out: Maths s = sqrt((0.25 + 0.25 + 4 + 4 + 0 + 16 + 4 + 0 + 4 + 16) / 9) = 2.3214;
    # all: 0 +/- 1.96 x 2.3214 / sqrt(10) = 1.44. SEN support (A1 A4 A5 A6): (0.5 - 2 + 0 - 4) / 4 = -1.375 -> -1.38
    # (half away from zero), 1.96 x 2.3214 / 2 = 2.275: -3.65 to 0.90. Female (A1 A3 A5 A7 A9): 2.5 / 5 = 0.5.
    assert by[("Maths", "all")][2:] == ["10", "0.00", "-1.44", "1.44", "100.00", "in line"]
    assert by[("Maths", "sen_support")][2:] == ["4", "-1.38", "-3.65", "0.90", "98.63", "in line"]
    assert by[("Maths", "female")][2:5] == ["5", "0.50", "-1.53"]
    # English: 13 pupils; the line's residuals sum to 0 and the three cohorts of one add 0: VA 0.
    # Male (A2 A4 A6 A8 A10 D1): (97/149 - 32/447 + 2047/894 + 2243/894 - 52/149 + 0) / 6 = 0.8352 -> 0.84
    assert by[("English", "all")][2:4] == ["13", "0.00"] and by[("English", "male")][3] == "0.84"
    assert ("English", "year_7") not in by and ("Maths", "year_9") not in by  # no members, no row


# --------------------------------------------------------------------------- transition matrix

TRANSITION_MATRIX = [
    # NC cells (the expected-progress rows), up the ladder: on or above when every pupil in the cell
    # is expected or exceeding (A1 and A10 are both below: P4 -> P5 False; A2 exceeding and B1 expected: True)
    ["English", "P4", "P4", "1", "False"],
    ["English", "P4", "P5", "2", "False"],
    ["English", "P4", "P6", "2", "True"],
    ["English", "P4", "P7", "1", "True"],
    ["English", "P5", "P7", "1", "False"],
    ["English", "P6", "P7", "1", "True"],
    ["English", "P6", "P8", "1", "True"],
    ["English", "W", "1c", "1", "True"],
    ["English", "2b", "3b", "1", "False"],
    ["English", "3c", "4a", "1", "True"],
    ["English", "3b", "4b", "1", "False"],
    # F1, Year 7: KS3 began autumn 2025/26; PK1 (summer 2024/25, Year 6) is before it, so PK2 -> PK4
    # (2 steps). No expectation on this ladder: the cell is not marked.
    ["English", "PK2", "PK4", "1", ""],
    ["Exploration", "emerging", "developing", "1", ""],  # F2, the engagement model
    ["Maths", "P5", "P5", "1", "False"],
    ["Maths", "P5", "P6", "1", "True"],
    ["Maths", "4b", "4b", "1", "False"],
    ["Maths", "4b", "4a", "2", "False"],
    ["Maths", "4b", "5c", "2", "False"],
    ["Maths", "4b", "5b", "2", "False"],
    ["Maths", "4b", "5a", "1", "True"],
]


def test_transition_matrix_every_cell_including_the_other_ladders(birch):
    header, table = rows("transition-matrix")
    assert header == ["subject", "baseline_result", "current_result", "n", "on_or_above"]
    assert table == TRANSITION_MATRIX


# --------------------------------------------------------------------------- standardised progress


def test_standardised_progress_every_row(birch):
    header, table = rows("standardised-progress")
    assert header == ["upn", "measure", "earlier_score", "earlier_date", "latest_score", "latest_date", "change",
                      "status"]
    assert sorted(table) == sorted([
        # A1: the 10 Sep 2026 test is after the term. Latest 20 Apr 2026 (86); at least 90 days before
        # it is on or before 20 Jan 2026: 10 Jan (90). 86 - 90 = -4: kept pace.
        ["A1", "reading", "90", "2026-01-10", "86", "2026-04-20", "-4", "kept pace"],
        ["A2", "reading", "75", "2025-10-01", "70", "2026-06-01", "-5", "fell behind"],  # -5: fell behind
        # A4: 3 Nov 2025 to 1 Feb 2026 is exactly 90 days (27 + 31 + 31 + 1): 95 - 90 = 5, accelerated.
        ["A4", "spelling", "90", "2025-11-03", "95", "2026-02-01", "5", "accelerated"],
    ])  # fmt: skip


# --------------------------------------------------------------------------- intervention impact


def test_intervention_impact_every_measure(birch):
    header, table = rows("intervention-impact")
    assert header == ["upn", "programme", "measure", "pre", "post", "pre_date", "post_date", "elapsed_months",
                      "ratio_gain", "band", "flag"]
    assert table == [
        # Reading Recovery has no measure set: reading and spelling ages. A1: pre the last reading test on
        # or before 8 Sep + 14 = 22 Sep 2025: 15 Sep (90 months); post the first on or after 13 Feb - 14 =
        # 30 Jan 2026: 20 Apr (100). 217 days / 30.4375 = 7.1294 (7.13); 10 / 7.1294 = 1.4026 -> 1.40: useful.
        ["A1", "Reading Recovery", "reading", "90", "100", "2025-09-15", "2026-04-20", "7.13", "1.40", "useful", ""],
        # A4, spelling: 15 Oct 2025 (100) to 18 Mar 2026 (104): 154 days = 5.0595 months; 4 / 5.0595 = 0.79: modest.
        ["A4", "Reading Recovery", "spelling", "100", "104", "2025-10-15", "2026-03-18", "5.06", "0.79", "modest", ""],
        # Calm club is judged by SDQ totals: 10 Sep 2025 (20) to 20 Mar 2026 (16), 191 days = 6.2752 months.
        # No ratio gain or band: not an age.
        ["A2", "Calm club", "SDQ total difficulties", "20", "16", "2025-09-10", "2026-03-20", "6.28", "", "", ""],
        # B1's enrolment has not ended: no row.
    ]


# --------------------------------------------------------------------------- the other kinds


def test_no_gain_but_semh_and_register_summary(birch):
    # A2: Maths P5 in spring and summer (no gain); SDQ total 16 in spring, 14 in summer (fewer difficulties).
    assert rows("no-gain-but-semh") == (["upn", "subjects_without_gain", "improved_measures"],
                                        [["A2", "Maths", "SDQ total difficulties 16 -> 14"]])
    # On 31 Aug 2026: K = A1 A4 A5 A6 B1 E1 (6), E = A2 A3 D1 F1 F2 (5); on 31 Aug 2025 A5, F1 and F2 had
    # no entry yet: K 5, E 3.
    header, table = rows("register-summary")
    assert table == [
        ["provision", "K", "6", "5", "1"], ["provision", "E", "5", "3", "2"],
        ["primary_need", "SPLD", "1", "1", "0"], ["primary_need", "MLD", "1", "1", "0"],
        ["primary_need", "SLD", "2", "1", "1"], ["primary_need", "PMLD", "2", "1", "1"],
        ["primary_need", "SEMH", "2", "1", "1"], ["primary_need", "HI", "1", "1", "0"],
        ["primary_need", "ASD", "1", "1", "0"], ["primary_need", "OTH", "1", "1", "0"],
    ]  # fmt: skip


# --------------------------------------------------------------------------- governors' copies


def hidden_and_shown(table, label=1):
    hidden = {(r[0], r[label]) for r in table if r[-1] == "True"}
    shown = {(r[0], r[label]) for r in table if r[-1] == "False"}
    return hidden, shown


PARTITIONS = [("all", ["sen", "no_sen"]), ("sen", ["sen_support", "ehcp"]),
              ("all", ["pupil_premium", "not_pupil_premium"]), ("all", ["eal", "not_eal"]),
              ("all", ["looked_after", "not_looked_after"]), ("all", ["female", "male"]),
              ("all", [f"year_{y}" for y in range(7, 14)]),
              ("sen", ["need_communication", "need_cognition", "need_semh", "need_sensory"])]


def test_governors_value_added_hides_every_group_that_could_be_worked_out(birch):
    header, table = rows("value-added", "--governor")
    assert header[-1] == "suppressed"
    hidden, shown = hidden_and_shown(table)
    # English (13): under 5: no SEN 4, EHC plan 3, pupil premium 3, EAL 3, looked after 1, years 9 and 12
    # (1 each), every area of need (1, 4, 2, 1). Second round: SEN 9 (beside no SEN, whose parent all is
    # shown), not pupil premium, not EAL and not looked after. SEN is then hidden, so its parts need no
    # second hidden group: SEN support (6) stays. Female 7 + male 6 and year 8 (11, beside 9 and 12
    # both hidden) stay.
    assert {g for s, g in shown if s == "English"} == {"all", "sen_support", "female", "male", "year_8"}
    # Maths (10): all but all, female 5, male 5 and year 8 are hidden (SEN 6 beside no SEN 4; not pupil
    # premium 7 beside 3; not EAL 7 beside 3; not looked after 9 beside 1).
    assert {g for s, g in shown if s == "Maths"} == {"all", "female", "male", "year_8"}
    # A hidden row names no pupils and no figure
    for row in table:
        if row[-1] == "True":
            assert row[2:-1] == ["", "", "", "", "", ""]
    shown_rows = {(r[0], r[1]): r for r in table if r[-1] == "False"}
    assert shown_rows[("English", "sen_support")][2:4] == ["6", "0.13"]
    # No suppressed group can be worked out: in every partition of a shown parent, none or at least two hidden
    for subject in ("English", "Maths"):
        for parent, parts in PARTITIONS:
            if (subject, parent) not in shown:
                continue
            assert len([p for p in parts if (subject, p) in hidden]) != 1, (subject, parent, parts)


def test_governors_starting_points_and_matrix_leave_nothing_to_subtract(birch):
    _, va = rows("value-added", "--governor")
    _, starting = rows("starting-points", "--governor")
    _, matrix = rows("transition-matrix", "--governor")
    # English: 13 pupils (value added's all, shown). Only P4 (6) is 5 or more; the six other starting
    # points are hidden, so their 7 pupils can be told apart by nobody. P4's cells (1, 2, 2, 1) are all hidden.
    assert [r[:3] + r[-1:] for r in starting if r[0] == "English"] == [
        ["English", "P4", "6", "False"], ["English", "P5", "", "True"], ["English", "W", "", "True"],
        ["English", "P6", "", "True"], ["English", "2b", "", "True"], ["English", "3c", "", "True"],
        ["English", "3b", "", "True"]]
    # The P4 row keeps its figures and the national comparison; hidden rows lose the gap (it gives the
    # percentage away) but keep the public national figures.
    assert starting[0][3:8] == ["50.00", "16.67", "40.00", "10.00", "10.00"]
    assert [r[5:8] for r in starting if r[1] == "3c"] == [["60.00", "20.00", ""]]
    # Maths: 10 pupils, shown; P5 (2) hidden, so 4b (8) is hidden too: 10 - 8 would be P5's 2.
    assert [r[1:3] + r[-1:] for r in starting if r[0] == "Maths"] == [["P5", "", "True"], ["4b", "", "True"]]
    # Every cell of this small school is under 5
    assert all(r[3:] == ["", "", "True"] for r in matrix) and len(matrix) == len(TRANSITION_MATRIX)
    # The subtraction test: a subject's shown total minus its shown starting points is never one hidden row
    totals = {r[0]: int(r[2]) for r in va if r[1] == "all" and r[-1] == "False"}
    for subject, total in totals.items():
        hidden_rows = [r for r in starting if r[0] == subject and r[-1] == "True"]
        assert len(hidden_rows) != 1, subject


def test_governors_register_summary(birch):
    _, table = rows("register-summary", "--governor")
    # E had 3 last year: hidden; every need is under 5 in one year or the other: hidden. K (6, 5) goes too:
    # value added and the SEN gap print the SEN total beside this table, and SEN - K would be E.
    provisions = [r for r in table if r[0] == "provision"]
    assert [r[1] for r in provisions] == ["K", "E"] and all(r[-1] == "True" for r in table)
    assert table[0][2:5] == ["", "", ""]


def test_named_reports_have_no_governor_copy(birch):
    from django.core.management import CommandError

    for kind in ("expected-progress", "standardised-progress", "intervention-impact"):
        with pytest.raises(CommandError, match="names pupils"):
            run(kind, "--governor")


# --------------------------------------------------------------------------- the example


def test_all_28_beside_not_pupil_premium_24_hides_not_pupil_premium(tmp_path):
    """28 pupils in maths, all from 4b (27): expected outcome is the mean 5c (31) of the group of 28.
    4 pupil premium pupils reach 4a (29): VA -2 each; of the 24 others, 20 reach 5c (0) and 4 reach
    5b (+2). Sum of VA: -8 + 8 = 0. All: 28, VA 0.00. Not pupil premium: 24, VA 8/24 = 0.33.
    Shown together they would give the pupil premium group away (28 x 0 - 24 x 0.33 = -8 over 4
    pupils): the governor's copy hides both parts."""
    school = f.SchoolFactory(code="birch", name="Birch School")
    maths = f.SubjectFactory(code="maths", name="Maths")
    for n in range(28):
        pupil = f.PupilFactory(school=school, pupil_premium=n < 4)
        f.BaselineFactory(pupil=pupil, subject=maths, key_stage="KS2", result="4b", academic_year=2023, term="summer")
        outcome = "4a" if n < 4 else ("5b" if n < 8 else "5c")
        f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2025, term="summer", result=outcome)
    _, named = rows("value-added")
    by = {r[1]: r for r in named}
    assert by["all"][2:4] == ["28", "0.00"] and by["not_pupil_premium"][2:4] == ["24", "0.33"]
    assert by["pupil_premium"][2:4] == ["4", "-2.00"]
    _, governor = rows("value-added", "--governor")
    gov = {r[1]: r for r in governor}
    assert gov["all"][2:4] == ["28", "0.00"]
    assert gov["pupil_premium"][2:4] == ["", ""] and gov["not_pupil_premium"][2:4] == ["", ""]
    assert gov["pupil_premium"][-1] == gov["not_pupil_premium"][-1] == "True"
