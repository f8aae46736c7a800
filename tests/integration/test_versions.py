"""Data versions (sencotrack.versions): every write path of every tracked model moves its school on.

The models come from the app registry (``versions.tracked_models()``), so a model added later is
walked by these tests without anyone listing it: the walk fails, naming it, until the demo school
(``demo.seed.seed``) or ``rich_trust`` below holds a row of it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, PointsScheme
from pupils.models import AccessAction, AccessEvent, Membership, Pupil, School
from pupils.writes import bulk_write, delete_with_history
from pupils.services_retention import pupils_archive_leavers, retention_purge
from sencotrack import versions
from tests import factories as f

pytestmark = pytest.mark.django_db


def versions_now() -> dict[int, int]:
    return dict(School.objects.values_list("pk", "data_version"))


def moved_by(write, deleted: School | None = None) -> set:
    """The schools whose version ``write()`` moved on (a school it deleted counts as moved;
    ``deleted``: a school deleted before, that ``write()`` puts back)."""
    before = versions_now()
    if deleted is not None:
        before[deleted.pk] = deleted.data_version
    write()
    after = versions_now()
    return {pk for pk, version in before.items() if after.get(pk) != version}


class _Undo(Exception):
    pass


def in_savepoint(work):
    """Run ``work()`` and undo it, so each write path starts from the same data."""
    done = []
    try:
        with transaction.atomic():
            done.append(work())
            raise _Undo
    except _Undo:
        pass
    return done[0]


def clear_protection(rows: models.QuerySet) -> None:
    """Delete what stops ``rows`` being deleted (PROTECT, RESTRICT), but not ``rows`` themselves."""
    while True:
        try:
            Collector(using="default").collect(list(rows))
            return
        except (ProtectedError, RestrictedError) as exc:
            blockers = getattr(exc, "protected_objects", None) or exc.restricted_objects
            by_model = defaultdict(list)
            for blocker in blockers:
                by_model[type(blocker)].append(blocker.pk)
            for model, pks in by_model.items():
                found = model._default_manager.filter(pk__in=pks)
                clear_protection(found)
                found.delete()


@pytest.fixture
def rich_trust(db):
    """The demo trust (two schools with a row of every kind), plus what the demo does not make."""
    from demo import seed as demo

    demo.seed(pupils=30, today=dt.date(2025, 3, 12))
    PointsScheme.objects.create(name="Local", points={"1c": 7})
    here, elsewhere = School.objects.order_by("code")
    from plans.models import AnnualReview

    if not AnnualReview.objects.filter(pupil__school=here).exists():  # the small demo has none due yet
        pupil = here.pupils.order_by("pk").first()
        AnnualReview.objects.create(pupil=pupil, held_on=dt.date(2025, 1, 20), recommendation="maintain")
    from reports.models import PackCaseStudy

    if not PackCaseStudy.objects.filter(school=here).exists():  # picked by the SENCo for the termly pack
        PackCaseStudy.objects.create(school=here, pupil=here.pupils.order_by("pk").first())
    return here, elsewhere


def a_row(model, school):
    lookup = versions.school_path(model)
    rows = model._default_manager.order_by("pk")
    if lookup is None:
        return rows.first()
    return rows.filter(**{"__".join(lookup) or "pk": school.pk}).first()


def a_plain_field(model) -> models.Field:
    """A field to write back unchanged: an update is a write whatever it sets."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.name != "data_version"]
    return next((f for f in fields if not f.is_relation), fields[0])


def write_paths(model, pk):
    """Each write path to one row of ``model``: (name, set up (not measured), the write)."""
    field = a_plain_field(model)
    rows = model._default_manager.filter(pk=pk)

    def fresh():
        return rows.get()

    def delete_first():
        snapshot = fresh()
        clear_protection(rows)
        rows.delete()
        return snapshot

    def prepare_delete():
        clear_protection(rows)
        return fresh()

    return [
        ("save()", fresh, lambda row: row.save()),
        ("save() of a new row", delete_first, lambda row: row.save(force_insert=True)),
        ("QuerySet.update()", fresh, lambda row: rows.update(**{field.attname: getattr(row, field.attname)})),
        ("QuerySet.bulk_update()", fresh, lambda row: model._default_manager.bulk_update([row], [field.name])),
        ("QuerySet.bulk_create()", delete_first, lambda row: model._default_manager.bulk_create([row])),
        ("bulk_write() of a new row", delete_first, lambda row: bulk_write(model, new=[row], changed=[], fields=[])),
        ("bulk_write() of a changed row", fresh, lambda row: bulk_write(model, new=[], changed=[row], fields=[field.name])),
        ("QuerySet.delete()", prepare_delete, lambda row: model._default_manager.filter(pk=row.pk).delete()),
        ("delete()", prepare_delete, lambda row: row.delete()),
        ("delete_with_history()", prepare_delete, lambda row: delete_with_history(model, [row])),
    ]


