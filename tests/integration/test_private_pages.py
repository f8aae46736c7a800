"""Every page and download is private: ``Cache-Control: private, no-store`` on every response.

Walked from the URL resolver (tests/integration/test_access_walk.py), as anonymous, each role and
another school's SENCo, whatever the answer (a page, a download, a refusal, a redirect): a
browser or a proxy never keeps a page that may name a pupil. Static files are the exception.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.integration.test_access_walk import (  # noqa: F401 - walk_school is a fixture
    ROLES,
    clients,
    url_kwargs,
    walk_school,
    walked_patterns,
)

pytestmark = pytest.mark.django_db


def private(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_every_response_of_every_page_to_everyone_is_private_and_never_stored(walk_school):
    people = clients(walk_school)
    stored, answers = [], 0
    for name, kwargs in walked_patterns():
        url = reverse(name, kwargs=url_kwargs(name, kwargs, walk_school))
        for role in ROLES:
            response = people[role].get(url)
            answers += response.status_code == 200
            if not private(response):
                stored.append(f"{name} ({url}) as {role}: {response.status_code}, "
                              f"Cache-Control {response.get('Cache-Control')!r}")
    assert answers > 50  # pages and downloads were really served, not only refused
    assert not stored, "Responses a browser or proxy may keep:\n  " + "\n  ".join(stored)


def test_posts_and_sign_in_and_out_are_private_too(walk_school):
    s = walk_school
    client = Client()
    assert private(client.post(reverse("login"), {"username": s.personas.senco.username, "password": "wrong"}))
    client.force_login(s.personas.senco)
    assert private(client.post(reverse("pupils:profile_edit", args=[s.amy.public_id]), {"strengths": "Kind"}))
    assert private(client.post(reverse("logout")))


def test_static_files_stay_cacheable(client):
    response = client.get(settings.STATIC_URL + "js/charts.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
