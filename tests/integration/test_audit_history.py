"""The audit history (django-simple-history): every change to a pupil and their records, with who
made it, kept by single saves and by the bulk paths alike; and the SENCo's audit page of a pupil."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, Target
from assessments.services import assessments_record_many
from assessments.services_measures import targets_set_many
from interventions.models import Attendance, Enrolment, InterventionSession
from pupils.models import Pupil, RegisterEntry
from pupils.selectors_audit import pupil_audit, tracked_models
from pupils.services import pupils_upsert_many
from pupils.writes import bulk_write, delete_with_history
from pupils.upn import make_upn
from imports.engine import run_import
from sencotrack import versions
from tests import factories as f

pytestmark = pytest.mark.django_db


def audit_url(pupil) -> str:
    return reverse("pupils:audit", args=[pupil.public_id])


# --- What the history keeps ----------------------------------------------------------------------


def test_a_change_made_in_the_browser_names_the_person_who_made_it(client, personas):
    client.force_login(personas.senco)
    url = reverse("pupils:profile_edit", args=[personas.pupil.public_id])
    fields = {"needs_summary": "Dyslexia", "strengths": "", "what_helps": "", "aspirations": "", "pupil_voice": ""}
    assert client.post(url, fields).status_code == 302
    assert client.post(url, fields | {"needs_summary": "Dyslexia; slow processing"}).status_code == 302

    history = list(personas.pupil.profile.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert {h.history_user for h in history} == {personas.senco}
    change = history[1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in change.changes] == [
        ("needs_summary", "Dyslexia", "Dyslexia; slow processing")
    ]


def test_bulk_writes_keep_history_and_name_the_person_given(personas):
    # Two rows make pupils_upsert_many take its bulk path (a single row is saved one by one).
    rows = [
        dict(upn=make_upn(801, 2000, 15, 500 + n), surname="Bulk", forename=f"Pupil{n}", date_of_birth="2012-01-01",
             gender="F", year_group=9)
        for n in range(2)
    ]  # fmt: skip
    pupils_upsert_many(school=personas.school, rows=rows)
    created = Pupil.objects.filter(surname="Bulk")
    assert Pupil.history.filter(id__in=created.values("pk"), history_type="+").count() == 2

    pupils = list(created)
    for pupil in pupils:
        pupil.year_group = 10
    bulk_write(Pupil, new=[], changed=pupils, fields=["year_group"], user=personas.senco)
    updates = Pupil.history.filter(id__in=[p.pk for p in pupils], history_type="~")
    assert updates.count() == 2 and {h.history_user for h in updates} == {personas.senco}
    assert {h.year_group for h in updates} == {10}


def test_an_assessment_import_names_the_importer_in_the_history(personas):
    f.SubjectFactory(code="english", name="English")
    amy, ben = personas.pupil, personas.other_pupil
    data = f"upn,subject,academic_year,term,result\n{amy.upn},English,2024/25,Autumn,4b\n{ben.upn},English,2024/25,Autumn,3a\n"
    result = run_import(kind="assessments", data=data, school=personas.school, user=personas.senco)
    assert result.ok and result.created == 2
    history = Assessment.history.filter(pupil_id__in=[amy.pk, ben.pk])
    assert history.count() == 2 and {h.history_user for h in history} == {personas.senco}

    again = data.replace("4b", "4a")
    assert run_import(kind="assessments", data=again, school=personas.school, user=personas.teacher).updated == 1
    change = Assessment.history.get(pupil_id=amy.pk, history_type="~")
    assert change.history_user == personas.teacher and change.result == "4a"


def test_a_browser_import_names_the_signed_in_person_for_rows_whose_service_has_no_user(
    client, personas, settings, tmp_path, django_capture_on_commit_callbacks, tasks_eager
):
    # The pupils service takes no user, and the import job runs after the request has ended (here:
    # its callbacks are run after the response), so no request names anyone: the job names the
    # person who started it (pupils.history.acting_as).
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.data_manager)
    csv = "upn,surname,forename,date_of_birth,gender,year_group\n" + "".join(
        f"{make_upn(801, 2000, 15, 600 + n)},Browser,Pupil{n},2012-01-01,F,9\n" for n in range(3)
    )
    with django_capture_on_commit_callbacks() as checks:
        upload = client.post(
            reverse("imports:upload"),
            {"kind": "pupils", "file": _file("pupils.csv", csv)},
        )
    assert upload.status_code == 302 and len(checks) == 1
    checks[0]()
    token = upload["Location"].rstrip("/").split("/")[-1]
    with django_capture_on_commit_callbacks() as imports:
        assert client.post(reverse("imports:confirm", args=[token])).status_code == 302
    assert not Pupil.history.filter(surname="Browser").exists()  # nothing until the job runs
    imports[0]()
    history = Pupil.history.filter(surname="Browser")
    assert history.count() == 3 and {h.history_user for h in history} == {personas.data_manager}


def _file(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_clearing_targets_keeps_a_deleted_row_naming_who_cleared_them(personas):
    english = f.SubjectFactory(code="english", name="English")
    amy, ben = personas.pupil, personas.other_pupil
    rows = [dict(pupil=p, subject=english, academic_year=2024, result="5c", suggested=False) for p in (amy, ben)]
    targets_set_many(rows=rows, set_by=personas.senco)
    assert Target.history.filter(history_type="+", history_user=personas.senco).count() == 2

    cleared = [dict(row, result="") for row in rows]
    targets_set_many(rows=cleared, set_by=personas.teacher)
    assert not Target.objects.exists()
    deleted = Target.history.filter(history_type="-")
    assert deleted.count() == 2 and {h.history_user for h in deleted} == {personas.teacher}
    assert {h.result for h in deleted} == {"5c"}


def test_delete_with_history_writes_the_deleted_rows_in_one_insert_whatever_their_number(personas):
    english = f.SubjectFactory(code="english", name="English")
    counts = []
    for size in (2, 12):
        pupils = [f.PupilFactory(school=personas.school) for _ in range(size)]
        made = [Assessment.objects.create(pupil=p, subject=english, academic_year=2024, term="autumn", result="4b")
                for p in pupils]  # fmt: skip
        pks = [a.pk for a in made]
        with CaptureQueriesContext(connection) as queries:
            assert delete_with_history(Assessment, made, user=personas.senco) == size
        counts.append(len(queries))
        gone = Assessment.history.filter(id__in=pks, history_type="-")
        assert gone.count() == size and {h.history_user for h in gone} == {personas.senco}
    assert counts[0] == counts[1]


def test_delete_with_history_still_cascades_and_the_cascade_is_in_the_history_too(personas):
    enrolment = f.EnrolmentFactory(intervention__programme__school=personas.school, pupil=personas.pupil)
    session = InterventionSession.objects.create(intervention=enrolment.intervention, date=enrolment.start_date)
    attendance = Attendance.objects.create(session=session, enrolment=enrolment)
    enrolment_pk, attendance_pk = enrolment.pk, attendance.pk
    delete_with_history(Enrolment, [enrolment], user=personas.senco)
    assert not Attendance.objects.filter(pk=attendance_pk).exists()
    assert Enrolment.history.filter(id=enrolment_pk, history_type="-").count() == 1
    assert Attendance.history.filter(id=attendance_pk, history_type="-").count() == 1


def test_a_plain_queryset_delete_is_recorded_too(personas):
    entry = f.RegisterEntryFactory(pupil=personas.pupil)
    RegisterEntry.objects.filter(pk=entry.pk).delete()
    assert RegisterEntry.history.filter(id=entry.pk, history_type="-").count() == 1


def test_every_model_the_issue_names_keeps_a_history_and_is_on_the_audit_page():
    labels = {model._meta.label for model, _, _ in tracked_models()}
    assert labels >= {
        "pupils.Pupil", "pupils.RegisterEntry", "pupils.PupilProfile", "pupils.Concern",
        "assessments.Baseline", "assessments.Assessment", "assessments.Target", "assessments.ReadingTest",
        "assessments.SemhChecklist", "assessments.BehaviourRecord", "assessments.QualitativeRating",
        "assessments.SelfAssessment", "interventions.Enrolment", "interventions.Attendance", "interventions.Comment",
    }  # fmt: skip
    # Programmes, groups and sessions belong to no one pupil: they keep a history, but not on a pupil's page.
    from interventions.models import Intervention, Programme

    for model in (Programme, Intervention, InterventionSession):
        assert model.history.model._meta.db_table.startswith("interventions_historical")


# --- The audit page ------------------------------------------------------------------------------


def _busy_pupil(personas, english):
    """Amy's record changed a few ways by a few people, oldest first."""
    amy = personas.pupil
    entry = f.RegisterEntryFactory(pupil=amy, provision="K", primary_need="SPLD", start_date=dt.date(2023, 9, 4))
    entry._history_user = personas.senco
    entry.provision = "E"
    entry.save()
    assessments_record_many(
        rows=[dict(pupil=amy, subject=english, academic_year=2024, term="autumn", result="3a")],
        recorded_by=personas.teacher,
    )
    assessments_record_many(
        rows=[dict(pupil=amy, subject=english, academic_year=2024, term="autumn", result="4b")],
        recorded_by=personas.teacher,
    )
    return amy


