"""The project itself: migrations match the models, settings refuse bad configuration clearly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_migrations_match_the_models(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


def _settings_in_subprocess(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"}}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; django.setup(); print(settings.DATABASES['default']['ENGINE'])"],
        cwd=ROOT, env=dict(clean, DJANGO_SETTINGS_MODULE="sencotrack.settings"), capture_output=True, text=True,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_in_subprocess(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _settings_in_subprocess(DEBUG="false", SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DEBUG": "true", "DATABASE_URL": "nosuchdb://x/y"}, "DATABASE_URL is not a database URL"),
        ({"DEBUG": "true", "REDIS_URL": "http://localhost:6379"}, "REDIS_URL='http://localhost:6379' must start with redis://"),
        ({"DEBUG": "true", "SESSION_COOKIE_AGE": "ten"}, "SESSION_COOKIE_AGE='ten' is not a whole number"),
    ],
)
def test_malformed_settings_stop_start_up_with_a_clear_message(env, message):
    result = _settings_in_subprocess(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_embedded_mode_defaults_to_sqlite():
    result = _settings_in_subprocess(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_postgres_urls_are_understood():
    result = _settings_in_subprocess(DEBUG="true", DATABASE_URL="postgres://u:p@db.example:5432/sencotrack")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"
