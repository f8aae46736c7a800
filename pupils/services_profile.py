"""Writes for the register pages, the one-page profile and pupils of concern.

They complete ``pupils/services.py`` (which the CSV import shares) with what only the browser does:
adding an entry that must not silently replace another, correcting an entry (its start date
included), the profile, and concerns. Keyword-only, typed, ``full_clean()`` then ``save()``, atomic
(docs/contributing.md): a ValidationError means nothing was saved, and views show its messages on the form.

Each takes ``loaded``, what the page was drawn from (``sencotrack.conflicts``): with it, the
pupil's row is locked and a record changed since the page was drawn raises ``Conflict`` and
nothing is saved. Without it (a task, a script) the last write wins.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from pupils.models import Concern, Provision, Pupil, PupilProfile, RegisterEntry
from pupils.services import register_entry_record
from pupils.writes import field_error, fmt_date
from sencotrack.conflicts import Loaded, check, lock, retry_lost_insert, version_of, version_of_all

_ONE_DAY = dt.timedelta(days=1)

PROFILE_FIELDS = ("needs_summary", "strengths", "what_helps", "aspirations", "pupil_voice")


def _span(entry: RegisterEntry) -> str:
    end = f"to {fmt_date(entry.end_date)}" if entry.end_date else "(still open)"
    return f"{entry.get_provision_display()} entry from {fmt_date(entry.start_date)} {end}"


@transaction.atomic
def register_entry_add(
    *,
    pupil: Pupil,
    provision: str,
    primary_need: str = "",
    secondary_need: str = "",
    start_date: dt.date,
    review_date: dt.date | None = None,
    notes: str = "",
    loaded: Loaded | None = None,
) -> tuple[RegisterEntry, RegisterEntry | None]:
    """Add a new, open span of provision; returns it and the entry it closed, if any.

    Unlike :func:`pupils.services.register_entry_record` (which an import uses to update the entry
    with the same start date), an entry already starting that day is an error here, so a SENCo never
    overwrites one by accident. A pupil's open entry that started earlier is closed the day before
    (their provision changed), as the record service does. The page chose the pupil on the form,
    so ``loaded`` is the time it was drawn: a change to the pupil's register since is a conflict.
    """
    lock(Pupil, [pupil.pk])
    return retry_lost_insert(
        lambda: _add_entry(
            pupil=pupil, provision=provision, primary_need=primary_need, secondary_need=secondary_need,
            start_date=start_date, review_date=review_date, notes=notes, loaded=loaded,
        )  # fmt: skip
    )


def _add_entry(
    *, pupil, provision, primary_need, secondary_need, start_date, review_date, notes, loaded
) -> tuple[RegisterEntry, RegisterEntry | None]:
    entries = list(RegisterEntry.objects.select_for_update().filter(pupil=pupil))
    check(loaded, version=version_of_all(entries), history=RegisterEntry.history.filter(pupil_id=pupil.pk), current=entries)
    same_day = next((e for e in entries if e.start_date == start_date), None)
    if same_day is not None:
        raise field_error(
            "start_date",
            f"{pupil.full_name} already has an entry starting on {fmt_date(start_date)} "
            f"({_span(same_day)}): change that entry instead.",
        )
    open_before = next((e for e in entries if e.end_date is None and e.start_date < start_date), None)
    entry, _ = register_entry_record(
        pupil=pupil,
        provision=provision,
        primary_need=primary_need,
        secondary_need=secondary_need,
        start_date=start_date,
        review_date=review_date,
    )
    if notes.strip():
        entry.notes = notes.strip()
        entry.full_clean()
        entry.save()
    closed = None
    if open_before is not None:
        open_before.refresh_from_db()
        closed = open_before if open_before.end_date is not None else None
    return entry, closed


@transaction.atomic
def register_entry_change(
    *,
    entry: RegisterEntry,
    provision: str,
    primary_need: str = "",
    secondary_need: str = "",
    start_date: dt.date,
    review_date: dt.date | None = None,
    notes: str = "",
    loaded: Loaded | None = None,
) -> RegisterEntry:
    """Correct an entry: provision, needs, start and review dates, notes. Its end date is kept.

    Refused when the corrected span would overlap another entry of the pupil, or end before it starts,
    and (``loaded``) when the entry changed since the page showing it was drawn.
    """
    entry = _current_entry(entry, loaded)
    others = list(RegisterEntry.objects.select_for_update().filter(pupil_id=entry.pupil_id).exclude(pk=entry.pk))
    end = entry.end_date
    if end is not None and end < start_date:
        raise field_error("start_date", f"The entry ended on {fmt_date(end)}, so it cannot start after that.")
    for other in others:
        if (other.end_date is None or start_date <= other.end_date) and (end is None or other.start_date <= end):
            raise field_error(
                "start_date", f"Starting on {fmt_date(start_date)} would overlap the pupil's {_span(other)}."
            )
    entry.provision = provision
    entry.primary_need = primary_need
    entry.secondary_need = secondary_need
    entry.start_date = start_date
    entry.review_date = review_date
    entry.notes = notes.strip()
    entry.full_clean()
    entry.save()
    return entry


def _current_entry(entry: RegisterEntry, loaded: Loaded | None) -> RegisterEntry:
    """The entry as stored now, read under the pupil's lock and checked against what the page showed."""
    lock(Pupil, [entry.pupil_id])
    current = RegisterEntry.objects.filter(pk=entry.pk).first()
    check(loaded, version=version_of(current), history=RegisterEntry.history.filter(id=entry.pk), current=current)
    if current is None:
        raise ValidationError("This register entry has been deleted.")
    current.pupil = entry.pupil
    return current


