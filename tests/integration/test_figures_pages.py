"""The pages show the DOMAIN 9.9-9.13 figures of Birch School (tests/integration/figures_school.py) as
worked out by hand: the pupil record, the pupil's progress page, the SENCo's dashboard, the reference
sets page and a browser import that names its set.

Birch's KS2 baselines are summer 2023/24 and the results summer 2025/26: t = 6 of the KS2-KS4 span's
15 terms (0.4 of the way). Its quartile table (KS2-KS4): English from P4: P6 (4), P7 (5), P8 (6);
maths from P5: P6, P7, P8.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import pytest
from django.urls import reverse

from assessments.models import ReferenceSet
from pupils.models import Pupil, Role
from tests import factories as f
from tests.integration.figures_school import UPNS, build_figures_school
from tests.integration.test_report_pages_helpers import fast_passwords, sign_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

DASHBOARD = "/reports/dashboard/"
TERM = {"academic_year": "2025", "term": "summer"}


@pytest.fixture
def birch(tmp_path):
    school = build_figures_school(tmp_path)
    senco = f.MembershipFactory(school=school, role=Role.SENCO, user=f.UserFactory(username="birch-senco")).user
    manager = f.MembershipFactory(school=school, role=Role.DATA_MANAGER,
                                  user=f.UserFactory(username="birch-data")).user
    return school, senco, manager


def pupil(key: str) -> Pupil:
    return Pupil.objects.get(upn=UPNS[key])


def text(page: str) -> str:
    """The page's text with tags dropped and spaces collapsed (what a reader sees)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def figures(page: str) -> dict[str, dict]:
    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', page, flags=re.S)
    return {key: json.loads(body) for key, body in found}


# --- The pupil record --------------------------------------------------------------------------------------


def test_the_pupil_record_judges_a_p_level_pupil_by_the_quartile_rule_in_words(client, birch):
    _, senco, _ = birch
    sign_in(client, senco)
    page = text(client.get(reverse("pupils:detail", args=[pupil("A1").public_id])).content.decode())
    # English P4 (2) -> P5 (3): median_t = 2 + (5 - 2) x 0.4 = 3.2, between P5 (3) and P6 (4); 3 < 3.2: below;
    # lower quartile 2 + 2 x 0.4 = 2.8 <= 3: lower quartile to median.
    assert "3.2 points, between P5 and P6 Quartile rule: national median from P4 (P6 / P7 / P8)" in page
    assert "Below expected 0.17 levels in 6 terms Lower quartile to median" in page
    # Maths P5 (3) -> P6 (4): median_t = 3 + 2 x 0.4 = 3.8, upper 3 + 3 x 0.4 = 4.2: expected, median to UQ.
    assert "3.8 points, between P5 and P6 Quartile rule: national median from P5 (P6 / P7 / P8)" in page
    assert "Expected 0.17 levels in 6 terms Median to upper quartile" in page


def test_the_pupil_record_never_shows_a_code_that_reads_as_met(client, birch):
    _, senco, _ = birch
    sign_in(client, senco)
    page = text(client.get(reverse("pupils:detail", args=[pupil("A7").public_id])).content.decode())
    # English 3b (21) -> 4b (27), levels rule: expected 21 + 3 x 6 x 6 / 15 = 28.2, between 4b and 4a: a pupil
    # at 4b is below it, and the page says so without printing "4b" as the expected result.
    assert "28.2 points, between 4b and 4a Levels rule: 3 levels in 15 terms" in page
    assert "Below expected" in page


# --- The pupil's progress page --------------------------------------------------------------------------------


