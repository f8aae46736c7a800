"""Read the first sheet of an Excel ``.xlsx`` workbook as the rows of a CSV file.

Each cell becomes the text a CSV export would hold, so every column parses one way whatever the
file (dates as ``YYYY-MM-DD``, ``7.0`` as ``7``, a reading age shown as 7.10 kept as 7.10). Row
numbers are the sheet's own, so a message points at the row Excel shows. The full rules:
docs/imports.md, "How the import code works".
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

#: A workbook whose sheets unpack to more than this many times its size is refused (a zip bomb).
MAX_EXPANSION = 100


class WorkbookProblem(ValueError):
    """The workbook cannot be read; the message says why, for a data manager."""


def is_workbook(raw: bytes) -> bool:
    """True for a zip file that holds an Excel workbook (``xl/workbook.xml``)."""
    if not raw.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


_FIXED_DECIMALS = re.compile(r"[#0]\.(0+)(?![0-9#?])")


def cell_text(value: object, number_format: str = "General") -> str:
    """A cell's value as a CSV export would write it (as Excel shows it, for fixed decimals)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, (int, float)) and "%" in (number_format or ""):  # 0.4 shown as 40%
        return f"{round(value * 100, 10):g}%"
    if isinstance(value, (int, float)) and (m := _FIXED_DECIMALS.search(number_format or "")):
        return f"{value:.{len(m[1])}f}"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def sheet_rows(raw: bytes) -> list[tuple[int, list[str]]]:
    """[(row number, cells as text)] of the first sheet, blank rows left out."""
    try:
        import openpyxl  # noqa: PLC0415 (only needed for workbooks)
    except ImportError:  # pragma: no cover - openpyxl is in requirements.txt
        raise WorkbookProblem("this server cannot read .xlsx files (openpyxl is not installed): save the sheet as CSV") from None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise WorkbookProblem("the .xlsx file is damaged (not a complete zip file): save it again from Excel") from None
    if unpacked > MAX_EXPANSION * max(len(raw), 1024 * 1024):
        raise WorkbookProblem("the workbook unpacks to far more data than its size suggests, so it was not opened")
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a bad file
        raise WorkbookProblem(f"the .xlsx file cannot be read ({type(exc).__name__}): save it again from Excel") from None
    try:
        if not book.worksheets:
            raise WorkbookProblem("the workbook has no sheets")
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[str]]] = []
        for number, row in enumerate(sheet.iter_rows(), start=1):
            cells = [cell_text(getattr(cell, "value", None), getattr(cell, "number_format", "General")) for cell in row]
            while cells and not cells[-1].strip():
                cells.pop()
            if cells:
                rows.append((number, cells))
        return rows
    finally:
        book.close()
