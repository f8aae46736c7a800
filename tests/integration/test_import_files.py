"""What the importer does with the file itself: headers, encodings, blank lines, odd cells, limits."""

import datetime as dt
import io

import pytest

from pupils.models import Pupil
from imports.engine import COLUMNS, KINDS, TEMPLATES, column_help, run_import, template_csv
from tests.data.imports.school import UPNS, database_state, oak_school

pytestmark = pytest.mark.django_db

HEADER = "upn,surname,forename,date_of_birth,gender,year_group"
AMY = f"{UPNS['amy']},Smith,Amy,2013-03-14,F,7"
BEN = f"{UPNS['ben']},Jones,Ben,2013-01-05,M,7"


@pytest.fixture
def oak():
    return oak_school()


def pupils(text, school, **options):
    return run_import(kind="pupils", data=text, school=school, **options)


def messages(result):
    return [str(e) for e in result.errors]


def test_the_templates_hold_the_contract_columns_in_order():
    assert KINDS == (
        "pupils", "staff", "groups", "register", "baselines", "assessments", "reading", "programmes", "enrolments",
        "quartiles", "national",
    )  # fmt: skip
    assert TEMPLATES["pupils"] == [
        "upn", "surname", "forename", "date_of_birth", "gender", "year_group",
        "pupil_premium", "eal", "looked_after", "admission_date", "reg_group",
    ]  # fmt: skip
    assert TEMPLATES["register"][:6] == ["upn", "provision", "primary_need", "secondary_need", "start_date", "end_date"]
    assert TEMPLATES["baselines"] == ["upn", "subject", "key_stage", "result", "academic_year", "term"]
    assert TEMPLATES["assessments"][:7] == ["upn", "subject", "academic_year", "term", "result", "assessed_on", "kind"]
    assert TEMPLATES["reading"] == ["upn", "measure", "test_name", "tested_on", "age_equivalent", "standardised_score"]
    assert TEMPLATES["enrolments"] == ["upn", "programme", "start_date", "end_date", "staff", "sessions_attended"]
    assert TEMPLATES["staff"] == ["email", "first_name", "surname", "role", "username"]
    assert TEMPLATES["groups"][:4] == ["group", "subject", "upn", "staff"]
    assert TEMPLATES["programmes"] == ["name", "area_of_need", "cost_per_session", "default_measure", "description"]
    assert TEMPLATES["quartiles"] == [
        "transition", "subject", "starting_point", "lower_quartile", "median", "upper_quartile", "source_note",
    ]  # fmt: skip
    assert TEMPLATES["national"] == [
        "transition", "subject", "starting_point", "pct_expected", "pct_more_than_expected", "source_note",
    ]  # fmt: skip
    assert template_csv("baselines") == "upn,subject,key_stage,result,academic_year,term\r\n"
    # The contract's optional columns are optional; anything beyond it is an optional extension.
    assert [c.name for c in COLUMNS["pupils"] if c.required] == TEMPLATES["pupils"][:6]
    assert {"name": "date_of_birth", "required": True, "help": "YYYY-MM-DD or DD/MM/YYYY",
            "aliases": ["dob", "birth date", "birthdate"]} in column_help("pupils")  # fmt: skip


def test_headers_match_ignoring_case_spaces_underscores_and_documented_aliases(oak):
    text = f"U P N,SURNAME,fore_name,DOB,Sex,NC Year\n{AMY}\n"

    result = pupils(text, oak.school)

    assert result.ok and result.created == 1


def test_missing_required_columns_are_one_error_naming_them_and_the_accepted_headers(oak):
    result = pupils(f"upn,surname,forename,gender\n{UPNS['amy']},Smith,Amy,F\n", oak.school)

    assert messages(result) == [
        "line 1: missing required columns: date_of_birth, year_group. A pupils file has the columns upn, surname, "
        "forename, date_of_birth, gender, year_group, and optionally pupil_premium, eal, looked_after, "
        "admission_date, reg_group (case, spaces and underscores do not matter; date_of_birth may be headed dob, birth date, "
        "birthdate; year_group may be headed year, nc year, national curriculum year, curriculum year, nc year actual, "
            "year group)"
    ]
    assert result.rows == 1 and Pupil.objects.count() == 0


def test_two_headers_for_one_column_are_refused(oak):
    result = pupils(f"{HEADER},DOB\n{AMY},2013-03-14\n", oak.school)

    assert messages(result) == ["line 1: date_of_birth: columns 'date_of_birth' and 'DOB' both give date_of_birth: keep one"]


def test_unknown_columns_are_ignored_with_a_warning(oak):
    result = pupils(f"{HEADER},Religion,Ethnicity\n{AMY},None,WBRI\n", oak.school)

    assert result.ok and result.warnings == ["Ignored columns not used by a pupils import: Religion, Ethnicity"]


def test_blank_lines_are_skipped_and_line_numbers_count_physical_lines(oak):
    # Line 2 blank, line 3 Amy, lines 4-5 one row whose quoted surname runs over two lines, line 6 blank,
    # line 7 a row of empty cells, line 8 a bad date.
    text = f'{HEADER}\n\n{AMY}\n{UPNS["ben"]},"Jones\nSmith",Ben,2013-01-05,M,7\n\n,,,,,\n{UPNS["chloe"]},Ali,Chloe,2013-02-30,F,7\n'

    result = pupils(text, oak.school)

    assert [(e.line, e.column) for e in result.errors] == [(8, "date_of_birth")]
    assert result.rows == 3


