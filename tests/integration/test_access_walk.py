"""Every page and download, walked from the URL resolver, as anonymous, each role, and another school's SENCo.

The URL patterns come from ``get_resolver()`` (recursively, namespaces and all), so a page added
later is walked without anyone remembering to: the walk fails, naming it, until the page has a
row in ``EXPECTED`` (what each person gets) and every keyword of its URL has a value in
``url_kwargs``. The expectations are the table of people and what each may do in docs/roles.md:

- anonymous: sent to sign in (only the sign-in page and the health check answer);
- the SENCo (alice): everything of her school;
- the teacher (bob): pupils in his teaching group 9E1 (Amy) and what DESIGN gives teachers;
- the TA (tia): pupils of the intervention group she runs (Carl), not Amy, not Ben;
- the governor (gwen): the governor dashboard and governors' packs; no named pupil anywhere;
- the data manager (dan): imports; no named pupil pages;
- charlie, the SENCo of another school: his own school's pages, none of Oak's pupils or records;
- pat, a parent of Amy: the family pages of Amy and nothing else (every staff page is a 403).

A refusal is a 403 when the role has no access to the kind of page at all, and a 404 when the role
has access to the kind of page but not to that record (so ids leak nothing). Every page that does
answer 200 is also read for the names and UPNs of pupils the person may not see.

A second sweep POSTs to every URL as each person the page refuses, and checks that no row of any
table (records, audit history, access log) was added, changed or deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from interventions.models import Comment
from plans import services as plans_services
from plans.services_parents import parent_invite
from pupils.models import Concern, Provision, RegisterEntry
from reports.models import ReportKind, ReportRun, RunStatus
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = ("anon", "senco", "teacher", "ta", "governor", "data_manager", "charlie", "parent")
LOGIN = "login"  # a redirect to the sign-in page
ADMIN_LOGIN = "admin login"  # a redirect to the admin's own sign-in page
REDIRECT = "redirect"  # a redirect elsewhere (the governor's home is their dashboard; a gone upload)


def row(senco, teacher, ta, governor, data_manager, charlie, anon=LOGIN, parent=None) -> dict[str, object]:
    if parent is None:  # a parent has no staff page: refused, unless the page takes POST only (405 first)
        parent = 405 if {senco, teacher, ta, governor, data_manager, charlie} == {405} else 403
    return {
        "anon": anon, "senco": senco, "teacher": teacher, "ta": ta, "governor": governor,
        "data_manager": data_manager, "charlie": charlie, "parent": parent,
    }  # fmt: skip


# What a GET gets, per page and person. Fixture records (see ``walk_school``): the pupil is Amy
# (in bob's group 9E1; not in tia's intervention); the intervention is tia's reading group (Carl);
# the run is a finished expected-progress report of Oak; the group is 9E1.
SENCO_ONLY_PUPIL = row(200, 403, 403, 403, 403, 404)  # write=True pages and SENCo-only pages of a pupil
OWN_PUPIL = row(200, 200, 404, 403, 403, 404)  # a teacher's or TA's own pupils: Amy is bob's, not tia's
RECORDER_PUPIL = row(200, 200, 403, 403, 403, 404)  # assessments: SENCo and teachers; TAs have none
SCHOOL_SENCO_PAGE = row(200, 403, 403, 403, 403, 200)  # charlie gets his own school's page
PUPIL_ROLES_PAGE = row(200, 200, 200, 403, 403, 200)
POST_ONLY = row(405, 405, 405, 405, 405, 405)
FAMILY_PAGE = row(403, 403, 403, 403, 403, 403, parent=200)
# The plans pages that take POST only check who asks first: a GET is a 405 only for the SENCo.
PLAN_POST_ONLY = row(405, 403, 403, 403, 403, 404)

EXPECTED: dict[str, dict[str, object]] = {
    # Site
    "home": row(200, 200, 200, REDIRECT, 200, 200, parent=REDIRECT),  # governors and parents start on their own pages
    "login": row(REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, anon=200, parent=REDIRECT),  # signed in: sent home
    "logout": row(405, 405, 405, 405, 405, 405, anon=405),  # POST only (Django's LogoutView)
    "health": row(200, 200, 200, 200, 200, 200, anon=200, parent=200),
    "source": row(200, 200, 200, 200, 200, 200, anon=200, parent=200),  # the running code (AGPL section 13)
    "admin:index": row(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, anon=ADMIN_LOGIN,
                       parent=ADMIN_LOGIN),
    # The register and pupils: SENCo edits; teachers and TAs view their own pupils; governors and
    # data managers see no named pupil.
    "pupils:list": PUPIL_ROLES_PAGE,
    "pupils:register": PUPIL_ROLES_PAGE,
    "pupils:register_add": SCHOOL_SENCO_PAGE,
    "pupils:concerns": SCHOOL_SENCO_PAGE,
    "pupils:detail": OWN_PUPIL,
    "pupils:profile_edit": SENCO_ONLY_PUPIL,
    "pupils:history": OWN_PUPIL,
    "pupils:audit": SENCO_ONLY_PUPIL,
    "pupils:entry_change": SENCO_ONLY_PUPIL,
    "pupils:entry_close": SENCO_ONLY_PUPIL,
    "pupils:concern_raise": OWN_PUPIL,
    "pupils:concern_close": SENCO_ONLY_PUPIL,
    "pupils:archive": SENCO_ONLY_PUPIL,
    "pupils:unarchive": row(REDIRECT, 403, 403, 403, 403, 404),  # Amy is on roll: back to her page
    "pupils:subject_access": SENCO_ONLY_PUPIL,
    # Assessments: the SENCo all; teachers their own groups; TAs, governors, data managers none.
    "assessments:grid": row(200, 200, 403, 403, 403, 200),
    "assessments:grid_check": row(405, 405, 405, 405, 405, 405),
    "assessments:targets": row(200, 200, 403, 403, 403, 404),
    "assessments:sdq_preview": POST_ONLY,
    "assessments:reference_sets": row(200, 403, 403, 403, 200, 200),  # the SENCo chooses; a data manager sees
    "assessments:pupil_measures": RECORDER_PUPIL,
    "assessments:pupil_targets": RECORDER_PUPIL,
    "assessments:assessment_add": RECORDER_PUPIL,
    "assessments:baseline_add": RECORDER_PUPIL,
    "assessments:reading_add": RECORDER_PUPIL,
    "assessments:sdq_add": RECORDER_PUPIL,
    "assessments:boxall_add": RECORDER_PUPIL,
    "assessments:behaviour_add": RECORDER_PUPIL,
    "assessments:ratings_add": RECORDER_PUPIL,
    "assessments:self_assessment_add": RECORDER_PUPIL,
    # Interventions: SENCo manages; teachers view their own pupils'; TAs log the sessions they run.
    "interventions:list": PUPIL_ROLES_PAGE,
    "interventions:create": SCHOOL_SENCO_PAGE,
    "interventions:programmes": row(200, 200, 200, 403, 200, 200),  # the data manager keeps the library too
    "interventions:programme_add": row(200, 403, 403, 403, 200, 200),
    "interventions:programme_edit": row(200, 403, 403, 403, 200, 404),
    "interventions:session_today": PUPIL_ROLES_PAGE,
    "interventions:comments": PUPIL_ROLES_PAGE,
    "interventions:comment_add": PUPIL_ROLES_PAGE,
    "interventions:comment_pupil_options": PUPIL_ROLES_PAGE,
    "interventions:detail": row(200, 404, 200, 403, 403, 404),  # bob neither runs it nor teaches Carl
    "interventions:edit": row(200, 403, 403, 403, 403, 404),
    "interventions:enrol": row(200, 403, 403, 403, 403, 404),
    "interventions:session_pick": row(REDIRECT, 404, REDIRECT, 403, 403, 404),  # on to the day picked
    "interventions:session_log": row(200, 404, 200, 403, 403, 404),
    "interventions:enrolment_end": row(200, 403, 403, 403, 403, 404),
    "interventions:enrolment_measures": row(200, 403, 403, 403, 403, 404),
    # Reports: SENCo all; teachers named dashboards of their groups; governors their dashboard
    # and packs only (an expected-progress run names pupils: 404 to a governor).
    "reports:list": row(200, 403, 403, 200, 403, 200),
    "reports:run": row(200, 403, 403, 404, 403, 404),
    "reports:run_download": row(200, 403, 403, 404, 403, 404),
    "reports:dashboard": row(200, 200, 403, 403, 403, 200),
    "reports:dashboard_csv": row(200, 403, 403, 403, 403, 200),
    "reports:dashboard_list": row(200, 200, 403, 403, 403, 200),
    "reports:pupil_dashboard": row(200, 200, 403, 403, 403, 404),
    "reports:governor": row(200, 403, 403, 200, 403, 200),
    "reports:case_study": SENCO_ONLY_PUPIL,
    "reports:pack_case_study": PLAN_POST_ONLY,
    # A trust leader's pages: nobody of the school walk leads a trust (tests/integration/test_pack_pages.py)
    "reports:trust": row(403, 403, 403, 403, 403, 403),
    "reports:trust_pack": row(403, 403, 403, 403, 403, 403),
    # A school's run asked for at the trust pages: refused before it is looked up (test_trust_pack_page.py)
    "reports:trust_run": row(403, 403, 403, 403, 403, 403),
    "reports:trust_run_download": row(403, 403, 403, 403, 403, 403),
    # Imports: SENCo and data manager. An upload token not in the person's session is "gone".
    "imports:upload": row(200, 403, 403, 403, 200, 200),
    "imports:template": row(200, 403, 403, 403, 200, 200),
    "imports:preview": row(REDIRECT, 403, 403, 403, REDIRECT, REDIRECT),
    "imports:confirm": POST_ONLY,
    "imports:cancel": POST_ONLY,
    "imports:errors_csv": row(REDIRECT, 403, 403, 403, REDIRECT, REDIRECT),
    "imports:export": row(200, 403, 403, 403, 403, 200),
    # Plans and reviews: the SENCo writes and reviews; teachers view and contribute for their own
    # pupils; TAs view their own pupils' plans; the plan walked is Amy's (bob's pupil, not tia's).
    "plans:list": PUPIL_ROLES_PAGE,
    "plans:parents": SCHOOL_SENCO_PAGE,
    "plans:parent_revoke": PLAN_POST_ONLY,
    "plans:parent_resend": PLAN_POST_ONLY,
    "plans:pupil": OWN_PUPIL,
    "plans:plan_new": SENCO_ONLY_PUPIL,
    "plans:passport_pdf": OWN_PUPIL,
    "plans:parent_report_pdf": SENCO_ONLY_PUPIL,
    "plans:annual_review": SENCO_ONLY_PUPIL,
    "plans:annual_review_pdf": SENCO_ONLY_PUPIL,
    "plans:parent_invite": SENCO_ONLY_PUPIL,
    "plans:comment_share": PLAN_POST_ONLY,
    "plans:plan": OWN_PUPIL,
    "plans:plan_edit": SENCO_ONLY_PUPIL,
    "plans:plan_start": PLAN_POST_ONLY,
    "plans:plan_discard": PLAN_POST_ONLY,
    "plans:outcome_add": SENCO_ONLY_PUPIL,
    "plans:outcome_edit": SENCO_ONLY_PUPIL,
    "plans:outcome_remove": PLAN_POST_ONLY,
    "plans:target_add": SENCO_ONLY_PUPIL,
    "plans:target_edit": SENCO_ONLY_PUPIL,
    "plans:target_remove": PLAN_POST_ONLY,
    "plans:target_check": RECORDER_PUPIL,
    "plans:contribute": RECORDER_PUPIL,
    "plans:review": SENCO_ONLY_PUPIL,
    "plans:draft_next": PLAN_POST_ONLY,
    "plans:plan_pdf": OWN_PUPIL,
    # First run and staff: the setup page is closed for good once a school exists (a 404 to all);
    # the SENCo and the data manager manage staff and teaching groups (staff/access.py).
    "setup": row(404, 404, 404, 404, 404, 404, anon=404, parent=404),
    "staff:list": row(200, 403, 403, 403, 200, 200),
    "staff:add": row(200, 403, 403, 403, 200, 200),
    "staff:edit": row(200, 403, 403, 403, 200, 404),  # bob, a teacher of Oak
    "staff:new_link": POST_ONLY,
    "staff:welcome": row(200, 200, 200, 200, 200, 200, anon=200, parent=200),  # a made-up link: "no longer works"
    "staff:groups": row(200, 403, 403, 403, 200, 200),
    "staff:group_add": row(200, 403, 403, 403, 200, 200),
    "staff:group_edit": row(200, 403, 403, 403, 200, 404),
    # The family pages: a parent's own child (Amy) only; no member of staff has one (403).
    "family:home": row(403, 403, 403, 403, 403, 403, parent=REDIRECT),  # on to Amy's page
    "family:welcome": row(200, 200, 200, 200, 200, 200, anon=200, parent=200),  # a made-up link: "no longer works"
    "family:child": FAMILY_PAGE,
    "family:views": FAMILY_PAGE,
    "family:history": FAMILY_PAGE,
    "family:report": FAMILY_PAGE,
}

#: Where a page does not do what docs/roles.md table says, and why it is not changed here. Each
#: entry is asserted as it is, so fixing the page fails this test until the entry is removed.
KNOWN_DIFFERENCES: dict[tuple[str, str], tuple[object, str]] = {
}

#: Pages whose 200 may name pupils the person cannot otherwise see (the known differences above).
LEAK_CHECK_SKIPPED = set(KNOWN_DIFFERENCES)


# --- The school walked -------------------------------------------------------------------------------


@dataclass
class WalkSchool:
    personas: object
    amy: object
    ben: object
    carl: object
    group: object
    entry: object
    concern: object
    programme: object
    intervention: object
    enrolment: object
    run: object
    day: dt.date
    plan: object = None
    parent: object = None
    link: object = None
    comment: object = None


@pytest.fixture
def walk_school(personas) -> WalkSchool:
    today = timezone.localdate()
    amy, ben = personas.pupil, personas.other_pupil
    carl = f.PupilFactory(school=personas.school, forename="Carl", surname="Quennell")
    entry = f.RegisterEntryFactory(pupil=amy, provision=Provision.SEN_SUPPORT)
    f.RegisterEntryFactory(pupil=ben, provision=Provision.EHC_PLAN)
    concern = Concern.objects.create(pupil=amy, raised_by=personas.teacher, raised_on=today, reason="Slow reading")
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe")
    start = today - dt.timedelta(days=28)
    intervention = f.InterventionFactory(programme=programme, name="Reading group", start_date=start)
    intervention.staff.add(personas.ta)
    enrolment = f.EnrolmentFactory(intervention=intervention, pupil=carl, start_date=start)
    run = ReportRun.objects.create(
        school=personas.school, kind=ReportKind.EXPECTED_PROGRESS, status=RunStatus.DONE, progress=100,
        parameters={"academic_year": 2024, "term": "summer"}, requested_by=personas.senco,
        result={"columns": ["upn", "status"], "rows": [{"upn": amy.upn, "status": "expected"}]},
    )  # fmt: skip
    plan = plans_services.plan_create(
        pupil=amy, starts_on=today - dt.timedelta(days=14), review_date=today + dt.timedelta(days=60), created_by=None
    )
    plans_services.outcome_add(plan=plan, description="Amy will read aloud", measure="Reading log", by_when=plan.review_date)
    plans_services.curricular_target_add(plan=plan, subject=personas.group.subject, statement="I can spell ten words")
    plans_services.plan_start(plan=plan)
    invitation = parent_invite(school=personas.school, email="pat@example.org", first_name="Pat", last_name="Parent",
                               pupils=[amy], invited_by=personas.senco)  # fmt: skip
    comment = Comment.objects.create(pupil=amy, observed_on=today, objective="Read aloud", activity="x", outcome="y")
    return WalkSchool(
        personas, amy, ben, carl, personas.group, entry, concern, programme, intervention, enrolment, run,
        day=today - dt.timedelta(days=7), plan=plan, parent=invitation.user, link=invitation.links[0], comment=comment,
    )


def url_kwargs(name: str, kwargs: list[str], s: WalkSchool) -> dict[str, object]:
    """Values for the keywords of a URL. A keyword this does not know fails the walk, naming the page."""
    values: dict[str, object] = {}
    for kwarg in kwargs:
        if kwarg == "public_id" and name in ("reports:run", "reports:run_download", "reports:trust_run",
                                             "reports:trust_run_download"):
            values[kwarg] = s.run.public_id
        elif kwarg == "public_id" and name.startswith("interventions:"):
            values[kwarg] = s.intervention.public_id
        elif kwarg == "public_id" and (
            name.startswith(("pupils:", "assessments:", "plans:", "family:"))
            or name in ("reports:pupil_dashboard", "reports:case_study", "reports:pack_case_study")
        ):
            values[kwarg] = s.amy.public_id
        elif (name, kwarg) == ("pupils:entry_change", "entry_id") or (name, kwarg) == ("pupils:entry_close", "entry_id"):
            values[kwarg] = s.entry.pk
        elif (name, kwarg) == ("pupils:concern_close", "concern_id"):
            values[kwarg] = s.concern.pk
        elif (name, kwarg) == ("reports:dashboard_list", "key"):
            values[kwarg] = "standardised-pupils"
        elif (name, kwarg) == ("assessments:targets", "group_id"):
            values[kwarg] = s.group.pk
        elif (name, kwarg) == ("interventions:programme_edit", "name"):
            values[kwarg] = s.programme.name
        elif (name, kwarg) == ("interventions:session_log", "day"):
            values[kwarg] = s.day
        elif name.startswith("interventions:enrolment_") and kwarg == "pupil_id":
            values[kwarg] = s.carl.public_id
        elif name.startswith("interventions:enrolment_") and kwarg == "start":
            values[kwarg] = s.enrolment.start_date
        elif (name, kwarg) == ("reports:run_download", "fmt"):
            values[kwarg] = "csv"
        elif (name, kwarg) == ("reports:trust_run_download", "fmt"):
            values[kwarg] = "pdf"
        elif name in ("imports:template", "imports:export") and kwarg == "kind":
            values[kwarg] = "register" if name == "imports:export" else "pupils"
        elif (name, kwarg) == ("imports:export", "fmt"):
            values[kwarg] = "csv"
        elif name.startswith("imports:") and kwarg == "token":
            values[kwarg] = "0" * 32
        elif kwarg == "plan_id":
            values[kwarg] = s.plan.public_id
        elif kwarg == "outcome_id":
            values[kwarg] = s.plan.outcomes.get().pk
        elif kwarg == "target_id":
            values[kwarg] = s.plan.curricular_targets.get().pk
        elif kwarg == "link_id":
            values[kwarg] = s.link.pk
        elif kwarg == "comment_id":
            values[kwarg] = s.comment.public_id
        elif (name, kwarg) == ("staff:edit", "user_id") or (name, kwarg) == ("staff:new_link", "user_id"):
            values[kwarg] = s.personas.teacher.pk
        elif (name, kwarg) == ("staff:group_edit", "group_id"):
            values[kwarg] = s.group.pk
        elif (name, kwarg) == ("staff:welcome", "uidb64"):
            values[kwarg] = "MQ"
        elif (name, kwarg) == ("staff:welcome", "token"):
            values[kwarg] = "a-made-up-token"
        elif (name, kwarg) == ("family:welcome", "uidb64"):
            values[kwarg] = "MQ"
        elif (name, kwarg) == ("family:welcome", "token"):
            values[kwarg] = "a-made-up-token"
        else:
            pytest.fail(
                f"The URL {name!r} takes {kwarg!r}, which the access walk does not know how to fill: add it "
                "to url_kwargs in tests/integration/test_access_walk.py (and the page to EXPECTED)",
                pytrace=False,
            )
    return values


def walked_patterns() -> list[tuple[str, list[str]]]:
    """(URL name, its keywords) for every pattern the resolver knows; the admin only by its index."""
    found: list[tuple[str, list[str]]] = []

    def walk(patterns, namespace: str | None, prefix: str, inherited: list[str]) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith(("static/", "media/", "__debug__/")):
                    continue
                if pattern.namespace == "admin":  # Django's own pages: its login redirect only
                    found.append(("admin:index", []))
                    continue
                ns = ":".join(n for n in (namespace, pattern.namespace) if n) or None
                own = list(getattr(pattern.pattern, "converters", {}) or {})
                walk(pattern.url_patterns, ns, route, inherited + own)
            elif isinstance(pattern, URLPattern):
                if route.startswith(("static/", "media/", "__debug__/")):
                    continue
                if not pattern.name:
                    pytest.fail(f"The URL pattern {route!r} has no name, so the access walk cannot reverse it")
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, inherited + list(getattr(pattern.pattern, "converters", {}) or {})))

    walk(get_resolver().url_patterns, None, "", [])
    return found


def clients(s: WalkSchool) -> dict[str, Client]:
    p = s.personas
    people = {
        "senco": p.senco, "teacher": p.teacher, "ta": p.ta, "governor": p.governor,
        "data_manager": p.data_manager, "charlie": p.outsider, "parent": s.parent,
    }  # fmt: skip
    made = {"anon": Client()}
    for role, user in people.items():
        made[role] = Client()
        made[role].force_login(user)
    return made


def outcome(response) -> object:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(resolve_url(settings.LOGIN_URL) + "?"):
            return LOGIN
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        return REDIRECT
    return response.status_code


def _tokens(pupil) -> list[str]:
    return [pupil.upn, pupil.full_name, f"{pupil.surname}, {pupil.forename}"]


def forbidden_names(role: str, s: WalkSchool) -> list[str]:
    """Names and UPNs of pupils ``role`` may not see: the walk fails when a 200 page shows one."""
    sees = {
        "senco": [s.amy, s.ben, s.carl],
        "teacher": [s.amy],  # his group 9E1
        "ta": [s.carl],  # her reading group
        "parent": [s.amy],  # their own child
    }.get(role, [])
    return [token for pupil in (s.amy, s.ben, s.carl) if pupil not in sees for token in _tokens(pupil)]


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


# --- The walk ----------------------------------------------------------------------------------------


def test_every_page_and_download_answers_each_person_as_the_design_says(walk_school):
    patterns = walked_patterns()
    names = {name for name, _ in patterns}
    missing = sorted(names - set(EXPECTED))
    assert not missing, (
        "These pages have no row in EXPECTED of tests/integration/test_access_walk.py, so nobody has said "
        f"who may open them: {missing}"
    )
    stale = sorted(set(EXPECTED) - names)
    assert not stale, f"EXPECTED names pages that no longer exist: {stale}"

    people = clients(walk_school)
    wrong, leaks = [], []
    for name, kwargs in patterns:
        url = reverse(name, kwargs=url_kwargs(name, kwargs, walk_school))
        for role in ROLES:
            response = people[role].get(url)
            got = outcome(response)
            expected = EXPECTED[name][role]
            if (name, role) in KNOWN_DIFFERENCES:
                expected = KNOWN_DIFFERENCES[(name, role)][0]
            if got != expected:
                wrong.append(f"{name} ({url}) as {role}: expected {expected}, got {got}")
            if response.status_code == 200 and (name, role) not in LEAK_CHECK_SKIPPED:
                body = _body(response)
                shown = [token for token in forbidden_names(role, walk_school) if token in body]
                if shown:
                    leaks.append(f"{name} ({url}) as {role} shows {shown}")
    assert not wrong, "Pages that answer differently from docs/roles.md table:\n  " + "\n  ".join(wrong)
    assert not leaks, "Pages that show pupils the person may not see:\n  " + "\n  ".join(leaks)


def test_a_new_url_keyword_fails_the_walk_with_a_clear_message(walk_school):
    with pytest.raises(pytest.fail.Exception, match="'widget_id'.*add it to url_kwargs"):
        url_kwargs("pupils:widget", ["widget_id"], walk_school)


def test_the_walk_reaches_every_app_and_the_admin_login():
    names = {name for name, _ in walked_patterns()}
    for namespace in ("pupils", "assessments", "interventions", "plans", "family", "reports", "imports"):
        assert any(name.startswith(f"{namespace}:") for name in names), namespace
    assert "admin:index" in names and not any(n.startswith("admin:") and n != "admin:index" for n in names)


# --- The POST sweep ----------------------------------------------------------------------------------


def table_counts() -> dict[str, tuple[int, object]]:
    """Rows and the latest change of every table of sencotrack's apps, history and access log included."""
    counts = {}
    for label in ("pupils", "assessments", "interventions", "plans", "reports"):
        for model in apps.get_app_config(label).get_models():
            rows = model._default_manager.all()
            stamp = next(
                (f.name for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField) and f.auto_now),
                None,
            )
            latest = rows.order_by(f"-{stamp}").values_list(stamp, flat=True).first() if stamp else None
            counts[model._meta.label] = (rows.count(), latest)
    return counts


