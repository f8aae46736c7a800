"""python manage.py run_report KIND [--school CODE] --academic-year 2025/26 --term Summer [--subject S]
[--format csv|json] [--out FILE] [--governor]  (docs/reports.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pupils.models import School
from reports.generators import REGISTRY, build, context_for
from sencotrack.parsing import ParseError, parse_academic_year, parse_term


def school_from_option(code: str | None) -> School:
    """The school a command acts on: the named one, or the only one there is."""
    if code:
        school = School.objects.filter(code__iexact=code).first()
        if school is None:
            known = ", ".join(School.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"No school with code {code!r}. Schools: {known}.")
        return school
    schools = list(School.objects.all()[:2])
    if not schools:
        raise CommandError("There is no school yet: import pupils first (manage.py import_data pupils FILE).")
    if len(schools) > 1:
        known = ", ".join(School.objects.values_list("code", flat=True))
        raise CommandError(f"There are several schools: say which with --school ({known}).")
    return schools[0]


class Command(BaseCommand):
    help = "Compute a report (the same computation the Celery task runs) and print or save it."

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"one of: {', '.join(REGISTRY)}")
        parser.add_argument("--school", help="school code (needed when there are several schools)")
        parser.add_argument("--academic-year", required=True, help="e.g. 2025/26 or 2025-26")
        parser.add_argument("--term", required=True, help="Autumn, Spring or Summer")
        parser.add_argument("--subject", help="limit to one subject (name or code)")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--out", help="write to this file instead of standard output")
        parser.add_argument("--governor", action="store_true", help="the governor's copy: small numbers suppressed")

    def handle(self, *args, kind, school, academic_year, term, subject, format, out, governor, **options):
        if kind not in REGISTRY:
            raise CommandError(f"Unknown report {kind!r}. Choose one of: {', '.join(REGISTRY)}.")
        try:
            year = parse_academic_year(academic_year)
            term_name = parse_term(term)
        except ParseError as exc:
            raise CommandError(str(exc)) from None
        target = school_from_option(school)
        try:
            ctx = context_for(school=target, academic_year=year, term=term_name, subject=subject, governor=governor)
            report = build(kind, ctx)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        text = report.to_csv() if format == "csv" else report.to_json() + "\n"
        if out:
            path = Path(out)
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"Cannot write {out}: {exc.strerror}.") from None
            self.stderr.write(f"Wrote {len(report.frame)} rows of {kind} to {out}.")
        else:
            self.stdout.write(text, ending="")
