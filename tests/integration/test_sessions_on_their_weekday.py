"""A TA's "Today's sessions" (home card and sessions page) lists only the groups meeting on today's weekday."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from interventions.models import InterventionSession
from interventions.selectors import sessions_for_day
from pupils.models import Membership
from reports.home import sessions_today
from tests import factories as f

pytestmark = pytest.mark.django_db

THURSDAY = dt.date(2025, 10, 2)  # a Thursday in the autumn term


@pytest.fixture
def groups(personas):
    programme = f.ProgrammeFactory(school=personas.school)
    made = {}
    for name, schedule in [("Thursday nurture", "Thu 12:45-13:20, nurture room"),
                           ("Monday spelling", "Mon and Wed 9:00-9:20, room M2"),
                           ("Any day", "room M2, period 1")]:  # fmt: skip
        group = f.InterventionFactory(programme=programme, name=name, schedule=schedule, start_date=dt.date(2025, 9, 1))
        group.staff.add(personas.ta)
        made[name] = group
    return made


def _ta(personas):
    return Membership.objects.get(user=personas.ta, school=personas.school)


def test_on_a_thursday_only_thursday_groups_and_groups_with_no_day_are_listed(personas, groups):
    names = [g.name for g in sessions_today(_ta(personas), today=THURSDAY)]
    assert names == ["Any day", "Thursday nurture"]
    names = [g.name for g in sessions_for_day(_ta(personas), THURSDAY)]
    assert sorted(names) == ["Any day", "Thursday nurture"]


def test_on_a_wednesday_the_monday_and_wednesday_group_is_listed(personas, groups):
    wednesday = THURSDAY - dt.timedelta(days=1)
    assert [g.name for g in sessions_today(_ta(personas), today=wednesday)] == ["Any day", "Monday spelling"]


def test_a_session_logged_on_another_day_stays_listed_that_day(personas, groups):
    InterventionSession.objects.create(intervention=groups["Monday spelling"], date=THURSDAY, delivered=True)
    names = [g.name for g in sessions_today(_ta(personas), today=THURSDAY)]
    assert names == ["Any day", "Monday spelling", "Thursday nurture"]


def test_the_sessions_page_lists_todays_groups_only(client, personas, groups, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: THURSDAY)
    client.force_login(personas.ta)
    page = client.get(reverse("interventions:session_today")).content.decode()
    assert "Thursday nurture" in page and "Any day" in page
    assert "Monday spelling" not in page
