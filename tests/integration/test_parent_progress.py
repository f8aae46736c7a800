"""Progress in plain words from a pupil's records (plans.selectors.child_progress and child_attendance),
worked by hand from docs/figures.md 9.1-9.4 and the conventions of plans.plain.

Amy: KS2 English baseline 3b (21 points) in summer 2022/23, term index 2022 x 3 + 2 = 6068. Teacher
assessments in 2024/25: autumn 3a (6072) and spring 4c (6073). "Today" is 20 March 2025, in the
spring term. KS2 to KS4 is 3 levels in 15 terms; at spring 2024/25 t = 6073 - 6068 = 5 terms, so
the expected gain is 3 x 6 x 5 / 15 = 6 points and the exceeding gain 4 x 6 x 5 / 15 = 8. 4c is 25
points: a gain of 4 < 6, so below; it is 2 small steps above 3b (3b, 3a, 4c), so some progress.
4c is 25 DfE points: floor((25 - 9) / 3) = 5, the level expected at the end of Year 5.
"""

from __future__ import annotations

import datetime as dt

import pytest

from plans.selectors import child_attendance, child_progress
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 20)


def test_english_and_reading_in_plain_words(personas):
    amy = personas.pupil
    english = personas.group.subject
    maths = f.SubjectFactory(code="maths", name="Maths")
    f.BaselineFactory(pupil=amy, subject=english, key_stage="KS2", result="3b", academic_year=2022)
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="autumn", result="3a")
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="spring", result="4c")
    # Maths: KS2 4b (27) in summer 2022/23, 5b (33) in spring 2024/25: a gain of 6 = the expected 6, not
    # the exceeding 8, so expected; 33 points is floor(24 / 3) = Year 8. No other maths result this year.
    f.BaselineFactory(pupil=amy, subject=maths, key_stage="KS2", result="4b", academic_year=2022)
    f.AssessmentFactory(pupil=amy, subject=maths, academic_year=2024, term="spring", result="5b")
    # Reading: 7:07 (91 months) on 16 September 2024, 8:02 (98 months) on 10 March 2025; an older test
    # from the year before is not the one compared with.
    for day, months in ((dt.date(2024, 3, 1), 80), (dt.date(2024, 9, 16), 91), (dt.date(2025, 3, 10), 98)):
        amy.reading_tests.create(measure="reading", test_name="Salford", tested_on=day, age_equivalent_months=months)
    amy.reading_tests.create(measure="spelling", test_name="Vernon", tested_on=dt.date(2025, 1, 8), age_equivalent_months=100)

    found = child_progress(amy, today=TODAY)
    assert [s.sentence for s in found.subjects] == [
        "English: working at about the level expected at the end of Year 5, and making steady progress, though more "
        "slowly than expected. Up 1 small step since the autumn term.",
        "Maths: working at about the level expected at the end of Year 8, and making the progress expected.",
    ]
    assert [s.when for s in found.subjects] == ["the spring term", "the spring term"]
    assert [a.sentence for a in found.ages] == [
        "Reading age 8 years 2 months, up 7 months since September.",
        "Spelling age 8 years 4 months, from a test in January 2025.",
    ]


def test_a_pupil_making_no_progress_and_one_on_early_steps(personas):
    amy, ben = personas.pupil, personas.other_pupil
    english = personas.group.subject
    f.BaselineFactory(pupil=amy, subject=english, key_stage="KS2", result="3b", academic_year=2022)
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="spring", result="3b")
    f.BaselineFactory(pupil=ben, subject=english, key_stage="KS2", result="P5", academic_year=2022)
    f.AssessmentFactory(pupil=ben, subject=english, academic_year=2024, term="spring", result="P8")
    assert child_progress(amy, today=TODAY).subjects[0].sentence == (
        "English: working at about the level expected at the end of Year 4, and not yet moving on from where they started."
    )
    # P5 (3) to P8 (6) under NS2007-extended: a gain of 3 points < 6 expected, 3 steps up: below, but moving.
    assert child_progress(ben, today=TODAY).subjects[0].sentence == (
        "English: working on the early steps of learning that come before the first national curriculum level, and "
        "making steady progress, though more slowly than expected."
    )


def test_attendance_counts_delivered_sessions_from_the_enrolment_and_never_costs(personas):
    amy = personas.pupil
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school, name="Toe by Toe"),
                                  name="Tuesday reading", start_date=dt.date(2024, 9, 2))  # fmt: skip
    enrolment = f.EnrolmentFactory(intervention=group, pupil=amy, start_date=dt.date(2024, 9, 9))
    # Sessions: one before Amy joined (not hers), four delivered since (she came to three), one
    # not delivered (a trip), one after today.
    days = [(dt.date(2024, 9, 3), True, None), (dt.date(2024, 9, 10), True, True), (dt.date(2024, 9, 17), True, True),
            (dt.date(2024, 9, 24), True, False), (dt.date(2024, 10, 1), False, None), (dt.date(2024, 10, 8), True, True),
            (dt.date(2025, 3, 25), True, None)]  # fmt: skip
    for day, delivered, attended in days:
        session = group.sessions.create(date=day, delivered=delivered)
        if attended is not None:
            session.attendances.create(enrolment=enrolment, attended=attended)
    imported = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school, name="Lego therapy"),
                                     name="Lego club", start_date=dt.date(2024, 9, 2))  # fmt: skip
    f.EnrolmentFactory(intervention=imported, pupil=amy, start_date=dt.date(2024, 11, 4), sessions_attended=12)
    rows = {row.programme: row.sentence for row in child_attendance(amy, today=TODAY)}
    assert rows == {
        "Toe by Toe": "Attended 3 of 4 sessions held since 9 September 2024.",
        "Lego therapy": "Attended 12 sessions since 4 November 2024.",
    }


def test_below_level_1_progress_is_judged_by_the_quartile_table_as_the_reports_judge_it(personas):
    # The school measures KS2 to KS3 (2 levels in 9 terms). The shipped 2012 table, KS2-KS3 English
    # from W: LQ 0 (W, 3 points), median 1 (1b, 9), UQ 2 (2b, 15). Ben: KS2 W in summer 2022/23
    # (6068) and 1c (7) in spring 2024/25 (6073): t = 5 of 9 terms. Quartile rule:
    # median_t = 3 + 6 x 5 / 9 = 6.33, UQ_t = 3 + 12 x 5 / 9 = 9.67; 7 >= 6.33 and < 9.67: expected.
    # (The levels rule would say below: a gain of 4 < 2 x 6 x 5 / 9 = 6.67.) 1c is 7 DfE points,
    # under the end of Year 1's 12: towards Year 1.
    from pupils.models import School

    School.objects.filter(pk=personas.school.pk).update(ks2_span="KS2-KS3")
    ben = personas.other_pupil
    ben.school.refresh_from_db()
    english = personas.group.subject
    f.BaselineFactory(pupil=ben, subject=english, key_stage="KS2", result="W", academic_year=2022)
    f.AssessmentFactory(pupil=ben, subject=english, academic_year=2024, term="spring", result="1c")
    assert child_progress(ben, today=TODAY).subjects[0].sentence == (
        "English: working towards the level expected at the end of Year 1, and making the progress expected."
    )
    School.objects.filter(pk=personas.school.pk).update(quartile_expectations="off")
    ben.school.refresh_from_db()
    assert child_progress(ben, today=TODAY).subjects[0].sentence == (
        "English: working towards the level expected at the end of Year 1, and making steady progress, though more "
        "slowly than expected."
    )
