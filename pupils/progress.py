"""How far a long write has gone, for whoever is watching (an import job's progress bar).

A job sets a listener with :func:`listening`; the import engine and the bulk services call
:func:`report` at natural points (every few hundred rows checked, every batch written). With no
listener, :func:`report` does nothing, so the same code serves the command line and the tests.
A context variable, not an argument threaded through every service: the services stay as they are
and a listener set in one thread is never heard in another.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: listener(phase, done, total): one of the phases below; done and total count rows.
Listener = Callable[[str, int, int], None]

_listener: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("progress_listener", default=None)

#: Reading and checking each row of the file (the import engine).
CHECKING = "checking"
#: Matching the rows to what is stored and checking them against it (the services).
MATCHING = "matching"
#: Writing the rows (``pupils.services.bulk_write``).
SAVING = "saving"
PHASES = (CHECKING, MATCHING, SAVING)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def report(phase: str, done: int, total: int) -> None:
    listener = _listener.get()
    if listener is not None:
        listener(phase, done, total)
