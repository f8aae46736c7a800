"""Importing assessments and baselines: levels read forgivingly, stored canonical, fast in bulk."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, Baseline
from pupils.models import Pupil
from pupils.upn import make_upn
from imports.engine import run_import
from tests.data.imports.school import UPNS, database_state, errors_by_line, import_file, import_ok, oak_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def oak():
    ns = oak_school()
    import_ok("pupils", "pupils_messy.csv", ns.school)
    return ns


def assessments():
    return sorted(
        Assessment.objects.values_list(
            "pupil__upn", "subject__code", "academic_year", "term", "kind", "framework", "result", "assessed_on"
        )
    )


def test_a_messy_assessments_export_is_imported_with_canonical_codes(oak):
    result = import_ok("assessments", "assessments_messy.csv", oak.school, user=oak.bob)

    assert (result.rows, result.created, result.updated, result.unchanged) == (7, 7, 0, 0)
    # Line 7 is blank, so Chloé's row is line 8 and Dev's line 9.
    assert sorted(result.outcomes) == [2, 3, 4, 5, 6, 8, 9]
    amy, ben, chloe, dev = UPNS["amy"], UPNS["ben"], UPNS["chloe"], UPNS["dev"]
    assert assessments() == sorted(
        [
            (amy, "english", 2024, "autumn", "teacher", "nc", "4b", dt.date(2024, 12, 6)),  # "4B", kind blank
            (amy, "english", 2024, "autumn", "test", "nc", "4a", dt.date(2024, 12, 6)),  # "4 a", 06/12/2024
            (amy, "maths", 2024, "spring", "teacher", "nc", "3c", None),  # "2024-25", "3 c"
            (ben, "english", 2024, "summer", "teacher", "nc", "P1ii", None),  # "eng", "Summer 2", "P1(ii)"
            (ben, "maths", 2024, "autumn", "teacher", "nc", "P6", None),  # "MA", "p6"
            (chloe, "maths", 2024, "spring", "teacher", "pks", "PK3", None),  # "mathematics", "Spr", a PKS result
            (dev, "english", 2024, "autumn", "teacher", "nc", "2b", None),  # " 2 b "
        ]
    )
    assert set(Assessment.objects.values_list("recorded_by__username", flat=True)) == {"bob"}


def test_reimporting_assessments_changes_nothing_and_a_new_result_is_an_update(oak):
    import_ok("assessments", "assessments_messy.csv", oak.school)
    before = database_state()

    again = import_ok("assessments", "assessments_messy.csv", oak.school)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert database_state() == before

    text = f"upn,subject,academic_year,term,result\n{UPNS['dev']},English,2024/25,Autumn,2A\n"
    changed = run_import(kind="assessments", data=text, school=oak.school)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    assert Assessment.objects.get(pupil__upn=UPNS["dev"]).result == "2a"


def test_a_broken_assessments_file_is_rejected_whole_with_every_bad_line(oak):
    before = database_state()

    result = import_file("assessments", "assessments_broken.csv", oak.school)

    assert errors_by_line(result) == [
        (2, "result"),  # 4d
        (3, "subject"),  # Science is not set up
        (4, "academic_year"),  # 2024/26
        (5, "term"),  # Winter
        (6, "result"),  # P1 (P1-P3 are split into i and ii)
        (7, "upn"),  # on no roll here
        (9, None),  # "maths", "2024-25", "autumn" repeat line 8's key
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0].startswith("line 2: result: '4d' is not a level. Valid codes: P1i, P1ii,")
    assert messages[1] == "line 3: subject: 'Science' is not a subject here; known subjects: English (english), Maths (maths)"
    assert messages[6] == "line 9: repeats line 8 (the same upn, subject, academic_year, term, kind)"
    assert database_state() == before


def test_five_thousand_assessments_import_in_seconds_in_a_few_queries(oak, django_assert_max_num_queries):
    school = oak.school
    # 1,000 pupils x 5 rows (English and maths in autumn and spring, and an English test) = 5,000 rows.
    upns = [make_upn(873, 4000, 20, n) for n in range(1000)]
    Pupil.objects.bulk_create(
        Pupil(school=school, upn=upn, surname="Pupil", forename=str(n), date_of_birth=dt.date(2013, 1, 1),
              gender="F", year_group=7)
        for n, upn in enumerate(upns)
    )  # fmt: skip
    keys = [("English", "Autumn", "teacher"), ("English", "Spring", "teacher"), ("maths", "Autumn", "teacher"),
            ("maths", "Spring", "teacher"), ("eng", "Autumn", "test")]  # fmt: skip
    lines = ["UPN,Subject,Academic Year,Term,Result,Kind"]
    lines += [f"{upn},{s},2024/25,{t},{'4 b' if n % 2 else 'P1(ii)'},{k}" for n, upn in enumerate(upns) for s, t, k in keys]
    data = "\n".join(lines).encode()

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = run_import(kind="assessments", data=data, school=school)
    elapsed = time.perf_counter() - started

    assert (result.created, result.updated, result.unchanged) == (5000, 0, 0)
    assert elapsed < 20, f"5,000 rows took {elapsed:.1f}s"
    # Pupils, subjects and existing rows are looked up in a few queries, whatever the number of rows;
    # rows are inserted in batches: 10 of 500 on PostgreSQL, 56 on SQLite (999 parameters a statement),
    # and their audit-history rows as many again (10 on PostgreSQL; 76 of 66 on SQLite: 15 columns).
    sql = [q["sql"].lstrip().upper() for q in queries.captured_queries]
    assert len([q for q in sql if q.startswith("SELECT")]) <= 5
    assert len([q for q in sql if q.startswith("INSERT")]) <= 140
    assert Assessment.objects.filter(result="4b").count() == 2500
    assert Assessment.objects.filter(result="P1ii").count() == 2500

    with django_assert_max_num_queries(10):
        again = run_import(kind="assessments", data=data, school=school)
    assert again.unchanged == 5000


def test_a_messy_baselines_export_is_imported_with_summer_as_the_default_term(oak):
    result = import_ok("baselines", "baselines_messy.csv", oak.school)

    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    amy, ben, chloe, dev = UPNS["amy"], UPNS["ben"], UPNS["chloe"], UPNS["dev"]
    assert sorted(
        Baseline.objects.values_list("pupil__upn", "subject__code", "key_stage", "result", "academic_year", "term")
    ) == sorted(
        [
            (amy, "english", "KS1", "2b", 2019, "summer"),  # "2B", term blank -> summer
            (amy, "maths", "KS1", "2c", 2019, "summer"),  # "maths", "ks1", "2 c", "2019-20"
            (ben, "english", "KS1", "W", 2019, "summer"),  # "ENG", W (working towards level 1)
            (chloe, "maths", "KS1", "P8", 2018, "summer"),  # "Mathematics", "Key Stage 1", "p8"
            (dev, "english", "Entry", "P1ii", 2024, "autumn"),  # "eng", "P1(ii)", on entry in autumn
        ]
    )
    again = import_ok("baselines", "baselines_messy.csv", oak.school)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


def test_a_broken_baselines_file_is_rejected_whole(oak):
    before = database_state()

    result = import_file("baselines", "baselines_broken.csv", oak.school)

    assert errors_by_line(result) == [(2, "key_stage"), (3, "result"), (4, "subject")]
    assert str(result.errors[0]) == "line 2: key_stage: 'KS4' is not a key stage; use KS1, KS2, KS3, Entry"
    assert database_state() == before
