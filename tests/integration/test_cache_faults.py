"""The cache down or hung never breaks or holds a page, and never keeps anyone signed in.

Against servers of the test's own, with the SHIPPED cache options (``REDIS_CACHE_OPTIONS``, never
shortened here): a Python socket server that accepts connections and never answers (a hung
Redis), and a private ``redis-server`` that is stopped. The machine's own Redis is never touched.
Sessions are in the database, so signing out ends the session whatever Redis does: a replayed
session cookie is refused afterwards.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest
import redis  # noqa: F401 - imported here, not inside the first timed cache call
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from sencotrack import fragments
from tests.factories import PASSWORD
from tests.integration.test_faults import PrivateRedis
from tests.integration.test_report_pages_helpers import TERM_QUERY, report_school  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

#: With Redis hung or stopped, one cache call waits at most this long (the shipped connect and
#: read timeouts, never a hang), and after one such call the process leaves the cache alone for
#: ``fragments.PAUSE_AFTER_ERROR`` seconds instead of waiting on every call of every page.
#: Measured inside the cache calls, so the pages' own work (slow on a busy machine) does not blur it.
ONE_CALL = 0.75
#: Nothing here may come near gunicorn's 30 s worker timeout.
PAGE_LIMIT = 10.0
#: The sign-out and sign-in forms use no cache at all.
QUICK = 2.0


class TimedCache:
    """The cache, with the time spent in its calls added up."""

    def __init__(self, real) -> None:
        self.real, self.seconds, self.calls, self.longest = real, 0.0, 0, 0.0

    def __getattr__(self, name):
        method = getattr(self.real, name)

        def timed(*args, **kwargs):
            started = time.monotonic()
            try:
                return method(*args, **kwargs)
            finally:
                took = time.monotonic() - started
                self.seconds += took
                self.longest = max(self.longest, took)
                self.calls += 1

        return timed


class HungServer:
    """Accepts TCP connections and reads what is sent, but never answers: a hung Redis."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.accepted = 0
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            self.accepted += 1
            self._open.append(conn)  # kept open, never read from or written to

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._open:
            conn.close()
        self.listener.close()


def shipped_redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                        "OPTIONS": dict(django_settings.REDIS_CACHE_OPTIONS)}}


@pytest.fixture(autouse=True)
def cache_used_again_afterwards():
    """The pause after a cache error is per process: the next test starts with the cache in use."""
    fragments._paused_until = 0.0
    yield
    fragments._paused_until = 0.0


@pytest.fixture
def hung_redis(settings):
    server = HungServer()
    try:
        settings.CACHES = shipped_redis_cache(server.url)
        yield server
    finally:
        server.close()


@pytest.fixture
def stopped_redis(settings):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis()
    try:
        server.start()
        settings.CACHES = shipped_redis_cache(server.url)
        yield server
    finally:
        server.stop()


def test_the_shipped_cache_timeouts_are_well_under_a_second():
    options = django_settings.REDIS_CACHE_OPTIONS
    assert 0 < options["socket_connect_timeout"] <= 0.5 and 0 < options["socket_timeout"] <= 0.5


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def pages(s) -> list[tuple[object, str, dict]]:
    a = s.report_pupils["A"]
    return [
        (s.senco, reverse("pupils:detail", args=[a.public_id]), {}),
        (s.senco, reverse("reports:dashboard"), TERM_QUERY),
        (s.senco, reverse("reports:dashboard"), {}),  # the default term: one more cached part
        (s.senco, reverse("reports:pupil_dashboard", args=[a.public_id]), {}),
        (s.teacher, reverse("reports:dashboard"), TERM_QUERY),
        (s.governor, reverse("reports:governor"), TERM_QUERY),
    ]


def every_page_answers_without_waiting_on_the_cache(s, monkeypatch) -> TimedCache:
    """Each page twice (the second time from the cache, if it answers): all 200, none slow, no
    cache call longer than the timeouts, and no more failed calls than one per pause."""
    timed = TimedCache(fragments.cache)
    monkeypatch.setattr(fragments, "cache", timed)
    walk_started = time.monotonic()
    clients = {}
    for _ in range(2):
        for user, url, params in pages(s):
            client = clients.setdefault(user.pk, signed_in(user))
            started = time.monotonic()
            response = client.get(url, params)
            assert response.status_code == 200, url
            assert s.report_pupils["A"].upn in response.content.decode() or user == s.governor, url
            assert time.monotonic() - started < PAGE_LIMIT, url
    elapsed = time.monotonic() - walk_started
    print(f"{timed.calls} cache calls in {elapsed:.1f}s, {timed.seconds:.2f}s in them, the longest {timed.longest:.2f}s")
    assert timed.longest < ONE_CALL, timed.longest
    failed_calls_allowed = 2 + elapsed / fragments.PAUSE_AFTER_ERROR  # one per pause, and the first
    assert timed.seconds < ONE_CALL * failed_calls_allowed, (timed.seconds, elapsed, timed.calls)
    monkeypatch.setattr(fragments, "cache", timed.real)
    return timed


def test_with_redis_hung_every_page_answers_from_the_database_without_waiting(
        report_school, hung_redis, monkeypatch):  # noqa: F811
    started = time.monotonic()
    every_page_answers_without_waiting_on_the_cache(report_school, monkeypatch)
    # The cache was tried and timed out; the process then left it alone rather than wait out a
    # timeout on every call of every page: one connection per pause at most.
    allowed = 2 + (time.monotonic() - started) / fragments.PAUSE_AFTER_ERROR
    assert 1 <= hung_redis.accepted <= allowed, (hung_redis.accepted, allowed)


def test_with_redis_stopped_every_page_answers_from_the_database_without_waiting(
        report_school, stopped_redis, monkeypatch):  # noqa: F811
    every_page_answers_without_waiting_on_the_cache(report_school, monkeypatch)  # cached on the private server
    stopped_redis.stop()
    fragments._paused_until = 0.0
    every_page_answers_without_waiting_on_the_cache(report_school, monkeypatch)


def sign_out_ends_the_session(s) -> None:
    client = signed_in(s.senco)
    url = reverse("pupils:detail", args=[s.report_pupils["A"].public_id])
    assert client.get(url).status_code == 200
    old_cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    started = time.monotonic()
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and time.monotonic() - started < QUICK
    assert client.get(url).status_code == 302  # signed out
    replay = Client()
    replay.cookies[django_settings.SESSION_COOKIE_NAME] = old_cookie
    response = replay.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_with_redis_hung_signing_out_ends_the_session(report_school, hung_redis):  # noqa: F811
    sign_out_ends_the_session(report_school)


def test_with_redis_stopped_signing_out_ends_the_session_and_it_stays_ended_when_redis_is_back(
        report_school, stopped_redis):  # noqa: F811
    stopped_redis.stop()
    sign_out_ends_the_session(report_school)
    stopped_redis.start()
    fragments._paused_until = 0.0
    sign_out_ends_the_session(report_school)


def test_signing_in_works_with_redis_hung(report_school, hung_redis):  # noqa: F811
    client = Client()
    started = time.monotonic()
    response = client.post(reverse("login"), {"username": report_school.senco.username, "password": PASSWORD})
    assert response.status_code == 302 and time.monotonic() - started < QUICK
    assert client.get(reverse("pupils:list")).status_code == 200
