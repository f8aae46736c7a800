"""The termly report pack: every report for a school and term, as a PDF and a ZIP of CSVs."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from pupils.models import School
from reports import generators
from sencotrack.parsing import format_academic_year

PACK_REPORTS = [
    "register-summary",
    "expected-progress",
    "starting-points",
    "value-added",
    "intervention-impact",
    "no-gain-but-semh",
]


def report_order(kind: str) -> int:
    """A report's place in a pack (a stored result's keys come back in any order from PostgreSQL's jsonb)."""
    return PACK_REPORTS.index(kind) if kind in PACK_REPORTS else len(PACK_REPORTS)


def pack_kinds(governor: bool = False) -> list[str]:
    """The pack's reports; a governor's pack holds only the aggregate ones."""
    return [k for k in PACK_REPORTS if not governor or k in generators.GOVERNOR_SAFE]


def compute_pack_reports(ctx: generators.ReportContext, progress=None) -> list[generators.Report]:
    """Every report of the pack for the context's school (the computation, without files).

    One context for the whole pack, so the rows several reports share are read and computed once;
    a context of :func:`compute_trust_reports` shares them with the other schools as well.
    """
    progress = progress or (lambda percent, note: None)
    kinds = pack_kinds(ctx.governor)
    reports = []
    for i, kind in enumerate(kinds):
        progress(int(80 * i / len(kinds)), f"Computing {kind}")
        reports.append(generators.build(kind, ctx))
    return reports


def compute_trust_reports(
    schools: list[School], academic_year: int, term: str, governor: bool = False
) -> dict[int, list[generators.Report]]:
    """Every school's pack reports, computed together: each table is read once for all the schools.

    Each school's reports are identical to :func:`compute_pack_reports` of that school alone (its own
    term dates and points scheme); the queries are the same few whatever the number of schools.
    """
    contexts = generators.contexts_for(schools=list(schools), academic_year=academic_year, term=term, governor=governor)
    return {ctx.school.pk: compute_pack_reports(ctx) for ctx in contexts}


def build_pack(
    *, school: School, academic_year: int, term: str, governor: bool = False, progress=None,
    reports: list[generators.Report] | None = None,
):
    """Returns (result for the run, files to attach). Governor packs hold only aggregate reports.

    ``reports``: the pack's reports when they were computed already (with other schools' packs).
    """
    progress = progress or (lambda percent, note: None)
    if reports is None:
        ctx = generators.context_for(school=school, academic_year=academic_year, term=term, governor=governor)
        reports = compute_pack_reports(ctx, progress)
    stem = pack_stem(school, academic_year, term, governor)

    progress(85, "Writing the CSV files")
    zip_bytes = pack_zip(reports)

    progress(90, "Writing the PDF")
    pdf = render_pdf(school=school, academic_year=academic_year, term=term, reports=reports, governor=governor)
    result = {
        "school": school.code,
        "academic_year": format_academic_year(academic_year),
        "term": term.capitalize(),
        "governor_copy": governor,
        "reports": {report.kind: report.to_dict() for report in reports},
    }
    files = {"zip_file": (f"{stem}.zip", ContentFile(zip_bytes)), "pdf": (f"{stem}.pdf", ContentFile(pdf))}
    return result, files


def pack_stem(school: School, academic_year: int, term: str, governor: bool) -> str:
    """The pack's file names without their extension: ``oak-2025-summer-pack``."""
    return f"{school.code}-{academic_year}-{term}{'-governors' if governor else ''}-pack"


def pack_zip(reports: list[generators.Report], notes: list[str] | None = None) -> bytes:
    """The pack's CSV files, one per report; with ``notes`` (rows removed since), a README.txt saying so."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if notes:
            archive.writestr("README.txt", "\r\n".join(["Changed since this pack was built:", *notes, ""]))
        for report in reports:
            archive.writestr(f"{report.kind}.csv", report.to_csv())
    return buffer.getvalue()


def reports_from_result(result: dict) -> list[generators.Report]:
    """A stored pack result's reports as Report objects again, to write its files from what is stored."""
    reports = []
    for kind, data in sorted(result["reports"].items(), key=lambda item: report_order(item[0])):
        meta = {k: v for k, v in data.items() if k not in ("columns", "rows")}
        frame = pd.DataFrame(data["rows"], columns=data["columns"])
        for column in frame.columns:
            # Whole numbers with blanks (a governor's suppressed counts) were nullable integers, not floats.
            values = [row.get(column) for row in data["rows"]]
            present = [v for v in values if v is not None]
            if len(present) < len(values) and present and all(type(v) is int for v in present):
                frame[column] = pd.array(values, dtype="Int64")
        reports.append(generators.Report(kind=kind, frame=frame, meta=meta))
    return reports


def render_pdf(
    *, school, academic_year, term, reports, governor, generated_at=None, notes: list[str] | None = None
) -> bytes:
    """The pack's PDF. ``generated_at``: when the figures were worked out (now, for a new pack);
    ``notes``: what has changed since (rows removed under the retention policy), printed first."""
    from weasyprint import HTML  # imported here: only workers building packs need Pango

    html = render_to_string(
        "reports/pack_pdf.html",
        {
            "school": school,
            "academic_year": format_academic_year(academic_year),
            "term": term.capitalize(),
            "reports": reports,
            "governor": governor,
            "generated_at": timezone.localtime(generated_at) if generated_at else timezone.localtime(),
            "notes": notes or [],
        },
    )
    return HTML(string=html).write_pdf()
