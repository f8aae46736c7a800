"""URLs for tests/integration/test_proxy.py: the product's, plus a view that says what Django received."""

from django.http import JsonResponse
from django.urls import include, path

from sencotrack.client_ip import client_ip


def echo(request):
    return JsonResponse({
        "is_secure": request.is_secure(), "host": request.get_host(), "client_ip": client_ip(request),
        "x_forwarded_for": request.META.get("HTTP_X_FORWARDED_FOR"),
        "x_forwarded_proto": request.META.get("HTTP_X_FORWARDED_PROTO"),
        "filler": ["enough JSON to be worth compressing"] * 60,
    })  # fmt: skip


urlpatterns = [path("__echo__/", echo), path("", include("sencotrack.urls"))]
