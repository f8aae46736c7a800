"""Stale saves of one pupil's measure forms and of the targets page (sencotrack.conflicts).

The measure forms add a record matched on what the person picks (a subject and term, a test on a
day): saving the same key again replaces it, as the forms say. What must not happen is replacing a
record someone else saved *after the page was opened*: alice (the SENCo) opens the form, Jo Morgan
saves the same key from her own browser, alice saves: she sees the conflict, nothing is saved,
and "Save mine anyway" then replaces Jo's record (checked against the version she was shown).
"""

from __future__ import annotations


import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import (
    Assessment,
    Baseline,
    BehaviourRecord,
    QualitativeRating,
    ReadingTest,
    SelfAssessment,
    SemhChecklist,
    Target,
)
from pupils.models import Role
from tests import factories as f
from tests.integration.conflicts import conflict_table, drawn_from, hhmm, opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(personas):
    personas.english = personas.group.subject
    user = f.UserFactory(username="jo", first_name="Jo", last_name="Morgan")
    f.MembershipFactory(user=user, school=personas.school, role=Role.SENCO)
    personas.jo = user
    return personas


@pytest.fixture
def jo(school) -> Client:
    client = Client()
    client.force_login(school.jo)
    return client


@pytest.fixture
def alice(client, school) -> Client:
    client.force_login(school.senco)
    return client


def _page(response) -> str:
    return response.content.decode()


# (url name, model, what, alice types, Jo types, the conflict table, the stored value read back)
CASES = [
    pytest.param(
        "assessment_add", Assessment, "result",
        {"subject": "english", "academic_year": "2024", "term": "autumn", "kind": "teacher", "framework": "nc", "result": "4 b", "assessed_on": ""},
        {"result": "4a"},
        [("Result", "4b", "4a")],
        lambda: Assessment.objects.get().result,
        id="assessment",
    ),
    pytest.param(
        "baseline_add", Baseline, "baseline",
        {"subject": "english", "key_stage": "KS2", "result": "3b", "academic_year": "2022", "term": "summer"},
        {"result": "3a"},
        [("Result", "3b", "3a")],
        lambda: Baseline.objects.get().result,
        id="baseline",
    ),
    pytest.param(
        "reading_add", ReadingTest, "test",
        {"measure": "reading", "test_name": "Salford", "tested_on": "2024-10-01", "age_equivalent": "7y6m", "standardised_score": "96"},
        {"age_equivalent": "8:00", "standardised_score": "101"},
        [("Age-equivalent", "7:06", "8:00"), ("Standardised score (optional)", "96", "101")],
        lambda: (ReadingTest.objects.get().age_equivalent_months, ReadingTest.objects.get().standardised_score),
        id="reading-and-standardised-score",
    ),
    pytest.param(
        "sdq_add", SemhChecklist, "SDQ",
        {"completed_on": "2024-10-01", "emotional": "5", "conduct": "3", "hyperactivity": "6", "peer": "2", "prosocial": "7"},
        {"emotional": "4", "prosocial": "9"},
        [("Emotional symptoms", "5", "4"), ("Prosocial behaviour", "7", "9")],
        lambda: SemhChecklist.objects.get().scores["emotional"],
        id="sdq",
    ),
    pytest.param(
        "boxall_add", SemhChecklist, "Boxall Profile",
        {"completed_on": "2024-10-01", "section_1": "80", "section_2": "40"},
        {"section_1": "85"},
        [("Section I total (developmental strands)", "80", "85")],
        lambda: SemhChecklist.objects.get().scores["I"],
        id="boxall",
    ),
    pytest.param(
        "behaviour_add", BehaviourRecord, "behaviour record",
        {"academic_year": "2024", "term": "autumn", "points": "-10", "times_on_report": "1"},
        {"points": "-25"},
        [("Behaviour points", "-10", "-25")],
        lambda: BehaviourRecord.objects.get().points,
        id="behaviour",
    ),
    pytest.param(
        "ratings_add", QualitativeRating, "set of ratings",
        {"subject": "english", "academic_year": "2024", "term": "autumn", "engagement": "3", "understanding": "", "mastery": "", "note": ""},
        {"engagement": "4", "mastery": "2", "note": "Keen"},
        [("Engagement", "3: developing", "4: secure"), ("Mastery of a skill", "—", "2: emerging"), ("Note", "—", "Keen")],
        lambda: QualitativeRating.objects.get(aspect="engagement").rating,
        id="ratings",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "model", "what", "mine", "hers", "table", "stored"), CASES)
def test_a_record_saved_at_the_same_key_after_the_form_was_opened_is_a_conflict(
    alice, jo, school, name, model, what, mine, hers, table, stored
):
    url = reverse(f"assessments:{name}", args=[school.pupil.public_id])
    drawn = opened(alice, url)
    assert jo.post(url, {**opened(jo, url), **mine, **hers}).status_code == 302
    theirs = stored()

    response = alice.post(url, {**drawn, **mine})

    assert response.status_code == 200
    assert stored() == theirs  # nothing written over Jo's record
    assert not model.history.exclude(history_user=school.jo).exists()  # Jo's records only
    page = _page(response)
    change = model.history.latest("history_date")
    assert f"Jo Morgan created this {what} at {hhmm(change)}, after you opened this page." in page
    assert conflict_table(page) == table
    assert 'name="save" value="mine"' in page
    assert f'href="{reverse("assessments:pupil_measures", args=[school.pupil.public_id])}" data-testid="keep-theirs"' in page

    again = alice.post(url, {**drawn_from(response), **mine})  # "Save mine anyway"

    assert again.status_code == 302
    assert stored() != theirs
    assert model.history.order_by("history_date").last().history_user == school.senco


