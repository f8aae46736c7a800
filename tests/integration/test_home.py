"""Each role's home page: what it shows, who it refuses, and a query count that does not grow with pupils."""

from __future__ import annotations

import datetime as dt
import sys
import types

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

from interventions.models import InterventionSession
from pupils.models import Provision, Role
from pupils.navigation import ROLE_LINKS, url_or_none
from sencotrack.urls import urlpatterns as site_urlpatterns
from tests import factories as f


def _placeholder(request):
    return HttpResponse("placeholder page")


# A URLconf with the routes other apps will add, for the tests that check links light up and the
# governor is sent to the dashboard once it exists (used with @pytest.mark.urls(__name__)).
_future_routes = {
    "pupils": ["register", "list"],
    "assessments": ["grid", "reference_sets"],
    "interventions": ["list", "session_today", "comment_add", "programmes"],
    "reports": ["list", "dashboard", "governor"],
    "imports": ["upload"],
}
urlpatterns = [p for p in site_urlpatterns if getattr(p, "namespace", None) not in _future_routes] + [
    path(f"{app}/", include(([path(f"{name}/", _placeholder, name=name) for name in names], app)))
    for app, names in _future_routes.items()
]


@pytest.fixture
def without_app_routes(settings, monkeypatch):
    """The site as it was before any app added pages: only sencotrack's own routes."""
    module = types.ModuleType("sencotrack_urls_without_apps")
    module.urlpatterns = [p for p in site_urlpatterns if getattr(p, "namespace", None) in (None, "admin")]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.ROOT_URLCONF = module.__name__


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("home"))


def _text(response) -> str:
    return response.content.decode()


# --- Who gets in -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_person_with_no_school_role_sees_a_friendly_page_and_no_data(client, personas):
    loner = f.UserFactory(username="lonely")
    response = _home(client, loner)
    assert response.status_code == 200
    assert "Your account has no school role yet" in _text(response)
    assert "Amy" not in _text(response)
    assert "Oak Academy" not in _text(response)


def test_sign_in_page_lists_the_seeded_demo_logins_only_in_debug(client, db, settings):
    from pupils.models import Membership, Role, School
    from demo import seed as demo
    from tests import factories as f

    settings.DEBUG = True
    school = School.objects.create(code=demo.DEMO_SCHOOL_CODE, name="Riverside Academy")
    user = f.UserFactory(username="senco", email=f"senco@{demo.DEMO_EMAIL_DOMAIN}")
    Membership.objects.create(user=user, school=school, role=Role.SENCO)
    page = _text(client.get(reverse("login")))
    assert "Demo accounts" in page
    assert 'data-fill-username="senco"' in page
    assert demo.DEMO_PASSWORD in page

    settings.DEBUG = False
    assert "Demo accounts" not in _text(client.get(reverse("login")))


def test_sign_in_page_works_without_demo_accounts(client, db, settings):
    settings.DEBUG = True
    f.SchoolFactory(code="oak")  # with no school at all the first visit goes to the setup page
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Demo accounts" not in _text(response)


# --- SENCo -------------------------------------------------------------------------------------


def test_senco_sees_open_reviews_that_are_overdue_or_due_within_30_days(client, personas, today):
    amy, ben = personas.pupil, personas.other_pupil
    f.RegisterEntryFactory(pupil=amy, review_date=today + dt.timedelta(days=10))  # due in 10 days: shown
    f.RegisterEntryFactory(pupil=ben, review_date=today - dt.timedelta(days=3))  # 3 days overdue: shown
    far = f.PupilFactory(school=personas.school, forename="Farah", surname="Later")
    f.RegisterEntryFactory(pupil=far, review_date=today + dt.timedelta(days=31))  # beyond 30 days: hidden
    closed = f.PupilFactory(school=personas.school, forename="Cleo", surname="Closed")
    f.RegisterEntryFactory(
        pupil=closed, end_date=today - dt.timedelta(days=1), review_date=today - dt.timedelta(days=40)
    )  # closed entry: hidden
    elsewhere = f.PupilFactory(school=personas.outsider.memberships.get().school, forename="Eli", surname="Elm")
    f.RegisterEntryFactory(pupil=elsewhere, review_date=today)  # another school: hidden

    page = _text(_home(client, personas.senco))
    reviews = page.split('data-testid="reviews-due"')[1].split("</section>")[0]
    assert "Amy Smith" in reviews and "In 10 days" in reviews
    assert "Ben Jones" in reviews and "Overdue" in reviews
    assert reviews.index("Ben Jones") < reviews.index("Amy Smith")  # soonest (most overdue) first
    for hidden in ("Farah", "Cleo", "Eli"):
        assert hidden not in page


