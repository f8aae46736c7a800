"""Stale saves of the intervention pages (sencotrack.conflicts): programmes, groups, places, measures, sessions.

alice (the SENCo) opens a form; Jo Morgan (the school's other SENCo) or, for the session log, the
other TA running the group saves the same record first; alice's save is then a conflict: nothing
written, what she typed kept and shown beside what is there now, with who changed it and when.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interventions.models import Enrolment, InterventionSession, MeasureKind, Programme
from pupils.models import Role
from tests import factories as f
from tests.integration.conflicts import conflict_table, drawn_from, opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def group(personas, today):
    """Oak's 'Toe by Toe' group run by Tia (TA) and Jo Morgan; Amy and Ben enrolled."""
    jo = f.UserFactory(username="jo", first_name="Jo", last_name="Morgan")
    f.MembershipFactory(user=jo, school=personas.school, role=Role.SENCO)
    personas.jo = jo
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe", cost_per_session=Decimal("12.50"))
    intervention = f.InterventionFactory(
        programme=programme, name="Y9 Toe by Toe", cost_per_session=Decimal("12.50"),
        start_date=today - dt.timedelta(days=60), measure=MeasureKind.READING, schedule="Mon 9:00",
    )  # fmt: skip
    intervention.staff.add(personas.ta)
    for pupil in (personas.pupil, personas.other_pupil):
        f.EnrolmentFactory(intervention=intervention, pupil=pupil, start_date=intervention.start_date)
    return intervention


@pytest.fixture
def jo(group, personas) -> Client:
    client = Client()
    client.force_login(personas.jo)
    return client


@pytest.fixture
def alice(client, personas) -> Client:
    client.force_login(personas.senco)
    return client


def _page(response) -> str:
    return response.content.decode()


def _programme(**typed) -> dict:
    return {"name": "Toe by Toe", "area_of_need": "cognition", "cost_per_session": "12.50", "default_measure": "reading",
            "description": "", "active": "on", **typed}  # fmt: skip


def test_a_programme_changed_since_the_page_was_opened_is_a_conflict(alice, jo, group):
    url = reverse("interventions:programme_edit", args=["Toe by Toe"])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), **_programme(cost_per_session="15.00", description="From the LA")})

    response = alice.post(url, {**mine, **_programme(cost_per_session="14.00")})

    assert response.status_code == 200
    programme = Programme.objects.get()
    assert (programme.cost_per_session, programme.description) == (Decimal("15.00"), "From the LA")
    page = _page(response)
    assert "Jo Morgan changed this programme at" in page
    assert conflict_table(page) == [("Cost per session (£)", "14.00", "15.00"), ("Description", "—", "From the LA")]
    assert 'form="record-form" data-testid="save-mine"' in page and 'id="record-form"' in page
    assert 'value="14.00"' in page  # alice's figure is kept in the form

    again = alice.post(url, {**drawn_from(response), **_programme(cost_per_session="14.00")})
    assert again.status_code == 302
    assert Programme.objects.get().cost_per_session == Decimal("14.00")


def _group_form(group, personas, **typed) -> dict:
    return {"programme": str(group.programme.pk), "name": group.name, "staff": [personas.ta.username], "schedule": "Mon 9:00",
            "sessions_per_week": "1", "cost_per_session": "12.50", "measure": "reading",
            "start_date": group.start_date.isoformat(), "end_date": "", **typed}  # fmt: skip


def test_a_group_whose_staff_changed_since_the_page_was_opened_is_a_conflict(alice, jo, group, personas):
    url = reverse("interventions:edit", args=[group.public_id])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), **_group_form(group, personas, staff=[personas.ta.username, "jo"])})

    response = alice.post(url, {**mine, **_group_form(group, personas, schedule="Tue 10:00")})

    assert response.status_code == 200
    group.refresh_from_db()
    assert sorted(group.staff.values_list("username", flat=True)) == ["jo", "tia"]
    assert group.schedule == "Mon 9:00"
    rows = conflict_table(_page(response))
    assert [row[0] for row in rows] == ["Staff", "Schedule"]
    assert "Jo Morgan" in rows[0][2] and "Jo Morgan" not in rows[0][1]


def test_ending_a_place_that_was_ended_meanwhile_is_a_conflict(alice, jo, group, personas, today):
    enrolment = group.enrolments.get(pupil=personas.pupil)
    url = reverse("interventions:enrolment_end", args=[group.public_id, personas.pupil.public_id, enrolment.start_date])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), "end_date": today.isoformat(), "reason": "completed the programme"})

    response = alice.post(url, {**mine, "end_date": today.isoformat(), "reason": "moved to another group"})

    enrolment.refresh_from_db()
    assert enrolment.end_reason == "completed the programme"
    assert conflict_table(_page(response)) == [("Reason", "moved to another group", "completed the programme")]


