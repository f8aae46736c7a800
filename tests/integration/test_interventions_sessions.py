"""The session log: a TA ticks who came, one submit saves the session and every attendance, whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import selectors, services, services_ui
from interventions.models import Attendance, InterventionSession
from pupils.models import Role
from tests import factories as f
from tests.queries import session_queries


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def group(personas, today):
    """A group Tia (TA) runs, started a month ago, with Amy, Ben and Cara enrolled."""
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe", cost_per_session=Decimal("12.50"))
    intervention = f.InterventionFactory(
        programme=programme, name="Y9 Toe by Toe", cost_per_session=Decimal("12.50"), start_date=today - dt.timedelta(days=30)
    )
    intervention.staff.add(personas.ta)
    cara = f.PupilFactory(school=personas.school, surname="Evans", forename="Cara")
    for pupil in (personas.pupil, personas.other_pupil, cara):
        f.EnrolmentFactory(intervention=intervention, pupil=pupil, start_date=intervention.start_date)
    return intervention


def _log_url(group, day: dt.date) -> str:
    return reverse("interventions:session_log", args=[group.public_id, day])


def _attended(group, day) -> dict[str, bool]:
    return dict(
        Attendance.objects.filter(session__intervention=group, session__date=day).values_list(
            "enrolment__pupil__forename", "attended"
        )
    )


def test_todays_page_lists_the_groups_the_ta_runs_with_a_button_to_log_each(client, personas, group, today):
    other = f.InterventionFactory(programme=group.programme, name="Someone else's group", start_date=group.start_date)
    client.force_login(personas.ta)
    page = client.get(reverse("interventions:session_today")).content.decode()
    assert "Y9 Toe by Toe" in page
    assert "Someone else" not in page
    assert _log_url(group, today) in page
    assert "Not logged yet" in page
    client.force_login(personas.senco)
    senco_page = client.get(reverse("interventions:session_today")).content.decode()
    assert "Someone else" in senco_page  # the SENCo may log any group
    assert _log_url(other, today) in senco_page


def test_groups_that_have_ended_or_not_started_are_not_listed_for_today(client, personas, group, today):
    ended = f.InterventionFactory(
        programme=group.programme, name="Ended group", start_date=today - dt.timedelta(days=90),
        end_date=today - dt.timedelta(days=1),
    )  # fmt: skip
    future = f.InterventionFactory(programme=group.programme, name="Future group", start_date=today + dt.timedelta(days=3))
    ended.staff.add(personas.ta)
    future.staff.add(personas.ta)
    client.force_login(personas.ta)
    page = client.get(reverse("interventions:session_today")).content.decode()
    assert "Ended group" not in page and "Future group" not in page


def test_the_form_starts_with_everyone_ticked(client, personas, group, today):
    client.force_login(personas.ta)
    page = client.get(_log_url(group, today)).content.decode()
    assert page.count('name="attended"') == 3
    assert page.count(" checked") == 3
    assert "Amy Smith" in page and "Ben Jones" in page and "Cara Evans" in page


def test_a_ta_logs_a_session_with_one_pupil_absent(client, personas, group, today):
    client.force_login(personas.ta)
    response = client.post(
        _log_url(group, today),
        {"attended": [str(personas.pupil.public_id), str(personas.other_pupil.public_id)], "note": " Good focus "},
    )
    assert response.status_code == 302
    assert response.url == reverse("interventions:session_today")
    session = InterventionSession.objects.get(intervention=group, date=today)
    assert (session.delivered, session.note, session.logged_by) == (True, "Good focus", personas.ta)
    assert _attended(group, today) == {"Amy": True, "Ben": True, "Cara": False}
    page = client.get(reverse("interventions:session_today")).content.decode()
    assert "Logged" in page and "Not logged yet" not in page


def test_logging_the_same_day_again_updates_rather_than_duplicates(client, personas, group, today):
    client.force_login(personas.ta)
    client.post(_log_url(group, today), {"attended": [str(personas.pupil.public_id)]})
    page = client.get(_log_url(group, today)).content.decode()
    assert page.count(" checked") == 1  # the form shows what was saved
    client.post(_log_url(group, today), {"attended": [str(personas.other_pupil.public_id)], "note": "Corrected"})
    assert InterventionSession.objects.filter(intervention=group).count() == 1
    assert Attendance.objects.filter(session__intervention=group).count() == 3
    assert _attended(group, today) == {"Amy": False, "Ben": True, "Cara": False}
    assert InterventionSession.objects.get(intervention=group).note == "Corrected"


def test_a_session_not_delivered_keeps_no_attendance_and_costs_nothing(client, personas, group, today):
    client.force_login(personas.ta)
    client.post(_log_url(group, today), {"attended": [str(personas.pupil.public_id)]})
    client.post(_log_url(group, today), {"not_delivered": "on", "note": "TA covering a class"})
    session = InterventionSession.objects.get(intervention=group, date=today)
    assert session.delivered is False
    assert not Attendance.objects.filter(session=session).exists()
    senco = personas.senco.memberships.get()
    row = selectors.interventions_for_list(senco, today=today).get(pk=group.pk)
    assert (row.sessions_logged, row.sessions_delivered, row.cost_to_date) == (1, 0, Decimal("0"))


def test_a_delivered_session_counts_in_the_cost_to_date(client, personas, group, today):
    client.force_login(personas.ta)
    client.post(_log_url(group, today - dt.timedelta(days=1)), {"attended": [str(personas.pupil.public_id)]})
    client.post(_log_url(group, today), {"attended": []})
    senco = personas.senco.memberships.get()
    row = selectors.interventions_for_list(senco, today=today).get(pk=group.pk)
    # 2 sessions delivered x £12.50 = £25.00
    assert (row.sessions_delivered, row.cost_to_date) == (2, Decimal("25.00"))


def test_a_past_day_is_logged_from_the_group_page_and_returns_there(client, personas, group, today):
    client.force_login(personas.ta)
    yesterday = today - dt.timedelta(days=1)
    picked = client.get(reverse("interventions:session_pick", args=[group.public_id]), {"date": yesterday.isoformat()})
    assert picked.url == _log_url(group, yesterday)
    response = client.post(_log_url(group, yesterday), {"attended": [str(personas.pupil.public_id)]})
    assert response.url == reverse("interventions:detail", args=[group.public_id])


@pytest.mark.parametrize("offset, words", [(1, "has not happened yet"), (-31, "started on")])
def test_a_day_the_group_was_not_running_is_explained_and_cannot_be_saved(client, personas, group, today, offset, words):
    client.force_login(personas.ta)
    day = today + dt.timedelta(days=offset)
    page = client.get(_log_url(group, day)).content.decode()
    assert words in page
    assert 'name="attended"' not in page
    client.post(_log_url(group, day), {"attended": [str(personas.pupil.public_id)]})
    assert not InterventionSession.objects.exists()


def test_a_pupil_who_left_before_the_day_is_not_on_the_sheet(client, personas, group, today):
    enrolment = group.enrolments.get(pupil=personas.other_pupil)
    services.enrolment_end(enrolment=enrolment, end_date=today - dt.timedelta(days=2))
    client.force_login(personas.ta)
    page = client.get(_log_url(group, today)).content.decode()
    assert "Ben Jones" not in page
    assert "Ben Jones" in client.get(_log_url(group, today - dt.timedelta(days=3))).content.decode()


def test_a_made_up_pupil_id_in_the_post_is_refused_and_nothing_is_saved(client, personas, group, today):
    client.force_login(personas.ta)
    outsider = f.PupilFactory(school=personas.school)
    response = client.post(_log_url(group, today), {"attended": [str(outsider.public_id)], "note": "kept"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert "kept" in page
    assert not InterventionSession.objects.exists()


def test_a_note_that_is_too_long_keeps_the_ticks_and_saves_nothing(client, personas, group, today):
    client.force_login(personas.ta)
    response = client.post(_log_url(group, today), {"attended": [str(personas.pupil.public_id)], "note": "x" * 301})
    page = response.content.decode()
    assert "at most 300 characters" in page
    assert page.count(" checked") == 1
    assert not InterventionSession.objects.exists()


def test_a_teacher_who_does_not_run_the_group_cannot_log_it(client, personas, group, today):
    client.force_login(personas.teacher)  # Amy's teacher: may view the group, not log it
    assert client.get(reverse("interventions:detail", args=[group.public_id])).status_code == 200
    assert client.post(_log_url(group, today), {"attended": []}).status_code == 403
    assert not InterventionSession.objects.exists()


def test_a_teacher_who_runs_a_group_may_log_it(client, personas, group, today):
    group.staff.add(personas.teacher)
    client.force_login(personas.teacher)
    assert client.post(_log_url(group, today), {"attended": []}).status_code == 302


def test_another_schools_senco_gets_404_for_the_session_log(client, personas, group, today):
    client.force_login(personas.outsider)
    assert client.post(_log_url(group, today), {"attended": []}).status_code == 404
    assert client.get(reverse("interventions:session_pick", args=[group.public_id])).status_code == 404


def test_the_session_service_refuses_an_enrolment_of_another_group(personas, group, today):
    stray = f.EnrolmentFactory(
        intervention=f.InterventionFactory(programme=group.programme, start_date=group.start_date),
        start_date=group.start_date,
    )
    with pytest.raises(ValidationError):
        services_ui.session_log_save(
            intervention=group, date=today, delivered=True, note="", enrolments=[stray], attended=[stray.pk],
            logged_by=personas.ta,
        )  # fmt: skip
    assert not InterventionSession.objects.exists()


def _save_queries(client, group, pupils, day) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(_log_url(group, day), {"attended": [str(p.public_id) for p in pupils[::2]]})
    assert response.status_code == 302
    return len(ctx.captured_queries)


@pytest.mark.parametrize("size", [3, 12])
def test_saving_a_session_takes_the_same_queries_for_3_pupils_or_12(
    client, personas, today, size, django_assert_num_queries
):
    programme = f.ProgrammeFactory(school=personas.school)
    group = f.InterventionFactory(programme=programme, start_date=today - dt.timedelta(days=7))
    group.staff.add(personas.ta)
    pupils = [f.PupilFactory(school=personas.school) for _ in range(size)]
    for pupil in pupils:
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    client.force_login(personas.ta)
    client.get(reverse("interventions:session_today"))
    # Request: the session, the person and their membership, the group, its staff check (5).
    # Sheet: the day's session, the enrolments with pupils (2). Save: savepoint, lock the group's
    # row (two first logs of a day wait for each other: sencotrack.conflicts), lock the session
    # (none yet, so no attendances to read), insert it, insert the attendances, release (6), the
    # audit history of the session and of the attendances (2), and the school's data version moved
    # on with the session and with the attendances (2), for any number of pupils.
    session = session_queries()
    with django_assert_num_queries(16 + session):
        client.post(_log_url(group, today), {"attended": [str(p.public_id) for p in pupils[::2]]})
    # Saving again reads the day's attendances for the sheet and for the save (the page's version is
    # checked against them) and updates the changed rows in one statement rather than inserting,
    # reading their schools first to move them on (three more, however many pupils).
    with django_assert_num_queries(19 + session):
        client.post(_log_url(group, today), {"attended": [str(p.public_id) for p in pupils[1::2]]})
    assert Attendance.objects.filter(session__intervention=group, attended=True).count() == size // 2
    assert Attendance.objects.filter(session__intervention=group).count() == size


def test_a_membership_at_two_schools_logs_only_in_the_school_it_is_acting_for(client, personas, group, today):
    # Tia also works at Elm; acting for Elm she cannot reach Oak's group.
    elm = f.SchoolFactory(code="elm")
    elm_membership = f.MembershipFactory(user=personas.ta, school=elm, role=Role.TA)
    client.force_login(personas.ta)
    session = client.session
    session["membership_id"] = elm_membership.pk
    session.save()
    assert client.get(_log_url(group, today)).status_code == 404


def test_the_session_log_keeps_an_audit_history_of_each_attendance_naming_the_ta(client, personas, today):
    programme = f.ProgrammeFactory(school=personas.school)
    group = f.InterventionFactory(programme=programme, start_date=today - dt.timedelta(days=7))
    group.staff.add(personas.ta)
    pupils = [f.PupilFactory(school=personas.school) for _ in range(3)]
    for pupil in pupils:
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    client.force_login(personas.ta)
    client.post(_log_url(group, today), {"attended": [str(pupils[0].public_id)]})
    client.post(_log_url(group, today), {"attended": [str(p.public_id) for p in pupils]})
    history = Attendance.history.all()
    # 3 created, then 2 changed (absent -> attended): every row names the TA
    assert sorted(h.history_type for h in history) == ["+", "+", "+", "~", "~"]
    assert {h.history_user for h in history} == {personas.ta}


def test_an_archived_leaver_is_not_on_the_session_sheet_or_counted(client, personas, today):
    from django.utils import timezone

    programme = f.ProgrammeFactory(school=personas.school)
    group = f.InterventionFactory(programme=programme, start_date=today - dt.timedelta(days=7))
    group.staff.add(personas.ta)
    stays, leaver = f.PupilFactory(school=personas.school), f.PupilFactory(school=personas.school, surname="Leaver")
    for pupil in (stays, leaver):
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    leaver.archived_at = timezone.now()
    leaver.save()
    client.force_login(personas.ta)
    page = client.get(_log_url(group, today)).content.decode()
    assert stays.surname in page and "Leaver" not in page
