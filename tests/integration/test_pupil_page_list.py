"""The pupil list: search by name or UPN among the pupils a person may see, leavers hidden by default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pupils.models import Pupil
from tests import factories as f

LIST = reverse("pupils:list")


def _as(client, user):
    client.force_login(user)
    return client


def _names(response) -> list[str]:
    return [p.full_name for p in response.context["page"].object_list]


@pytest.fixture
def leaver(personas):
    return f.PupilFactory(school=personas.school, surname="Lee", forename="Leo", archived_at=timezone.now())


def test_the_senco_sees_every_pupil_on_roll_by_surname(client, personas, leaver):
    assert _names(_as(client, personas.senco).get(LIST)) == ["Ben Jones", "Amy Smith"]


def test_leavers_are_listed_only_when_asked_for(client, personas, leaver):
    response = _as(client, personas.senco).get(LIST, {"archived": "on"})
    assert _names(response) == ["Ben Jones", "Leo Lee", "Amy Smith"]
    assert "Left" in response.content.decode()


def test_search_matches_every_word_in_names_or_the_upn(client, personas):
    c = _as(client, personas.senco)
    assert _names(c.get(LIST, {"q": "smi"})) == ["Amy Smith"]
    assert _names(c.get(LIST, {"q": "ben JONES"})) == ["Ben Jones"]
    assert _names(c.get(LIST, {"q": personas.other_pupil.upn[-5:]})) == ["Ben Jones"]
    response = c.get(LIST, {"q": "nobody"})
    assert _names(response) == []
    assert "No pupil matches that" in response.content.decode()


def test_a_teacher_finds_only_their_own_pupils(client, personas):
    c = _as(client, personas.teacher)
    assert _names(c.get(LIST)) == ["Amy Smith"]
    assert _names(c.get(LIST, {"q": "Jones"})) == []


def test_a_ta_with_no_groups_is_told_how_to_get_pupils(client, personas):
    response = _as(client, personas.ta).get(LIST)
    assert _names(response) == []
    assert "Ask your SENCo to add you to your groups" in response.content.decode()


@pytest.mark.parametrize("who", ["governor", "data_manager"])
def test_governors_and_data_managers_are_refused_the_pupil_list(client, personas, who):
    assert _as(client, getattr(personas, who)).get(LIST).status_code == 403


def test_another_schools_senco_finds_none_of_this_schools_pupils(client, personas):
    assert _names(_as(client, personas.outsider).get(LIST, {"q": "Smith"})) == []


def test_the_list_shows_who_is_on_the_register_today(client, personas):
    f.RegisterEntryFactory(pupil=personas.pupil, provision="E", start_date=dt.date(2023, 9, 4))
    f.RegisterEntryFactory(
        pupil=personas.other_pupil, provision="K", start_date=dt.date(2020, 9, 7), end_date=dt.date(2022, 7, 22)
    )
    response = _as(client, personas.senco).get(LIST)
    provisions = {p.full_name: p.provision for p in response.context["page"].object_list}
    assert provisions == {"Amy Smith": "E", "Ben Jones": None}


def test_an_htmx_search_gets_only_the_results(client, personas):
    response = _as(client, personas.senco).get(LIST, {"q": "amy"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="pupil-results"' in html and "Smith, Amy" in html


def test_the_list_is_paged_fifty_at_a_time(client, personas):
    for _ in range(55):
        f.PupilFactory(school=personas.school)
    c = _as(client, personas.senco)
    first = c.get(LIST)
    # 2 personas' pupils + 55 = 57: 50 on page 1, 7 on page 2.
    assert len(first.context["page"].object_list) == 50
    assert len(c.get(LIST, {"page": 2}).context["page"].object_list) == 7


@pytest.mark.parametrize("who", ["senco", "teacher"])
def test_the_pupil_list_takes_the_same_number_of_queries_for_3_or_30_pupils(
    client, personas, django_assert_num_queries, who
):
    c = _as(client, getattr(personas, who))
    f.PupilFactory(school=personas.school)
    personas.group.pupils.add(*Pupil.objects.filter(school=personas.school))
    c.get(LIST)
    with CaptureQueriesContext(connection) as small:
        c.get(LIST)
    for _ in range(27):
        pupil = f.PupilFactory(school=personas.school)
        f.RegisterEntryFactory(pupil=pupil, start_date=dt.date(2024, 9, 2))
    personas.group.pupils.add(*Pupil.objects.filter(school=personas.school))
    with django_assert_num_queries(len(small.captured_queries)):
        response = c.get(LIST)
    assert response.context["page"].paginator.count == 30
