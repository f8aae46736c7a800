"""Data versions: every write to a school's records moves ``School.data_version`` on, in the writer's transaction.

Cached fragments carry the version in their keys, so none built before a write is read after it.
Being a column, the version commits or rolls back with the data, so no cache fault can bring an
old page back. How every write path reaches it (:class:`TrackedModel`, the signals, bulk writes,
cascading deletes): docs/caching.md, "The data version".
"""

from __future__ import annotations

import contextvars
from collections import defaultdict
from contextlib import contextmanager
from functools import cache

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F

#: Apps whose models' writes move versions: every model in them, except these.
TRACKED_APPS = ("pupils", "assessments", "interventions", "plans", "reports")
UNTRACKED = {
    "pupils.AccessEvent": "written by every view of a pupil; no cached fragment shows the access log",
    "reports.ReportRun": "progress notes are written every few seconds while a run builds; a run that "
                         "finishes (or a finished one changed or deleted) moves its school on itself",
    "reports.ReportSchedule": "no cached fragment shows it",
}
#: Every school (a write with no school of its own, such as a subject's name).
ALL = "all"


def tracked(model) -> bool:
    meta = model._meta
    return (
        meta.app_label in TRACKED_APPS
        and not meta.abstract
        and not meta.auto_created  # many-to-many tables: m2m_changed covers them
        and meta.label not in UNTRACKED
        and not hasattr(model, "instance_type")  # django-simple-history's audit copies
    )


def tracked_models() -> list:
    return [model for model in apps.get_models() if tracked(model)]


@cache
def school_path(model) -> tuple[str, ...] | None:
    """Foreign keys from ``model`` to School, e.g. ``("pupil", "school")``; ``()`` for School, None for none."""
    school = apps.get_model("pupils", "School")
    if model._meta.concrete_model is school:
        return ()
    seen, queue = {model}, [(model, ())]
    while queue:
        current, path = queue.pop(0)
        for field in current._meta.concrete_fields:
            target = field.related_model if field.many_to_one or field.one_to_one else None
            if target is None or target in seen or target._meta.app_label not in TRACKED_APPS:
                continue
            if target is school:
                return (*path, field.name)
            seen.add(target)
            queue.append((target, (*path, field.name)))
    return None


def _lookup(model) -> str:
    """The ORM lookup from ``model`` to its school's id."""
    return "__".join(school_path(model)) or "pk"


# --- Which schools rows belong to ------------------------------------------------------------------


def schools_of(rows: dict) -> set | str:
    """The school ids of ``rows`` ({model: {pk: instance}}), or ALL.

    Each row is followed up its chain through what is already loaded (its cached parent, or a
    parent among ``rows`` itself: a cascade deletes parents with their children), then the rest
    in one query per kind of parent. A row loaded from the database and moved since (a membership
    moved to another school) counts where it was too.
    """
    loaded = {(m._meta.concrete_model, pk): obj for m, objs in rows.items() for pk, obj in objs.items() if pk is not None}
    schools, wanted = set(), defaultdict(set)
    for model, objs in rows.items():
        path = school_path(model)
        if path is None:
            return ALL
        for pk, obj in objs.items():
            if not path:
                schools.add(pk)
                continue
            _follow(model, obj, path, loaded, schools, wanted)
            before = obj.__dict__.get("_versions_loaded_parent", _NOTHING)
            if before is not _NOTHING and before != getattr(obj, model._meta.get_field(path[0]).attname):
                _place(model._meta.get_field(path[0]), before, path[1:], schools, wanted)
    for (parent, rest), ids in wanted.items():
        schools.update(parent._base_manager.filter(pk__in=ids).order_by().values_list("__".join(rest), flat=True))
    schools.discard(None)
    return schools


_NOTHING = object()


def _place(field, value, rest, schools, wanted) -> None:
    if value is None:
        return
    if rest:
        wanted[(field.related_model, rest)].add(value)
    else:
        schools.add(value)


