"""manage.py import_data KIND FILE [--school CODE] [--dry-run]: output, exit status, school choice."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pupils.models import Pupil, School
from tests import factories as f
from tests.data.imports.school import DATA, database_state, oak_school

ROOT = Path(__file__).resolve().parents[2]
MESSY = str(DATA / "pupils_messy.csv")
BROKEN = str(DATA / "pupils_broken.csv")
BROKEN_LINES = [
    "line 3: upn: 'B873300120001' fails the check letter: a character is mistyped, or the check letter should be M",
    "line 4: date_of_birth: '31/02/2015' is not a real date: February 2015 has 28 days",
    "line 6: repeats line 2 (the same upn)",
    "line 7: gender: 'Q' is not a gender; use M, F or X (other / not recorded)",
    "line 7: year_group: year group 15 is out of range; use -1 (nursery) to 14",
]


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_a_good_file_is_imported_with_a_summary_on_stdout():
    oak_school()

    out, err = run("pupils", MESSY)

    assert out == "Imported 5 pupils: 5 created, 0 updated, 0 unchanged\n"
    assert err == "warning: Ignored column not used by a pupils import: Ethnicity\n"
    assert Pupil.objects.filter(school__code="oak").count() == 5


@pytest.mark.django_db
def test_a_broken_file_fails_with_every_bad_line_on_stderr_and_saves_nothing():
    oak_school()
    before = database_state()
    err = StringIO()

    with pytest.raises(CommandError, match=r"^Nothing imported: 5 problems in 6 pupils \(.*pupils_broken.csv\)$"):
        call_command("import_data", "pupils", BROKEN, stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == BROKEN_LINES
    assert database_state() == before


@pytest.mark.django_db
def test_on_an_empty_database_a_default_school_is_made_first():
    out, _ = run("pupils", MESSY)

    assert out.endswith("5 created, 0 updated, 0 unchanged\n")
    assert list(School.objects.values_list("code", flat=True)) == ["DEFAULT"]
    assert Pupil.objects.filter(school__code="DEFAULT").count() == 5


@pytest.mark.django_db
def test_a_failed_import_does_not_leave_a_default_school_behind():
    with pytest.raises(CommandError):
        run("pupils", BROKEN)

    assert not School.objects.exists()


@pytest.mark.django_db
def test_with_several_schools_the_school_must_be_named():
    oak_school()
    f.SchoolFactory(code="elm")

    with pytest.raises(CommandError) as excinfo:
        run("pupils", MESSY)
    assert str(excinfo.value) == "There are 2 schools, so name one with --school CODE: elm, oak"

    with pytest.raises(CommandError) as unknown:
        run("pupils", MESSY, "--school", "ash")
    assert str(unknown.value) == "No school has code 'ash'; known codes: elm, oak"

    out, _ = run("pupils", MESSY, "--school", "elm")
    assert out.startswith("Imported 5 pupils")
    assert Pupil.objects.filter(school__code="elm").count() == 5
    assert not Pupil.objects.filter(school__code="oak").exists()


@pytest.mark.django_db
def test_a_dry_run_reports_and_saves_nothing():
    oak_school()
    before = database_state()

    out, _ = run("pupils", MESSY, "--dry-run")

    assert out == "Checked 5 pupils (dry run, nothing saved): would be 5 created, 0 updated, 0 unchanged\n"
    assert database_state() == before


@pytest.mark.django_db
def test_an_unknown_kind_or_a_missing_file_is_a_clear_error_and_changes_nothing():
    with pytest.raises(CommandError) as kind:
        run("grades", MESSY)
    assert str(kind.value) == (
        "Unknown import kind 'grades'. Choose one of: pupils, staff, groups, register, baselines, assessments, reading, "
        "programmes, enrolments, quartiles, national."
    )

    with pytest.raises(CommandError) as missing:
        run("pupils", "/no/such/file.csv")
    assert str(missing.value) == "No such file: /no/such/file.csv"

    assert not School.objects.exists()


def test_the_real_command_exits_zero_on_success_and_nonzero_with_errors_on_stderr(tmp_path):
    # A real process on its own SQLite file, to prove the exit status a shell or cron job sees.
    env = dict(os.environ, DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.pop("REDIS_URL", None)

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    migrate = manage("migrate", "--noinput", "-v", "0")
    assert migrate.returncode == 0, migrate.stderr

    good = manage("import_data", "pupils", MESSY)
    assert (good.returncode, good.stdout) == (0, "Imported 5 pupils: 5 created, 0 updated, 0 unchanged\n")

    again = manage("import_data", "pupils", MESSY)
    assert (again.returncode, again.stdout) == (0, "Imported 5 pupils: 0 created, 0 updated, 5 unchanged\n")

    bad = manage("import_data", "pupils", BROKEN, "--school", "DEFAULT")
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert bad.stderr.splitlines() == [*BROKEN_LINES, f"CommandError: Nothing imported: 5 problems in 6 pupils ({BROKEN})"]
