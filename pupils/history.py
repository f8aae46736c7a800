"""The audit history every tracked model keeps: django-simple-history, with bulk deletes in one insert.

``history = AuditHistory()`` on a model is ``HistoricalRecords()`` (who, when, and the whole row
before and after each change) with one addition: a delete whose "deleted" history rows were already
written in bulk (``pupils.writes.delete_with_history``) is not recorded again, one insert per row,
by the post_delete signal. Every other delete (the admin, a cascade, ``instance.delete()``) is
recorded by the signal as usual.
"""

from __future__ import annotations

from simple_history.models import HistoricalRecords

#: Set on an instance whose "deleted" history row has been written already.
HISTORY_WRITTEN = "_delete_history_written"


class AuditHistory(HistoricalRecords):
    def post_delete(self, instance, using=None, **kwargs):
        if getattr(instance, HISTORY_WRITTEN, False):
            return
        super().post_delete(instance, using=using, **kwargs)