def _follow(model, obj, path, loaded, schools, wanted) -> None:
    for i, name in enumerate(path):
        field = model._meta.get_field(name)
        value = getattr(obj, field.attname)
        rest = path[i + 1:]
        if value is None or not rest:
            _place(field, value, rest, schools, wanted)
            return
        parent = obj._state.fields_cache.get(name)
        if parent is None or parent.pk != value:
            parent = loaded.get((field.related_model._meta.concrete_model, value))
        if parent is None:
            _place(field, value, rest, schools, wanted)
            return
        model, obj = field.related_model, parent


def _rows(model, instances) -> dict:
    return {model: {obj.pk: obj for obj in instances}} if instances else {}


def _queryset_schools(queryset) -> set | str:
    if school_path(queryset.model) is None:
        return ALL
    rows = queryset.order_by()
    rows.query.select_for_update = False  # DISTINCT cannot lock rows: the write that follows does
    return set(rows.values_list(_lookup(queryset.model), flat=True).distinct()) - {None}


def _moved_to(model, values: dict) -> set | str:
    """The schools an ``update(**values)`` moves rows to, when it changes the first link of their chain."""
    path = school_path(model)
    if not path:
        return set()
    field = model._meta.get_field(path[0])
    if field.name in values:
        value = values[field.name]
    elif field.attname in values:
        value = values[field.attname]
    else:
        return set()
    if hasattr(value, "resolve_expression"):  # F(), Subquery(): unknown until it runs
        return ALL
    value = getattr(value, "pk", value)
    schools, wanted = set(), defaultdict(set)
    _place(field, value, path[1:], schools, wanted)
    for (parent, rest), ids in wanted.items():
        schools.update(parent._base_manager.filter(pk__in=ids).values_list("__".join(rest), flat=True))
    return schools


def _union(*scopes) -> set | str:
    out = set()
    for scope in scopes:
        if scope == ALL:
            return ALL
        out |= scope
    return out


# --- Moving versions on ------------------------------------------------------------------------------


def bump(school_ids) -> None:
    """Move these schools' versions on (ALL: every school's), in the current transaction."""
    school = apps.get_model("pupils", "School")
    rows = school._base_manager.all()  # the plain manager: this update moves nothing else
    if school_ids != ALL:
        ids = sorted({s for s in school_ids if s is not None})
        if not ids:
            return
        rows = rows.filter(pk__in=ids)
    rows.update(data_version=F("data_version") + 1)


def bump_rows(model, instances) -> None:
    """Move on the schools of these rows of ``model`` (written in bulk: no signals)."""
    if tracked(model):
        bump(schools_of(_rows(model, list(instances))))


_deleting: contextvars.ContextVar[dict | None] = contextvars.ContextVar("versions_deleting", default=None)


@contextmanager
def deleting(using: str | None = None):
    """Around a delete (``QuerySet.delete()``, a ``Collector``): one transaction, whose rows and
    cascade are collected as they go (pre_delete, sent for every row before any is deleted) and
    whose schools move on once at the end."""
    if _deleting.get() is not None:
        yield
        return
    with transaction.atomic(using=using, savepoint=False):
        rows: dict = defaultdict(dict)
        reset = _deleting.set(rows)
        try:
            yield
        finally:
            _deleting.reset(reset)
        bump(schools_of(rows))


# --- The base classes of the tracked apps' models ------------------------------------------------------


class TrackedQuerySet(models.QuerySet):
    """Bulk writes send no signals: these move the schools of the rows they write, in their transaction."""

    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            schools = _queryset_schools(self) if tracked(self.model) else set()
            count = super().update(**kwargs)
            if count and tracked(self.model):
                bump(_union(schools, _moved_to(self.model, kwargs)))
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            bump_rows(self.model, created)
        return created

    bulk_create.alters_data = True

    # bulk_update() writes through update() above, batch by batch.

    def delete(self):
        with deleting(self.db):
            return super().delete()

    delete.alters_data = True
    delete.queryset_only = True


