"""Sessions read from the cache and written through to the database, that survive a cache outage.

Django's ``cached_db`` engine already falls back to the database when a cache read fails, but a
failed cache write while loading or checking a session raises: with Redis down, every
signed-in page would fail. Here the database alone answers until the cache is back.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # noqa: BLE001 - the cache is down: the database has every session
            logger.warning("session cache unreachable: read from the database", exc_info=True)
            return DBStore.load(self)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:  # noqa: BLE001
            logger.warning("session cache unreachable", exc_info=True)
        return data

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception:  # noqa: BLE001
            return DBStore.exists(self, session_key)

    # delete() is left as Django's: signing out while the cache is down fails rather than leave a
    # cached copy of the session that would still sign the person in once the cache is back.
