"""The pack's summary sentences and per-programme table, against figures worked out by hand."""

from __future__ import annotations

import pandas as pd

from reports import pack_summary


def progress_rows(statuses: list[tuple[str, str]], baseline: str = "2") -> pd.DataFrame:
    """One English row per pupil: (provision, status)."""
    return pd.DataFrame({
        "subject": ["English"] * len(statuses),
        "baseline_result": [baseline] * len(statuses),
        "status": [s for _, s in statuses],
        "sen_support": [p == "K" for p, _ in statuses],
        "ehcp": [p == "E" for p, _ in statuses],
        "sen": [p in ("K", "E") for p, _ in statuses],
    })


# This year: SEN support 4 of 6 met (66.7 %), EHC plan 2 of 5 (40 %), SEN 6 of 11 (54.5 %, printed 55 %).
THIS_YEAR = progress_rows([("K", "expected")] * 3 + [("K", "exceeding")] + [("K", "below")] * 2
                          + [("E", "expected")] * 2 + [("E", "below")] * 3 + [("N", "expected")] * 4)
# Last year: SEN support 3 of 6 (50 %), EHC plan 3 of 5 (60 %), SEN 6 of 11.
LAST_YEAR = progress_rows([("K", "expected")] * 3 + [("K", "below")] * 3 + [("E", "expected")] * 3
                          + [("E", "below")] * 2)
STARTING = pd.DataFrame({"subject": ["English"], "starting_point": ["2"], "n": [15], "pct_expected": [60.0],
                         "national_pct_expected": [48.0], "gap_expected": [12.0]})


def test_headlines_count_each_group_and_compare_with_last_year_and_national():
    rows = pack_summary.headlines(THIS_YEAR, LAST_YEAR, STARTING, ["English"])
    assert [(h.group, h.met, h.n) for h in rows] == [("sen", 6, 11), ("sen_support", 4, 6), ("ehcp", 2, 5)]
    assert rows[1].sentence() == ("4 of 6 pupils on SEN support (67 %) made at least expected progress in English, "
                                  "up from 50 % last year; nationally 48 % from the same starting points.")
    assert rows[2].sentence().startswith("2 of 5 pupils with an EHC plan (40 %)")
    assert "down from 60 % last year" in rows[2].sentence()
    assert rows[0].sentence().startswith("6 of 11 pupils with SEN (55 %)")  # 54.55 rounds half up to 55


def test_a_part_under_5_hides_both_parts_and_leaves_the_whole():
    small = progress_rows([("K", "expected")] * 6 + [("E", "below")] * 2)  # 8 with SEN, 2 of them EHC plan
    rows = pack_summary.headlines(small, None, STARTING, ["English"])
    assert [h.group for h in rows] == ["sen"]


def test_a_hidden_register_part_takes_the_n_out_of_the_sentences():
    rows = pack_summary.headlines(THIS_YEAR, None, STARTING, ["English"], hide_n=True)
    assert rows[0].sentence() == ("55 % of pupils with SEN made at least expected progress in English; "
                                  "nationally 48 % from the same starting points.")


def test_attention_takes_the_worst_of_each_kind_first():
    rows = pack_summary.headlines(THIS_YEAR, LAST_YEAR, STARTING, ["English"])
    # VA -2.00, interval -3 to -1: standard error 1 / 1.96, z = 3.92; the EHC plan fall of 20 points scores 4.
    va = pd.DataFrame({"subject": ["English", "English"], "group": ["sen_support", "all"], "n": [6, 15],
                       "va": [-2.0, -0.5], "ci_low": [-3.0, -1.0], "ci_high": [-1.0, -0.1],
                       "significance": ["below", "below"]})
    programmes = pd.DataFrame({"programme": ["Reading club"], "measure": ["reading"], "n": [5],
                               "mean_ratio_gain": [1.1], "band": ["modest"], "age_equivalent": [True],
                               "cost_per_unit_gained": [40.0]})
    items = pack_summary.attention(rows, va, STARTING, programmes)
    assert items == [
        "In English, pupils with an EHC plan making at least expected progress fell from 60 % to 40 % (n = 5).",
        "Value added in English for pupils on SEN support is -2.00 points (n = 6), below pupils in the school "
        "with the same starting points.",
        "Reading club: a mean ratio gain in reading of 1.10 (modest) over 5 pupils, £40.00 per month gained.",
    ]


def test_the_programme_table_costs_each_month_gained_and_suppresses_small_rows_for_governors():
    # Two pupils in Phonics (reading 10 -> 16 and 20 -> 24 months over 2 months: gains 6 and 4, 10 months in all);
    # the programme ran 10 sessions at £30: £300 / 10 months = £30.00 per month gained.
    impact = pd.DataFrame({
        "programme": ["Phonics", "Phonics"], "kind": ["reading", "reading"], "measure": ["reading", "reading"],
        "pre": [10.0, 20.0], "post": [16.0, 24.0], "change": [6.0, 4.0], "gain": [6.0, 4.0],
        "ratio_gain": [3.0, 2.0], "age_equivalent": [True, True],
    })
    interventions = pd.DataFrame({"intervention_id": [1], "programme": ["Phonics"], "cost_per_session": [30.0],
                                  "sessions_delivered": [10]})
    table = pack_summary.programme_table(impact, interventions, governor=False)
    row = table.iloc[0]
    assert (row["n"], row["mean_ratio_gain"], row["band"], row["sessions_delivered"]) == (2, 2.5, "substantial", 10)
    assert (row["cost_to_date"], row["units_gained"], row["cost_per_unit_gained"]) == (300.0, 10.0, 30.0)
    governors = pack_summary.programme_table(impact, interventions, governor=True).iloc[0]
    assert bool(governors["suppressed"]) and pd.isna(governors["n"]) and pd.isna(governors["cost_per_unit_gained"])
    assert governors["cost_to_date"] == 300.0 and governors["sessions_delivered"] == 10
