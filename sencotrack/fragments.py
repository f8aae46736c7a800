"""The one way pages use the cache: derived fragments, under keys that name everything they depend on.

Never a User, a membership, a model object or an access answer: access is checked against the
database before any fragment is read. The cache is an optimisation only: any error or timeout is a
miss, and after one this process leaves the cache alone for a few seconds. See docs/caching.md.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

#: How long a fragment lives unread; a newer data version makes it unreachable long before.
TIMEOUT = 60 * 60
#: After a cache error or timeout, build without the cache for this long (seconds).
PAUSE_AFTER_ERROR = 5.0
#: Bumped when what a fragment holds changes shape, so a new release never reads an old entry.
FORMAT = 1

T = TypeVar("T")
_paused_until = 0.0


def key(*parts) -> str:
    """A bounded key from its parts (ids, versions, validated values): short parts as they are, a hash if long."""
    text = ":".join(str(part) for part in parts)
    if len(text) > 120:
        text = f"{text[:60]}:{hashlib.sha256(text.encode()).hexdigest()}"
    return f"frag:{FORMAT}:{text}"


def cached(name: str, build: Callable[[], T]) -> T:
    """The fragment under ``name`` (from :func:`key`), else ``build()`` (stored for the next request)."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return build()
    try:
        found = cache.get(name)
    except Exception:  # noqa: BLE001 - a cache that is down or hung must slow pages, never break them
        logger.warning("cache unreachable: fragments built without it for %ss", PAUSE_AFTER_ERROR, exc_info=True)
        _paused_until = time.monotonic() + PAUSE_AFTER_ERROR
        return build()
    if found is not None:
        return found
    value = build()
    try:
        cache.set(name, value, timeout=TIMEOUT)
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable: fragments built without it for %ss", PAUSE_AFTER_ERROR, exc_info=True)
        _paused_until = time.monotonic() + PAUSE_AFTER_ERROR
    return value