@pytest.mark.parametrize(("name", "model", "what", "mine", "hers", "table", "stored"), CASES[:3])
def test_a_record_saved_before_the_form_was_opened_is_replaced_as_the_form_says(
    alice, jo, school, name, model, what, mine, hers, table, stored
):
    url = reverse(f"assessments:{name}", args=[school.pupil.public_id])
    jo.post(url, {**opened(jo, url), **mine, **hers})
    theirs = stored()
    response = alice.post(url, {**opened(alice, url), **mine})
    assert response.status_code == 302
    assert stored() != theirs


def test_save_mine_anyway_meets_a_further_change_as_a_new_conflict(alice, jo, school):
    url = reverse("assessments:behaviour_add", args=[school.pupil.public_id])
    mine = {"academic_year": "2024", "term": "autumn", "points": "-10", "times_on_report": "0"}
    drawn = opened(alice, url)
    jo.post(url, {**opened(jo, url), **mine, "points": "-20"})
    conflict = alice.post(url, {**drawn, **mine})
    jo.post(url, {**opened(jo, url), **mine, "points": "-30"})

    again = alice.post(url, {**drawn_from(conflict), **mine})

    assert again.status_code == 200
    assert conflict_table(_page(again)) == [("Behaviour points", "-10", "-30")]
    assert "Jo Morgan changed this behaviour record at" in _page(again)
    assert BehaviourRecord.objects.get().points == -30


def test_self_assessments_are_each_kept_so_two_saves_never_conflict(alice, jo, school):
    url = reverse("assessments:self_assessment_add", args=[school.pupil.public_id])
    typed = {"statement": "I can read a page on my own", "rating": "3", "comment": "", "recorded_on": "2024-10-01"}
    alice.get(url)  # alice opens the form; Jo adds one meanwhile; alice's is added beside it
    assert jo.post(url, typed).status_code == 302
    assert alice.post(url, {**typed, "rating": "4"}).status_code == 302
    assert sorted(SelfAssessment.objects.values_list("rating", flat=True)) == [3, 4]


# --- Targets -------------------------------------------------------------------------------------------


@pytest.fixture
def targets(school):
    """Amy has a KS2 baseline of 3b (summer 2022/23): a target for 2024/25 is suggested for her."""
    f.BaselineFactory(pupil=school.pupil, subject=school.english, key_stage="KS2", result="3b", academic_year=2022)
    cara = f.PupilFactory(school=school.school, surname="Brown", forename="Cara")
    school.group.pupils.add(cara)
    f.BaselineFactory(pupil=cara, subject=school.english, key_stage="KS2", result="3c", academic_year=2022)
    school.cara = cara
    return reverse("assessments:targets", args=[school.group.pk]) + "?subject=english&year=2024"


def _boxes(response) -> dict[str, str]:
    """Every hidden and target input the targets form posts, as the page drew it."""
    import re

    return dict(re.findall(r'<input type="(?:hidden|text)" name="((?:target|version|shown)-[\d-]+)"[^>]*?value="([^"]*)"', _page(response)))


def test_a_target_changed_since_the_page_was_opened_is_a_conflict_and_no_target_is_saved(alice, jo, school, targets):
    mine = _boxes(alice.get(targets))
    amy, cara = (f"target-{p.pk}-{school.english.pk}" for p in (school.pupil, school.cara))
    hers = _boxes(jo.get(targets))
    jo.post(targets, {**hers, amy: "5c"})  # Jo sets Amy's target (and saves Cara's suggestion)

    # Cara's box showed her suggestion; Jo saved that same figure, so alice changing it is no conflict.
    assert mine[amy] not in ("3a", "5c")  # alice types a third figure for Amy
    response = alice.post(targets, {**mine, amy: "3a", cara: "5c"})

    assert response.status_code == 200
    assert dict(Target.objects.values_list("pupil__surname", "result")) == {"Smith": "5c", "Brown": mine[cara]}  # all or nothing
    page = _page(response)
    assert "Nothing was saved: 1 target was changed by Jo Morgan at" in page
    assert 'value="3a"' in page  # alice's typing kept
    assert "Jo Morgan set <strong>5c</strong>" in page

    again = alice.post(targets, {**_boxes(response), amy: "3a", cara: "5c"})
    assert again.status_code == 302
    assert dict(Target.objects.values_list("pupil__surname", "result")) == {"Smith": "3a", "Brown": "5c"}


def test_a_target_box_left_as_it_was_keeps_a_colleagues_newer_target(alice, jo, school, targets):
    mine = _boxes(alice.get(targets))
    amy, cara = (f"target-{p.pk}-{school.english.pk}" for p in (school.pupil, school.cara))
    jo.post(targets, {**_boxes(jo.get(targets)), amy: "5c"})
    response = alice.post(targets, {**mine, cara: "5a"}, follow=True)  # Amy's box left showing the suggestion
    assert "Targets saved: 0 set, 1 changed." in _page(response)
    assert dict(Target.objects.values_list("pupil__surname", "result")) == {"Smith": "5c", "Brown": "5a"}
