"""The family pages: a parent or carer's own child, and the invitation link that sets their password."""

from django.urls import path

from plans import views_family

app_name = "family"

urlpatterns = [
    path("", views_family.family_home, name="home"),
    path("welcome/<str:uidb64>/<str:token>/", views_family.welcome, name="welcome"),
    path("<uuid:public_id>/", views_family.child, name="child"),
    path("<uuid:public_id>/views/", views_family.add_views, name="views"),
    path("<uuid:public_id>/plans/", views_family.history, name="history"),
    path("<uuid:public_id>/report.pdf", views_family.report, name="report"),
]
