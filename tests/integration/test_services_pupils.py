"""Pupil and SEN-register services: the one write path for the UI, imports and tasks."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from pupils.models import Pupil, RegisterEntry, School
from pupils.services import (
    pupil_upsert,
    pupils_upsert_many,
    register_entry_close,
    register_entry_record,
    school_default,
)
from pupils.writes import Outcome, RowsInvalid
from tests import factories as f
from tests.data.imports.school import UPNS

pytestmark = pytest.mark.django_db


def amy(school, **changes):
    values = dict(
        school=school, upn=UPNS["amy"], surname="Smith", forename="Amy", date_of_birth=dt.date(2013, 3, 14),
        gender="F", year_group=7,
    )  # fmt: skip
    values.update(changes)
    return pupil_upsert(**values)


def field_errors(excinfo):
    return {field: [str(m) for e in errors for m in e.messages] for field, errors in excinfo.value.error_dict.items()}


# --- Schools ---------------------------------------------------------------------------------------


def test_an_empty_database_gets_a_default_school():
    school = school_default()

    assert (school.code, school.name) == ("DEFAULT", "Default school")
    assert school_default() == school
    assert School.objects.count() == 1


def test_the_only_school_is_the_default():
    oak = f.SchoolFactory(code="oak")

    assert school_default() == oak


def test_with_several_schools_the_default_is_refused_naming_them():
    f.SchoolFactory(code="oak")
    f.SchoolFactory(code="elm")

    with pytest.raises(ValidationError) as excinfo:
        school_default()

    assert excinfo.value.messages == ["There are 2 schools, so say which one: elm, oak"]


# --- Pupils ----------------------------------------------------------------------------------------


def test_a_pupil_is_created_then_updated_then_left_unchanged():
    school = f.SchoolFactory(code="oak")

    pupil, created = amy(school, upn=" m873 3001 2000 1 ")
    assert (created, pupil.upn, pupil.pupil_premium) == (Outcome.CREATED, UPNS["amy"], False)

    pupil, updated = amy(school, year_group="Year 8", pupil_premium=True)
    assert (updated, pupil.year_group, pupil.pupil_premium) == (Outcome.UPDATED, 8, True)

    # pupil_premium=None leaves the stored Yes as it is.
    pupil, unchanged = amy(school, year_group=8)
    assert (unchanged, pupil.pupil_premium) == (Outcome.UNCHANGED, True)
    assert Pupil.objects.count() == 1


def test_a_pupil_with_a_wrong_check_letter_is_refused_on_the_upn_field():
    school = f.SchoolFactory(code="oak")

    with pytest.raises(ValidationError) as excinfo:
        amy(school, upn="B873300120001")

    assert field_errors(excinfo) == {
        "upn": ["'B873300120001' fails the check letter: a character is mistyped, or the check letter should be M"]
    }
    assert not Pupil.objects.exists()


def test_every_bad_field_of_a_pupil_is_reported_at_once():
    school = f.SchoolFactory(code="oak")

    with pytest.raises(ValidationError) as excinfo:
        amy(school, gender="Q", year_group=15, date_of_birth="31/02/2013")

    assert field_errors(excinfo) == {
        "date_of_birth": ["'31/02/2013' is not a real date: February 2013 has 28 days"],
        "gender": ["'Q' is not a gender; use M, F or X (other / not recorded)"],
        "year_group": ["year group 15 is out of range; use -1 (nursery) to 14"],
    }


@pytest.mark.parametrize(
    ("written", "year"), [("R", 0), ("Reception", 0), ("N", -1), ("Y7", 7), ("year 10", 10), ("14", 14), (3, 3)]
)
def test_year_groups_are_read_as_schools_write_them(written, year):
    pupil, _ = amy(f.SchoolFactory(code="oak"), year_group=written)

    assert pupil.year_group == year


def test_a_many_call_names_every_bad_row_and_saves_none():
    school = f.SchoolFactory(code="oak")
    good = dict(upn=UPNS["amy"], surname="Smith", forename="Amy", date_of_birth=dt.date(2013, 3, 14), gender="F", year_group=7)
    bad = dict(good, upn=UPNS["ben"], gender="?")

    with pytest.raises(RowsInvalid) as excinfo:
        pupils_upsert_many(school=school, rows=[good, bad, dict(good)])

    assert sorted(excinfo.value.row_errors) == [1, 2]  # the bad gender and the repeated UPN
    assert not Pupil.objects.exists()


# --- The SEN register ------------------------------------------------------------------------------


@pytest.fixture
def pupil():
    return f.PupilFactory(school=f.SchoolFactory(code="oak"), date_of_birth=dt.date(2000, 5, 1))


def spans(pupil):
    return list(
        RegisterEntry.objects.filter(pupil=pupil).order_by("start_date").values_list("provision", "start_date", "end_date")
    )


def test_a_new_open_entry_closes_the_open_one_the_day_before_it_starts(pupil):
    register_entry_record(pupil=pupil, provision="K", primary_need="SPLD", start_date=dt.date(2023, 9, 4))

    entry, outcome = register_entry_record(pupil=pupil, provision="E", primary_need="SPLD", start_date="2025-01-06")

    assert outcome is Outcome.CREATED
    assert spans(pupil) == [("K", dt.date(2023, 9, 4), dt.date(2025, 1, 5)), ("E", dt.date(2025, 1, 6), None)]


def test_a_new_open_entry_starting_before_the_open_one_is_an_error(pupil):
    register_entry_record(pupil=pupil, provision="K", start_date=dt.date(2023, 9, 4))

    with pytest.raises(ValidationError) as excinfo:
        register_entry_record(pupil=pupil, provision="E", start_date=dt.date(2023, 1, 9))

    assert field_errors(excinfo) == {
        "start_date": [
            "the pupil already has an open entry that starts later (K entry from 04/09/2023 (still open)): give "
            "this entry an end date (on or before 03/09/2023), or close that one first"
        ]
    }
    assert spans(pupil) == [("K", dt.date(2023, 9, 4), None)]


def test_recording_the_same_entry_again_changes_nothing_and_a_blank_end_keeps_a_closed_entry_closed(pupil):
    register_entry_record(pupil=pupil, provision="K", start_date=dt.date(2023, 9, 4))
    register_entry_record(pupil=pupil, provision="E", start_date=dt.date(2025, 1, 6))

    _, outcome = register_entry_record(pupil=pupil, provision="K", start_date=dt.date(2023, 9, 4))

    assert outcome is Outcome.UNCHANGED
    assert spans(pupil)[0] == ("K", dt.date(2023, 9, 4), dt.date(2025, 1, 5))


def test_historic_codes_are_kept_for_entries_before_2014(pupil):
    register_entry_record(pupil=pupil, provision="A", primary_need="BESD", start_date="2006-09-04", end_date="2008-07-18")
    register_entry_record(pupil=pupil, provision="school action plus", start_date="2008-09-01", end_date="2011-07-20")
    register_entry_record(pupil=pupil, provision="S", primary_need="SEMH", start_date="2011-09-05", end_date="2014-08-31")

    assert [p for p, _, _ in spans(pupil)] == ["A", "P", "S"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"provision": "E", "primary_need": "NSA"}, "primary_need",
         "NSA (no specialist assessment) is only used with provision K (SEN support)"),
        ({"primary_need": "MLD", "secondary_need": "mld"}, "secondary_need",
         "the secondary need must differ from the primary need"),
        ({"end_date": dt.date(2023, 9, 1)}, "end_date", "01/09/2023 is before the start date 04/09/2023"),
        ({"provision": "Q"}, "provision", "'Q' is not a provision code; use N, K or E (or, before 2014, A, P or S)"),
    ],
)  # fmt: skip
def test_register_entries_that_break_a_rule_are_refused_with_a_clear_message(pupil, changes, field, message):
    values = dict(pupil=pupil, provision="K", start_date=dt.date(2023, 9, 4)) | changes

    with pytest.raises(ValidationError) as excinfo:
        register_entry_record(**values)

    assert field_errors(excinfo) == {field: [message]}
    assert not RegisterEntry.objects.exists()


def test_closing_an_entry_sets_its_end_and_may_not_overlap_the_next(pupil):
    first, _ = register_entry_record(pupil=pupil, provision="K", start_date=dt.date(2023, 9, 4), end_date=dt.date(2024, 7, 19))
    second, _ = register_entry_record(pupil=pupil, provision="E", start_date=dt.date(2024, 9, 2))

    register_entry_close(entry=second, end_date=dt.date(2025, 3, 31))
    assert spans(pupil)[1] == ("E", dt.date(2024, 9, 2), dt.date(2025, 3, 31))

    with pytest.raises(ValidationError) as excinfo:
        register_entry_close(entry=first, end_date=dt.date(2024, 9, 30))
    assert field_errors(excinfo) == {
        "end_date": ["ending on 30/09/2024 would overlap the pupil's E entry from 02/09/2024 to 31/03/2025"]
    }
