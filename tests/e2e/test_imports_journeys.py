"""Importing in real Chromium: the data manager uploads a broken file, reads the problems, downloads
them as CSV, uploads the corrected file and confirms; the SENCo on a tablet; a teacher is refused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from pupils.models import Pupil, RegisterEntry
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

PRIYA, TOBI = "M873300120001", "B873300120002"  # make_upn(873, 3001, 20, n) for n = 1, 2
BROKEN = """upn,surname,forename,date_of_birth,gender,year_group
M873300120001,Patel,Priya,31/02/2013,F,7
B873300120001,Okafor,Tobi,2012-09-01,M,8
"""
FIXED = """upn,surname,forename,date_of_birth,gender,year_group,pupil_premium
M873300120001,Patel,Priya,28/02/2013,F,7,Y
B873300120002,Okafor,Tobi,2012-09-01,M,8,N
{amy},Smith,Amy,2012-03-14,F,10,
"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _file(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page is {width}px wide in a {viewport}px viewport"


def test_the_data_manager_fixes_a_broken_file_and_imports_it(page, live_server, personas):
    login(page, live_server, "dan")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import and export", level=1)).to_be_visible()
    screenshot(page, "imports-upload-desktop")

    # A broken file: a date that does not exist and a UPN with the wrong check letter.
    page.get_by_label("What the file holds").select_option("pupils")
    page.get_by_label("CSV file").set_input_files(_file("pupils.csv", BROKEN))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check before importing: pupils")).to_be_visible()
    expect(page.get_by_test_id("import-problems")).to_contain_text("2 problems found on 2 of 2 rows")
    errors = page.get_by_test_id("errors-table")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("date_of_birth")
    expect(errors.locator("tbody tr").nth(0)).to_contain_text("February 2013 has 28 days")
    expect(errors.locator("tbody tr").nth(1)).to_contain_text("upn")
    expect(page.get_by_role("button", name="Confirm import")).to_have_count(0)
    _no_sideways_scroll(page)
    screenshot(page, "imports-preview-errors-desktop")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download errors as CSV").click()
    download = download_info.value
    assert download.suggested_filename == "pupils-errors.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert rows[0] == ["line", "column", "message"]
    assert [row[:2] for row in rows[1:]] == [["2", "date_of_birth"], ["3", "upn"]]
    assert Pupil.objects.filter(upn__in=[PRIYA, TOBI]).count() == 0

    # The corrected file, from the same page; the kind is already chosen.
    expect(page.get_by_label("What the file holds")).to_have_value("pupils")
    page.get_by_label("CSV file").set_input_files(_file("pupils-fixed.csv", FIXED.format(amy=personas.pupil.upn)))
    page.get_by_role("button", name="Check the corrected file").click()
    expect(page.get_by_test_id("import-ready")).to_contain_text("No problems found in 3 rows")
    counts = page.get_by_test_id("import-counts")
    expect(counts.locator("dl", has_text="Will be created").locator("dd")).to_have_text("2")
    expect(counts.locator("dl", has_text="Will be updated").locator("dd")).to_have_text("1")
    table = page.get_by_test_id("preview-table")
    expect(table.locator("tbody tr").nth(0)).to_contain_text("28/02/2013")
    expect(table.locator("tbody tr").nth(2)).to_contain_text("Update")
    screenshot(page, "imports-preview-ready-desktop")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 3 pupils: 2 created, 1 updated, 0 unchanged"
    )
    expect(page.get_by_role("heading", name="Import and export", level=1)).to_be_visible()
    screenshot(page, "imports-done-desktop")
    assert sorted(Pupil.objects.filter(school=personas.school).values_list("upn", "date_of_birth", "year_group")) == sorted(
        [
            (PRIYA, dt.date(2013, 2, 28), 7),
            (TOBI, dt.date(2012, 9, 1), 8),
            (personas.pupil.upn, dt.date(2012, 3, 14), 10),
            (personas.other_pupil.upn, personas.other_pupil.date_of_birth, personas.other_pupil.year_group),
        ]
    )


