"""The product's URLs plus the floors: trivial views served by the same server and middleware."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def trivial(request: HttpRequest) -> HttpResponse:
    """The framework floor: the whole middleware stack, no database, no template."""
    return HttpResponse(b"ok", content_type="text/plain")


@login_required
def trivial_signed_in(request: HttpRequest) -> HttpResponse:
    """A reference, not a target's floor: the same, plus reading the session and the signed-in user."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/trivial-signed-in/", trivial_signed_in, name="bench_trivial_signed_in"),
    path("", include("sencotrack.urls")),
]
