"""The printable documents, read back as text (poppler's pdftotext): the parent report as a parent
reads it (no jargon, no other child, no staff-only notes, no costs), the one-page passport, the
plan with its review and the annual review paperwork; and no word outside its page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from interventions.models import Comment
from interventions.services_ui import comment_set_shared
from plans import services
from plans.models import ContributorRole, Rating
from pupils.services_profile import pupil_profile_update
from tests import factories as f
from tests.integration.plans_fixtures import plans_school  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"),
]

#: What a parent should never read in their report.
JARGON = re.compile(
    r"\b([1-8][abc]|P[1-8](i|ii)?|PK[1-6]|APS|UPN|SDQ|Boxall|sub-?levels?|points|P-scales?|baseline|quartile|ratio gain|"
    r"KS[1-4]|SPLD|ASD|SEMH|EHCP)\b"
)


def pdf_text(document: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=document, capture_output=True, check=True).stdout.decode()


def pdf_pages(document: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=document, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def words_outside_their_page(document: bytes) -> list[str]:
    """Words whose box is not inside its page (text cut off at an edge)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=document, capture_output=True, check=True).stdout.decode()
    root = ET.fromstring(xml.replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    outside = []
    for page in root.iter("page"):
        width, height = float(page.get("width")), float(page.get("height"))
        for word in page.iter("word"):
            x0, y0, x1, y1 = (float(word.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                outside.append(word.text)
    return outside


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def full_record(plans_school):
    """Amy with everything a report might show, Ben with things that must not appear in Amy's."""
    s = plans_school
    english = s.p.group.subject
    f.BaselineFactory(pupil=s.amy, subject=english, key_stage="KS2", result="3b", academic_year=2022)
    f.AssessmentFactory(pupil=s.amy, subject=english, academic_year=2025, term="autumn", result="3a")
    f.AssessmentFactory(pupil=s.amy, subject=english, academic_year=2025, term="spring", result="4c")
    s.amy.reading_tests.create(measure="reading", test_name="Salford", tested_on=dt.date(2025, 9, 16), age_equivalent_months=91)
    s.amy.reading_tests.create(measure="reading", test_name="Salford", tested_on=dt.date(2026, 3, 10), age_equivalent_months=98)
    shared = Comment.objects.create(pupil=s.amy, observed_on=s.today, objective="Read a whole page aloud", activity="Guided reading",
                                    outcome="Read fluently with two prompts", level="3a", subject=english)  # fmt: skip
    comment_set_shared(comment=shared, shared=True)
    Comment.objects.create(pupil=s.amy, observed_on=s.today, objective="Unshared note about a difficult morning",
                           activity="x", outcome="y", subject=english)  # fmt: skip
    programme = f.ProgrammeFactory(school=s.p.school, name="Toe by Toe", cost_per_session=17)
    group = f.InterventionFactory(programme=programme, name="Tuesday reading", cost_per_session=23,
                                  start_date=s.today - dt.timedelta(days=60))  # fmt: skip
    f.EnrolmentFactory(intervention=group, pupil=s.amy, start_date=s.today - dt.timedelta(days=50))
    services.contribution_save(plan=s.plan, author=s.p.teacher, role=ContributorRole.STAFF, concerns="Staff-only worry")
    services.contribution_save(plan=s.plan, author=s.pat, role=ContributorRole.PARENT, going_well="Reads at bedtime")
    pupil_profile_update(pupil=s.amy, updated_by=s.p.senco, needs_summary="Finds reading hard", strengths="Drawing",
                         what_helps="Quiet space", aspirations="To be an artist", pupil_voice="I like art")  # fmt: skip
    Comment.objects.create(pupil=s.ben, observed_on=s.today, objective="Ben's own note", activity="x", outcome="y")
    return s


def test_the_parent_report_reads_as_a_parent_would_in_plain_words(full_record):
    s = full_record
    response = _client(s.pat).get(reverse("family:report", args=[s.amy.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "Amy Smith: report for the" in text
    assert "Reading age 8 years 2 months, up 7 months since September" in text
    assert "English: working at about the level expected at the end of Year 5" in text  # 4c: (25 - 9) / 3 = 5.3
    assert "Amy will read a page of her reading book aloud" in text
    assert "Read a whole page aloud" in text and "Toe by Toe" in text
    found = JARGON.search(text)
    assert found is None, f"jargon in the parent report: {found.group(0)!r}"
    for secret in ("Unshared note", "Staff-only worry", "£", "cost", "Ben", "Jones", "Cara", s.amy.upn):
        assert secret not in text, secret
    assert not words_outside_their_page(response.content)


def test_the_passport_is_one_page_even_with_long_texts(full_record):
    s = full_record
    long = "This is a long sentence about what helps Amy in class and at lunchtime. " * 30
    pupil_profile_update(pupil=s.amy, updated_by=s.p.senco, needs_summary=long, strengths=long, what_helps=long,
                         aspirations=long, pupil_voice=long)  # fmt: skip
    for n in range(8):
        services.outcome_add(plan=s.plan, description=f"Outcome {n}: " + long[:300], measure="x", by_when=s.plan.review_date)
    s.plan.strategies = "\n".join(f"Strategy {n}: " + long[:200] for n in range(14))
    s.plan.save()
    response = _client(s.p.teacher).get(reverse("plans:passport_pdf", args=[s.amy.public_id]))
    assert response.status_code == 200
    assert pdf_pages(response.content) == 1
    text = " ".join(pdf_text(response.content).split())
    assert "Amy Smith" in text and "How to help me in class" in text and "and 6 more in the plan" in text
    assert not words_outside_their_page(response.content)


def test_the_plan_prints_with_its_review_and_everyones_views(full_record):
    s = full_record
    services.review_record(plan=s.plan, held_on=s.today, recorded_by=s.p.senco, today=s.today, pupil_views="I can read more now",
                           parent_views="Pat: reads at bedtime", next_steps="Carry on with Toe by Toe",
                           judgements=[services.Judgement(outcome=s.outcome, rating=Rating.ACHIEVED, evidence="Reads a page"),
                                       services.Judgement(outcome=s.outcome2, rating=Rating.PARTLY)])  # fmt: skip
    response = _client(s.p.senco).get(reverse("plans:plan_pdf", args=[s.plan.public_id]))
    text = " ".join(pdf_text(response.content).split())
    for expected in ("SEN support plan: Amy Smith", "Achieved", "Partly achieved", "I can read more now",
                     "Carry on with Toe by Toe", "Seat her near the front", "I can spell ten key words", "Staff-only worry"):
        assert expected in text, expected
    assert "Ben" not in text
    assert not words_outside_their_page(response.content)


def test_the_annual_review_paperwork_has_the_due_date_views_and_the_meeting_to_fill_in(full_record):
    s = full_record
    response = _client(s.p.senco).get(reverse("plans:annual_review_pdf", args=[s.ben.public_id]))
    text = " ".join(pdf_text(response.content).split())
    # Ben's EHC plan began 300 days ago and no annual review is recorded: due 12 months after it began.
    from plans.cycle import add_months

    due = add_months(s.today - dt.timedelta(days=300), 12)
    assert f"this review due {due.day} {due:%B %Y}" in text
    for expected in ("EHC plan annual review: Ben Jones", "At the meeting", "amends the plan", "Ben will use his calm card"):
        assert expected in text, expected
    assert "Amy" not in text
    assert not words_outside_their_page(response.content)


def test_a_teacher_cannot_download_the_annual_review_paperwork_or_the_parents_report(full_record):
    s = full_record
    bob = _client(s.p.teacher)
    assert bob.get(reverse("plans:annual_review_pdf", args=[s.amy.public_id])).status_code == 403
    assert bob.get(reverse("plans:parent_report_pdf", args=[s.amy.public_id])).status_code == 403
