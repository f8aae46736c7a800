"""Who may see which report page (docs/roles.md).

- SENCo: every report, run and download of their school, the named dashboards and case studies.
- Teacher: the named dashboards of pupils in their own groups only.
- Governor: the governor dashboard, and governors' packs (request, view, download); nothing named.
- TA and data manager: no report pages.

Every report view starts with one of these helpers. A run or pupil outside what a person may see
is a 404 (so ids leak nothing); a role with no access at all is a 403.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest

from pupils.models import Membership, Pupil, Role
from reports.models import ReportKind, ReportRun
from pupils.access import pupil_for_user, require_membership

REPORT_ROLES = (Role.SENCO, Role.GOVERNOR)
DASHBOARD_ROLES = (Role.SENCO, Role.TEACHER)
GOVERNOR_DASHBOARD_ROLES = (Role.SENCO, Role.GOVERNOR)


def is_governor_pack(run: ReportRun) -> bool:
    return run.kind == ReportKind.TERMLY_PACK and bool((run.parameters or {}).get("governor"))


def runs_visible_to(membership: Membership):
    """The runs a membership may list and open: all of the school's for the SENCo, governors' packs for governors."""
    runs = ReportRun.objects.filter(school=membership.school)
    if membership.role == Role.SENCO:
        return runs
    if membership.role == Role.GOVERNOR:
        return runs.filter(kind=ReportKind.TERMLY_PACK, parameters__governor=True)
    return runs.none()


def reports_membership(request: HttpRequest) -> Membership:
    """The report history page: the SENCo, and governors (who see only governors' packs)."""
    return require_membership(request, *REPORT_ROLES)


def run_for_user(request: HttpRequest, public_id) -> tuple[Membership, ReportRun]:
    """A run the person may see, else 404 (another school's run, or a named report for a governor)."""
    membership = require_membership(request, *REPORT_ROLES)
    run = runs_visible_to(membership).select_related("requested_by").filter(public_id=public_id).first()
    if run is None:
        raise Http404("No such report run.")
    return membership, run


def dashboard_membership(request: HttpRequest) -> Membership:
    """Named-pupil dashboards: the SENCo (whole school) and teachers (their own groups)."""
    return require_membership(request, *DASHBOARD_ROLES)


def dashboard_pupil(request: HttpRequest, public_id) -> tuple[Membership, Pupil]:
    """A pupil's dashboard: the SENCo for any pupil, a teacher for pupils in their groups (404 otherwise)."""
    membership = require_membership(request, *DASHBOARD_ROLES)
    return membership, pupil_for_user(request, public_id)


def governor_membership(request: HttpRequest) -> Membership:
    """The governor dashboard: governors and the SENCo (who reports to them)."""
    return require_membership(request, *GOVERNOR_DASHBOARD_ROLES)


def case_study_pupil(request: HttpRequest, public_id) -> tuple[Membership, Pupil]:
    """A pupil's case study PDF: the SENCo only."""
    membership = require_membership(request, Role.SENCO)
    return membership, pupil_for_user(request, public_id)


def refresh_membership(request: HttpRequest) -> Membership:
    """Queueing a fresh pack from a dashboard: the SENCo (school pack) and governors (governors' pack)."""
    return require_membership(request, *REPORT_ROLES)
