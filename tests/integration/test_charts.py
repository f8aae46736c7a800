"""Chart figures (reports/charts.py) carry exactly the figures the metrics compute, accessibly."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest

from interventions.models import InterventionSession
from reports import charts, dashboards, generators, pupil_dashboard
from reports.datasets import points_scheme
from reports.pupil_history import pupil_history
from tests.integration.report_school import build_report_school

pytestmark = pytest.mark.django_db

# Okabe-Ito's palette (some colours darkened for contrast, see reports/charts.py), and its sky blue as a shade.
OKABE_ITO = {charts.BLACK, charts.ORANGE, charts.SKY_BLUE, charts.GREEN, charts.YELLOW, charts.BLUE, charts.VERMILLION,
             charts.PURPLE, charts.GREY, charts.SHADE}


def report(kind, school, governor=False):
    ctx = generators.context_for(school=school, academic_year=2025, term="summer", governor=governor)
    return generators.build(kind, ctx).records()


def colours(figure):
    for trace in figure["data"]:
        for part in ("marker", "line"):
            colour = (trace.get(part) or {}).get("color")
            if isinstance(colour, list):
                yield from colour
            elif colour:
                yield colour


def contrast(colour: str, background: str = "#ffffff", opacity: float = 1.0) -> float:
    """WCAG contrast ratio of ``colour`` (drawn at ``opacity`` over the background) with the background."""

    def rgb(value):
        return [int(value.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]

    if colour.startswith("rgba("):  # "rgba(r, g, b, a)": the alpha is an opacity
        *channels, alpha = (float(part) for part in colour[5:-1].split(","))
        colour, opacity = "#" + "".join(f"{round(c):02x}" for c in channels), opacity * alpha
    bg = rgb(background)
    fg = [opacity * c + (1 - opacity) * b for c, b in zip(rgb(colour), bg)]

    def luminance(channels):
        linear = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_worked_out_as_wcag_says():
    assert round(contrast("#6c757d", "#f5f7fa"), 2) == 4.37  # Bootstrap's secondary on the page (issue 16)
    assert round(contrast("#000000"), 1) == 21.0 and contrast("#ffffff") == 1.0
    assert round(contrast("#E69F00"), 2) == 2.25  # Okabe-Ito's own orange: too light on white


def assert_contrasting(figure):
    """Lines, markers and bars at least 3:1 on the white plot, text at least 4.5:1 (WCAG 1.4.11, 1.4.3)."""
    layout = figure["layout"]
    assert layout["plot_bgcolor"] == layout["paper_bgcolor"] == "#ffffff"
    assert contrast(layout["font"]["color"]) >= 4.5
    for axis in ("xaxis", "yaxis"):
        if layout[axis].get("visible", True):
            assert contrast(layout[axis]["linecolor"]) >= 3
    for trace in figure["data"]:
        marker = trace.get("marker") or {}
        opacity = marker.get("opacity", 1) * trace.get("opacity", 1)
        edge = (marker.get("line") or {}).get("color")
        outlined = edge and edge != "#ffffff" and contrast(edge, opacity=opacity) >= 3  # a shape told by its edge
        fills = marker.get("color") if isinstance(marker.get("color"), list) else [marker.get("color")]
        for colour in [*([] if outlined else fills), (trace.get("line") or {}).get("color"),
                       (trace.get("error_x") or {}).get("color")]:
            if colour:
                assert contrast(colour, opacity=opacity) >= 3, (trace.get("name"), colour)
        for font in ("textfont", "outsidetextfont"):
            if (trace.get(font) or {}).get("color"):
                assert contrast(trace[font]["color"]) >= 4.5, (trace.get("name"), font)
        if trace.get("type") == "bar" and trace.get("text"):  # a label inside a bar is read on the bar
            inside = (trace.get("insidetextfont") or {}).get("color")
            assert trace.get("textposition") == "outside" or inside, trace.get("name")
            if trace.get("textposition") != "outside":
                assert contrast(inside, marker["color"]) >= 4.5, (trace.get("name"), inside, marker["color"])
    for note in layout.get("annotations", []):
        if (note.get("font") or {}).get("color"):
            assert contrast(note["font"]["color"]) >= 4.5, note["text"]


def assert_accessible(figure):
    layout = figure["layout"]
    assert layout["title"]["text"]
    assert "title" in layout["xaxis"] and "text" in layout["xaxis"]["title"]
    assert set(colours(figure)) <= OKABE_ITO
    assert_contrasting(figure)
    json.dumps(figure)  # plain JSON, ready for json_script
    assert "<script" not in json.dumps(figure)


def test_the_value_added_chart_plots_each_groups_va_and_its_interval():
    school, _ = build_report_school()
    rows = report("value-added", school)
    figure = charts.value_added(rows)
    assert_accessible(figure)
    plotted = {}
    for trace in figure["data"]:
        for i, label in enumerate(trace["y"]):
            whiskers = trace["error_x"]
            plotted[label] = (trace["x"][i], whiskers["array"][i], whiskers["arrayminus"][i], trace["name"])
    # Maths, SEN support (M3, M5): VA 3.00, interval -1.38 to 7.38, so whiskers of 4.38 either side; in line
    x, plus, minus, name = plotted["Maths: SEN support (K)"]
    assert (x, round(plus, 2), round(minus, 2), name) == (3.0, 4.38, 4.38, "In line")
    # Every row of the report is a point at its VA
    for row in rows:
        label = f"{row['subject']}: {charts.GROUP_LABELS[row['group']]}"
        assert plotted[label][0] == row["va"]
    hover = " ".join(t for trace in figure["data"] for t in trace["hovertext"])
    assert "in line" in hover and "95% interval" in hover


def test_a_governors_value_added_chart_draws_suppressed_groups_as_a_word_not_a_number():
    school, _ = build_report_school()
    rows = report("value-added", school, governor=True)
    figure = charts.value_added(rows)
    text_trace = next(t for t in figure["data"] if t.get("mode") == "text")
    assert "Maths: SEN support (K)" in text_trace["y"] and set(text_trace["text"]) == {"suppressed"}
    markers = [label for t in figure["data"] if t.get("mode") == "markers" for label in t["y"]]
    assert "Maths: SEN support (K)" not in markers  # 2 pupils
    assert "Maths: All pupils" in markers  # 5 pupils
    assert "3.00" not in json.dumps(figure) and "3.0," not in json.dumps(figure)


def test_the_cohort_progress_chart_has_a_marker_per_position_coloured_and_shaped_by_status():
    school, pupils = build_report_school()
    rows = report("expected-progress", school)
    names = {p.upn: p.full_name for p in pupils.values()}
    figure = charts.cohort_progress(rows, names)
    assert_accessible(figure)
    by_name = {t["name"].split(" (")[0]: t for t in figure["data"] if t.get("mode") == "markers"}
    # English: A below, B expected, C exceeding, D below; maths from 4b: only M5 (gain 8) expected.
    # The legend counts results (6 below); A (English) and M2 (maths), both 4b (27) to 5c (31), share a marker.
    assert [t["name"] for t in figure["data"] if t.get("mode") == "markers"] == [
        "Below expected (6)", "Expected (2)", "Exceeding (1)"]
    assert {k: len(v["x"]) for k, v in by_name.items()} == {"Below expected": 5, "Expected": 2, "Exceeding": 1}
    exceeding = by_name["Exceeding"]
    assert (exceeding["x"], exceeding["y"]) == ([19.0], [31.0])  # C: 3c (19) to 5c (31)
    assert exceeding["marker"]["color"] == charts.GREEN and exceeding["marker"]["symbol"] == "triangle-up"
    assert exceeding["marker"]["size"] == [10]
    assert "Test C" in exceeding["hovertext"][0] and "Status: exceeding" in exceeding["hovertext"][0]
    below = by_name["Below expected"]
    shared = list(zip(below["x"], below["y"])).index((27.0, 31.0))
    assert below["marker"]["size"][shared] == 14.1  # 10 x sqrt(2)
    assert below["hovertext"][shared] == (
        "2 results: 4b to 5c<br>27.00 to 31.00 points (expected 34.20)<br>Status: below expected<br>"
        "English 1, Maths 1<br>Test A, Test M2"
    )
    anonymous = charts.cohort_progress(rows)
    assert "Test C" not in json.dumps(anonymous) and "Test M2" not in json.dumps(anonymous)


def test_a_cohort_marker_names_a_few_pupils_then_says_how_many_more():
    rows = [{"upn": f"U{i}", "subject": "Maths", "baseline_result": "4b", "baseline_points": 27.0,
             "current_result": "4b", "current_points": 27.0, "expected_points": 34.2, "status": "below"}
            for i in range(9)]
    names = {f"U{i}": f"Pupil <{i}>" for i in range(9)}
    figure = charts.cohort_progress(rows, names)
    [marker] = [t for t in figure["data"] if t.get("mode") == "markers"]
    assert marker["marker"]["size"] == [30.0]  # 10 x sqrt(9)
    shown = ", ".join(f"Pupil &lt;{i}&gt;" for i in range(6))  # names escaped: Plotly reads hover text as HTML
    assert marker["hovertext"][0].endswith(f"<br>{shown} and 3 more")


def test_the_ratio_gain_chart_plots_the_mean_per_programme_with_its_band():
    school, _ = build_report_school()
    rows = report("intervention-impact", school)
    figure = charts.ratio_gain_by_programme(rows)
    assert_accessible(figure)
    bar = figure["data"][0]
    # One pupil: (102 - 90) / (189 / 30.4375) = 1.93, useful
    assert (bar["y"], bar["x"]) == (["Paired reading"], [1.93])
    assert "useful" in bar["hovertext"][0]
    cuts = sorted(s["x0"] for s in figure["layout"]["shapes"])
    assert cuts == [1.4, 2.0, 3.0]


def test_the_cost_chart_divides_the_cost_to_date_by_the_months_gained():
    school, pupils = build_report_school()
    intervention = pupils["A"].enrolments.get().intervention
    for day in range(10):
        InterventionSession.objects.create(intervention=intervention,
                                           date=dt.date(2024, 9, 10) + dt.timedelta(days=day))
    costs = dashboards.costs_frame(school, academic_year=2025, term="summer")
    figure = charts.cost_per_month(dashboards._records(costs))
    assert_accessible(figure)
    # 10 sessions x £12 = £120; A gained 102 - 90 = 12 months: £10.00 a month
    assert figure["data"][0]["x"] == [10.0] and figure["data"][0]["text"] == ["£10.00"]


def test_the_flight_path_follows_the_expected_line_from_the_baseline():
    school, pupils = build_report_school()
    series = pupil_history(pupils["A"])
    [english] = pupil_dashboard.flight_paths(series, points_scheme(school), school.ks2_span, today=dt.date(2026, 11, 23))
    figure = charts.flight_path(english)
    assert_accessible(figure)
    traces = {t["name"]: t for t in figure["data"]}
    # Baseline 4b (27) at the end of summer 2023/24; 3 levels in 15 terms is 1.2 points a term
    expected = traces["Expected progress"]
    assert expected["x"][0] == "2024-08-31" and expected["x"][-1] == "2026-08-31"
    assert [round(y, 2) for y in expected["y"]] == [27.0, 28.2, 29.4, 30.6, 31.8, 33.0, 34.2]
    assert round(traces["Exceeding (one level more)"]["y"][-1], 2) == 36.6  # 27 + 4 x 6 x 6 / 15
    actual = traces["Teacher assessment"]
    assert actual["y"] == [31.0] and "Status: below" in actual["hovertext"][0]
    assert traces["Baseline (4b)"]["y"] == [27.0]
    spans = figure["layout"]["shapes"]
    assert [(s["x0"], s["x1"]) for s in spans] == [("2024-09-09", "2025-03-14")]
    assert "Intervention (shaded)" in traces


def test_comments_are_markers_at_their_level_and_escaped():
    from interventions.models import Comment

    school, pupils = build_report_school()
    a = pupils["A"]
    english = a.baselines.get().subject
    Comment.objects.create(pupil=a, observed_on=dt.date(2025, 11, 3), objective="Infer <b>meaning</b>",
                           activity="Guided reading",
                           outcome="Did it", level="5b", subject=english)
    series = pupil_history(a)
    [path] = pupil_dashboard.flight_paths(series, points_scheme(school), school.ks2_span, today=dt.date(2026, 11, 23))
    figure = charts.flight_path(path)
    comment = next(t for t in figure["data"] if t["name"] == "Comment")
    assert comment["y"] == [33.0]  # 5b
    assert "&lt;b&gt;meaning&lt;/b&gt;" in comment["hovertext"][0]


def test_the_sen_gap_chart_leaves_a_gap_where_a_group_is_suppressed():
    rows = [
        {"term_label": "Spring 2025/26", "sen_n": 5, "sen_pct": 40.0, "no_sen_n": 5, "no_sen_pct": 80.0, "gap": -40.0},
        {"term_label": "Summer 2025/26", "sen_n": "fewer than 5", "sen_pct": None, "no_sen_n": 6, "no_sen_pct": 50.0,
         "gap": None},
    ]
    figure = charts.sen_gap(rows)
    assert_accessible(figure)
    sen = next(t for t in figure["data"] if t["name"] == "SEN (K or E)")
    assert sen["y"] == [40.0, None] and "suppressed" in sen["hovertext"][1]
    assert any("suppressed" in a["text"] for a in figure["layout"]["annotations"])


def test_the_register_reading_and_semh_charts_are_at_3_to_1_or_better():
    rows = [{"dimension": "provision", "code": "K", "previous_year": 12, "this_year": 14},
            {"dimension": "provision", "code": "E", "previous_year": None, "this_year": 6}]
    register = charts.register_by_provision(rows)
    assert_accessible(register)
    earlier = next(t for t in register["data"] if t["name"] == "A year earlier")
    assert earlier["marker"]["pattern"]["shape"] == "/"  # told apart by more than shade
    assert earlier["text"] == ["12", "suppressed"]
    day = dt.date(2025, 3, 10)
    tests = [SimpleNamespace(day=day, measure=m, months=100, chronological_months=110, test_name="NGRT")
             for m in ("reading", "spelling")]
    assert_accessible(charts.reading_ages(tests))
    points = [SimpleNamespace(day=day, measure=m, value=12, higher_is_better=m != "SDQ total", band="")
              for m in ("SDQ total", "Boxall I", "Boxall II", "Boxall III")]
    assert_contrasting(charts.semh_profile(points))
    assert_contrasting(charts.empty_figure("Nothing yet", "No data"))


def test_empty_data_gives_a_figure_that_says_why():
    figure = charts.value_added([])
    assert figure["data"] == [] and "No value added" in figure["layout"]["annotations"][0]["text"]


def test_a_heat_map_orders_codes_up_their_own_ladders():
    from reports.charts_figures import _up_the_ladder

    codes = ["established", "not yet", "PK3", "3b", "developing", "PK1", "P4", "emerging"]
    assert sorted(codes, key=_up_the_ladder) == ["P4", "3b", "PK1", "PK3", "not yet", "emerging", "developing",
                                                  "established"]
