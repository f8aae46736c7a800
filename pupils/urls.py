"""Pages of the SEN register and of pupils. A pupil is named by their public_id (a UUID), never the database id."""

from django.urls import include, path

from pupils import views, views_audit

app_name = "pupils"

urlpatterns = [
    path("", views.pupil_list, name="list"),
    path("register/", views.register, name="register"),
    path("register/add/", views.register_add, name="register_add"),
    path("concerns/", views.concern_list, name="concerns"),
    # "<uuid:public_id>/" (name="detail"), the pupil page, is added by sencotrack/urls.py: it reads every app.
    path("<uuid:public_id>/profile/", views.profile_edit, name="profile_edit"),
    path("<uuid:public_id>/history/", views.register_history, name="history"),
    path("<uuid:public_id>/audit/", views_audit.pupil_audit_view, name="audit"),
    path("<uuid:public_id>/register/<int:entry_id>/change/", views.register_entry_edit, name="entry_change"),
    path("<uuid:public_id>/register/<int:entry_id>/close/", views.register_entry_end, name="entry_close"),
    path("<uuid:public_id>/concerns/raise/", views.concern_add, name="concern_raise"),
    path("<uuid:public_id>/concerns/<int:concern_id>/close/", views.concern_end, name="concern_close"),
    path("", include("pupils.urls_data_protection")),
]
