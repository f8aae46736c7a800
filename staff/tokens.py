"""Set-password links for staff accounts: Django's password-reset tokens with their own salt.

A token is made from the account's password hash, so it stops working once the password is set,
and when a new link is made (the account is given a fresh unusable password). It expires after
``STAFF_LINK_DAYS`` (docs/roles.md, "Staff and teaching groups"). The one kind of set-password link for
staff: the staff pages, ``setup_school`` and staff imports all make it with ``welcome_path``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, urlsafe_base64_encode


class StaffLinkTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "sencotrack.staff.tokens.StaffLinkTokenGenerator"

    def check_token(self, user, token) -> bool:
        """Django's check, with the staff link's lifetime instead of PASSWORD_RESET_TIMEOUT."""
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= settings.STAFF_LINK_DAYS * 24 * 60 * 60


staff_link_tokens = StaffLinkTokenGenerator()


def welcome_path(user) -> str:
    """The path of the page where a new member of staff chooses their password (staff:welcome)."""
    return reverse("staff:welcome", args=[urlsafe_base64_encode(force_bytes(user.pk)), staff_link_tokens.make_token(user)])
