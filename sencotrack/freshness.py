"""Data versions that make cached pages safe: every write moves the version of what it touched.

Cached pages (the pupil page, the dashboards) put ``token(school, pupil)`` in their cache keys
instead of being deleted on a write: after a write the key changes, so an old entry is never read
again and expires on its own. Three counters make a token:

- the **epoch**, moved by writes whose school is unknown (a subject, a points scheme, a user's
  name) and by the bulk tools (demo seed, retention);
- the **school's** version, moved by any write to that school's records;
- the **pupil's** version, moved by writes to that pupil's records.

A write moves its versions at once, so the same request sees its own change, and again after its
transaction commits: a reader that computed a page from the old rows between the two bumps could
otherwise store it under the new version. A counter missing from the cache (evicted, or a new
Redis) restarts from the clock rather than from zero, so it never returns to a value that an old
entry was stored under.

Signals (connected in ``SencotrackConfig.ready``) cover ``save()``, ``delete()`` and many-to-many
changes; ``pupils.services.bulk_write`` and ``delete_with_history`` call ``touch_rows``, since bulk
writes send no signals. Anything else that writes with ``QuerySet.update()`` calls ``touch``.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager

from django.apps import apps
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

EPOCH_KEY = "fresh:epoch"

# Apps whose rows feed the pages that are cached.
TRACKED_APPS = {"pupils", "assessments", "interventions"}
# Written on every view of a named pupil: must not invalidate the page it records.
UNTRACKED_MODELS = {"pupils.AccessEvent"}

# How a row reaches its school and its pupil, for rows that hold neither key themselves.
# model label -> (path to the school id, path to the pupil id or None)
PATHS = {
    "interventions.Intervention": ("programme__school_id", None),
    "interventions.InterventionSession": ("intervention__programme__school_id", None),
    "interventions.Attendance": ("enrolment__pupil__school_id", "enrolment__pupil_id"),
    "assessments.Term": ("academic_year__school_id", None),
}


def _school_key(school_id) -> str:
    return f"fresh:school:{school_id}"


def _pupil_key(pupil_id) -> str:
    return f"fresh:pupil:{pupil_id}"


def _fresh_start() -> int:
    return time.time_ns()


def token(school_id, pupil_id=None) -> str | None:
    """A string that changes whenever anything of the school (or of the pupil) is written.

    None when the cache cannot be reached: the caller then computes the page and caches nothing.
    """
    keys = [EPOCH_KEY, _school_key(school_id)] + ([_pupil_key(pupil_id)] if pupil_id is not None else [])
    try:
        found = cache.get_many(keys)
        return ".".join(str(found[key]) if key in found else str(_start(key)) for key in keys)
    except Exception:  # noqa: BLE001 - a cache that is down must slow pages, never break them
        logger.warning("cache unreachable: pages are computed without it", exc_info=True)
        return None


def _start(key: str) -> int:
    cache.add(key, _fresh_start(), timeout=None)  # add: two first readers agree on one start
    value = cache.get(key)
    return value if value is not None else _fresh_start()


def _bump(keys: Iterable[str]) -> None:
    try:
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # missing: restart from the clock, never from a value used before
                cache.set(key, _fresh_start(), timeout=None)
    except Exception:  # noqa: BLE001 - a write must not fail because the cache is down
        # What was cached before the outage may be served until it expires (PAGE_TIMEOUT).
        logger.warning("cache unreachable: data versions not moved on", exc_info=True)


# Inside ``batch()``: what to move on when the batch ends, so a delete that cascades to thousands
# of rows resolves their schools in one query and bumps each version once.
_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("fresh_pending", default=None)


@contextmanager
def batch():
    """Collect the touches of many writes (a cascade, a purge) and make them once at the end."""
    if _pending.get() is not None:
        yield
        return
    pending = {"rows": defaultdict(set), "schools": set(), "pupils": set(), "everything": False}
    reset = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(reset)
        schools, pupils, everything = pending["schools"], pending["pupils"], pending["everything"]
        try:
            for model, parents in pending["rows"].items():
                s, p, unknown = _parents_scope(model, parents)
                schools |= s
                pupils |= p
                everything |= unknown
        except Exception:  # noqa: BLE001 - the batch's own error (a broken connection) must surface, not this
            logger.warning("could not read which schools a batch wrote to: moving every version on", exc_info=True)
            everything = True
        touch(school_ids=schools, pupil_ids=pupils, everything=everything)


#: How long a cached page may live: the bound on staleness if a version bump is ever lost.
PAGE_TIMEOUT = 15 * 60


def get_page(key: str | None):
    """A cached page part, or None (also when there is no key or the cache is down)."""
    if key is None:
        return None
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable", exc_info=True)
        return None


def set_page(key: str | None, value) -> None:
    if key is None:
        return
    try:
        cache.set(key, value, timeout=PAGE_TIMEOUT)
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable", exc_info=True)


def new_epoch(**_signal) -> None:
    """Make every cached page unreachable at once: after ``migrate`` (a new release may render
    pages differently), after restoring a database backup, and before each test."""
    try:
        cache.set(EPOCH_KEY, _fresh_start(), timeout=None)
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable: no new epoch", exc_info=True)


def touch(*, school_ids: Iterable = (), pupil_ids: Iterable = (), everything: bool = False) -> None:
    """Move the versions of these schools and pupils (or the epoch) on, now and after commit."""
    pending = _pending.get()
    if pending is not None:
        pending["schools"].update(school_ids)
        pending["pupils"].update(pupil_ids)
        pending["everything"] |= everything
        return
    keys = [_school_key(s) for s in set(school_ids) if s is not None]
    keys += [_pupil_key(p) for p in set(pupil_ids) if p is not None]
    if everything:
        keys.append(EPOCH_KEY)
    if not keys:
        return
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


def tracked(model) -> bool:
    meta = model._meta
    if meta.app_label not in TRACKED_APPS or meta.label in UNTRACKED_MODELS:
        return False
    # django-simple-history's historical models live in the same apps: writing one changes no page.
    return not hasattr(model, "instance_type")


def _paths(model) -> tuple[str, str | None] | None:
    label = model._meta.label
    if label == "pupils.Pupil":
        return "school_id", "id"
    if label == "pupils.School":
        return "id", None
    if label in PATHS:
        return PATHS[label]
    attnames = {f.attname for f in model._meta.concrete_fields}
    if "pupil_id" in attnames:
        return "pupil__school_id", "pupil_id"
    if "school_id" in attnames:
        return "school_id", None
    return None


def _walk(instance, path: str):
    """Follow ``path`` through objects already loaded on the instance; None where one is not."""
    *hops, last = path.split("__")
    obj = instance
    for hop in hops:
        obj = obj._state.fields_cache.get(hop)
        if obj is None:
            return None
    return getattr(obj, last)


def scope_of(model, instances: list) -> tuple[set, set, bool]:
    """(school ids, pupil ids, unknown) of rows of ``model``; unknown means: move the epoch on.

    Read from the objects loaded with the rows where possible (services load the pupil or the
    group they write for), else with one query on the parent of the rows (which a delete leaves).
    """
    schools, pupils, parents, unknown = _loaded_scope(model, instances)
    more_schools, more_pupils, more_unknown = _parents_scope(model, parents)
    return schools | more_schools, pupils | more_pupils, unknown or more_unknown


def _loaded_scope(model, instances: list) -> tuple[set, set, set, bool]:
    """What the rows themselves tell, without a query; and the parents (first hop) still to read."""
    paths = _paths(model)
    if paths is None:
        return set(), set(), set(), True
    to_school, to_pupil = paths
    schools, pupils, parents = set(), set(), set()
    for instance in instances:
        pupil = _walk(instance, to_pupil) if to_pupil else None
        school = _walk(instance, to_school)
        if pupil is not None:
            pupils.add(pupil)
        if "__" not in to_school:  # the row holds its school itself
            if school is not None:
                schools.add(school)
        elif school is not None and (pupil is not None or to_pupil is None or "__" not in to_pupil):
            schools.add(school)
        else:
            field = model._meta.get_field(to_school.split("__")[0])
            parents.add(getattr(instance, field.attname))
    return schools, pupils, parents, False


def _parents_scope(model, parents: set) -> tuple[set, set, bool]:
    """One query: the schools (and pupils) of the parents the rows point at."""
    parents.discard(None)
    if not parents:
        return set(), set(), False
    to_school, to_pupil = _paths(model)
    hop, rest_school = to_school.split("__", 1)
    rest = [rest_school] + ([to_pupil.split("__", 1)[1]] if to_pupil and "__" in to_pupil else [])
    parent = model._meta.get_field(hop).related_model
    schools, pupils, found = set(), set(), set()
    for row in parent.objects.filter(pk__in=list(parents)).order_by().values_list("pk", *rest):
        found.add(row[0])
        schools.add(row[1])
        if len(row) > 2:
            pupils.add(row[2])
    # A parent deleted in the same cascade: its school is not known now, so move the epoch on.
    return schools, pupils, found != parents


def touch_rows(model, instances: Iterable) -> None:
    """Move the versions of whatever these rows belong to (bulk writes call this; signals too)."""
    if not tracked(model):
        return
    instances = list(instances)
    if not instances:
        return
    pending = _pending.get()
    if pending is not None:  # read what the rows hold now (a deleted row loses its id later)
        schools, pupils, parents, unknown = _loaded_scope(model, instances)
        pending["schools"] |= schools
        pending["pupils"] |= pupils
        pending["everything"] |= unknown
        pending["rows"][model] |= parents
        return
    schools, pupils, unknown = scope_of(model, instances)
    # A pupil's row changes what its school's pages show too (the register, the dashboards).
    touch(school_ids=schools, pupil_ids=pupils, everything=unknown)


# --- Signals --------------------------------------------------------------------------------------------


def on_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:  # loaddata: whole fixtures, no pages to keep
        return
    touch_rows(sender, [instance])


def on_delete(sender, instance, **kwargs):
    touch_rows(sender, [instance])


def on_m2m(sender, instance, action, model, pk_set, **kwargs):
    if not action.startswith("post_"):
        return
    owner = type(instance)
    if tracked(owner):
        touch_rows(owner, [instance])
    if model._meta.label == "pupils.Pupil" and pk_set:  # the pupils added to or taken from a group
        touch(pupil_ids=pk_set)


def on_user_save(sender, instance, update_fields=None, **kwargs):
    """A person's cached sign-in moves on with any change (password, active); their name shows on
    pages (comments, staff), so other changes move the epoch on too. Signing in stamps only
    last_login, which no page shows."""
    touch_person(instance.pk)
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    touch(everything=True)


def on_user_delete(sender, instance, **kwargs):
    touch_person(instance.pk)
    touch(everything=True)


def on_membership_change(sender, instance, **kwargs):
    touch_person(instance.user_id)


def on_school_save(sender, instance, raw=False, **kwargs):
    """A school's settings (points scheme, KS2 span, name) travel with cached memberships."""
    if not raw:
        touch(everything=True)


