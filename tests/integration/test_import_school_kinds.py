"""Imports a school finishes alone: staff, class lists, programmes, enrolments naming what the school
lacks, Excel files, MIS headers, the access each file gives and problems told once (docs/imports.md)."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from django.contrib.auth import get_user_model

from interventions.models import Enrolment, Intervention, Programme
from pupils.models import Membership, Pupil, RegisterEntry, Subject, TeachingGroup
from imports.engine import run_import
from tests.data.imports.school import UPNS, database_state, import_ok, oak_school


@pytest.fixture(autouse=True)
def _jobs_run_here(run_tasks_here):
    """Browser imports run as jobs: sent at once and run here, with a broker too (tests/conftest.py)."""


pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def jobs_sent_at_once(monkeypatch):
    """A test's transaction never commits: browser import jobs are sent as soon as they are saved,
    and run where they are sent (tests/conftest.py), as they would once the request commits."""
    from imports import jobs

    monkeypatch.setattr(jobs.transaction, "on_commit", lambda fn, *a, **k: fn())


@pytest.fixture
def oak():
    ns = oak_school()
    import_ok("pupils", "pupils_messy.csv", ns.school)  # Amy, Ben, Chloé, Dev, Eve
    return ns


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- Staff -----------------------------------------------------------------------------------------

STAFF = (
    "Email,First Name,Surname,Role\n"
    "Jo.Morgan@oak.example,Jo,Morgan,Teacher\n"
    "sam.lee@oak.example,Sam,Lee,SENCo\n"
    "bob@example.org,Bob,Baker,teacher; teaching assistant\n"
)


def test_a_staff_file_makes_accounts_with_set_password_links_and_adds_roles(oak):
    result = run_import(kind="staff", data=STAFF, school=oak.school)

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)  # Jo, Sam new; Bob gains TA
    jo = User.objects.get(email="jo.morgan@oak.example")
    assert (jo.username, jo.first_name, jo.last_name, jo.has_usable_password()) == (
        "jo.morgan@oak.example", "Jo", "Morgan", False
    )
    assert set(Membership.objects.filter(user=oak.bob).values_list("role", flat=True)) == {"teacher", "ta"}
    # The SENCo sees every pupil: 5 on roll. A teacher in no group sees none, so Jo is not listed.
    assert result.access == ["Gives Sam Lee access to 5 more pupils (line 3)"]
    assert [a["name"] for a in result.accounts] == ["Jo Morgan", "Sam Lee"]
    assert result.accounts[0]["path"].startswith("/staff/welcome/")  # the staff pages' own link

    again = run_import(kind="staff", data=STAFF, school=oak.school)
    assert (again.created, again.updated, again.unchanged, again.access, again.accounts) == (0, 0, 3, [], [])


def test_the_set_password_link_lets_the_new_person_choose_a_password_once(client, oak):
    result = run_import(kind="staff", data=STAFF, school=oak.school)
    path = result.accounts[0]["path"]

    page = client.get(path)
    assert "jo.morgan@oak.example" in page.content.decode()
    done = client.post(path, {"password1": "a long enough secret 42", "password2": "a long enough secret 42"})
    assert done.status_code == 302 and done.url == "/"  # signed in, on their home page
    assert User.objects.get(username="jo.morgan@oak.example").check_password("a long enough secret 42")
    client.logout()
    assert "no longer works" in client.get(path).content.decode()


def test_a_trust_leader_made_by_a_staff_file_chooses_a_password_from_the_same_link(client, oak):
    from pupils.models import School, Trust

    School.objects.filter(pk=oak.school.pk).update(trust=Trust.objects.create(name="Oak Trust"))
    oak.school.refresh_from_db()
    result = run_import(kind="staff", data="email,first_name,surname,role\ntl@trust.example,Tia,Lead,trust\n", school=oak.school)
    assert result.ok, [str(e) for e in result.errors]
    path = result.accounts[0]["path"]
    assert path.startswith("/staff/welcome/")
    done = client.post(path, {"password1": "a long enough secret 42", "password2": "a long enough secret 42"})
    assert done.status_code == 302 and User.objects.get(email="tl@trust.example").check_password("a long enough secret 42")


def test_only_the_senco_can_give_the_senco_role_in_a_staff_file(oak):
    # A data manager's file may add teachers, not a SENCo (who would see every pupil).
    manager = User.objects.create(username="dee", email="dee@oak.example")
    Membership.objects.create(user=manager, school=oak.school, role="data_manager")
    before = database_state()

    result = run_import(kind="staff", data=STAFF, school=oak.school, user=manager)

    assert [str(e) for e in result.errors] == ["line 3: role: only the SENCo can give the SENCo's or a trust leader's role"]
    assert database_state() == before


def test_a_staff_file_with_bad_cells_names_them_and_saves_nothing(oak):
    before = database_state()
    result = run_import(kind="staff", data="email,first_name,surname,role\nnot-an-email,A,B,teacher\nc@d.org,C,D,janitor\n",
                        school=oak.school)  # fmt: skip

    assert [str(e) for e in result.errors] == [
        "line 2: email: 'not-an-email' is not an email address",
        "line 3: role: 'janitor' is not a role; use senco, teacher, ta, governor, data or trust (also SENCo, "
        "Teaching Assistant, Data Manager); ';' between several",
    ]
    assert database_state() == before


# --- Class lists -----------------------------------------------------------------------------------


def test_a_class_list_makes_groups_attaches_teachers_and_lists_the_access_it_gives(oak):
    run_import(kind="staff", data=STAFF, school=oak.school)
    amy, ben, chloe, dev = UPNS["amy"], UPNS["ben"], UPNS["chloe"], UPNS["dev"]
    text = (
        "Class,Subject,UPN,Teacher\n"
        f"7E1,English,{amy},Mrs J Morgan\n"
        f"7E1,English,{ben},Mrs J Morgan\n"
        f"7E1,English,{chloe},Mrs J Morgan\n"
        f"7Gg1,Geography,{amy},bob@example.org; Mr X Unknown\n"
        f"Reg 7A,,{dev},\n"
    )

    preview = run_import(kind="groups", data=text, school=oak.school, dry_run=True)
    assert preview.ok and TeachingGroup.objects.count() == 0  # the dry run saved nothing
    assert preview.access == [
        "Gives Jo Morgan access to 3 more pupils (lines 2-4)",
        "Gives Bob Baker access to 1 more pupil (line 5)",
    ]

    result = run_import(kind="groups", data=text, school=oak.school)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert result.access == preview.access
    english = TeachingGroup.objects.get(name="7E1")
    assert english.subject.name == "English" and english.year_group == 7
    assert sorted(english.pupils.values_list("upn", flat=True)) == sorted([amy, ben, chloe])
    assert [u.username for u in english.staff.all()] == ["jo.morgan@oak.example"]
    assert Subject.objects.filter(name="Geography").exists()
    assert TeachingGroup.objects.get(name="Reg 7A").subject is None
    assert result.warnings == [
        "'Mr X Unknown' matches no member of staff at Oak Academy: the group is imported without them; "
        "import the staff file first to attach them (line 5)"
    ]
    assert "New teaching group '7E1' (lines 2-4)" in result.notes
    assert "New subject 'Geography' (line 5)" in result.notes

    again = run_import(kind="groups", data=text, school=oak.school)
    assert (again.created, again.updated, again.unchanged, again.access) == (0, 0, 5, [])


def test_two_group_names_the_same_once_cut_to_length_are_refused_on_the_second_line(oak):
    # Both names are cut to the field's 60 characters; the second would take the first's name.
    long = "Year 7 English set 1 taught in the library on Monday mornings"
    text = f"Class,Subject,UPN\n{long} A,English,{UPNS['amy']}\n{long} B,English,{UPNS['ben']}\n"
    result = run_import(kind="groups", data=text, school=oak.school)

    assert not result.ok and TeachingGroup.objects.count() == 0
    assert [str(e) for e in result.errors] == ["line 3: group: Teaching group with this School and Name already exists."]


def test_a_class_list_without_upns_finds_pupils_by_name_and_date_of_birth(oak):
    text = (
        "Registration Group,Legal Surname,Preferred Forename,DOB,Tutor\n"
        "7A,Smith,Amy,2013-03-14 00:00:00,Bob Baker\n"
        "7A,O'Neill,Ben,05/01/2013,Bob Baker\n"
        "7A,Nobody,Ned,01/01/2013,Bob Baker\n"
    )
    result = run_import(kind="groups", data=text, school=oak.school)

    assert [str(e) for e in result.errors] == [
        "line 4: no pupil at Oak Academy is Ned Nobody, born 01/01/2013: give the UPN"
    ]
    fixed = run_import(kind="groups", data=text.rsplit("7A,Nobody", 1)[0], school=oak.school)
    assert fixed.ok and fixed.created == 2
    assert "Column 'Preferred Forename' was read as forename" in fixed.warnings
    assert fixed.access == ["Gives Bob Baker access to 2 more pupils (lines 2-3)"]


# --- Programmes ------------------------------------------------------------------------------------


def test_a_programmes_file_adds_and_updates_the_library(oak):
    text = (
        "Programme,Area of need,Cost,Measure\n"
        "Toe by Toe,C&L,£15.00,Reading age\n"
        "Precision Teaching,Cognition and learning,6.5,\n"
        "lego therapy,Communication and interaction,,\n"
    )
    result = run_import(kind="programmes", data=text, school=oak.school)

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert sorted(Programme.objects.values_list("name", "area_of_need", "cost_per_session", "default_measure")) == [
        ("Lego Therapy", "communication", Decimal("8.00"), "reading"),  # blank cells keep what is stored
        ("Precision Teaching", "cognition", Decimal("6.50"), "none"),
        ("Toe by Toe", "cognition", Decimal("15.00"), "reading"),
    ]
    bad = run_import(kind="programmes", data="name,area_of_need,cost_per_session\nX,hobbies,-1\n", school=oak.school)
    assert [str(e) for e in bad.errors] == [
        "line 2: area_of_need: 'hobbies' is not an area of need; use communication, cognition, semh or sensory "
        "(or their names: 'Cognition and learning', 'C&L', 'SEMH', ...)",
        "line 2: cost_per_session: '-1' is out of range for a cost per session (0 to 999999.99)",
    ]


# --- Enrolments ------------------------------------------------------------------------------------


def enrolments_export() -> str:
    """As a real MIS export writes it: a programme the school has not set up, a TA with no account,
    dates with Excel's midnight time."""
    rows = ["UPN,Intervention,Start Date,End Date,Staff,Sessions"]
    for who in ("amy", "ben", "chloe"):
        rows.append(f"{UPNS[who]},Precision teaching,2024-09-09 00:00:00,2025-03-28 00:00:00,Mrs T. Assistant,20")
    for who in ("dev", "eve"):
        rows.append(f"{UPNS[who]},Lego therapy,2024-10-01 00:00:00,,Mr B Baker,")
    return "\n".join(rows) + "\n"


