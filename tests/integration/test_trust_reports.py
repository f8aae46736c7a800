"""The trust-wide termly pack: every school's reports computed together are exactly its own.

``reports.packs.compute_trust_reports`` reads each table once for all the schools and computes each
report across them; a school's reports must be identical (same rows, order, columns and dtypes) to
those ``compute_pack_reports`` gives for that school alone, with each school's own term dates, points
scheme and KS2 span, and the queries must not grow with the number of schools.
"""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.ladder import SCHEMES
from assessments.models import (
    AcademicYear,
    BehaviourRecord,
    PointsScheme,
    QualitativeRating,
    ReadingTest,
    SelfAssessment,
    SemhChecklist,
    Term,
)
from pupils.models import Provision
from pupils.upn import make_upn
from reports import generators, packs
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR, TERM = 2025, "summer"  # summer 2025/26; the term before is spring 2025/26
RESULTS = ["P8", "1a", "2c", "2b", "2a", "3c", "3b", "3a", "4c", "4b", "4a", "5c", "5b", "5a", "6c", "B"]
P_SCALES = ["P4", "P4", "P5", "P5", "P6", "P6", "P7", "P7", "P8", "P8", "P7", "P8", "1c", "B"]  # DfE 2018 points
NEEDS = ["SPLD", "MLD", "SEMH", "ASD", "SLCN", ""]


def own_term(school, year, name, start, end):
    academic_year, _ = AcademicYear.objects.get_or_create(school=school, start_year=year)
    Term.objects.create(academic_year=academic_year, name=name, start_date=start, end_date=end)


def fill(school, subjects, rng, *, results=RESULTS, pupils=14, interventions=True, semh=True):
    """Pupils with baselines, two terms of results, register history and (optionally) interventions
    and SEMH measures; dates fall on both sides of the schools' different term ends."""
    made = []
    for n in range(pupils):
        # Serials repeat across schools: the same UPN at two schools must not mix their rows.
        pupil = f.PupilFactory(school=school, upn=make_upn(801, 2000, 15, n), pupil_premium=rng.random() < 0.3)
        made.append(pupil)
        for subject in subjects:
            for key_stage, year in (("KS1", 2019), ("KS2", 2023)):
                if rng.random() < 0.9:
                    f.BaselineFactory(pupil=pupil, subject=subject, key_stage=key_stage, academic_year=year,
                                      term="summer", result=rng.choice(results[:9] + ["N"]))
            for term in ("spring", "summer"):
                if rng.random() < 0.92:
                    f.AssessmentFactory(pupil=pupil, subject=subject, academic_year=YEAR, term=term,
                                        result=rng.choice(results))
        # Register spans ending either side of 17 July (one school's term end) and 31 August
        if rng.random() < 0.6:
            end = rng.choice([None, dt.date(2026, 7, 20), dt.date(2026, 7, 10), dt.date(2025, 7, 25)])
            f.RegisterEntryFactory(pupil=pupil, provision=rng.choice([Provision.SEN_SUPPORT, "E"]),
                                   primary_need=rng.choice(NEEDS), start_date=dt.date(2024, 9, 2), end_date=end)
    if interventions:
        group = f.InterventionFactory(programme__school=school, programme__name=f"{school.code} reading",
                                      measure="reading", start_date=dt.date(2025, 9, 8))
        for i, pupil in enumerate(made[:8]):
            end = [dt.date(2026, 3, 27), dt.date(2026, 8, 1), dt.date(2026, 7, 15), None][i % 4]
            f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=dt.date(2025, 9, 8), end_date=end)
            ReadingTest.objects.create(pupil=pupil, measure="reading", test_name="NGRT", tested_on=dt.date(2025, 9, 5),
                                       age_equivalent_months=90 + i, standardised_score=85 + i if i % 3 else None)
            ReadingTest.objects.create(pupil=pupil, measure="reading", test_name="NGRT",
                                       tested_on=dt.date(2026, 3, 20 + i % 3), age_equivalent_months=96 + 2 * i,
                                       standardised_score=88 + i)
            ReadingTest.objects.create(pupil=pupil, measure="reading", test_name="NGRT", tested_on=dt.date(2026, 7, 28),
                                       age_equivalent_months=99 + 2 * i, standardised_score=90)
    if semh:
        for pupil in made:
            for term, completed in (("spring", dt.date(2026, 2, 2)), ("summer", dt.date(2026, 6, 2))):
                SemhChecklist.objects.create(pupil=pupil, instrument="sdq", completed_on=completed, academic_year=YEAR,
                                             term=term, total=Decimal(rng.randint(8, 22)))
                SemhChecklist.objects.create(pupil=pupil, instrument="boxall", completed_on=completed,
                                             academic_year=YEAR, term=term,
                                             scores={"I": rng.randint(20, 60), "II": rng.randint(5, 40)})
                BehaviourRecord.objects.create(pupil=pupil, academic_year=YEAR, term=term, points=-rng.randint(0, 9))
                QualitativeRating.objects.create(pupil=pupil, subject=subjects[0], aspect="engagement",
                                                 academic_year=YEAR, term=term, rating=rng.randint(1, 5))
                SelfAssessment.objects.create(pupil=pupil, statement="I can read a page", rating=rng.randint(1, 5),
                                              recorded_on=completed, academic_year=YEAR, term=term)
    return made


