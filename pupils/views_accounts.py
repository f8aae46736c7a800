"""The page where a new member of staff chooses their password, from the link an import (or the
SENCo) gave them. Django's password-reset confirm view: the link holds the account's id and a
token that stops working once the password is set or after ``PASSWORD_RESET_TIMEOUT``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy


class SetPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")
    reset_url_token = "set-password"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is set. Sign in with your username and the new password.")
        return response