def test_an_enrolments_export_creates_its_programmes_and_keeps_unknown_staff_as_text(oak):
    preview = run_import(kind="enrolments", data=enrolments_export(), school=oak.school, dry_run=True)

    assert preview.ok, [str(e) for e in preview.errors]
    assert preview.notes[0] == (
        "New programme 'Precision teaching' (lines 2-4): no area of need or cost yet, and judged by reading and "
        "spelling ages until a measure is set; the SENCo completes it on the programme's page"
    )
    assert preview.warnings == [
        "'Mrs T. Assistant' matches no member of staff at Oak Academy: kept as text on the intervention group; "
        "it gives nobody access (lines 2-4)"
    ]
    # Bob (a teacher in no group) would see Dev and Eve through the Lego Therapy group he runs.
    assert preview.access == ["Gives Bob Baker access to 2 more pupils (lines 5-6)"]
    assert not Programme.objects.filter(name="Precision teaching").exists()

    result = run_import(kind="enrolments", data=enrolments_export(), school=oak.school)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    precision = Programme.objects.get(name="Precision teaching")
    assert (precision.area_of_need, precision.cost_per_session, precision.default_measure) == ("", Decimal("0"), "none")
    group = Intervention.objects.get(programme=precision)
    assert (group.name, group.staff_names, group.staff.count()) == (
        "Precision teaching, Mrs T. Assistant (imported 2024/25)", "Mrs T. Assistant", 0
    )
    assert Enrolment.objects.get(pupil__upn=UPNS["amy"]).end_date == dt.date(2025, 3, 28)
    lego = Intervention.objects.get(programme=oak.lego)
    assert [u.username for u in lego.staff.all()] == ["bob"]

    again = run_import(kind="enrolments", data=enrolments_export(), school=oak.school)
    assert (again.created, again.updated, again.unchanged, again.notes, again.access) == (0, 0, 5, [], [])


