"""The SEN register pages: who sees what, filters and counts, adding, changing and closing entries.

Personas (tests/conftest.py): alice is the SENCo of Oak, bob teaches 9E1 (Amy Smith), tia is a TA
with no groups, gwen a governor, dan the data manager, charlie the SENCo of Elm. Ben Jones is in
no group of anyone's.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pupils.models import Concern, Pupil, RegisterEntry
from tests import factories as f

REGISTER = reverse("pupils:register")
ADD = reverse("pupils:register_add")


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def _as(client, user):
    client.force_login(user)
    return client


def _rows(response) -> list[str]:
    """Names of the pupils in the register table, in order."""
    return [f"{e.pupil.surname}, {e.pupil.forename}" for e in response.context["register"].entries]


@pytest.fixture
def register(personas, today):
    """Amy on SEN support (SPLD, review overdue), Ben with an EHC plan (ASD), Cara on N, Dev ended."""
    school = personas.school
    amy = f.RegisterEntryFactory(
        pupil=personas.pupil,
        provision="K",
        primary_need="SPLD",
        start_date=dt.date(2023, 9, 4),
        review_date=today - dt.timedelta(days=3),
    )
    ben = f.RegisterEntryFactory(
        pupil=personas.other_pupil,
        provision="E",
        primary_need="ASD",
        secondary_need="SLCN",
        start_date=dt.date(2022, 9, 5),
        review_date=today + dt.timedelta(days=60),
    )
    cara = f.PupilFactory(school=school, surname="Cole", forename="Cara", year_group=7, pupil_premium=True)
    f.RegisterEntryFactory(pupil=cara, provision="N", primary_need="", start_date=dt.date(2024, 1, 8))
    dev = f.PupilFactory(school=school, surname="Dunn", forename="Dev", year_group=8, pupil_premium=True)
    f.RegisterEntryFactory(
        pupil=dev, provision="K", primary_need="MLD", start_date=dt.date(2021, 9, 6), end_date=dt.date(2023, 7, 20)
    )
    eve = f.PupilFactory(school=school, surname="Evans", forename="Eve", year_group=7, pupil_premium=True)
    f.RegisterEntryFactory(pupil=eve, provision="K", primary_need="SEMH", start_date=dt.date(2024, 4, 15))
    return {"amy": amy, "ben": ben, "cara": cara, "dev": dev, "eve": eve}


# --- Who may see the register --------------------------------------------------------------------


def test_the_senco_sees_every_open_entry_of_their_school_without_n(client, personas, register):
    response = _as(client, personas.senco).get(REGISTER)
    assert response.status_code == 200
    # Open entries that are not N: Amy (K), Ben (E), Eve (K); Cara is N, Dev's entry ended.
    assert _rows(response) == ["Evans, Eve", "Jones, Ben", "Smith, Amy"]


def test_a_teacher_sees_only_their_own_pupils_on_the_register(client, personas, register):
    response = _as(client, personas.teacher).get(REGISTER)
    assert response.status_code == 200
    assert _rows(response) == ["Smith, Amy"]
    assert "Jones, Ben" not in response.content.decode()
    assert response.context["can_edit"] is False
    assert reverse("pupils:register_add") not in response.content.decode()


def test_a_ta_with_no_groups_sees_an_empty_register(client, personas, register):
    response = _as(client, personas.ta).get(REGISTER)
    assert response.status_code == 200
    assert _rows(response) == []
    assert "None of the pupils in your groups" in response.content.decode()


def test_a_ta_sees_pupils_of_the_interventions_they_run(client, personas, register):
    intervention = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school))
    intervention.staff.add(personas.ta)
    f.EnrolmentFactory(intervention=intervention, pupil=register["eve"])
    assert _rows(_as(client, personas.ta).get(REGISTER)) == ["Evans, Eve"]


@pytest.mark.parametrize("who", ["governor", "data_manager"])
def test_governors_and_data_managers_are_refused_the_register(client, personas, register, who):
    assert _as(client, getattr(personas, who)).get(REGISTER).status_code == 403


def test_another_schools_senco_sees_none_of_this_schools_register(client, personas, register):
    response = _as(client, personas.outsider).get(REGISTER)
    assert response.status_code == 200
    assert _rows(response) == []


def test_someone_signed_out_is_sent_to_sign_in(client, personas):
    response = client.get(REGISTER)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Filters and counts --------------------------------------------------------------------------


def test_the_register_filters_by_primary_need_and_year_group(client, personas, register):
    c = _as(client, personas.senco)
    assert _rows(c.get(REGISTER, {"need": "ASD"})) == ["Jones, Ben"]
    assert _rows(c.get(REGISTER, {"year": "7"})) == ["Evans, Eve"]
    assert _rows(c.get(REGISTER, {"year": "9", "need": "SPLD"})) == ["Smith, Amy"]


def test_the_register_filters_by_provision_and_pupil_premium(client, personas, register):
    c = _as(client, personas.senco)
    assert _rows(c.get(REGISTER, {"provision": "E"})) == ["Jones, Ben"]
    assert _rows(c.get(REGISTER, {"pp": "yes"})) == ["Evans, Eve"]
    assert _rows(c.get(REGISTER, {"pp": "no"})) == ["Jones, Ben", "Smith, Amy"]
    # Asking for N shows the open N entries even without "show all".
    assert _rows(c.get(REGISTER, {"provision": "N"})) == ["Cole, Cara"]


def test_show_all_adds_ended_entries_and_n(client, personas, register):
    response = _as(client, personas.senco).get(REGISTER, {"all": "on"})
    assert _rows(response) == ["Cole, Cara", "Dunn, Dev", "Evans, Eve", "Jones, Ben", "Smith, Amy"]
    assert "Ended" in response.content.decode()


def test_an_unreadable_filter_is_ignored_rather_than_failing(client, personas, register):
    response = _as(client, personas.senco).get(REGISTER, {"year": "nine", "provision": "Z"})
    assert response.status_code == 200
    assert _rows(response) == ["Evans, Eve", "Jones, Ben", "Smith, Amy"]


def test_counts_by_provision_and_need_are_for_the_filtered_set(client, personas, register):
    c = _as(client, personas.senco)
    data = c.get(REGISTER).context["register"]
    # Amy K SPLD, Ben E ASD, Eve K SEMH: K 2, E 1; one of each need.
    assert [(code, n) for code, _, n in data.by_provision] == [("K", 2), ("E", 1)]
    assert sorted((code, n) for code, _, n in data.by_need) == [("ASD", 1), ("SEMH", 1), ("SPLD", 1)]
    filtered = c.get(REGISTER, {"provision": "K"}).context["register"]
    assert [(code, n) for code, _, n in filtered.by_provision] == [("K", 2)]
    assert sorted(code for code, _, _ in filtered.by_need) == ["SEMH", "SPLD"]


def test_an_overdue_review_is_marked_in_words_not_only_colour(client, personas, register):
    response = _as(client, personas.senco).get(REGISTER)
    amy = next(e for e in response.context["register"].entries if e.pupil == personas.pupil)
    assert amy.overdue
    assert response.context["register"].overdue == 1
    html = response.content.decode()
    assert "Overdue" in html
    assert "1 review overdue" in html


def test_an_htmx_request_gets_only_the_results_and_the_response_varies_on_it(client, personas, register):
    c = _as(client, personas.senco)
    partial = c.get(REGISTER, {"need": "ASD"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html
    assert 'id="register-results"' in html
    assert "Jones, Ben" in html and "Smith, Amy" not in html
    assert "HX-Request" in partial["Vary"]
    full = c.get(REGISTER, {"need": "ASD"})
    assert "<html" in full.content.decode()


def test_pupil_links_use_the_public_id_never_the_database_id(client, personas, register):
    html = _as(client, personas.senco).get(REGISTER).content.decode()
    assert reverse("pupils:detail", args=[personas.pupil.public_id]) in html
    assert f"/pupils/{personas.pupil.pk}/" not in html


# --- Adding an entry -----------------------------------------------------------------------------


def _entry_form(who: Pupil, **overrides) -> dict:
    data = {
        "pupil": str(who.public_id),
        "provision": "K",
        "primary_need": "SLCN",
        "secondary_need": "",
        "start_date": "2025-01-06",
        "review_date": "2025-03-28",
        "notes": "Speech and language referral made.",
    }
    data.update(overrides)
    return data


def test_the_senco_adds_a_pupil_to_the_register(client, personas):
    response = _as(client, personas.senco).post(ADD, _entry_form(personas.other_pupil))
    assert response.status_code == 302
    entry = RegisterEntry.objects.get(pupil=personas.other_pupil)
    assert (entry.provision, entry.primary_need, entry.start_date) == ("K", "SLCN", dt.date(2025, 1, 6))
    assert entry.review_date == dt.date(2025, 3, 28)
    assert entry.notes == "Speech and language referral made."
    page = client.get(response["Location"])
    assert "Ben Jones is on the register" in page.content.decode()


def test_the_add_form_can_start_with_the_pupil_chosen(client, personas):
    response = _as(client, personas.senco).get(ADD, {"pupil": str(personas.pupil.public_id)})
    assert response.status_code == 200
    assert response.context["form"].initial["pupil"] == personas.pupil
    assert client.get(ADD, {"pupil": "not-a-uuid"}).status_code == 200


def test_a_new_entry_closes_the_pupils_earlier_open_entry_the_day_before(client, personas):
    old = f.RegisterEntryFactory(pupil=personas.pupil, provision="K", start_date=dt.date(2023, 9, 4))
    response = _as(client, personas.senco).post(
        ADD, _entry_form(personas.pupil, provision="E", primary_need="ASD", start_date="2025-02-03"), follow=True
    )
    old.refresh_from_db()
    # 3 Feb 2025 minus one day is 2 Feb 2025.
    assert old.end_date == dt.date(2025, 2, 2)
    assert RegisterEntry.objects.get(pupil=personas.pupil, end_date__isnull=True).provision == "E"
    assert "was closed on 02/02/2025" in response.content.decode()


@pytest.mark.parametrize("who", ["teacher", "ta", "governor", "data_manager"])
def test_only_the_senco_may_add_to_the_register(client, personas, who):
    c = _as(client, getattr(personas, who))
    assert c.get(ADD).status_code == 403
    assert c.post(ADD, _entry_form(personas.pupil)).status_code == 403
    assert not RegisterEntry.objects.exists()


def test_another_schools_senco_cannot_add_this_schools_pupil(client, personas):
    response = _as(client, personas.outsider).post(ADD, _entry_form(personas.pupil))
    assert response.status_code == 200
    assert "pupil" in response.context["form"].errors
    assert not RegisterEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"start_date": ""}, "start_date", "This field is required."),
        ({"start_date": "31/02/2025"}, "start_date", "Enter a valid date."),
        ({"provision": "Q"}, "provision", "Select a valid choice"),
        ({"primary_need": "NSA", "provision": "E"}, "primary_need", "only be used with K"),
        ({"secondary_need": "SLCN"}, "secondary_need", "must differ"),
        ({"review_date": "2024-12-01"}, "review_date", "cannot be before the start date"),
        ({"provision": "S"}, "provision", "replaced by K and E"),
        ({"pupil": ""}, "pupil", "This field is required."),
    ],
)
def test_bad_input_shows_a_clear_error_keeps_what_was_typed_and_saves_nothing(
    client, personas, overrides, field, message
):
    data = _entry_form(personas.pupil, **overrides)
    response = _as(client, personas.senco).post(ADD, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    html = response.content.decode()
    assert "Speech and language referral made." in html  # what was typed is kept
    assert not RegisterEntry.objects.exists()


def test_an_entry_overlapping_a_later_open_one_is_refused_by_the_service_and_nothing_is_saved(client, personas):
    f.RegisterEntryFactory(pupil=personas.pupil, provision="K", start_date=dt.date(2025, 3, 3))
    response = _as(client, personas.senco).post(ADD, _entry_form(personas.pupil, start_date="2025-01-06"))
    assert response.status_code == 200
    errors = response.context["form"].errors["start_date"]
    assert any("03/03/2025" in e for e in errors)  # names the open entry it clashes with
    assert RegisterEntry.objects.count() == 1


def test_adding_a_second_entry_on_the_same_start_date_is_refused(client, personas):
    f.RegisterEntryFactory(
        pupil=personas.pupil, provision="K", start_date=dt.date(2025, 1, 6), end_date=dt.date(2025, 2, 1)
    )
    response = _as(client, personas.senco).post(ADD, _entry_form(personas.pupil, provision="E"))
    assert any(
        "already has an entry starting on 06/01/2025" in e for e in response.context["form"].errors["start_date"]
    )
    assert RegisterEntry.objects.get().provision == "K"


def test_an_archived_pupil_cannot_be_picked_for_a_new_entry(client, personas):
    Pupil.objects.filter(pk=personas.other_pupil.pk).update(archived_at=timezone.now())
    response = _as(client, personas.senco).post(ADD, _entry_form(personas.other_pupil))
    assert "pupil" in response.context["form"].errors


def test_next_only_returns_to_this_site(client, personas):
    c = _as(client, personas.senco)
    response = c.post(ADD, dict(_entry_form(personas.pupil), next="https://evil.example/"))
    assert response["Location"] == REGISTER
    response = c.post(ADD, dict(_entry_form(personas.other_pupil), next="/pupils/"))
    assert response["Location"] == "/pupils/"


# --- Changing and closing an entry ---------------------------------------------------------------


def _change_url(entry):
    return reverse("pupils:entry_change", args=[entry.pupil.public_id, entry.pk])


def _close_url(entry):
    return reverse("pupils:entry_close", args=[entry.pupil.public_id, entry.pk])


def test_the_senco_changes_an_entry(client, personas, register):
    amy = register["amy"]
    c = _as(client, personas.senco)
    form = c.get(_change_url(amy)).context["form"]
    assert form.initial["primary_need"] == "SPLD"
    response = c.post(
        _change_url(amy),
        {
            "provision": "K",
            "primary_need": "SPLD",
            "secondary_need": "SEMH",
            "start_date": "2023-09-01",
            "review_date": "2026-01-20",
            "notes": "Reviewed with parents.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("pupils:detail", args=[personas.pupil.public_id])
    amy.refresh_from_db()
    assert (amy.secondary_need, amy.start_date, amy.review_date) == ("SEMH", dt.date(2023, 9, 1), dt.date(2026, 1, 20))
    assert amy.notes == "Reviewed with parents."


def test_a_change_that_would_overlap_another_entry_is_refused_and_nothing_is_saved(client, personas):
    earlier = f.RegisterEntryFactory(
        pupil=personas.pupil, provision="K", start_date=dt.date(2022, 9, 5), end_date=dt.date(2023, 7, 21)
    )
    later = f.RegisterEntryFactory(pupil=personas.pupil, provision="E", start_date=dt.date(2023, 9, 4))
    response = _as(client, personas.senco).post(
        _change_url(later), {"provision": "E", "primary_need": "ASD", "start_date": "2023-06-01", "notes": "typed"}
    )
    assert response.status_code == 200
    assert any("would overlap" in e for e in response.context["form"].errors["start_date"])
    later.refresh_from_db()
    earlier.refresh_from_db()
    assert later.start_date == dt.date(2023, 9, 4) and later.primary_need == "SPLD"
    assert "typed" in response.content.decode()


def test_the_senco_closes_an_entry(client, personas, register):
    amy = register["amy"]
    c = _as(client, personas.senco)
    assert c.get(_close_url(amy)).status_code == 200
    response = c.post(_close_url(amy), {"end_date": "2025-07-18"})
    assert response.status_code == 302
    amy.refresh_from_db()
    assert amy.end_date == dt.date(2025, 7, 18)


def test_an_entry_cannot_close_before_it_started(client, personas, register):
    amy = register["amy"]
    response = _as(client, personas.senco).post(_close_url(amy), {"end_date": "2023-01-01"})
    assert response.status_code == 200
    assert any("cannot be before the entry started" in e for e in response.context["form"].errors["end_date"])
    amy.refresh_from_db()
    assert amy.end_date is None


def test_closing_onto_a_later_entry_is_refused_by_the_service(client, personas):
    first = f.RegisterEntryFactory(
        pupil=personas.pupil, provision="K", start_date=dt.date(2022, 9, 5), end_date=dt.date(2023, 7, 21)
    )
    f.RegisterEntryFactory(pupil=personas.pupil, provision="E", start_date=dt.date(2023, 9, 4))
    response = _as(client, personas.senco).post(_close_url(first), {"end_date": "2023-12-01"})
    assert any("would overlap" in e for e in response.context["form"].errors["end_date"])
    first.refresh_from_db()
    assert first.end_date == dt.date(2023, 7, 21)


@pytest.mark.parametrize("who", ["teacher"])
def test_a_teacher_who_can_see_the_pupil_may_not_change_or_close_entries(client, personas, register, who):
    c = _as(client, getattr(personas, who))
    amy = register["amy"]
    assert c.get(_change_url(amy)).status_code == 403
    assert c.post(_close_url(amy), {"end_date": "2025-07-18"}).status_code == 403
    amy.refresh_from_db()
    assert amy.end_date is None


def test_another_schools_senco_gets_404_for_this_schools_entries(client, personas, register):
    c = _as(client, personas.outsider)
    assert c.get(_change_url(register["amy"])).status_code == 404
    assert c.post(_close_url(register["amy"]), {"end_date": "2025-07-18"}).status_code == 404


def test_an_entry_of_another_pupil_cannot_be_reached_through_this_pupils_url(client, personas, register):
    url = reverse("pupils:entry_change", args=[personas.pupil.public_id, register["ben"].pk])
    assert _as(client, personas.senco).get(url).status_code == 404


# --- History -------------------------------------------------------------------------------------


def test_the_history_lists_every_entry_newest_first(client, personas):
    f.RegisterEntryFactory(
        pupil=personas.pupil,
        provision="S",
        primary_need="MLD",
        start_date=dt.date(2012, 9, 3),
        end_date=dt.date(2014, 8, 31),
    )
    f.RegisterEntryFactory(
        pupil=personas.pupil,
        provision="K",
        primary_need="MLD",
        start_date=dt.date(2014, 9, 1),
        end_date=dt.date(2020, 7, 17),
    )
    f.RegisterEntryFactory(pupil=personas.pupil, provision="E", primary_need="ASD", start_date=dt.date(2020, 9, 7))
    url = reverse("pupils:history", args=[personas.pupil.public_id])
    response = _as(client, personas.senco).get(url)
    assert [e.start_date.year for e in response.context["history"]] == [2020, 2014, 2012]
    assert "S: Statement (before 2014)" in response.content.decode()


def test_a_teacher_sees_the_history_of_their_pupil_but_not_of_ben(client, personas, register):
    c = _as(client, personas.teacher)
    assert c.get(reverse("pupils:history", args=[personas.pupil.public_id])).status_code == 200
    assert c.get(reverse("pupils:history", args=[personas.other_pupil.public_id])).status_code == 404


# --- Pupils of concern ---------------------------------------------------------------------------


def _raise_url(pupil):
    return reverse("pupils:concern_raise", args=[pupil.public_id])


def test_a_teacher_raises_a_concern_about_their_pupil(client, personas, today):
    c = _as(client, personas.teacher)
    assert c.get(_raise_url(personas.pupil)).status_code == 200
    response = c.post(
        _raise_url(personas.pupil), {"raised_on": today.isoformat(), "reason": "Struggles to copy from the board."}
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert (concern.pupil, concern.raised_by, concern.reason) == (
        personas.pupil,
        personas.teacher,
        "Struggles to copy from the board.",
    )


def test_a_teacher_cannot_raise_a_concern_about_ben_who_is_in_no_group_of_theirs(client, personas, today):
    response = _as(client, personas.teacher).post(
        _raise_url(personas.other_pupil), {"raised_on": today.isoformat(), "reason": "x"}
    )
    assert response.status_code == 404
    assert not Concern.objects.exists()


def test_a_concern_about_a_pupil_already_on_the_register_is_refused(client, personas, register, today):
    response = _as(client, personas.senco).post(
        _raise_url(personas.pupil), {"raised_on": today.isoformat(), "reason": "Typed reason"}
    )
    assert response.status_code == 200
    assert "already on the SEN register" in response.content.decode()
    assert "Typed reason" in response.content.decode()
    assert not Concern.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"raised_on": "2999-01-01", "reason": "x"}, "raised_on"),
        ({"raised_on": "2025-01-01", "reason": "   "}, "reason"),
    ],
)
def test_a_concern_needs_a_past_date_and_a_reason(client, personas, data, field):
    response = _as(client, personas.teacher).post(_raise_url(personas.pupil), data)
    assert field in response.context["form"].errors
    assert not Concern.objects.exists()


def test_a_second_open_concern_about_the_same_pupil_is_refused(client, personas, today):
    Concern.objects.create(pupil=personas.pupil, raised_by=personas.ta, raised_on=today, reason="Quiet in class")
    response = _as(client, personas.teacher).post(
        _raise_url(personas.pupil), {"raised_on": today.isoformat(), "reason": "Again"}
    )
    assert "already an open concern" in response.content.decode()
    assert Concern.objects.count() == 1


def test_the_senco_lists_and_closes_concerns(client, personas, today):
    concern = Concern.objects.create(
        pupil=personas.pupil, raised_by=personas.teacher, raised_on=dt.date(2025, 1, 6), reason="Quiet"
    )
    c = _as(client, personas.senco)
    listing = c.get(reverse("pupils:concerns"))
    assert list(listing.context["concerns"]) == [concern]
    url = reverse("pupils:concern_close", args=[personas.pupil.public_id, concern.pk])
    bad = c.post(url, {"closed_on": "2024-12-01"})
    assert any("cannot close before it was raised (06/01/2025)" in e for e in bad.context["form"].errors["closed_on"])
    assert c.post(url, {"closed_on": "2025-03-01"}).status_code == 302
    concern.refresh_from_db()
    assert concern.closed_on == dt.date(2025, 3, 1)
    assert list(c.get(reverse("pupils:concerns")).context["concerns"]) == []


@pytest.mark.parametrize("who", ["teacher", "ta", "governor", "data_manager"])
def test_only_the_senco_sees_the_list_of_concerns(client, personas, who):
    assert _as(client, getattr(personas, who)).get(reverse("pupils:concerns")).status_code == 403


def test_a_teacher_cannot_close_a_concern(client, personas, today):
    concern = Concern.objects.create(pupil=personas.pupil, raised_by=personas.teacher, raised_on=today, reason="Quiet")
    url = reverse("pupils:concern_close", args=[personas.pupil.public_id, concern.pk])
    assert _as(client, personas.teacher).post(url, {"closed_on": today.isoformat()}).status_code == 403
    concern.refresh_from_db()
    assert concern.closed_on is None


def test_another_schools_senco_cannot_see_or_close_this_schools_concerns(client, personas, today):
    concern = Concern.objects.create(pupil=personas.pupil, raised_by=personas.teacher, raised_on=today, reason="Quiet")
    c = _as(client, personas.outsider)
    assert list(c.get(reverse("pupils:concerns")).context["concerns"]) == []
    url = reverse("pupils:concern_close", args=[personas.pupil.public_id, concern.pk])
    assert c.post(url, {"closed_on": today.isoformat()}).status_code == 404


# --- Query counts --------------------------------------------------------------------------------


def _add_register_pupils(school, n: int, today: dt.date) -> None:
    for i in range(n):
        pupil = f.PupilFactory(school=school, year_group=7 + i % 5, pupil_premium=bool(i % 2))
        f.RegisterEntryFactory(
            pupil=pupil,
            provision="KE"[i % 2],
            primary_need=["SPLD", "ASD", "SEMH"][i % 3],
            start_date=dt.date(2024, 9, 2),
            review_date=today - dt.timedelta(days=i - 5),
        )


@pytest.mark.parametrize("who", ["senco", "teacher"])
def test_the_register_takes_the_same_number_of_queries_for_3_or_30_pupils(
    client, personas, today, django_assert_num_queries, who
):
    c = _as(client, getattr(personas, who))
    _add_register_pupils(personas.school, 3, today)
    personas.group.pupils.add(*Pupil.objects.filter(school=personas.school))
    c.get(REGISTER)  # the first request of a session may save it; measure the next ones
    with CaptureQueriesContext(connection) as small:
        response = c.get(REGISTER, {"pp": "no"})
    # i = 0, 1, 2: even i are not pupil premium -> 2 rows.
    assert len(response.context["register"].entries) == 2
    _add_register_pupils(personas.school, 27, today)
    personas.group.pupils.add(*Pupil.objects.filter(school=personas.school))
    with django_assert_num_queries(len(small.captured_queries)):
        response = c.get(REGISTER, {"pp": "no"})
    # 2 from before, and i = 0, 2, ..., 26 of the new 27 -> 14 more: 16.
    assert len(response.context["register"].entries) == 16
