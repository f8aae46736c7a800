"""Report pages, mounted under /reports/ with the namespace ``reports`` (sencotrack/urls.py)."""

from django.urls import path

from reports import case_study_views, trust_views, views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("runs/<uuid:public_id>/", views.run_detail, name="run"),
    path("runs/<uuid:public_id>/download/<str:fmt>/", views.run_download, name="run_download"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/expected-progress.csv", views.dashboard_csv, name="dashboard_csv"),
    path("dashboard/lists/<slug:key>/", views.dashboard_list, name="dashboard_list"),
    path("dashboard/pupils/<uuid:public_id>/", views.pupil_dashboard, name="pupil_dashboard"),
    path("governors/", views.governor, name="governor"),
    path("pupils/<uuid:public_id>/case-study/", views.case_study, name="case_study"),
    path("pupils/<uuid:public_id>/pack-case-study/", case_study_views.pack_case_study, name="pack_case_study"),
    path("trust/", trust_views.trust_dashboard, name="trust"),
    path("trust/pack/", trust_views.trust_pack, name="trust_pack"),
    path("trust/pack/<uuid:public_id>/", trust_views.trust_run, name="trust_run"),
    path("trust/pack/<uuid:public_id>/download/<str:fmt>/", trust_views.trust_run_download, name="trust_run_download"),
]