def test_the_same_problem_on_many_rows_is_told_once_with_its_lines(oak):
    rows = "".join(f"{UPNS['nobody']},Toe by Toe,2024-09-{day:02d},,,\n" for day in range(1, 31))
    rows += "".join(f"{UPNS['amy']},Toe by Toe,2024-10-{day:02d},,,x\n" for day in (1, 2))
    result = run_import(kind="enrolments", data="upn,programme,start_date,end_date,staff,sessions_attended\n" + rows,
                        school=oak.school)  # fmt: skip

    assert len(result.errors) == 32
    assert [str(g) for g in result.error_groups()] == [
        "lines 2-31: upn: no pupil with UPN H873300120006 at Oak Academy: import the pupils file first",
        "lines 32-33: sessions_attended: 'x' is not a number of sessions; write a whole number",
    ]


# --- Excel and MIS headers -------------------------------------------------------------------------


def test_an_excel_pupils_export_with_mis_headers_and_date_cells_is_imported(oak):
    from pupils.upn import make_upn

    raj_upn, lily_upn = make_upn(873, 3001, 20, 7), make_upn(873, 3001, 20, 8)
    data = xlsx([
        ["UPN", "Legal Surname", "Preferred Forename", "Legal Forename", "DOB", "Gender", "NC Year Actual", "Reg",
         "FSM Eligible", "Pupil Premium Eligibility", "In LA Care", "Ethnicity"],
        [raj_upn, "Patel", "Raj", "Rajesh", dt.datetime(2013, 10, 1), "M - Male", "Year 7", "7A", "Y", "N", "N", "AIND"],
        [],
        [lily_upn, "Green", "", "Lily", dt.date(2012, 12, 24), "F", 8, "8B", "N", "Y", "Y", "WBRI"],
    ])  # fmt: skip
    result = run_import(kind="pupils", data=data, school=oak.school)

    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 2
    raj = Pupil.objects.get(upn=raj_upn)
    assert (raj.forename, raj.date_of_birth, raj.gender, raj.year_group, raj.pupil_premium, raj.looked_after) == (
        "Rajesh", dt.date(2013, 10, 1), "M", 7, False, False
    )
    lily = Pupil.objects.get(upn=lily_upn)
    assert (lily.year_group, lily.pupil_premium, lily.looked_after) == (8, True, True)
    # Line numbers are the sheet's rows: the blank row 3 is skipped, Lily is row 4.
    assert result.outcomes == {2: "created", 4: "created"}
    assert result.warnings == [
        "Column 'Preferred Forename' was not used: 'Legal Forename' gives forename",
        "Column 'FSM Eligible' was not used: 'Pupil Premium Eligibility' gives pupil_premium",
        "Ignored column not used by a pupils import: Ethnicity",
    ]
    assert result.notes == [
        "New registration group '7A' (line 2)", "New registration group '8B' (line 4)",
        "2 pupils put in their registration group (lines 2, 4)",
    ]
    assert list(TeachingGroup.objects.get(name="8B").pupils.values_list("upn", flat=True)) == [lily_upn]
    again = run_import(kind="pupils", data=data, school=oak.school)
    assert (again.unchanged, again.notes) == (2, [])


