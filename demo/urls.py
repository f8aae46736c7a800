"""The sign-in page: Django's, listing the demo accounts in development."""

from django.urls import path

from demo.views import SignInView

urlpatterns = [path("login/", SignInView.as_view(), name="login")]