def test_senco_sees_register_pupils_missing_an_assessment_in_the_latest_assessed_term(client, personas, today):
    amy, ben = personas.pupil, personas.other_pupil
    f.RegisterEntryFactory(pupil=amy)
    f.RegisterEntryFactory(pupil=ben, provision=Provision.EHC_PLAN)
    off_register = f.PupilFactory(school=personas.school, forename="Nia", surname="Notlisted")
    f.RegisterEntryFactory(pupil=off_register, provision=Provision.NONE, primary_need="")
    # Latest term with assessments is Spring 2024/25: Amy has one then; Ben only in the autumn before.
    f.AssessmentFactory(pupil=amy, academic_year=2024, term="spring")
    f.AssessmentFactory(pupil=ben, academic_year=2024, term="autumn")

    page = _text(_home(client, personas.senco))
    missing = page.split('data-testid="missing-assessments"')[1].split("</section>")[0]
    assert "Spring 2024/25" in missing
    assert "Ben Jones" in missing and "EHCP" in missing
    assert "Amy Smith" not in missing
    assert "Nia" not in missing  # provision N is not on the register


def test_senco_is_told_when_no_assessments_exist_yet(client, personas):
    f.RegisterEntryFactory(pupil=personas.pupil)
    page = _text(_home(client, personas.senco))
    assert "No assessments have been recorded yet" in page


def test_senco_sees_interventions_ending_soon_or_past_their_end_with_pupils_enrolled(client, personas, today):
    programme = f.ProgrammeFactory(school=personas.school, name="Toe by Toe")
    start = today - dt.timedelta(days=60)
    soon = f.InterventionFactory(programme=programme, name="Ends soon", start_date=start, end_date=today + dt.timedelta(days=5))
    f.InterventionFactory(programme=programme, name="Ends later", start_date=start, end_date=today + dt.timedelta(days=15))
    f.InterventionFactory(programme=programme, name="Runs on", start_date=start)
    lapsed = f.InterventionFactory(programme=programme, name="Lapsed", start_date=start, end_date=today - dt.timedelta(days=3))
    f.EnrolmentFactory(intervention=lapsed, pupil=personas.pupil, start_date=start)  # still open
    tidy = f.InterventionFactory(programme=programme, name="Tidied up", start_date=start, end_date=today - dt.timedelta(days=3))
    f.EnrolmentFactory(intervention=tidy, pupil=personas.pupil, start_date=start, end_date=today - dt.timedelta(days=3))
    f.EnrolmentFactory(intervention=soon, pupil=personas.other_pupil, start_date=start)
    elm = f.ProgrammeFactory(school=personas.outsider.memberships.get().school, name="Elm reading")
    f.InterventionFactory(programme=elm, name="Elm group", start_date=start, end_date=today + dt.timedelta(days=2))

    page = _text(_home(client, personas.senco))
    section = page.split('data-testid="interventions-ending"')[1].split("</section>")[0]
    assert "Ends soon" in section and "In 5 days" in section
    assert "Lapsed" in section and "Record exit measures and close the enrolments" in section
    for hidden in ("Ends later", "Runs on", "Tidied up", "Elm group"):
        assert hidden not in section


def test_outsider_senco_sees_nothing_of_another_school(client, personas, today):
    f.RegisterEntryFactory(pupil=personas.pupil, review_date=today)
    f.AssessmentFactory(pupil=personas.other_pupil)
    f.RegisterEntryFactory(pupil=personas.other_pupil)
    page = _text(_home(client, personas.outsider))
    assert "Elm School" in page
    assert personas.pupil.full_name not in page and personas.other_pupil.full_name not in page  # (a factory name may hold "Ben")


# --- Teacher -----------------------------------------------------------------------------------