class TrackedModel(models.Model):
    """Base of every model in the tracked apps: a write and its version move commit together."""

    objects = TrackedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        path = school_path(cls)
        if path:  # where the row was when read: a save that moves it moves both schools on
            instance._versions_loaded_parent = instance.__dict__.get(cls._meta.get_field(path[0]).attname)
        return instance

    def save(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        with deleting(kwargs.get("using")):
            return super().delete(*args, **kwargs)

    delete.alters_data = True


# --- Signals ---------------------------------------------------------------------------------------------


def on_save(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: whole fixtures, parents perhaps not loaded yet
        bump(ALL)
        return
    bump(schools_of(_rows(sender, [instance])))
    path = school_path(sender)
    if path:
        instance._versions_loaded_parent = getattr(instance, sender._meta.get_field(path[0]).attname)


def on_pre_delete(sender, instance, **kwargs):
    rows = _deleting.get()
    if rows is not None:  # the pk now: a deleted instance loses it when the delete ends
        rows[sender][instance.pk] = instance


def on_delete(sender, instance, **kwargs):
    if _deleting.get() is None:  # a delete outside deleting() (a cascade from a person): this row alone
        bump(schools_of(_rows(sender, [instance])))


def on_m2m(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A group's staff or pupils changed, from either side (``group.staff.remove(user)`` or
    ``user.teaching_groups.remove(group)``): the schools of both ends move on."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    own = type(instance)
    scopes = [schools_of(_rows(own, [instance]))] if tracked(own) else []
    if tracked(model):
        if action == "pre_clear":  # the rows about to be unlinked, read before they go
            source, target = _through_fields(sender, own, model)
            lookup = "__".join((target, *school_path(model))) or target
            scopes.append(set(sender._base_manager.filter(**{source: instance.pk}).values_list(lookup, flat=True)))
        elif pk_set:
            scopes.append(_queryset_schools(model._base_manager.filter(pk__in=pk_set)))
    bump(_union(*scopes))


def _through_fields(through, source_model, target_model) -> tuple[str, str]:
    source = target = None
    for field in through._meta.concrete_fields:
        if field.related_model is source_model and source is None:
            source = field.name
        elif field.related_model is target_model:
            target = field.name
    return source, target


def on_user_save(sender, instance, update_fields=None, **kwargs):
    """A person's name shows on pages (comments, staff); signing in stamps only ``last_login``."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    membership = apps.get_model("pupils", "Membership")
    bump(membership._base_manager.filter(user=instance).values_list("school_id", flat=True))


def on_report_run_change(sender, instance, **kwargs):
    """A finished run is what the dashboards read: changing or deleting one moves its school on."""
    if instance.status == "done":
        bump([instance.school_id])


def on_migrate(sender, apps=None, **kwargs):
    """A release may draw pages differently: ``migrate`` moves every school on (through the
    schema as migrated, which lacks the version when migrated back before it)."""
    if sender.label != "pupils" or apps is None:
        return
    school = apps.get_model("pupils", "School")
    if any(field.name == "data_version" for field in school._meta.concrete_fields):
        school._base_manager.update(data_version=F("data_version") + 1)


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete

    for model in tracked_models():
        label = model._meta.label
        post_save.connect(on_save, sender=model, dispatch_uid=f"versions-save-{label}")
        pre_delete.connect(on_pre_delete, sender=model, dispatch_uid=f"versions-pre-delete-{label}")
        post_delete.connect(on_delete, sender=model, dispatch_uid=f"versions-delete-{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(on_m2m, sender=through, dispatch_uid=f"versions-m2m-{through._meta.label}")
    post_save.connect(on_user_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="versions-user-save")
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(on_report_run_change, sender="reports.ReportRun", dispatch_uid=f"versions-run-{name}")
    post_migrate.connect(on_migrate, dispatch_uid="versions-migrate")
