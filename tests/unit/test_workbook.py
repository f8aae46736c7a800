"""Excel cells read as the text a CSV export holds (imports.workbook; no Django)."""

import datetime as dt
import io

import openpyxl
import pytest

from imports.workbook import WorkbookProblem, cell_text, is_workbook, sheet_rows


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (None, "General", ""),
        (dt.datetime(2013, 10, 1), "yyyy-mm-dd h:mm:ss", "2013-10-01"),  # midnight: the date alone
        (dt.datetime(2013, 10, 1, 9, 30), "General", "2013-10-01 09:30:00"),  # kept, so the date parser refuses it
        (dt.date(2012, 12, 24), "dd/mm/yyyy", "2012-12-24"),
        (20.0, "General", "20"),
        (7.1, "0.00", "7.10"),  # a reading age typed 7.10 is 7 years 10 months, not 7 years 1 month
        (12.5, "£#,##0.00", "12.50"),
        (0.4, "0%", "40%"),
        (0.235, "0.0%", "23.5%"),
        (True, "General", "Y"),
        ("K - SEN Support", "@", "K - SEN Support"),
    ],
)
def test_a_cell_reads_as_a_csv_export_writes_it(value, number_format, text):
    assert cell_text(value, number_format) == text


def workbook(rows, formats=None) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    for ref, number_format in (formats or {}).items():
        book.active[ref].number_format = number_format
    book.create_sheet("Ignored").append(["only the first sheet is read"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_first_sheet_is_read_with_its_row_numbers_and_blank_rows_skipped():
    data = workbook([["UPN", "Age"], ["A", 7.1], [], ["B", 8.06, None, None]], {"B2": "0.00"})

    assert is_workbook(data)
    assert sheet_rows(data) == [(1, ["UPN", "Age"]), (2, ["A", "7.10"]), (4, ["B", "8.06"])]


def test_a_zip_that_is_not_a_workbook_or_a_damaged_one_is_told_apart():
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert not is_workbook(out.getvalue())
    assert not is_workbook(b"upn,surname\n")
    with pytest.raises(WorkbookProblem, match="damaged"):
        sheet_rows(b"PK\x03\x04broken")
