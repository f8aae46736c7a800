"""Report pages: history and requests, a run's progress and stored result, dashboards, case studies.

Thin views (docs/contributing.md): each starts with an access helper from ``reports.access``, binds a form,
calls a service or a selector, and renders. A page shows stored results and never recomputes a
run; downloads are served through a view that checks access, never from a public media URL.
"""

from __future__ import annotations

import csv
import io
import json
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from pupils.models import AccessAction, Role
from pupils.services_audit import access_record
from reports import casestudy, dashboard_cache, dashboards, packs, progress_table, selectors
from reports.pupil_dashboard import pupil_dashboard as pupil_dashboard_data
from reports.access import (
    case_study_pupil,
    dashboard_membership,
    dashboard_pupil,
    governor_membership,
    is_governor_pack,
    reports_membership,
    run_for_user,
)
from reports.explain import NOTES, TITLES
from reports.forms import GOVERNOR_PACK, PACK, ProgressFilterForm, ReportRequestForm, TermForm, kind_label
from reports.models import PackCaseStudy, ReportKind, ReportRun, RunStatus
from reports.packs import report_order
from reports.services import WAITING_NOTE, report_run_request, report_runs_check_alive
from reports.services_redaction import redaction_notes
from sencotrack.csvsafe import neutralise
from sencotrack.parsing import format_academic_year

ROWS_SHOWN = 500
#: Reports whose rows name pupils: each download is written to the access log.
NAMED_KINDS = {
    ReportKind.EXPECTED_PROGRESS, ReportKind.INTERVENTION_IMPACT, ReportKind.NO_GAIN_BUT_SEMH, ReportKind.TERMLY_PACK,
}


def _render(request: HttpRequest, template: str, context: dict, *, partial: str | None = None) -> HttpResponse:
    """The whole page, or only ``partial`` of it for htmx; the response varies on HX-Request either way."""
    wants_partial = partial and request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{template}#{partial}" if wants_partial else template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _asked_term(request: HttpRequest, today) -> tuple[int, str] | None:
    """The term asked for in the query string (valid), else None: the dashboard's default term."""
    if "academic_year" in request.GET or "term" in request.GET:
        form = TermForm(request.GET, today=today)
        if form.is_valid():
            return form.cleaned_data["academic_year"], form.cleaned_data["term"]
    return None


def describe_parameters(run: ReportRun) -> str:
    params = run.parameters or {}
    parts = []
    if params.get("term") and params.get("academic_year") is not None:
        parts.append(f"{params['term'].capitalize()} {format_academic_year(int(params['academic_year']))}")
    if params.get("subject"):
        parts.append(params["subject"])
    return ", ".join(parts)


# --- History and requests ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    membership = reports_membership(request)
    governor = membership.role == Role.GOVERNOR
    today = timezone.localdate()
    if request.method == "POST":
        form = ReportRequestForm(request.POST, today=today, governor=governor)
        if form.is_valid():
            kind, parameters = form.run_request()
            run = report_run_request(
                school=membership.school, kind=kind, parameters=parameters, requested_by=request.user
            )
            if run.sent_at is None:  # the broker is down or hung: the request still answers at once
                messages.warning(request, f"{kind_label(kind, parameters)} for {describe_parameters(run)} "
                                          "queued: it will start when the report service is back.")
            else:
                messages.success(request, f"{kind_label(kind, parameters)} requested for {describe_parameters(run)}.")
            return redirect("reports:run", public_id=run.public_id)
    else:
        year, term = selectors.default_term(membership.school, today=today)
        form = ReportRequestForm(
            today=today, governor=governor,
            initial={"academic_year": year, "term": term, "kind": GOVERNOR_PACK if governor else "value-added"},
        )
    runs = selectors.run_history(membership)
    report_runs_check_alive(runs)  # the embedded mode has no sweeper: a run whose thread died says so
    for run in runs:
        run.label = kind_label(run.kind, run.parameters)
        run.described = describe_parameters(run)
    return _private(render(request, "reports/run_list.html", {"form": form, "runs": runs, "governor": governor}))


# --- One run -------------------------------------------------------------------------------------------


