from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sencotrack.access import current_membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = current_membership(request)
    return render(request, "home.html", {"membership": membership})


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose health checks: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
