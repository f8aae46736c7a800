"""The governor dashboard in plain words: the pack's summary on top, the latest figures, a reading per chart.

The page always shows the latest figures of the term, worked out from the records when the page is
built (it is cached until a record of the school changes: ``dashboard_cache.CachedDashboard``), and says
when. Tables list what a governor may see; groups hidden under docs/figures.md 9.8 are counted, not
listed row by row as "suppressed".
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from pupils.models import School
from reports import charts, dashboards, figures_dashboard, generators, pack_content
from reports.dashboards import Block, Dashboard
from reports.explain import NOTES

KINDS = ["register-summary", "starting-points", "value-added", "transition-matrix"]


def _shown(rows: list[dict]) -> tuple[list[dict], int]:
    shown = [r for r in rows if not r.get("suppressed")]
    return shown, len(rows) - len(shown)


def governor_dashboard(school: School, *, academic_year: int, term: str, runs=None) -> Dashboard:
    """Aggregates only, the governors' copies (groups under 5 suppressed); names no pupil."""
    ctx = generators.context_for(school=school, academic_year=academic_year, term=term, governor=True)
    reports = [generators.build(kind, ctx) for kind in KINDS]
    extras = pack_content.pack_extras(ctx, reports)
    rows = {r.kind: r.records() for r in reports}
    dashboard = Dashboard(academic_year, term)
    dashboard.blocks.append(summary_block(extras, computed_at=timezone.localtime()))

    va, va_hidden = _shown(rows["value-added"])
    block = dashboards.value_added_block(va)
    block.figure = charts.value_added(rows["value-added"])  # the chart marks hidden groups "suppressed"
    block.reading = pack_content.value_added_section(rows["value-added"]).reading
    if va_hidden:
        block.table.caption += f" ({va_hidden} groups with fewer than 5 pupils, or hidden with them, are not listed)"
    dashboard.blocks.append(block)

    gap = dashboards.gap_block(dashboards.sen_gap_series(school, academic_year=academic_year, term=term))
    gap.reading = pack_content.sen_gap_section(extras["sen_gap"]).reading
    dashboard.blocks.append(gap)

    sp, sp_hidden = _shown(rows["starting-points"])
    block = figures_dashboard.starting_points_block(sp)  # the SENCo's, with the national columns
    # The chart marks hidden starting points "suppressed" (the national bar beside them is public).
    block.figure = figures_dashboard.starting_points_chart(rows["starting-points"])
    block.note = NOTES["starting-points"]  # the reference sets page it names is the SENCo's
    block.reading = pack_content.starting_points_section(rows["starting-points"], governor=True).reading
    if sp_hidden:
        block.table.caption += f" ({sp_hidden} starting points with fewer than 5 pupils, or hidden with them, are not listed)"
    dashboard.blocks.append(block)

    block = dashboards.register_block(rows["register-summary"])
    block.reading = pack_content.register_section(rows["register-summary"]).reading
    dashboard.blocks.append(block)

    programmes = pack_content.programmes_section(extras["programmes"], governor=True)
    block = pack_block(programmes, "programmes")
    block.wide = True  # ten columns: the table needs the page's width
    dashboard.blocks.append(block)
    return dashboard


def summary_block(extras: dict, *, computed_at) -> Block:
    summary = extras.get("summary") or {}
    html = render_to_string("reports/_governor_summary.html", {"summary": summary, "computed_at": computed_at})
    block = Block("summary", "This term in brief", dashboards.Table("", []), "")
    block.html = html  # drawn as it is (CachedDashboard renders blocks that carry their own HTML so)
    return block


def pack_block(section: pack_content.Section, key: str) -> Block:
    """A pack section (plain-text cells) as a dashboard block."""
    table = section.tables[0]
    rows = [[dashboards.Cell(text, numeric=numeric) for text, numeric in zip(row, table.numeric, strict=False)]
            for row in table.rows]
    block = Block(key, section.title, dashboards.Table(table.caption, table.headers, rows), section.note,
                  section.figure, summary=section.reading)
    block.reading = section.reading
    return block

