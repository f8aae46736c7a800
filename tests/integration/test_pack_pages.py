"""The trust leader's pages, where the trust and admin logins land, and the SENCo's case-study picks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pupils.models import Trust, TrustMembership
from reports.models import PackCaseStudy
from reports.pack_content import case_study_entries
from tests import factories as f


@pytest.fixture
def trust_leader(personas):
    trust = Trust.objects.create(name="Oak Trust")
    personas.school.trust = trust
    personas.school.save()
    leader = f.UserFactory(username="terry")
    TrustMembership.objects.create(user=leader, trust=trust)
    return leader


def test_a_trust_leader_lands_on_the_trust_dashboard_with_every_school_side_by_side(client, personas, trust_leader):
    client.force_login(trust_leader)
    assert client.get("/").url == reverse("reports:trust")
    page = client.get(reverse("reports:trust"), {"academic_year": 2025, "term": "summer"}).content.decode()
    assert "Oak Academy" in page and "Elm School" not in page  # only the trust's own schools
    assert "Build the trust pack" in page
    assert personas.pupil.surname not in page and personas.pupil.upn not in page


@pytest.mark.parametrize("who", ["senco", "governor", "teacher", "outsider"])
def test_school_staff_are_refused_the_trust_pages(client, personas, trust_leader, who):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("reports:trust")).status_code == 403
    assert client.get(reverse("reports:trust_pack")).status_code == 403


def test_the_admin_login_goes_to_the_admin(client, db):
    admin = f.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/").url == reverse("admin:index")


def test_an_account_with_no_role_still_sees_the_no_role_page(client, db):
    client.force_login(f.UserFactory(username="nobody"))
    assert "no school role yet" in client.get("/").content.decode()


def toggle(client, pupil):
    return client.post(reverse("reports:pack_case_study", args=[pupil.public_id]), follow=True)


def test_the_senco_picks_three_case_studies_at_most_and_can_take_one_off(client, personas):
    client.force_login(personas.senco)
    pupils = [personas.pupil, personas.other_pupil] + [f.PupilFactory(school=personas.school) for _ in range(2)]
    for pupil in pupils[:3]:
        assert "is now a case study" in toggle(client, pupil).content.decode()
    page = toggle(client, pupils[3]).content.decode()
    assert "3 case studies at most" in page
    assert PackCaseStudy.objects.filter(school=personas.school).count() == 3  # nothing changed
    assert "no longer a case study" in toggle(client, pupils[0]).content.decode()
    assert list(PackCaseStudy.objects.values_list("pupil", flat=True).order_by("pk")) == [p.pk for p in pupils[1:3]]


@pytest.mark.parametrize("who", ["teacher", "ta", "governor", "outsider"])
def test_only_the_senco_picks_case_studies(client, personas, who):
    client.force_login(getattr(personas, who))
    response = client.post(reverse("reports:pack_case_study", args=[personas.pupil.public_id]))
    assert response.status_code in (403, 404)
    assert not PackCaseStudy.objects.exists()


def test_a_get_changes_nothing(client, personas):
    client.force_login(personas.senco)
    assert client.get(reverse("reports:pack_case_study", args=[personas.pupil.public_id])).status_code == 405


def test_case_studies_are_named_for_the_senco_and_lettered_for_governors(personas):
    import datetime as dt

    f.RegisterEntryFactory(pupil=personas.pupil, provision="K", primary_need="SLCN", start_date=dt.date(2024, 9, 2))
    PackCaseStudy.objects.create(school=personas.school, pupil=personas.pupil)
    PackCaseStudy.objects.create(school=personas.school, pupil=personas.other_pupil)
    day = dt.date(2026, 7, 31)
    named = case_study_entries(personas.school, governor=False, day=day)
    lettered = case_study_entries(personas.school, governor=True, day=day)
    year = personas.pupil.year_group
    assert named[0]["label"] == f"Amy Smith, Year {year}, SEN support, SLCN"
    assert lettered[0]["label"] == f"Pupil A, Year {year}, SEN support, SLCN"
    assert lettered[1]["label"].startswith("Pupil B, Year ")
    assert "Smith" not in str(lettered) and "Jones" not in str(lettered)


def test_the_pupil_page_offers_the_pick_to_the_senco(client, personas):
    client.force_login(personas.senco)
    page = client.get(reverse("reports:pupil_dashboard", args=[personas.pupil.public_id])).content.decode()
    assert "Add to the termly pack" in page and "Case study (PDF)" in page
    PackCaseStudy.objects.create(school=personas.school, pupil=personas.pupil)
    page = client.get(reverse("reports:pupil_dashboard", args=[personas.pupil.public_id])).content.decode()
    assert "Take out of the termly pack" in page
