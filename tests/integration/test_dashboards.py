"""Dashboards: the SENCo's, a teacher's (own pupils only), a pupil's, and the governors' (aggregates only)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import ReadingTest
from pupils.models import Pupil, Provision, Role
from reports import dashboards, progress_table, services
from reports.models import ReportKind, ReportRun
from sencotrack import versions
from tests import factories as f
from tests.integration.test_report_pages_helpers import (  # noqa: F401 - fixtures
    PARAMS,
    TERM_QUERY,
    add_pupils_with_results,
    eager,
    fast_passwords,
    report_school,
    sign_in,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "/reports/dashboard/"
GOVERNORS = "/reports/governors/"


def figures(html: str) -> dict[str, dict]:
    """Every json_script figure on a page, by element id."""
    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, flags=re.S)
    return {key: json.loads(body) for key, body in found}


def count_queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data).status_code == 200
    return len(queries.captured_queries)


# --- The SENCo's dashboard ---------------------------------------------------------------------------


def test_the_senco_dashboard_shows_every_chart_with_a_table_and_a_note(client, report_school):
    sign_in(client, report_school.senco)
    response = client.get(DASHBOARD, TERM_QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("cohort-progress", "expected-progress", "starting-points", "value-added", "ratio-gain",
                "intervention-impact", "costs"):
        assert f'data-testid="block-{key}"' in page, key
    charts = figures(page)
    assert set(charts) == {"cohort-progress-data", "value-added-data", "ratio-gain-data", "costs-data",
                           "quartile-expectations-data", "starting-points-data", "transition-0-data",
                           "transition-1-data", "standardised-progress-data", "impact-measures-data"}
    assert page.count("How this is calculated.") == 14
    assert "vendor/plotly/plotly-sencotrack.min.js" in page and "js/charts.js" in page
    assert "cdn" not in page.lower()
    # Names are links to each pupil's dashboard
    a = report_school.report_pupils["A"]
    assert f'href="{reverse("reports:pupil_dashboard", args=[a.public_id])}">Test A</a>' in page
    # Maths value added for all pupils, from the hand calculation: 0.00, -2.77 to 2.77, in line
    assert "-2.77 to 2.77" in page
    # Paired reading: one pupil, ratio gain (102 - 90) / (189 / 30.4375) = 1.93, useful
    assert "1.93" in page and "useful" in page


def test_without_a_stored_run_the_dashboard_says_its_figures_were_worked_out_now(client, report_school):
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert "worked out when you opened the page" in page
    assert "Refresh: build a termly pack for Summer 2025/26" in page


def test_the_dashboard_prefers_the_stored_run_of_the_term(client, report_school):
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    services.report_run_execute(run.pk)
    # Change the stored figure: the page must show what was stored, not recompute it
    run.refresh_from_db()
    run.result["rows"][0]["va"] = 9.87
    run.save(update_fields=["result"])
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert "9.87" in page
    assert "Value added: from the report run finished" in page
    assert reverse("reports:run", args=[run.public_id]) in page


def block_html(page: str, key: str) -> str:
    """One dashboard block's section, as drawn."""
    start = page.index(f'data-testid="block-{key}"')
    return page[start:page.index("</section>", start)]