def post_payload(s: WalkSchool) -> dict[str, object]:
    """Form data that would save something on most pages, were the person allowed to."""
    today = timezone.localdate().isoformat()
    return {
        "pupil": str(s.amy.public_id), "provision": "E", "primary_need": "ASD", "start_date": today,
        "end_date": today, "review_date": today, "closed_on": today, "raised_on": today, "reason": "x",
        "needs_summary": "changed", "strengths": "changed", "leaving_date": today, "result": "4b",
        "subject": "english", "academic_year": "2024", "term": "autumn", "key_stage": "KS2", "measure": "reading",
        "test_name": "Salford", "tested_on": today, "age_equivalent": "9:06", "name": "Hijacked",
        "area_of_need": "cognition", "cost_per_session": "1", "sessions_per_week": "1", "observed_on": today,
        "objective": "x", "activity": "x", "outcome": "x", "delivered": "on", "attended": [str(s.carl.public_id)],
        "kind": "value-added", "points": "5", "statement": "x", "rating": "3", "recorded_on": today,
        "completed_on": today, "programme": s.programme.name, "staff": [str(s.personas.teacher.pk)],
        f"result-{s.amy.pk}": "4b", "group": str(s.group.pk),
    }  # fmt: skip


def test_posting_to_any_page_as_a_person_it_refuses_saves_nothing(walk_school):
    people = clients(walk_school)
    data = post_payload(walk_school)
    before = table_counts()
    wrong = []
    for name, kwargs in walked_patterns():
        if name in ("login", "logout", "admin:index"):
            continue
        url = reverse(name, kwargs=url_kwargs(name, kwargs, walk_school))
        for role in ROLES:
            expected = EXPECTED[name][role]
            if (name, role) in KNOWN_DIFFERENCES:
                expected = KNOWN_DIFFERENCES[(name, role)][0]
            if expected not in (LOGIN, 403, 404):
                continue
            got = outcome(people[role].post(url, data))
            if got not in (LOGIN, 403, 404, 405):
                wrong.append(f"POST {name} ({url}) as {role}: got {got}")
    assert not wrong, "Refused people whose POST was not refused:\n  " + "\n  ".join(wrong)
    after = table_counts()
    changed = {label: (before[label], after[label]) for label in before if before[label] != after[label]}
    assert not changed, f"Refused POSTs changed these tables (rows, latest change): {changed}"


