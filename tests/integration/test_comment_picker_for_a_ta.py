"""A TA's comment form offers her own pupils first and only the pupils she may see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_ta_is_offered_her_own_pupils_first_and_no_one_she_may_not_see(client, personas):
    programme = f.ProgrammeFactory(school=personas.school)
    group = f.InterventionFactory(programme=programme, start_date=dt.date(2025, 9, 1))
    group.staff.add(personas.ta)
    mine = [f.PupilFactory(school=personas.school, surname=f"Zed{i}") for i in range(3)]
    for pupil in mine:
        f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=group.start_date)
    f.PupilFactory.create_batch(5, school=personas.school)  # pupils of the school she does not work with
    client.force_login(personas.ta)
    picker = client.get(reverse("interventions:comment_add")).context["picker"]
    assert [p.pk for p in picker.pupils] == [p.pk for p in mine]  # hers, and nobody else of the school's 10
    assert picker.total == 3
    search = client.get(reverse("interventions:comment_pupil_options"), {"q": personas.pupil.surname}).content.decode()
    assert "No pupil matches" in search and "Smith, Amy" not in search  # Amy is bob's pupil, not hers
