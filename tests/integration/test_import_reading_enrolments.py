"""Importing reading tests and intervention enrolments."""

import datetime as dt
from decimal import Decimal

import pytest

from assessments.models import ReadingTest
from interventions.models import Enrolment, Intervention
from imports.engine import run_import
from tests.data.imports.school import UPNS, database_state, errors_by_line, import_file, import_ok, oak_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def oak():
    ns = oak_school()
    import_ok("pupils", "pupils_messy.csv", ns.school)
    return ns


def test_a_messy_reading_export_is_imported_in_months(oak):
    result = import_ok("reading", "reading_messy.csv", oak.school)

    assert (result.created, result.updated, result.unchanged) == (7, 0, 0)
    amy, ben, chloe, dev = UPNS["amy"], UPNS["ben"], UPNS["chloe"], UPNS["dev"]
    assert sorted(
        ReadingTest.objects.values_list(
            "pupil__upn", "measure", "test_name", "tested_on", "age_equivalent_months", "standardised_score"
        )
    ) == sorted(
        [
            (amy, "reading", "Salford", dt.date(2024, 9, 10), 90, 85),  # 7:06 = 7 x 12 + 6
            (amy, "reading", "Salford", dt.date(2025, 1, 10), 97, 92),  # 8y 1m = 96 + 1
            (amy, "spelling", "Single Word Spelling Test", dt.date(2024, 9, 11), 90, None),  # 7y6m
            (ben, "reading", "NGRT", dt.date(2024, 9, 12), 90, 95),  # 7.06 is years.months
            # A cell that looks like a spreadsheet formula is free text: stored exactly as written.
            (ben, "spelling", '=HYPERLINK("http://example.org")', dt.date(2024, 9, 12), 90, None),  # 90m
            (chloe, "reading", "Salford", dt.date(2024, 9, 13), 90, None),  # 7y 6m
            (dev, "reading", "@Salford", dt.date(2024, 9, 13), 107, 101),  # 8.11 = 96 + 11
        ]
    )
    again = import_ok("reading", "reading_messy.csv", oak.school)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)


def test_a_broken_reading_file_reports_every_bad_cell_and_saves_nothing(oak):
    before = database_state()

    result = import_file("reading", "reading_broken.csv", oak.school)

    assert errors_by_line(result) == [
        (2, "age_equivalent"),  # 7.13: 13 months
        (3, "standardised_score"),  # 200
        (4, "measure"),  # writing
        (5, "test_name"),  # blank
        (5, "age_equivalent"),  # seven
    ]
    assert str(result.errors[1]) == "line 3: standardised_score: 200 is out of range for a standardised score (40 to 160)"
    assert database_state() == before


def enrolments():
    return sorted(
        Enrolment.objects.values_list(
            "pupil__upn", "intervention__name", "start_date", "end_date", "sessions_attended"
        )
    )


def test_enrolments_join_the_named_staff_members_group_or_a_group_made_for_the_import(oak):
    result = import_ok("enrolments", "enrolments_messy.csv", oak.school)

    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    made = "Lego Therapy, Bob Baker (imported 2024/25)"
    assert result.notes == [f"New intervention group {made!r} for Lego Therapy"]
    amy, ben, chloe, dev = UPNS["amy"], UPNS["ben"], UPNS["chloe"], UPNS["dev"]
    assert enrolments() == sorted(
        [
            # "toe by toe" and "tia": Tia's group covers 09/09/2024.
            (amy, "Toe by Toe Mon/Thu", dt.date(2024, 9, 9), dt.date(2024, 12, 13), 24),
            # "Tia Thomas" (First Last) finds the same group.
            (ben, "Toe by Toe Mon/Thu", dt.date(2024, 9, 9), None, None),
            # bob@example.org runs no Lego Therapy group, so one is made for 2024/25 with him in it.
            (chloe, made, dt.date(2024, 10, 1), None, 10),
            # No staff named: any group of the programme covering 06/01/2025, i.e. the one just made.
            (dev, made, dt.date(2025, 1, 6), None, None),
        ]
    )
    group = Intervention.objects.get(name=made)
    assert (group.programme, group.cost_per_session, group.start_date, group.end_date) == (
        oak.lego, Decimal("8.00"), dt.date(2024, 9, 1), dt.date(2025, 8, 31)
    )
    assert list(group.staff.values_list("username", flat=True)) == ["bob"]

    before = database_state()
    again = import_ok("enrolments", "enrolments_messy.csv", oak.school)
    assert (again.created, again.updated, again.unchanged, again.notes) == (0, 0, 4, [])
    assert database_state() == before


def test_a_later_export_with_end_dates_updates_the_enrolments(oak):
    import_ok("enrolments", "enrolments_messy.csv", oak.school)
    text = f"upn,programme,start_date,end_date,sessions_attended\n{UPNS['ben']},TOE BY TOE,2024-09-09,2025-03-28,40\n"

    result = run_import(kind="enrolments", data=text, school=oak.school)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    enrolment = Enrolment.objects.get(pupil__upn=UPNS["ben"])
    assert (enrolment.end_date, enrolment.sessions_attended) == (dt.date(2025, 3, 28), 40)


def test_a_broken_enrolments_file_is_rejected_whole(oak):
    before = database_state()

    result = import_file("enrolments", "enrolments_broken.csv", oak.school)

    # Line 2's "Toe-by-toe" is Toe by Toe (names match ignoring case and punctuation), and line 3's
    # "zed" matches no member of staff: a warning, kept as text, never an error.
    assert errors_by_line(result) == [
        (4, "end_date"),  # before the start
        (5, "sessions_attended"),  # -3
    ]
    assert result.warnings == [
        "'zed' matches no member of staff at Oak Academy: kept as text on the intervention group; "
        "it gives nobody access (line 3)"
    ]
    assert database_state() == before
