"""``seed_demo`` and ``demo_logins``: the demo school is realistic, deterministic and safe to run."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time

import pytest

from pupils.navigation import url_or_none
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from assessments.ladder import parse_level, parse_result
from assessments.models import Assessment, Baseline, ReadingTest, SemhChecklist, Target
from interventions.models import Enrolment, Intervention
from pupils.models import Pupil, RegisterEntry, School
from pupils.upn import is_valid_upn
from demo import seed as demo

TODAY = dt.date(2026, 11, 23)  # academic year 2026/27; the last completed term is summer 2025/26
# Hashing the demo password with the production hasher costs most of a second each time.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def digest() -> str:
    """What two seeds must agree on: names, UPNs, public ids, every result and every date (not primary keys)."""
    h = hashlib.sha256()
    queries = [
        (Pupil.objects.all(), ("upn", "surname", "forename", "date_of_birth", "public_id", "admission_date",
                               "leaving_date", "gender", "pupil_premium", "eal", "looked_after")),
        (Assessment.objects.all(), ("pupil__upn", "subject__code", "academic_year", "term", "result", "assessed_on")),
        (Baseline.objects.all(), ("pupil__upn", "subject__code", "key_stage", "result")),
        (RegisterEntry.objects.all(), ("pupil__upn", "start_date", "provision", "primary_need", "end_date")),
        (ReadingTest.objects.all(), ("pupil__upn", "measure", "tested_on", "age_equivalent_months")),
        (Intervention.objects.all(), ("public_id", "name", "start_date", "end_date")),
        (Enrolment.objects.all(), ("pupil__upn", "intervention__public_id", "start_date", "end_date")),
        (SemhChecklist.objects.all(), ("pupil__upn", "instrument", "completed_on", "total")),
    ]  # fmt: skip
    for queryset, fields in queries:
        for row in queryset.order_by(*fields).values_list(*fields):
            h.update(repr(row).encode())
    from interventions.models import Comment
    from plans.models import AnnualReview, Outcome, ParentLink, SupportPlan

    for row in Comment.objects.order_by("public_id").values_list("public_id", "pupil__upn", "objective", "outcome"):
        h.update(repr(row).encode())
    for queryset, fields in [
        (SupportPlan.objects.all(), ("public_id", "pupil__upn", "status", "starts_on", "review_date", "strategies")),
        (Outcome.objects.all(), ("plan__public_id", "position", "description", "rating")),
        (AnnualReview.objects.all(), ("pupil__upn", "held_on", "recommendation")),
        (ParentLink.objects.all(), ("user__username", "pupil__upn")),
    ]:  # fmt: skip
        for row in queryset.order_by(*fields).values_list(*fields):
            h.update(repr(row).encode())
    return h.hexdigest()


# --- The full default demo, seeded once for this module ---------------------------------------------------


@pytest.fixture(scope="class")
def full_demo(django_db_setup, django_db_blocker):
    """The default seed (600 pupils), rolled back when the class's tests are done."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        started = time.perf_counter()
        output = seed(f"--today={TODAY}")
        elapsed = time.perf_counter() - started
        yield {"output": output, "seconds": elapsed, "school": School.objects.get(code="demo")}
        transaction.set_rollback(True)


@pytest.fixture
def riverside(full_demo, db):
    return full_demo["school"]


def on_roll(school):
    return Pupil.objects.filter(school=school, archived_at__isnull=True)


