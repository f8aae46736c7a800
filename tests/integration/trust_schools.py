"""A small trust of three schools that differ where reports can: term dates, points scheme, KS2 span.

Used by the trust-wide pack tests: oak has the default dates and scheme; ash its own term dates (summer
ends on 17 July), the DfE 2018 scheme (P scales) and KS2-KS3; elm a loaded points scheme and no
interventions or SEMH measures, so some of its reports are empty. A pupil of oak is in ash's group.
"""

import datetime as dt
import random
from decimal import Decimal

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
from tests import factories as f

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


def build_trust():
    """The three schools, in the order oak, ash, elm."""
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
