"""Intervention pages: who may open which, the programme library, groups, enrolments and what they cost."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import selectors
from interventions.models import Enrolment, Intervention, InterventionSession, MeasureKind, Programme
from pupils.models import Role
from tests import factories as f
from tests.queries import session_queries


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def group(personas, today):
    """Oak's 'Toe by Toe' group run by Tia (TA), with Amy (Bob's pupil) enrolled; Ben is not in it."""
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe", cost_per_session=Decimal("12.50"))
    intervention = f.InterventionFactory(
        programme=programme,
        name="Y9 Toe by Toe",
        cost_per_session=Decimal("12.50"),
        start_date=today - dt.timedelta(days=60),
        measure=MeasureKind.READING,
    )
    intervention.staff.add(personas.ta)
    f.EnrolmentFactory(intervention=intervention, pupil=personas.pupil, start_date=intervention.start_date)
    return intervention


def _urls(group, personas) -> dict[str, str]:
    enrolment = group.enrolments.get()
    key = (group.public_id, enrolment.pupil.public_id, enrolment.start_date)
    return {
        "list": reverse("interventions:list"),
        "create": reverse("interventions:create"),
        "programmes": reverse("interventions:programmes"),
        "programme_add": reverse("interventions:programme_add"),
        "programme_edit": reverse("interventions:programme_edit", args=[group.programme.name]),
        "detail": reverse("interventions:detail", args=[group.public_id]),
        "edit": reverse("interventions:edit", args=[group.public_id]),
        "enrol": reverse("interventions:enrol", args=[group.public_id]),
        "enrolment_end": reverse("interventions:enrolment_end", args=key),
        "enrolment_measures": reverse("interventions:enrolment_measures", args=key),
        "session_today": reverse("interventions:session_today"),
        "session_log": reverse("interventions:session_log", args=[group.public_id, timezone.localdate()]),
    }


# What each role gets for each page (GET). 404: the record is outside their school or scope.
EXPECTED = {
    "senco": dict.fromkeys(
        ["list", "create", "programmes", "programme_add", "programme_edit", "detail", "edit", "enrol",
         "enrolment_end", "enrolment_measures", "session_today", "session_log"], 200),
    "teacher": {
        "list": 200, "create": 403, "programmes": 200, "programme_add": 403, "programme_edit": 403,
        "detail": 200, "edit": 403, "enrol": 403, "enrolment_end": 403, "enrolment_measures": 403,
        "session_today": 200, "session_log": 403,
    },
    "ta": {
        "list": 200, "create": 403, "programmes": 200, "programme_add": 403, "programme_edit": 403,
        "detail": 200, "edit": 403, "enrol": 403, "enrolment_end": 403, "enrolment_measures": 403,
        "session_today": 200, "session_log": 200,
    },
    "governor": dict.fromkeys(
        ["list", "create", "programmes", "programme_add", "programme_edit", "detail", "edit", "enrol",
         "enrolment_end", "enrolment_measures", "session_today", "session_log"], 403),
    "data_manager": {  # keeps the programme library (a reference table), sees no group or pupil
        **dict.fromkeys(["list", "create", "detail", "edit", "enrol", "enrolment_end", "enrolment_measures",
                         "session_today", "session_log"], 403),
        "programmes": 200, "programme_add": 200, "programme_edit": 200,
    },
    "outsider": {
        "list": 200, "create": 200, "programmes": 200, "programme_add": 200, "programme_edit": 404,
        "detail": 404, "edit": 404, "enrol": 404, "enrolment_end": 404, "enrolment_measures": 404,
        "session_today": 200, "session_log": 404,
    },
}  # fmt: skip


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_exactly_the_intervention_pages_the_design_allows(client, personas, group, role):
    client.force_login(getattr(personas, role))
    got = {name: client.get(url).status_code for name, url in _urls(group, personas).items()}
    assert got == EXPECTED[role]


def test_anonymous_visitors_are_sent_to_sign_in_from_every_intervention_page(client, personas, group):
    for name, url in _urls(group, personas).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_another_schools_senco_sees_none_of_oaks_groups_or_programmes(client, personas, group):
    client.force_login(personas.outsider)
    assert "Y9 Toe by Toe" not in client.get(reverse("interventions:list")).content.decode()
    assert "Toe by Toe" not in client.get(reverse("interventions:programmes")).content.decode()
    assert "Y9 Toe by Toe" not in client.get(reverse("interventions:session_today")).content.decode()


def test_a_teacher_with_no_pupil_in_a_group_gets_404_for_it(client, personas, group):
    stranger = f.UserFactory(username="sam")
    f.MembershipFactory(user=stranger, school=personas.school, role=Role.TEACHER)
    client.force_login(stranger)
    assert client.get(reverse("interventions:detail", args=[group.public_id])).status_code == 404
    assert "Y9 Toe by Toe" not in client.get(reverse("interventions:list")).content.decode()


def test_a_teacher_sees_only_their_own_pupils_in_a_group(client, personas, group):
    f.EnrolmentFactory(intervention=group, pupil=personas.other_pupil, start_date=group.start_date)
    client.force_login(personas.teacher)
    page = client.get(reverse("interventions:detail", args=[group.public_id])).content.decode()
    assert "Amy Smith" in page
    assert "Ben Jones" not in page
    assert "£" not in page  # costs are the SENCo's


def test_a_malformed_programme_or_intervention_id_is_404(client, personas, group):
    client.force_login(personas.senco)
    assert client.get("/interventions/not-a-uuid/").status_code == 404
    assert client.get(reverse("interventions:programme_edit", args=["No such programme"])).status_code == 404
    assert client.get(f"/interventions/{group.public_id}/sessions/2024-02-30/").status_code == 404


@pytest.mark.parametrize(
    "url_name",
    ["programme_add", "create"],
)
def test_a_teacher_cannot_write_by_posting_either(client, personas, group, url_name):
    client.force_login(personas.teacher)
    response = client.post(reverse(f"interventions:{url_name}"), {"name": "Sneaky"})
    assert response.status_code == 403
    assert not Programme.objects.filter(name="Sneaky").exists()


# --- Cost to date ------------------------------------------------------------------------------------


def _log(intervention, *, delivered: int, not_delivered: int, start: dt.date) -> None:
    for i in range(delivered + not_delivered):
        InterventionSession.objects.create(
            intervention=intervention, date=start + dt.timedelta(days=i), delivered=i < delivered
        )


def test_cost_to_date_counts_only_sessions_delivered(personas, group, today):
    # 9 sessions logged, 7 of them delivered, at £12.50 a session: 7 x 12.50 = £87.50.
    _log(group, delivered=7, not_delivered=2, start=group.start_date)
    senco = personas.senco.memberships.get()
    row = selectors.interventions_for_list(senco, today=today).get(pk=group.pk)
    assert row.sessions_logged == 9
    assert row.sessions_delivered == 7
    assert row.cost_to_date == Decimal("87.50")
    assert row.enrolled == 1


def test_the_list_and_the_group_page_show_the_cost_worked_by_hand(client, personas, group):
    _log(group, delivered=7, not_delivered=2, start=group.start_date)
    # A second group: 3 delivered at £20.00 = £60.00; the total shown is 87.50 + 60.00 = £147.50.
    other = f.InterventionFactory(
        programme=group.programme, name="Y8 Toe by Toe", cost_per_session=Decimal("20.00"), start_date=group.start_date
    )
    _log(other, delivered=3, not_delivered=0, start=group.start_date)
    client.force_login(personas.senco)
    page = client.get(reverse("interventions:list")).content.decode()
    assert "£87.50" in page
    assert "£60.00" in page
    assert "£147.50" in page
    detail = client.get(reverse("interventions:detail", args=[group.public_id])).content.decode()
    assert "£87.50 to date" in detail
    assert "7 delivered of 9 logged" in detail


def test_the_list_takes_the_same_number_of_queries_for_two_groups_or_ten(client, personas, group, django_assert_num_queries):
    client.force_login(personas.senco)
    url = reverse("interventions:list")
    client.get(url)  # warm the session

    def count() -> int:
        client.get(url)  # per-process caches (content types, templates) are not the page's
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    f.InterventionFactory(programme=group.programme, start_date=group.start_date)
    few = count()
    for _ in range(8):
        extra = f.InterventionFactory(programme=group.programme, start_date=group.start_date)
        extra.staff.add(personas.ta, personas.teacher)
        f.EnrolmentFactory(intervention=extra, start_date=group.start_date)
        InterventionSession.objects.create(intervention=extra, date=group.start_date)
    # The session, the person and their membership (read on every request), the groups with their
    # totals, their staff.
    assert count() == few
    assert few == 4 + session_queries()


def test_ended_groups_are_hidden_until_asked_for(client, personas, group, today):
    f.InterventionFactory(
        programme=group.programme, name="Last year's group", start_date=today - dt.timedelta(days=400),
        end_date=today - dt.timedelta(days=200),
    )  # fmt: skip
    client.force_login(personas.senco)
    assert "Last year&#x27;s group" not in client.get(reverse("interventions:list")).content.decode()
    assert "Last year&#x27;s group" in client.get(reverse("interventions:list") + "?show=all").content.decode()


# --- Programme library ---------------------------------------------------------------------------


def test_the_senco_adds_a_programme_to_the_library(client, personas):
    client.force_login(personas.senco)
    response = client.post(
        reverse("interventions:programme_add"),
        {"name": " Lego therapy ", "area_of_need": "communication", "cost_per_session": "8.75",
         "default_measure": "sdq", "description": "Social skills through building.", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    programme = Programme.objects.get(school=personas.school)
    assert (programme.name, programme.cost_per_session, programme.default_measure, programme.active) == (
        "Lego therapy", Decimal("8.75"), "sdq", True
    )


def test_a_bad_programme_shows_clear_errors_keeps_what_was_typed_and_saves_nothing(client, personas, group):
    client.force_login(personas.senco)
    response = client.post(
        reverse("interventions:programme_add"),
        {"name": "toe BY toe", "area_of_need": "cognition", "cost_per_session": "-3", "default_measure": "none",
         "description": "Typed with care"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "already has a programme with this name" in page
    assert "The cost cannot be negative." in page
    assert "Typed with care" in page and 'value="toe BY toe"' in page
    assert Programme.objects.filter(school=personas.school).count() == 1


def test_the_senco_edits_a_programme_named_in_the_url(client, personas, group):
    client.force_login(personas.senco)
    url = reverse("interventions:programme_edit", args=["Toe by Toe"])
    assert 'value="Toe by Toe"' in client.get(url).content.decode()
    response = client.post(
        url, {"name": "Toe by Toe", "area_of_need": "cognition", "cost_per_session": "14", "default_measure": "reading"}
    )
    assert response.status_code == 302
    programme = Programme.objects.get(pk=group.programme.pk)
    assert programme.cost_per_session == Decimal("14.00")
    assert programme.active is False  # the box was not ticked
    group.refresh_from_db()
    assert group.cost_per_session == Decimal("12.50")  # a group keeps its own cost


# --- Groups --------------------------------------------------------------------------------------


def _group_post(programme, **overrides) -> dict:
    data = {
        "programme": programme.pk,
        "name": "Y7 Lego therapy",
        "staff": ["tia"],
        "schedule": "Tue 13:10, room 4",
        "sessions_per_week": "2",
        "cost_per_session": "",
        "measure": "",
        "start_date": "2025-01-06",
        "end_date": "",
    }
    return data | overrides


def test_a_new_group_takes_the_programmes_cost_and_measure_unless_given(client, personas):
    programme = f.ProgrammeFactory(
        school=personas.school, name="Lego therapy", cost_per_session=Decimal("8.75"), default_measure="sdq"
    )
    client.force_login(personas.senco)
    response = client.post(reverse("interventions:create"), _group_post(programme))
    intervention = Intervention.objects.get(name="Y7 Lego therapy")
    assert response.status_code == 302
    assert response.url == reverse("interventions:enrol", args=[intervention.public_id])
    assert intervention.cost_per_session == Decimal("8.75")
    assert intervention.measure == "sdq"
    assert list(intervention.staff.values_list("username", flat=True)) == ["tia"]
    assert intervention.sessions_per_week == 2


def test_a_group_cannot_be_staffed_by_someone_from_another_school(client, personas):
    programme = f.ProgrammeFactory(school=personas.school)
    client.force_login(personas.senco)
    response = client.post(reverse("interventions:create"), _group_post(programme, staff=["charlie"]))
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()
    assert not Intervention.objects.exists()


def test_a_group_ending_before_it_starts_is_refused_with_the_input_kept(client, personas):
    programme = f.ProgrammeFactory(school=personas.school)
    client.force_login(personas.senco)
    response = client.post(
        reverse("interventions:create"), _group_post(programme, end_date="2024-12-20", cost_per_session="abc")
    )
    page = response.content.decode()
    assert "The end date cannot be before the start date." in page
    assert "Enter the cost in pounds, e.g. 12.50." in page
    assert 'value="Tue 13:10, room 4"' in page
    assert 'value="2025-01-06"' in page
    assert not Intervention.objects.exists()


def test_another_schools_programme_cannot_be_chosen_for_a_group(client, personas):
    elm_programme = f.ProgrammeFactory(school=f.SchoolFactory(code="elm"))
    client.force_login(personas.senco)
    response = client.post(reverse("interventions:create"), _group_post(elm_programme))
    assert "Select a valid choice" in response.content.decode()
    assert not Intervention.objects.exists()


def test_the_senco_edits_a_group(client, personas, group):
    client.force_login(personas.senco)
    url = reverse("interventions:edit", args=[group.public_id])
    data = _group_post(
        group.programme, name="Y9 Toe by Toe (mornings)", staff=["tia", "bob"], cost_per_session="15",
        start_date=group.start_date.isoformat(), measure="spelling",
    )  # fmt: skip
    assert client.post(url, data).status_code == 302
    group.refresh_from_db()
    assert group.name == "Y9 Toe by Toe (mornings)"
    assert group.cost_per_session == Decimal("15.00")
    assert group.measure == "spelling"
    assert sorted(group.staff.values_list("username", flat=True)) == ["bob", "tia"]


def test_a_group_cannot_be_moved_to_start_after_a_pupil_joined(client, personas, group):
    client.force_login(personas.senco)
    later = group.start_date + dt.timedelta(days=10)
    response = client.post(
        reverse("interventions:edit", args=[group.public_id]),
        _group_post(group.programme, name=group.name, start_date=later.isoformat()),
    )
    assert response.status_code == 200
    assert "cannot start after that" in response.content.decode()
    group.refresh_from_db()
    assert group.start_date == later - dt.timedelta(days=10)


# --- Enrolments --------------------------------------------------------------------------------


def test_the_senco_enrols_two_pupils_at_once(client, personas, group, today):
    third = f.PupilFactory(school=personas.school, surname="Khan", forename="Zara", year_group=7)
    client.force_login(personas.senco)
    url = reverse("interventions:enrol", args=[group.public_id])
    page = client.get(url).content.decode()
    assert "Khan, Zara" in page and "Jones, Ben" in page
    assert "Smith, Amy" not in page  # already in the group
    response = client.post(
        url, {"pupils": [str(third.public_id), str(personas.other_pupil.public_id)], "start_date": today.isoformat()}
    )
    assert response.status_code == 302
    assert set(group.enrolments.values_list("pupil__surname", flat=True)) == {"Smith", "Khan", "Jones"}


def test_enrolling_before_the_group_starts_saves_nobody(client, personas, group):
    third = f.PupilFactory(school=personas.school)
    client.force_login(personas.senco)
    too_early = group.start_date - dt.timedelta(days=1)
    response = client.post(
        reverse("interventions:enrol", args=[group.public_id]),
        {"pupils": [str(third.public_id), str(personas.other_pupil.public_id)], "start_date": too_early.isoformat()},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "pupils cannot join before that" in page
    assert f'value="{third.public_id}" selected' in page  # the choices are kept
    assert group.enrolments.count() == 1


def test_a_pupil_of_another_school_cannot_be_enrolled(client, personas, group):
    elm_pupil = f.PupilFactory(school=f.SchoolFactory(code="elm"))
    client.force_login(personas.senco)
    response = client.post(
        reverse("interventions:enrol", args=[group.public_id]),
        {"pupils": [str(elm_pupil.public_id)], "start_date": group.start_date.isoformat()},
    )
    assert "A pupil you chose is not offered here" in response.content.decode()
    assert group.enrolments.count() == 1


def test_the_senco_ends_an_enrolment_with_a_reason(client, personas, group, today):
    enrolment = group.enrolments.get()
    url = reverse("interventions:enrolment_end", args=[group.public_id, personas.pupil.public_id, enrolment.start_date])
    client.force_login(personas.senco)
    response = client.post(url, {"end_date": today.isoformat(), "reason": "Completed the programme"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.end_date, enrolment.end_reason) == (today, "Completed the programme")


def test_an_enrolment_cannot_end_before_it_began(client, personas, group):
    enrolment = group.enrolments.get()
    url = reverse("interventions:enrolment_end", args=[group.public_id, personas.pupil.public_id, enrolment.start_date])
    client.force_login(personas.senco)
    response = client.post(url, {"end_date": "2001-01-01", "reason": "typo"})
    page = response.content.decode()
    assert "the last day cannot be before that" in page
    assert 'value="typo"' in page
    enrolment.refresh_from_db()
    assert enrolment.end_date is None


def test_measures_are_stored_in_standard_form(client, personas, group):
    enrolment = group.enrolments.get()
    url = reverse(
        "interventions:enrolment_measures", args=[group.public_id, personas.pupil.public_id, enrolment.start_date]
    )
    client.force_login(personas.senco)
    assert client.post(url, {"entry_measure": "7y 6m", "exit_measure": " 8.01 "}).status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.entry_measure, enrolment.exit_measure) == ("7:06", "8:01")


def test_a_bad_measure_is_explained_and_nothing_is_saved(client, personas, group):
    enrolment = group.enrolments.get()
    url = reverse(
        "interventions:enrolment_measures", args=[group.public_id, personas.pupil.public_id, enrolment.start_date]
    )
    client.force_login(personas.senco)
    response = client.post(url, {"entry_measure": "7:06", "exit_measure": "7:14"})
    page = response.content.decode()
    assert "months must be 0-11" in page
    assert 'value="7:14"' in page
    enrolment.refresh_from_db()
    assert (enrolment.entry_measure, enrolment.exit_measure) == ("", "")


def test_measures_saved_with_htmx_return_just_the_table_cell(client, personas, group):
    enrolment = group.enrolments.get()
    url = reverse(
        "interventions:enrolment_measures", args=[group.public_id, personas.pupil.public_id, enrolment.start_date]
    )
    client.force_login(personas.senco)
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in form and 'name="entry_measure"' in form
    cell = client.post(url, {"entry_measure": "90m", "exit_measure": ""}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in cell
    assert "Entry: 7:06" in cell
    bad = client.post(url, {"entry_measure": "ninety", "exit_measure": ""}, headers={"HX-Request": "true"})
    assert "is not an age-equivalent" in bad.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.entry_measure == "7:06"


def test_a_pupil_can_rejoin_after_leaving_but_not_twice_at_once(personas, group, today):
    from django.core.exceptions import ValidationError

    from interventions import services

    enrolment = group.enrolments.get()
    with pytest.raises(ValidationError, match="Already in this group"):
        services.enrolments_create(intervention=group, pupils=[personas.pupil], start_date=today)
    services.enrolment_end(enrolment=enrolment, end_date=today - dt.timedelta(days=5))
    services.enrolments_create(intervention=group, pupils=[personas.pupil], start_date=today)
    assert Enrolment.objects.filter(intervention=group, pupil=personas.pupil).count() == 2
