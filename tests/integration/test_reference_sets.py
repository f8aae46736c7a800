"""Reference sets: the shipped 2012 table, importing quartile and national tables, and the set in force."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assessments.models import NationalRow, QuartileRow, ReferenceSet
from assessments.reference import SHIPPED_QUARTILES_NAME, load_shipped_quartiles, set_in_force, sets_in_force
from tests import factories as f

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture(autouse=True)
def shipped():
    load_shipped_quartiles()  # a flush by an earlier transactional test removes migration data


def run(kind, path, *extra):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *f.importer_args([kind, path, *extra]), stdout=out, stderr=err)
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


def test_the_shipped_2012_table_is_a_set_with_its_provenance():
    shipped = ReferenceSet.objects.get(school__isnull=True, name=SHIPPED_QUARTILES_NAME)
    assert shipped.kind == "quartiles" and "2012 national data" in shipped.source_note
    rows = {(r.transition, r.subject, r.starting_point): (r.lower_quartile, r.median, r.upper_quartile)
            for r in shipped.quartile_rows.all()}
    assert len(rows) == 20
    assert rows[("KS1-KS2", "English", "W")] == ("1", "2", "3")
    assert rows[("KS1-KS2", "maths", "2c")] == ("3", "4", "4")
    assert rows[("KS2-KS3", "English", "W")] == ("W", "1", "2")  # printed 0 in the source: below level 1
    school = f.SchoolFactory(code="oak")
    assert set_in_force(school, "quartiles") == shipped and set_in_force(school, "national") is None


def test_the_sample_files_in_docs_import(tmp_path):
    f.SchoolFactory(code="oak")
    for kind in ("quartiles", "national"):
        ok, out, err = run(kind, DOCS / f"{kind}.csv", "--school", "oak", "--name", f"Sample {kind}")
        assert ok, err
    assert QuartileRow.objects.filter(reference_set__name="Sample quartiles").count() == 5
    assert NationalRow.objects.filter(reference_set__name="Sample national").count() == 4


def test_every_bad_row_gets_a_clear_message_and_nothing_is_saved(tmp_path):
    f.SchoolFactory(code="oak")
    path = tmp_path / "bad.csv"
    path.write_text(
        "transition,subject,starting_point,lower_quartile,median,upper_quartile\n"
        "KS2-KS4,English,P4,P6,P7,P8\n"
        "KS1-KS3,English,P5,P6,P7,P8\n"  # line 3: no such transition
        "KS2-KS4,English,B,P6,P7,P8\n"  # line 4: B has no points
        "KS2-KS4,English,P6,P8,P7,1\n"  # line 5: LQ above the median
        "KS2-KS4,ENGLISH,p 4,P6,P7,P8\n"  # line 6: the same key as line 2 (any case, any spacing)
        "KS2-KS4,English,W,0,1,4.5\n"  # line 7: not a level
    )
    ok, _, err = run("quartiles", path, "--school", "oak", "--name", "Bad")
    assert not ok
    assert "line 3: transition: 'KS1-KS3' is not a transition; use KS1-KS2, KS2-KS3, KS2-KS4 or KS3-KS4" in err
    assert "line 4: starting_point: B is a key-stage test code with no points" in err
    assert "line 5: the lower quartile P8 is above the median P7" in err
    assert "line 6: repeats line 2 (the same transition, subject and starting point)" in err
    assert "line 7: upper_quartile: '4.5' is not a level" in err
    assert not ReferenceSet.objects.filter(name="Bad").exists()

    national = tmp_path / "national.csv"
    national.write_text(
        "transition,subject,starting_point,pct_expected,pct_more_than_expected\n"
        "KS2-KS4,Maths,2,120,6\n"  # out of range
        "KS2-KS4,Maths,3,30,40\n"  # more than expected above expected
        "KS2-KS4,Maths,4,lots,20\n"
    )
    ok, _, err = run("national", national, "--school", "oak")
    assert not ok
    assert "line 2: pct_expected: '120' is out of range: a percentage is from 0 to 100" in err
    assert "line 3: pct_more_than_expected (40) is above pct_expected (30)" in err
    assert "line 4: pct_expected: 'lots' is not a percentage" in err
    assert not NationalRow.objects.exists()


def test_reimporting_changes_nothing_and_a_new_name_is_a_new_set_in_force(tmp_path):
    school = f.SchoolFactory(code="oak")
    path = tmp_path / "p_levels.csv"
    path.write_text("transition,subject,starting_point,lower_quartile,median,upper_quartile,source_note\n"
                    "KS2-KS4,English,P4,P6,P7,P8,Official 2013\n")
    assert run("quartiles", path, "--school", "oak")[0]  # named after the file
    first = ReferenceSet.objects.get(school=school)
    assert first.name == "p levels" and first.source_note == "Official 2013"
    ok, out, _ = run("quartiles", path, "--school", "oak", "--name", "p levels")
    assert ok and "0 created, 0 updated, 1 unchanged" in out
    assert set_in_force(school, "quartiles") == first  # the school's own set, not the shipped one
    path.write_text("transition,subject,starting_point,lower_quartile,median,upper_quartile\n"
                    "KS2-KS4,English,P4,P5,P7,P8\n")
    ok, out, _ = run("quartiles", path, "--school", "oak", "--name", "Second")
    second = ReferenceSet.objects.get(name="Second")
    assert set_in_force(school, "quartiles") == second
    # The school can choose another set by name
    school.quartile_table = "p levels"
    school.save()
    assert sets_in_force([school])[school.pk]["quartiles"] == first
    # --name is for reference sets only
    ok, _, err = run("pupils", path, "--school", "oak", "--name", "x")
    assert not ok and "--name names a reference set" in err


def test_another_schools_sets_are_not_visible(tmp_path):
    oak, ash = f.SchoolFactory(code="oak"), f.SchoolFactory(code="ash")
    path = tmp_path / "q.csv"
    path.write_text("transition,subject,starting_point,lower_quartile,median,upper_quartile\n"
                    "KS2-KS4,English,P4,P6,P7,P8\n")
    assert run("quartiles", path, "--school", "oak", "--name", "Oak's")[0]
    assert set_in_force(oak, "quartiles").name == "Oak's"
    assert set_in_force(ash, "quartiles").name == SHIPPED_QUARTILES_NAME
    ash.quartile_table = "Oak's"  # a name it cannot see: the newest it can
    ash.save()
    assert set_in_force(ash, "quartiles").name == SHIPPED_QUARTILES_NAME
