"""Writes of the audit trail: the access log.

SEN records are special-category personal data (UK GDPR): every view of a named pupil's record
and every download of a report that names pupils is logged with :func:`access_record`, one line
in the view just after its access helper. Changes are kept by django-simple-history (a
``history`` on each tracked model, written by the save signals and by ``pupils.services``'s bulk
helpers); the retention purge deletes that history with the records (``pupils.services_retention``).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest

from pupils.models import AccessEvent, Pupil
from sencotrack.access import current_membership

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
        # Every view of a pupil writes one of these: the page need not wait for the log's flush
        # to disk (a few ms). Asynchronous commit only for this transaction: the row is visible
        # at once and can never be half-written; a PostgreSQL crash in the next fraction of a
        # second could lose it. A view that also writes pupil data keeps the full durability.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            event.save()
    else:
        event.save()
    return event

