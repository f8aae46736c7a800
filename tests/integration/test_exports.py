"""Exports of the register, assessments and interventions: who may download them, what is in them,
formula injection neutralised in CSV and XLSX, a clean round trip for assessments, constant queries."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment
from interventions.models import Attendance, InterventionSession
from imports.engine import run_import
from tests import factories as f
from tests.queries import session_queries
from tests.data.imports.school import database_state

pytestmark = pytest.mark.django_db

EXPORTS = [(kind, fmt) for kind in ("register", "assessments", "interventions") for fmt in ("csv", "xlsx")]
FORMULA = '=HYPERLINK("http://x","y")'


def url(kind: str, fmt: str) -> str:
    return reverse("imports:export", args=[kind, fmt])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[list[str]]:
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")  # Excel then reads it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(response) -> tuple[list[tuple], object]:
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = book.active
    return list(sheet.iter_rows(values_only=True)), sheet


# --- Who may export -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["teacher", "ta", "governor"])
def test_teachers_tas_and_governors_cannot_export_named_data(client, personas, who):
    client.force_login(getattr(personas, who))
    for kind, fmt in EXPORTS:
        assert client.get(url(kind, fmt)).status_code == 403, (kind, fmt)


def test_anonymous_visitors_are_sent_to_sign_in_from_the_exports(client, personas):
    for kind, fmt in EXPORTS:
        response = client.get(url(kind, fmt))
        assert response.status_code == 302 and response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("who", ["senco", "data_manager"])
def test_the_senco_and_the_data_manager_download_every_export(client, personas, who):
    client.force_login(getattr(personas, who))
    today = timezone.localdate()
    for kind, fmt in EXPORTS:
        response = client.get(url(kind, fmt))
        if who == "data_manager":  # docs/roles.md: imports named data, never sees it
            assert response.status_code == 403, (kind, fmt)
            continue
        assert response.status_code == 200, (kind, fmt)
        assert response["Content-Disposition"] == f'attachment; filename="{kind}-oak-{today:%Y-%m-%d}.{fmt}"'
        assert response["Cache-Control"] == "private, no-store"
        body(response)


def test_an_unknown_export_is_not_found(client, personas):
    client.force_login(personas.senco)
    assert client.get(url("pupils", "csv")).status_code == 404
    assert client.get(url("register", "pdf")).status_code == 404


# --- The register ---------------------------------------------------------------------------------


@pytest.fixture
def register(personas):
    """Open entries for Amy (K) and Ben (E), and for a pupil whose surname is a formula; left out:
    Amy's ended entry, an N entry, an archived pupil's entry and another school's entry."""
    today = timezone.localdate()
    amy, ben = personas.pupil, personas.other_pupil
    f.RegisterEntryFactory(pupil=amy, provision="K", primary_need="SPLD", start_date=dt.date(2023, 9, 4),
                           review_date=dt.date(2025, 1, 10))
    f.RegisterEntryFactory(pupil=amy, provision="K", primary_need="MLD", start_date=dt.date(2021, 9, 1),
                           end_date=dt.date(2023, 9, 3))
    f.RegisterEntryFactory(pupil=ben, provision="E", primary_need="ASD", secondary_need="SLCN",
                           start_date=dt.date(2022, 9, 5), end_date=today + dt.timedelta(days=30))
    evil = f.PupilFactory(school=personas.school, surname=FORMULA, forename="@Sum", year_group=-1)
    f.RegisterEntryFactory(pupil=evil, provision="K", primary_need="", start_date=dt.date(2024, 9, 2))
    cara = f.PupilFactory(school=personas.school, surname="Cole", forename="Cara")
    f.RegisterEntryFactory(pupil=cara, provision="N", primary_need="", start_date=dt.date(2024, 9, 2))
    gone = f.PupilFactory(school=personas.school, surname="Gone", forename="Gus", archived_at=timezone.now())
    f.RegisterEntryFactory(pupil=gone, provision="K", start_date=dt.date(2024, 9, 2))
    elsewhere = f.PupilFactory(school=f.SchoolFactory(code="ash"), surname="Elsewhere", forename="Eli")
    f.RegisterEntryFactory(pupil=elsewhere, provision="E", start_date=dt.date(2024, 9, 2))
    personas.evil = evil
    return personas


