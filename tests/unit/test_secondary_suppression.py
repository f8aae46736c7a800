"""Small-number and secondary suppression for governors (docs/figures.md 9.8).

Rule 1 (as DOMAIN 9.8 writes it): in every partition of a parent that can be read, if exactly one
group is suppressed, the next smallest shown group of that partition is suppressed too; repeated
until it holds everywhere. Rule 2: a suppressed group that can still be worked out (a parent whose
parts are all readable, or the one unreadable part of a partition whose parent is readable) has
the smallest shown group suppressed that stops it.
"""

import pandas as pd

from reports import metrics as m
from reports.metrics import Partition


def va_table(sizes: dict, subject="Maths", va=None):
    rows = [(subject, group, n, (va or {}).get(group, 0.0)) for group, n in sizes.items()]
    df = pd.DataFrame(rows, columns=["subject", "group", "n", "va"])
    df["ci_low"] = df["va"] - 1.0
    df["ci_high"] = df["va"] + 1.0
    df["index"] = 100 + df["va"]
    df["significance"] = "in line"
    return df


def hidden(table):
    return set(table.loc[table["suppressed"], "group"])


def test_the_issue_example_cannot_be_worked_out_by_subtraction():
    # All 28 (VA 0.10) beside Not pupil premium 24 (VA 0.14) would give the pupil premium 4 away:
    # (28 x 0.10 - 24 x 0.14) / 4 = -0.14. Pupil premium (4 < 5) is suppressed, so the next smallest
    # group of its partition, Not pupil premium, is suppressed too. All (no partition of its own) stays.
    table = va_table({"all": 28, "pupil_premium": 4, "not_pupil_premium": 24}, va={"all": 0.10, "not_pupil_premium": 0.14})
    out = m.suppress_value_added(table)
    assert hidden(out) == {"pupil_premium", "not_pupil_premium"}
    shown = out.set_index("group")
    assert shown.loc["all", "n"] == 28 and shown.loc["all", "va"] == 0.10
    assert pd.isna(shown.loc["not_pupil_premium", "n"]) and pd.isna(shown.loc["not_pupil_premium", "va"])
    assert pd.isna(shown.loc["pupil_premium", "significance"])


def test_five_is_shown_and_four_is_suppressed():
    out = m.suppress_value_added(va_table({"all": 10, "sen": 5, "no_sen": 5}))
    assert hidden(out) == set()
    out = m.suppress_value_added(va_table({"all": 9, "sen": 4, "no_sen": 5}))
    assert hidden(out) == {"sen", "no_sen"}


def test_the_next_smallest_is_chosen_and_ties_go_to_the_first_listed():
    # Year groups of all 30: year 7 has 3 (suppressed); years 8 and 9 have 6 each, year 10 has 15.
    # The next smallest is year 8 or 9 (6 each): the first listed, year 8. Then the partition holds.
    out = m.suppress_value_added(va_table({"all": 30, "year_7": 3, "year_8": 6, "year_9": 6, "year_10": 15}))
    assert hidden(out) == {"year_7", "year_8"}


def test_nested_partitions_are_protected_in_turn():
    # all 30 = SEN 8 + no SEN 22; SEN 8 = SEN support 5 + EHC plan 3.
    # EHC plan 3 is suppressed; SEN (8) is shown, so SEN support (5) is suppressed as well
    # (else 8 - 5 = 3). SEN and no SEN are both shown: nothing hidden in that partition.
    out = m.suppress_value_added(va_table({"all": 30, "sen": 8, "sen_support": 5, "ehcp": 3, "no_sen": 22}))
    assert hidden(out) == {"ehcp", "sen_support"}


def test_iterations_run_until_every_partition_of_every_shown_parent_holds():
    # all 40 = SEN 9 + no SEN 31. SEN 9 = support 6 + EHC 3; areas: cognition 4, SEMH 5.
    # Pass 1: EHC 3 and cognition 4 are small. SEN is shown: support 6 joins EHC (next smallest,
    # the only other); SEMH 5 joins cognition. SEN itself, and all, stay: every partition of a
    # shown parent now hides two or none.
    sizes = {"all": 40, "sen": 9, "sen_support": 6, "ehcp": 3, "no_sen": 31, "need_cognition": 4, "need_semh": 5}
    out = m.suppress_value_added(va_table(sizes))
    assert hidden(out) == {"ehcp", "sen_support", "need_cognition", "need_semh"}


