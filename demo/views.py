from django.conf import settings
from django.contrib.auth import views as auth_views

from demo import seed as demo


class SignInView(auth_views.LoginView):
    """Django's login view; in development (DEBUG) it also lists the seeded demo accounts."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            context["demo_logins"] = demo.sign_in_hints()
            context["demo_password"] = demo.DEMO_PASSWORD if context["demo_logins"] else ""
        return context
