"""Importing the SEN register: histories in any order, one open entry, all or nothing."""

import datetime as dt

import pytest

from pupils.models import RegisterEntry
from imports.engine import run_import
from tests.data.imports.school import UPNS, database_state, errors_by_line, import_file, import_ok, oak_school

pytestmark = pytest.mark.django_db


@pytest.fixture
def oak():
    ns = oak_school()
    import_ok("pupils", "pupils_messy.csv", ns.school)
    return ns


def entries(upn):
    return [
        (e.provision, e.primary_need, e.secondary_need, e.start_date, e.end_date)
        for e in RegisterEntry.objects.filter(pupil__upn=upn).order_by("start_date")
    ]


def test_a_messy_register_export_is_imported_exactly(oak):
    result = import_ok("register", "register_messy.csv", oak.school)

    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 5, 0, 0)
    assert result.summary() == "Imported 5 register entries: 5 created, 0 updated, 0 unchanged"
    # Amy's history is listed newest first and both rows are open: read oldest first, the E entry from
    # 01/09/2024 closes the K entry the day before it starts (31/08/2024). Need codes in any case.
    assert entries(UPNS["amy"]) == [
        ("K", "SPLD", "", dt.date(2022, 9, 5), dt.date(2024, 8, 31)),
        ("E", "ASD", "SLCN", dt.date(2024, 9, 1), None),
    ]
    # "SEN Support" is K; "mld" is MLD; 05/09/2023 to 20/07/2024.
    assert entries(UPNS["ben"]) == [("K", "MLD", "", dt.date(2023, 9, 5), dt.date(2024, 7, 20))]
    assert entries(UPNS["chloe"]) == [("K", "NSA", "", dt.date(2023, 1, 9), None)]
    assert entries(UPNS["dev"]) == [("N", "", "", dt.date(2024, 9, 4), None)]
    assert entries(UPNS["eve"]) == []


def test_reimporting_the_register_changes_nothing_even_for_entries_closed_by_a_later_one(oak):
    import_ok("register", "register_messy.csv", oak.school)
    before = database_state()

    again = import_ok("register", "register_messy.csv", oak.school)

    # Amy's K row still has a blank end date; the entry keeps the end it was given on 31/08/2024.
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert database_state() == before


def test_a_new_open_entry_in_a_later_file_closes_the_open_one(oak):
    import_ok("register", "register_messy.csv", oak.school)
    text = f"upn,provision,primary_need,start_date\n{UPNS['chloe']},E,MLD,2025-01-06\n"

    result = run_import(kind="register", data=text, school=oak.school)

    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert entries(UPNS["chloe"]) == [
        ("K", "NSA", "", dt.date(2023, 1, 9), dt.date(2025, 1, 5)),
        ("E", "MLD", "", dt.date(2025, 1, 6), None),
    ]


def test_a_broken_register_file_is_rejected_whole_with_every_bad_line(oak):
    import_ok("register", "register_messy.csv", oak.school)
    before = database_state()

    result = import_file("register", "register_broken.csv", oak.school)

    assert errors_by_line(result) == [
        (2, "start_date"),  # Amy: open K from 09/01/2023, but her open E entry starts later (01/09/2024)
        (3, "primary_need"),  # NSA with E
        (4, "provision"),  # Z
        (5, "secondary_need"),  # MLD twice
        (6, "primary_need"),  # XYZ
        (7, "upn"),  # a valid UPN on no roll here
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0] == (
        "line 2: start_date: the pupil already has an open entry that starts later (E entry from 01/09/2024 "
        "(still open)): give this entry an end date (on or before 31/08/2024), or close that one first"
    )
    assert messages[5] == "line 7: upn: no pupil with UPN H873300120006 at Oak Academy: import the pupils file first"
    assert database_state() == before


def test_an_entry_overlapping_a_closed_one_is_refused(oak):
    import_ok("register", "register_messy.csv", oak.school)
    text = f"upn,provision,start_date,end_date\n{UPNS['ben']},E,2024-01-08,2024-12-20\n"

    result = run_import(kind="register", data=text, school=oak.school)

    assert [str(e) for e in result.errors] == [
        "line 2: start_date: this entry (from 08/01/2024 to 20/12/2024) overlaps the pupil's K entry from "
        "05/09/2023 to 20/07/2024"
    ]
