from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from plans.selectors import annual_reviews_due
from pupils.access import current_membership
from pupils.models import Role
from pupils.navigation import url_or_none
from reports import home as selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's starting page: what needs doing today."""
    membership = current_membership(request)
    if membership is None:
        # A trust leader has no school role: their home is the trust's side-by-side dashboard; an
        # administrator's is the admin.
        if request.user.trust_memberships.exists():
            return redirect("reports:trust")
        if request.user.is_staff:
            return redirect("admin:index")
        return render(request, "home/no_role.html")
    today = timezone.localdate()
    context = {"today": today}
    if membership.role == Role.PARENT:
        return redirect("family:home")  # a parent's home is their child's page
    if membership.role == Role.SENCO:
        missing = selectors.register_pupils_missing_assessment(membership, today=today)
        context |= {
            "reviews": selectors.shortlist(selectors.reviews_due(membership, today=today)),
            "review_window_days": selectors.REVIEW_WINDOW_DAYS,
            "missing": missing,
            "missing_pupils": selectors.shortlist(missing.pupils),
            "interventions": selectors.shortlist(selectors.interventions_needing_attention(membership, today=today)),
            "ending_window_days": selectors.INTERVENTION_ENDING_DAYS,
            "annual_reviews": selectors.shortlist(annual_reviews_due(membership.school, today=today)),
        }
        return render(request, "home/senco.html", context)
    if membership.role == Role.TEACHER:
        context["groups"] = selectors.teaching_groups_with_counts(membership, today=today)
        return render(request, "home/teacher.html", context)
    if membership.role == Role.TA:
        context |= {
            "pupils": selectors.ta_pupils(membership, today=today),
            "sessions": selectors.sessions_today(membership, today=today),
        }
        return render(request, "home/ta.html", context)
    if membership.role == Role.GOVERNOR:
        dashboard = url_or_none("reports:governor")
        if dashboard:
            return redirect(dashboard)
        return render(request, "home/governor.html", context)
    return render(request, "home/data_manager.html", context)


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
