"""The termly report pack: every report for a school and term, as a PDF and a ZIP of CSVs."""

from __future__ import annotations

import io
import zipfile

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
    "transition-matrix",
    "standardised-progress",
    "intervention-impact",
    "no-gain-but-semh",
]


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
    stem = f"{school.code}-{academic_year}-{term}{'-governors' if governor else ''}-pack"

    progress(85, "Writing the CSV files")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for report in reports:
            archive.writestr(f"{report.kind}.csv", report.to_csv())

    progress(90, "Writing the PDF")
    pdf = render_pdf(school=school, academic_year=academic_year, term=term, reports=reports, governor=governor)
    result = {
        "school": school.code,
        "academic_year": format_academic_year(academic_year),
        "term": term.capitalize(),
        "governor_copy": governor,
        "reports": {report.kind: report.to_dict() for report in reports},
    }
    files = {"zip_file": (f"{stem}.zip", ContentFile(buffer.getvalue())), "pdf": (f"{stem}.pdf", ContentFile(pdf))}
    return result, files


def render_pdf(*, school, academic_year, term, reports, governor) -> bytes:
    from weasyprint import HTML  # imported here: only workers building packs need Pango

    html = render_to_string(
        "reports/pack_pdf.html",
        {
            "school": school,
            "academic_year": format_academic_year(academic_year),
            "term": term.capitalize(),
            "reports": reports,
            "governor": governor,
            "generated_at": timezone.localtime(),
        },
    )
    return HTML(string=html).write_pdf()
