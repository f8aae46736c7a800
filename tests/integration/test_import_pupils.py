"""Importing a pupils file (docs/imports.md): messy exports in, exact values stored."""

import datetime as dt

import pytest

from pupils.models import Pupil
from pupils.upn import make_upn
from imports.engine import run_import
from tests.data.imports.school import UPNS, database_state, errors_by_line, import_file, import_ok, oak_school, read

pytestmark = pytest.mark.django_db


@pytest.fixture
def oak():
    return oak_school()


def stored(upn):
    p = Pupil.objects.get(upn=upn)
    return (
        p.surname, p.forename, p.date_of_birth, p.gender, p.year_group,
        p.pupil_premium, p.eal, p.looked_after, p.admission_date,
    )  # fmt: skip


def test_the_sample_upns_are_the_ones_make_upn_gives():
    assert list(UPNS.values()) == [make_upn(873, 3001, 20, n) for n in range(1, 7)]


def test_a_messy_pupils_export_is_imported_exactly(oak):
    result = import_ok("pupils", "pupils_messy.csv", oak.school)

    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 5, 0, 0)
    assert result.summary() == "Imported 5 pupils: 5 created, 0 updated, 0 unchanged"
    # Headers "Legal Surname", "Date Of Birth", "Year_Group", "In Care"; line 4 is blank.
    assert result.outcomes == {2: "created", 3: "created", 5: "created", 6: "created", 7: "created"}
    assert result.warnings == ["Ignored column not used by a pupils import: Ethnicity"]
    # 14/03/2013 day first; "Y7"; Yes/N/0 flags.
    assert stored(UPNS["amy"]) == ("Smith", "Amy", dt.date(2013, 3, 14), "F", 7, True, False, False, dt.date(2024, 9, 4))
    # "Male"; a blank In Care is No for a new pupil.
    assert stored(UPNS["ben"]) == ("O'Neill", "Ben", dt.date(2013, 1, 5), "M", 7, False, True, False, dt.date(2024, 9, 4))
    # UPN written "q873 3001 2000 3" is stored canonical; 1/9/2012 is 1 September; "Year 8"; 1/0/false.
    assert stored(UPNS["chloe"]) == ("Zoë", "Chloé", dt.date(2012, 9, 1), "F", 8, True, False, False, None)
    # A quoted comma in the surname; lower-case "m"; true/false/no.
    assert stored(UPNS["dev"]) == ("Khan, Jr", "Dev", dt.date(2013, 8, 31), "M", 7, True, False, False, dt.date(2024, 9, 4))
    # "R" is Reception (year 0); every optional cell blank.
    assert stored(UPNS["eve"]) == ("Brown", "Eve", dt.date(2019, 12, 1), "X", 0, False, False, False, None)
    assert Pupil.objects.filter(school=oak.school).count() == 5


def test_reimporting_the_same_pupils_file_changes_nothing(oak):
    import_ok("pupils", "pupils_messy.csv", oak.school)
    before = database_state()

    again = import_ok("pupils", "pupils_messy.csv", oak.school)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert again.summary() == "Imported 5 pupils: 0 created, 0 updated, 5 unchanged"
    assert database_state() == before


def test_a_changed_row_updates_the_pupil_and_blank_optional_cells_keep_what_is_stored(oak):
    import_ok("pupils", "pupils_messy.csv", oak.school)
    text = (
        "upn,surname,forename,date_of_birth,gender,year_group,pupil_premium\n"
        f"{UPNS['amy']},Smith-Jones,Amy,14/03/2013,F,8,\n"  # surname and year change; PP blank
        f"{UPNS['ben']},O'Neill,Ben,2013-01-05,M,7,N\n"  # as stored
    )
    result = run_import(kind="pupils", data=text, school=oak.school)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    # Pupil premium stays Yes (blank leaves it); EAL, looked after and admission date are not in the file.
    assert stored(UPNS["amy"]) == ("Smith-Jones", "Amy", dt.date(2013, 3, 14), "F", 8, True, False, False, dt.date(2024, 9, 4))


def test_a_broken_pupils_file_is_rejected_whole_with_every_bad_line(oak):
    before = database_state()

    result = import_file("pupils", "pupils_broken.csv", oak.school)

    assert not result.ok
    assert errors_by_line(result) == [
        (3, "upn"),  # B873300120001: the check letter should be M
        (4, "date_of_birth"),  # 31/02/2015
        (6, None),  # repeats line 2
        (7, "gender"),  # Q
        (7, "year_group"),  # 15
    ]
    messages = [str(e) for e in result.errors]
    assert messages[0] == (
        "line 3: upn: 'B873300120001' fails the check letter: a character is mistyped, or the check letter should be M"
    )
    assert messages[1] == "line 4: date_of_birth: '31/02/2015' is not a real date: February 2015 has 28 days"
    assert messages[2] == "line 6: repeats line 2 (the same upn)"
    assert (result.created, result.updated, result.unchanged, result.outcomes) == (0, 0, 0, {})
    assert result.summary() == "Nothing imported: 5 problems in 6 pupils"
    # Lines 2 and 5 were good, but all or nothing: the database is as it was.
    assert database_state() == before


def test_a_windows_1252_export_is_read_and_its_accents_kept(oak):
    result = import_ok("pupils", "pupils_cp1252.csv", oak.school)

    assert result.created == 2
    assert result.warnings == ["The file is not UTF-8, so it was read as Windows-1252 (usual for older MIS exports)."]
    assert stored(UPNS["amy"])[:2] == ("Müller", "Zoë")
    assert stored(UPNS["ben"])[:2] == ("Ó Briain", "Seán")


def test_a_utf8_file_with_a_byte_order_mark_matches_its_first_header(oak):
    assert read("pupils_utf8_bom.csv").startswith(b"\xef\xbb\xbf")

    result = import_ok("pupils", "pupils_utf8_bom.csv", oak.school)

    assert (result.created, result.warnings) == (2, [])
    assert stored(UPNS["amy"])[:2] == ("Müller", "Zoë")


def test_a_dry_run_reports_what_would_happen_and_saves_nothing(oak):
    before = database_state()

    result = import_ok("pupils", "pupils_messy.csv", oak.school, dry_run=True)

    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert result.summary() == "Checked 5 pupils (dry run, nothing saved): would be 5 created, 0 updated, 0 unchanged"
    assert database_state() == before


def test_a_dry_run_of_a_broken_file_gives_the_same_errors_as_a_real_run(oak):
    dry = import_file("pupils", "pupils_broken.csv", oak.school, dry_run=True)
    real = import_file("pupils", "pupils_broken.csv", oak.school)

    assert dry.errors == real.errors


def test_pupils_of_another_school_with_the_same_upn_are_left_alone(oak):
    from tests import factories as f

    elm = f.SchoolFactory(code="elm")
    theirs = f.PupilFactory(school=elm, upn=UPNS["amy"], surname="Elmsworth")

    result = import_ok("pupils", "pupils_messy.csv", oak.school)

    assert result.created == 5
    theirs.refresh_from_db()
    assert theirs.surname == "Elmsworth"