class TestTheFullDemo:
    """One default seed (600 pupils) shared by these tests, rolled back afterwards."""

    def test_the_full_demo_seeds_in_well_under_a_minute(self, full_demo):
        assert full_demo["seconds"] < 60, f"seed_demo took {full_demo['seconds']:.1f} s"


    def test_riverside_has_about_600_pupils_in_years_7_to_11(self, riverside):
        pupils = on_roll(riverside)
        assert 570 <= pupils.count() <= 630
        assert set(pupils.values_list("year_group", flat=True)) == {7, 8, 9, 10, 11}
        assert School.objects.get(code="demo-2").pupils.count() in range(80, 121)
        assert riverside.trust.name == "Riverside Learning Trust" == School.objects.get(code="demo-2").trust.name


    def test_between_15_and_20_percent_of_pupils_are_on_the_register_today(self, riverside):
        here = on_roll(riverside).filter(leaving_date__isnull=True)
        on_register = here.filter(pk__in=RegisterEntry.objects.open_on(TODAY).values("pupil")).count()
        assert 0.15 <= on_register / here.count() <= 0.20
        provisions = RegisterEntry.objects.open_on(TODAY).filter(pupil__in=here).values_list("provision", flat=True)
        assert set(provisions) == {"K", "E"}


    def test_the_register_has_history_and_reviews_due_soon_and_overdue(self, riverside):
        entries = RegisterEntry.objects.filter(pupil__school=riverside)
        closed = entries.filter(end_date__isnull=False)
        moved_to_ehcp = closed.filter(provision="K", pupil__register_entries__provision="E").values("pupil").distinct()
        assert moved_to_ehcp.exists()
        came_off = closed.exclude(pupil__register_entries__end_date__isnull=True).values("pupil").distinct()
        assert came_off.exists()
        open_entries = entries.filter(end_date__isnull=True, review_date__isnull=False)
        reviews = [(e.review_date - TODAY).days for e in open_entries]
        assert any(days < 0 for days in reviews) and any(0 <= days <= 14 for days in reviews)
        assert not entries.filter(primary_need="NSA").exclude(provision="K").exists()
        with_entries = Pupil.objects.filter(school=riverside, register_entries__isnull=False).distinct()
        assert with_entries.filter(profile__isnull=True).count() == 0


    def test_some_pupils_work_on_p_scales(self, riverside):
        p_scale = Baseline.objects.filter(pupil__school=riverside, key_stage="KS2", result__startswith="P")
        assert 8 <= p_scale.values("pupil").distinct().count() <= 12

    def test_p_level_pupils_are_judged_by_the_quartile_rule(self, riverside):
        from reports import generators

        ctx = generators.context_for(school=riverside, academic_year=2025, term="summer")
        rows = generators.build("expected-progress", ctx).frame
        below_level_1 = rows[rows["baseline_result"].str.match(r"^(P|W$)")]
        # The demo's own (illustrative) KS2-KS4 table covers every P-level and W starting point
        assert len(below_level_1) >= 10 and set(below_level_1["expectation"]) == {"quartile"}
        assert set(rows.loc[~rows.index.isin(below_level_1.index), "expectation"]) == {"levels"}
        # ... so the P4 starting point is not 0 % expected by the wrong yardstick any more
        points = generators.build("starting-points", ctx).frame
        p4 = points[(points["subject"] == "English") & (points["starting_point"] == "P4")]
        assert len(p4) == 1 and p4["pct_expected"].iloc[0] > 0
        assert ctx.batch.reference()[2][riverside.pk]["quartiles"].name == demo.DEMO_QUARTILES_NAME


    def test_every_upn_is_valid_and_unique(self, riverside):
        upns = list(Pupil.objects.values_list("upn", flat=True))
        assert all(is_valid_upn(upn) for upn in upns)
        assert len(upns) == len(set(upns))


    def test_dates_of_birth_match_year_groups(self, riverside):
        # A year-7 pupil in 2026/27 was born between 1 Sep 2014 and 31 Aug 2015: year Y now means born in
        # September (2026 - Y - 5) to August (2026 - Y - 4). Last year's year 11 leavers are a year older.
        for pupil in Pupil.objects.filter(school=riverside):
            year = 2026 if pupil.archived_at is None else 2025
            born_from = dt.date(year - pupil.year_group - 5, 9, 1)
            assert born_from <= pupil.date_of_birth <= dt.date(born_from.year + 1, 8, 31), pupil


    def test_every_result_is_a_canonical_code_of_the_ladder(self, riverside):
        for framework, result in Assessment.objects.values_list("framework", "result").distinct():
            assert parse_result(framework, result).code == result
        for result in Baseline.objects.values_list("result", flat=True).distinct():
            assert parse_level(result).code == result
        for result in Target.objects.values_list("result", flat=True).distinct():
            assert parse_level(result).code == result


    def test_last_years_year_11_has_five_years_of_termly_assessments(self, riverside):
        # They were in year 7 in 2021/22 and left in July 2026: autumn 2021/22 to summer 2025/26 is
        # 5 years x 3 terms = 15 assessments in each of English, maths and science.
        leavers = Pupil.objects.filter(
            school=riverside, archived_at__isnull=False, admission_date__lt=dt.date(2021, 9, 10)
        )
        assert leavers.count() >= 100
        for pupil in leavers[:20]:
            for subject in ("english", "maths", "science"):
                terms = list(pupil.assessments.filter(subject__code=subject).values_list("academic_year", "term"))
                assert len(terms) == 15
                assert min(terms) == (2021, "autumn") and (2025, "summer") in terms
        # This year's year 11 have 4 years so far (12 terms) and nothing for the term still running.
        current = on_roll(riverside).filter(year_group=11, admission_date__lt=dt.date(2022, 9, 10))
        assert {p.assessments.filter(subject__code="english").count() for p in current} == {12}
        assert not Assessment.objects.filter(academic_year=2026).exists()


    def test_every_pupil_has_ks2_baselines_and_mid_year_arrivals_an_entry_baseline(self, riverside):
        pupils = Pupil.objects.filter(school=riverside)
        assert Baseline.objects.filter(pupil__in=pupils, key_stage="KS2").count() == 2 * pupils.count()
        arrivals = [p for p in pupils if p.admission_date.month != 9 or p.admission_date.day > 10]
        assert arrivals
        for pupil in arrivals:
            assert pupil.baselines.filter(key_stage="Entry").count() == 2, pupil


    def test_reading_gains_spread_across_the_bands_with_pre_and_post_tests_near_the_dates(self, riverside):
        # Ratio gain (docs/figures.md 9.7): pre is the last test on or before start + 14 days, post the first on
        # or after end - 14 days and later than pre.
        bands = set()
        ended = Enrolment.objects.filter(
            intervention__programme__school=riverside, intervention__measure__in=["reading", "spelling"],
            end_date__lt=TODAY,
        ).select_related("intervention")  # fmt: skip
        missing_post = 0
        for enrolment in ended:
            tests = ReadingTest.objects.filter(pupil=enrolment.pupil, measure=enrolment.intervention.measure)
            pre = tests.filter(tested_on__lte=enrolment.start_date + dt.timedelta(days=14)).order_by("tested_on").last()
            assert pre is not None
            post = tests.filter(tested_on__gte=enrolment.end_date - dt.timedelta(days=14), tested_on__gt=pre.tested_on)
            post = post.order_by("tested_on").first()
            if post is None:
                missing_post += 1
                continue
            elapsed = (post.tested_on - pre.tested_on).days / 30.4375
            ratio = (post.age_equivalent_months - pre.age_equivalent_months) / elapsed
            bands.add(
                "modest" if ratio < 1.4 else "useful" if ratio < 2 else "substantial" if ratio < 3 else "remarkable"
            )
        assert bands == {"modest", "useful", "substantial", "remarkable"}
        assert missing_post >= 2


    def test_some_interventions_are_running_and_some_end_within_a_fortnight(self, riverside):
        running = Intervention.objects.filter(programme__school=riverside, start_date__lte=TODAY)
        ending_soon = running.filter(end_date__gte=TODAY, end_date__lte=TODAY + dt.timedelta(days=14))
        assert ending_soon.count() >= 2
        assert running.filter(end_date__isnull=True).exists()
        assert Intervention.objects.filter(programme__school=riverside, staff__username="ta").count() >= 3


    def test_some_pupils_gained_no_sub_level_last_term_but_their_sdq_improved(self, riverside):
        # The no-gain-but-semh report's pupils: English the same in summer as in spring 2025/26 and a lower
        # (better) SDQ total difficulties score.
        found = 0
        sdq_pupils = SemhChecklist.objects.filter(
            pupil__school=riverside, instrument="sdq", academic_year=2025, term="summer"
        )
        for pupil in Pupil.objects.filter(pk__in=sdq_pupils.values("pupil")):
            english = pupil.assessments.filter(subject__code="english", academic_year=2025)
            english = dict(english.values_list("term", "result"))
            sdq = dict(pupil.semh_checklists.filter(instrument="sdq", academic_year=2025).values_list("term", "total"))
            if english.get("summer") and english.get("summer") == english.get("spring") and "spring" in sdq:
                found += sdq["summer"] < sdq["spring"]
        assert found >= 3


    def test_the_demo_logins_can_sign_in(self, full_demo, db, client):
        for username in ("senco", "teacher", "ta", "governor", "data", "senco2", "admin"):
            assert client.login(username=username, password=demo.DEMO_PASSWORD), username
        assert "sencotrack-demo" in full_demo["output"] and "WARNING" in full_demo["output"]


    def test_the_demo_teacher_teaches_pupils_on_the_register(self, riverside):
        taught = Pupil.objects.filter(teaching_groups__staff__username="teacher").distinct()
        assert taught.filter(register_entries__end_date__isnull=True).exists()

    def test_some_pupils_have_a_plan_in_place_and_some_an_earlier_plan_reviewed(self, riverside):
        from plans.models import PlanReview, PlanStatus, SupportPlan

        plans = SupportPlan.objects.filter(pupil__school=riverside)
        assert plans.filter(status=PlanStatus.ACTIVE).count() >= 10
        assert PlanReview.objects.filter(plan__pupil__school=riverside).count() >= 3
        for plan in plans.filter(status=PlanStatus.ACTIVE):
            assert plan.outcomes.exists() and plan.review_date > TODAY and plan.starts_on <= TODAY
        carried = [o for p in plans.filter(status=PlanStatus.ACTIVE) for o in p.outcomes.all() if o.carried_from_id]
        assert carried and all(o.carried_from.rating != "achieved" for o in carried)

    def test_ehc_plan_annual_reviews_are_due_soon_and_overdue(self, riverside):
        from plans.cycle import DUE_SOON, OVERDUE
        from plans.selectors import annual_reviews_due

        states = [row.state for row in annual_reviews_due(riverside, today=TODAY)]
        assert states.count(DUE_SOON) >= 3 and states.count(OVERDUE) >= 1

    def test_the_parent_logins_see_their_children_with_a_plan(self, riverside, db, client):
        from plans.models import PlanStatus
        from plans.selectors import children_of
        from django.contrib.auth import get_user_model

        User = get_user_model()
        (child,) = children_of(User.objects.get(username="parent"))
        assert child.support_plans.filter(status=PlanStatus.ACTIVE).exists()
        assert child.assessments.exists() and child.comments.filter(shared_with_parents=True).count() == 2
        assert len(children_of(User.objects.get(username="parent2"))) == 2
        for username in ("parent", "parent2"):
            assert client.login(username=username, password=demo.DEMO_PASSWORD), username