def test_the_senco_on_a_tablet_reads_a_kinds_columns_and_imports_register_entries(tablet_page, live_server, personas):
    page = tablet_page
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/imports/")

    # Choosing a kind swaps in its columns without reloading the page.
    page.evaluate("window.__stillHere = true")
    page.get_by_label("What the file holds").select_option("register")
    columns = page.get_by_test_id("import-columns")
    expect(columns).to_contain_text("Columns of a SEN register file")
    expect(columns.get_by_test_id("columns-table")).to_contain_text("N, K or E")
    assert page.evaluate("window.__stillHere") is True
    _no_sideways_scroll(page)
    screenshot(page, "imports-upload-tablet")

    # Z is no provision code: the row is refused before its needs are even checked.
    broken = f"UPN,Provision,Primary Need,Secondary Need,Start Date\n{personas.pupil.upn},Z,SPLD,SPLD,04/09/2024\n"
    page.get_by_label("CSV file").set_input_files(_file("register.csv", broken))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("import-problems")).to_be_visible()
    expect(page.get_by_test_id("errors-table")).to_contain_text("is not a provision code")
    _no_sideways_scroll(page)
    screenshot(page, "imports-preview-errors-tablet")

    text = f"UPN,Provision,Primary Need,Start Date\n{personas.pupil.upn},K,SPLD,04/09/2024\n"
    page.get_by_label("CSV file").set_input_files(_file("register.csv", text))
    page.get_by_role("button", name="Check the corrected file").click()
    expect(page.get_by_test_id("import-ready")).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "imports-preview-tablet")
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        "Imported 1 register entry: 1 created, 0 updated, 0 unchanged"
    )
    screenshot(page, "imports-done-tablet")
    assert list(RegisterEntry.objects.values_list("pupil__upn", "provision", "start_date")) == [
        (personas.pupil.upn, "K", dt.date(2024, 9, 4))
    ]


