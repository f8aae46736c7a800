"""Importing in the browser: upload, preview (a dry run), confirm (all or nothing), errors as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports import pending
from pupils.models import Pupil, RegisterEntry
from imports.engine import KINDS, RowError, column_help, run_import, template_csv

pytestmark = pytest.mark.django_db

PRIYA, TOBI, MEI = "M873300120001", "B873300120002", "H873300120006"  # make_upn(873, 3001, 20, n) for n = 1, 2, 6
#: Amy Smith (personas) is 9, born 14/03/2012, female: her row below moves her to year 10, an update.
GOOD_PUPILS = """upn,surname,forename,date_of_birth,gender,year_group,pupil_premium,ethnicity
{priya},Patel,Priya,14/03/2013,F,7,Y,WBRI
{tobi},Okafor,Tobi,2012-09-01,M,8,N,BAFR
{amy},Smith,Amy,2012-03-14,F,10,,WBRI
"""
BROKEN_PUPILS = """upn,surname,forename,date_of_birth,gender,year_group
M873300120001,Patel,Priya,31/02/2013,F,7
B873300120001,Okafor,Tobi,2012-09-01,M,8
H873300120006,Li,Mei,2012-09-01,Q,7
"""


@pytest.fixture(autouse=True)
def jobs_sent_at_once(run_tasks_here):
    """A test's transaction never commits: import jobs are sent as soon as they are saved, and run
    where they are sent, as they would once the request commits (tests/conftest.py)."""


def confirm(client, token: str, **kwargs):
    """Confirm an upload: the import job runs, and its page (the upload's) says what it did."""
    response = client.post(reverse("imports:confirm", args=[token]))
    if response.status_code == 302 and response.url == reverse("imports:preview", args=[token]):
        return client.get(response.url, **kwargs)
    return response


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media" / "imports"


def good_pupils(personas) -> str:
    return GOOD_PUPILS.format(priya=PRIYA, tobi=TOBI, amy=personas.pupil.upn)


def csv_file(text: str | bytes, name: str = "pupils.csv") -> SimpleUploadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def upload(client, kind: str, text: str | bytes, name: str = "pupils.csv"):
    return client.post(reverse("imports:upload"), {"kind": kind, "file": csv_file(text, name)})


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    prefix = "/imports/uploads/"
    assert response.url.startswith(prefix), response.url
    return response.url[len(prefix) :].strip("/")


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def pupils_of(school) -> list[tuple]:
    return sorted(
        Pupil.objects.filter(school=school).values_list(
            "upn", "surname", "forename", "date_of_birth", "gender", "year_group", "pupil_premium"
        )
    )


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


# --- Who may import -------------------------------------------------------------------------------

TOKEN = "A" * 32


def _pages():
    """(method, url) of every import page."""
    return [
        ("get", reverse("imports:upload")),
        ("post", reverse("imports:upload")),
        ("get", reverse("imports:template", args=["pupils"])),
        ("get", reverse("imports:preview", args=[TOKEN])),
        ("post", reverse("imports:confirm", args=[TOKEN])),
        ("post", reverse("imports:cancel", args=[TOKEN])),
        ("get", reverse("imports:errors_csv", args=[TOKEN])),
    ]


@pytest.mark.parametrize("who", ["teacher", "ta", "governor"])
def test_teachers_tas_and_governors_are_refused_every_import_page(client, personas, who):
    client.force_login(getattr(personas, who))
    for method, url in _pages():
        response = getattr(client, method)(url)
        assert response.status_code == 403, (method, url)


def test_a_person_with_no_role_at_a_school_is_refused(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("imports:upload")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_from_every_import_page(client, personas):
    for method, url in _pages():
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response.url.startswith(reverse("login") + "?next="), response.url


@pytest.mark.parametrize("who", ["senco", "data_manager"])
def test_the_senco_and_the_data_manager_see_the_upload_page(client, personas, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Upload a file" in page
    assert 'accept=".csv,.txt,.xlsx,text/csv,text/plain,' in page
    senco = who == "senco"
    for kind in KINDS:
        assert reverse("imports:template", args=[kind]) in page  # both import every kind
    for kind in ("register", "assessments", "interventions"):
        for fmt in ("csv", "xlsx"):
            assert (reverse("imports:export", args=[kind, fmt]) in page) is senco


def test_the_upload_page_shows_the_chosen_kinds_columns_and_accepted_forms(client, personas):
    client.force_login(personas.data_manager)
    page = client.get(reverse("imports:upload"), {"kind": "register"}).content.decode()
    for column in column_help("register"):
        assert f"<code>{column['name']}</code>" in page
    provision = next(c for c in column_help("register") if c["name"] == "provision")
    assert provision["help"].replace("'", "&#x27;") in page
    assert '<option value="register" selected>' in page


def test_choosing_a_kind_with_htmx_swaps_in_just_its_columns(client, personas):
    client.force_login(personas.senco)
    response = client.get(reverse("imports:upload"), {"kind": "reading"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="import-columns"')
    assert "<code>age_equivalent</code>" in page and "<html" not in page
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_blank_template_of_each_kind_is_its_header_row(client, personas, kind):
    client.force_login(personas.data_manager)
    response = client.get(reverse("imports:template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="{kind}-template.csv"'
    assert response.content.decode() == template_csv(kind)


def test_an_unknown_template_is_not_found(client, personas):
    client.force_login(personas.senco)
    assert client.get(reverse("imports:template", args=["dinosaurs"])).status_code == 404


# --- Good data: upload, preview, confirm ----------------------------------------------------------


def test_a_good_file_is_previewed_without_saving_then_imported_exactly_on_confirm(client, personas, media):
    client.force_login(personas.data_manager)
    before = pupils_of(personas.school)

    token = token_of(upload(client, "pupils", good_pupils(personas)))
    assert files_in(media) == [token]

    preview = client.get(reverse("imports:preview", args=[token]))
    assert preview.status_code == 200
    assert preview["Cache-Control"] == "private, no-store"
    result = preview.context["result"]
    # Priya and Tobi are new; Amy moves from year 9 to 10.
    assert (result.rows, result.created, result.updated, result.unchanged, result.errors) == (3, 2, 1, 0, [])
    assert result.warnings == ["Ignored column not used by a pupils import: ethnicity"]
    table = preview.context["table"]
    assert table.columns == ["upn", "surname", "forename", "date_of_birth", "gender", "year_group", "pupil_premium"]
    assert [(row.line, row.outcome, row.cells) for row in table.rows] == [
        (2, "created", [PRIYA, "Patel", "Priya", "14/03/2013", "F", "7", "Yes"]),
        (3, "created", [TOBI, "Okafor", "Tobi", "01/09/2012", "M", "8", "No"]),
        (4, "updated", [personas.pupil.upn, "Smith", "Amy", "14/03/2012", "F", "10", ""]),
    ]
    page = preview.content.decode()
    assert "Confirm import" in page and "Download errors as CSV" not in page
    assert pupils_of(personas.school) == before  # the preview saved nothing

    response = confirm(client, token)
    assert response.status_code == 302 and response.url == reverse("imports:upload") + "?kind=pupils"
    assert message_texts(response) == ["Imported 3 pupils: 2 created, 1 updated, 0 unchanged"]
    amy, ben = personas.pupil, personas.other_pupil
    assert pupils_of(personas.school) == sorted(
        [
            (PRIYA, "Patel", "Priya", dt.date(2013, 3, 14), "F", 7, True),
            (TOBI, "Okafor", "Tobi", dt.date(2012, 9, 1), "M", 8, False),
            (amy.upn, "Smith", "Amy", dt.date(2012, 3, 14), "F", 10, False),
            (ben.upn, ben.surname, ben.forename, ben.date_of_birth, ben.gender, ben.year_group, ben.pupil_premium),
        ]
    )
    assert files_in(media) == []  # the upload is deleted once imported
    assert token not in client.session.get(pending.SESSION_KEY, {})

    page = client.get(response.url).content.decode()
    assert "Imported 3 pupils: 2 created, 1 updated, 0 unchanged" in page


def test_the_senco_imports_register_entries_for_their_own_school(client, personas):
    client.force_login(personas.senco)
    text = f"upn,provision,primary_need,start_date\n{personas.pupil.upn},K,SPLD,2024-09-04\n"
    token = token_of(upload(client, "register", text, "register.csv"))
    response = confirm(client, token)
    assert message_texts(response) == ["Imported 1 register entry: 1 created, 0 updated, 0 unchanged"]
    assert list(RegisterEntry.objects.values_list("pupil__upn", "provision", "primary_need", "start_date")) == [
        (personas.pupil.upn, "K", "SPLD", dt.date(2024, 9, 4))
    ]


def test_confirming_twice_imports_once(client, personas):
    client.force_login(personas.data_manager)
    token = token_of(upload(client, "pupils", good_pupils(personas)))
    first = confirm(client, token, follow=True)
    assert "Imported 3 pupils" in first.content.decode()  # shown, so the message is used up
    count = Pupil.objects.count()

    again = confirm(client, token)
    assert again.status_code == 302 and again.url == reverse("imports:upload")
    assert message_texts(again) == [pending_gone()]
    assert Pupil.objects.count() == count


def pending_gone() -> str:
    from imports.views import GONE

    return GONE


def test_confirm_saves_nothing_when_the_data_changed_since_the_preview(client, personas, media):
    """A register row for Ben previews cleanly; Ben is then deleted, so the confirm finds no pupil
    for line 3 and saves neither line (Amy's line 2 included): all or nothing."""
    client.force_login(personas.senco)
    text = (
        "upn,provision,start_date\n"
        f"{personas.pupil.upn},K,2024-09-04\n"
        f"{personas.other_pupil.upn},E,2024-09-04\n"
    )
    token = token_of(upload(client, "register", text, "register.csv"))
    assert client.get(reverse("imports:preview", args=[token])).context["result"].ok
    personas.other_pupil.delete()

    response = confirm(client, token)
    assert response.status_code == 200
    errors = response.context["result"].errors
    assert [(e.line, e.column) for e in errors] == [(3, "upn")]
    assert RegisterEntry.objects.count() == 0
    assert "Confirm import" not in response.content.decode()
    assert files_in(media) == [token]  # kept, so its errors can be downloaded
    assert client.get(reverse("imports:errors_csv", args=[token])).status_code == 200


def test_cancelling_an_upload_deletes_it(client, personas, media):
    client.force_login(personas.data_manager)
    token = token_of(upload(client, "pupils", good_pupils(personas)))
    response = client.post(reverse("imports:cancel", args=[token]))
    assert response.url == reverse("imports:upload")
    assert message_texts(response) == ["The upload was cancelled and deleted. Nothing was imported."]
    assert files_in(media) == []
    assert client.get(reverse("imports:preview", args=[token])).status_code == 302


# --- Broken data ----------------------------------------------------------------------------------


def test_a_broken_file_shows_every_problem_offers_no_confirm_and_saves_nothing(client, personas):
    client.force_login(personas.data_manager)
    before = pupils_of(personas.school)
    token = token_of(upload(client, "pupils", BROKEN_PUPILS))

    response = client.get(reverse("imports:preview", args=[token]))
    result = response.context["result"]
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "date_of_birth"),  # 31/02/2013 is no date
        (3, "upn"),  # B is the wrong check letter for 873300120001 (it is M)
        (4, "gender"),  # Q
    ]
    page = response.content.decode()
    assert "3 problems found on 3 of 3 rows" in page
    assert "Confirm import" not in page and reverse("imports:confirm", args=[token]) not in page
    assert reverse("imports:errors_csv", args=[token]) in page
    assert "Upload a corrected file" in page
    for error in result.errors:
        assert error.message.replace("'", "&#x27;") in page
    assert [row.outcome for row in response.context["table"].rows] == ["error", "error", "error"]

    # Posting the confirm anyway (a crafted request) imports nothing either.
    forced = confirm(client, token)
    assert forced.status_code == 200 and not forced.context["result"].ok
    assert pupils_of(personas.school) == before


def test_the_errors_csv_lists_every_problem_with_its_line_and_column(client, personas):
    client.force_login(personas.data_manager)
    token = token_of(upload(client, "pupils", BROKEN_PUPILS))

    response = client.get(reverse("imports:errors_csv", args=[token]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pupils-errors.csv"'
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = run_import(kind="pupils", data=BROKEN_PUPILS, school=personas.school, dry_run=True).errors
    assert rows == [["line", "column", "message"]] + [[str(e.line), e.column, e.message] for e in expected]
    assert [row[:2] for row in rows[1:]] == [["2", "date_of_birth"], ["3", "upn"], ["4", "gender"]]
    assert rows[1][2] == "'31/02/2013' is not a real date: February 2013 has 28 days"


def test_the_errors_csv_neutralises_messages_that_a_spreadsheet_would_run(client, personas, monkeypatch):
    import imports.jobs as jobs

    real = jobs.run_import

    def with_formula(**kwargs):
        result = real(**kwargs)
        result.errors.append(RowError(9, "=cmd", '=HYPERLINK("http://x","y")'))
        return result

    monkeypatch.setattr(jobs, "run_import", with_formula)
    client.force_login(personas.data_manager)
    token = token_of(upload(client, "pupils", BROKEN_PUPILS))
    rows = list(csv.reader(io.StringIO(client.get(reverse("imports:errors_csv", args=[token])).content.decode("utf-8-sig"))))
    assert rows[-1] == ["9", "'=cmd", '\'=HYPERLINK("http://x","y")']


def test_a_file_missing_a_required_column_is_one_clear_problem(client, personas):
    client.force_login(personas.senco)
    token = token_of(upload(client, "pupils", "upn,surname\nM873300120001,Patel\n"))
    response = client.get(reverse("imports:preview", args=[token]))
    errors = response.context["result"].errors
    assert len(errors) == 1 and errors[0].line == 1
    assert errors[0].message.startswith("missing required columns: forename, date_of_birth, gender, year_group")
    assert "whole file" not in response.content.decode()  # it names line 1


def test_a_corrected_file_can_be_uploaded_from_the_preview_of_a_broken_one(client, personas):
    client.force_login(personas.data_manager)
    broken = token_of(upload(client, "pupils", BROKEN_PUPILS))
    page = client.get(reverse("imports:preview", args=[broken])).content.decode()
    assert f'action="{reverse("imports:upload")}"' in page and 'enctype="multipart/form-data"' in page

    fixed = token_of(upload(client, "pupils", good_pupils(personas)))
    assert fixed != broken
    response = confirm(client, fixed)
    assert message_texts(response) == ["Imported 3 pupils: 2 created, 1 updated, 0 unchanged"]


# --- Uploads that cannot be used ------------------------------------------------------------------


def test_an_unknown_upload_token_says_the_upload_is_gone(client, personas):
    client.force_login(personas.data_manager)
    for method, url in [
        ("get", reverse("imports:preview", args=[TOKEN])),
        ("post", reverse("imports:confirm", args=[TOKEN])),
        ("get", reverse("imports:errors_csv", args=[TOKEN])),
    ]:
        response = getattr(client, method)(url, follow=True)
        assert response.redirect_chain == [(reverse("imports:upload"), 302)], url
        assert pending_gone() in response.content.decode()


def test_an_upload_older_than_an_hour_is_refused_and_deleted(client, personas, media):
    client.force_login(personas.data_manager)
    token = token_of(upload(client, "pupils", good_pupils(personas)))
    session = client.session
    session[pending.SESSION_KEY][token]["created"] = time.time() - pending.MAX_AGE - 1
    session.save()

    response = confirm(client, token)
    assert response.url == reverse("imports:upload")
    assert message_texts(response) == [pending_gone()]
    assert Pupil.objects.filter(upn=PRIYA).count() == 0
    assert files_in(media) == []


def test_an_upload_is_found_only_by_the_session_that_made_it(client, personas):
    from django.test import Client

    client.force_login(personas.data_manager)
    token = token_of(upload(client, "pupils", good_pupils(personas)))
    colleague = Client()
    colleague.force_login(personas.senco)  # same school, another session
    response = confirm(colleague, token)
    assert response.status_code == 302 and response.url == reverse("imports:upload")
    assert Pupil.objects.filter(upn=PRIYA).count() == 0


def test_a_new_upload_sweeps_away_files_left_for_over_an_hour(client, personas, media):
    client.force_login(personas.data_manager)
    media.mkdir(parents=True)
    stale = media / ("Z" * 32)
    stale.write_bytes(b"upn\n")
    old = time.time() - pending.MAX_AGE - 10
    os.utime(stale, (old, old))

    token = token_of(upload(client, "pupils", good_pupils(personas)))
    assert files_in(media) == [token]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, personas, settings, media):
    settings.IMPORT_MAX_BYTES = 2048
    client.force_login(personas.data_manager)
    text = good_pupils(personas) + "\n" * 3000  # over 2 KB

    response = upload(client, "pupils", text)
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        f"pupils.csv is {round(len(text.encode()) / 1024)} KB, over the import limit of 2 KB: split it into smaller files."
    ]
    assert "Nothing has been uploaded" in response.content.decode()
    assert files_in(media) == []


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("pupils.zip", b"PK\x03\x04" + b"\x00" * 200, "this is not a CSV file but a zip file that holds no Excel workbook"),
        ("pupils.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 200, "this is not a CSV file but an Excel .xls workbook"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "the file holds binary data"),
    ],
)
def test_a_file_that_is_not_text_is_refused_with_a_clear_message(client, personas, media, name, data, reason):
    client.force_login(personas.senco)
    response = upload(client, "pupils", data, name)
    assert response.status_code == 200
    [message] = response.context["form"].errors["file"]
    assert message.startswith(f"{name} cannot be imported: {reason}")
    assert files_in(media) == []


def test_an_empty_file_or_no_file_or_no_kind_is_a_clear_form_error(client, personas):
    client.force_login(personas.data_manager)
    empty = upload(client, "pupils", b"")
    assert empty.context["form"].errors["file"] == ["The file is empty: choose the exported file."]
    none = client.post(reverse("imports:upload"), {"kind": "pupils"})
    assert none.context["form"].errors["file"] == ["Choose a CSV or Excel file to upload."]
    bad_kind = client.post(reverse("imports:upload"), {"kind": "dinosaurs", "file": csv_file("upn\n")})
    assert bad_kind.context["form"].errors["kind"] == ["Choose one of the kinds listed."]


def test_a_token_cannot_name_a_path_outside_the_upload_folder(client, personas):
    client.force_login(personas.data_manager)
    session = client.session
    session[pending.SESSION_KEY] = {
        "..": {"token": "..", "kind": "pupils", "school_id": personas.school.pk, "filename": "x", "size": 1,
               "created": time.time()}
    }  # fmt: skip
    session.save()
    assert client.get("/imports/uploads/../").status_code in (302, 404)
    assert pending.get(client.session, "..", school_id=personas.school.pk) is None


# --- Every kind -----------------------------------------------------------------------------------


def test_every_kind_of_messy_mis_export_imports_through_the_browser_and_again_changes_nothing(client, db):
    """The sample exports of tests/data/imports, in the order a school loads them, each previewed and
    confirmed by the SENCo (enrolments are the SENCo's to import); then the same files again, every
    row unchanged."""
    from imports.engine import NOUNS
    from tests import factories as f
    from tests.data.imports.school import database_state, oak_school, read

    oak = oak_school()
    senco = f.UserFactory(username="sally")
    f.MembershipFactory(user=senco, school=oak.school, role="senco")
    client.force_login(senco)

    for kind in KINDS:
        token = token_of(upload(client, kind, read(f"{kind}_messy.csv"), f"{kind}_messy.csv"))
        result = client.get(reverse("imports:preview", args=[token])).context["result"]
        assert result.ok and result.rows > 0, (kind, [str(e) for e in result.errors])
        assert (result.created, result.updated, result.unchanged) == (result.rows, 0, 0), kind
        response = confirm(client, token)
        noun = NOUNS[kind][0 if result.rows == 1 else 1]
        summary = f"Imported {result.rows} {noun}: {result.rows} created, 0 updated, 0 unchanged"
        if kind == "staff":  # new accounts: their set-password links are shown, not a redirect
            assert response.status_code == 200 and summary in response.content.decode()
            assert response.content.decode().count("/staff/welcome/") == result.rows
            continue
        assert message_texts(response)[0] == summary
        client.get(response.url)  # show the messages, so the next look starts afresh

    before = database_state()
    for kind in KINDS:
        token = token_of(upload(client, kind, read(f"{kind}_messy.csv"), f"{kind}_messy.csv"))
        result = client.get(reverse("imports:preview", args=[token])).context["result"]
        assert (result.created, result.updated, result.unchanged) == (0, 0, result.rows), kind
        confirm(client, token, follow=True)
    assert database_state() == before


def test_an_enrolments_preview_names_programmes_and_staff_as_the_school_knows_them(client, db):
    from tests import factories as f
    from tests.data.imports.school import oak_school, read

    oak = oak_school()
    senco = f.UserFactory(username="sally")
    f.MembershipFactory(user=senco, school=oak.school, role="senco")
    client.force_login(senco)
    confirm(client, token_of(upload(client, "pupils", read("pupils_messy.csv"))))

    token = token_of(upload(client, "enrolments", read("enrolments_messy.csv"), "enrolments.csv"))
    response = client.get(reverse("imports:preview", args=[token]))
    table = response.context["table"]
    # Written "toe by toe" and "tia", "Toe By Toe" and "Tia Thomas", "Lego Therapy" and "bob@example.org",
    # "LEGO THERAPY" with no staff.
    assert [(row.cells[1], row.cells[4]) for row in table.rows] == [
        ("Toe by Toe", "Tia Thomas"), ("Toe by Toe", "Tia Thomas"), ("Lego Therapy", "Bob Baker"), ("Lego Therapy", ""),
    ]  # fmt: skip
    note = "New intervention group &#x27;Lego Therapy, Bob Baker (imported 2024/25)&#x27; for Lego Therapy"
    assert note in response.content.decode()

    confirmed = confirm(client, token, follow=True)
    page = confirmed.content.decode()
    assert "Imported 4 enrolments: 4 created, 0 updated, 0 unchanged" in page and note in page


# --- The data manager's scope (docs/roles.md: imports the register, assessments and interventions) ---


def test_the_data_manager_imports_enrolments_and_the_preview_lists_the_access_they_give(client, db):
    from interventions.models import Enrolment
    from tests import factories as f
    from tests.data.imports.school import oak_school, read

    oak = oak_school()
    dee = f.UserFactory(username="dee")
    f.MembershipFactory(user=dee, school=oak.school, role="data_manager")
    client.force_login(dee)
    assert [k["kind"] for k in client.get(reverse("imports:upload")).context["kinds"]] == list(KINDS)
    confirm(client, token_of(upload(client, "pupils", read("pupils_messy.csv"))))

    token = token_of(upload(client, "enrolments", read("enrolments_messy.csv"), "enrolments.csv"))
    preview = client.get(reverse("imports:preview", args=[token]))
    # Tia (a TA whose Toe by Toe group has no pupils yet) gains Amy and Ben (lines 2 and 3); Bob (a
    # teacher in no teaching group) leads the Lego Therapy group line 4 makes, which line 5's pupil
    # (no staff named) joins too. Two pupils each; equal counts go by name.
    assert preview.context["result"].access == [
        "Gives Bob Baker access to 2 more pupils (line 4)", "Gives Tia Thomas access to 2 more pupils (lines 2-3)",
    ]
    assert "Access to pupils this file gives" in preview.content.decode()
    assert Enrolment.objects.count() == 0  # a preview saves nothing

    done = confirm(client, token, follow=True)
    assert "Imported 4 enrolments: 4 created, 0 updated, 0 unchanged" in done.content.decode()
    assert Enrolment.objects.count() == 4


def test_the_data_manager_cannot_export_named_records_but_the_senco_can(client, personas):
    client.force_login(personas.data_manager)
    assert client.get(reverse("imports:export", args=["interventions", "csv"])).status_code == 403
    assert client.get(reverse("imports:export", args=["register", "csv"])).status_code == 403
    client.force_login(personas.senco)
    assert client.get(reverse("imports:export", args=["interventions", "csv"])).status_code == 200