def _display(value, suppressed: bool) -> str:
    if value is None:
        return dashboards.SUPPRESSED if suppressed else "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def result_tables(run: ReportRun) -> list[dict]:
    """The stored result as tables (a pack holds one per report); at most ROWS_SHOWN rows each on the page."""
    result = run.result or {}
    reports = result.get("reports") if run.kind == ReportKind.TERMLY_PACK else {run.kind: result}
    tables = []
    for kind, data in sorted((reports or {}).items(), key=lambda item: report_order(item[0])):
        columns = [c for c in data.get("columns", []) if c != "suppressed"]
        rows = data.get("rows", [])
        body = [
            [
                dashboards.Cell(_display(row.get(c), bool(row.get("suppressed"))),
                                numeric=isinstance(row.get(c), (int, float)) and not isinstance(row.get(c), bool),
                                muted=row.get(c) is None)
                for c in columns
            ]
            for row in rows[:ROWS_SHOWN]
        ]
        tables.append({
            "kind": kind,
            "title": TITLES.get(kind, kind),
            "note": NOTES.get(kind, ""),
            "table": dashboards.Table(caption=TITLES.get(kind, kind), headers=columns, rows=body,
                                      empty="No rows: nothing in this term meets the report's definition."),
            "total": len(rows),
            "truncated": len(rows) > ROWS_SHOWN,
        })
    return tables


@login_required
@require_GET
def run_detail(request: HttpRequest, public_id) -> HttpResponse:
    membership, run = run_for_user(request, public_id)
    report_runs_check_alive([run])  # polled while it builds: a run whose thread died is queued again
    finished = run.status in (RunStatus.DONE, RunStatus.FAILED)
    context = {
        "run": run,
        "label": kind_label(run.kind, run.parameters),
        "described": describe_parameters(run),
        "finished": finished,
        "waiting_for_broker": run.status == RunStatus.QUEUED and run.progress_note == WAITING_NOTE,
        "tables": result_tables(run) if run.status == RunStatus.DONE else [],
        "is_pack": run.kind == ReportKind.TERMLY_PACK,
        "error_line": (run.error.splitlines() or [""])[0] if run.status == RunStatus.FAILED else "",
        "rows_shown": ROWS_SHOWN,
        "redactions": redaction_notes(run.result) if run.status == RunStatus.DONE else [],
    }
    return _private(_render(request, "reports/run_detail.html", context, partial="run-status"))


def _csv(data: dict) -> str:
    columns = data.get("columns", [])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in data.get("rows", []):
        cells = []
        for column in columns:
            value = row.get(column)
            if value is None:
                cells.append("")
            elif isinstance(value, float):
                cells.append(f"{value:.2f}")
            else:
                cells.append(neutralise(value) if isinstance(value, str) else value)
        writer.writerow(cells)
    return buffer.getvalue()