def test_the_register_csv_has_each_open_entry_with_the_pupils_names_year_provision_needs_and_dates(client, register):
    client.force_login(register.senco)
    rows = csv_rows(client.get(url("register", "csv")))
    amy, ben, evil = register.pupil, register.other_pupil, register.evil
    end = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert rows[0] == ["upn", "surname", "forename", "year_group", "provision", "primary_need", "secondary_need",
                       "start_date", "end_date", "review_date"]  # fmt: skip
    assert sorted(rows[1:]) == sorted(
        [
            [amy.upn, "Smith", "Amy", "9", "K", "SPLD", "", "2023-09-04", "", "2025-01-10"],
            [ben.upn, "Jones", "Ben", "9", "E", "ASD", "SLCN", "2022-09-05", end, ""],
            # The formula surname and "@Sum" come out as text; year -1 (nursery) stays a number.
            [evil.upn, "'" + FORMULA, "'@Sum", "-1", "K", "", "", "2024-09-02", "", ""],
        ]
    )


def test_the_register_xlsx_has_the_same_rows_with_text_neutralised_and_dates_as_dates(client, register):
    client.force_login(register.senco)
    response = client.get(url("register", "xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows, sheet = xlsx_rows(response)
    assert sheet.title == "SEN register"
    assert rows[0][:3] == ("upn", "surname", "forename")
    by_upn = {row[0]: row for row in rows[1:]}
    assert set(by_upn) == {register.pupil.upn, register.other_pupil.upn, register.evil.upn}
    evil = by_upn[register.evil.upn]
    assert evil[1:4] == ("'" + FORMULA, "'@Sum", -1)
    assert by_upn[register.pupil.upn][7] == dt.datetime(2023, 9, 4)  # openpyxl reads dates back as datetimes
    # No cell anywhere is a formula.
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


def test_another_schools_senco_exports_only_their_own_school(client, register):
    client.force_login(register.outsider)
    for kind in ("register", "assessments", "interventions"):
        rows = csv_rows(client.get(url(kind, "csv")))
        assert len(rows) == 1, kind  # the header only: elm has no data


# --- Assessments ----------------------------------------------------------------------------------


@pytest.fixture
def assessed(personas):
    english = f.SubjectFactory(code="english", name="English")
    maths = f.SubjectFactory(code="maths", name="Maths")
    exploration = f.SubjectFactory(code="exploration", name="Exploration", core=False)
    amy, ben = personas.pupil, personas.other_pupil
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="autumn", result="4b",
                        assessed_on=dt.date(2024, 12, 6))
    f.AssessmentFactory(pupil=amy, subject=english, academic_year=2024, term="autumn", kind="test", result="4a",
                        assessed_on=dt.date(2024, 12, 6))
    f.AssessmentFactory(pupil=amy, subject=maths, academic_year=2024, term="spring", result="3c")
    f.AssessmentFactory(pupil=ben, subject=english, academic_year=2023, term="summer", result="P1ii")
    f.AssessmentFactory(pupil=ben, subject=maths, academic_year=2024, term="autumn", result="PK3", framework="pks")
    f.AssessmentFactory(pupil=ben, subject=exploration, academic_year=2024, term="spring", result="developing",
                        framework="engagement", kind="moderated")
    return personas


def test_the_assessments_csv_has_the_import_columns_with_years_as_2024_25(client, assessed):
    client.force_login(assessed.senco)
    rows = csv_rows(client.get(url("assessments", "csv")))
    amy, ben = assessed.pupil.upn, assessed.other_pupil.upn
    assert rows[0] == ["upn", "subject", "academic_year", "term", "kind", "result", "assessed_on", "framework"]
    assert sorted(rows[1:]) == sorted(
        [
            [amy, "English", "2024/25", "Autumn", "teacher", "4b", "2024-12-06", "nc"],
            [amy, "English", "2024/25", "Autumn", "test", "4a", "2024-12-06", "nc"],
            [amy, "Maths", "2024/25", "Spring", "teacher", "3c", "", "nc"],
            [ben, "English", "2023/24", "Summer", "teacher", "P1ii", "", "nc"],
            [ben, "Maths", "2024/25", "Autumn", "teacher", "PK3", "", "pks"],
            [ben, "Exploration", "2024/25", "Spring", "moderated", "developing", "", "engagement"],
        ]
    )


def test_exporting_assessments_and_importing_the_file_again_changes_nothing(client, assessed):
    client.force_login(assessed.senco)
    exported = body(client.get(url("assessments", "csv")))
    before = database_state()
    recorded = sorted(Assessment.objects.values_list("pk", "updated_at", "recorded_by"))

    result = run_import(kind="assessments", data=exported, school=assessed.school, user=assessed.data_manager)

    assert result.ok, [str(e) for e in result.errors]
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 0, 0, 6)
    assert result.warnings == []  # every column is one the import reads
    assert database_state() == before
    assert sorted(Assessment.objects.values_list("pk", "updated_at", "recorded_by")) == recorded