def test_the_senco_sees_every_change_newest_first_with_who_and_before_and_after(client, personas):
    english = f.SubjectFactory(code="english", name="English")
    amy = _busy_pupil(personas, english)
    client.force_login(personas.senco)
    response = client.get(audit_url(amy))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    entries = response.context["audit"].entries
    # Newest first: the assessment changed 3a -> 4b by bob, its creation, the entry K -> E by alice, ...
    assert (entries[0].record_type, entries[0].action) == ("Assessment", "changed")
    assert [(c.field, c.before, c.after) for c in entries[0].changes] == [("result", "3a", "4b")]
    assert entries[0].who == personas.teacher.get_full_name()
    assert entries[0].record == "English, Teacher assessment, Autumn 2024/25"
    assert (entries[1].record_type, entries[1].action) == ("Assessment", "created")
    change = next(e for e in entries if e.record_type == "Register entry" and e.action == "changed")
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("provision", "K: SEN support", "E: EHC plan")
    ]
    assert change.who == personas.senco.get_full_name()
    assert any(e.record_type == "Pupil" and e.action == "created" for e in entries)
    page = response.content.decode()
    assert "3a → 4b" in page and "K: SEN support → E: EHC plan" in page


def test_the_audit_page_shows_a_deleted_record_with_its_last_values(client, personas):
    english = f.SubjectFactory(code="english", name="English")
    amy = _busy_pupil(personas, english)
    delete_with_history(Assessment, list(Assessment.objects.filter(pupil=amy)), user=personas.senco)
    client.force_login(personas.senco)
    entries = client.get(audit_url(amy)).context["audit"].entries
    assert (entries[0].record_type, entries[0].action, entries[0].who) == (
        "Assessment", "deleted", personas.senco.get_full_name()
    )
    assert ("result", "4b", "–") in [(c.field, c.before, c.after) for c in entries[0].changes]


