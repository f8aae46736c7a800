"""A school with plans and parents, for the plans tests (import the fixture into a test module).

Oak Academy (personas): Amy Smith is on SEN support in bob's group 9E1 and has a plan in place
with two outcomes and a curricular target; her sister Cara Smith (Year 7) is in no group of bob's;
Ben Jones has an EHC plan and a plan of his own. Pat is the parent of Amy and Cara; Pam is Ben's.
charlie is the SENCo of Elm School, which has a pupil and a parent of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from plans import services
from plans.services_parents import parent_invite
from pupils.models import Membership, Provision
from tests import factories as f
from tests.factories import PASSWORD


@dataclass
class PlansSchool:
    p: object  # the personas
    today: dt.date
    amy: object
    cara: object
    ben: object
    plan: object  # Amy's plan in place
    outcome: object
    outcome2: object
    target: object
    ben_plan: object
    pat: object  # parent of Amy and Cara
    pam: object  # parent of Ben
    pat_amy: object  # Pat's link to Amy
    elm_pupil: object
    elm_parent: object


def set_password(user) -> None:
    user.set_password(PASSWORD)
    user.save()


def invite(school, email, first, last, pupils, by):
    invitation = parent_invite(
        school=school, email=email, first_name=first, last_name=last, relationship="Parent", pupils=pupils, invited_by=by
    )
    set_password(invitation.user)
    return invitation


@pytest.fixture
def plans_school(personas) -> PlansSchool:
    p = personas
    today = timezone.localdate()
    amy, ben = p.pupil, p.other_pupil
    cara = f.PupilFactory(school=p.school, surname="Smith", forename="Cara", year_group=7)
    f.RegisterEntryFactory(pupil=amy, provision=Provision.SEN_SUPPORT, start_date=today - dt.timedelta(days=400))
    f.RegisterEntryFactory(pupil=ben, provision=Provision.EHC_PLAN, primary_need="ASD", start_date=today - dt.timedelta(days=300))
    start = today - dt.timedelta(days=30)
    plan = services.plan_create(pupil=amy, starts_on=start, review_date=today + dt.timedelta(days=40),
                                strategies="Seat her near the front\nGive instructions one at a time", created_by=p.senco)  # fmt: skip
    outcome = services.outcome_add(plan=plan, description="Amy will read a page of her reading book aloud",
                                   measure="Reading age test and class reading log", by_when=plan.review_date)  # fmt: skip
    outcome2 = services.outcome_add(plan=plan, description="Amy will join in group work twice a week",
                                    measure="Teacher observation", by_when=plan.review_date)  # fmt: skip
    target = services.curricular_target_add(plan=plan, subject=p.group.subject, statement="I can spell ten key words")
    services.plan_start(plan=plan)
    ben_plan = services.plan_create(pupil=ben, starts_on=start, review_date=today + dt.timedelta(days=40), created_by=p.senco)
    services.outcome_add(plan=ben_plan, description="Ben will use his calm card", measure="Behaviour log", by_when=ben_plan.review_date)
    services.plan_start(plan=ben_plan)
    pat = invite(p.school, "pat@example.org", "Pat", "Smith", [amy, cara], p.senco)
    pam = invite(p.school, "pam@example.org", "Pam", "Jones", [ben], p.senco)
    elm = Membership.objects.get(user=p.outsider).school
    elm_pupil = f.PupilFactory(school=elm, surname="Elmer", forename="Eve")
    elm_parent = invite(elm, "eli@example.org", "Eli", "Elmer", [elm_pupil], p.outsider)
    plan.refresh_from_db()
    return PlansSchool(
        p, today, amy, cara, ben, plan, outcome, outcome2, target, ben_plan, pat.user, pam.user,
        pat.links[0], elm_pupil, elm_parent.user,
    )  # fmt: skip
