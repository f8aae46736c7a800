"""The trust leader's pages: every school of the trust side by side (aggregates only, suppressed) and the trust pack.

A trust leader has no school role (docs/roles.md): a TrustMembership names the trust, and they
see the governors' copies of its schools' figures, never a pupil. Anyone else is refused.
"""

from __future__ import annotations

import json
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from pupils.models import Trust, TrustMembership
from reports import generators, pack_content, pack_trust, packs, selectors, services
from reports.forms import TermForm
from reports.models import ReportKind, ReportRun, RunStatus
from sencotrack import fragments
from sencotrack.parsing import format_academic_year


def trust_for_user(request: HttpRequest) -> Trust:
    """The trust the signed-in person leads (the first, if several), else 403."""
    found = TrustMembership.objects.filter(user=request.user).select_related("trust").order_by("trust__name").first()
    if found is None:
        raise PermissionDenied("Only a trust leader sees the trust's pages.")
    return found.trust


def _term(request: HttpRequest, trust: Trust) -> tuple[int, str]:
    today = timezone.localdate()
    form = TermForm(request.GET, today=today)
    if request.GET and form.is_valid():
        return form.cleaned_data["academic_year"], form.cleaned_data["term"]
    first = trust.schools.order_by("name").first()
    return selectors.default_term(first, today=today) if first else (today.year, "summer")


def _per_school(trust: Trust, academic_year: int, term: str) -> list:
    schools = list(trust.schools.order_by("name"))
    if not schools:
        return []
    contexts = generators.contexts_for(schools=schools, academic_year=academic_year, term=term, governor=True)
    out = []
    for ctx in contexts:
        reports = packs.compute_pack_reports(ctx)
        out.append((ctx.school, reports, pack_content.pack_extras(ctx, reports)))
    return out


@login_required
@require_GET
def trust_dashboard(request: HttpRequest) -> HttpResponse:
    trust = trust_for_user(request)
    academic_year, term = _term(request, trust)
    schools = list(trust.schools.order_by("pk").values_list("pk", "data_version"))

    def build() -> dict:
        per_school = _per_school(trust, academic_year, term)
        if not per_school:
            return {"tables": [], "sections": [], "computed_at": timezone.localtime()}
        sections = [pack_trust.value_added_side_by_side(per_school), pack_trust.programmes_side_by_side(per_school)]
        return {"headline": pack_trust.side_by_side(per_school), "sections": sections,
                "attention": [(school.name, extras["summary"]["attention"]) for school, _, extras in per_school],
                "computed_at": timezone.localtime()}

    key = fragments.key("trust", trust.pk, *[f"{pk}.{version}" for pk, version in schools], academic_year, term)
    data = fragments.cached(key, build)
    return render(request, "reports/trust_dashboard.html", {
        "trust": trust, "data": data, "form": TermForm(today=timezone.localdate()),
        "dashboard": {"academic_year": academic_year, "term": term},
        "term_label": f"{term.capitalize()} {format_academic_year(academic_year)}",
        "selected_year": str(academic_year),
    })


# --- The trust pack: a background run ------------------------------------------------------------------
# Requesting it saves a run and hands it to a worker (in the embedded mode, a thread of this process:
# sencotrack.background); the person goes straight to the run's page, which shows its progress and then
# the downloads. Only a POST starts work. A trust's runs are seen by that trust's leaders only (404 for
# any other run); they hold figures only, never a pupil.


def _trust_runs(trust: Trust):
    return ReportRun.objects.filter(trust=trust, kind=ReportKind.TRUST_PACK).select_related("requested_by")


def _describe(run: ReportRun) -> str:
    params = run.parameters or {}
    return f"{str(params.get('term', '')).capitalize()} {format_academic_year(int(params['academic_year']))}"


def _run_context(run: ReportRun) -> dict:
    return {
        "run": run,
        "described": _describe(run),
        "finished": run.status in (RunStatus.DONE, RunStatus.FAILED),
        "waiting_for_broker": run.status == RunStatus.QUEUED and run.progress_note == services.WAITING_NOTE,
        "error_line": (run.error.splitlines() or [""])[0] if run.status == RunStatus.FAILED else "",
    }


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def trust_pack(request: HttpRequest) -> HttpResponse:
    """GET: the latest trust pack run and its state, and the form to request one. POST: request one."""
    trust = trust_for_user(request)
    today = timezone.localdate()
    if request.method == "POST":
        form = TermForm(request.POST, today=today)
        if not trust.schools.exists():
            messages.error(request, "The trust has no school yet, so there is no pack to build.")
            return redirect("reports:trust_pack")
        if form.is_valid():
            run = services.report_run_request(
                trust=trust, kind=ReportKind.TRUST_PACK, requested_by=request.user,
                parameters={"academic_year": form.cleaned_data["academic_year"], "term": form.cleaned_data["term"]},
            )
            if run.sent_at is None:  # the broker is down or hung: the request still answers at once
                messages.warning(request, f"Trust pack for {_describe(run)} queued: it will start when the report "
                                          "service is back.")
            else:
                messages.success(request, f"Trust pack for {_describe(run)} requested.")
            return redirect("reports:trust_run", public_id=run.public_id)
    else:
        academic_year, term = _term(request, trust)
        form = TermForm(today=today, initial={"academic_year": academic_year, "term": term})
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-select"
    runs = list(_trust_runs(trust)[:10])
    for run in runs:
        run.described = _describe(run)
    context = {"trust": trust, "form": form, "runs": runs, "has_schools": trust.schools.exists()}
    if runs:
        context.update(_run_context(runs[0]))
    return _private(render(request, "reports/trust_pack.html", context))


def _trust_run(request: HttpRequest, public_id) -> ReportRun:
    """A run of the person's own trust, else 404 (a school's run, or another trust's)."""
    trust = trust_for_user(request)
    run = _trust_runs(trust).filter(public_id=public_id).first()
    if run is None:
        raise Http404("No such trust pack.")
    return run


@login_required
@require_GET
def trust_run(request: HttpRequest, public_id) -> HttpResponse:
    """One trust pack run: its progress while it builds (the status part updates itself), then the downloads."""
    run = _trust_run(request, public_id)
    context = {"trust": run.trust, **_run_context(run)}
    partial = request.headers.get("HX-Request") == "true"  # the status part asking for itself again
    return _private(render(request, "reports/_trust_run_status.html" if partial else "reports/trust_run.html", context))


@login_required
@require_GET
def trust_run_download(request: HttpRequest, public_id, fmt: str) -> HttpResponse:
    """A finished trust pack's PDF, ZIP (every school's CSVs) or JSON."""
    run = _trust_run(request, public_id)
    if run.status != RunStatus.DONE:
        raise Http404("This pack has not finished.")
    if fmt == "json":
        stem = (run.result or {}).get("file_name") or "trust-pack"
        response = HttpResponse(json.dumps(run.result, indent=2), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
    elif fmt in ("pdf", "zip"):
        stored = run.pdf if fmt == "pdf" else run.zip_file
        if not stored:
            raise Http404("This pack has no such file.")
        response = FileResponse(stored.open("rb"), as_attachment=True, filename=os.path.basename(stored.name),
                                content_type="application/pdf" if fmt == "pdf" else "application/zip")
    else:
        raise Http404("No such download.")
    return _private(response)
