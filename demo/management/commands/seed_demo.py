"""``manage.py seed_demo``: build the demo schools (Riverside Academy and Hillside School).

Safe by default: it fills an empty database only. ``--if-empty`` turns "not empty" into a quiet
no-op (``make run`` uses it); ``--reset`` deletes the two demo schools, their pupils and the demo
accounts, and builds them again, leaving every other school alone.
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pupils.models import School


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today {text!r} is not a date; write YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Create the demo schools: Riverside Academy (code demo, about 600 pupils with five years of "
        "assessments, interventions and comments) and Hillside School (demo-2), with demo logins. "
        "The same data every time for the same day."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--if-empty", action="store_true", help="Do nothing (and say so) when any school exists.")
        mode.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo schools (demo, demo-2), their pupils and the demo accounts first; "
            "other schools are left alone.",
        )
        parser.add_argument(
            "--pupils", type=int, default=600, metavar="N",
            help="Pupils on roll at Riverside Academy, years 7-11 (default 600; Hillside gets a sixth of it).",
        )  # fmt: skip
        parser.add_argument(
            "--no-logins", action="store_true",
            help="Do not list the demo logins at the end (make run lists them once, with demo_logins).",
        )
        parser.add_argument(
            "--today", type=_date, default=None, metavar="YYYY-MM-DD",
            help="Build the demo as it would be on this day (default: today).",
        )  # fmt: skip

    def handle(self, *args, **options) -> None:
        from demo import seed as demo

        pupils: int = options["pupils"]
        if not 25 <= pupils <= 5000:
            raise CommandError("--pupils must be from 25 to 5000")
        schools = list(School.objects.order_by("code").values_list("code", flat=True))
        others = [code for code in schools if code not in demo.DEMO_SCHOOL_CODES]
        if schools and options["if_empty"]:
            self.stdout.write(f"The database already has schools ({_listed(schools)}): not seeding the demo.")
            return
        if schools and not options["reset"]:
            raise CommandError(
                f"The database already has schools ({_listed(schools)}). seed_demo fills an empty database "
                "only: use --if-empty to skip quietly, or --reset to delete the demo schools "
                f"({', '.join(demo.DEMO_SCHOOL_CODES)}) and their accounts and seed them again "
                "(other schools are left alone)."
            )
        if others and not settings.DEBUG:
            raise CommandError(
                f"This database holds real schools ({_listed(others)}) and DEBUG is off: the demo accounts "
                "have a published password, so seed_demo will not add them here."
            )
        clashes = demo.clashing_usernames(pupils)
        if clashes:
            raise CommandError(
                f"Accounts that are not demo accounts already use the demo usernames {', '.join(clashes)}; "
                "rename them or seed the demo into another database."
            )
        started = time.perf_counter()
        if options["reset"]:
            deleted = demo.reset()
            if deleted["schools"] or deleted["accounts"]:
                self.stdout.write(
                    f"Deleted the demo: {deleted['schools']} schools, {deleted['pupils']} pupils, "
                    f"{deleted['accounts']} demo accounts."
                )
        summary = demo.seed(today=options["today"], pupils=pupils)
        elapsed = time.perf_counter() - started
        for school, counts in summary.items():
            self.stdout.write(self.style.SUCCESS(f"{school}:"))
            self.stdout.write("  " + ", ".join(f"{n} {what}" for what, n in counts.items()))
        self.stdout.write(f"Seeded the demo in {elapsed:.1f} s.")
        if not options["no_logins"]:
            self.stdout.write("")
            print_logins(self)


def _listed(codes: list[str]) -> str:
    return ", ".join(codes[:10]) + (f" and {len(codes) - 10} more" if len(codes) > 10 else "")


def print_logins(command: BaseCommand) -> None:
    from demo import seed as demo
    from pupils.navigation import url_or_none

    logins = demo.demo_logins()
    if not logins:
        command.stdout.write("No demo data: run `python manage.py seed_demo` to create the demo schools and logins.")
        return
    # Only logins that lead somewhere from the sign-in page: the trust account has no page of its own
    # yet, and the superuser has no school role (it is for the admin site, named on its own line).
    admins = [login for login in logins if login.role.startswith("Superuser")]
    logins = [login for login in logins if login not in admins
              and not (login.role.startswith("Trust") and not url_or_none("reports:trust"))]
    command.stdout.write("Demo logins:")
    for line in demo.format_logins(logins):
        command.stdout.write(line)
    for admin in admins:
        command.stdout.write(f"The admin site, /admin/: {admin.username}, same password.")
    command.stdout.write(
        command.style.WARNING(
            f"WARNING: these are demo accounts with a published password ({demo.DEMO_PASSWORD}). "
            "Never use them, or this data, on a server holding real pupils' records."
        )
    )
