"""Login throttling (django-axes): the authentication backend and the lockout page.

Settings (``sencotrack/settings.py``): five failures for one username from one address lock that
pair out for 15 minutes; a successful sign-in clears the count.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class LoginThrottleBackend(AxesStandaloneBackend):
    """Refuses a locked-out username + address before any password is checked.

    Every sign-in over the web passes its request (the login page, the admin's login), so it is
    throttled. A call without a request is not a sign-in from the network: Django's test client
    ``login()`` and code checking a password on the server. Axes cannot throttle those (it counts
    attempts per address) and would raise; here they go on to the password check unthrottled.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _minutes(delta: timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))  # whole minutes, rounded up


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The lockout page (HTTP 429): what happened and when to try again.

    A try while locked out starts the cool-off again (axes' default), so the time to wait is
    always the whole cool-off from now.
    """
    cool_off = get_cool_off(request) or settings.AXES_COOLOFF_TIME
    retry_at = timezone.localtime(timezone.now() + cool_off)
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": _minutes(cool_off),
        "retry_at": retry_at,
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