def test_an_excel_register_export_reads_described_codes(oak):
    data = xlsx([
        ["UPN", "SEN Provision", "SEN Need Type Rank 1", "SEN Need Type Rank 2", "SEN Start Date"],
        [UPNS["amy"], "K - SEN Support", "SPLD - Specific Learning Difficulty", "SLCN - Speech, Language and Communication Needs",
         dt.datetime(2023, 9, 1)],
        [UPNS["ben"], "E - Education, Health and Care Plan", "ASD", None, "2024-01-08 00:00:00"],
    ])  # fmt: skip
    result = run_import(kind="register", data=data, school=oak.school)

    assert result.ok, [str(e) for e in result.errors]
    assert sorted(RegisterEntry.objects.values_list("pupil__upn", "provision", "primary_need", "secondary_need", "start_date")) == [
        (UPNS["ben"], "E", "ASD", "", dt.date(2024, 1, 8)),
        (UPNS["amy"], "K", "SPLD", "SLCN", dt.date(2023, 9, 1)),
    ]


def test_an_excel_enrolments_file_imports_as_its_csv_does(oak):
    rows = [line.split(",") for line in enrolments_export().strip().split("\n")]
    result = run_import(kind="enrolments", data=xlsx(rows), school=oak.school)

    assert result.ok and result.created == 5


def test_a_damaged_workbook_is_refused_clearly(oak):
    data = xlsx([["upn"]])[:200]
    result = run_import(kind="pupils", data=data, school=oak.school)
    assert len(result.errors) == 1 and result.errors[0].line is None


