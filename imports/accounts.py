"""Sending new staff their set-password links (a staff import; docs/imports.md, "Staff").

The mail goes through Django's configured backend: SMTP when ``EMAIL_HOST`` is set, the console
(the terminal running the server or command) in the embedded mode; with neither, nothing is sent.
A person with no email, or a mail server that refuses, is not an error: the links are shown to whoever imported the file too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def send_set_password_links(accounts: Iterable[Mapping[str, str]], base_url: str, school_name: str) -> set[str]:
    """E-mail each account its link (``base_url`` + path); the emails that were sent (none when
    this server has no way to send mail: production without ``EMAIL_HOST``)."""
    sent: set[str] = set()
    if settings.EMAIL_BACKEND == "django.core.mail.backends.dummy.EmailBackend":
        return sent
    for account in accounts:
        if not account.get("email"):
            continue
        body = (
            f"Hello {account['name']},\n\n"
            f"An account has been made for you on sencotrack for {school_name}. Your username is "
            f"{account['username']}.\n\nChoose your password here (the link works once, for a few days):\n"
            f"{base_url.rstrip('/')}{account['path']}\n"
        )
        try:
            send_mail(f"Your sencotrack account at {school_name}", body, None, [account["email"]])
        except OSError:
            logger.warning("Could not e-mail the set-password link to user %s", account["username"])
            continue
        sent.add(account["email"])
    return sent