@pytest.fixture
def trust():
    """Three schools: default dates and scheme; their own term dates, the DfE scheme and KS2-KS3; a
    loaded scheme with no interventions or SEMH measures (so some of its reports are empty)."""
    rng = random.Random(6)
    subjects = [f.SubjectFactory(code="english", name="English", core=True),
                f.SubjectFactory(code="maths", name="Maths", core=True),
                f.SubjectFactory(code="science", name="Science", core=False)]
    oak = f.SchoolFactory(code="oak", name="Oak")
    ash = f.SchoolFactory(code="ash", name="Ash", points_scheme="DfE-2018-nominal", ks2_span="KS2-KS3")
    own_term(ash, YEAR, TERM, dt.date(2026, 4, 13), dt.date(2026, 7, 17))
    own_term(ash, YEAR - 1, TERM, dt.date(2025, 4, 22), dt.date(2025, 7, 18))
    PointsScheme.objects.create(name="Elm points", version="2",
                                points={code: p * 2 + 1 for code, p in SCHEMES["NS2007-extended"].points.items()})
    elm = f.SchoolFactory(code="elm", name="Elm", points_scheme="Elm points")
    fill(oak, subjects, rng)
    fill(ash, subjects, rng, results=P_SCALES)
    fill(elm, subjects, rng, interventions=False, semh=False)
    # A pupil of oak in ash's group: the enrolment is ash's, the pupil's tests are oak's.
    visitor = f.PupilFactory(school=oak, upn=make_upn(801, 2000, 15, 500))
    group = f.InterventionFactory(programme__school=ash, measure="reading", start_date=dt.date(2025, 9, 8))
    f.EnrolmentFactory(intervention=group, pupil=visitor, start_date=dt.date(2025, 9, 8), end_date=dt.date(2026, 3, 27))
    ReadingTest.objects.create(pupil=visitor, measure="reading", test_name="NGRT", tested_on=dt.date(2025, 9, 5),
                               age_equivalent_months=80)
    ReadingTest.objects.create(pupil=visitor, measure="reading", test_name="NGRT", tested_on=dt.date(2026, 3, 20),
                               age_equivalent_months=86)
    return [oak, ash, elm]


def alone(school, governor=False):
    ctx = generators.context_for(school=school, academic_year=YEAR, term=TERM, governor=governor)
    return packs.compute_pack_reports(ctx)


def assert_identical(a, b):
    assert [r.kind for r in a] == [r.kind for r in b]
    for x, y in zip(a, b):
        assert list(x.frame.columns) == list(y.frame.columns), x.kind
        assert list(x.frame.dtypes) == list(y.frame.dtypes), x.kind
        assert x.frame.equals(y.frame), x.kind


@pytest.mark.parametrize("governor", [False, True])
def test_each_schools_reports_computed_with_the_trust_are_identical_to_its_own(trust, governor):
    together = packs.compute_trust_reports(trust, YEAR, TERM, governor=governor)
    assert list(together) == [s.pk for s in trust]
    for school in trust:
        assert_identical(together[school.pk], alone(school, governor))


def test_the_schools_differ_where_their_settings_do(trust):
    oak, ash, elm = trust
    reports = {s.code: {r.kind: r for r in alone(s)} for s in trust}
    # Not vacuous: every school has expected-progress rows, and the empty reports are really empty.
    assert all(len(reports[code]["expected-progress"].frame) > 10 for code in reports)
    assert reports["elm"]["intervention-impact"].frame.empty and reports["elm"]["no-gain-but-semh"].frame.empty
    assert not reports["oak"]["intervention-impact"].frame.empty
    assert reports["ash"]["value-added"].meta["points_scheme"].startswith("DfE-2018-nominal")
    assert reports["elm"]["value-added"].meta["points_scheme"] == "Elm points v2"
    impact = {code: {upn[1:] for upn in reports[code]["intervention-impact"].frame["upn"]} for code in ("oak", "ash")}
    # The visitor's enrolment is ash's; their tests are oak's, so neither school reports it.
    assert "801200015500" not in impact["oak"] | impact["ash"]
    # Ash's term ends on 17 July: enrolments ended on 1 August (pupils 1 and 5) are not over by then;
    # at oak, whose term ends on 31 August, they are. Those ended on 15 July count at both.
    assert {"801200015001", "801200015005", "801200015002"} <= impact["oak"]
    assert "801200015002" in impact["ash"] and not {"801200015001", "801200015005"} & impact["ash"]


def test_the_trust_computation_takes_the_same_queries_for_one_school_or_three(trust):
    with CaptureQueriesContext(connection) as one:  # elm: its loaded points scheme is one query too
        packs.compute_trust_reports(trust[2:], YEAR, TERM)
    with CaptureQueriesContext(connection) as three:
        packs.compute_trust_reports(trust, YEAR, TERM)
    assert len(three.captured_queries) == len(one.captured_queries)
    # The term dates, the loaded scheme, then each dataset once (about a dozen in all).
    assert len(three.captured_queries) <= 16


def test_a_school_with_no_pupils_gets_empty_reports_identical_to_its_own(trust):
    empty = f.SchoolFactory(code="new", name="New school")
    together = packs.compute_trust_reports([*trust, empty], YEAR, TERM)
    assert all(r.frame.empty for r in together[empty.pk])
    assert_identical(together[empty.pk], alone(empty))
    assert_identical(together[trust[0].pk], alone(trust[0]))
