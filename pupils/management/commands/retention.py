"""python manage.py retention [--apply] [--school CODE] [--today YYYY-MM-DD]

Lists the pupils whose records are past their school's retention period (leaving date plus
``School.retention_years``) and, with --apply, deletes them and everything held on them in one
transaction. Without --apply nothing is deleted (a dry run). The listing names pupils only by
their public id, never by name or UPN, so it can go in a ticket or a log. Pupils with no leaving
date are never purged.

Copies of the pupils held elsewhere go too, in the same transaction: each stored report run that
names them has their rows removed, its PDF and ZIP rebuilt without them, and a note saying so
(``reports.services_redaction``). The dry run lists those runs.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pupils.services import school_by_code
from pupils.services_retention import RetentionPlan, retention_plan, retention_purge


def parse_today(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today {text!r} is not a date: write it as YYYY-MM-DD.") from None


def school_option(code: str | None):
    if not code:
        return None
    try:
        return school_by_code(code)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None


def describe_counts(counts: dict[str, int]) -> list[str]:
    """'3 assessments', 'one pupil': each model's verbose name, counted."""
    lines = []
    for label, number in counts.items():
        try:
            meta = apps.get_model(label)._meta
            name = str(meta.verbose_name if number == 1 else meta.verbose_name_plural)
        except LookupError:
            name = label
        lines.append(f"{number} {name} ({label})")
    return lines


class Command(BaseCommand):
    help = (
        "List (and with --apply delete) pupils whose leaving date is more than their school's retention "
        "period ago, with everything held on them. A dry run by default."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="delete them (without it nothing is deleted)")
        parser.add_argument("--school", help="only this school (by code)")
        parser.add_argument("--today", help="the day to count from, YYYY-MM-DD (default: today)")

    def handle(self, *args, apply: bool, school: str | None, today: str | None, **options):
        day = parse_today(today)
        chosen = school_option(school)
        plan = retention_purge(today=day, school=chosen) if apply else retention_plan(today=day, school=chosen)
        self.report(plan)

    def report(self, plan: RetentionPlan) -> None:
        out = self.stdout
        mode = "deleting" if plan.applied else "dry run: nothing is deleted; run with --apply to delete"
        out.write(f"Retention check on {plan.today:%Y-%m-%d} ({mode})")
        for school in plan.schools:
            pupils = "1 pupil" if school.count == 1 else f"{school.count} pupils"
            out.write(
                f"{school.school.code}: keeps records {school.school.retention_years} years after leaving; "
                f"{pupils} left before {school.cutoff:%Y-%m-%d}"
            )
            if school.pupil_ids:
                out.write(f"  pupil ids: {', '.join(school.pupil_ids)}")
        if not plan.pupils:
            out.write("No pupil is past the retention period.")
            return
        verb = "Deleted" if plan.applied else "Would delete"
        out.write(f"{verb}:")
        for line in describe_counts(plan.deleted):
            out.write(f"  {line}")
        codes = {s.school.pk: s.school.code for s in plan.schools}
        if plan.copies:
            out.write("Removed from stored copies:" if plan.applied else "Would remove from stored copies:")
            for copy in plan.copies:
                pupils = "1 pupil" if copy.pupils == 1 else f"{copy.pupils} pupils"
                out.write(f"  {codes.get(copy.school_id, copy.school_id)}: {copy.what}: {pupils}; {copy.change}")
        else:
            out.write("No stored report run names them.")
        if plan.applied:
            out.write(self.style.SUCCESS(f"Purged {plan.pupils} pupil{'s' if plan.pupils != 1 else ''} past the retention period."))
