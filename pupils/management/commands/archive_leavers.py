"""python manage.py archive_leavers [--apply] [--school CODE] [--today YYYY-MM-DD]

Archives pupils whose leaving date has passed: they leave the daily pages and their records are
kept for reporting until the retention period ends (``manage.py retention``). A dry run by
default: it lists how many would be archived, by public id (never by name or UPN).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from pupils.management.commands.retention import parse_today, school_option
from pupils.services_retention import leavers_to_archive, pupils_archive_leavers


class Command(BaseCommand):
    help = "Archive pupils whose leaving date has passed (a dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="archive them (without it nothing changes)")
        parser.add_argument("--school", help="only this school (by code)")
        parser.add_argument("--today", help="the day to count from, YYYY-MM-DD (default: today)")

    def handle(self, *args, apply: bool, school: str | None, today: str | None, **options):
        day = parse_today(today)
        chosen = school_option(school)
        pupils = pupils_archive_leavers(today=day, school=chosen) if apply else list(leavers_to_archive(today=day, school=chosen))
        mode = "archiving" if apply else "dry run: nothing changes; run with --apply to archive"
        self.stdout.write(f"Leavers on {day:%Y-%m-%d} ({mode})")
        if not pupils:
            self.stdout.write("No pupil on roll has a leaving date before today.")
            return
        by_school: dict[str, list[str]] = {}
        for pupil in pupils:
            by_school.setdefault(pupil.school.code, []).append(str(pupil.public_id))
        for code, ids in by_school.items():
            self.stdout.write(f"{code}: {len(ids)} pupil{'s' if len(ids) != 1 else ''} to archive")
            self.stdout.write(f"  pupil ids: {', '.join(ids)}")
        if apply:
            self.stdout.write(self.style.SUCCESS(f"Archived {len(pupils)} pupil{'s' if len(pupils) != 1 else ''}."))