def test_the_progress_page_draws_the_quartile_lines_and_judges_by_them(client, birch):
    _, senco, _ = birch
    sign_in(client, senco)
    page = client.get(reverse("reports:pupil_dashboard", args=[pupil("A1").public_id])).content.decode()
    shown = text(page)
    assert "Judged by the quartile rule: national outcomes from P4 (KS2) are lower quartile P6, median P7, " \
           "upper quartile P8 by the end of the key stage." in shown
    # Summer 2025/26 (t = 6): median 3.2 in words; LQ 2.8 and UQ 3.6 (2 + 4 x 0.4); P5 (3) is below.
    assert "Summer 2025/26 P5 3.00 3.2 points, between P5 and P6 2.80 / 3.60 Below expected (lower quartile to " \
           "median)" in shown
    chart = figures(page)["flight-0-data"]
    names = [t.get("name") for t in chart["data"]]
    assert {"Lower quartile (national)", "Median (expected)", "Upper quartile (national)"} <= set(names)
    median = next(t for t in chart["data"] if t.get("name") == "Median (expected)")
    # One point a term from the baseline: 2 + 3 x t / 15, t = 0 .. 6, then it stays.
    assert [round(y, 6) for y in median["y"][:7]] == [round(2 + 3 * t / 15, 6) for t in range(7)]
    # Standardised reading scores as of today: latest 99 (10 Sep 2026); the latest at least 90 days before
    # (on or before 12 Jun 2026) is 86 (20 Apr 2026): 99 - 86 = 13, accelerated.
    assert "Reading 86 20/04/2026 99 10/09/2026 13 Accelerated" in shown


def test_the_progress_page_reports_no_gain_but_better_semh_where_it_applies(client, birch):
    _, senco, _ = birch
    sign_in(client, senco)
    a2 = text(client.get(reverse("reports:pupil_dashboard", args=[pupil("A2").public_id])).content.decode())
    # Maths P5 in spring and in summer 2025/26 (no gain); SDQ total 16 in spring, 14 in summer (lower is better).
    assert "A positive finding: SEMH or qualitative gains" in a2
    assert "Summer 2025/26 Maths SDQ total difficulties 16 -> 14" in a2
    a1 = text(client.get(reverse("reports:pupil_dashboard", args=[pupil("A1").public_id])).content.decode())
    assert "A positive finding" not in a1


# --- The SENCo's dashboard ---------------------------------------------------------------------------------------


def test_the_senco_dashboard_shows_the_new_figures_as_worked_by_hand(client, birch):
    _, senco, _ = birch
    sign_in(client, senco)
    page = client.get(DASHBOARD, TERM).content.decode()
    shown = text(page)
    # Quartile expectations: A1's English row as on the pupil page.
    assert "English P4 (2) P5 (3) 3.2 points, between P5 and P6 Lower quartile to median Below expected" in shown
    # Starting points with the national comparison: English from P4, 3 of 6 at least expected (50%), 1
    # exceeding (16.67%); national 40 / 10; gap 10.
    assert "English P4 6 50.00 16.67 40.00 10.00 10.00" in shown
    assert "English P5 1 0.00 0.00 – – –" in shown  # on entry: no transition, no national row
    # Standardised progress: reading A1 -4 and A2 -5, mean -4.5, effect size -4.5 / 15 = -0.30; one kept pace,
    # one fell behind. Spelling A4 +5: effect 0.33, accelerated.
    assert "Reading 2 -4.50 -0.30 0 1 1" in shown
    assert "Spelling 1 5.00 0.33 1 0 0" in shown
    # No gain but SEMH: A2.
    assert "BirchA2 Maths SDQ total difficulties 16 -> 14" in shown.replace("Test BirchA2", "BirchA2")
    # Impact per programme and measure: Reading Recovery reading A1 90 -> 100 (ratio 1.40, useful); Calm club
    # SDQ 20 -> 16, change -4; one pupil each, so no spread for an effect size.
    assert "Reading Recovery reading 1 90.00 100.00 10.00 – 1.40 useful" in shown
    assert "Calm club SDQ total difficulties 1 20.00 16.00 -4.00 – – –" in shown
    charts = figures(page)
    heat = charts["transition-0-data"]["data"][0]
    assert heat["type"] == "heatmap"
    # English, starting point P4: P4 (A3), P5 (A1, A10), P6 (A2, B1), P7 (D1).
    row = heat["y"].index("P4")
    counts = dict(zip(heat["x"], heat["text"][row], strict=True))
    assert {k: v for k, v in counts.items() if v} == {"P4": "1", "P5": "2", "P6": "2", "P7": "1"}
    # Pre-key-stage standards and engagement ratings have heat maps of their own, in steps (DOMAIN 9.14):
    # F1's English PK2 -> PK4 beside the NC one, F2's Exploration emerging -> developing alone.
    steps = {k: v["data"][0] for k, v in charts.items() if k.endswith("-steps-data")}
    assert steps["transition-0-steps-data"]["type"] == "heatmap"
    assert (steps["transition-0-steps-data"]["y"], steps["transition-0-steps-data"]["x"]) == (["PK2"], ["PK4"])
    assert [(v["y"], v["x"]) for k, v in steps.items() if k != "transition-0-steps-data"] == [(["emerging"], ["developing"])]
    assert "English: pre-key-stage standards and engagement" in shown
    assert "How this is calculated." in page and page.count("How this is calculated.") >= 14


