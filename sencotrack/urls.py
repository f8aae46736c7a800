"""The root URL configuration: each app's pages included by name, so configuration imports no app."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sencotrack import source

urlpatterns = [
    path("", include("reports.urls_home")),  # home, health
    path("", include("demo.urls")),  # login
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("source/", source.source, name="source"),
    path("admin/", admin.site.urls),
    # Each app's pages under its own prefix and namespace.
    path("pupils/", include("reports.urls_pupil", namespace="pupils")),
    path("assessments/", include(("assessments.urls", "assessments"), namespace="assessments")),
    path("interventions/", include(("interventions.urls", "interventions"), namespace="interventions")),
    path("plans/", include(("plans.urls", "plans"), namespace="plans")),
    path("family/", include(("plans.urls_family", "family"), namespace="family")),
    path("reports/", include(("reports.urls", "reports"), namespace="reports")),
    path("imports/", include(("imports.urls", "imports"), namespace="imports")),
    path("staff/", include(("staff.urls", "staff"), namespace="staff")),
    path("", include("staff.urls_setup")),  # setup (first run)
]