def test_the_senco_post_of_the_sweep_data_does_save_so_the_sweep_would_notice(walk_school):
    # The sweep's data is not inert: posted by the SENCo to the profile page it saves, and the
    # counts the sweep compares move.
    client = clients(walk_school)["senco"]
    before = table_counts()
    url = reverse("pupils:profile_edit", args=[walk_school.amy.public_id])
    assert client.post(url, post_payload(walk_school)).status_code == 302
    after = table_counts()
    assert after["pupils.PupilProfile"][0] == before["pupils.PupilProfile"][0] + 1
    assert after["pupils.HistoricalPupilProfile"][0] == before["pupils.HistoricalPupilProfile"][0] + 1
    assert RegisterEntry.objects.filter(pupil=walk_school.amy).count() == 1


# --- Ids inside a pupil's URLs -----------------------------------------------------------------------


def test_a_register_entry_or_concern_id_is_found_only_under_its_own_pupil(walk_school):
    # Integer ids of entries and concerns are looked up among the named pupil's own records: Ben's
    # entry under Amy's address, or Amy's under one of charlie's pupils, is a 404 even to a SENCo.
    s = walk_school
    ben_entry = RegisterEntry.objects.get(pupil=s.ben)
    senco = clients(s)["senco"]
    assert senco.get(reverse("pupils:entry_change", args=[s.amy.public_id, ben_entry.pk])).status_code == 404
    assert senco.get(reverse("pupils:entry_change", args=[s.ben.public_id, ben_entry.pk])).status_code == 200
    elm_pupil = f.PupilFactory(school=s.personas.outsider.memberships.get().school)
    charlie = clients(s)["charlie"]
    for name, record in (
        ("pupils:entry_change", s.entry), ("pupils:entry_close", s.entry), ("pupils:concern_close", s.concern),
    ):  # fmt: skip
        assert charlie.get(reverse(name, args=[elm_pupil.public_id, record.pk])).status_code == 404, name