def test_teacher_sees_their_groups_with_pupil_and_register_counts(client, personas, today):
    group = personas.group  # 9E1: Amy
    f.RegisterEntryFactory(pupil=personas.pupil)  # Amy on the register (K)
    plain = f.PupilFactory(school=personas.school, forename="Pat")
    ended = f.PupilFactory(school=personas.school, forename="Eve")
    f.RegisterEntryFactory(pupil=ended, start_date=dt.date(2020, 9, 1), end_date=dt.date(2021, 7, 1))  # came off
    group.pupils.add(plain, ended)
    others = f.TeachingGroupFactory(school=personas.school, name="8M2")  # not bob's
    others.pupils.add(personas.other_pupil)

    page = _text(_home(client, personas.teacher))
    section = page.split('data-testid="teaching-groups"')[1].split("</section>")[0]
    # 9E1 holds Amy, Pat and Eve: 3 pupils; only Amy has a register entry open today: 1.
    row = section.split("9E1")[1].split("</tr>")[0]
    assert [cell.split(">")[-1] for cell in row.split("</td>")[-3:-1]] == ["3", "1"]
    assert "8M2" not in section


def test_teacher_with_no_groups_is_told_how_to_get_some(client, personas):
    personas.group.staff.clear()
    assert "not attached to any teaching group" in _text(_home(client, personas.teacher))


# --- Teaching assistant ------------------------------------------------------------------------


def _ta_intervention(personas, today, **kwargs):
    programme = f.ProgrammeFactory(school=personas.school, name=kwargs.pop("programme", "Lego therapy"))
    intervention = f.InterventionFactory(programme=programme, start_date=today - dt.timedelta(days=30), **kwargs)
    intervention.staff.add(personas.ta)
    return intervention


def test_ta_sees_pupils_of_the_intervention_groups_they_staff(client, personas, today):
    running = _ta_intervention(personas, today, name="Tuesday Lego", schedule="Tue 9:00, library")
    f.EnrolmentFactory(intervention=running, pupil=personas.other_pupil, start_date=today - dt.timedelta(days=30))
    f.RegisterEntryFactory(pupil=personas.other_pupil, provision=Provision.EHC_PLAN)
    not_theirs = f.InterventionFactory(programme=running.programme, name="Someone else's", start_date=running.start_date)
    f.EnrolmentFactory(intervention=not_theirs, pupil=personas.pupil, start_date=running.start_date)

    page = _text(_home(client, personas.ta))
    pupils = page.split('data-testid="ta-pupils"')[1].split("</section>")[0]
    assert "Ben Jones" in pupils and "Tuesday Lego" in pupils and "EHCP" in pupils
    assert "Amy" not in pupils


def test_ta_sees_today_sessions_and_whether_each_is_logged(client, personas, today):
    logged = _ta_intervention(personas, today, name="Logged group")
    InterventionSession.objects.create(intervention=logged, date=today, logged_by=personas.ta)
    _ta_intervention(personas, today, name="Waiting group", programme="Toe by Toe")
    _ta_intervention(
        personas, today, name="Finished group", programme="Precision teaching", end_date=today - dt.timedelta(days=1)
    )
    _ta_intervention(personas, today + dt.timedelta(days=40), name="Future group", programme="Nessy")

    page = _text(_home(client, personas.ta))
    sessions = page.split('data-testid="sessions-today"')[1].split("</section>")[0]
    assert "Logged group" in sessions and "Waiting group" in sessions
    assert sessions.split("Logged group")[1].split("</li>")[0].count("Logged") == 1
    assert "Not logged yet" in sessions.split("Waiting group")[1].split("</li>")[0]
    assert "Finished group" not in sessions and "Future group" not in sessions


# --- Governor, data manager, navigation ------------------------------------------------------------


def test_governor_sees_that_the_dashboard_is_coming_while_it_does_not_exist(client, personas, without_app_routes):
    response = _home(client, personas.governor)
    assert response.status_code == 200
    assert "governor dashboard is coming" in _text(response)


@pytest.mark.urls(__name__)
def test_governor_is_sent_to_the_governor_dashboard_once_it_exists(client, personas):
    response = _home(client, personas.governor)
    assert response.status_code == 302
    assert response.url == "/reports/governor/"


def test_data_manager_sees_how_to_import(client, personas):
    page = _text(_home(client, personas.data_manager))
    assert "Import data from your MIS" in page
    assert "Amy" not in page


def _nav_labels(page: str) -> list[str]:
    nav = page.split('id="main-nav"')[1].split("</ul>")[0]
    return [chunk.split("</a>")[0].split(">")[-1] for chunk in nav.split('class="nav-link')[1:]]


