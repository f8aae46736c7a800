"""The sample file of every kind in docs/samples imports, in the order docs/imports.md gives, on a
fresh install from the command line, then again changing nothing; the same files as .xlsx too."""

import csv
import io
from io import StringIO
from pathlib import Path

import openpyxl
import pytest

from tests.factories import importer_args
from django.core.management import call_command

from interventions.models import Intervention, Programme
from pupils.models import School
from imports.engine import KINDS, run_import


@pytest.fixture(autouse=True)
def _jobs_run_here(run_tasks_here):
    """Browser imports run as jobs: sent at once and run here, with a broker too (tests/conftest.py)."""


pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
#: docs/imports.md "The order to import in"; rows in each sample, counted by hand.
ORDER = [
    ("pupils", 6), ("staff", 5), ("groups", 6), ("register", 4), ("baselines", 5), ("assessments", 5),
    ("reading", 4), ("programmes", 3), ("enrolments", 4), ("quartiles", 5), ("national", 4),
]  # fmt: skip


def run(kind: str, path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_data", *importer_args([kind, path]), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_there_is_a_sample_of_every_kind():
    assert sorted(kind for kind, _ in ORDER) == sorted(KINDS)
    assert sorted(p.stem for p in SAMPLES.glob("*.csv")) == sorted(KINDS)


def test_the_samples_import_on_a_fresh_install_in_order_and_again_change_nothing():
    counts = {kind: sum(1 for row in csv.reader(open(SAMPLES / f"{kind}.csv", encoding="utf-8")) if row) - 1 for kind, _ in ORDER}
    assert counts == dict(ORDER)
    assert not School.objects.exists()
    outputs = {}
    for kind, rows in ORDER:
        out, err = run(kind, SAMPLES / f"{kind}.csv")
        outputs[kind] = (out, err)
        assert f": {rows} created, 0 updated, 0 unchanged" in out, (kind, out, err)
    # Tina Adams already sees Amy and Eve (class 8M2); the enrolments add Priya and Dev.
    assert "Gives Tina Adams access to 2 more pupils (lines 2-3)" in outputs["enrolments"][0]
    assert "warning: 'Mrs R. Visiting' matches no member of staff at" in outputs["enrolments"][1]
    assert "New programme 'Precision Teaching' (line 5)" in outputs["enrolments"][0]
    assert Intervention.objects.get(programme__name="Drawing and Talking").staff_names == "Mrs R. Visiting"
    assert Programme.objects.count() == 4
    assert outputs["staff"][0].count("Set-password link for") == 5

    for kind, rows in ORDER:
        if kind in ("quartiles", "national"):
            continue  # a reference set is named after the file: the same name again updates it
        out, _ = run(kind, SAMPLES / f"{kind}.csv")
        assert f": 0 created, 0 updated, {rows} unchanged" in out, (kind, out)


def as_xlsx(path: Path) -> bytes:
    book = openpyxl.Workbook()
    for row in csv.reader(open(path, encoding="utf-8")):
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_samples_as_excel_workbooks_import_as_the_csv_files_do():
    school = School.objects.create(code="xl", name="Excel Academy")
    for kind, rows in ORDER:
        result = run_import(kind=kind, data=as_xlsx(SAMPLES / f"{kind}.csv"), school=school)
        assert result.ok, (kind, [str(e) for e in result.errors])
        assert (result.created, result.updated, result.unchanged) == (rows, 0, 0), kind


def test_docs_imports_describes_every_column_of_every_kind():
    from imports.engine import TEMPLATES

    text = (SAMPLES.parent / "imports.md").read_text(encoding="utf-8")
    for kind, columns in TEMPLATES.items():
        section = text.split(f"\n### {kind}\n", 1)[1].split("\n### ", 1)[0]
        for column in columns:
            assert f"| `{column}` |" in section, (kind, column)
    assert "../" not in text  # the docs stand alone in the repository
