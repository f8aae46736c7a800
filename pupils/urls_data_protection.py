"""Data-protection pages of a pupil (included by pupils/urls.py, so in the ``pupils`` namespace)."""

from django.urls import path

from pupils import views_data_protection as views

urlpatterns = [
    path("<uuid:public_id>/archive/", views.pupil_archive_view, name="archive"),
    path("<uuid:public_id>/unarchive/", views.pupil_unarchive_view, name="unarchive"),
    path("<uuid:public_id>/subject-access/", views.subject_access, name="subject_access"),
]
