"""A small school whose report figures are worked out by hand in the tests that use it.

Report term: summer 2025/26 (term index 2025*3+2 = 6077). KS2 baselines in summer 2023/24
(2023*3+2 = 6071), so t = 6 terms; the school uses KS2-KS4 (3 levels in 15 terms).
"""

import datetime as dt

from assessments.models import ReadingTest
from pupils.models import Provision
from tests import factories as f


def build_report_school():
    school = f.SchoolFactory(code="oak", name="Oak Academy")
    english = f.SubjectFactory(code="english", name="English", core=True)
    maths = f.SubjectFactory(code="maths", name="Maths", core=True)
    pupils = {}

    def pupil(key, **kwargs):
        pupils[key] = f.PupilFactory(school=school, surname=key, forename="Test", **kwargs)
        return pupils[key]

    def levels(p, subject, baseline, current):
        f.BaselineFactory(pupil=p, subject=subject, key_stage="KS2", result=baseline, academic_year=2023, term="summer")
        f.AssessmentFactory(pupil=p, subject=subject, academic_year=2025, term="summer", result=current)

    # English: four pupils, one of each status
    levels(pupil("A"), english, "4b", "5c")  # 27 -> 31
    levels(pupil("B"), english, "3b", "4a")  # 21 -> 29
    levels(pupil("C"), english, "3c", "5c")  # 19 -> 31
    levels(pupil("D"), english, "P6", "P8")  # 4 -> 6
    # Maths: five pupils, all baseline 4b (27): one prior-attainment group of 5
    for key, current, kwargs in [
        ("M1", "4a", {}),                      # 29
        ("M2", "5c", {}),                      # 31
        ("M3", "5b", {}),                      # 33
        ("M4", "4b", {"pupil_premium": True}),  # 27
        ("M5", "5a", {}),                      # 35
    ]:
        levels(pupil(key, **kwargs), maths, "4b", current)
    # SEN support on the last day of the term for M3 and M5 (VA +2 and +4)
    for key in ("M3", "M5"):
        f.RegisterEntryFactory(pupil=pupils[key], provision=Provision.SEN_SUPPORT, start_date=dt.date(2024, 9, 2))
    # An entry closed before the term ended does not count
    f.RegisterEntryFactory(pupil=pupils["M1"], provision=Provision.SEN_SUPPORT, start_date=dt.date(2024, 9, 2),
                           end_date=dt.date(2025, 12, 1))

    # A reading intervention: 7:06 (90 months) on 2 Sep 2024, 8:06 (102) on 10 Mar 2025
    enrolment = f.EnrolmentFactory(
        intervention__programme__school=school, intervention__programme__name="Paired reading",
        intervention__measure="reading", pupil=pupils["A"],
        start_date=dt.date(2024, 9, 9), end_date=dt.date(2025, 3, 14),
    )
    ReadingTest.objects.create(pupil=pupils["A"], measure="reading", test_name="NGRT", tested_on=dt.date(2024, 9, 2),
                               age_equivalent_months=90, standardised_score=84)
    ReadingTest.objects.create(pupil=pupils["A"], measure="reading", test_name="NGRT", tested_on=dt.date(2025, 3, 10),
                               age_equivalent_months=102, standardised_score=91)
    # Still running: no row
    f.EnrolmentFactory(intervention=enrolment.intervention, pupil=pupils["B"], start_date=dt.date(2025, 1, 6))
    return school, pupils