def test_a_bad_row_reports_every_bad_cell(oak):
    text = f"{HEADER},pupil_premium\n{UPNS['amy']},,Amy,14/13/2013,F,seven,maybe\n"

    result = pupils(text, oak.school)

    assert messages(result) == [
        "line 2: surname: is blank, but every row needs one",
        "line 2: date_of_birth: '14/13/2013' is not a real date: there is no month 13 "
        "(dates are YYYY-MM-DD or DD/MM/YYYY, day first)",
        "line 2: year_group: 'seven' is not a year group; write a number such as 7, or R for Reception",
        "line 2: pupil_premium: 'maybe' is not a yes/no value; write Y/N, Yes/No, True/False or 1/0",
    ]


def test_a_row_with_more_cells_than_the_header_is_refused(oak):
    result = pupils(f"{HEADER}\n{UPNS['amy']},Smith,Amy,Jo,2013-03-14,F,7\n", oak.school)

    assert [(e.line, e.column) for e in result.errors][0] == (2, None)
    assert "unquoted comma" in messages(result)[0]


def test_excel_protected_values_are_unwrapped_but_free_text_is_kept_as_written(oak):
    text = f'{HEADER}\n="{UPNS["amy"]}","=Smith","+Amy",="2013-03-14",F,="7"\n{UPNS["ben"]},-Jones,@Ben,2013-01-05,M,7\n'

    result = pupils(text, oak.school)

    assert result.ok, messages(result)
    amy = Pupil.objects.get(upn=UPNS["amy"])
    assert (amy.surname, amy.forename, amy.date_of_birth, amy.year_group) == ("=Smith", "+Amy", dt.date(2013, 3, 14), 7)
    ben = Pupil.objects.get(upn=UPNS["ben"])
    assert (ben.surname, ben.forename) == ("-Jones", "@Ben")


def test_tab_and_semicolon_separated_files_are_read(oak):
    tabbed = f"{HEADER}\n{AMY}\n".replace(",", "\t")
    semi = f"{HEADER}\n{BEN}\n".replace(",", ";")

    assert pupils(tabbed, oak.school).created == 1
    assert pupils(semi, oak.school).created == 1


def test_excels_sep_hint_line_sets_the_delimiter_and_counts_as_a_line(oak):
    text = f"sep=;\n{HEADER}\n{AMY}\n{UPNS['ben']},Jones,Ben,2013-02-30,M,7\n".replace(",", ";")

    result = pupils(text, oak.school)

    assert [(e.line, e.column) for e in result.errors] == [(4, "date_of_birth")]


def test_utf16_text_from_excel_is_read(oak):
    data = f"{HEADER}\r\n{AMY.replace('Smith', 'Łukasz')}\r\n".replace(",", "\t").encode("utf-16")

    assert pupils(data, oak.school).created == 1
    assert Pupil.objects.get().surname == "Łukasz"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\n \n", "the file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00", "this is not a CSV file but a zip file that holds no Excel workbook: "
                                        "import the .xlsx or .csv file itself"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "this is not a CSV file but an Excel .xls workbook: save the sheet as CSV "
                                              "and import that"),
        (f"{HEADER}\n{AMY}\x00\n".encode(), "the file holds binary data (NUL bytes), so it is not a CSV file: save it as CSV"),
        (b"upn\x01\x02\x03,surname\n", "the file holds binary data (control characters), so it is not a CSV file"),
        (b"upn,surname\n\x81\x8d\x8f\x90\x9d\n", "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_csv_text_is_refused_clearly(oak, data, message):
    result = pupils(data, oak.school)

    assert [(e.line, e.column, e.message) for e in result.errors] == [(None, None, message)]
    assert str(result.errors[0]) == message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(oak, settings):
    settings.IMPORT_MAX_BYTES = 1024
    data = (f"{HEADER}\n" + f"{AMY}\n" * 40).encode()  # 40 x 38 bytes > 1 KB

    result = pupils(io.BytesIO(data), oak.school)

    assert messages(result) == ["the file is larger than the import limit of 1 KB; split it into smaller files"]


def test_an_open_file_in_text_or_binary_mode_can_be_imported(oak, tmp_path):
    path = tmp_path / "pupils.csv"
    path.write_text(f"{HEADER}\n{AMY}\n{BEN}\n", encoding="utf-8")

    with path.open("rb") as binary:
        assert pupils(binary, oak.school).created == 2
    with path.open(encoding="utf-8") as text:
        assert pupils(text, oak.school).unchanged == 2


def test_a_header_with_no_rows_imports_nothing_and_says_so(oak):
    result = pupils(f"{HEADER}\n", oak.school)

    assert result.ok and result.rows == 0 and result.warnings == ["The file has a header but no rows."]


def test_an_unknown_kind_is_a_programming_error(oak):
    with pytest.raises(ValueError, match="'grades' is not an import kind"):
        run_import(kind="grades", data=b"", school=oak.school)


def test_nothing_is_saved_when_a_later_stage_finds_an_error(oak):
    # Amy is fine; Ben's admission date comes before his birth, which only the service can see.
    before = database_state()
    text = f"{HEADER},admission_date\n{AMY},2024-09-04\n{BEN},2001-09-04\n"

    result = pupils(text, oak.school)

    assert messages(result) == ["line 3: admission_date: 04/09/2001 is before the date of birth"]
    assert database_state() == before
