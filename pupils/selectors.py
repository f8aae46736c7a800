"""Reads for the SEN register and the pupil list: a fixed number of queries each.

Every function takes the acting membership (or a pupil the access helper already let through) and
owns its ``select_related`` / ``prefetch_related``: the number of queries never grows with the
number of pupils or entries. The pupil page, which reads every app, is built in ``reports.pupil_page``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import OuterRef, Q, QuerySet, Subquery

from pupils.access import visible_pupils
from pupils.models import (
    Concern,
    Membership,
    Need,
    Provision,
    Pupil,
    PupilProfile,
    RegisterEntry,
    Role,
)

NEED_NOT_RECORDED = "Not recorded"


def year_group_label(year_group: int | None) -> str:
    if year_group is None:
        return ""
    if year_group == -1:
        return "Nursery"
    if year_group == 0:
        return "Reception"
    return f"Year {year_group}"


# --- The SEN register --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterFilters:
    """What the register is filtered by. Blank / None means "any"."""

    provision: str = ""
    need: str = ""
    year_group: int | None = None
    pupil_premium: bool | None = None
    show_all: bool = False


@dataclass
class Register:
    entries: list[RegisterEntry]
    by_provision: list[tuple[str, str, int]]  # (code, label, count)
    by_need: list[tuple[str, str, int]]
    overdue: int
    today: dt.date

    @property
    def total(self) -> int:
        return len(self.entries)


def _register_queryset(membership: Membership) -> QuerySet[RegisterEntry]:
    entries = RegisterEntry.objects.filter(pupil__school=membership.school)
    if membership.role != Role.SENCO:
        entries = entries.filter(pupil__in=visible_pupils(membership).values("pk"))
    return entries


def register(membership: Membership, filters: RegisterFilters, *, today: dt.date) -> Register:
    """The register as this person may see it, filtered, with counts for the filtered set. One query.

    By default: entries not yet ended (end date empty or today or later) of pupils on roll, without
    N ("no SEN") unless the provision filter asks for N. ``show_all`` adds ended entries, N and
    archived pupils: the whole dated history.
    """
    entries = _register_queryset(membership)
    if not filters.show_all:
        entries = entries.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), pupil__archived_at__isnull=True)
        if not filters.provision:
            entries = entries.exclude(provision=Provision.NONE)
    if filters.provision:
        entries = entries.filter(provision=filters.provision)
    if filters.need:
        entries = entries.filter(primary_need=filters.need)
    if filters.year_group is not None:
        entries = entries.filter(pupil__year_group=filters.year_group)
    if filters.pupil_premium is not None:
        entries = entries.filter(pupil__pupil_premium=filters.pupil_premium)
    rows = list(
        entries.select_related("pupil").order_by("pupil__surname", "pupil__forename", "pupil__upn", "-start_date")
    )
    overdue = 0
    for entry in rows:
        entry.is_open = entry.end_date is None or entry.end_date >= today
        entry.overdue = bool(entry.is_open and entry.review_date and entry.review_date < today)
        overdue += entry.overdue
    return Register(
        entries=rows,
        by_provision=_counts(rows, "provision", Provision.choices, blank_label=None),
        by_need=_counts(rows, "primary_need", Need.choices, blank_label=NEED_NOT_RECORDED),
        overdue=overdue,
        today=today,
    )


def _counts(rows, attribute: str, choices, *, blank_label: str | None) -> list[tuple[str, str, int]]:
    counter = Counter(getattr(row, attribute) for row in rows)
    counts = [(code, label, counter[code]) for code, label in choices if counter[code]]
    if blank_label and counter[""]:
        counts.append(("", blank_label, counter[""]))
    return counts


def register_year_groups(membership: Membership) -> list[int]:
    """Year groups of the pupils on roll at the school, for the register's filter. One query."""
    years = (
        Pupil.objects.current()
        .filter(school=membership.school)
        .order_by("year_group")
        .values_list("year_group", flat=True)
        .distinct()
    )
    return list(years)


def pupils_on_roll(membership: Membership) -> QuerySet[Pupil]:
    """Every pupil on roll at the school, by name: who may be added to the register."""
    return Pupil.objects.current().filter(school=membership.school).order_by("surname", "forename", "upn")


def register_history(pupil: Pupil) -> list[RegisterEntry]:
    """Every register entry of a pupil, newest first."""
    return list(pupil.register_entries.order_by("-start_date"))


# --- Concerns ----------------------------------------------------------------------------------


def open_concerns(membership: Membership, *, today: dt.date) -> list[Concern]:
    """Open concerns about pupils on roll at the school, with whether each pupil has since joined the register."""
    on_register = RegisterEntry.objects.open_on(today).filter(pupil=OuterRef("pupil")).exclude(provision=Provision.NONE)
    concerns = (
        Concern.objects.filter(pupil__school=membership.school, pupil__archived_at__isnull=True, closed_on__isnull=True)
        .select_related("pupil", "raised_by")
        .annotate(provision=Subquery(on_register.order_by("-start_date").values("provision")[:1]))
        .order_by("-raised_on", "pupil__surname", "pupil__forename")
    )
    return list(concerns)


# --- Pupil list --------------------------------------------------------------------------------


def pupil_search(membership: Membership, *, query: str = "", include_archived: bool = False, today: dt.date):
    """Pupils this person may see, matching every word of ``query`` in name or UPN.

    Each pupil carries ``provision``: the code of the register entry open today (None when none).
    """
    pupils = visible_pupils(membership)
    if not include_archived:
        pupils = pupils.filter(archived_at__isnull=True)
    for word in query.split():
        pupils = pupils.filter(Q(forename__icontains=word) | Q(surname__icontains=word) | Q(upn__icontains=word))
    current = RegisterEntry.objects.open_on(today).filter(pupil=OuterRef("pk")).order_by("-start_date")
    return pupils.annotate(provision=Subquery(current.values("provision")[:1])).order_by("surname", "forename", "upn")


def pupil_profile(pupil: Pupil) -> PupilProfile | None:
    return PupilProfile.objects.filter(pupil=pupil).select_related("updated_by").first()
