"""python manage.py import_data KIND FILE [--school CODE] [--name NAME] [--dry-run]  (docs/imports.md).

Exit status 0 when the file was imported (or, with --dry-run, would be), with a summary on
standard output; non-zero otherwise, with every problem on standard error as
``line 7: date_of_birth: '31/02/2025' is not a real date: ...`` and nothing saved.
On a database with no school it first creates one (code DEFAULT); with several, --school is
required. The new school is kept only if the import succeeds. A reference set (``quartiles``,
``national``) goes into the set ``--name`` names (made if new, updated if not); without it, the set
is named after the file.

The same problem on many rows is printed once with its lines ("lines 2-51: programme: ...").
Anyone the file gives access to pupils they could not see is listed ("Gives Jo Morgan access to
12 more pupils"). A staff file prints each new person's set-password link (``--site-url``, default
``settings.SITE_URL``) and e-mails it to them (the console in the embedded mode).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pupils.models import School
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

    def handle(self, *args, kind: str, file: str, school: str | None, dry_run: bool, name: str | None = None,
               site_url: str | None = None, **options):
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

        with transaction.atomic():
            target = _school(school)
            result = run_import(kind=kind, data=data, school=target, dry_run=dry_run, name=name)
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
