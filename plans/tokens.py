"""Invitation links for parents and carers: Django's password-reset tokens, with their own salt and lifetime.

A token is made from the account's password hash (among other things), so it stops working the
moment the password is set (single use), and when a new invitation gives the account a fresh
unusable password (the older link is then dead). It expires after ``PARENT_INVITATION_DAYS``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "sencotrack.plans.tokens.InvitationTokenGenerator"

    @property
    def lifetime_seconds(self) -> int:
        return settings.PARENT_INVITATION_DAYS * 24 * 60 * 60

    def check_token(self, user, token) -> bool:
        """Django's check, with the invitation's lifetime instead of PASSWORD_RESET_TIMEOUT."""
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
        return (self._num_seconds(self._now()) - ts) <= self.lifetime_seconds


invitation_tokens = InvitationTokenGenerator()


def uid_for(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_id_from(uidb64: str) -> int | None:
    try:
        return int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
