"""Refusals and missing pages answer with a plain page in the product's frame, naming nobody."""

import uuid

from django.urls import reverse


def test_a_missing_pupil_shows_the_friendly_not_found_page(client, personas, settings):
    settings.DEBUG = False
    client.force_login(personas.teacher)
    response = client.get(reverse("pupils:detail", args=[personas.other_pupil.public_id]))
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and "Back to your home page" in page
    assert personas.other_pupil.surname not in page and personas.other_pupil.upn not in page


def test_a_refused_page_shows_the_friendly_not_allowed_page(client, personas, settings):
    settings.DEBUG = False
    client.force_login(personas.governor)
    response = client.get(reverse("pupils:register"))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_an_unknown_uuid_is_not_found(client, personas, settings):
    settings.DEBUG = False
    client.force_login(personas.senco)
    assert client.get(reverse("pupils:detail", args=[uuid.uuid4()])).status_code == 404