def test_the_assessments_xlsx_has_the_same_rows(client, assessed):
    client.force_login(assessed.senco)
    rows, sheet = xlsx_rows(client.get(url("assessments", "xlsx")))
    assert rows[0] == ("upn", "subject", "academic_year", "term", "kind", "result", "assessed_on", "framework")
    assert len(rows) == 7
    assert (assessed.pupil.upn, "English", "2024/25", "Autumn", "test", "4a", dt.datetime(2024, 12, 6), "nc") in rows


# --- Interventions --------------------------------------------------------------------------------


@pytest.fixture
def enrolled(personas):
    """Toe by Toe run by Tia and Bob: Amy attended 2 delivered sessions (a third she attended was not
    delivered, a fourth she missed); Ben has 40 sessions from an import and none logged.
    Lego, with no staff: Amy, nothing logged or imported."""
    for user, first, last in ((personas.ta, "Tia", "Thomas"), (personas.teacher, "Bob", "Baker")):
        user.first_name, user.last_name = first, last
        user.save()
    toe = f.ProgrammeFactory(school=personas.school, name="Toe by Toe")
    lego = f.ProgrammeFactory(school=personas.school, name="Lego Therapy")
    group = f.InterventionFactory(programme=toe, name="Toe by Toe Mon/Thu", start_date=dt.date(2024, 9, 2))
    group.staff.add(personas.ta, personas.teacher)
    lego_group = f.InterventionFactory(programme=lego, name="Lego club", start_date=dt.date(2024, 9, 2))
    amy = f.EnrolmentFactory(intervention=group, pupil=personas.pupil, start_date=dt.date(2024, 9, 9))
    f.EnrolmentFactory(intervention=group, pupil=personas.other_pupil, start_date=dt.date(2024, 9, 9),
                       end_date=dt.date(2025, 3, 28), sessions_attended=40)
    f.EnrolmentFactory(intervention=lego_group, pupil=personas.pupil, start_date=dt.date(2024, 10, 1))
    for day, delivered, attended in ((9, True, True), (12, True, True), (16, False, True), (19, True, False)):
        session = InterventionSession.objects.create(intervention=group, date=dt.date(2024, 9, day), delivered=delivered)
        Attendance.objects.create(session=session, enrolment=amy, attended=attended)
    return personas