# --- In the browser and on the command line ---------------------------------------------------------


@pytest.fixture
def sally(oak):
    from tests import factories as f

    senco = f.UserFactory(username="sally")
    f.MembershipFactory(user=senco, school=oak.school, role="senco")
    return senco


def browser_upload(client, kind: str, data: bytes | str, name: str) -> str:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    data = data.encode() if isinstance(data, str) else data
    response = client.post(reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:1000]
    return response.url


def test_the_preview_lists_the_access_a_file_gives_and_each_problem_once(client, oak, sally):
    client.force_login(sally)

    response = client.get(browser_upload(client, "enrolments", enrolments_export(), "enrolments.csv"))
    page = response.content.decode()
    table = response.context["table"]
    staff = table.columns.index("staff")
    # Staff as the school knows them; a name that matches nobody as written.
    assert [row.cells[staff] for row in table.rows] == ["Mrs T. Assistant"] * 3 + ["Bob Baker"] * 2
    assert "Access to pupils this file gives" in page
    assert "Gives Bob Baker access to 2 more pupils (lines 5-6)" in page
    assert "New programme &#x27;Precision teaching&#x27; (lines 2-4)" in page

    rows = "".join(f"{UPNS['nobody']},Toe by Toe,2024-09-{day:02d}\n" for day in range(1, 31))
    broken = client.get(browser_upload(client, "enrolments", "upn,programme,start_date\n" + rows, "e.csv"))
    text = broken.content.decode()
    assert "30 problems found on 30 of 30 rows: 1 different one, each listed once with its lines" in text
    assert text.count("no pupil with UPN H873300120006 at Oak Academy") == 1
    assert "<td>2-31</td>" in text


def test_confirming_a_staff_file_shows_and_emails_the_set_password_links(client, oak, sally, mailoutbox):
    from django.urls import reverse

    client.force_login(sally)
    preview = browser_upload(client, "staff", xlsx([line.split(",") for line in STAFF.strip().split("\n")]), "staff.xlsx")
    token = preview.rstrip("/").rsplit("/", 1)[1]
    assert "Gives Sam Lee access to 5 more pupils (line 3)" in client.get(preview).content.decode()

    done = client.post(reverse("imports:confirm", args=[token]))
    if done.status_code == 302:  # the import job ran; its page (the upload's) says what it did
        done = client.get(done.url)

    page = done.content.decode()
    assert done.status_code == 200 and "Imported 3 members of staff: 2 created, 1 updated, 0 unchanged" in page
    assert page.count("http://testserver/staff/welcome/") == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["jo.morgan@oak.example", "sam.lee@oak.example"]
    assert "http://testserver/staff/welcome/" in mailoutbox[0].body
    assert done["Cache-Control"] == "private, no-store"


