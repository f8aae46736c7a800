"""Whole pages from the cache, for the busiest pages (the pupil page, the dashboards).

A page's body is cached under its data version (``sencotrack.freshness``); the page around it
(the layout, the menu with the person's name and school, the sign-out form) costs as much again
to render on every request. Here the whole page is cached for one person and one address, keyed
on the body's key and the person's version, with a placeholder where the CSRF token goes: each
request puts in its own token, so nothing of one request is ever served to another. A page with
messages to show (after a change) is rendered normally, which also shows them once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from sencotrack import freshness

# Stands in for the CSRF token in a cached page (the layout's meta tag and every form).
CSRF_PLACEHOLDER = "sencotrack-csrf-token-placeholder-0f3a9c"


def render_cached(
    request: HttpRequest, template: str, context: Callable[[], dict], *, key: str | None
) -> HttpResponse:
    """``render(request, template, context())``, read from the cache when ``key`` is given.

    ``key`` must name everything the page shows except the person and the address (the caller's
    body key, which holds a data version); None renders without the cache. ``context`` is called
    only when the page is rendered.
    """
    version = getattr(request.user, "sencotrack_person_version", None)
    if key is None or version is None or len(messages.get_messages(request)):
        return HttpResponse(render_to_string(template, context(), request=request))
    # Hashed: the address is the visitor's to choose, and a key must stay short whatever it is.
    named = f"{key}:page:{request.user.pk}:{version}:{request.get_full_path()}"
    page_key = "page:" + hashlib.sha256(named.encode()).hexdigest()
    html = freshness.get_page(page_key)
    if html is None:
        html = render_to_string(template, {**context(), "csrf_token": CSRF_PLACEHOLDER}, request=request)
        freshness.set_page(page_key, html)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
