"""Import a CSV file in the browser (upload, preview, confirm) and export data as CSV or XLSX.

Thin views (docs/contributing.md): each starts with :func:`import_membership`, which admits the SENCo and the
data manager of a school and refuses everyone else (403). The import itself is
``imports.engine.run_import``, the engine behind ``manage.py import_data``: the preview is its
dry run and the confirm runs it for real, all or nothing, on the same bytes. Both run as import
jobs off the request (``imports.jobs``), so a file of 60,000 rows never meets a timeout.
"""

from __future__ import annotations

import csv
import io
import logging

from django.core.exceptions import PermissionDenied
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from imports import exports, jobs, pending
from imports.accounts import send_set_password_links
from imports.models import ImportJob, JobAction, JobStatus
from imports.forms import KIND_LABELS, KIND_TEXT, UploadForm, size_text
from imports.preview import preview_table
from pupils.models import AccessAction, Membership, Role, School
from pupils.services_audit import access_record
from pupils.access import require_membership
from sencotrack.csvsafe import neutralise
from imports.engine import KINDS, ImportResult, column_help, template_csv

logger = logging.getLogger(__name__)

#: Who may import files and export named data (docs/roles.md).
IMPORT_ROLES = (Role.SENCO, Role.DATA_MANAGER)
#: docs/roles.md gives a data manager "import" for the register, assessments and interventions (every
#: kind of file, enrolments too) but no view of named SEN data: every export out is the SENCo's.
SENCO_ONLY_IMPORTS: frozenset[str] = frozenset()
SENCO_ONLY_EXPORTS = frozenset(exports.KINDS)


def import_kinds(membership: Membership) -> list[str]:
    return [k for k in KINDS if membership.role == Role.SENCO or k not in SENCO_ONLY_IMPORTS]


def export_kinds(membership: Membership) -> list[str]:
    return [k for k in exports.KINDS if membership.role == Role.SENCO or k not in SENCO_ONLY_EXPORTS]
#: Errors listed on the preview page; the CSV of errors has them all.
ERRORS_SHOWN = 200
GONE = (
    "That upload is no longer waiting: it was imported or cancelled, or it is over an hour old. "
    "Nothing was imported from it; upload the file again."
)
NOT_CHECKED = "The file has not passed its check yet, so it cannot be imported: fix the problems listed and upload it again."


def import_membership(request: HttpRequest) -> Membership:
    """The SENCo's or data manager's membership; anyone else is refused (403)."""
    return require_membership(request, *IMPORT_ROLES)


def _no_store(response: HttpResponse) -> HttpResponse:
    """Named pupils' data: never kept by a browser or proxy cache."""
    response["Cache-Control"] = "private, no-store"
    return response


def _kind_or_default(text: str | None) -> str:
    return text if text in KINDS else "pupils"


def _kinds(allowed: list[str]) -> list[dict]:
    return [
        {"kind": kind, "label": KIND_LABELS[kind], "text": KIND_TEXT[kind], "columns": column_help(kind)}
        for kind in allowed
    ]