def test_navigation_shows_only_links_whose_routes_exist(client, personas, monkeypatch):
    senco_links = ROLE_LINKS[Role.SENCO] + (("Nowhere yet", "nowhere:missing"),)
    monkeypatch.setitem(ROLE_LINKS, Role.SENCO, senco_links)
    expected = [label for label, route in senco_links if url_or_none(route)]
    shown = _nav_labels(_text(_home(client, personas.senco)))
    assert shown == expected
    assert shown[0] == "Home" and "Nowhere yet" not in shown


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("persona", "labels"),
    [
        ("senco", ["Home", "Register", "Pupils", "Assessments", "Interventions", "Plans", "Comments", "Reports",
                   "Dashboards", "Import", "Staff"]),
        ("teacher", ["Home", "My groups", "Plans", "Assessments", "Comments", "Dashboards"]),
        ("ta", ["Home", "My pupils", "Plans", "Sessions", "Comments"]),
        ("data_manager", ["Home", "Import", "Reference sets", "Staff", "Teaching groups", "Programmes"]),
    ],
)
def test_navigation_links_light_up_for_each_role_once_routes_exist(client, personas, persona, labels):
    assert _nav_labels(_text(_home(client, getattr(personas, persona)))) == labels


def test_page_frame_names_the_school_and_role_and_signs_out_by_post(client, personas):
    page = _text(_home(client, personas.teacher))
    assert 'lang="en-GB"' in page
    assert "Teacher, Oak Academy" in page
    assert f'method="post" action="{reverse("logout")}"' in page
    assert "<script>" not in page and " onclick=" not in page


# --- Query counts: the same for one pupil and for many -------------------------------------------


def _populate(personas, today, pupils: int) -> None:
    """``pupils`` pupils, each on the register with a review due, in bob's group and tia's intervention."""
    programme = f.ProgrammeFactory(school=personas.school)
    intervention = f.InterventionFactory(
        programme=programme, name="Volume group", start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=7)
    )
    intervention.staff.add(personas.ta)
    lapsed = f.InterventionFactory(
        programme=programme, name="Lapsed group", start_date=today - dt.timedelta(days=90), end_date=today - dt.timedelta(days=1)
    )
    lapsed.staff.add(personas.ta)
    for n in range(pupils):
        pupil = f.PupilFactory(school=personas.school)
        provision = Provision.EHC_PLAN if n % 3 == 0 else Provision.SEN_SUPPORT  # annual reviews due too
        f.RegisterEntryFactory(pupil=pupil, provision=provision, review_date=today + dt.timedelta(days=n % 40 - 5),
                               start_date=today - dt.timedelta(days=320 + n))
        personas.group.pupils.add(pupil)
        f.EnrolmentFactory(intervention=intervention, pupil=pupil, start_date=intervention.start_date)
        f.EnrolmentFactory(intervention=lapsed, pupil=pupil, start_date=lapsed.start_date)
        if n % 2 == 0:  # half assessed, including the first, so every selector runs in both sizes
            f.AssessmentFactory(pupil=pupil, academic_year=2024, term="summer")


