"""Writes of the audit trail: the access log.

SEN records are special-category personal data (UK GDPR): every view of a named pupil's record
and every download of a report that names pupils is logged with :func:`access_record`, one line
in the view just after its access helper. Changes are kept by django-simple-history (a
``history`` on each tracked model, written by the save signals and by ``pupils.services``'s bulk
helpers); the retention purge deletes that history with the records (``pupils.services_retention``).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest

from pupils.models import AccessEvent, Pupil
from pupils.access import current_membership

PATH_MAX = AccessEvent._meta.get_field("path").max_length
WHAT_MAX = AccessEvent._meta.get_field("what").max_length


def access_record(*, request: HttpRequest, pupil: Pupil | None = None, action: str, what: str) -> AccessEvent:
    """Log that the signed-in person viewed, downloaded or exported ``what`` (about ``pupil``, if one).

    The school is the pupil's, else the school the person is acting for. Call it after the
    view's access helper, so only what was actually shown or sent is logged.
    """
    user: Any = request.user if request.user.is_authenticated else None
    if pupil is not None:
        school_id = pupil.school_id
    else:
        membership = current_membership(request)
        if membership is None:
            raise ValueError("access_record needs a pupil or a signed-in member of a school")
        school_id = membership.school_id
    event = AccessEvent(
        user=user,
        school_id=school_id,
        pupil=pupil,
        action=action,
        what=what[:WHAT_MAX],
        path=request.get_full_path()[:PATH_MAX],
    )
    event.full_clean(exclude=["user", "school", "pupil"])
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        _insert_without_waiting_for_the_flush(event)
    else:
        event.save()
    return event


def _insert_without_waiting_for_the_flush(event: AccessEvent) -> None:
    """Every view of a pupil writes one of these: the page need not wait for the log's flush to
    disk (a few ms under load). One round trip, two statements, which PostgreSQL runs as one
    implicit transaction: asynchronous commit for this row only. It is visible at once and can
    never be half-written; a PostgreSQL crash in the next fraction of a second could lose it.
    A view that writes pupil data (inside a transaction) saves its log row the ordinary way."""
    meta = AccessEvent._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(event, add=True), connection) for f in fields]
    sql = (f"SET LOCAL synchronous_commit TO OFF; INSERT INTO {quote(meta.db_table)} ({columns}) "
           f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        event.pk = cursor.fetchone()[0]
    event._state.adding = False
