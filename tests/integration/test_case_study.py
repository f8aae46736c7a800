"""The one-click case study PDF: profile, provision, progress, interventions with impact, recent comments."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse

from interventions.models import Comment
from pupils.models import PupilProfile
from reports import casestudy, pupil_dashboard
from reports.datasets import points_scheme
from reports.pupil_history import pupil_history
from tests.integration.test_report_pages_helpers import fast_passwords, report_school, sign_in  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def pupil_a(report_school):
    a = report_school.report_pupils["A"]
    PupilProfile.objects.create(pupil=a, strengths="Loves stories about space", what_helps="Visual timetable")
    english = a.baselines.get().subject
    for day in range(12):  # comments on 1st-12th October 2025: the 10 most recent are the 3rd-12th
        Comment.objects.create(pupil=a, author=report_school.teacher, observed_on=dt.date(2025, 10, 1 + day),
                               objective=f"Objective number {day + 1:02d}", activity="Reading aloud",
                               outcome="Read fluently", subject=english)
    return a


def test_the_case_study_html_holds_the_profile_progress_interventions_and_recent_comments(pupil_a):
    html = casestudy.case_study_html(pupil_a, today=TODAY)
    assert "Test A: case study" in html and pupil_a.upn in html
    assert "Loves stories about space" in html and "Visual timetable" in html
    assert "K: SEN support" not in html and "Not on the SEN register today" in html  # A has no register entry
    # English: baseline 4b (27), current 5c (31), expected 27 + 3 x 6 x 6 / 15 = 34.20 (5b): below
    assert "4b (KS2, Summer 2023/24; 27.00 points)" in html
    assert "5c (Summer 2025/26; 31.00 points)" in html
    assert "34.2 points, between 5b and 5a" in html and 'class="status-below"' in html
    # Paired reading: 90 -> 102 months over 189 days: ratio gain 1.93, useful
    assert "Paired reading" in html and "1.93 (useful)" in html
    assert "<svg" in html and "English: results against expected progress" in html
    assert "Objective number 12" in html and "Objective number 03" in html
    assert "Objective number 02" not in html and "Objective number 01" not in html


def test_the_senco_gets_a_pdf_in_one_click(client, report_school, pupil_a, caplog, capfd):
    sign_in(client, report_school.senco)
    with caplog.at_level(logging.DEBUG):
        response = client.get(reverse("reports:case_study", args=[pupil_a.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="case-study-test-a-')
    assert response["Cache-Control"] == "private, no-store"
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    for secret in (pupil_a.full_name, pupil_a.upn, "Loves stories about space", "Objective number"):
        assert secret not in logged  # nothing about the pupil goes to the logs


def test_a_pupil_with_a_register_entry_shows_their_provision(report_school):
    m3 = report_school.report_pupils["M3"]
    html = casestudy.case_study_html(m3, today=TODAY)
    assert "K: SEN support" in html and "Specific learning difficulty".lower() in html.lower()


@pytest.mark.parametrize("who, status", [("teacher", 403), ("ta", 403), ("governor", 403), ("data_manager", 403),
                                         ("outsider", 404)])
def test_only_the_senco_of_the_pupils_school_may_have_a_case_study(client, report_school, pupil_a, who, status):
    sign_in(client, getattr(report_school, who))
    assert client.get(reverse("reports:case_study", args=[pupil_a.public_id])).status_code == status


def test_the_flight_path_svg_is_self_contained(report_school):
    a = report_school.report_pupils["A"]
    series = pupil_history(a)
    [path] = pupil_dashboard.flight_paths(series, points_scheme(a.school), a.school.ks2_span, today=TODAY)
    svg = casestudy.svg_flight_path(path)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg and "href" not in svg
    assert svg.count("<polyline") == 2  # expected and exceeding lines; one assessment is a point, not a line
    assert "Paired reading" in svg  # the intervention span is labelled
