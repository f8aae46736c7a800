"""The reverse proxy of docker-compose.yml (deploy/nginx/sencotrack.conf) in front of the app.

The real nginx runs the committed configuration in front of Django's live server, with only what
the container supplies replaced: the upstream (compose's ``web:8000``), the ports and the
certificate (a self-signed one; ``bench.proxy.Proxy``, which the benchmark uses too). It compresses pages, JSON and CSS, refuses an upload
over the limit before Django reads it, redirects plain HTTP, and sets the forwarded headers itself
so a client cannot claim HTTPS or another address. Needs nginx and openssl (Debian's
``nginx-light``; .ci/run installs it); without them these tests are skipped with a reason.

The client-address callable for login throttling is tested on its own, without nginx, below.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import ssl
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory

from sencotrack.client_ip import client_ip

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx" / "sencotrack.conf"
COMPOSE = ROOT / "docker-compose.yml"


# --- The client's address (no nginx needed) --------------------------------------------------------


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (None, "198.51.100.7", "172.18.0.5"),  # no proxy declared: the connection's address
        (1, "198.51.100.7", "198.51.100.7"),  # nginx's own entry
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's own claim, further left, is ignored
        (2, "203.0.113.1, 198.51.100.7", "203.0.113.1"),  # two proxies
        (2, "198.51.100.7", "172.18.0.5"),  # fewer entries than proxies: not trusted
        (1, "", "172.18.0.5"),
    ],
)
def test_the_client_address_is_counted_from_the_right_of_x_forwarded_for(settings, count, forwarded, expected):
    settings.AXES_IPWARE_PROXY_COUNT = count
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="172.18.0.5")
    assert client_ip(request) == expected


def test_axes_throttles_by_that_address():
    assert settings.AXES_CLIENT_IP_CALLABLE == "sencotrack.client_ip.client_ip"


def test_compose_puts_the_proxy_in_front_and_gunicorn_behind_it():
    compose = COMPOSE.read_text()
    proxy = compose.split("\n  proxy:\n")[1].split("\n\n")[0]
    assert "./deploy/nginx/sencotrack.conf:/etc/nginx/conf.d/default.conf:ro" in proxy
    assert re.search(r"image: nginx:\d+\.\d+", proxy)
    web = compose.split("\n  web:\n")[1].split("\n\n")[0]
    assert "ports:" not in web and '"8000"' in web  # gunicorn is not published: only the proxy is
    assert 'AXES_PROXY_COUNT: "1"' in compose
    conf = CONF.read_text()
    assert "server web:8000;" in conf
    limit = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1)) * 1024 * 1024
    assert settings.IMPORT_MAX_BYTES < limit <= 16 * 1024 * 1024  # the largest import fits, with its form


# --- The real nginx ---------------------------------------------------------------------------------


@pytest.fixture
def proxy(live_server, tmp_path, settings):
    from bench.proxy import Proxy, available

    missing = available()
    if missing:
        pytest.skip(f"the proxy cannot run here: {missing}")
    settings.ROOT_URLCONF = "tests.proxy_urls"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as production sets it
    settings.AXES_IPWARE_PROXY_COUNT = 1  # as docker-compose.yml sets it
    with Proxy(live_server.url.removeprefix("http://"), tmp_path / "nginx") as running:
        yield {"http": running.http_port, "https": running.https_port}


def _get(port: int, path: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None,
         tls: bool = True) -> tuple[http.client.HTTPResponse, bytes]:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the certificate made above
    connection = (http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30) if tls
                  else http.client.HTTPConnection("127.0.0.1", port, timeout=30))
    connection.request(method, path, body=body, headers={"Accept-Encoding": "gzip", **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


@pytest.mark.django_db(transaction=True)
def test_pages_json_and_css_come_compressed(proxy, personas):
    page, body = _get(proxy["https"], "/login/")  # a school exists, so the sign-in page (not first-run setup)
    assert page.status == 200 and page.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in page.getheader("Vary")
    html = gzip.decompress(body).decode()
    assert "Sign in" in html and len(body) < len(html) / 2
    data, body = _get(proxy["https"], "/__echo__/")
    assert data.getheader("Content-Type") == "application/json" and data.getheader("Content-Encoding") == "gzip"
    assert json.loads(gzip.decompress(body))["is_secure"] is True
    css, body = _get(proxy["https"], "/static/css/app.css")
    assert css.getheader("Content-Encoding") == "gzip" and b"--app-focus" in gzip.decompress(body)
    plain, body = _get(proxy["https"], "/login/", headers={"Accept-Encoding": "identity"})
    assert plain.getheader("Content-Encoding") is None and b"Sign in" in body


@pytest.mark.django_db(transaction=True)
def test_the_proxy_sets_the_forwarded_headers_itself(proxy):
    spoofed = {"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "http", "Accept-Encoding": "identity"}
    response, body = _get(proxy["https"], "/__echo__/", headers=spoofed)
    seen = json.loads(body)
    assert seen["x_forwarded_for"] == "127.0.0.1" and seen["client_ip"] == "127.0.0.1"
    assert seen["x_forwarded_proto"] == "https" and seen["is_secure"] is True


@pytest.mark.django_db(transaction=True)
def test_an_upload_over_the_limit_is_refused_before_django_reads_it(proxy):
    too_big = b"x" * (13 * 1024 * 1024)
    response, _ = _get(proxy["https"], "/login/", method="POST", body=too_big,
                       headers={"Content-Type": "application/octet-stream"})
    assert response.status == 413


@pytest.mark.django_db(transaction=True)
def test_plain_http_is_sent_to_https(proxy):
    response, _ = _get(proxy["http"], "/login/?next=/pupils/", tls=False)
    assert response.status == 301 and response.getheader("Location") == "https://127.0.0.1/login/?next=/pupils/"


@pytest.mark.django_db(transaction=True)
def test_a_person_signs_in_through_the_proxy_on_a_port_of_its_own(proxy, personas, settings):
    # The browser's Origin carries the port; the Host nginx passes on must too, or Django's CSRF
    # check refuses every form on a site served on a port other than 443.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    personas.senco.set_password("a-long-enough-password")
    personas.senco.save()
    page, body = _get(proxy["https"], "/login/", headers={"Accept-Encoding": "identity"})
    cookie = page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    origin = f"https://127.0.0.1:{proxy['https']}"
    form = f"csrfmiddlewaretoken={token}&username=alice&password=a-long-enough-password"
    signed_in, _ = _get(proxy["https"], "/login/", method="POST", body=form.encode(), headers={
        "Cookie": cookie, "Origin": origin, "Referer": origin + "/login/",
        "Content-Type": "application/x-www-form-urlencoded",
    })  # fmt: skip
    assert signed_in.status == 302 and signed_in.getheader("Location") == "/"