def test_measures_recorded_meanwhile_are_a_conflict_in_the_table_cell_too(alice, jo, group, personas):
    enrolment = group.enrolments.get(pupil=personas.pupil)
    url = reverse("interventions:enrolment_measures", args=[group.public_id, personas.pupil.public_id, enrolment.start_date])
    mine = drawn_from(alice.get(url, HTTP_HX_REQUEST="true"))  # the form opened in the group page's cell (htmx)
    jo.post(url, {**opened(jo, url), "entry_measure": "7:02", "exit_measure": ""})

    response = alice.post(url, {**mine, "entry_measure": "7y6m", "exit_measure": "8:01"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    page = _page(response)
    assert "<html" not in page  # still only the cell's form
    assert conflict_table(page) == [("On entry", "7:06", "7:02"), ("On exit", "8:01", "—")]
    enrolment.refresh_from_db()
    assert (enrolment.entry_measure, enrolment.exit_measure) == ("7:02", "")

    again = alice.post(url, {**drawn_from(response), "entry_measure": "7y6m", "exit_measure": "8:01"}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200 and 'data-testid="conflict"' not in _page(again)
    enrolment.refresh_from_db()
    assert (enrolment.entry_measure, enrolment.exit_measure) == ("7:06", "8:01")


def test_a_session_logged_by_the_other_member_of_staff_meanwhile_is_a_conflict(group, personas, today):
    """Two TAs run the group; both open today's log on their tablets; the second to save is told."""
    other_ta = f.UserFactory(username="tom", first_name="Tom", last_name="Hale")
    f.MembershipFactory(user=other_ta, school=personas.school, role=Role.TA)
    group.staff.add(other_ta)
    tia, tom = Client(), Client()
    tia.force_login(personas.ta)
    tom.force_login(other_ta)
    url = reverse("interventions:session_log", args=[group.public_id, today])
    amy, ben = str(personas.pupil.public_id), str(personas.other_pupil.public_id)
    mine = opened(tia, url)
    tom.post(url, {**opened(tom, url), "attended": [amy], "note": "Ben at the dentist"})

    response = tia.post(url, {**mine, "attended": [amy, ben]})

    assert response.status_code == 200
    session = InterventionSession.objects.get()
    assert session.note == "Ben at the dentist" and session.logged_by == other_ta
    assert dict(session.attendances.values_list("enrolment__pupil__surname", "attended")) == {"Smith": True, "Jones": False}
    page = _page(response)
    assert "Tom Hale created this session at" in page
    assert conflict_table(page) == [("Attended", "Ben Jones, Amy Smith", "Amy Smith"), ("Note", "—", "Ben at the dentist")]
    assert page.count(" checked") >= 2  # both boxes as tia ticked them

    again = tia.post(url, {**drawn_from(response), "attended": [amy, ben]})
    assert again.status_code == 302
    assert InterventionSession.objects.get().attendances.filter(attended=True).count() == 2


def test_saving_the_same_session_twice_from_one_page_is_checked_against_the_first_save(group, personas, today):
    tia = Client()
    tia.force_login(personas.ta)
    url = reverse("interventions:session_log", args=[group.public_id, today])
    mine = opened(tia, url)
    assert tia.post(url, {**mine, "attended": [str(personas.pupil.public_id)]}).status_code == 302
    # The back button, the same page posted again with other ticks: it was drawn before the first save.
    response = tia.post(url, {**mine, "attended": []})
    assert response.status_code == 200 and "You (" in _page(response)


def test_two_people_enrolling_the_same_pupil_one_after_the_other_get_a_message_not_an_error(alice, jo, group, personas):
    cara = f.PupilFactory(school=personas.school, surname="Brown", forename="Cara")
    url = reverse("interventions:enrol", args=[group.public_id])
    alice.get(url)
    jo.get(url)
    typed = {"pupils": [str(cara.public_id)], "start_date": group.start_date.isoformat()}
    assert jo.post(url, typed).status_code == 302
    response = alice.post(url, typed)
    assert response.status_code == 200
    assert Enrolment.objects.filter(pupil=cara).count() == 1
    assert "A pupil you chose is not offered here: they may have been enrolled in this group by someone else" in _page(response)
