"""AGPL section 13: every page offers the source of the running code; /source/ serves it without secrets."""

from __future__ import annotations

import io
import tarfile

import pytest
from django.urls import reverse

from sencotrack import source

pytestmark = pytest.mark.django_db


def test_the_footer_links_to_the_source(client, personas):
    client.force_login(personas.teacher)
    assert '<a href="/source/">Source code</a>' in client.get(reverse("home")).content.decode()


def test_source_serves_the_running_code_and_never_secrets_or_data(client, settings, tmp_path):
    (tmp_path / "manage.py").write_text("print('hi')\n")
    (tmp_path / "LICENSE").write_text("AGPL\n")
    (tmp_path / "pupils").mkdir()
    (tmp_path / "pupils" / "models.py").write_text("# models\n")
    for secret in (".secret_key", "db.sqlite3", ".env", "media/pack.pdf", ".venv/lib/x.py", ".git/config"):
        (tmp_path / secret).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / secret).write_text("secret\n")
    settings.BASE_DIR = tmp_path
    source.tarball.cache_clear()
    try:
        response = client.get(reverse("source"))  # anyone may have it: it names nobody
        assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
        names = tarfile.open(fileobj=io.BytesIO(response.content)).getnames()
    finally:
        source.tarball.cache_clear()
    assert sorted(names) == ["sencotrack/LICENSE", "sencotrack/manage.py", "sencotrack/pupils/models.py"]


def test_source_url_sends_people_to_the_published_code(client, settings, personas):
    settings.SOURCE_URL = "https://example.org/our-fork"
    response = client.get(reverse("source"))
    assert response.status_code == 302 and response.url == "https://example.org/our-fork"
    client.force_login(personas.teacher)
    assert 'href="https://example.org/our-fork">Source code</a>' in client.get(reverse("home")).content.decode()