def test_a_ta_sees_the_pupils_of_the_group_she_runs_and_no_other(walk_school):
    s = walk_school
    tia = clients(s)["ta"]
    assert tia.get(reverse("pupils:detail", args=[s.carl.public_id])).status_code == 200
    assert tia.get(reverse("pupils:detail", args=[s.amy.public_id])).status_code == 404
    assert tia.get(reverse("pupils:detail", args=[s.ben.public_id])).status_code == 404


def test_every_url_that_names_a_pupil_names_them_by_public_id_never_the_database_id():
    # A keyword that names a pupil is a UUID (public_id, pupil_id); integer keywords name records
    # found only under a pupil or a group the person may see (checked above and by the walk), or a
    # member of staff found only among the acting school's staff (staff:edit, a 404 otherwise); ``key`` names a
    # dashboard's list of pupils (reports:dashboard_list).
    for name, kwargs in walked_patterns():
        for kwarg in kwargs:
            assert kwarg in {"public_id", "pupil_id", "entry_id", "concern_id", "group_id", "name", "day", "start",
                             "fmt", "kind", "token", "plan_id", "outcome_id", "target_id", "link_id", "comment_id",
                             "uidb64", "user_id", "key"}, f"{name} takes {kwarg}: is it a pupil's database id?"  # fmt: skip
    # And a database id in a pupil's place matches no page at all.
    for path in ("/pupils/12/", "/reports/dashboard/pupils/12/", "/assessments/pupils/12/", "/pupils/12/audit/"):
        with pytest.raises(Resolver404):
            resolve(path)