def test_the_programme_tables_are_read_from_the_stored_pack_and_match_the_live_ones(
    client, report_school, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    live = {key: block_html(page, key) for key in ("impact-measures", "costs")}
    assert "Paired reading" in live["impact-measures"] and "Paired reading" in live["costs"]
    pack = ReportRun.objects.create(school=report_school.school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    services.report_run_execute(pack.pk)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert {key: block_html(page, key) for key in live} == live
    # The page draws what the pack stored rather than working it out again
    pack.refresh_from_db()
    pack.result["pack"]["programmes"][0]["effect_size"] = 9.87
    pack.result["pack"]["costs"][0]["sessions_delivered"] = 987
    pack.save(update_fields=["result"])
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert "9.87" in block_html(page, "impact-measures") and "987" in block_html(page, "costs")
    # A pack stored before it kept its costs: the costs are worked out when the page opens
    del pack.result["pack"]["costs"]
    pack.save(update_fields=["result"])
    assert block_html(client.get(DASHBOARD, TERM_QUERY).content.decode(), "costs") == live["costs"]


def body_rows(html: str) -> int:
    return html.count("<tr>") - 1  # less the header row


def test_a_long_list_of_pupils_shows_its_first_rows_and_links_to_a_page_with_every_row(
    client, report_school, monkeypatch
):
    monkeypatch.setattr(dashboards, "LIST_ROWS", 1)
    for pupil, (before, after) in zip(add_pupils_with_results(report_school.school, 3), [(90, 84), (95, 97), (88, 99)],
                                      strict=True):  # standardised-score progress for three more pupils
        for day, score in ((dt.date(2025, 9, 15), before), (dt.date(2026, 5, 15), after)):
            ReadingTest.objects.create(pupil=pupil, measure="reading", test_name="NGRT", tested_on=day,
                                       age_equivalent_months=120, standardised_score=score)
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    # The one who fell behind (90 -> 84) comes first
    first = block_html(page, "standardised-pupils")
    assert "Extra000" in first and "Extra002" not in first
    cut = 0
    for key in dashboards.LISTS:
        url = reverse("reports:dashboard_list", args=[key])
        response = client.get(url, TERM_QUERY)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"]
        full, shown = block_html(response.content.decode(), key), block_html(page, key)
        if body_rows(full) > 1:
            cut += 1
            assert body_rows(shown) == 1
            assert f'data-testid="more-{key}"' in shown
            assert f"The first 1 of {body_rows(full)} rows." in shown
            assert f'href="{url}?academic_year=2025&amp;term=summer"' in shown
        else:
            assert "data-testid=\"more-" not in shown and body_rows(shown) == body_rows(full)
    assert cut, "the school has no list of more than one pupil"
    assert client.get(reverse("reports:dashboard_list", args=["value-added"])).status_code == 404


def test_a_teachers_list_of_pupils_holds_only_their_pupils(client, report_school):
    b = report_school.report_pupils["B"]
    sign_in(client, report_school.teacher)
    for key in dashboards.LISTS:
        page = client.get(reverse("reports:dashboard_list", args=[key]), TERM_QUERY).content.decode()
        assert b.upn not in page and "Test B" not in page


def test_the_refresh_button_queues_a_termly_pack_that_the_dashboard_then_reads(
    client, report_school, eager, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, report_school.senco)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:list"),
                               {"kind": "termly-pack", "academic_year": "2025", "term": "summer"})
    pack = ReportRun.objects.get()
    assert response["Location"] == reverse("reports:run", args=[pack.public_id])
    assert pack.kind == ReportKind.TERMLY_PACK and pack.status == "done"
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert "from the termly pack finished" in page and "worked out when you opened the page" not in page


def test_the_dashboard_opens_on_the_latest_assessed_term(client, report_school):
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD).content.decode()
    assert "Summer 2025/26" in page


def cold_and_warm(client, school, url, data=None) -> tuple[int, int]:
    """Queries of the page on a cold cache (new data versions everywhere), then again on the warm one."""
    versions.bump([school.pk])
    return count_queries(client, url, data), count_queries(client, url, data)


@pytest.mark.parametrize("query", [TERM_QUERY, None], ids=["term-asked-for", "default-term"])
def test_the_senco_dashboard_runs_the_same_queries_however_many_pupils_cold_and_warm(client, report_school, query):
    school = report_school.school
    sign_in(client, report_school.senco)
    client.get(DASHBOARD, query)  # per-process caches (content types, templates) are not the page's
    cold, warm = cold_and_warm(client, school, DASHBOARD, query)
    add_pupils_with_results(school, 25)
    assert cold_and_warm(client, school, DASHBOARD, query) == (cold, warm)
    # Warm: at most the session, the user and the membership (the stored runs are read only to build it).
    assert warm <= 4
    assert cold <= 40


