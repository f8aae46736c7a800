"""The SENCo adds a pupil to the termly pack's case studies, or takes them off (POST from the pupil's page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from reports.access import case_study_pupil
from reports.services_case_studies import pack_case_study_toggle


@login_required
@require_POST
def pack_case_study(request: HttpRequest, public_id) -> HttpResponse:
    _, pupil = case_study_pupil(request, public_id)
    try:
        on = pack_case_study_toggle(pupil=pupil, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{pupil.full_name} is {'now' if on else 'no longer'} a case study in the termly "
                                  "pack (named in the SENCo's edition, anonymised in the governors').")
    return redirect("reports:pupil_dashboard", public_id=pupil.public_id)