# --- Upload ---------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    membership = import_membership(request)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, kinds=import_kinds(membership))
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            waiting = pending.save(
                request.session, kind=kind, school_id=membership.school_id,
                filename=form.cleaned_data["file"].name, data=form.data_bytes,
                set_name=form.cleaned_data.get("set_name", ""),
            )  # fmt: skip
            jobs.jobs_sweep()  # as pending.save sweeps old files: old jobs go, dead ones are marked
            jobs.job_start(waiting=waiting, school=membership.school, user=request.user, action=JobAction.CHECK)
            return redirect("imports:preview", token=waiting.token)
        kind = _kind_or_default(request.POST.get("kind"))
    else:
        kind = _kind_or_default(request.GET.get("kind"))
        form = UploadForm(initial={"kind": kind}, kinds=import_kinds(membership))
    allowed_exports = {k: v for k, v in exports.KINDS.items() if k in export_kinds(membership)}
    context = {"form": form, "kind": kind, "kinds": _kinds(import_kinds(membership)), "exports": allowed_exports}
    if request.htmx and not request.htmx.history_restore_request and request.method == "GET":
        response = render(request, "imports/upload.html#columns", context)
    else:
        response = render(request, "imports/upload.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def template(request: HttpRequest, kind: str) -> HttpResponse:
    import_membership(request)
    if kind not in KINDS:
        raise Http404("No such kind of import.")
    response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


# --- Preview, confirm, cancel ---------------------------------------------------------------------
#
# The upload's page (``uploads/<token>/``) shows its latest job: the check's progress, then the
# preview; after "Confirm import", the import's progress, then the summary. Both run off the
# request (imports.jobs); the page polls with htmx every second and reloads when the job ends.


def _waiting(request: HttpRequest, membership: Membership, token: str) -> pending.Pending | None:
    return pending.get(request.session, token, school_id=membership.school_id)


def _latest_job(request: HttpRequest, membership: Membership, token: str, action: str | None = None) -> ImportJob | None:
    """The upload's latest job (of ``action``), if this session made the upload and this person
    started the job here; anyone else's is never found."""
    if not pending.known(request.session, token):
        return None
    found = ImportJob.objects.filter(token=token, school=membership.school, started_by=request.user)
    if action:
        found = found.filter(action=action)
    job = found.order_by("-created_at", "-pk").first()
    if job is None or job.kind not in import_kinds(membership):
        return None
    return jobs.job_check_alive(job)


def _render_preview(
    request: HttpRequest, membership: Membership, waiting: pending.Pending, data: bytes, result: ImportResult
) -> HttpResponse:
    table = preview_table(waiting.kind, data, result, school=membership.school)
    groups = result.error_groups()
    context = {
        "pending": waiting,
        "kind_text": KIND_TEXT[waiting.kind],
        "result": result,
        "table": table,
        "errors": groups[:ERRORS_SHOWN],
        "errors_hidden": max(0, len(groups) - ERRORS_SHOWN),
        "rows_with_errors": len({e.line for e in result.errors if e.line is not None}),
        "size": size_text(waiting.size),
        "form": UploadForm(initial={"kind": waiting.kind}, kinds=import_kinds(membership)),
    }
    return _no_store(render(request, "imports/preview.html", context))


def _render_job(request: HttpRequest, membership: Membership, job: ImportJob) -> HttpResponse:
    """The job's progress while it runs; for htmx's poll only the progress card."""
    live = jobs.progress_here(job.pk)
    phase = live.phase if live else job.phase
    context = {
        "job": job,
        "kind_text": KIND_TEXT[job.kind],
        "size": size_text(job.size),
        "percent": jobs.percent(job, live),
        "phase_text": PHASE_TEXT.get(phase, "Starting"),
        "done": live.done if live else job.rows_done,
        "total": live.total if live else job.rows_total,
        "waiting_for_broker": job.status == JobStatus.QUEUED and job.sent_at is None,
    }
    wants_partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "imports/job.html#job-status" if wants_partial else "imports/job.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return _no_store(response)


#: What the progress card says each phase (pupils.progress) is doing.
PHASE_TEXT = {
    "checking": "Reading and checking each row",
    "matching": "Matching the rows to the school's records",
    "saving": "Saving",
}


@login_required
@require_GET
def preview(request: HttpRequest, token: str) -> HttpResponse:
    membership = import_membership(request)
    job = _latest_job(request, membership, token)
    if job is None:
        messages.error(request, GONE)
        return redirect("imports:upload")
    if not job.finished:
        return _render_job(request, membership, job)
    if request.htmx and not request.htmx.history_restore_request:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"  # the job has ended: the whole page changes
        return _no_store(response)
    if job.status == JobStatus.FAILED:
        return _render_job(request, membership, job)
    result = jobs.result_from_json(job.result)
    if job.action == JobAction.IMPORT and result.ok:
        pending.discard(request.session, token)
        if result.accounts:  # new staff: their links, shown once to the person who imported them
            ImportJob.objects.filter(pk=job.pk).update(result={**job.result, "accounts": []})
            base = request.build_absolute_uri("/").rstrip("/")
            sent = send_set_password_links(result.accounts, base, membership.school.name)
            accounts = [{**a, "url": base + a["path"], "mailed": a["email"] in sent} for a in result.accounts]
            context = {"result": result, "accounts": accounts, "kind_text": KIND_TEXT[job.kind]}
            return _no_store(render(request, "imports/accounts.html", context))
        messages.success(request, result.summary())
        for note in [*result.notes, *result.access]:
            messages.info(request, note)
        return redirect(f"{reverse('imports:upload')}?kind={job.kind}")
    # A check, or an import that found the data changed since the check (nothing was saved): the preview.
    waiting = _waiting(request, membership, token)
    data = waiting.read() if waiting is not None else None
    if data is None:
        messages.error(request, GONE)
        return redirect("imports:upload")
    return _render_preview(request, membership, waiting, data, result)


@login_required
@require_POST
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    membership = import_membership(request)
    job = _latest_job(request, membership, token)
    if job is not None and job.action == JobAction.IMPORT and not job.finished:
        return redirect("imports:preview", token=token)  # a second click while it runs: watch the first
    check = _latest_job(request, membership, token, JobAction.CHECK)
    if check is None:
        messages.error(request, GONE)
        return redirect("imports:upload")
    if check.status != JobStatus.DONE or not jobs.result_from_json(check.result).ok:
        messages.error(request, NOT_CHECKED)
        return redirect("imports:preview", token=token)
    waiting = _waiting(request, membership, token)
    if waiting is None or not waiting.claim_for_job():
        messages.error(request, GONE)
        return redirect("imports:upload")
    jobs.job_start(waiting=waiting, school=membership.school, user=request.user, action=JobAction.IMPORT)
    return redirect("imports:preview", token=token)


@login_required
@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    membership = import_membership(request)
    job = _latest_job(request, membership, token)
    if job is not None and job.action == JobAction.IMPORT and not job.finished:
        messages.error(request, "The import has started, so it cannot be cancelled: it saves everything or nothing.")
        return redirect("imports:preview", token=token)
    pending.discard(request.session, token)
    messages.info(request, "The upload was cancelled and deleted. Nothing was imported.")
    return redirect("imports:upload")


@login_required
@require_GET
def errors_csv(request: HttpRequest, token: str) -> HttpResponse:
    membership = import_membership(request)
    job = _latest_job(request, membership, token)
    if job is None or job.status != JobStatus.DONE:
        messages.error(request, GONE)
        return redirect("imports:upload")
    result = jobs.result_from_json(job.result)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["line", "column", "message"])
    for error in result.errors:
        writer.writerow(["" if error.line is None else error.line, neutralise(error.column or ""), neutralise(error.message)])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{job.kind}-errors.csv"'
    return _no_store(response)


# --- Exports --------------------------------------------------------------------------------------


@login_required
@require_GET
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    membership = import_membership(request)
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404("No such export.")
    if kind not in export_kinds(membership):
        raise PermissionDenied("Only the SENCo can export named pupils' records.")
    today = timezone.localdate()
    data = exports.build(kind, membership.school, today=today)
    access_record(request=request, action=AccessAction.EXPORTED, what=f"{kind} export ({fmt})")
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_chunks(data), content_type=exports.FORMATS["csv"])
    else:
        response = HttpResponse(exports.xlsx_bytes(data), content_type=exports.FORMATS["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{data.filename(membership.school, fmt, today)}"'
    return _no_store(response)