def test_the_audit_page_reads_in_the_same_number_of_queries_however_long_the_history(
    client, personas, django_assert_num_queries
):
    english = f.SubjectFactory(code="english", name="English")
    amy = _busy_pupil(personas, english)
    client.force_login(personas.senco)
    client.get(audit_url(amy))
    versions.bump(versions.ALL)  # both measured with nothing cached, as right after a write
    with CaptureQueriesContext(connection) as short:
        client.get(audit_url(amy))
    for year in range(2015, 2024):
        for term in ("autumn", "spring", "summer"):
            assessments_record_many(
                rows=[dict(pupil=amy, subject=english, academic_year=year, term=term, result="2b")],
                recorded_by=personas.teacher,
            )
    f.EnrolmentFactory(intervention__programme__school=personas.school, pupil=amy)
    versions.bump(versions.ALL)
    with CaptureQueriesContext(connection) as long:
        response = client.get(audit_url(amy))
    assert len(response.context["audit"].entries) > 30
    # + 2, once: the history of her enrolments' attendances (read only once she has an enrolment),
    # and the intervention groups the enrolments name, fetched together whatever their number.
    assert len(long) == len(short) + 2


def test_only_the_senco_of_the_pupils_school_opens_the_audit_page(client, personas):
    url = audit_url(personas.pupil)
    assert client.get(url).status_code == 302  # anonymous: to sign in
    for user, status in (
        (personas.teacher, 403), (personas.ta, 403), (personas.governor, 403), (personas.data_manager, 403),
        (personas.outsider, 404),
    ):  # fmt: skip
        client.force_login(user)
        assert client.get(url).status_code == status, user


def test_the_audit_page_lists_who_viewed_the_pupil(client, personas):
    client.force_login(personas.teacher)
    client.get(reverse("pupils:detail", args=[personas.pupil.public_id]))
    client.force_login(personas.senco)
    response = client.get(audit_url(personas.pupil))
    events = response.context["audit"].access
    # Newest first: alice opening this page, then bob's view of the pupil page.
    assert [(e.user, e.action, e.what) for e in events] == [
        (personas.senco, "viewed", "audit history"),
        (personas.teacher, "viewed", "pupil page"),
    ]
    assert "Viewed the pupil page" in response.content.decode()


def test_the_audit_of_one_pupil_shows_nothing_of_another(personas):
    english = f.SubjectFactory(code="english", name="English")
    _busy_pupil(personas, english)
    audit = pupil_audit(personas.other_pupil)
    assert [e.record_type for e in audit.entries] == ["Pupil"]


