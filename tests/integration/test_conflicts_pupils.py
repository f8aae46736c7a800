"""Stale saves of the register and profile pages (sencotrack.conflicts): nothing is written over a colleague.

alice (the SENCo) opens a form; Jo Morgan, the school's other SENCo, saves the same record from her
own browser; then alice saves what she typed. She is shown a conflict: who changed it and when,
what she typed beside what is there now, her typing kept in the form, and nothing saved. Saving
again from that page ("Save mine anyway") saves hers, checked against the version she was shown.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from pupils.models import Concern, PupilProfile, RegisterEntry, Role
from tests import factories as f
from tests.integration.conflicts import conflict_table, drawn_from, hhmm, opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def jo(personas) -> Client:
    user = f.UserFactory(username="jo", first_name="Jo", last_name="Morgan")
    f.MembershipFactory(user=user, school=personas.school, role=Role.SENCO)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice(client, personas) -> Client:
    client.force_login(personas.senco)
    return client


def _page(response) -> str:
    return response.content.decode()


# --- The one-page profile ------------------------------------------------------------------------


def _profile(**typed) -> dict:
    fields = dict(needs_summary="", strengths="", what_helps="", aspirations="", pupil_voice="")
    return {**fields, **typed}


def test_a_profile_changed_since_the_page_was_opened_is_a_conflict_and_nothing_is_saved(alice, jo, personas):
    amy = personas.pupil
    PupilProfile.objects.create(pupil=amy, strengths="Reading aloud")
    url = reverse("pupils:profile_edit", args=[amy.public_id])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), **_profile(strengths="Reading aloud and maths", what_helps="A quiet corner")})

    response = alice.post(url, {**mine, **_profile(strengths="Drawing", what_helps="A quiet corner")})

    assert response.status_code == 200
    profile = PupilProfile.objects.get(pupil=amy)
    assert (profile.strengths, profile.what_helps) == ("Reading aloud and maths", "A quiet corner")  # Jo's stands
    page = _page(response)
    change = profile.history.latest("history_date")
    assert f"Jo Morgan changed this one-page profile at {hhmm(change)}, after you opened this page." in page
    assert "Nothing you typed has been saved, and nothing of theirs was overwritten." in page
    # Only what differs is listed; both typed "A quiet corner".
    assert conflict_table(page) == [("What I am good at", "Drawing", "Reading aloud and maths")]
    assert ">\nDrawing</textarea>" in page  # what alice typed is still in the form
    assert 'name="save" value="mine"' in page and "Save mine anyway" in page
    assert f'href="{url}" data-testid="keep-theirs"' in page


def test_save_mine_anyway_saves_the_profile_over_the_version_that_was_shown(alice, jo, personas):
    amy = personas.pupil
    url = reverse("pupils:profile_edit", args=[amy.public_id])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), **_profile(strengths="Maths")})  # the first profile: created by Jo
    conflict = alice.post(url, {**mine, **_profile(strengths="Drawing")})
    assert "Jo Morgan created this one-page profile" in _page(conflict)

    again = alice.post(url, {**drawn_from(conflict), **_profile(strengths="Drawing")})

    assert again.status_code == 302
    assert PupilProfile.objects.get(pupil=amy).strengths == "Drawing"
    assert [h.history_user.username for h in PupilProfile.history.order_by("history_date")] == ["jo", "alice"]


def test_save_mine_anyway_meets_a_further_change_as_a_new_conflict(alice, jo, personas):
    amy = personas.pupil
    url = reverse("pupils:profile_edit", args=[amy.public_id])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), **_profile(strengths="Maths")})
    conflict = alice.post(url, {**mine, **_profile(strengths="Drawing")})
    jo.post(url, {**opened(jo, url), **_profile(strengths="Maths and music")})

    again = alice.post(url, {**drawn_from(conflict), **_profile(strengths="Drawing")})

    assert again.status_code == 200
    assert conflict_table(_page(again)) == [("What I am good at", "Drawing", "Maths and music")]
    assert PupilProfile.objects.get(pupil=amy).strengths == "Maths and music"


def test_the_same_person_in_two_tabs_is_told_it_was_them(alice, personas):
    url = reverse("pupils:profile_edit", args=[personas.pupil.public_id])
    first_tab = opened(alice, url)
    alice.post(url, {**opened(alice, url), **_profile(strengths="Maths")})
    response = alice.post(url, {**first_tab, **_profile(strengths="Drawing")})
    assert "You (" in _page(response) and "in another window or tab) created this one-page profile" in _page(response)


def test_two_first_profiles_saved_one_after_the_other_never_fail(alice, jo, personas):
    """Before: both found no profile, the second insert broke the one-profile-per-pupil rule (a 500)."""
    url = reverse("pupils:profile_edit", args=[personas.pupil.public_id])
    mine, hers = opened(alice, url), opened(jo, url)
    assert jo.post(url, {**hers, **_profile(strengths="Maths")}).status_code == 302
    response = alice.post(url, {**mine, **_profile(strengths="Drawing")})
    assert response.status_code == 200 and 'data-testid="conflict"' in _page(response)
    assert PupilProfile.objects.count() == 1


def test_a_form_posted_without_what_it_was_drawn_from_saves_as_before(alice, personas):
    """Not from these pages (a script): no version to check, the last write wins, as an import does."""
    url = reverse("pupils:profile_edit", args=[personas.pupil.public_id])
    PupilProfile.objects.create(pupil=personas.pupil, strengths="Maths")
    assert alice.post(url, _profile(strengths="Drawing")).status_code == 302
    assert PupilProfile.objects.get().strengths == "Drawing"


# --- Register entries ------------------------------------------------------------------------------


@pytest.fixture
def entry(personas):
    return f.RegisterEntryFactory(
        pupil=personas.pupil, provision="K", primary_need="SPLD", start_date=dt.date(2023, 9, 4),
        review_date=dt.date(2024, 1, 15),
    )  # fmt: skip


def _entry_form(**typed) -> dict:
    return {"provision": "K", "primary_need": "SPLD", "secondary_need": "", "start_date": "2023-09-04",
            "review_date": "2024-01-15", "notes": "", **typed}  # fmt: skip


def test_a_register_entry_changed_since_the_page_was_opened_is_a_conflict(alice, jo, personas, entry):
    url = reverse("pupils:entry_change", args=[personas.pupil.public_id, entry.pk])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), **_entry_form(provision="E", notes="EHC plan issued")})

    response = alice.post(url, {**mine, **_entry_form(primary_need="MLD", review_date="2024-02-01")})

    assert response.status_code == 200
    entry.refresh_from_db()
    assert (entry.provision, entry.primary_need, entry.notes) == ("E", "SPLD", "EHC plan issued")
    page = _page(response)
    assert "Jo Morgan changed this register entry at" in page
    assert conflict_table(page) == [
        ("Provision", "K: SEN support", "E: EHC plan"),
        ("Primary need", "MLD: moderate learning difficulty", "SPLD: specific learning difficulty"),
        ("Review date", "01/02/2024", "15/01/2024"),
        ("Notes", "—", "EHC plan issued"),
    ]
    assert '<option value="MLD" selected>' in page  # alice's choice is kept in the form

    again = alice.post(url, {**drawn_from(response), **_entry_form(primary_need="MLD", review_date="2024-02-01")})
    assert again.status_code == 302
    entry.refresh_from_db()
    assert (entry.provision, entry.primary_need, entry.notes) == ("K", "MLD", "")


def test_closing_an_entry_that_was_changed_meanwhile_is_a_conflict(alice, jo, personas, entry):
    url = reverse("pupils:entry_close", args=[personas.pupil.public_id, entry.pk])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), "end_date": "2024-07-19"})

    response = alice.post(url, {**mine, "end_date": "2024-03-28"})

    entry.refresh_from_db()
    assert entry.end_date == dt.date(2024, 7, 19)
    assert conflict_table(_page(response)) == [("End date", "28/03/2024", "19/07/2024")]
    assert alice.post(url, {**drawn_from(response), "end_date": "2024-03-28"}).status_code == 302
    entry.refresh_from_db()
    assert entry.end_date == dt.date(2024, 3, 28)


def test_adding_to_the_register_after_a_colleague_changed_the_pupils_register_is_a_conflict(alice, jo, personas, entry):
    amy = personas.pupil
    add = reverse("pupils:register_add")
    mine = opened(alice, add)
    change = reverse("pupils:entry_change", args=[amy.public_id, entry.pk])
    jo.post(change, {**opened(jo, change), **_entry_form(provision="E")})

    typed = {"pupil": str(amy.public_id), "provision": "E", "primary_need": "ASD", "secondary_need": "",
             "start_date": "2024-09-02", "review_date": "", "notes": ""}  # fmt: skip
    response = alice.post(add, {**mine, **typed})

    assert response.status_code == 200
    assert RegisterEntry.objects.filter(pupil=amy).count() == 1  # nothing added, the open entry not closed
    page = _page(response)
    assert "Jo Morgan changed this pupil's register at" in page
    assert "What is there now:</strong> Amy Smith&#x27;s register: E: EHC plan from 04/09/2023 (open), SPLD" in page
    assert "Keep theirs (leave the register as it is)" in page

    again = alice.post(add, {**drawn_from(response), **typed})
    assert again.status_code == 302
    assert list(RegisterEntry.objects.filter(pupil=amy).order_by("start_date").values_list("provision", "end_date")) == [
        ("E", dt.date(2024, 9, 1)), ("E", None),
    ]  # fmt: skip


def test_adding_to_the_register_of_a_pupil_unchanged_since_the_page_was_drawn_just_saves(alice, personas, entry):
    add = reverse("pupils:register_add")
    typed = {"pupil": str(personas.pupil.public_id), "provision": "E", "primary_need": "ASD", "secondary_need": "",
             "start_date": "2024-09-02", "review_date": "", "notes": ""}  # fmt: skip
    assert alice.post(add, {**opened(alice, add), **typed}).status_code == 302  # the earlier entry predates the page


# --- Concerns -----------------------------------------------------------------------------------------


def test_closing_a_concern_a_colleague_closed_meanwhile_is_a_conflict_not_an_error(alice, jo, personas):
    concern = Concern.objects.create(pupil=personas.other_pupil, raised_by=personas.teacher, raised_on=dt.date(2024, 5, 1), reason="Reading")
    url = reverse("pupils:concern_close", args=[personas.other_pupil.public_id, concern.pk])
    mine = opened(alice, url)
    jo.post(url, {**opened(jo, url), "closed_on": "2024-06-01"})

    response = alice.post(url, {**mine, "closed_on": "2024-06-03"})

    concern.refresh_from_db()
    assert concern.closed_on == dt.date(2024, 6, 1)
    assert "Jo Morgan changed this concern at" in _page(response)
    assert conflict_table(_page(response)) == [("Closed on", "03/06/2024", "01/06/2024")]