@login_required
@require_GET
def run_download(request: HttpRequest, public_id, fmt: str) -> HttpResponse:
    """A finished run's stored result as CSV or JSON, or a pack's PDF or ZIP, to people who may see the run."""
    membership, run = run_for_user(request, public_id)
    if run.status != RunStatus.DONE:
        raise Http404("This report has not finished.")
    params = run.parameters or {}
    parts = (
        membership.school.code, run.kind, params.get("academic_year"), params.get("term"),
        slugify(params.get("subject") or ""), "governors" if is_governor_pack(run) else "",
    )
    stem = "-".join(str(p) for p in parts if p)
    if run.kind == ReportKind.TERMLY_PACK and params.get("academic_year"):
        # The pack's JSON, PDF and ZIP share one name: school, year, term and edition.
        stem = packs.pack_stem(run.school, int(params["academic_year"]), params["term"], is_governor_pack(run))
    if fmt == "json":
        response = HttpResponse(json.dumps(run.result, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
    elif fmt == "csv" and run.kind != ReportKind.TERMLY_PACK:
        response = HttpResponse(_csv(run.result or {}), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    elif fmt == "csv" and request.GET.get("report") in ((run.result or {}).get("reports") or {}):
        # One report of a pack (the dashboard links to the expected-progress rows it read).
        kind = request.GET["report"]
        response = HttpResponse(_csv(run.result["reports"][kind]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}-{kind}.csv"'
    elif fmt in ("pdf", "zip") and run.kind == ReportKind.TERMLY_PACK:
        stored = run.pdf if fmt == "pdf" else run.zip_file
        if not stored:
            raise Http404("This pack has no such file.")
        response = FileResponse(stored.open("rb"), as_attachment=True, filename=os.path.basename(stored.name),
                                content_type="application/pdf" if fmt == "pdf" else "application/zip")
    else:
        raise Http404("No such download.")
    if run.kind in NAMED_KINDS:
        access_record(request=request, action=AccessAction.DOWNLOADED, what=f"{run.kind} {fmt}")
    return _private(response)


# --- Dashboards ----------------------------------------------------------------------------------------


def _cached_dashboard(request: HttpRequest, membership, *, governor: bool = False) -> dashboard_cache.CachedDashboard:
    """The person's view of the dashboard for the chosen term (cached: see dashboard_cache.CachedDashboard)."""
    today = timezone.localdate()
    return dashboard_cache.CachedDashboard(membership, term=_asked_term(request, today), today=today, governor=governor)


def _progress_filters(request: HttpRequest) -> progress_table.ProgressFilters:
    """The expected-progress table's filters from the query string (the defaults, without building a form, if none)."""
    if not any(name in request.GET for name in ProgressFilterForm.base_fields):
        return progress_table.ProgressFilters()
    return ProgressFilterForm(request.GET).filters()


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The named dashboard; with htmx, only the expected-progress table's page for the filters asked for."""
    membership = dashboard_membership(request)
    cached = _cached_dashboard(request, membership)
    filters = _progress_filters(request)
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, "reports/_progress_table.html#swap", {"body": cached.body(filters)})
    else:
        response = render(request, "reports/dashboard.html", {
            "dashboard": cached.body(filters),
            "can_refresh": membership.role == Role.SENCO,
            "refresh_kind": PACK,
        })
    patch_vary_headers(response, ("HX-Request",))
    return _private(response)


@login_required
@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    """The expected-progress rows that match the table's filters, as CSV: the SENCo's (downloads are, docs/roles.md)."""
    membership = dashboard_membership(request)
    if membership.role != Role.SENCO:
        raise PermissionDenied("Only the SENCo downloads reports.")
    cached = _cached_dashboard(request, membership)
    rows = progress_table.filter_progress(cached.rows(), _progress_filters(request))
    access_record(request=request, action=AccessAction.DOWNLOADED, what="expected-progress csv (dashboard)")
    response = HttpResponse(progress_table.progress_csv(rows), content_type="text/csv; charset=utf-8")
    page = cached.page()
    name = f"{membership.school.code}-expected-progress-{page.academic_year}-{page.term}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return _private(response)


@login_required
@require_GET
def dashboard_list(request: HttpRequest, key: str) -> HttpResponse:
    """One long list from the named dashboard with every row (the dashboard shows the first few)."""
    membership = dashboard_membership(request)
    cached = _cached_dashboard(request, membership)
    page = cached.page()
    block = next((b for b in page.blocks if b.key == key), None)
    if block is None or key not in page.lists:
        raise Http404("No such list on the dashboard.")
    query = cached.list_url(key).partition("?")[2]  # the same term as the list
    back = reverse("reports:dashboard") + (f"?{query}" if query else "") + f"#{key}"
    return _private(render(request, "reports/dashboard_list.html", {
        "title": block.title, "html": page.lists[key], "term_label": page.term_label, "back": back,
        "teacher": membership.role == Role.TEACHER,
    }))


@login_required
@require_GET
def pupil_dashboard(request: HttpRequest, public_id) -> HttpResponse:
    membership, pupil = dashboard_pupil(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what="pupil dashboard")
    data = pupil_dashboard_data(pupil, today=timezone.localdate())
    can_case_study = membership.role == Role.SENCO
    context = {"data": data, "pupil": pupil, "can_case_study": can_case_study,
               "in_pack": can_case_study and PackCaseStudy.objects.filter(pupil=pupil).exists()}
    return _private(render(request, "reports/pupil_dashboard.html", context))


@login_required
@require_GET
def governor(request: HttpRequest) -> HttpResponse:
    membership = governor_membership(request)
    cached = _cached_dashboard(request, membership, governor=True)
    return _private(render(request, "reports/governor_dashboard.html", {
        "dashboard": cached.body(), "refresh_kind": GOVERNOR_PACK,
    }))


# --- Case study ----------------------------------------------------------------------------------------


@login_required
@require_GET
def case_study(request: HttpRequest, public_id) -> HttpResponse:
    _, pupil = case_study_pupil(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.DOWNLOADED, what="case study PDF")
    today = timezone.localdate()
    pdf = casestudy.case_study_pdf(pupil, today=today)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"case-study-{slugify(pupil.full_name) or 'pupil'}-{today:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