@transaction.atomic
def pupil_profile_update(
    *,
    pupil: Pupil,
    updated_by: AbstractBaseUser,
    needs_summary: str,
    strengths: str,
    what_helps: str,
    aspirations: str,
    pupil_voice: str,
    loaded: Loaded | None = None,
) -> PupilProfile:
    """Create or replace the pupil's one-page profile (``loaded``: unless it changed since the page was drawn)."""
    # The pupil's row, not the profile's: two first saves at once find no profile row to lock.
    lock(Pupil, [pupil.pk])
    profile = PupilProfile.objects.filter(pupil=pupil).first()
    check(loaded, version=version_of(profile), history=PupilProfile.history.filter(pupil_id=pupil.pk), current=profile)
    profile = profile or PupilProfile(pupil=pupil)
    profile.needs_summary = needs_summary.strip()
    profile.strengths = strengths.strip()
    profile.what_helps = what_helps.strip()
    profile.aspirations = aspirations.strip()
    profile.pupil_voice = pupil_voice.strip()
    profile.updated_by = updated_by
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def concern_raise(*, pupil: Pupil, raised_by: AbstractBaseUser, raised_on: dt.date, reason: str) -> Concern:
    """Start watching a pupil who is not on the SEN register.

    Refused when the pupil is on the register on ``raised_on`` (SEN support, EHC plan or a
    historic code) or already has an open concern: one open concern per pupil.
    """
    # Lock the pupil's row so two people raising a concern at once cannot both pass the check.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    on_register = (
        pupil.register_entries.open_on(raised_on).exclude(provision=Provision.NONE).order_by("-start_date").first()
    )
    if on_register is not None:
        raise ValidationError(
            f"{pupil.full_name} is already on the SEN register ({on_register.get_provision_display()}), "
            "so there is no need to raise a concern. Add a comment on their page instead."
        )
    if pupil.concerns.filter(closed_on__isnull=True).exists():
        raise ValidationError(f"There is already an open concern about {pupil.full_name}.")
    concern = Concern(pupil=pupil, raised_by=raised_by, raised_on=raised_on, reason=reason.strip())
    concern.full_clean()
    concern.save()
    return concern


@transaction.atomic
def concern_close(*, concern: Concern, closed_on: dt.date, loaded: Loaded | None = None) -> Concern:
    """Stop watching: the pupil was added to the register, or the concern has passed."""
    lock(Pupil, [concern.pupil_id])
    current = Concern.objects.filter(pk=concern.pk).first()
    check(loaded, version=version_of(current), history=Concern.history.filter(id=concern.pk), current=current)
    if current is None:
        raise ValidationError("This concern has been deleted.")
    concern = current
    if concern.closed_on is not None:
        raise ValidationError(f"This concern was already closed on {concern.closed_on:%d/%m/%Y}.")
    if closed_on < concern.raised_on:
        raise ValidationError(
            {"closed_on": f"A concern cannot close before it was raised ({concern.raised_on:%d/%m/%Y})."}
        )
    concern.closed_on = closed_on
    concern.full_clean()
    concern.save()
    return concern
