"""Shared fixtures: personas (a SENCo, a teacher, a TA, a governor, another school's SENCo)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


def pytest_configure(config):
    """A Redis cache namespace of this test run's own (in production mode): another run on the same
    Redis (a developer's second terminal, CI's previous job) has cached fragments under the same
    school ids and data versions. The shipped settings are otherwise used as they are."""
    import os

    from django.conf import settings

    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        settings.CACHES["default"]["KEY_PREFIX"] = f"tests-{os.getpid()}"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 costs most of a second per login: tests use a fast hasher (production keeps the strong one)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def empty_memory_cache():
    """Embedded mode: SQLite reuses ids after a test's rollback, so a school of the next test could
    meet fragments of this one's under the same id and version. Emptied between tests (in
    production mode PostgreSQL never reuses an id, and the run has its own key prefix)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@dataclass
class School:
    school: object
    senco: object
    teacher: object
    ta: object
    governor: object
    data_manager: object
    outsider: object  # the SENCo of another school: must see nothing here
    group: object
    pupil: object  # in the teacher's group
    other_pupil: object  # in no group of the teacher's or TA's


@pytest.fixture
def personas(db) -> School:
    # Imported here so that pure unit tests run without Django settings.
    from pupils.models import Role
    from tests import factories as f

    school = f.SchoolFactory(code="oak", name="Oak Academy")
    other = f.SchoolFactory(code="elm", name="Elm School")

    def member(username: str, role: str, at=school):
        user = f.UserFactory(username=username)
        f.MembershipFactory(user=user, school=at, role=role)
        return user

    senco = member("alice", Role.SENCO)
    teacher = member("bob", Role.TEACHER)
    ta = member("tia", Role.TA)
    governor = member("gwen", Role.GOVERNOR)
    data_manager = member("dan", Role.DATA_MANAGER)
    outsider = member("charlie", Role.SENCO, at=other)
    group = f.TeachingGroupFactory(school=school, name="9E1")
    group.staff.add(teacher)
    pupil = f.PupilFactory(school=school, surname="Smith", forename="Amy")
    other_pupil = f.PupilFactory(school=school, surname="Jones", forename="Ben")
    group.pupils.add(pupil)
    return School(school, senco, teacher, ta, governor, data_manager, outsider, group, pupil, other_pupil)


@pytest.fixture(autouse=True)
def tasks_where_they_are_sent(settings):
    """In the embedded mode tasks run in threads of the web process (sencotrack.background); tests
    run them where they are sent, inside the test's transaction. Tests of the threads turn them on."""
    settings.BACKGROUND_THREADS = False


@pytest.fixture
def run_tasks_here(monkeypatch, tasks_eager):
    """Import jobs sent at once (a test's transaction never commits) and run where they are sent,
    with a broker too (CI): no test leaves a job waiting on Redis for a worker that is not there."""
    from imports import jobs

    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())


@pytest.fixture
def tasks_eager():
    """Celery tasks run in-process even when REDIS_URL is set (CI)."""
    from sencotrack.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = previous
