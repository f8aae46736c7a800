"""A parent who edits addresses: every page of every other child, every report and download, answers
403 or 404, and shows nothing of them (the probe the issue describes, from the URL resolver)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse

from interventions.models import Comment
from plans import services
from plans.services_parents import parent_invite
from tests.integration.test_access_walk import (  # noqa: F401 - walk_school is a fixture
    EXPECTED,
    POST_ONLY,
    _body,
    _tokens,
    clients,
    outcome,
    url_kwargs,
    walk_school,
    walked_patterns,
)

pytestmark = pytest.mark.django_db

#: Pages that are not about any pupil and answer a parent as they answer anyone signed in.
# pages for anyone: the source offer (AGPL) and a staff invitation link (a made-up token: "this link does not work")
OWN_PAGES = {"home", "login", "logout", "health", "admin:index", "family:home", "family:welcome", "source", "staff:welcome"}


def test_a_parent_gets_nothing_of_any_other_child_at_any_address(walk_school):
    s = walk_school
    today = dt.date.today()
    others = []
    for child in (s.ben, s.carl):
        plan = services.plan_create(pupil=child, starts_on=today - dt.timedelta(days=3), review_date=today + dt.timedelta(days=50),
                                    created_by=None)  # fmt: skip
        services.outcome_add(plan=plan, description=f"{child.forename} will", measure="x", by_when=plan.review_date)
        services.curricular_target_add(plan=plan, subject=s.group.subject, statement="I can count")
        services.plan_start(plan=plan)
        link = parent_invite(school=s.personas.school, email=f"{child.forename}@example.org", first_name="Other",
                             last_name="Parent", pupils=[child], invited_by=None).links[0]  # fmt: skip
        comment = Comment.objects.create(pupil=child, observed_on=today, objective="Theirs", activity="x", outcome="y",
                                         shared_with_parents=True)  # fmt: skip
        # The walk fills every pupil-shaped keyword from "amy": here that is the other child.
        others.append(dataclasses.replace(s, amy=child, plan=plan, link=link, comment=comment))
    pat = clients(s)["parent"]
    secrets = [token for child in (s.ben, s.carl) for token in _tokens(child)] + ["Theirs", "Other Parent"]
    wrong, leaks = [], []
    for other in others:
        for name, kwargs in walked_patterns():
            if name in OWN_PAGES:
                continue
            url = reverse(name, kwargs=url_kwargs(name, kwargs, other))
            for method in ("get", "post"):
                response = getattr(pat, method)(url, {"going_well": "probe", "shared": "1"})
                got = outcome(response)
                # A GET is refused (403/404). Other apps' POST-only actions (an import's confirm button)
                # answer any GET with 405 before reading anything: they name no child; every page of
                # the plans app refuses first. A POST may also meet a page's 405 (GET only).
                if got == 405 and (method == "post" or EXPECTED[name] == POST_ONLY):
                    continue
                if got not in (403, 404):
                    wrong.append(f"{method.upper()} {name} ({url}): {got}")
                shown = [t for t in secrets if t in _body(response)]
                if shown:
                    leaks.append(f"{method.upper()} {name} ({url}) shows {shown}")
    assert not wrong, "A parent reached another child's page:\n  " + "\n  ".join(wrong)
    assert not leaks, "\n  ".join(leaks)
    # And nothing the probe posted was saved.
    assert not any(p.contributions.exists() for p in (o.plan for o in others))
    assert pat.get(reverse("family:child", args=[s.amy.public_id])).status_code == 200  # their own child still opens