def test_a_file_that_is_not_csv_is_refused_on_the_upload_page(page, live_server, personas):
    login(page, live_server, "dan")
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("CSV file").set_input_files(
        {"name": "pupils.xlsx", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04" + b"\x00" * 64}
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    expect(page.get_by_test_id("upload-form")).to_contain_text("pupils.xlsx cannot be imported: this is not a CSV file")
    screenshot(page, "imports-not-csv-desktop")


@pytest.mark.parametrize("username", ["bob", "tia", "gwen"])
def test_teachers_tas_and_governors_are_refused_the_import_page(page, live_server, personas, browser_problems, username):
    browser_problems.allow("HTTP 403")
    browser_problems.allow("status of 403 (Forbidden)")  # Chromium logs the refusal in the console too
    browser_problems.allow("/favicon.ico")  # the plain 403 page links no icon, so Chromium asks for one
    login(page, live_server, username)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Import")).to_have_count(0)
    response = page.goto(f"{live_server.url}/imports/")
    assert response.status == 403


def _many_pupils(count: int) -> str:
    from pupils.upn import make_upn

    lines = ["upn,surname,forename,date_of_birth,gender,year_group"]
    for n in range(count):
        upn = make_upn(201 + n // 10_000, 4001, 10 + (n // 1000) % 10, n % 1000)
        lines.append(f"{upn},Surname{n},Fore{n},2012-0{1 + n % 9}-1{n % 10},{'MF'[n % 2]},9")
    return "\n".join(lines) + "\n"


def test_a_large_file_is_checked_and_imported_off_the_request_with_a_progress_bar(
    page, live_server, personas, settings
):
    """The embedded mode as shipped: the check and the import run in a thread of the server, the
    upload and the confirm answer at once, and the page shows the job's progress until it ends.

    On a database that lets pages read while the import writes: PostgreSQL, or a SQLite file in
    WAL mode (the shipped embedded mode). The test run's in-memory SQLite locks whole tables for
    the writer's transaction, so there it is skipped: run it with DATABASE_URL=postgres://...
    """
    from django.db import connection

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite test database locks tables while the import writes: use PostgreSQL")
    settings.BACKGROUND_THREADS = True  # the embedded mode's threads (tasks are eager in e2e: tests/e2e/conftest.py)
    count = 6000
    login(page, live_server, "dan")
    page.goto(f"{live_server.url}/imports/")
    page.get_by_label("What the file holds").select_option("pupils")
    page.get_by_label("CSV file").set_input_files(_file("pupils-large.csv", _many_pupils(count)))
    page.get_by_role("button", name="Preview").click()

    # The upload answered at once with the job's page; htmx asks for its progress every second.
    expect(page.get_by_role("heading", name="Checking: pupils")).to_be_visible()
    progress = page.get_by_test_id("job-progress")
    expect(progress).to_be_visible()
    expect(page.get_by_test_id("job-phase")).to_contain_text(f"of {count:,} rows", timeout=60_000)
    screenshot(page, "imports-job-checking-desktop")

    expect(page.get_by_test_id("import-ready")).to_contain_text(f"No problems found in {count} rows", timeout=180_000)
    counts = page.get_by_test_id("import-counts")
    expect(counts.locator("dl", has_text="Will be created").locator("dd")).to_have_text(str(count))
    assert Pupil.objects.filter(school=personas.school).count() == 2  # the check saved nothing

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("heading", name="Importing: pupils")).to_be_visible()
    expect(page.get_by_test_id("job-progress")).to_be_visible()
    screenshot(page, "imports-job-importing-desktop")
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_text(
        f"Imported {count} pupils: {count} created, 0 updated, 0 unchanged", timeout=180_000
    )
    screenshot(page, "imports-job-done-desktop")
    assert Pupil.objects.filter(school=personas.school).count() == count + 2
    history = Pupil.history.filter(school=personas.school, surname="Surname0")
    assert [h.history_user for h in history] == [personas.data_manager]  # named though no request made it


def test_the_senco_sees_who_a_class_list_gives_access_before_confirming_it(page, live_server, personas):
    """An Excel class list attaching a new teacher: the preview says whom it lets see which pupils."""
    import openpyxl
    from django.contrib.auth import get_user_model

    from pupils.models import Membership, TeachingGroup

    jo = get_user_model().objects.create(username="jo", first_name="Jo", last_name="Morgan", email="jo@oak.example")
    Membership.objects.create(user=jo, school=personas.school, role="teacher")
    book = openpyxl.Workbook()
    book.active.append(["Class", "Subject", "UPN", "Teacher", "Room"])
    for pupil in (personas.pupil, personas.other_pupil):
        book.active.append(["8X1", "Science", pupil.upn, "Ms J Morgan", "S4"])
    out = io.BytesIO()
    book.save(out)

    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/imports/?kind=groups")
    page.get_by_label("What the file holds").select_option("groups")
    page.get_by_label("CSV file").set_input_files(
        {"name": "classes.xlsx", "buffer": out.getvalue(),
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    )  # fmt: skip
    page.get_by_role("button", name="Preview").click()

    access = page.get_by_test_id("import-access")
    expect(access.get_by_role("heading", name="Access to pupils this file gives")).to_be_visible()
    expect(access).to_contain_text("Gives Jo Morgan access to 2 more pupils (lines 2-3)")
    expect(page.get_by_test_id("import-warnings")).to_contain_text("Ignored column not used by a groups import: Room")
    assert TeachingGroup.objects.filter(name="8X1").count() == 0  # the preview saved nothing
    _no_sideways_scroll(page)
    screenshot(page, "imports-preview-access-desktop")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_text("Imported 2 class list rows: 2 created, 0 updated, 0 unchanged")).to_be_visible()
    expect(page.get_by_text("Gives Jo Morgan access to 2 more pupils (lines 2-3)")).to_be_visible()
    group = TeachingGroup.objects.get(name="8X1")
    assert list(group.staff.values_list("username", flat=True)) == ["jo"]
    assert group.pupils.count() == 2


def test_a_new_teacher_from_a_staff_file_sets_a_password_from_the_link_and_signs_in(page, live_server, personas, browser):
    login(page, live_server, "alice")
    page.goto(f"{live_server.url}/imports/?kind=staff")
    page.get_by_label("What the file holds").select_option("staff")
    page.get_by_label("CSV file").set_input_files(
        _file("staff.csv", "Email,First Name,Surname,Role\nkim.ng@oak.example,Kim,Ng,Teacher\n")
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("import-ready")).to_contain_text("No problems found in 1 row")
    page.get_by_role("button", name="Confirm import").click()

    links = page.get_by_test_id("account-links")
    expect(links).to_contain_text("Kim Ng")
    expect(links).to_contain_text("Yes, to kim.ng@oak.example")
    _no_sideways_scroll(page)
    screenshot(page, "imports-staff-links-desktop")
    url = links.locator("code", has_text="/staff/welcome/").inner_text()

    context = browser.new_context()
    newcomer = context.new_page()
    newcomer.goto(url)
    expect(newcomer.get_by_test_id("set-password-username")).to_have_text("kim.ng@oak.example")
    newcomer.locator("#id_password1").fill("kims own long passphrase")
    newcomer.locator("#id_password2").fill("kims own long passphrase")
    newcomer.get_by_role("button", name="Set my password").click()
    expect(newcomer.get_by_text("Your password is set.")).to_be_visible()  # and signed in, on their home page
    expect(newcomer.get_by_text("Kim Ng")).to_be_visible()
    context.close()
