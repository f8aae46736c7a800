"""The pupil page: its view sits with its assembly (``reports.pupil_page``), above every app it reads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe

from pupils.access import current_membership, pupil_for_user
from pupils.models import AccessAction, Role
from pupils.services_audit import access_record
from reports.pupil_page import TIMELINE_KINDS, pupil_page
from sencotrack import fragments

#: Timeline items shown before "Show all": the latest term or two of a busy pupil.
TIMELINE_SHOWN = 30


def _partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not htmx restoring a whole page from its history)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@login_required
def pupil_detail(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_user(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what="pupil page")
    membership = current_membership(request)
    today = timezone.localdate()
    kind = request.GET.get("type", "")
    if kind not in TIMELINE_KINDS:
        kind = ""
    show_all = request.GET.get("show") == "all"
    partial = "timeline" if _partial(request) else ""
    # The body shows the pupil's records (the school's data version), what the role may see, the
    # timeline's filter and the day (ages, the current register entry): never the person.
    key = fragments.key("pupil", membership.school_id, membership.school.data_version, pupil.pk, membership.role,
                        kind, int(show_all), partial, today.isoformat())

    def body() -> str:
        page = pupil_page(pupil, membership, today=today)
        timeline = page.timeline_of(kind)
        context = {
            "pupil": pupil,
            "page": page,
            "kind": kind,
            "timeline": timeline if show_all else timeline[:TIMELINE_SHOWN],
            "timeline_total": len(timeline),
            "can_edit": membership.role == Role.SENCO,
            "today": today,
        }
        template = "pupils/_pupil_body.html" + (f"#{partial}" if partial else "")
        return render_to_string(template, context, request=request)

    html = fragments.cached(key, body)
    if partial:
        response = HttpResponse(html)
    else:
        response = render(request, "pupils/pupil_detail.html", {
            "pupil": pupil, "body": mark_safe(html),  # noqa: S308 - our own template's output
        })
    patch_vary_headers(response, ("HX-Request",))
    return response