# --- Archiving and putting back on roll (issue 10, part 7) ----------------------------------------


def _archive_history(pupil):
    return list(Pupil.history.filter(id=pupil.pk, history_type="~").order_by("history_date", "history_id"))


def test_archiving_and_unarchiving_from_the_pages_write_who_when_and_why_to_the_audit_history(client, personas):
    personas.senco.first_name, personas.senco.last_name = "Alice", "Senco"
    personas.senco.save()
    client.force_login(personas.senco)
    amy = personas.pupil
    response = client.post(reverse("pupils:archive", args=[amy.public_id]),
                           {"leaving_date": "2025-07-18", "reason": "Moved to another school"})
    assert response.status_code == 302
    response = client.post(reverse("pupils:unarchive", args=[amy.public_id]), {"reason": "Came back in September"})
    assert response.status_code == 302

    archived, unarchived = _archive_history(amy)
    assert (archived.history_user, archived.history_change_reason) == (personas.senco, "Archived as a leaver: Moved to another school")
    assert archived.archived_at is not None and archived.leaving_date == dt.date(2025, 7, 18)
    assert (unarchived.history_user, unarchived.history_change_reason) == (personas.senco, "Put back on roll: Came back in September")
    assert unarchived.archived_at is None and unarchived.leaving_date is None
    assert archived.history_date <= unarchived.history_date

    # On the pupil's audit page: who, when, why, and the archive date before and after
    entries = pupil_audit(amy).entries
    assert [(e.who, e.reason) for e in entries[:2]] == [
        ("Alice Senco", "Put back on roll: Came back in September"),
        ("Alice Senco", "Archived as a leaver: Moved to another school"),
    ]
    assert {c.field for c in entries[1].changes} == {"archived at", "leaving date"}
    page = client.get(audit_url(amy)).content.decode()
    assert "Archived as a leaver: Moved to another school" in page and "Put back on roll: Came back in September" in page


def test_archiving_without_a_reason_says_what_was_done(personas):
    from pupils.services_retention import pupil_archive

    pupil_archive(pupil=personas.pupil, archived_by=personas.senco)
    (archived,) = _archive_history(personas.pupil)
    assert (archived.history_user, archived.history_change_reason) == (personas.senco, "Archived as a leaver")


def test_archive_leavers_writes_the_audit_history_naming_the_user_given(personas):
    import io

    from django.core.management import call_command

    for pupil in (personas.pupil, personas.other_pupil):
        pupil.leaving_date = dt.date(2025, 7, 18)
        pupil.save()
    out = io.StringIO()
    call_command("archive_leavers", "--today", "2025-09-01", "--apply", "--user", "alice", stdout=out)
    assert "Archived 2 pupils." in out.getvalue()
    for pupil in (personas.pupil, personas.other_pupil):
        archived = _archive_history(pupil)[-1]  # after the change of leaving date above
        assert archived.history_user == personas.senco and archived.archived_at is not None
        assert archived.history_change_reason == "Archived as a leaver: leaving date passed (manage.py archive_leavers)"
    entry = pupil_audit(personas.pupil).entries[0]
    assert (entry.who, entry.action) == (personas.senco.get_full_name() or "alice", "changed")


def test_archive_leavers_run_by_nobody_named_says_the_system_did_it(personas):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    personas.pupil.leaving_date = dt.date(2025, 7, 18)
    personas.pupil.save()
    with pytest.raises(CommandError, match="No active user has the username 'nobody'"):
        call_command("archive_leavers", "--today", "2025-09-01", "--apply", "--user", "nobody", stdout=io.StringIO())
    assert Pupil.objects.get(pk=personas.pupil.pk).archived_at is None  # refused before anything changed
    call_command("archive_leavers", "--today", "2025-09-01", "--apply", stdout=io.StringIO())
    entry = pupil_audit(personas.pupil).entries[0]
    assert entry.who.startswith("the system") and entry.reason.startswith("Archived as a leaver")


def test_archiving_leavers_takes_the_same_queries_however_many_there_are(personas):
    from pupils.services_retention import pupils_archive_leavers

    counts = []
    for n, today in ((1, dt.date(2025, 9, 1)), (6, dt.date(2026, 9, 1))):
        for _ in range(n):
            f.PupilFactory(school=personas.school, leaving_date=today - dt.timedelta(days=30))
        with CaptureQueriesContext(connection) as queries:
            assert len(pupils_archive_leavers(today=today)) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