def _queries_for_home(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert response.status_code in (200, 302)  # the governor is sent on to their dashboard once it exists
    return len(captured)


# Session, user, membership, then each role's selectors:
# SENCo 3 reviews/latest term/missing + 1 interventions + 1 annual reviews = 5; teacher 1; TA 2; governor and
# data manager 0.
MAX_QUERIES = {"senco": 8, "teacher": 4, "ta": 5, "governor": 3, "data_manager": 3}


@pytest.mark.parametrize("persona", sorted(MAX_QUERIES))
def test_home_query_count_does_not_grow_with_the_number_of_pupils(
    client, personas, today, persona, django_assert_max_num_queries
):
    user = getattr(personas, persona)
    client.force_login(user)
    _populate(personas, today, pupils=1)
    with django_assert_max_num_queries(MAX_QUERIES[persona]):
        client.get(reverse("home"))
    few = _queries_for_home(client)

    _populate(personas, today, pupils=25)
    with django_assert_max_num_queries(MAX_QUERIES[persona]):
        client.get(reverse("home"))
    many = _queries_for_home(client)
    assert few == many


def test_many_pupils_each_appear_once_on_the_ta_home_with_only_running_groups(client, personas, today):
    _populate(personas, today, pupils=25)
    page = _text(_home(client, personas.ta))
    pupils = page.split('data-testid="ta-pupils"')[1].split("</section>")[0]
    assert pupils.count('class="list-group-item"') == 25
    assert pupils.count("Volume group") == 25
    assert "Lapsed group" not in pupils  # ended yesterday, although the enrolments were never closed


def test_senco_cards_list_twelve_rows_then_say_how_many_more(client, personas, today):
    _populate(personas, today, pupils=25)  # 25 register entries, reviews due from 5 days ago to 19 days ahead
    page = _text(_home(client, personas.senco))
    reviews = page.split('data-testid="reviews-due"')[1].split("</section>")[0]
    assert reviews.count("<li ") == 12
    assert "and 13 more" in reviews  # 25 - 12
    assert '25<span class="visually-hidden"> reviews due</span>' in reviews  # the badge reads "25 reviews due"


# --- EHC plan annual reviews and parents ------------------------------------------------------------


def test_senco_sees_ehc_plan_annual_reviews_from_ten_weeks_before_and_overdue_ones(client, personas, today):
    from plans.models import AnnualReview

    school = personas.school

    def ehcp(name: str, began: dt.date, last_review: dt.date | None = None):
        pupil = f.PupilFactory(school=school, surname=name, forename="Pat")
        f.RegisterEntryFactory(pupil=pupil, provision=Provision.EHC_PLAN, start_date=began)
        if last_review:
            AnnualReview.objects.create(pupil=pupil, held_on=last_review, recommendation="maintain")
        return pupil

    from plans.cycle import add_months

    def year_before(days_ahead: int) -> dt.date:
        """The day 12 months before ``today + days_ahead``: a review then is due ``days_ahead`` from today."""
        return add_months(today + dt.timedelta(days=days_ahead), -12)

    year = dt.timedelta(days=365)
    # Due 12 months after the last review (or after the plan began): 70 days (10 weeks) ahead is
    # listed, 71 is not; a day late is overdue.
    ehcp("Soon", began=today - 3 * year, last_review=year_before(70))
    ehcp("Later", began=today - 3 * year, last_review=year_before(71))
    ehcp("Overdue", began=today - 3 * year, last_review=year_before(-20))
    ehcp("Firstyear", began=year_before(10))  # no review yet: due a year after it began
    support = f.PupilFactory(school=school, surname="Support")
    f.RegisterEntryFactory(pupil=support, provision=Provision.SEN_SUPPORT, start_date=today - 3 * year)
    page = _text(_home(client, personas.senco))
    card = page.split('data-testid="annual-reviews-due"')[1].split("</section>")[0]
    assert "Pat Soon" in card and "Pat Overdue" in card and "Pat Firstyear" in card
    assert "Pat Later" not in card and "Support" not in card
    assert card.index("Pat Overdue") < card.index("Pat Firstyear") < card.index("Pat Soon")  # soonest due first
    assert '3<span class="visually-hidden"> annual reviews due</span>' in card  # the badge reads "3 annual reviews due"
    assert "aria-label" not in card and "Overdue" in card


def test_the_outsider_senco_sees_no_annual_review_of_another_school(client, personas, today):
    pupil = f.PupilFactory(school=personas.school, surname="Oakpupil")
    f.RegisterEntryFactory(pupil=pupil, provision=Provision.EHC_PLAN, start_date=today - dt.timedelta(days=400))
    card = _text(_home(client, personas.outsider)).split('data-testid="annual-reviews-due"')[1]
    assert "Oakpupil" not in card


def test_a_parents_home_is_their_childs_page_and_their_menu_leads_back_to_it(client, personas):
    from plans.services_parents import parent_invite

    invitation = parent_invite(school=personas.school, email="pat@example.org", first_name="Pat", last_name="Smith",
                               pupils=[personas.pupil], invited_by=personas.senco)  # fmt: skip
    client.force_login(invitation.user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("family:home")
    page = client.get(reverse("family:child", args=[personas.pupil.public_id])).content.decode()
    assert _nav_labels(page) == ["Home"] and f'href="{reverse("family:home")}"' in page
    assert "Parent or carer, Oak Academy" in page


def test_the_reference_sets_page_is_reachable_from_the_assessments_page_and_the_data_managers_menu(client, personas):
    link = f'href="{reverse("assessments:reference_sets")}"'
    client.force_login(personas.senco)
    assert link in _text(client.get(reverse("assessments:grid")))
    client.force_login(personas.teacher)  # a teacher cannot open the page: no link to a 403
    page = _text(client.get(reverse("assessments:grid")))
    assert client.get(reverse("assessments:grid")).status_code == 200 and link not in page
    page = _text(_home(client, personas.data_manager))
    assert link in page.split('id="main-nav"')[1].split("</ul>")[0]
