"""The termly report pack: every report for a school and term, as a PDF and a ZIP of CSVs."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from pupils.models import School

from reports import generators, pack_charts, pack_content
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
    ctx = None
    if reports is None:
        ctx = generators.context_for(school=school, academic_year=academic_year, term=term, governor=governor)
        reports = compute_pack_reports(ctx, progress)
    stem = pack_stem(school, academic_year, term, governor)

    progress(85, "Writing the CSV files")
    zip_bytes = pack_zip(reports)

    progress(87, "Writing the summary")
    extras = pack_content.pack_extras(
        ctx if ctx is not None
        else generators.context_for(school=school, academic_year=academic_year, term=term, governor=governor),
        reports,
    )
    progress(90, "Writing the PDF")
    pdf = render_pdf(school=school, academic_year=academic_year, term=term, reports=reports, governor=governor,
                     extras=extras)
    result = {
        "school": school.code,
        "academic_year": format_academic_year(academic_year),
        "term": term.capitalize(),
        "governor_copy": governor,
        "edition": edition_of(governor),
        "file_name": stem,
        "pack": extras,
        "reports": {report.kind: report.to_dict() for report in reports},
    }
    files = {"zip_file": (f"{stem}.zip", ContentFile(zip_bytes)), "pdf": (f"{stem}.pdf", ContentFile(pdf))}
    return result, files


def edition_of(governor: bool) -> str:
    return "governors" if governor else "senco"


def pack_stem(school: School, academic_year: int, term: str, governor: bool, edition: str | None = None) -> str:
    """The pack's file name without its extension, the same for its PDF, ZIP and JSON:
    school, year, term and edition, ``oak-2025-26-summer-governors-pack``."""
    return file_stem(school.code, academic_year, term, edition or edition_of(governor))


def file_stem(who: str, academic_year: int, term: str, edition: str) -> str:
    year = format_academic_year(int(academic_year)).replace("/", "-")
    return slugify(f"{who}-{year}-{term}-{edition}-pack")


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
    *, school, academic_year, term, reports, governor, generated_at=None, notes: list[str] | None = None,
    extras: dict | None = None,
) -> bytes:
    """The pack's PDF. ``generated_at``: when the figures were worked out (now, for a new pack);
    ``notes``: what has changed since (rows removed under the retention policy), printed first;
    ``extras``: :func:`reports.pack_content.pack_extras` (the stored result's ``pack``)."""
    extras = extras or {}
    parts = pack_content.sections(reports, extras, governor=governor)
    edition = edition_of(governor)
    context = {
        "title": f"{school.name}: SEN termly pack, {term.capitalize()} {format_academic_year(academic_year)}",
        "heading": f"{school.name}: SEN termly pack",
        "footer": f"{school.name} · {term.capitalize()} {format_academic_year(academic_year)} · {edition} edition",
        "edition_title": pack_content.EDITION_TITLES[edition],
        "summary": extras.get("summary") or {},
        "sections": parts,
        "appendices": [] if governor else pack_content.appendices(school, reports),
        "case_studies": pack_content.case_studies(school, extras, governor=governor),
        "method": pack_content.method_notes(reports, governor=governor),
    }
    return write_pdf(context, academic_year=academic_year, term=term, governor=governor,
                     generated_at=generated_at, notes=notes)


def write_pdf(context: dict, *, academic_year, term, governor, generated_at=None, notes=None) -> bytes:
    from weasyprint import HTML  # imported here: only workers building packs need Pango

    sections = context.get("sections", [])
    tables = [t for s in sections for t in s.tables]
    drawn = any(t.image for t in tables) or any(s.image for s in sections)
    wanted = any(t.figure for t in tables) or any(s.figure for s in sections)
    html = render_to_string("reports/pack_pdf.html", {
        **context,
        "academic_year": format_academic_year(academic_year),
        "term": term.capitalize(),
        "governor": governor,
        "generated_at": timezone.localtime(generated_at) if generated_at else timezone.localtime(),
        "notes": notes or [],
        "charts_drawn": drawn or not wanted,
        "no_charts_note": pack_charts.NOTE_NO_CHARTS,
        "sketch_note": "" if pack_charts.available() or not drawn else pack_charts.NOTE_SKETCHED,
    })
    return HTML(string=html).write_pdf()
