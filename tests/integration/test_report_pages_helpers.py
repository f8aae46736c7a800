"""Shared by the report page tests (no tests here): the hand-worked school with the personas, and eager tasks."""

from __future__ import annotations

import datetime as dt

import pytest

from pupils.models import Provision
from tests import factories as f
from tests.factories import PASSWORD
from tests.integration.report_school import build_report_school

PARAMS = {"academic_year": 2025, "term": "summer"}
TERM_QUERY = {"academic_year": "2025", "term": "summer"}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """A fast hasher for the personas' passwords: these tests are about reports, not about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager():
    """Run Celery tasks in-process, even when REDIS_URL is set (CI), so a test never leaves messages on Redis."""
    from sencotrack.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def report_school(personas):
    """The personas' school 'oak' with the pupils of tests/integration/report_school.py.

    Pupil A is in bob's teaching group 9E1 (with Amy Smith); pupil B is in no group of bob's.
    """
    school, pupils = build_report_school()
    assert school == personas.school
    personas.group.pupils.add(pupils["A"])
    personas.report_pupils = pupils
    return personas


def sign_in(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def add_pupils_with_results(school, count: int, *, start: int = 0, sen: bool = False):
    """``count`` more pupils, each with a maths baseline (4b) and a summer 2025/26 result (5c)."""
    maths = f.SubjectFactory(code="maths", name="Maths")
    made = []
    for i in range(start, start + count):
        pupil = f.PupilFactory(school=school, surname=f"Extra{i:03d}", forename="Pupil")
        f.BaselineFactory(pupil=pupil, subject=maths, key_stage="KS2", result="4b", academic_year=2023, term="summer")
        f.AssessmentFactory(pupil=pupil, subject=maths, academic_year=2025, term="summer", result="5c")
        if sen:
            f.RegisterEntryFactory(pupil=pupil, provision=Provision.SEN_SUPPORT, start_date=dt.date(2024, 9, 2))
        made.append(pupil)
    return made
