"""python manage.py import_data KIND FILE --user USERNAME [--school CODE] [--name NAME] [--dry-run]  (docs/imports.md).

``--user`` is who the audit history records as making every change, as a browser import records
the signed-in person; a dry run saves nothing and needs none. Exit status 0 when imported (with
--dry-run: importable), else non-zero with every problem on standard error and nothing saved.
Options, output and examples: docs/imports.md, "On the command line".
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pupils.history import acting_as
from pupils.models import Membership, Role, School
from pupils.services import DEFAULT_SCHOOL_CODE, school_by_code, school_default
from imports.accounts import send_set_password_links
from imports.engine import KINDS, REFERENCE_KINDS, TEMPLATES, run_import


def _school(code: str | None) -> School:
    try:
        if code:
            if code.upper() == DEFAULT_SCHOOL_CODE and not School.objects.exists():
                return school_default()
            return school_by_code(code)
        return school_default()
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if exc.code == "several_schools":
            message = message.replace("so say which one", "so name one with --school CODE")
        raise CommandError(message) from None


def _person(username: str, school: School):
    """The active account named ``username``, if it may import at ``school``; otherwise a clear refusal."""
    person = get_user_model().objects.filter(username=username).first()
    if person is None or not person.is_active:
        raise CommandError(f"No active account is called {username!r}: give --user the username someone signs in with.")
    if not person.is_superuser and not Membership.objects.filter(
        user=person, school=school, role__in=(Role.SENCO, Role.DATA_MANAGER)
    ).exists():
        raise CommandError(
            f"{username} may not import at {school.code}: only the school's SENCo or data manager, or a superuser, may."
        )
    return person


class Command(BaseCommand):
    help = (
        "Import a CSV file exported from the MIS: all rows or, if any row is wrong, none. "
        "Kinds and their columns: "
        + "; ".join(f"{kind}: {', '.join(columns)}" for kind, columns in TEMPLATES.items())
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"what the file holds: {', '.join(KINDS)}")
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--school", help="school code (required when there are several schools)")
        parser.add_argument(
            "--name", help=f"the reference set to import into ({', '.join(REFERENCE_KINDS)} only); default: the file's name"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, saving nothing")
        parser.add_argument(
            "--site-url", help="the address people open sencotrack at, for set-password links (default: SITE_URL)"
        )
        parser.add_argument(
            "--user", metavar="USERNAME",
            help="who is running the import (recorded in the audit history); required unless --dry-run",
        )  # fmt: skip

    def handle(self, *args, kind: str, file: str, school: str | None, dry_run: bool, name: str | None = None,
               site_url: str | None = None, user: str | None = None, **options):
        kind = kind.strip().lower()
        if kind not in KINDS:
            raise CommandError(f"Unknown import kind {kind!r}. Choose one of: {', '.join(KINDS)}.")
        if name is not None and kind not in REFERENCE_KINDS:
            raise CommandError(f"--name names a reference set: it is for {' and '.join(REFERENCE_KINDS)} files only.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        if kind in REFERENCE_KINDS:
            name = " ".join((name or path.stem.replace("_", " ")).split())
            if not name:
                raise CommandError("--name cannot be blank: give the reference set a name.")
        limit = settings.IMPORT_MAX_BYTES
        try:
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None

        if not dry_run and not user:
            raise CommandError(
                "Say who is running the import with --user USERNAME: the audit history records that person as "
                "having made every change. (No account yet? Create one with manage.py createsuperuser. "
                "--dry-run checks a file without one.)"
            )
        with transaction.atomic():
            target = _school(school)
            person = _person(user, target) if user else None
            with acting_as(person):
                result = run_import(kind=kind, data=data, school=target, dry_run=dry_run, name=name, user=person)
            if dry_run or not result.ok:
                transaction.set_rollback(True)  # nor keep a DEFAULT school made for a failed import

        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if not result.ok:
            for group in result.error_groups():
                self.stderr.write(str(group))
            raise CommandError(f"{result.summary()} ({file})")
        for note in result.notes:
            self.stdout.write(note)
        for grant in result.access:
            self.stdout.write(grant)
        if result.accounts:
            base = (site_url or settings.SITE_URL).rstrip("/")
            sent = send_set_password_links(result.accounts, base, target.name)
            for account in result.accounts:
                mailed = " (e-mailed)" if account["email"] in sent else ""
                self.stdout.write(
                    f"Set-password link for {account['name']} ({account['username']}){mailed}: {base}{account['path']}"
                )
        self.stdout.write(result.summary())
