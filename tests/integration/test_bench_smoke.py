"""The benchmark's generator at a tiny scale (1 school, 30 pupils) on the test database.

Only the generator: the timing harness (gunicorn, wrk, child processes) never runs in the suite.
On PostgreSQL the generator writes with COPY, on SQLite with bulk_create; both must keep the
promise it returns (rows per table) and write rows the product accepts.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps

from assessments.ladder import STEP_CODES
from assessments.models import Assessment, AcademicYear, Baseline, Target, Term
from bench.generate import SCALES, generate
from pupils.models import Pupil, RegisterEntry, School, TeachingGroup
from pupils.upn import is_valid_upn

# Monday 23 November 2026: the last ended term is summer 2025/26 (default dates end it on 31 August 2026).
ANCHOR = dt.date(2026, 11, 23)


def _quiet(_message: str) -> None:
    pass


@pytest.fixture
def tiny(db):
    return generate(SCALES["tiny"], anchor=ANCHOR, progress=_quiet)


def test_the_generator_writes_exactly_the_rows_it_promises(tiny):
    for label, promised in tiny.rows.items():
        assert apps.get_model(label).objects.count() == promised, label


def test_a_tiny_trust_has_the_shape_the_scale_describes(tiny):
    assert tiny.rows["pupils.School"] == 1
    assert tiny.rows["pupils.Pupil"] == 30
    # 30 pupils x 4 subjects x 2 key stages (KS1 and KS2)
    assert tiny.rows["assessments.Baseline"] == 240
    # academic years 2020/21 (the first of the 18 terms ending summer 2025/26) to 2026/27, the one running: 7
    assert tiny.rows["assessments.AcademicYear"] == 7
    assert tiny.rows["assessments.Term"] == 7 * 3
    # a target per pupil and subject for the running year: 30 x 4
    assert tiny.rows["assessments.Target"] == 120
    # 30 pupils x 4 subjects x 18 terms = 2160 possible teacher assessments, about 1% left out at random
    assert 0.95 * 2160 <= tiny.rows["assessments.Assessment"] <= 2160
    # five year groups of 6 pupils: one group of up to 30 per year group and subject, 5 x 4 = 20;
    # every pupil in one group per subject: 30 x 4 memberships
    assert tiny.rows["pupils.TeachingGroup"] == 20
    assert tiny.rows["pupils.TeachingGroup_pupils"] == 120
    # a SENCo, 20 teachers, 2 TAs, a governor and a data manager, plus the trust's lead
    assert tiny.rows["pupils.Membership"] == 25
    assert tiny.rows["auth.User"] == 26
    # 10 groups a year from September 2021; on 23 November 2026 only the four that start in
    # September 2026 have begun that year: 5 x 10 + 4
    assert tiny.rows["interventions.Intervention"] == 54
    assert (tiny.report_year, tiny.report_term) == (2025, "summer")


def test_the_generated_rows_are_valid_for_the_product(tiny):
    assert all(is_valid_upn(upn) for upn in Pupil.objects.values_list("upn", flat=True))
    results = set(Assessment.objects.values_list("result", flat=True))
    assert results <= set(STEP_CODES)
    assert set(Baseline.objects.values_list("result", flat=True)) <= set(STEP_CODES) | {"B"}
    assert set(Target.objects.values_list("result", flat=True)) <= set(STEP_CODES)
    school = School.objects.get(pk=tiny.school_ids[0])
    assert school.trust_id == tiny.trust_id
    assert Term.objects.filter(academic_year__school=school).count() == 21
    assert AcademicYear.objects.filter(school=school).count() == 7
    # every teacher assessment is in one of the 18 terms from autumn 2020/21 to summer 2025/26
    first, last = 2020 * 3, 2025 * 3 + 2
    indexes = {year * 3 + ("autumn", "spring", "summer").index(term)
               for year, term in Assessment.objects.values_list("academic_year", "term").distinct()}
    assert min(indexes) == first and max(indexes) == last
    # at most one open register entry per pupil (a database constraint; checked here as read back)
    open_entries = RegisterEntry.objects.filter(end_date__isnull=True)
    assert open_entries.count() == open_entries.values("pupil").distinct().count()
    assert TeachingGroup.objects.filter(school=school).count() == 20


def test_the_same_seed_writes_the_same_trust_again(tiny):
    again = generate(SCALES["tiny"], anchor=ANCHOR, progress=_quiet)
    assert again.rows == tiny.rows
    assert again.school_ids != tiny.school_ids  # a second trust, alongside the first
