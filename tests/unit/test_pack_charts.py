"""The pack's charts: the dashboards' figures, drawn for governors and the trust from the suppressed copies only."""

from __future__ import annotations

from types import SimpleNamespace

from reports import generators, pack_content, pack_svg, pack_trust


def numbers(figure: dict) -> list:
    """Every number and label a figure would draw: x, y, z and text of every trace."""
    out = []
    for trace in figure["data"]:
        for key in ("x", "y", "text"):
            out += list(trace.get(key) or [])
        for row in trace.get("z") or []:
            out += list(row)
        out += [t for row in trace.get("text") or [] if isinstance(row, list) for t in row]
    return out


STARTING = [
    {"subject": "English", "starting_point": "2", "n": 12, "pct_expected": 58.33, "pct_more_than_expected": 8.33,
     "national_pct_expected": 50.0, "national_pct_more_than_expected": 10.0, "gap_expected": 8.33, "suppressed": False},
    {"subject": "English", "starting_point": "3", "n": None, "pct_expected": None, "pct_more_than_expected": None,
     "national_pct_expected": None, "national_pct_more_than_expected": None, "gap_expected": None, "suppressed": True},
    {"subject": "Maths", "starting_point": "W", "n": 6, "pct_expected": 50.0, "pct_more_than_expected": 0.0,
     "national_pct_expected": None, "national_pct_more_than_expected": None, "gap_expected": None, "suppressed": False},
]


def test_starting_points_have_the_dashboards_chart_per_subject_without_a_suppressed_row():
    section = pack_content.starting_points_section(STARTING, governor=True)
    english, maths = section.tables
    assert english.figure["layout"]["title"]["text"] == "English: at least expected progress, ours and national"
    bars = english.figure["data"]
    # Horizontal bars, a line per starting point; "3" is suppressed: not drawn
    assert bars[0]["y"] == ["English from 2"] and bars[0]["x"] == [58.33]
    assert bars[1]["name"] == "National" and bars[1]["x"] == [50.0]
    assert maths.figure["data"][0]["y"] == ["Maths from W"]
    assert english.layout == "side" and not english.wide


def cell(start, end, n, on=True, hidden=False):
    return {"subject": "English", "baseline_result": start, "current_result": end, "n": None if hidden else n,
            "on_or_above": None if hidden else on, "suppressed": hidden}


def test_a_governors_heat_map_holds_only_the_cells_shown():
    rows = [cell("2", "3", 7), cell("2", "4", 3, hidden=True), cell("3", "4", 9), cell("3", "3", 2, hidden=True),
            cell("P5", "P6", 6, on=None)]  # a pre-key-stage cell: in the table, not on the (NC) heat map
    section = pack_content.matrix_section(rows, governor=True)
    (table,) = section.tables
    figure = table.figure
    assert figure["data"][0]["type"] == "heatmap"
    assert figure["layout"]["title"]["text"] == "English: from each starting point to this term's result"
    drawn = numbers(figure)
    assert 7 in drawn and 9 in drawn and "7" in drawn
    assert 3 not in drawn and 2 not in drawn and "suppressed" not in drawn and "P5" not in drawn
    assert any("s" in row for row in table.rows)  # the table still says which cells are suppressed
    assert "suppressed cells left blank" in section.reading


def test_the_senco_heat_map_of_a_wide_matrix_goes_above_its_table_and_keeps_it_whole():
    ladder = ["1c", "1b", "1a", "2c", "2b", "2a", "3c", "3b", "3a", "4c", "4b", "4a", "5c", "5b", "5a", "6c", "6b",
              "6a", "7c", "7b", "7a", "8c"]
    rows = [cell(start, end, 1) for start in ladder[:5] for end in ladder]
    (table,) = pack_content.matrix_section(rows).tables
    assert table.wide and table.keep_whole and table.chart_width > 640
    assert 0 < float(table.chart_mm) <= pack_content.MAX_CHART_MM[0]


def test_semh_measures_have_the_effect_size_chart_of_the_programmes_shown():
    programmes = [
        {"programme": "Social skills", "measure": "SDQ total difficulties", "kind": "sdq", "n": 16, "mean_pre": 20.5,
         "mean_post": 19.0, "mean_change": -1.5, "effect_size": 0.25, "suppressed": False},
        {"programme": "Nurture", "measure": "Boxall", "kind": "boxall", "n": None, "mean_pre": None, "mean_post": None,
         "mean_change": None, "effect_size": None, "suppressed": True},
        {"programme": "Phonics", "measure": "reading", "kind": "reading", "n": 30, "effect_size": 0.4,
         "suppressed": False},
    ]
    (table,) = pack_content.semh_section(20, programmes, governor=True).tables
    assert table.figure["layout"]["title"]["text"] == "SEMH and qualitative measures: effect size"
    assert table.figure["data"][0]["y"] == ["Social skills: SDQ total difficulties"]  # neither suppressed nor reading
    assert pack_content.semh_section(None, programmes[1:], governor=True).tables[0].figure is None


def test_the_plain_drawing_draws_a_heat_map_when_kaleido_cannot():
    rows = [cell("2", "3", 7), cell("3", "4", 12)]
    (table,) = pack_content.matrix_section(rows).tables
    drawing = pack_svg.svg(table.figure, width=640)
    assert drawing.startswith("<svg") and "from each starting point" in drawing
    assert ">7</text>" in drawing and ">12</text>" in drawing


def report(kind, rows):
    import pandas as pd

    return generators.Report(kind=kind, frame=pd.DataFrame(rows))


def va(subject, group, value, hidden=False):
    return {"subject": subject, "group": group, "n": None if hidden else 20, "va": None if hidden else value,
            "ci_low": None if hidden else value - 1, "ci_high": None if hidden else value + 1, "index": None,
            "significance": None if hidden else "in line", "suppressed": hidden}


def test_the_trust_charts_put_schools_side_by_side_from_their_suppressed_copies():
    oak, elm = SimpleNamespace(name="Oak Academy"), SimpleNamespace(name="Elm School")
    per_school = [
        (oak, [report("value-added", [va("English", "sen", -1.25), va("English", "ehcp", -3.5, hidden=True)])],
         {"programmes": [{"programme": "Phonics", "measure": "reading", "age_equivalent": True,
                          "mean_ratio_gain": 2.1, "suppressed": False}]}),
        (elm, [report("value-added", [va("English", "sen", 0.5), va("English", "ehcp", 1.75)])],
         {"programmes": [{"programme": "Phonics", "measure": "reading", "age_equivalent": True,
                          "mean_ratio_gain": None, "suppressed": True}]}),
    ]
    figure = pack_trust.value_added_chart(per_school, "English")
    labels = [y for trace in figure["data"] for y in trace["y"]]
    assert labels == ["English: SEN (K or E), Oak Academy", "English: SEN (K or E), Elm School",
                      "English: EHC plan (E), Elm School"]
    assert -3.5 not in numbers(figure)  # Oak's EHC plan group is suppressed
    ratio = pack_trust.programmes_chart(per_school)
    assert [y for trace in ratio["data"] for y in trace["y"]] == ["Phonics (Oak Academy)"]
