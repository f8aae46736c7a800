"""Assessment, baseline and reading-test services: results parsed with the ladder, stored canonical."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from assessments.models import Assessment, Baseline, ReadingTest
from assessments.services import (
    assessment_record,
    assessments_record_many,
    baseline_record,
    reading_test_record,
)
from pupils.writes import Outcome, RowsInvalid
from tests import factories as f
from tests.data.imports.school import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupil():
    return f.PupilFactory(school=f.SchoolFactory(code="oak"))


@pytest.fixture
def subjects():
    return f.SubjectFactory(code="english", name="English"), f.SubjectFactory(code="maths", name="Maths")


def field_errors(excinfo):
    return {field: [m for e in errors for m in e.messages] for field, errors in excinfo.value.error_dict.items()}


@pytest.mark.parametrize(("written", "stored"), [("4B", "4b"), ("4 b", "4b"), (" 2 A ", "2a"), ("P1(ii)", "P1ii"),
                                                  ("p6", "P6"), ("L4", "4"), ("w", "W")])  # fmt: skip
def test_an_assessment_stores_the_canonical_code_of_its_result(pupil, subjects, written, stored):
    assessment, outcome = assessment_record(
        pupil=pupil, subject=subjects[0], academic_year=2024, term="autumn", result=written
    )

    assert outcome is Outcome.CREATED
    assert Assessment.objects.get(pk=assessment.pk).result == stored


def test_an_unknown_level_is_refused_listing_the_valid_codes(pupil, subjects):
    with pytest.raises(ValidationError) as excinfo:
        assessment_record(pupil=pupil, subject=subjects[0], academic_year=2024, term="autumn", result="4d")

    assert field_errors(excinfo) == {
        "result": [
            "'4d' is not a level. Valid codes: P1i, P1ii, P2i, P2ii, P3i, P3ii, P4-P8, 1c-8a (e.g. 4b), "
            "whole levels 1-8, EP, W, B, N"
        ]
    }


def test_other_frameworks_are_read_with_their_own_ladder(pupil, subjects):
    pks, _ = assessment_record(
        pupil=pupil, subject=subjects[1], academic_year="2024/25", term="Spring", result="pks 3", framework="pks"
    )
    assert (pks.framework, pks.result) == ("pks", "PK3")

    with pytest.raises(ValidationError) as excinfo:
        assessment_record(pupil=pupil, subject=subjects[1], academic_year=2024, term="summer", result="4b", framework="pks")
    assert list(field_errors(excinfo)) == ["result"]


@pytest.mark.parametrize("name", ["English", "english", "ENG", "Eng", "en"])
def test_subjects_are_found_by_code_name_or_alias_in_any_case(pupil, subjects, name):
    assessment, _ = assessment_record(pupil=pupil, subject=name, academic_year=2024, term="autumn", result="3b")

    assert assessment.subject == subjects[0]


@pytest.mark.parametrize("name", ["maths", "MA", "math", "Mathematics"])
def test_maths_is_found_under_each_of_its_names(pupil, subjects, name):
    assessment, _ = assessment_record(pupil=pupil, subject=name, academic_year=2024, term="autumn", result="3b")

    assert assessment.subject == subjects[1]


def test_an_unknown_subject_is_refused_listing_the_known_ones(pupil, subjects):
    with pytest.raises(ValidationError) as excinfo:
        assessment_record(pupil=pupil, subject="Science", academic_year=2024, term="autumn", result="3b")

    assert field_errors(excinfo) == {
        "subject": ["'Science' is not a subject here; known subjects: English (english), Maths (maths)"]
    }


def test_recording_again_updates_the_result_and_stamps_who_changed_it(pupil, subjects):
    alice = staff_user("alice", "Alice", "Adams")
    assessment_record(pupil=pupil, subject="english", academic_year=2024, term="autumn", result="3b",
                      assessed_on=dt.date(2024, 12, 6))  # fmt: skip

    same, unchanged = assessment_record(pupil=pupil, subject="english", academic_year=2024, term="autumn", result="3 B",
                                        recorded_by=alice)  # fmt: skip
    assert (unchanged, same.recorded_by) == (Outcome.UNCHANGED, None)

    changed, updated = assessment_record(pupil=pupil, subject="english", academic_year=2024, term="autumn", result="3a",
                                         recorded_by=alice)  # fmt: skip
    changed.refresh_from_db()
    # assessed_on=None left the stored date as it was.
    assert (updated, changed.result, changed.recorded_by, changed.assessed_on) == (
        Outcome.UPDATED, "3a", alice, dt.date(2024, 12, 6)
    )
    assert Assessment.objects.count() == 1


def test_the_bulk_path_validates_exactly_as_the_single_one(pupil, subjects):
    row = dict(pupil=pupil, subject="english", academic_year=2024, term="winter", result="4d", kind="mock")

    with pytest.raises(ValidationError) as single:
        assessment_record(**row)
    with pytest.raises(RowsInvalid) as many:
        assessments_record_many(rows=[dict(row), dict(row, term="autumn", result="4b", kind="teacher")])

    assert list(many.value.row_errors) == [0]
    assert many.value.row_errors[0].message_dict == single.value.message_dict
    assert set(single.value.message_dict) == {"term", "kind", "result"}
    assert not Assessment.objects.exists()


def test_a_baseline_is_matched_on_subject_and_key_stage(pupil, subjects):
    first, created = baseline_record(pupil=pupil, subject="English", key_stage="ks2", result="3 A", academic_year="2020/21")
    assert (created, first.key_stage, first.result, first.academic_year, first.term) == (
        Outcome.CREATED, "KS2", "3a", 2020, "summer"
    )

    second, updated = baseline_record(pupil=pupil, subject="english", key_stage="KS2", result="4c", academic_year=2020)
    assert (updated, second.pk) == (Outcome.UPDATED, first.pk)
    assert Baseline.objects.get().result == "4c"


@pytest.mark.parametrize("written", ["7:06", "7y6m", "7y 6m", "7.06", "90m", 90])
def test_a_reading_age_is_stored_in_months_whichever_way_it_is_written(pupil, written):
    test, _ = reading_test_record(pupil=pupil, measure="Reading", test_name="Salford", tested_on="10/09/2024",
                                  age_equivalent=written)  # fmt: skip

    # 7 years 6 months = 7 x 12 + 6 = 90 months.
    assert ReadingTest.objects.get(pk=test.pk).age_equivalent_months == 90


def test_a_reading_test_out_of_range_is_refused(pupil):
    with pytest.raises(ValidationError) as excinfo:
        reading_test_record(pupil=pupil, measure="reading", test_name=" ", tested_on=dt.date(2024, 9, 10),
                            age_equivalent="7.13", standardised_score=161)  # fmt: skip

    assert set(field_errors(excinfo)) == {"test_name", "age_equivalent_months", "standardised_score"}
    assert field_errors(excinfo)["standardised_score"] == ["161 is not a standardised score; scores run from 40 to 160"]