# --- Reference sets ---------------------------------------------------------------------------------------------


def test_the_reference_sets_page_lists_sets_with_provenance_and_the_one_in_force(client, birch):
    school, senco, _ = birch
    sign_in(client, senco)
    page = text(client.get(reverse("assessments:reference_sets")).content.decode())
    assert "In force: Birch P-level quartiles ." in page  # its own set before the shipped one
    assert "In force: Birch national figures ." in page
    assert "Progression 2012 quartiles – " in page and "Shipped with sencotrack" in page
    assert "Birch P-level quartiles In force 6 " in page  # six rows
    assert "Birch test table (illustrative)" in page  # provenance: the rows' source note


def test_the_senco_chooses_the_shipped_set_and_the_reports_follow(client, birch):
    school, senco, _ = birch
    sign_in(client, senco)
    response = client.post(reverse("assessments:reference_sets"), {
        "quartile_expectations": "below_level_1", "quartile_table": "Progression 2012 quartiles", "national_table": "",
    })
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.quartile_table == "Progression 2012 quartiles"
    page = text(client.get(reverse("pupils:detail", args=[pupil("A1").public_id])).content.decode())
    # The shipped table has no P-level rows: A1's English is judged by the levels rule again,
    # 2 + 3 x 6 x 6 / 15 = 9.2 points, between 1b (9) and 1a (11).
    assert "9.2 points, between 1b and 1a Levels rule: 3 levels in 15 terms" in page


def test_a_set_that_does_not_exist_is_refused_and_nothing_changes(client, birch):
    school, senco, manager = birch
    sign_in(client, senco)
    response = client.post(reverse("assessments:reference_sets"), {
        "quartile_expectations": "all", "quartile_table": "No such set", "national_table": "",
    })
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    school.refresh_from_db()
    assert (school.quartile_table, school.quartile_expectations) == ("", "below_level_1")
    client.logout()
    sign_in(client, manager)  # a data manager sees the sets but does not choose
    assert client.get(reverse("assessments:reference_sets")).status_code == 200
    assert client.post(reverse("assessments:reference_sets"), {
        "quartile_expectations": "off", "quartile_table": "", "national_table": ""}).status_code == 403
    school.refresh_from_db()
    assert school.quartile_expectations == "below_level_1"


def test_a_browser_import_names_its_reference_set(client, birch, run_tasks_here):
    school, senco, _ = birch
    sign_in(client, senco)
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (b"transition,subject,starting_point,lower_quartile,median,upper_quartile,source_note\n"
           b"KS2-KS4,English,P4,P5,P6,P7,browser test\n")
    response = client.post(reverse("imports:upload"), {
        "kind": "quartiles", "set_name": "Official P-level quartiles 2013",
        "file": SimpleUploadedFile("q.csv", csv, content_type="text/csv"),
    })
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "Official P-level quartiles 2013" in preview
    token = response["Location"].rstrip("/").split("/")[-1]
    confirm = client.post(reverse("imports:confirm", args=[token]))
    assert confirm.status_code == 302
    made = ReferenceSet.objects.get(school=school, name="Official P-level quartiles 2013")
    assert made.quartile_rows.count() == 1 and made.imported_by == senco
