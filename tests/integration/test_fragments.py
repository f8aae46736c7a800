"""What the cache may hold (sencotrack.fragments): derived fragments only, under bounded keys.

No User, membership, password hash, model object or access answer is ever stored; the keys name
the school, its data version, the viewer's scope and validated filters, so an unknown query
parameter never makes a new entry.
"""

from __future__ import annotations

import io
import pickle

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import models
from django.test import Client
from django.urls import reverse

from sencotrack import fragments
from tests.factories import PASSWORD
from tests.integration.test_report_pages_helpers import TERM_QUERY, report_school  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("reports:dashboard")
GOVERNORS = reverse("reports:governor")
REGISTER = reverse("pupils:register")


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def used_keys(monkeypatch):
    """Every fragment key a request asks for."""
    seen: list[str] = []
    real = fragments.cached

    def spy(name, build):
        seen.append(name)
        return real(name, build)

    monkeypatch.setattr(fragments, "cached", spy)
    return seen


def keys_of(client, url, params, used_keys) -> set[str]:
    used_keys.clear()
    assert client.get(url, params).status_code == 200
    return set(used_keys)


def test_unknown_query_parameters_never_make_a_new_cache_entry(report_school, used_keys):  # noqa: F811
    s = report_school
    a = s.report_pupils["A"]
    pages = [
        (s.senco, reverse("pupils:detail", args=[a.public_id]), {}),
        (s.teacher, reverse("pupils:detail", args=[a.public_id]), {"type": "comment"}),
        (s.senco, DASHBOARD, TERM_QUERY),
        (s.teacher, DASHBOARD, TERM_QUERY),
        (s.senco, DASHBOARD, {}),
        (s.governor, GOVERNORS, TERM_QUERY),
        (s.senco, REGISTER, {}),
        (s.teacher, REGISTER, {"all": "on"}),
        (s.senco, REGISTER, {"provision": "K", "pp": "yes"}),
    ]
    for user, url, params in pages:
        client = signed_in(user)
        keys_of(client, url, params, used_keys)  # builds and stores what the page needs
        plain = keys_of(client, url, params, used_keys)  # then reads only its cached parts
        assert plain, url
        for junk in ({"anything": "1"}, {"anything": "2", "x" * 300: "y" * 5000}, {"type": "nonsense"} if not params
                     else {"utm_source": "mail"}):
            assert keys_of(client, url, {**params, **junk}, used_keys) == plain, (url, junk)


def test_keys_are_bounded_whatever_their_parts():
    assert len(fragments.key("dashboard", 1, 2, "q" * 10_000)) < 200
    assert fragments.key("pupil", 1, 2) != fragments.key("pupil", 1, 3)
    long_a, long_b = fragments.key("x" * 500, "a"), fragments.key("x" * 500, "b")
    assert long_a != long_b


class _Finder(pickle.Pickler):
    """Pickles as the cache does, noting every model instance or user inside the value."""

    def __init__(self, file):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.found: list[str] = []

    def persistent_id(self, obj):
        if isinstance(obj, (models.Model, AnonymousUser)):
            self.found.append(f"{type(obj).__module__}.{type(obj).__name__}")
        return None


def test_the_cache_holds_no_person_no_membership_no_password_hash_and_no_model_object(
        report_school, monkeypatch):  # noqa: F811
    s = report_school
    a = s.report_pupils["A"]
    stored: dict[str, object] = {}
    cache = caches["default"]
    real_set = cache.set

    def spy(key, value, *args, **kwargs):
        stored[key] = value
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    for user, url, params in [
        (s.senco, reverse("pupils:detail", args=[a.public_id]), {}),
        (s.teacher, reverse("pupils:detail", args=[a.public_id]), {}),
        (s.senco, reverse("reports:pupil_dashboard", args=[a.public_id]), {}),
        (s.senco, DASHBOARD, TERM_QUERY),
        (s.teacher, DASHBOARD, TERM_QUERY),
        (s.senco, DASHBOARD, {**TERM_QUERY, "status": "below"}),
        (s.governor, GOVERNORS, TERM_QUERY),
        (s.senco, reverse("reports:dashboard_csv"), TERM_QUERY),
        (s.senco, REGISTER, {}),
        (s.teacher, REGISTER, {"all": "on"}),
    ]:
        client = signed_in(user)
        assert client.get(url, params).status_code == 200, url
    assert stored, "nothing was cached: the test would prove nothing"
    secrets = [u.password for u in (s.senco, s.teacher, s.governor)] + [u.username for u in (s.senco, s.teacher)]
    for key, value in stored.items():
        assert key.startswith(":1:frag:") or "frag:" in key, key
        buffer = io.BytesIO()
        finder = _Finder(buffer)
        finder.dump(value)
        assert not finder.found, f"{key} holds {finder.found}"
        raw = buffer.getvalue()
        for secret in secrets:
            assert secret.encode() not in raw, f"{key} holds {secret!r}"
        assert b"csrfmiddlewaretoken" not in raw and b"sessionid" not in raw, key


def test_a_page_names_the_person_reading_it_and_carries_their_own_csrf_token(report_school):  # noqa: F811
    import re

    s = report_school
    url = reverse("pupils:detail", args=[s.report_pupils["A"].public_id])
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        assert browser.login(username=s.senco.username, password=PASSWORD)
    teacher_page = signed_in(s.teacher).get(url).content.decode()
    first.get(url)
    page = second.get(url).content.decode()  # the body from the cache
    assert s.senco.get_full_name() in page and s.senco.get_full_name() not in teacher_page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert second.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302  # not refused (403)
    assert first.get(url).status_code == 200  # the other browser is still signed in


def test_the_registers_cached_rows_link_back_to_the_register_as_filtered_never_the_raw_query(report_school):  # noqa: F811
    from tests import factories as f

    s = report_school
    a = s.report_pupils["A"]
    if not a.register_entries.exists():
        f.RegisterEntryFactory(pupil=a)
    client = signed_in(s.senco)
    page = client.get(REGISTER, {"provision": "K", "junk": "<x>", "utm": "1"}).content.decode()
    assert "{#" not in page and "{%" not in page
    assert "next=/pupils/register/%3Fprovision%3DK" in page
    assert "junk" not in page and "utm" not in page
    partial = client.get(REGISTER, {"provision": "K"}, HTTP_HX_REQUEST="true").content.decode()
    assert partial.strip().startswith('<section id="register-results"') and "<html" not in partial
