"""Every figure run_report prints, against values worked out by hand from docs/figures.md section 9."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.integration.report_school import build_report_school

pytestmark = pytest.mark.django_db

ARGS = ["--academic-year", "2025/26", "--term", "Summer"]


def run(kind, *extra):
    out = io.StringIO()
    call_command("run_report", kind, *ARGS, *extra, stdout=out)
    return out.getvalue()


def rows(kind, *extra):
    return list(csv.DictReader(io.StringIO(run(kind, *extra))))


def by(rows_, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows_}


def test_expected_progress_figures_match_the_hand_calculation():
    _, pupils = build_report_school()
    table = by(rows("expected-progress", "--subject", "English"), "upn")
    assert len(table) == 4
    # t = 6; expected gain = 3 x 6 x 6 / 15 = 7.2 points; exceeding from 4 x 6 x 6 / 15 = 9.6 points
    a = table[pupils["A"].upn]  # 27 -> 31: gain 4, 4/6 = 0.67 levels, 27 + 7.2 = 34.2, below
    assert [a[c] for c in ("baseline_result", "baseline_points", "current_result", "current_points", "terms_elapsed",
                           "points_gained", "levels_of_progress", "expected_points", "status")] == \
        ["4b", "27.00", "5c", "31.00", "6", "4.00", "0.67", "34.20", "below"]
    b = table[pupils["B"].upn]  # 21 -> 29: gain 8 >= 7.2 but < 9.6: expected; 8/6 = 1.33; 21 + 7.2 = 28.2
    assert (b["points_gained"], b["levels_of_progress"], b["expected_points"], b["status"]) == ("8.00", "1.33", "28.20", "expected")
    c = table[pupils["C"].upn]  # 19 -> 31: gain 12 >= 9.6: exceeding; 2 levels; 19 + 7.2 = 26.2
    assert (c["points_gained"], c["levels_of_progress"], c["expected_points"], c["status"]) == ("12.00", "2.00", "26.20", "exceeding")
    d = table[pupils["D"].upn]  # P6 (4) -> P8 (6) in NS2007-extended: gain 2, 0.33 levels, 4 + 7.2 = 11.2, below
    assert (d["baseline_points"], d["current_points"], d["levels_of_progress"], d["expected_points"], d["status"]) == \
        ("4.00", "6.00", "0.33", "11.20", "below")
    # The shipped 2012 table has no KS2-KS4 rows, so even D (from P6) is judged by the levels rule.
    assert {r["expectation"] for r in table.values()} == {"levels"} and {r["quartile_band"] for r in table.values()} == {""}


CONTRACT = {  # docs/reports.md
    "expected-progress": "upn,subject,baseline_result,baseline_points,current_result,current_points,terms_elapsed,"
                         "points_gained,levels_of_progress,expected_points,status,expectation,quartile_band",
    "value-added": "subject,group,n,va,ci_low,ci_high,index,significance",
    "starting-points": "subject,starting_point,n,pct_expected,pct_more_than_expected,national_pct_expected,"
                       "national_pct_more_than_expected,gap_expected",
    "intervention-impact": "upn,programme,measure,pre,post,pre_date,post_date,elapsed_months,ratio_gain,band,flag",
    "transition-matrix": "subject,baseline_result,current_result,n,on_or_above",
    "standardised-progress": "upn,measure,earlier_score,earlier_date,latest_score,latest_date,change,status",
}


@pytest.mark.parametrize("kind", CONTRACT)
def test_every_report_has_exactly_the_contract_columns(kind):
    build_report_school()
    assert run(kind).splitlines()[0] == CONTRACT[kind]


def test_starting_points_table_matches_the_hand_calculation():
    build_report_school()
    table = by(rows("starting-points"), "subject", "starting_point")
    # English: one pupil per starting point; 3c exceeding (100/100), 3b expected (100/0), 4b and P6 below (0/0)
    assert (table[("English", "3c")]["n"], table[("English", "3c")]["pct_expected"],
            table[("English", "3c")]["pct_more_than_expected"]) == ("1", "100.00", "100.00")
    assert (table[("English", "3b")]["pct_expected"], table[("English", "3b")]["pct_more_than_expected"]) == ("100.00", "0.00")
    assert table[("English", "4b")]["pct_expected"] == "0.00"
    # Maths from 4b: gains 2, 4, 6, 0, 8 against 7.2 and 9.6: only 8 is expected (not exceeding): 1 of 5 = 20%
    maths = table[("Maths", "4b")]
    assert (maths["n"], maths["pct_expected"], maths["pct_more_than_expected"]) == ("5", "20.00", "0.00")


def test_value_added_figures_match_the_hand_calculation():
    build_report_school()
    table = by(rows("value-added", "--subject", "Maths"), "group")
    # One prior-attainment group of 5 (all 27): expected = mean(29, 31, 33, 27, 35) = 31;
    # pupil VA = -2, 0, 2, -4, 4; s = sqrt((4 + 0 + 4 + 16 + 16) / 4) = sqrt(10) = 3.1623
    everyone = table["all"]  # VA 0, CI 0 +/- 1.96 x 3.1623 / sqrt(5) = +/- 2.77
    assert [everyone[c] for c in ("n", "va", "ci_low", "ci_high", "index", "significance")] == \
        ["5", "0.00", "-2.77", "2.77", "100.00", "in line"]
    sen = table["sen_support"]  # M3, M5: VA (2 + 4) / 2 = 3; 3 +/- 1.96 x 3.1623 / sqrt(2) = 3 +/- 4.38
    assert [sen[c] for c in ("n", "va", "ci_low", "ci_high", "index", "significance")] == \
        ["2", "3.00", "-1.38", "7.38", "103.00", "in line"]
    assert table["sen"]["va"] == "3.00"
    no_sen = table["no_sen"]  # M1 (entry ended before the term's end), M2, M4: (-2 + 0 - 4) / 3 = -2 +/- 3.58
    assert [no_sen[c] for c in ("n", "va", "ci_low", "ci_high")] == ["3", "-2.00", "-5.58", "1.58"]
    pp = table["pupil_premium"]  # M4 alone: -4 +/- 1.96 x 3.1623 = -4 +/- 6.20
    assert [pp[c] for c in ("n", "va", "ci_low", "ci_high")] == ["1", "-4.00", "-10.20", "2.20"]
    not_pp = table["not_pupil_premium"]  # (-2 + 0 + 2 + 4) / 4 = 1 +/- 1.96 x 3.1623 / 2 = 1 +/- 3.10
    assert [not_pp[c] for c in ("n", "va", "ci_low", "ci_high")] == ["4", "1.00", "-2.10", "4.10"]
    assert "ehcp" not in table  # nobody with an EHC plan: no row


def test_intervention_impact_matches_the_hand_calculation():
    _, pupils = build_report_school()
    table = rows("intervention-impact")
    # Only the ended enrolment: 2 Sep 2024 -> 10 Mar 2025 is 189 days = 6.2094 months;
    # (102 - 90) / 6.2094 = 1.9325 -> 1.93, useful (1.4 to under 2.0), not a short interval
    assert len(table) == 1
    row = table[0]
    assert row == {
        "upn": pupils["A"].upn, "programme": "Paired reading", "measure": "reading", "pre": "90", "post": "102",
        "pre_date": "2024-09-02", "post_date": "2025-03-10", "elapsed_months": "6.21", "ratio_gain": "1.93",
        "band": "useful", "flag": "",
    }


def test_json_format_carries_the_scheme_and_the_rows():
    build_report_school()
    data = json.loads(run("value-added", "--format", "json"))
    assert data["points_scheme"] == "NS2007-extended v1"
    assert data["academic_year"] == "2025/26" and data["term"] == "Summer"
    assert data["columns"] == ["subject", "group", "n", "va", "ci_low", "ci_high", "index", "significance"]
    assert {"subject": "Maths", "group": "all", "n": 5, "va": 0.0, "ci_low": -2.77, "ci_high": 2.77,
            "index": 100.0, "significance": "in line"} in data["rows"]


def test_governor_copy_suppresses_groups_under_five():
    build_report_school()
    table = by(rows("value-added", "--subject", "Maths", "--governor"), "group")
    assert table["all"]["va"] == "0.00"  # 5 pupils: shown
    assert table["sen_support"]["n"] == "" and table["sen_support"]["va"] == ""  # 2 pupils: suppressed
    assert table["sen_support"]["suppressed"] == "True"


def test_governor_copy_of_a_named_report_is_refused():
    build_report_school()
    with pytest.raises(CommandError, match="names pupils"):
        run("expected-progress", "--governor")


def test_out_writes_a_file(tmp_path):
    build_report_school()
    target = tmp_path / "va.csv"
    call_command("run_report", "value-added", *ARGS, "--out", str(target), stderr=io.StringIO())
    assert target.read_text().startswith("subject,group,n,va")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nonsense", *ARGS], "Unknown report 'nonsense'"),
        (["value-added", "--academic-year", "2025", "--term", "Summer"], "2025"),
        (["value-added", "--academic-year", "2025/26", "--term", "Winter"], "Winter"),
        (["value-added", *ARGS, "--school", "nope"], "No school with code 'nope'"),
        (["value-added", *ARGS, "--subject", "Latin"], "no subject called 'Latin'"),
    ],
)
def test_bad_arguments_get_a_clear_message(args, message):
    build_report_school()
    with pytest.raises(CommandError, match=message):
        call_command("run_report", *args, stdout=io.StringIO())
