"""First run: a new install's first visit sets the school up (no namespace: /setup/)."""

from django.urls import path

from staff import views

urlpatterns = [path("setup/", views.setup, name="setup")]
