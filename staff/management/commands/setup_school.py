"""Create a school, its term dates and its first SENCo from a script (the setup page's twin).

    python manage.py setup_school --name "Riverside Academy" --code riverside \\
        --senco-email jo@example.sch.uk --senco-first-name Jo --senco-surname Morgan \\
        [--retention-years 25] [--autumn 2025-09-03:2025-12-19] [--spring ...] [--summer ...] \\
        [--password-from-env SENCO_PASSWORD]

Without a password the SENCo's set-password link is printed (and e-mailed when mail is set up).
Exit status 0 when created; 1 with the reasons on stderr otherwise, and nothing is saved.
A second school (a trust) may be added the same way; a code already in use is refused.
"""

from __future__ import annotations

import datetime as dt
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sencotrack.parsing import term_for_date
from staff import services
from staff.tokens import welcome_path

TERMS = ("autumn", "spring", "summer")


def _span(term: str, text: str | None) -> tuple[dt.date | None, dt.date | None]:
    if not text:
        return None, None
    try:
        first, last = text.split(":")
        return dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError:
        raise CommandError(f"--{term} {text!r}: write FIRST:LAST as YYYY-MM-DD:YYYY-MM-DD, e.g. 2025-09-03:2025-12-19") from None


class Command(BaseCommand):
    help = "Create a school, this year's term dates and its first SENCo (what the setup page does)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The school's name.")
        parser.add_argument("--code", required=True, help="A short code: letters, digits, hyphens (e.g. riverside).")
        parser.add_argument("--retention-years", type=int, default=25, help="Years after leaving that SEN records are kept (25).")
        parser.add_argument("--academic-year", type=int, default=None,
                            help="Start year of the academic year the term dates are for (default: the current one).")
        for term in TERMS:
            parser.add_argument(f"--{term}", metavar="FIRST:LAST", help=f"The {term} term's first and last day, YYYY-MM-DD:YYYY-MM-DD.")
        parser.add_argument("--senco-email", required=True)
        parser.add_argument("--senco-first-name", required=True)
        parser.add_argument("--senco-surname", required=True)
        parser.add_argument("--senco-username", default="", help="Default: the e-mail address.")
        parser.add_argument("--password-from-env", metavar="VARIABLE", default="",
                            help="Read the SENCo's password from this environment variable (never from the command line).")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="Where the site is served, for the printed link.")

    def handle(self, *args, **options):
        password = ""
        if options["password_from_env"]:
            password = os.environ.get(options["password_from_env"], "")
            if not password:
                raise CommandError(f"The environment variable {options['password_from_env']} is empty or not set.")
        year = options["academic_year"] or term_for_date(timezone.localdate())[0]
        dates = {term: _span(term, options[term]) for term in TERMS}
        try:
            done = services.school_setup(
                name=options["name"], code=options["code"], retention_years=options["retention_years"],
                academic_year=year, term_dates=dates, first_name=options["senco_first_name"],
                last_name=options["senco_surname"], email=options["senco_email"],
                username=options["senco_username"], password=password, first_run=False,
            )  # fmt: skip
        except ValidationError as exc:
            raise CommandError("Nothing was saved:\n" + "\n".join(_reasons(exc))) from None
        school, senco = done.school, done.senco
        self.stdout.write(f"Created {school.name} (code {school.code}) with its SENCo {senco.get_full_name()}, "
                          f"username {senco.get_username()}.")  # fmt: skip
        if done.needs_password:
            path = welcome_path(senco)
            self.stdout.write(f"They choose their password here (works once): {options['base_url'].rstrip('/')}{path}")


OPTION = {"name": "--name", "code": "--code", "retention_years": "--retention-years", "email": "--senco-email",
          "first_name": "--senco-first-name", "last_name": "--senco-surname", "username": "--senco-username",
          "password1": "the password", **{f"{t}_{e}": f"--{t}" for t in TERMS for e in ("start", "end")}}  # fmt: skip


def _reasons(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return [f"  {m}" for m in exc.messages]
    return [f"  {OPTION.get(field, field)}: {message}" for field, errors in exc.message_dict.items() for message in errors]