def test_the_tracked_models_are_every_model_of_the_tracked_apps_but_the_named_exceptions():
    for label in versions.TRACKED_APPS:
        for model in apps.get_app_config(label).get_models():
            if hasattr(model, "instance_type"):  # audit-history copies
                continue
            assert versions.tracked(model) or model._meta.label in versions.UNTRACKED, model._meta.label
    for model in versions.tracked_models():
        assert issubclass(model, versions.TrackedModel), f"{model._meta.label} must inherit TrackedModel"
        assert isinstance(model._default_manager.all(), versions.TrackedQuerySet), (
            f"{model._meta.label}'s default manager must build a TrackedQuerySet (bulk writes send no signals)")
    assert versions.school_path(apps.get_model("interventions", "Attendance")) == ("enrolment", "pupil", "school")


def test_every_write_path_of_every_tracked_model_moves_its_schools_version_and_no_other(rich_trust):
    here, elsewhere = rich_trust
    everywhere = {here.pk, elsewhere.pk}
    wrong = []
    for model in versions.tracked_models():
        row = a_row(model, here)
        assert row is not None, (
            f"no {model._meta.label} in the demo school: add one to rich_trust so its writes are checked")
        expected = everywhere if versions.school_path(model) is None else {here.pk}
        for name, prepare, write in write_paths(model, row.pk):
            def measure():
                ready = prepare()
                return moved_by(lambda: write(ready), deleted=ready if model is School else None)

            moved = in_savepoint(measure)
            if moved != expected:
                wrong.append(f"{model._meta.label} {name}: moved {sorted(moved)}, expected {sorted(expected)}")
    assert not wrong, "Writes that did not move the right versions:\n  " + "\n  ".join(wrong)


def test_many_to_many_changes_from_either_side_move_the_school_on(rich_trust):
    here, _ = rich_trust
    wrong = []
    for model in versions.tracked_models():
        for field in model._meta.local_many_to_many:
            owner = a_row(model, here)
            target_model = field.related_model
            if versions.school_path(target_model) is not None:  # pupils, enrolments...: rows of the school
                in_school = {versions._lookup(target_model): here.pk}
            else:  # staff: a person of the school
                in_school = {"memberships__school": here}
            target = target_model.objects.filter(**in_school).exclude(
                **{field.related_query_name(): owner}).first()
            assert target is not None, f"no {target_model._meta.label} free to link to {model._meta.label}"
            forward = getattr(owner, field.name)
            nothing = lambda: None  # noqa: E731
            writes = [  # (name, set up (not measured), the write)
                ("add", nothing, lambda: forward.add(target)),
                ("remove", lambda: forward.add(target), lambda: forward.remove(target)),
                ("clear", lambda: forward.add(target), forward.clear),
                ("set", nothing, lambda: forward.set([target])),
            ]
            if not field.remote_field.hidden:  # related_name="+" has no other side to write from
                reverse = getattr(target, field.remote_field.get_accessor_name())
                writes += [
                    ("add from the other side", nothing, lambda: reverse.add(owner)),
                    ("remove from the other side", lambda: reverse.add(owner), lambda: reverse.remove(owner)),
                    ("clear from the other side", lambda: reverse.add(owner), reverse.clear),
                ]
            for name, prepare, write in writes:
                def measure():
                    prepare()
                    return moved_by(write)

                moved = in_savepoint(measure)
                if moved != {here.pk}:
                    wrong.append(f"{model._meta.label}.{field.name} {name}: moved {sorted(moved)}")
    assert not wrong, "\n".join(wrong)


def test_a_person_saved_moves_the_schools_of_their_memberships_but_signing_in_does_not(client, rich_trust):
    here, elsewhere = rich_trust
    person = Membership.objects.filter(school=here).first().user
    f.MembershipFactory(user=person, school=elsewhere, role="governor")
    person.is_active = False
    assert moved_by(person.save) == {here.pk, elsewhere.pk}
    person.is_active = True
    person.save()
    assert moved_by(lambda: client.force_login(person)) == set()  # stamps last_login only


def test_a_membership_moved_to_another_school_moves_both(rich_trust):
    here, elsewhere = rich_trust
    membership = Membership.objects.filter(school=here).first()
    membership.school = elsewhere
    assert moved_by(membership.save) == {here.pk, elsewhere.pk}
    assert moved_by(lambda: Membership.objects.filter(pk=membership.pk).update(school=here)) == {here.pk, elsewhere.pk}
    assert moved_by(lambda: Membership.objects.filter(pk=membership.pk).update(role="governor")) == {here.pk}


def test_recording_a_view_moves_nothing(personas):
    event = lambda: AccessEvent.objects.create(  # noqa: E731
        user=personas.senco, school=personas.school, pupil=personas.pupil, action=AccessAction.VIEWED, what="pupil page")
    assert moved_by(event) == set()


def test_each_kind_of_import_moves_its_school_on():
    from tests.data.imports.school import import_ok, oak_school

    oak = oak_school().school
    other = f.SchoolFactory(code="elm")
    for kind in ("pupils", "register", "baselines", "assessments", "reading", "enrolments"):
        moved = moved_by(lambda kind=kind: import_ok(kind, f"{kind}_messy.csv", oak))
        assert moved == {oak.pk}, kind
    assert other.pk not in moved


