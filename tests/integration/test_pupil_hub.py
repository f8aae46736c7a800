"""The pupil page is the hub: one click to every page about the pupil that the person's role may open."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.integration.test_access_walk import clients, walk_school  # noqa: F401

pytestmark = pytest.mark.django_db


def _hub_links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav[^>]*data-testid="pupil-hub".*?</nav>', html, re.S)
    assert nav, "the pupil page has no hub"
    return {label.strip(): href.replace("&amp;", "&") for href, label in re.findall(r'href="([^"]+)">([^<]+)</a>', nav[0])}


EVERY_SENCO_LINK = {
    "Assessment", "Baseline", "Reading or spelling age", "SDQ", "Boxall profile", "Behaviour", "Ratings",
    "Self-assessment", "Comment", "All measures", "Flight path", "Targets", "Plans and reviews", "Interventions",
    "Comments", "Register history", "Case study (PDF)", "Audit history", "Subject-access export", "Archive (has left)",
}  # fmt: skip


@pytest.mark.parametrize(
    ("role", "pupil", "expected"),
    [
        ("senco", "amy", EVERY_SENCO_LINK),
        ("teacher", "amy", EVERY_SENCO_LINK - {"Case study (PDF)", "Audit history", "Subject-access export", "Archive (has left)"}),
        ("ta", "carl", {"Comment", "Plans and reviews", "Interventions", "Comments", "Register history"}),
    ],
)
def test_every_hub_link_is_there_for_the_role_and_opens(walk_school, role, pupil, expected):
    client = clients(walk_school)[role]
    pupil = getattr(walk_school, pupil)
    page = client.get(reverse("pupils:detail", args=[pupil.public_id]))
    links = _hub_links(page.content.decode())
    assert set(links) == expected
    for label, url in links.items():
        response = client.get(url.split("#")[0])
        assert response.status_code == 200, f"{label} ({url}) as {role}: {response.status_code}"


def test_a_pupil_who_has_left_offers_no_forms_and_return_to_roll(walk_school):
    from django.utils import timezone

    walk_school.ben.archived_at = timezone.now()
    walk_school.ben.save()
    senco = clients(walk_school)["senco"]
    links = _hub_links(senco.get(reverse("pupils:detail", args=[walk_school.ben.public_id])).content.decode())
    assert "Assessment" not in links and "Comment" not in links
    assert links["Return to roll"] == reverse("pupils:unarchive", args=[walk_school.ben.public_id])
    assert "All measures" in links and "Subject-access export" in links
