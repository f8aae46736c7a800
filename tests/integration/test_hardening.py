"""Hardening (issue 5, part 5): login throttling, strong passwords, a strict Content-Security-Policy
with no inline scripts anywhere, CSRF on every form, production settings that pass
``check --deploy``, and imports refused over the size limit."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
WRONG = "not-the-password"


def sign_in(client: Client, username: str, password: str, *, address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


# --- Login throttling ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_fifth_wrong_password_locks_that_username_out_from_that_address(personas, client):
    for attempt in range(1, 5):
        response = sign_in(client, "alice", WRONG)
        assert response.status_code == 200, attempt  # the form again, with its error
    locked = sign_in(client, "alice", WRONG)
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.content.decode()
    # Locked out: even the right password is refused from this address...
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_holds_only_that_username_from_that_address(personas):
    attacker = Client()
    for _ in range(5):
        sign_in(attacker, "alice", WRONG)
    # ...but the same person signs in from school (another address) ...
    at_school = Client()
    assert sign_in(at_school, "alice", PASSWORD, address="198.51.100.20").status_code == 302
    # ... and a colleague behind the same address is not held up.
    assert sign_in(attacker, "bob", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lockout_page_says_when_to_try_again(personas, client):
    for _ in range(4):
        sign_in(client, "alice", WRONG)
    before = timezone.localtime()
    page = sign_in(client, "alice", WRONG).content.decode()
    # 15 minutes from the last attempt; the minute shown is that of now + 15 min (allowing a tick).
    expected = {(before + dt.timedelta(minutes=15, seconds=s)).strftime("%H:%M") for s in (0, 59)}
    shown = re.search(r'<time datetime="[^"]+">(\d\d:\d\d)</time>', page)
    assert shown and shown[1] in expected
    assert "paused for 15 minutes" in page and "alice" in page
    assert "special-category personal data" in page  # the site's footer: it extends base.html
    assert "<script>" not in page


@pytest.mark.django_db
def test_after_the_15_minute_cool_off_the_right_password_works_and_clears_the_count(personas, client):
    from axes.models import AccessAttempt

    for _ in range(5):
        sign_in(client, "alice", WRONG)
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_failure_count(personas):
    client = Client()
    for _ in range(4):
        sign_in(client, "alice", WRONG)
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.logout()
    # Four more failures: 4, not 8, so still not locked out.
    for _ in range(4):
        assert sign_in(client, "alice", WRONG).status_code == 200
    assert sign_in(client, "alice", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_test_client_login_without_a_request_still_signs_in(personas, client):
    # Django's client.login() calls authenticate() with no request; the throttle lets it through
    # to the password check (there is no address to throttle) instead of raising.
    assert client.login(username="alice", password=PASSWORD)
    assert not client.login(username="alice", password=WRONG)


# --- Passwords ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Short1!", "at least 12 characters"),
        ("password1234", "too common"),
        ("314159265358979", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, message):
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    assert any(message in text for text in refused.value.messages), refused.value.messages


@pytest.mark.django_db
def test_a_password_like_the_persons_own_name_is_refused(personas):
    personas.senco.first_name, personas.senco.last_name = "Alice", "Whitworth-Brown"
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("whitworth-brown", user=personas.senco)


def test_a_long_uncommon_password_is_accepted():
    validate_password("correct-horse-battery-staple")


# --- Content-Security-Policy -------------------------------------------------------------------------

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def parse_csp(header: str) -> dict[str, str]:
    directives = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        if name:
            directives[name] = value.strip()
    return directives


@pytest.mark.django_db
def test_every_page_carries_the_strict_content_security_policy(personas, client):
    assert parse_csp(client.get(reverse("login"))["Content-Security-Policy"]) == EXPECTED_CSP
    client.force_login(personas.senco)
    for url in (reverse("home"), reverse("pupils:list"), reverse("pupils:detail", args=[personas.pupil.public_id])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP, url
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def template_files() -> list[Path]:
    """Every template of the project and of its own apps (not of installed packages)."""
    folders = [Path(folder) for engine in django_settings.TEMPLATES for folder in engine["DIRS"]]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if ROOT in Path(config.path).parents and "site-packages" not in Path(config.path).parts
    ]
    files = sorted({path for folder in folders if folder.is_dir() for path in folder.rglob("*.html")})
    assert len(files) > 20, folders  # found them
    return files


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+|hx-on[:\-a-z]*)\s*=", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def inline_script_problems(text: str) -> list[str]:
    problems = []
    for match in SCRIPT_TAG.finditer(text):
        attributes = match[1]
        if re.search(r"\bsrc\s*=", attributes):
            continue
        if re.search(r"""\btype\s*=\s*["']application/(ld\+)?json["']""", attributes):
            continue  # data, not script (what json_script writes)
        problems.append(f"inline <script{attributes}>")
    problems += [f"inline event handler {m[1]}=" for m in EVENT_HANDLER.finditer(text)]
    problems += [f"javascript: URL in {m[1]}" for m in JS_URL.finditer(text)]
    return problems


@pytest.mark.parametrize(
    ("snippet", "bad"),
    [
        ('<script src="/static/js/app.js" defer></script>', False),
        ('<script id="chart-data" type="application/json">{"a": 1}</script>', False),
        ("<script>alert(1)</script>", True),
        ('<script type="text/javascript">x()</script>', True),
        ('<button class="btn" onclick="go()">', True),
        ('<body\n  onload="start()">', True),
        ('<div hx-on:click="alert(1)">', True),
        ('<a href="javascript:void(0)">', True),
        ('<p data-online="yes" class="button">', False),
    ],
)
def test_the_template_scan_finds_inline_script_and_nothing_else(snippet, bad):
    assert bool(inline_script_problems(snippet)) is bad


def test_no_template_has_an_inline_script_or_event_handler():
    found = {}
    for path in template_files():
        problems = inline_script_problems(path.read_text(encoding="utf-8"))
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert found == {}


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def test_every_post_form_in_every_template_carries_the_csrf_token():
    missing = []
    for path in template_files():
        for form in FORM.finditer(path.read_text(encoding="utf-8")):
            posts = re.search(r"""method\s*=\s*["']?post""", form[1], re.IGNORECASE)
            if posts and "csrf_token" not in form[2]:
                missing.append(f"{path.relative_to(ROOT)}: <form{form[1]}>")
    assert missing == []


@pytest.mark.django_db
def test_a_post_without_the_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.senco)
    response = client.post(reverse("pupils:archive", args=[personas.pupil.public_id]))
    assert response.status_code == 403
    personas.pupil.refresh_from_db()
    assert personas.pupil.archived_at is None
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post(reverse("login"), {"username": "alice", "password": PASSWORD}).status_code == 403


