from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect

from demo import seed as demo
from pupils.models import School


class SignInView(auth_views.LoginView):
    """Django's login view; in development (DEBUG) it also lists the seeded demo accounts."""

    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        # A new install has nobody to sign in as: its first visit sets the school up (staff.views.setup).
        if not School.objects.exists():
            return redirect("setup")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEBUG:
            context["demo_logins"] = demo.sign_in_hints()
            context["demo_password"] = demo.DEMO_PASSWORD if context["demo_logins"] else ""
        return context
