"""python manage.py build_pack [--school CODE] --academic-year 2025/26 --term Summer
--edition senco|governors|trust [--out FILE.pdf]  (docs/termly-pack.md).

Builds the same PDF the web request and the termly schedule build (``reports.packs.build_pack``;
the trust edition ``reports.pack_trust.build_trust_pack`` for the school's trust), without a worker,
writes the ZIP of CSVs and the JSON beside it under the same name, and prints where.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import pack_trust, packs
from reports.management.commands.run_report import school_from_option
from sencotrack.parsing import ParseError, parse_academic_year, parse_term


class Command(BaseCommand):
    help = "Build the termly pack (PDF, ZIP of CSVs, JSON) for a school or its trust and print where it is."

    def add_arguments(self, parser):
        parser.add_argument("--school", help="school code (needed when there are several schools)")
        parser.add_argument("--academic-year", required=True, help="e.g. 2025/26 or 2025-26")
        parser.add_argument("--term", required=True, help="Autumn, Spring or Summer")
        parser.add_argument("--edition", choices=["senco", "governors", "trust"], default="senco",
                            help="senco (names pupils), governors (figures only, suppressed), trust (its schools "
                                 "side by side)")
        parser.add_argument("--out", help="the PDF's path (default: the pack's own name in this folder); the ZIP "
                                          "and JSON go beside it with the same name")

    def handle(self, *args, school, academic_year, term, edition, out, **options):
        try:
            year = parse_academic_year(academic_year)
            term_name = parse_term(term)
        except ParseError as exc:
            raise CommandError(str(exc)) from None
        target = school_from_option(school)
        try:
            if edition == "trust":
                if target.trust is None:
                    raise CommandError(f"{target.name} belongs to no trust: build the senco or governors edition.")
                result, files = pack_trust.build_trust_pack(trust=target.trust, academic_year=year, term=term_name)
            else:
                result, files = packs.build_pack(school=target, academic_year=year, term=term_name,
                                                 governor=edition == "governors")
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        stem = result["file_name"]
        pdf_path = Path(out) if out else Path(f"{stem}.pdf")
        written = []
        try:
            pdf_path.parent.mkdir(parents=True, exist_ok=True)
            pdf_path.write_bytes(files["pdf"][1].read())
            written.append(pdf_path)
            zip_path = pdf_path.with_suffix(".zip")
            zip_path.write_bytes(files["zip_file"][1].read())
            written.append(zip_path)
            json_path = pdf_path.with_suffix(".json")
            json_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
            written.append(json_path)
        except OSError as exc:
            raise CommandError(f"Cannot write {pdf_path}: {exc.strerror}.") from None
        for path in written:
            self.stdout.write(str(path))