def test_archiving_leavers_and_the_retention_purge_move_their_school_on(personas):
    today = timezone.localdate()
    leaver = f.PupilFactory(school=personas.school, leaving_date=today - dt.timedelta(days=3))
    f.AssessmentFactory(pupil=leaver)
    assert moved_by(lambda: pupils_archive_leavers(today=today)) == {personas.school.pk}
    Pupil.objects.filter(pk=leaver.pk).update(leaving_date=dt.date(1990, 7, 20))
    assert moved_by(lambda: retention_purge(today=today)) == {personas.school.pk}
    assert not Pupil.objects.filter(pk=leaver.pk).exists()


def test_a_report_run_that_finishes_moves_its_school_on(personas):
    from reports import services
    from reports.models import ReportRun
    from tests.integration.report_school import build_report_school

    build_report_school()
    run = ReportRun.objects.create(school=personas.school, kind="value-added",
                                   parameters={"academic_year": 2025, "term": "summer"})
    assert moved_by(lambda: services.report_run_execute(run.pk)) == {personas.school.pk}
    run.refresh_from_db()
    assert run.status == "done"
    assert moved_by(run.delete) == {personas.school.pk}  # the dashboards read it


def test_the_version_moves_in_the_writers_transaction_and_rolls_back_with_it(personas):
    school = personas.school
    before = versions_now()[school.pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(pupil=personas.pupil, subject=f.SubjectFactory(), result="4c",
                                  academic_year=2024, term="autumn")
        assert versions_now()[school.pk] == before + 1  # the writer sees its own move at once
        raise IntegrityError("the write fails after all")
    assert versions_now()[school.pk] == before


def test_saving_a_school_never_writes_back_the_version_it_read(personas):
    stale = School.objects.get(pk=personas.school.pk)
    versions.bump([stale.pk])
    versions.bump([stale.pk])
    moved_to = versions_now()[stale.pk]
    stale.name = "Oak Academy Trust School"
    stale.save()
    assert versions_now()[stale.pk] == moved_to + 1


def school_queries(queries) -> tuple[int, int]:
    """(reads of rows' schools, moves of versions) among captured queries."""
    sql = [q["sql"] for q in queries.captured_queries]
    # versions reads schools with SELECT DISTINCT; a cascade's own SELECT of rows (the pack's case
    # studies, which hold a school_id) is not a read of schools
    reads = [q for q in sql if q.startswith("SELECT") and '"school_id"' in q and "reports_packcasestudy" not in q]
    return len(reads), len([q for q in sql if q.startswith('UPDATE "pupils_school"')])


def test_a_cascading_delete_reads_its_rows_schools_once_per_kind_of_row(personas):
    english = f.SubjectFactory(code="english", name="English")

    def pupils_with_records(n: int) -> list[Pupil]:
        pupils = [f.PupilFactory(school=personas.school) for _ in range(n)]
        for pupil in pupils:
            for term in ("autumn", "spring", "summer"):
                Assessment.objects.create(pupil=pupil, subject=english, result="4c", academic_year=2024, term=term)
            f.RegisterEntryFactory(pupil=pupil)
        return list(Pupil.objects.filter(pk__in=[p.pk for p in pupils]))

    for n in (2, 7):
        pupils = pupils_with_records(n)
        with CaptureQueriesContext(connection) as queries:  # the rows' pupils go too: nothing to read
            assert moved_by(lambda: delete_with_history(Pupil, pupils)) == {personas.school.pk}
        assert school_queries(queries) == (0, 1), n
        pupils = pupils_with_records(n)
        with CaptureQueriesContext(connection) as queries:  # their pupils stay: read once, for all rows
            assert moved_by(lambda: Assessment.objects.filter(pupil__in=pupils).delete()) == {personas.school.pk}
        assert school_queries(queries) == (1, 1), n


def test_bulk_writes_find_their_schools_in_one_query_at_most(personas):
    english = f.SubjectFactory(code="english", name="English")
    rows = [Assessment(pupil_id=personas.pupil.pk, subject=english, result="4c", academic_year=2024, term=t)
            for t in ("autumn", "spring", "summer")]  # built from ids: the pupils' school is read once
    with CaptureQueriesContext(connection) as queries:
        Assessment.objects.bulk_create(rows)
    assert len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")]) == 1
    loaded = [Assessment(pupil=personas.pupil, subject=english, result="4c", academic_year=2023, term="autumn")]
    with CaptureQueriesContext(connection) as queries:
        Assessment.objects.bulk_create(loaded)  # the pupil is loaded: nothing to read
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT")]


def test_migrate_moves_every_school_on(personas):
    from django.core.management import call_command

    # A release may draw pages differently: nothing cached before a deploy is read after it.
    assert moved_by(lambda: call_command("migrate", verbosity=0)) == set(versions_now())


def test_an_update_of_locked_rows_moves_its_school_on(personas):
    rows = Pupil.objects.select_for_update().filter(pk=personas.pupil.pk)
    with transaction.atomic():
        assert moved_by(lambda: rows.update(eal=True)) == {personas.school.pk}
