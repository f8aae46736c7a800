from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from demo.views import SignInView
from pupils import urls as pupils_urls
from reports import views_home as views
from reports import views_pupil
from sencotrack import source
from staff import views as staff_views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("health/", views.health, name="health"),
    path("source/", source.source, name="source"),
    path("admin/", admin.site.urls),
    # Each app's pages under its own prefix and namespace.
    # The pupil page reads every app, so its view lives in reports; it keeps its pupils: name.
    path("pupils/", include(([
        path("<uuid:public_id>/", views_pupil.pupil_detail, name="detail"),
        *pupils_urls.urlpatterns,
    ], "pupils"), namespace="pupils")),
    path("assessments/", include(("assessments.urls", "assessments"), namespace="assessments")),
    path("interventions/", include(("interventions.urls", "interventions"), namespace="interventions")),
    path("plans/", include(("plans.urls", "plans"), namespace="plans")),
    path("family/", include(("plans.urls_family", "family"), namespace="family")),
    path("reports/", include(("reports.urls", "reports"), namespace="reports")),
    path("imports/", include(("imports.urls", "imports"), namespace="imports")),
    path("staff/", include(("staff.urls", "staff"), namespace="staff")),
    path("setup/", staff_views.setup, name="setup"),
]
