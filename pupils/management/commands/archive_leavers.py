"""python manage.py archive_leavers [--apply] [--school CODE] [--today YYYY-MM-DD] [--user USERNAME]

Archives pupils whose leaving date has passed: they leave the daily pages and their records are
kept for reporting until the retention period ends (``manage.py retention``). A dry run by
default: it lists how many would be archived, by public id (never by name or UPN). Each pupil's
audit history records the archiving, with the reason "leaving date passed" and the person named
by --user (else "the system").
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from pupils.management.commands.retention import parse_today, school_option
from pupils.services_retention import leavers_to_archive, pupils_archive_leavers


def user_option(username: str | None):
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No active user has the username {username!r}.") from None


class Command(BaseCommand):
    help = "Archive pupils whose leaving date has passed (a dry run unless --apply)."

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="archive them (without it nothing changes)")
        parser.add_argument("--school", help="only this school (by code)")
        parser.add_argument("--today", help="the day to count from, YYYY-MM-DD (default: today)")
        parser.add_argument("--user", help="your username: named in the pupils' audit history as who archived them")

    def handle(self, *args, apply: bool, school: str | None, today: str | None, user: str | None = None, **options):
        day = parse_today(today)
        chosen = school_option(school)
        by = user_option(user)
        if apply:
            pupils = pupils_archive_leavers(today=day, school=chosen, archived_by=by)
        else:
            pupils = list(leavers_to_archive(today=day, school=chosen))
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