# --- Production settings -----------------------------------------------------------------------------


def production_env(**extra) -> dict:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' conftest for their own process only:
    # production never has it, and check --deploy rightly warns about it.
    dropped = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="sencotrack.example.org",
        DJANGO_SETTINGS_MODULE="sencotrack.settings",
        **extra,
    )
    assert len(env["SECRET_KEY"]) == 64
    return env


def test_check_deploy_finds_nothing_to_warn_about_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_sends_cookies_over_https_only_with_hsts():
    code = (
        "import django; from django.conf import settings as s; django.setup(); "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_HTTPONLY, s.X_FRAME_OPTIONS)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True", "True", "DENY"]


# --- Upload limits -----------------------------------------------------------------------------------


class CountingFile(io.BytesIO):
    """An upload that remembers how many bytes were read from it."""

    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


@pytest.mark.django_db
def test_an_upload_over_the_import_limit_is_refused_with_a_clear_message_without_reading_it_all(personas, settings):
    from pupils.models import Pupil
    from imports.engine import run_import

    settings.IMPORT_MAX_BYTES = 64 * 1024
    header = b"upn,surname,forename,date_of_birth,gender,year_group\n"
    row = b"A801200005001,Smith,Amy,2012-09-01,F,9\n"
    upload = CountingFile(header + row * (2 * 1024 * 1024 // len(row)))  # about 2 MB
    before = Pupil.objects.count()
    result = run_import(kind="pupils", data=upload, school=personas.school)
    assert [str(e) for e in result.errors] == ["the file is larger than the import limit of 64 KB; split it into smaller files"]
    assert upload.read_bytes == 64 * 1024 + 1  # the limit and one byte more, never the whole file
    assert Pupil.objects.count() == before


def test_request_bodies_and_in_memory_uploads_are_capped():
    assert django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * 1024 * 1024
    assert django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 5 * 1024 * 1024
    assert django_settings.IMPORT_MAX_BYTES == 10 * 1024 * 1024
