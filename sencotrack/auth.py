"""Login throttling (django-axes): the authentication backend and the lockout page.

Settings (``sencotrack/settings.py``): five failures for one username from one address lock that
pair out for 15 minutes; a successful sign-in clears the count.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pupils.models import Membership
from sencotrack import freshness


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


class CachedUserBackend(ModelBackend):
    """Django's password backend, with the signed-in person read from the cache on each request.

    Every page of a signed-in person reads their user row and their memberships (with their
    schools); the cache holds both, as one entry, under the person's version
    (``freshness.person_token``), which moves on with any save or delete of the user (a new
    password, deactivation), of their memberships and of any school's settings. Django still
    checks the session's password hash and ``is_active`` against what is returned.
    ``sencotrack.access.current_membership`` picks the acting membership from
    ``user.sencotrack_memberships``.
    """

    def get_user(self, user_id):
        version = freshness.person_token(user_id)
        key = version and f"person:{user_id}:{version}"
        found = freshness.get_page(key)
        if found is None:
            user = super().get_user(user_id)
            if user is None:
                return None
            memberships = list(Membership.objects.filter(user=user).select_related("school").order_by("pk"))
            freshness.set_page(key, (user, memberships))
        else:
            user, memberships = found
            if not self.user_can_authenticate(user):
                return None
        user.sencotrack_memberships = memberships
        user.sencotrack_person_version = version  # cached whole pages are per person (sencotrack.pages)
        return user


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