def test_a_parent_hidden_by_rule_one_is_not_left_readable_through_its_parts():
    # all 26 = SEN 23 + no SEN 3. No SEN (3) is small, so SEN (23), the only other, is suppressed
    # (rule 1). But SEN support 23 (nobody has an EHC plan) is SEN itself, and 26 - 23 = 3 gives no
    # SEN away: rule 2 suppresses SEN support as well. The areas (cognition 12 + SEMH 11 = 23) would
    # also add up to SEN, so one of them goes too: no single group stops both routes, so the smallest
    # shown (SEMH 11) is taken first; rule 1 then takes cognition (12) beside it (SEN readable through
    # SEN support), and rule 2 finally SEN support.
    sizes = {"all": 26, "sen": 23, "sen_support": 23, "no_sen": 3, "need_cognition": 12, "need_semh": 11}
    out = m.suppress_value_added(va_table(sizes))
    assert hidden(out) == {"no_sen", "sen", "sen_support", "need_cognition", "need_semh"}


def test_an_incomplete_partition_still_follows_rule_one():
    # Female 3 + male 20 = 23 of all 24 (one pupil recorded X): female is small; male is suppressed too.
    out = m.suppress_value_added(va_table({"all": 24, "female": 3, "male": 20}))
    assert hidden(out) == {"female", "male"}


def test_each_subject_is_suppressed_on_its_own():
    table = pd.concat([va_table({"all": 28, "eal": 4, "not_eal": 24}, subject="English"),
                       va_table({"all": 28, "eal": 6, "not_eal": 22}, subject="Maths")], ignore_index=True)
    out = m.suppress_value_added(table)
    assert set(out.loc[out["suppressed"], "subject"] + ":" + out.loc[out["suppressed"], "group"]) == {
        "English:eal", "English:not_eal"}


def test_the_solver_on_its_own():
    # parent P (shown, 20) = A 2 + B 8 + C 10: A small; B (8) is next smallest.
    out = m.secondary_suppression({"P": 20, "A": 2, "B": 8, "C": 10}, [Partition("P", ("A", "B", "C"), True)],
                                  shown={"P", "A", "B", "C"}, suppressed={"A"})
    assert out == {"A", "B"}
    # The parent not on the page and not derivable: nothing more to protect
    out = m.secondary_suppression({"P": 20, "A": 2, "B": 8, "C": 10}, [Partition("P", ("A", "B", "C"), True)],
                                  shown={"A", "B", "C"}, suppressed={"A"})
    assert out == {"A"}


# ------------------------------------------------------------------ starting points and matrix


def test_starting_points_and_the_matrix_are_suppressed_together():
    # Maths: 12 pupils (value added's "all" n, shown). From P4: 3 (suppressed); from P6: 9.
    # 12 - 9 = 3 would give P4 away: P6 is suppressed as well (the next smallest of the subject's
    # starting points). Cells of P6: P6->P7 6, P6->P8 3 (small). P6 itself is hidden, so its cells need
    # not be two-hidden for its sake, but the P6 row must not be readable from its cells: 6 + 3 with the
    # 3 hidden is not, so the 6 stays. P4's cells (2 and 1) are small anyway.
    sp = pd.DataFrame(
        [("Maths", "P4", 3, 0.0, 0.0), ("Maths", "P6", 9, 50.0, 10.0)],
        columns=["subject", "starting_point", "n", "pct_expected", "pct_more_than_expected"],
    ).assign(national_pct_expected=float("nan"), national_pct_more_than_expected=float("nan"), gap_expected=float("nan"))
    matrix = pd.DataFrame(
        [("Maths", "P4", "P5", 2, False, "nc"), ("Maths", "P4", "P6", 1, False, "nc"),
         ("Maths", "P6", "P7", 6, True, "nc"), ("Maths", "P6", "P8", 3, True, "nc"),
         ("Maths", "PK1", "PK2", 7, None, "pks"), ("Maths", "PK1", "PK3", 2, None, "pks")],
        columns=["subject", "baseline_result", "current_result", "n", "on_or_above", "framework"],
    )  # fmt: skip
    sp_out, matrix_out = m.suppress_starting_points_and_matrix(sp, matrix)
    assert sp_out["suppressed"].tolist() == [True, True]
    assert sp_out["n"].isna().all() and sp_out["pct_expected"].isna().all()
    # cells: P4 2, P4 1 and P6 3 small; P6->P7 6 stays (P6 hidden, and 6 + hidden 3 gives nothing)
    assert matrix_out["suppressed"].tolist() == [True, True, False, True, False, True]
    assert matrix_out.loc[2, "n"] == 6 and matrix_out.loc[2, "on_or_above"] is True
    # pre-key-stage cells: no total is shown anywhere, so only the small one goes
    assert pd.isna(matrix_out.loc[5, "n"]) and matrix_out.loc[4, "n"] == 7


