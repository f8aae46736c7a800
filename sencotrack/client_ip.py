"""The client's address for login throttling (django-axes), behind a reverse proxy or not.

django-axes finds the address with django-ipware when that is installed, else it uses REMOTE_ADDR.
sencotrack does not install ipware, so behind the proxy of docker-compose.yml every sign-in would
come from the proxy's own address. ``AXES_PROXY_COUNT`` says how many proxies stand in front of
gunicorn; each appends the address it saw to X-Forwarded-For, so the client is that many entries
from the right (deploy/nginx/sencotrack.conf sets the header afresh: one proxy, one entry).
Addresses further left were written by the client and are never trusted.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    count = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