def test_the_interventions_csv_has_programme_group_staff_pupil_dates_and_sessions_attended(client, enrolled):
    client.force_login(enrolled.senco)
    rows = csv_rows(client.get(url("interventions", "csv")))
    amy, ben = enrolled.pupil.upn, enrolled.other_pupil.upn
    assert rows == [
        ["programme", "group", "staff", "upn", "surname", "forename", "start_date", "end_date", "sessions_attended"],
        ["Lego Therapy", "Lego club", "", amy, "Smith", "Amy", "2024-10-01", "", "0"],
        # Amy: sessions on the 9th and 12th were delivered and attended (2); the 16th was not delivered.
        ["Toe by Toe", "Toe by Toe Mon/Thu", "Bob Baker; Tia Thomas", ben, "Jones", "Ben", "2024-09-09", "2025-03-28", "40"],
        ["Toe by Toe", "Toe by Toe Mon/Thu", "Bob Baker; Tia Thomas", amy, "Smith", "Amy", "2024-09-09", "", "2"],
    ]


def test_the_interventions_xlsx_keeps_numbers_as_numbers(client, enrolled):
    client.force_login(enrolled.senco)
    rows, _ = xlsx_rows(client.get(url("interventions", "xlsx")))
    assert rows[2][-3:] == (dt.datetime(2024, 9, 9), dt.datetime(2025, 3, 28), 40)


# --- Queries --------------------------------------------------------------------------------------


def _add_pupils(personas, count: int) -> None:
    """``count`` more pupils, each on the register with two assessments and an enrolment with an
    attended session (the school's one group, run by Tia and Bob)."""
    english = f.SubjectFactory(code="english", name="English")
    group = personas.school.programmes.get().interventions.get()
    session = group.sessions.get()
    first = personas.school.pupils.count()
    for i in range(first, first + count):
        pupil = f.PupilFactory(school=personas.school, surname=f"Pupil{i:03d}")
        f.RegisterEntryFactory(pupil=pupil, start_date=dt.date(2024, 9, 2))
        f.AssessmentFactory(pupil=pupil, subject=english, term="autumn")
        f.AssessmentFactory(pupil=pupil, subject=english, term="spring")
        enrolment = f.EnrolmentFactory(intervention=group, pupil=pupil, start_date=dt.date(2024, 9, 9))
        Attendance.objects.create(session=session, enrolment=enrolment)


def _queries(client, kind: str, fmt: str) -> tuple[int, int]:
    """(queries, rows with the header) of one export, the streamed body read inside the count."""
    with CaptureQueriesContext(connection) as queries:
        data = body(client.get(url(kind, fmt)))
    if fmt == "csv":
        rows = len(list(csv.reader(io.StringIO(data.decode("utf-8-sig")))))
    else:
        rows = len(list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows()))
    return len(queries), rows


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_an_export_takes_the_same_number_of_queries_for_3_pupils_as_for_30(client, personas, kind, fmt):
    client.force_login(personas.senco)
    group = f.InterventionFactory(programme=f.ProgrammeFactory(school=personas.school), start_date=dt.date(2024, 9, 2))
    group.staff.add(personas.ta, personas.teacher)
    InterventionSession.objects.create(intervention=group, date=dt.date(2024, 9, 10))
    # Amy and Ben (personas) are on no register, have no assessments and no enrolments.
    _add_pupils(personas, 3)
    _queries(client, kind, fmt)  # per-process caches (content types, templates) are not the export's
    few, few_rows = _queries(client, kind, fmt)
    _add_pupils(personas, 27)
    _queries(client, kind, fmt)
    many, many_rows = _queries(client, kind, fmt)

    per_pupil = {"register": 1, "assessments": 2, "interventions": 1}[kind]
    assert (few_rows, many_rows) == (1 + 3 * per_pupil, 1 + 30 * per_pupil)  # a header, then the rows
    # The session, the person and their membership, then the rows in one query (interventions: and
    # one for staff), +1: the access log's insert.
    session = session_queries()
    assert few == many == {"register": 4, "assessments": 4, "interventions": 5}[kind] + session


def test_every_export_is_written_in_the_access_log(client, personas):
    from pupils.models import AccessEvent

    client.force_login(personas.senco)
    body(client.get(url("register", "csv")))
    event = AccessEvent.objects.get()
    assert (event.user, event.school, event.pupil, event.action, event.what) == (
        personas.senco, personas.school, None, "exported", "register export (csv)"
    )