def test_a_shown_starting_point_protects_its_cells():
    # English: from 2b 10 pupils (shown, the only starting point: 10 = all). Cells 2b->3c 8, 2b->3b 2.
    # 10 - 8 = 2: the 8 is suppressed too.
    sp = pd.DataFrame([("English", "2b", 10, 50.0, 0.0)],
                      columns=["subject", "starting_point", "n", "pct_expected", "pct_more_than_expected"])
    sp = sp.assign(national_pct_expected=None, national_pct_more_than_expected=None, gap_expected=None)
    matrix = pd.DataFrame([("English", "2b", "3c", 8, False, "nc"), ("English", "2b", "3b", 2, True, "nc")],
                          columns=["subject", "baseline_result", "current_result", "n", "on_or_above", "framework"])
    sp_out, matrix_out = m.suppress_starting_points_and_matrix(sp, matrix)
    assert sp_out["suppressed"].tolist() == [False] and sp_out.loc[0, "n"] == 10
    assert matrix_out["suppressed"].tolist() == [True, True]


# ------------------------------------------------------------------ register summary


def register(rows):
    df = pd.DataFrame(rows, columns=["dimension", "code", "this_year", "previous_year"])
    df["change"] = df["this_year"] - df["previous_year"]
    return df


def test_register_summary_protects_provisions_and_needs():
    # K 20 and E 3 (small) split SEN; the needs SPLD 10, MLD 8, SEMH 5 split it too (23 = 23), so SEN can be
    # read from the needs: E alone hidden would be 23 - 20. K (the only other SEN provision) goes too.
    # N 200 stays (the roll is never shown, nor can it be worked out once K and E are hidden).
    table = register([
        ("provision", "K", 20, 18), ("provision", "E", 3, 3), ("provision", "N", 200, 190),
        ("primary_need", "SPLD", 10, 9), ("primary_need", "MLD", 8, 7), ("primary_need", "SEMH", 5, 5),
    ])  # fmt: skip
    out = m.suppress_register_summary(table)
    assert out["suppressed"].tolist() == [True, True, False, False, False, False]
    assert out.loc[0, ["this_year", "previous_year", "change"]].isna().all()


def test_register_summary_a_small_last_year_suppresses_the_row():
    # MLD this year 6 but last year 4: suppressed. Value added prints cognition and learning (SPLD + MLD)
    # beside it, so the other need of that area (SPLD) goes too; SEMH can stay: SEN - SEMH gives only
    # SPLD + MLD together.
    table = register([
        ("provision", "K", 20, 18), ("provision", "E", 6, 6),
        ("primary_need", "SPLD", 15, 14), ("primary_need", "MLD", 6, 4), ("primary_need", "SEMH", 5, 6),
    ])  # fmt: skip
    out = m.suppress_register_summary(table)
    assert out["suppressed"].tolist() == [False, False, True, True, False]


def test_register_summary_hides_sen_support_beside_a_hidden_ehc_count_as_the_sen_total_is_printed_elsewhere():
    # Hillside in the demo: SEN support 12, EHC plans 4. Value added, the SEN gap and the summary print
    # SEN n = 16 on the same pack, so 16 - 12 would give the EHC plans: SEN support is hidden too. Last
    # year the same (10 and 1). The needs (SPLD 9 and SEMH 7 this year) are all 5 or more and stay.
    table = register([
        ("provision", "K", 12, 10), ("provision", "E", 4, 1), ("provision", "N", 86, 90),
        ("primary_need", "SPLD", 9, 6), ("primary_need", "SEMH", 7, 5),
    ])  # fmt: skip
    out = m.suppress_register_summary(table)
    assert out["suppressed"].tolist() == [True, True, False, False, False]


def test_register_summary_hides_a_second_need_of_an_area_whose_total_is_printed_elsewhere():
    # Riverside in the demo: SPLD 20, MLD 21 and SLD 3 are cognition and learning, 44, which value added
    # prints as a group. SLD alone hidden would be 44 - 20 - 21: SPLD (the smaller) goes too. Other areas
    # are untouched, and the provisions (K 40, E 10) too.
    table = register([
        ("provision", "K", 40, 38), ("provision", "E", 10, 9), ("provision", "N", 500, 480),
        ("primary_need", "SPLD", 20, 19), ("primary_need", "MLD", 21, 20), ("primary_need", "SLD", 3, 3),
        ("primary_need", "SLCN", 6, 5),
    ])  # fmt: skip
    out = m.suppress_register_summary(table)
    assert out["suppressed"].tolist() == [False, False, False, True, False, True, False]
    # Whatever a reader adds or takes away, SLD stays hidden: cognition 44 - MLD 21 = SPLD + SLD, 23.
