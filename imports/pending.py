"""Uploads waiting between preview and confirm, without a model.

The bytes go to ``MEDIA_ROOT/imports/<token>`` (a random token, mode 0600); the person's session
maps the token to the kind, the school, the file name and when it was uploaded. An upload is
found only through the session that made it, only for the school it was made for, and for one
hour (:data:`MAX_AGE`); older ones are deleted when next seen, and every new upload sweeps the
folder of files left behind by sessions that never came back.

Confirming *claims* the file by renaming it, which only one request can do, so a double-clicked
"Confirm import" imports once.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "pending_imports"
#: Seconds an upload waits for its confirm.
MAX_AGE = 60 * 60
#: How many uploads one session may have waiting (a person with several tabs open).
MAX_PER_SESSION = 5
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
_CLAIMED = ".claimed"


def folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _path(token: str) -> Path:
    if not _TOKEN.fullmatch(token):  # never let a token name a path outside the folder
        raise ValueError("not an upload token")
    return folder() / token


@dataclass(frozen=True)
class Pending:
    token: str
    kind: str
    school_id: int
    filename: str
    size: int
    created: float
    set_name: str = ""  # the reference set a quartile or national table goes into ("" = named for the day)

    @property
    def path(self) -> Path:
        return _path(self.token)

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.created

    def read(self) -> bytes | None:
        """The bytes, or None if the upload went meanwhile (confirmed or cancelled in another tab)."""
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def claim(self) -> bytes | None:
        """The bytes, taken so that no other request can confirm them; None if another already has."""
        claimed = self.path.with_name(self.token + _CLAIMED)
        try:
            os.rename(self.path, claimed)
        except FileNotFoundError:
            return None
        return claimed.read_bytes()

    def claim_for_job(self) -> bool:
        """Claim the upload for an import job (which reads it with :func:`read_token`); False if
        another request already has."""
        try:
            os.rename(self.path, self.path.with_name(self.token + _CLAIMED))
        except FileNotFoundError:
            return False
        return True

    def release(self) -> None:
        """Put a claimed upload back (its import failed), so its errors can still be downloaded."""
        claimed = self.path.with_name(self.token + _CLAIMED)
        try:
            os.rename(claimed, self.path)
        except FileNotFoundError:
            pass


def read_token(token: str, *, claimed: bool) -> bytes | None:
    """An upload's bytes by its token, for the job that checks (waiting) or imports (claimed) it;
    None if it has gone (cancelled, or swept after :data:`MAX_AGE`)."""
    path = _path(token)
    try:
        return (path.with_name(token + _CLAIMED) if claimed else path).read_bytes()
    except FileNotFoundError:
        return None


def release_token(token: str) -> None:
    """Put a claimed upload back (its import saved nothing), so it can be checked or confirmed again."""
    path = _path(token)
    try:
        os.rename(path.with_name(token + _CLAIMED), path)
    except FileNotFoundError:
        pass


def delete_token(token: str) -> None:
    """Delete an upload's files (it has been imported)."""
    if _TOKEN.fullmatch(token):
        _delete_files(token)


def _entries(session: SessionBase) -> dict[str, dict]:
    entries = session.get(SESSION_KEY)
    return entries if isinstance(entries, dict) else {}


def _delete_files(token: str) -> None:
    for name in (token, token + _CLAIMED):
        try:
            (folder() / name).unlink()
        except FileNotFoundError:
            pass


def sweep(now: float | None = None) -> int:
    """Delete upload files older than :data:`MAX_AGE`, whoever left them; how many went."""
    now = time.time() if now is None else now
    removed = 0
    try:
        paths = list(folder().iterdir())
    except FileNotFoundError:
        return 0
    for path in paths:
        try:
            if now - path.stat().st_mtime > MAX_AGE:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def save(session: SessionBase, *, kind: str, school_id: int, filename: str, data: bytes, set_name: str = "") -> Pending:
    """Keep an upload for its preview and confirm."""
    sweep()
    base = folder()
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)  # 32 characters
    fd = os.open(_path(token), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    pending = Pending(
        token=token, kind=kind, school_id=school_id, filename=filename[:200], size=len(data), created=time.time(),
        set_name=set_name,
    )
    entries = {t: e for t, e in _entries(session).items() if time.time() - e.get("created", 0) <= MAX_AGE}
    while len(entries) >= MAX_PER_SESSION:  # the oldest goes
        oldest = min(entries, key=lambda t: entries[t].get("created", 0))
        _delete_files(oldest)
        del entries[oldest]
    entries[token] = asdict(pending)
    session[SESSION_KEY] = entries
    return pending


def get(session: SessionBase, token: str, *, school_id: int) -> Pending | None:
    """The session's upload ``token`` for this school, or None if it is unknown, expired or gone.

    An expired upload is deleted as it is found.
    """
    entry = _entries(session).get(token)
    if entry is None or not _TOKEN.fullmatch(token):
        return None
    try:
        pending = Pending(**entry)
    except TypeError:
        discard(session, token)
        return None
    if pending.age() > MAX_AGE or pending.age() < -60:
        discard(session, token)
        return None
    if pending.school_id != school_id or not pending.path.exists():
        return None
    return pending


def known(session: SessionBase, token: str) -> bool:
    """Whether this session made the upload ``token`` (whatever has happened to its file since)."""
    return bool(_TOKEN.fullmatch(token)) and token in _entries(session)


def discard(session: SessionBase, token: str) -> None:
    """Forget an upload and delete its file."""
    entries = _entries(session)
    if token in entries:
        del entries[token]
        session[SESSION_KEY] = entries
    if _TOKEN.fullmatch(token):
        _delete_files(token)