# --- Smaller seeds: determinism and safety ---------------------------------------------------------------


@pytest.mark.django_db
def test_seeding_twice_gives_identical_data():
    seed("--pupils=100", f"--today={TODAY}")
    first = digest()
    seed("--reset", "--pupils=100", f"--today={TODAY}")
    assert digest() == first
    assert Pupil.objects.count() > 100


@pytest.mark.django_db
def test_if_empty_is_a_no_op_the_second_time():
    seed("--if-empty", "--pupils=100", f"--today={TODAY}")
    before = (Pupil.objects.count(), Assessment.objects.count())
    output = seed("--if-empty", "--pupils=100", f"--today={TODAY}")
    assert "not seeding" in output
    assert (Pupil.objects.count(), Assessment.objects.count()) == before


@pytest.mark.django_db
def test_a_database_with_a_school_is_refused_without_a_flag(personas):
    with pytest.raises(CommandError, match="--if-empty"):
        seed("--pupils=100")
    assert not School.objects.filter(code="demo").exists()


@pytest.mark.django_db
def test_reset_beside_a_real_school_is_refused_when_debug_is_off(personas, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed("--reset", "--pupils=100")


@pytest.mark.django_db
def test_reset_deletes_only_the_demo(personas, settings):
    settings.DEBUG = True
    seed("--reset", "--pupils=100", f"--today={TODAY}")
    seed("--reset", "--pupils=100", f"--today={TODAY}")
    assert set(School.objects.values_list("code", flat=True)) == {"oak", "elm", "demo", "demo-2"}
    assert personas.school.pupils.count() == 2
    assert personas.senco.memberships.count() == 1


@pytest.mark.django_db
def test_a_real_account_with_a_demo_username_stops_the_seed():
    from tests.factories import UserFactory

    UserFactory(username="teacher", email="t@school.example")
    with pytest.raises(CommandError, match="teacher"):
        seed("--pupils=100")


@pytest.mark.django_db
def test_the_demo_follows_today():
    # On 10 May 2027 autumn and spring 2026/27 are complete: this year's year 7 have two terms of
    # assessments and nobody has one for summer 2026/27.
    seed("--pupils=100", "--today=2027-05-10")
    year_7 = Pupil.objects.filter(school__code="demo", year_group=7, admission_date=dt.date(2026, 9, 3))
    assert year_7.exists()
    assert {p.assessments.filter(subject__code="maths").count() for p in year_7} == {2}
    assert not Assessment.objects.filter(academic_year=2026, term="summer").exists()
    assert Target.objects.filter(academic_year=2026).exists()


@pytest.mark.django_db
def test_demo_logins_says_how_to_create_them_when_there_are_none():
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()


@pytest.mark.django_db
def test_demo_logins_lists_usernames_roles_schools_and_the_password():
    seed("--pupils=100", f"--today={TODAY}")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    lines = out.getvalue().splitlines()
    senco = next(line for line in lines if line.split()[:1] == ["senco"])
    assert "SENCo" in senco and "Riverside Academy" in senco and "sencotrack-demo" in senco
    assert any(line.split()[:1] == ["senco2"] and "Hillside School" in line for line in lines)
    assert "The admin site, /admin/: admin, same password." in lines  # not as a sign-in that leads nowhere
    usernames = [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("  -")]
    assert len(usernames) == len(set(usernames)), "each login once"
    assert "admin" not in usernames  # the superuser has no school role: its line names the admin site
    # The trust account is listed once the trust has a page to land on (reports:trust).
    assert ("trust" in usernames) == bool(url_or_none("reports:trust"))
