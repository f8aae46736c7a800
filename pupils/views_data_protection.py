"""The SENCo's data-protection actions on a pupil: archive a leaver, put them back on roll, and
download a subject-access export.

Thin views (docs/contributing.md): each starts with an access helper, binds a form, calls a service, adds a
message and redirects. ``pupils:archive`` and ``pupils:unarchive`` answer a GET with a
confirmation page, so a plain link from the pupil page works; only a POST changes anything.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from pupils.forms import apply_service_errors
from pupils.forms_data_protection import PupilArchiveForm, PupilUnarchiveForm
from pupils.models import AccessAction, Role
from pupils.services_audit import access_record
from pupils.services_retention import pupil_archive, pupil_unarchive
from pupils.subject_access import subject_access_filename, subject_access_zip
from pupils.access import pupil_for_user, require_membership

def _pupil_url(pupil) -> str:
    return reverse("pupils:detail", args=[pupil.public_id])


@login_required
@require_http_methods(["GET", "POST"])
def pupil_archive_view(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_user(request, public_id, write=True)
    if pupil.archived_at is not None:
        messages.info(request, f"{pupil.full_name} is already archived.")
        return redirect(_pupil_url(pupil))
    has_leaving_date = pupil.leaving_date is not None
    if request.method == "POST":
        form = PupilArchiveForm(request.POST, has_leaving_date=has_leaving_date)
        if form.is_valid():
            try:
                pupil_archive(pupil=pupil, archived_by=request.user, leaving_date=form.cleaned_data.get("leaving_date"),
                              reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"{pupil.full_name} is archived: off the daily pages, with their records kept for reporting "
                    f"until {pupil.school.retention_years} years after {pupil.leaving_date:%d/%m/%Y}.",
                )
                return redirect(_pupil_url(pupil))
    else:
        form = PupilArchiveForm(initial={"leaving_date": timezone.localdate()}, has_leaving_date=has_leaving_date)
    context = {"pupil": pupil, "form": form, "archiving": True, "has_leaving_date": has_leaving_date}
    return render(request, "pupils/pupil_archive_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def pupil_unarchive_view(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_user(request, public_id, write=True)
    if pupil.archived_at is None:
        messages.info(request, f"{pupil.full_name} is on roll, not archived.")
        return redirect(_pupil_url(pupil))
    form = PupilUnarchiveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            pupil_unarchive(pupil=pupil, unarchived_by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, f"{pupil.full_name} is back on roll and on the daily pages again.")
            return redirect(_pupil_url(pupil))
    return render(request, "pupils/pupil_archive_form.html", {"pupil": pupil, "form": form, "archiving": False})


@login_required
@require_GET
def subject_access(request: HttpRequest, public_id) -> HttpResponse:
    """A ZIP of everything held on the pupil (SENCo only; archived pupils included)."""
    require_membership(request, Role.SENCO)
    pupil = pupil_for_user(request, public_id)
    content = subject_access_zip(pupil, generated_by=request.user)
    access_record(request=request, pupil=pupil, action=AccessAction.EXPORTED, what="subject-access export")
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{subject_access_filename(pupil, timezone.localdate())}"'
    response["Cache-Control"] = "private, no-store"
    return response
