"""The SENCo's audit page of a pupil: every change to their records, and who viewed or downloaded them.

Thin view (docs/contributing.md): an access helper, a selector, a render. SENCo only: a teacher or TA gets a
403 whatever the pupil, and a pupil of another school is a 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pupils.models import AccessAction, Pupil, Role
from pupils.selectors_audit import pupil_audit
from pupils.services_audit import access_record
from pupils.access import pupil_for_user, require_membership


def pupil_for_audit(request: HttpRequest, public_id) -> Pupil:
    """A pupil of the SENCo's school (404 otherwise); every other role is refused (403)."""
    require_membership(request, Role.SENCO)
    return pupil_for_user(request, public_id)


@login_required
@require_GET
def pupil_audit_view(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_audit(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what="audit history")
    audit = pupil_audit(pupil)
    response = render(request, "pupils/pupil_audit.html", {"pupil": pupil, "audit": audit})
    response["Cache-Control"] = "private, no-store"
    return response