# --- A person's sign-in (sencotrack.auth, sencotrack.access) -------------------------------------------


def _person_key(user_id) -> str:
    return f"fresh:person:{user_id}"


def person_token(user_id) -> str | None:
    """Changes when the person, their memberships or any school's settings change (or the epoch)."""
    keys = [EPOCH_KEY, _person_key(user_id)]
    try:
        found = cache.get_many(keys)
        return ".".join(str(found[k]) if k in found else str(_start(k)) for k in keys)
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable: sign-in read from the database", exc_info=True)
        return None


def touch_person(user_id) -> None:
    if user_id is None:
        return
    key = _person_key(user_id)
    _bump([key])
    transaction.on_commit(lambda: _bump([key]))


def connect() -> None:
    from django.conf import settings
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

    for model in apps.get_models():
        if tracked(model):
            post_save.connect(on_save, sender=model, dispatch_uid=f"fresh-save-{model._meta.label}")
            post_delete.connect(on_delete, sender=model, dispatch_uid=f"fresh-delete-{model._meta.label}")
            for field in model._meta.local_many_to_many:
                through = field.remote_field.through
                m2m_changed.connect(on_m2m, sender=through, dispatch_uid=f"fresh-m2m-{through._meta.label}")
    post_save.connect(on_user_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="fresh-user-save")
    post_delete.connect(on_user_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="fresh-user-delete")
    for name, event in (("save", post_save), ("delete", post_delete)):
        event.connect(on_membership_change, sender="pupils.Membership", dispatch_uid=f"fresh-membership-{name}")
    post_save.connect(on_school_save, sender="pupils.School", dispatch_uid="fresh-school-save")
    post_migrate.connect(new_epoch, dispatch_uid="fresh-migrate")