def test_the_dashboard_reading_stored_runs_runs_few_queries(
    client, report_school, settings, tmp_path, django_assert_max_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    pack = ReportRun.objects.create(school=report_school.school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    services.report_run_execute(pack.pk)
    sign_in(client, report_school.senco)
    client.get(DASHBOARD, TERM_QUERY)
    # session, user, membership, default term (2), stored runs (2), names, costs (about 6)
    with django_assert_max_num_queries(16):
        client.get(DASHBOARD, TERM_QUERY)


# --- Teachers ---------------------------------------------------------------------------------------------


def test_a_teachers_dashboard_shows_only_pupils_in_their_groups(client, report_school):
    a, b = report_school.report_pupils["A"], report_school.report_pupils["B"]
    sign_in(client, report_school.teacher)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert a.upn in page and "Test A" in page
    assert b.upn not in page and "Test B" not in page
    assert "My pupils&#x27; progress" in page or "My pupils' progress" in page
    charts = figures(page)
    assert "value-added-data" not in charts and "costs-data" not in charts  # whole-school figures are the SENCo's
    cohort = charts["cohort-progress-data"]
    plotted = sum(len(t["x"]) for t in cohort["data"] if t.get("mode") == "markers")
    assert plotted == 1  # A's English result only
    assert "Refresh" not in page  # teachers do not request runs


def test_a_teacher_sees_their_own_pupils_dashboard_and_gets_404_for_anyone_elses(client, report_school):
    a, b = report_school.report_pupils["A"], report_school.report_pupils["B"]
    sign_in(client, report_school.teacher)
    assert client.get(reverse("reports:pupil_dashboard", args=[a.public_id])).status_code == 200
    assert client.get(reverse("reports:pupil_dashboard", args=[b.public_id])).status_code == 404
    assert client.get(reverse("reports:pupil_dashboard", args=[report_school.other_pupil.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["ta", "governor", "data_manager"])
def test_tas_governors_and_data_managers_get_no_named_dashboards(client, report_school, who):
    a = report_school.report_pupils["A"]
    sign_in(client, getattr(report_school, who))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("reports:pupil_dashboard", args=[a.public_id])).status_code == 403


def test_another_schools_senco_gets_404_for_a_pupil_dashboard(client, report_school):
    sign_in(client, report_school.outsider)
    a = report_school.report_pupils["A"]
    assert client.get(reverse("reports:pupil_dashboard", args=[a.public_id])).status_code == 404


# --- A pupil's dashboard ------------------------------------------------------------------------------------


def test_a_pupils_dashboard_has_flight_paths_reading_age_and_semh(client, report_school):
    a = report_school.report_pupils["A"]
    from assessments.models import SemhChecklist

    SemhChecklist.objects.create(pupil=a, instrument="sdq", completed_on=dt.date(2025, 1, 20), total=18,
                                 academic_year=2024, term="spring")
    SemhChecklist.objects.create(pupil=a, instrument="sdq", completed_on=dt.date(2025, 6, 20), total=14,
                                 academic_year=2024, term="summer")
    sign_in(client, report_school.senco)
    page = client.get(reverse("reports:pupil_dashboard", args=[a.public_id])).content.decode()
    charts = figures(page)
    assert set(charts) == {"flight-0-data", "standardised-progress-data", "reading-age-data", "semh-data"}
    # English: baseline 4b (27) in summer 2023/24; KS2-KS4 is 3 levels in 15 terms, so 1.2 points a term;
    # by summer 2025/26 (t = 6) the expected line is at 27 + 7.2 = 34.2, level 5b (33; 5a is 35)
    assert "34.2 points, between 5b and 5a" in page  # never "5b" alone: 5b (33) has not met 34.2
    assert "Paired reading" in page  # the intervention span
    assert "7y 6m" in page and "8y 6m" in page  # 90 and 102 months
    assert "high" in page and "slightly raised" in page  # SDQ 18 and 14
    assert reverse("reports:case_study", args=[a.public_id]) in page


def test_the_pupil_dashboard_runs_the_same_queries_however_long_the_history(client, report_school):
    a = report_school.report_pupils["A"]
    sign_in(client, report_school.senco)
    url = reverse("reports:pupil_dashboard", args=[a.public_id])
    client.get(url)
    before = cold_and_warm(client, a.school, url)
    english = a.assessments.first().subject
    for year in (2023, 2024):
        for term in ("autumn", "spring"):
            f.AssessmentFactory(pupil=a, subject=english, academic_year=year, term=term, result="4a")
    for i in range(5):
        f.AssessmentFactory(pupil=a, subject=f.SubjectFactory(code=f"s{i}", name=f"Subject {i}"), academic_year=2025,
                            term="summer", result="3c")
    assert cold_and_warm(client, a.school, url) == before


# --- Governors ----------------------------------------------------------------------------------------------

SEN_SPRING = {"S1": "5b", "S2": "5c", "S3": "5c", "S4": "5a", "S5": "4a"}  # 33, 31, 31, 35, 29
SEN_SUMMER = {"S1": "4a", "S2": "4a", "S3": "5c", "S4": "5c", "S5": "5a"}  # 29, 29, 31, 31, 35
NO_SEN_SPRING = {"N1": "5b", "N2": "5b", "N3": "5a", "N4": "5c", "N5": "5a"}  # 33, 33, 35, 31, 35
NO_SEN_SUMMER = {"N1": "5c", "N2": "5b", "N3": "5b", "N4": "5a", "N5": "5a"}  # 31, 33, 33, 35, 35


@pytest.fixture
def small_sen_school(db, settings):
    """A school whose SEN group is 4 in summer 2025/26 (5 in spring), every pupil with a name to look for.

    Maths only, every baseline KS2 4b (27 points) in summer 2023/24. S5 is on SEN support until 31 March
    2026: SEN in spring, not in summer.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    school = f.SchoolFactory(code="ash", name="Ash Primary")
    governor = f.UserFactory(username="gina", first_name="Gina", last_name="Governor")
    f.MembershipFactory(user=governor, school=school, role=Role.GOVERNOR)
    senco = f.UserFactory(username="sam", first_name="Sam", last_name="Senco")
    f.MembershipFactory(user=senco, school=school, role=Role.SENCO)
    maths = f.SubjectFactory(code="maths", name="Maths")
    for key in [*SEN_SPRING, *NO_SEN_SPRING]:
        pupil = f.PupilFactory(school=school, forename=f"Quilliam{key}", surname=f"Zorblax{key}")
        f.BaselineFactory(pupil=pupil, subject=maths, key_stage="KS2", result="4b", academic_year=2023, term="summer")
        spring = SEN_SPRING.get(key) or NO_SEN_SPRING[key]
        summer = SEN_SUMMER.get(key) or NO_SEN_SUMMER[key]
        f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2025, term="spring", result=spring)
        f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2025, term="summer", result=summer)
        if key.startswith("S"):
            f.RegisterEntryFactory(pupil=pupil, provision=Provision.SEN_SUPPORT, start_date=dt.date(2024, 9, 2),
                                   end_date=dt.date(2026, 3, 31) if key == "S5" else None)
    return school, governor, senco


def test_the_governor_dashboard_names_no_pupil_in_its_html_or_its_chart_json(client, small_sen_school):
    school, governor, _ = small_sen_school
    sign_in(client, governor)
    response = client.get(GOVERNORS, TERM_QUERY)
    assert response.status_code == 200
    page = response.content.decode()
    chart_json = json.dumps(figures(page))
    pupils = list(Pupil.objects.filter(school=school).values_list("forename", "surname", "upn"))
    assert len(pupils) == 10
    for forename, surname, upn in pupils:
        for text in (forename, surname, f"{forename} {surname}", upn):
            assert text not in page, text
            assert text not in chart_json, text
    assert "/reports/dashboard/pupils/" not in page


def test_the_governor_dashboard_shows_a_group_of_four_as_suppressed_never_as_a_number(client, small_sen_school):
    _, governor, _ = small_sen_school
    sign_in(client, governor)
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    # Summer: 10 pupils, all from 4b (27), outcomes 29 29 31 31 (SEN) and 31 33 33 35 35 35: mean 32.2.
    # SEN (4 pupils): VA 30 - 32.2 = -2.2, suppressed. No SEN (6): 202/6 - 32.2 = 1.47;
    # s = sqrt(49.6 / 9) = 2.3476, so 1.47 +/- 1.96 x 2.3476 / sqrt(6) = -0.41 to 3.35.
    va_rows = re.findall(r"<tr><td[^>]*>Maths</td><td[^>]*>([^<]+)</td>(.*?)</tr>", page, flags=re.S)
    by_group = {label: body for label, body in va_rows}
    # Suppressed groups are counted in the table's caption, not listed as rows that say only "suppressed".
    assert "SEN (K or E)" not in by_group and "SEN support (K)" not in by_group
    assert "groups with fewer than 5 pupils, or hidden with them, are not listed" in page
    assert "-2.20" not in page and "-2.2" not in page
    # Shown beside all 10 (VA 0), No SEN's 6 x 1.47 would give SEN's 4 x -2.2 away by subtraction: secondary
    # suppression (DOMAIN 9.8) hides No SEN too, as the next smallest group of the partition SEN + No SEN.
    assert "No SEN" not in by_group
    assert "1.47" not in page and "-0.41 to 3.35" not in page
    # all 10: VA 0, +/- 1.96 x 2.3476 / sqrt(10) = 1.46
    assert "-1.46 to 1.46" in by_group["All pupils"]

    charts = figures(page)
    va = charts["value-added-data"]
    hidden = [t for t in va["data"] if t.get("mode") == "text"]
    assert hidden and set(hidden[0]["text"]) == {"suppressed"}
    # The SEN pupils' area of need (SPLD: cognition and learning) is a group of 4 as well.
    assert set(hidden[0]["y"]) == {"Maths: SEN (K or E)", "Maths: SEN support (K)", "Maths: No SEN",
                                   "Maths: Cognition and learning"}
    plotted = [y for t in va["data"] if t.get("mode") == "markers" for y in t["y"]]
    assert "Maths: SEN (K or E)" not in plotted and "Maths: No SEN" not in plotted and "Maths: All pupils" in plotted


def test_the_governor_dashboard_shows_the_sen_gap_over_terms_with_small_groups_suppressed(client, small_sen_school):
    _, governor, _ = small_sen_school
    sign_in(client, governor)
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    rows = dict(re.findall(r"<tr><td[^>]*>((?:Autumn|Spring|Summer) \d{4}/\d\d)</td>(.*?)</tr>", page, flags=re.S))
    assert len(rows) == 6 and list(rows)[-1] == "Summer 2025/26"
    # Spring 2025/26: t = 5, expected gain 3 x 6 x 5 / 15 = 6, exceeding 8.
    # SEN S1-S5 gains 6, 4, 4, 8, 2: 2 of 5 at least expected = 40%; no SEN gains 6, 6, 8, 4, 8: 4 of 5 = 80%
    spring = re.findall(r">([^<]+)</td>", rows["Spring 2025/26"])
    assert spring == ["5", "40.00", "5", "80.00", "-40.00"]
    # Summer 2025/26: t = 6, expected gain 7.2. SEN is 4 pupils: suppressed, and so is the gap.
    # No SEN (N1-N5 and S5) gains 4, 6, 6, 8, 8, 8: 3 of 6 = 50%
    summer = re.findall(r">([^<]+)</td>", rows["Summer 2025/26"])
    assert summer == ["suppressed", "suppressed", "6", "50.00", "suppressed"]
    gap = figures(page)["sen-gap-data"]
    sen_line = next(t for t in gap["data"] if t["name"] == "SEN (K or E)")
    assert sen_line["y"][-2:] == [40.0, None]


def test_governors_and_the_senco_may_open_the_governor_dashboard_and_nobody_else(client, report_school):
    sign_in(client, report_school.governor)
    assert client.get(GOVERNORS).status_code == 200
    client.logout()
    sign_in(client, report_school.senco)
    assert client.get(GOVERNORS).status_code == 200
    for who in ("teacher", "ta", "data_manager"):
        client.logout()
        sign_in(client, getattr(report_school, who))
        assert client.get(GOVERNORS).status_code == 403, who


def test_the_governor_dashboard_reads_governors_packs_and_offers_a_fresh_one(
    client, report_school, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pack = ReportRun.objects.create(school=report_school.school, kind=ReportKind.TERMLY_PACK,
                                    parameters={**PARAMS, "governor": True})
    services.report_run_execute(pack.pk)
    sign_in(client, report_school.governor)
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    # The page shows the latest figures and when they were worked out, never which stored run they came from.
    assert "The latest figures, worked out" in page and "This term in brief" in page
    assert "No stored run" not in page and "from the termly pack finished" not in page
    assert 'name="kind" value="governor-pack"' in page
    for pupil in Pupil.objects.filter(school=report_school.school):
        assert pupil.upn not in page and pupil.full_name not in page


def test_the_governor_dashboard_runs_the_same_queries_however_many_pupils_cold_and_warm(client, small_sen_school):
    school, governor, _ = small_sen_school
    sign_in(client, governor)
    client.get(GOVERNORS, TERM_QUERY)
    cold, warm = cold_and_warm(client, school, GOVERNORS, TERM_QUERY)
    add_pupils_with_results(school, 20, sen=True)
    assert cold_and_warm(client, school, GOVERNORS, TERM_QUERY) == (cold, warm)
    assert warm <= 3  # session, user, membership


# --- The cached dashboard is never stale, and never another person's ------------------------------------


def progress_rows(page: str) -> list[list[str]]:
    """The expected-progress table's rows as text (pupil, UPN, subject, ... status, SEN)."""
    table = re.search(r'data-testid="progress-table">(.*?)</table>', page, flags=re.S).group(1)
    body = table.split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def test_an_assessment_saved_after_the_dashboard_was_cached_shows_on_the_next_request(client, report_school):
    from assessments.services import assessment_record

    sign_in(client, report_school.senco)
    before = client.get(DASHBOARD, TERM_QUERY).content.decode()
    [m4] = [row for row in progress_rows(before) if row[0] == "Test M4"]
    assert m4[4] == "4b (27.00)" and m4[8] == "below"
    # M4 moves from 4b to 5a: 27 -> 35, a gain of 8 >= 3 x 6 x 6 / 15 = 7.2, so expected
    assessment_record(pupil=report_school.report_pupils["M4"], subject="maths", academic_year=2025, term="summer",
                      result="5a", recorded_by=report_school.senco)
    after = client.get(DASHBOARD, TERM_QUERY).content.decode()
    [m4] = [row for row in progress_rows(after) if row[0] == "Test M4"]
    assert m4[4] == "5a (35.00)" and m4[8] == "expected"


def test_a_new_stored_run_shows_on_the_next_request(client, report_school):
    sign_in(client, report_school.senco)
    assert "worked out when you opened the page" in client.get(DASHBOARD, TERM_QUERY).content.decode()
    run = ReportRun.objects.create(school=report_school.school, kind="value-added", parameters=PARAMS)
    services.report_run_execute(run.pk)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert "Value added: from the report run finished" in page
    assert reverse("reports:run", args=[run.public_id]) in page


def test_a_teacher_never_gets_the_senco_s_cached_dashboard_nor_the_senco_the_teacher_s(client, report_school):
    sign_in(client, report_school.senco)
    senco_page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert "Test B" in senco_page and "Paired reading" in senco_page
    client.logout()
    sign_in(client, report_school.teacher)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert [row[0] for row in progress_rows(page)] == ["Test A"]
    assert "Test B" not in page and "value-added-data" not in figures(page)
    # Filtered pages too: a teacher asking for a SENCo's filters still sees their own pupils only
    page = client.get(DASHBOARD, {**TERM_QUERY, "status": "expected"}).content.decode()
    assert progress_rows(page) == [[
        "No row matches these filters: clear one to see more."]]
    client.logout()
    sign_in(client, report_school.senco)
    assert len(progress_rows(client.get(DASHBOARD, TERM_QUERY).content.decode())) == 9


def test_the_governor_dashboard_shows_a_change_to_the_register_on_the_next_request(client, report_school):
    sign_in(client, report_school.governor)
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    rows = dict(re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", block_html(page, "register-summary")))
    # M3 and M5 have SEN support on the last day of the term: 2 pupils, fewer than 5, suppressed
    assert rows.get("SEN support (K)") == "suppressed"
    for i, pupil in enumerate(f.PupilFactory.create_batch(3, school=report_school.school)):
        f.RegisterEntryFactory(pupil=pupil, provision=Provision.SEN_SUPPORT, start_date=dt.date(2024, 9, 2 + i))
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    rows = dict(re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", block_html(page, "register-summary")))
    assert rows.get("SEN support (K)") == "5"


def block_html(page: str, key: str) -> str:
    """One block of a dashboard, from its <section> to the end of it."""
    return re.search(rf'<section[^>]*data-testid="block-{key}">(.*?)</section>', page, flags=re.S).group(1)


def table_rows(html: str) -> list[list[str]]:
    """The rows of the (first) table's body in ``html``, as cell texts."""
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]


def test_the_governor_register_table_names_provisions_and_needs_in_the_pack_s_plain_words(client, report_school):
    from reports import generators, pack_content

    for pupil in f.PupilFactory.create_batch(5, school=report_school.school):  # 7 on SEN support: shown
        f.RegisterEntryFactory(pupil=pupil, provision=Provision.SEN_SUPPORT, start_date=dt.date(2024, 9, 2))
    sign_in(client, report_school.governor)
    block = block_html(client.get(GOVERNORS, TERM_QUERY).content.decode(), "register-summary")
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", block)
    assert headers == ["Provision or primary need", "This term", "A year earlier", "Change"]
    rows = table_rows(block)
    by_label = {row[0]: row[1:] for row in rows}
    # 7 with SEN support now (factory need: specific learning difficulty): M3, M5 and the five; a year earlier M1
    # too (closed in December 2025): 8. The change is signed, as in the pack.
    assert by_label["SEN support (K)"] == ["7", "8", "-1"]
    assert "Need: Specific learning difficulty (SPLD)" in by_label
    # No code alone: "provision | K" and "primary need | SPLD" read as plain words, the pack's own.
    assert not {"provision", "primary need", "K", "SPLD"} & {cell for row in rows for cell in row}
    ctx = generators.context_for(school=report_school.school, academic_year=2025, term="summer", governor=True)
    register = generators.build("register-summary", ctx).records()
    pack_labels = [row[0] for row in pack_content.register_section(register).tables[0].rows]
    assert [row[0] for row in rows] == pack_labels


def test_the_governor_starting_points_show_the_national_figures_and_a_chart_with_hidden_points_as_words(
    client, small_sen_school
):
    from assessments.models import NationalRow, ReferenceSet

    school, governor, _ = small_sen_school
    maths = f.SubjectFactory(code="maths", name="Maths")
    # Beside the ten pupils from 4b (27 points): two from 3a (23) and five from 5c (31). 3a has fewer than 5;
    # 5c, the next smallest, is hidden with it (else 12 - 10 gives 3a away, DOMAIN 9.8); 4b is shown.
    for key, baseline, summer in [("T1", "3a", "5b"), ("T2", "3a", "4c"),
                                  *((f"F{i}", "5c", "6b" if i < 2 else "5a") for i in range(5))]:
        pupil = f.PupilFactory(school=school, forename=f"Quilliam{key}", surname=f"Zorblax{key}")
        f.BaselineFactory(pupil=pupil, subject=maths, key_stage="KS2", result=baseline, academic_year=2023,
                          term="summer")
        f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2025, term="summer", result=summer)
    national = ReferenceSet.objects.create(school=school, kind="national", name="Illustrative national figures")
    for transition in ("KS2-KS3", "KS2-KS4"):
        for start, pct, more in (("4b", 60, 20), ("3a", 55, 15), ("5c", 65, 25)):
            NationalRow.objects.create(reference_set=national, transition=transition, subject="Maths",
                                       starting_point=start, pct_expected=pct, pct_more_than_expected=more)
    sign_in(client, governor)
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    block = block_html(page, "starting-points")
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", block)
    assert headers == ["Subject", "Starting point", "Pupils", "% at least expected", "% more than expected",
                       "National % at least expected", "National % more than expected", "Gap (points)"]
    # 4b: t = 6, expected gain 7.2; gains 2 2 4 4 4 6 6 8 8 8: 3 of 10 at least expected (30%), none more (9.6)
    assert table_rows(block) == [["Maths", "4b", "10", "30.00", "0.00", "60.00", "20.00", "-30.00"]]
    assert "2 starting points with fewer than 5 pupils, or hidden with them, are not listed" in block
    assert 'data-testid="reading-starting-points"' in block  # the one-sentence reading beside the chart

    chart = figures(page)["starting-points-data"]
    ours, nationally, words = chart["data"]
    assert ours["name"] == "This school" and nationally["name"] == "National"
    assert ours["y"] == ["Maths from 3a", "Maths from 4b", "Maths from 5c"]  # up the ladder, as the table
    assert ours["x"] == [None, 30.0, None]
    hidden = "suppressed (fewer than 5 pupils, or hidden with them)"
    assert ours["hovertext"] == [f"Maths from 3a: {hidden}", "Maths from 4b: 30.00% (10 pupils)",
                                 f"Maths from 5c: {hidden}"]
    # The national figures are not the school's pupils: drawn for every starting point.
    assert nationally["x"] == [55.0, 60.0, 65.0]
    assert words["y"] == ["Maths from 3a", "Maths from 5c"] and words["text"] == ["suppressed", "suppressed"]
    assert words["hovertext"] == [f"Maths from 3a: {hidden}", f"Maths from 5c: {hidden}"]
    # 3a: 1 of 2 at least expected (50%), 2 pupils; 5c: 2 of 5 (40%), 5 pupils, gap -25: in neither chart nor table
    text = json.dumps(chart)
    for figure in ("50.0", "40.0", "-25", "2 pupils", "(5 pupils"):
        assert figure not in text, figure
        assert figure not in block, figure


def test_the_governor_programme_chart_gives_each_programme_its_own_pupils_or_suppressed(client, report_school):
    from assessments.models import ReadingTest

    # Six pupils in Precision teaching, each 7:06 (90 months) on 2 Sep 2024 and 8:06 (102) on 10 Mar 2025:
    # ratio gain 12 / (189 / 30.4375) = 1.93 (useful). Paired reading keeps its one pupil: suppressed.
    group = f.InterventionFactory(programme__school=report_school.school, programme__name="Precision teaching",
                                  measure="reading")
    for pupil in f.PupilFactory.create_batch(6, school=report_school.school):
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=dt.date(2024, 9, 9),
                           end_date=dt.date(2025, 3, 14))
        for day, months in ((dt.date(2024, 9, 2), 90), (dt.date(2025, 3, 10), 102)):
            ReadingTest.objects.create(pupil=pupil, measure="reading", test_name="NGRT", tested_on=day,
                                       age_equivalent_months=months, standardised_score=90)
    sign_in(client, report_school.governor)
    page = client.get(GOVERNORS, TERM_QUERY).content.decode()
    chart = figures(page)["programmes-data"]
    [bars] = [t for t in chart["data"] if t["type"] == "bar"]
    assert (bars["y"], bars["x"]) == (["Precision teaching"], [1.93])
    assert bars["hovertext"] == ["Precision teaching (reading): mean ratio gain 1.93, useful, n = 6"]
    [words] = [t for t in chart["data"] if t.get("mode") == "text"]
    assert words["y"] == ["Paired reading"] and words["text"] == ["suppressed"]
    assert words["hovertext"] == ["Paired reading (reading): suppressed, fewer than 5 pupils"]
    assert "n = 1" not in json.dumps(chart)
    rows = {row[0]: row for row in table_rows(block_html(page, "programmes"))}
    assert rows["Precision teaching"][2] == "6" and rows["Paired reading"][2] == "suppressed"


# --- The expected-progress table: filters, sort, pages and download ----------------------------------------
#
# The report school's nine rows (t = 6 terms, KS2 span: expected gain 3 x 6 x 6 / 15 = 7.2 points,
# exceeding 4 x 6 x 6 / 15 = 9.6): English A 27 -> 31 below, B 21 -> 29 expected, C 19 -> 31
# exceeding, D 4 -> 6 below; Maths from 27: M1 29, M2 31, M3 33, M4 27 below, M5 35 expected.
# SEN support on the last day of the term: M3 and M5 (M1's entry closed in December).


def names(page: str) -> list[str]:
    return [row[0] for row in progress_rows(page)]


@pytest.mark.parametrize("filters, expected", [
    ({}, ["Test A", "Test B", "Test C", "Test D", "Test M1", "Test M2", "Test M3", "Test M4", "Test M5"]),
    ({"status": "below"}, ["Test A", "Test D", "Test M1", "Test M2", "Test M3", "Test M4"]),
    ({"status": "exceeding"}, ["Test C"]),
    ({"subject": "Maths", "status": "expected"}, ["Test M5"]),
    ({"provision": "K"}, ["Test M3", "Test M5"]),
    ({"provision": "sen", "status": "below"}, ["Test M3"]),
    ({"provision": "E"}, []),
    ({"provision": "none", "subject": "Maths"}, ["Test M1", "Test M2", "Test M4"]),
    ({"q": "test m"}, ["Test M1", "Test M2", "Test M3", "Test M4", "Test M5"]),
    ({"sort": "progress", "subject": "Maths"}, ["Test M4", "Test M1", "Test M2", "Test M3", "Test M5"]),
    ({"sort": "-progress", "subject": "English"}, ["Test C", "Test B", "Test A", "Test D"]),
    ({"sort": "status", "subject": "English"}, ["Test A", "Test D", "Test B", "Test C"]),
    ({"status": "nonsense", "provision": "Q", "sort": "nonsense"},  # ignored, not an error
     ["Test A", "Test B", "Test C", "Test D", "Test M1", "Test M2", "Test M3", "Test M4", "Test M5"]),
])
def test_the_expected_progress_table_filters_and_sorts_on_the_server(client, report_school, filters, expected):
    sign_in(client, report_school.senco)
    response = client.get(DASHBOARD, {**TERM_QUERY, **filters})
    assert response.status_code == 200
    page = response.content.decode()
    assert names(page) == expected or (not expected and progress_rows(page) == [
        ["No row matches these filters: clear one to see more."]])


def test_the_table_shows_a_page_of_rows_with_links_to_the_others(client, report_school, monkeypatch):
    monkeypatch.setattr(progress_table, "ROWS_PER_PAGE", 4)
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert names(page) == ["Test A", "Test B", "Test C", "Test D"]
    assert "Rows 1 to 4 of 9, sorted by pupil (surname)." in page
    assert "Page 1 of 3" in page and 'id="progress-previous"' not in page
    next_link = "/reports/dashboard/?academic_year=2025&amp;term=summer&amp;page=2"
    assert f'href="{next_link}#expected-progress"' in page and f'hx-get="{next_link}"' in page
    page = client.get(DASHBOARD, {**TERM_QUERY, "page": "3"}).content.decode()
    assert names(page) == ["Test M5"] and "Rows 9 to 9 of 9" in page and 'id="progress-next"' not in page
    # A page past the end shows the last one; filters carry into the links
    page = client.get(DASHBOARD, {**TERM_QUERY, "status": "below", "page": "9"}).content.decode()
    assert names(page) == ["Test M3", "Test M4"]
    assert "Rows 5 to 6 of 6 matching the filters (9 in all)" in page
    assert 'href="/reports/dashboard/?academic_year=2025&amp;term=summer&amp;status=below#expected-progress"' in page


def test_with_htmx_the_dashboard_answers_with_only_the_table_and_its_announcement(client, report_school):
    sign_in(client, report_school.senco)
    response = client.get(DASHBOARD, {**TERM_QUERY, "subject": "English", "sort": "-progress"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"] and response["Cache-Control"] == "private, no-store"
    page = response.content.decode()
    assert names(page) == ["Test C", "Test B", "Test A", "Test D"]
    assert page.startswith('<p id="progress-summary" hx-swap-oob="innerHTML">Rows 1 to 4 of 4 matching the filters')
    assert "<html" not in page and "csrfmiddlewaretoken" not in page and "block-cohort-progress" not in page
    # Without htmx (or on a history restore) the same address gives the whole page, filters kept
    page = client.get(DASHBOARD, {**TERM_QUERY, "subject": "English", "sort": "-progress"}).content.decode()
    assert "<html" in page and names(page) == ["Test C", "Test B", "Test A", "Test D"]
    assert '<option value="English" selected>' in page and '<option value="-progress" selected>' in page


def test_the_filtered_rows_download_as_csv_and_the_download_is_logged(client, report_school):
    from pupils.models import AccessEvent

    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, {**TERM_QUERY, "provision": "K"}).content.decode()
    link = "/reports/dashboard/expected-progress.csv?academic_year=2025&amp;term=summer&amp;provision=K"
    assert f'href="{link}"' in page and "Download the 2 matching rows (CSV)" in page
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="oak-expected-progress-2025-summer.csv"' in response["Content-Disposition"]
    lines = response.content.decode().split("\r\n")
    assert lines[0].startswith("pupil,upn,subject,baseline_result,baseline_points")
    m3, m5 = report_school.report_pupils["M3"], report_school.report_pupils["M5"]
    assert lines[1:] == [
        f"Test M3,{m3.upn},Maths,4b,27.00,5b,33.00,6,1.00,34.20,below,K",
        f"Test M5,{m5.upn},Maths,4b,27.00,5a,35.00,6,1.33,34.20,expected,K",
        "",
    ]
    assert AccessEvent.objects.filter(what="expected-progress csv (dashboard)", user=report_school.senco).count() == 1


def test_a_teacher_sees_their_rows_but_downloads_nothing(client, report_school):
    sign_in(client, report_school.teacher)  # docs/roles.md: report downloads are the SENCo's
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    assert names(page) == ["Test A"] and "expected-progress.csv" not in page and "(CSV)" not in page
    assert client.get("/reports/dashboard/expected-progress.csv", TERM_QUERY).status_code == 403


def test_the_table_links_to_the_stored_pack_s_expected_progress_csv(client, report_school, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pack = ReportRun.objects.create(school=report_school.school, kind=ReportKind.TERMLY_PACK, parameters=PARAMS)
    services.report_run_execute(pack.pk)
    sign_in(client, report_school.senco)
    page = client.get(DASHBOARD, TERM_QUERY).content.decode()
    link = reverse("reports:run_download", args=[pack.public_id, "csv"]) + "?report=expected-progress"
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response.status_code == 200
    assert response.content.decode().split("\r\n")[0].startswith("upn,subject,baseline_result")
    assert len(response.content.decode().split("\r\n")) == 1 + 9 + 1
    client.logout()
    sign_in(client, report_school.teacher)  # teachers open no runs: no link
    assert "?report=expected-progress" not in client.get(DASHBOARD, TERM_QUERY).content.decode()