def test_a_fresh_install_imports_staff_pupils_then_enrolments_from_the_command_line(tmp_path, mailoutbox):
    from io import StringIO

    from django.core.management import call_command

    from pupils.models import School
    from tests.data.imports.school import DATA

    def run(kind, path):
        out, err = StringIO(), StringIO()
        call_command("import_data", kind, str(path), "--user", "admin", stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    assert not School.objects.exists()
    User.objects.create_superuser("admin", "admin@example.org", "an admin's long password")  # who the history names
    staff = tmp_path / "staff.csv"
    staff.write_text("email,first_name,surname,role\nbob@example.org,Bob,Baker,teacher\n")
    out, _ = run("staff", staff)
    assert "Set-password link for Bob Baker (bob@example.org) (e-mailed): http://127.0.0.1:8000/staff/welcome/" in out
    assert out.endswith("Imported 1 member of staff: 1 created, 0 updated, 0 unchanged\n")
    run("pupils", DATA / "pupils_messy.csv")
    enrolments = tmp_path / "enrolments.csv"
    enrolments.write_text(enrolments_export())

    out, err = run("enrolments", enrolments)

    assert "New programme 'Precision teaching' (lines 2-4)" in out
    assert "Gives Bob Baker access to 2 more pupils (lines 5-6)" in out
    assert out.endswith("Imported 5 enrolments: 5 created, 0 updated, 0 unchanged\n")
    assert "warning: 'Mrs T. Assistant' matches no member of staff at" in err
    assert Programme.objects.count() == 2  # Precision teaching and Lego therapy, both made by the file


def test_the_command_prints_the_same_problem_once_with_its_lines(oak, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "e.csv"
    path.write_text("upn,programme,start_date\n" + "".join(f"{UPNS['nobody']},Toe by Toe,{dt.date(2024, 9, 1) + dt.timedelta(days=d)}\n" for d in range(50)))
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 50 problems in 50 enrolments"):
        call_command("import_data", "enrolments", str(path), "--dry-run", stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        "lines 2-51: upn: no pupil with UPN H873300120006 at Oak Academy: import the pupils file first\n"
    )


def test_staff_are_matched_as_class_lists_write_them_and_only_when_one_person_fits(oak):
    from django.core.exceptions import ValidationError

    from imports.kinds import StaffMatcher

    ann = User.objects.create(username="ann", first_name="Anna", last_name="Baker", email="ann@example.org")
    Membership.objects.create(user=ann, school=oak.school, role="teacher")
    match = StaffMatcher(oak.school)

    assert match.resolve("Tia Thomas") == oak.tia  # First Last
    assert match.resolve("Mrs T. Thomas") == oak.tia  # title, initial, surname
    assert match.resolve("Thomas, Tia") == oak.tia  # Surname, First
    assert match.resolve("Ms A Baker") == ann  # Bob Baker does not start with A
    assert match.resolve("Mrs T. Assistant") is None  # nobody: the caller keeps the text
    with pytest.raises(ValidationError, match=r"'Baker' matches several members of staff \(ann, bob\)"):
        match.resolve("Baker")


@pytest.mark.parametrize(
    ("text", "roles"),
    [("SENCo", ("senco",)), ("Teacher; TA", ("teacher", "ta")), ("Teaching Assistant/HLTA", ("ta",)),
     ("Data Manager", ("data_manager",)), ("governor and trust leader", ("governor", "trust"))],
)  # fmt: skip
def test_roles_are_read_as_staff_lists_write_them(text, roles):
    from imports.kinds import parse_roles

    assert parse_roles(text) == roles


def test_a_programme_made_by_an_enrolments_file_is_judged_by_reading_and_spelling_ages(oak):
    """DOMAIN 9.7 (docs/figures.md): a group with no set measure is judged by every age-equivalent
    measure with a pre and a post test around the enrolment (9 Sep 2024 to 28 Mar 2025)."""
    import csv as csv_module
    from io import StringIO

    from django.core.management import call_command

    assert run_import(kind="enrolments", data=enrolments_export(), school=oak.school).ok
    tests = (
        "upn,measure,test_name,tested_on,age_equivalent\n"
        f"{UPNS['amy']},reading,Salford,2024-09-05,7:06\n"  # 90 months
        f"{UPNS['amy']},reading,Salford,2025-03-25,8:04\n"  # 100 months
        f"{UPNS['amy']},spelling,SWST,2024-09-05,7:00\n"  # 84 months
        f"{UPNS['amy']},spelling,SWST,2025-03-25,7:06\n"  # 90 months
    )
    assert run_import(kind="reading", data=tests, school=oak.school).ok
    out = StringIO()
    call_command("run_report", "intervention-impact", "--school", "oak", "--academic-year", "2024/25", "--term", "Summer",
                 stdout=out)  # fmt: skip

    rows = [r for r in csv_module.DictReader(StringIO(out.getvalue())) if r["programme"] == "Precision teaching"]
    # 5 Sep 2024 to 25 Mar 2025 is 201 days = 201 / 30.4375 = 6.6037 months.
    # Reading: 10 / 6.6037 = 1.514 -> 1.51, useful; spelling: 6 / 6.6037 = 0.909 -> 0.91, modest.
    assert [(r["upn"], r["measure"], r["elapsed_months"], r["ratio_gain"], r["band"]) for r in rows] == [
        (UPNS["amy"], "reading", "6.60", "1.51", "useful"),
        (UPNS["amy"], "spelling", "6.60", "0.91", "modest"),
    ]


def test_links_are_not_said_to_be_emailed_when_the_server_cannot_send_mail(settings):
    from imports.accounts import send_set_password_links

    account = {"name": "Jo Morgan", "email": "jo@oak.example", "username": "jo", "path": "/staff/welcome/x/y/"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    assert send_set_password_links([account], "https://sencotrack.example", "Oak Academy") == set()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_set_password_links([account], "https://sencotrack.example", "Oak Academy") == {"jo@oak.example"}
