"""The SENCo's and a teacher's named dashboard: the cohort blocks (``dashboards``) then the newer figures."""

from __future__ import annotations

from pupils.models import Membership, Role
from reports import dashboards, datasets, figures_dashboard, selectors
from reports.progress_table import progress_rows


def senco_dashboard(
    membership: Membership, *, academic_year: int, term: str, runs: dict[str, selectors.StoredRun] | None = None
) -> dashboards.Dashboard:
    """The named dashboard: the whole school for the SENCo, the teacher's own pupils for a teacher."""
    school = membership.school
    teacher = membership.role == Role.TEACHER
    kinds = dashboards.TEACHER_KINDS if teacher else dashboards.SENCO_KINDS
    rows, sources, computed, packs = dashboards.report_rows(
        school, academic_year=academic_year, term=term, kinds=kinds, runs=runs
    )
    names = selectors.pupil_names(membership)
    ep = rows["expected-progress"]
    impact = rows["intervention-impact"]
    if teacher:  # only their own pupils, and aggregates worked out from those pupils alone
        ep = [r for r in ep if r["upn"] in names]
        impact = [r for r in impact if r["upn"] in names]
    dashboard = dashboards.Dashboard(academic_year, term, sources=sources, computed=computed)
    dashboard.blocks.append(dashboards.cohort_block(ep, names))
    dashboard.blocks.append(dashboards.expected_progress_block())
    term_end = datasets.report_term(school, academic_year, term).end
    dashboard.progress = progress_rows(ep, names, selectors.provisions_on(school, term_end))
    figures_dashboard.add_blocks(dashboard, school, rows, ep=ep, impact=impact, names=names, teacher=teacher,
                                  pack=packs.get("intervention-impact"))
    return dashboard
