"""Import and export pages, mounted under /imports/ (namespace ``imports``) by sencotrack/urls.py."""

from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("templates/<slug:kind>.csv", views.template, name="template"),
    path("uploads/<slug:token>/", views.preview, name="preview"),
    path("uploads/<slug:token>/confirm/", views.confirm, name="confirm"),
    path("uploads/<slug:token>/cancel/", views.cancel, name="cancel"),
    path("uploads/<slug:token>/errors.csv", views.errors_csv, name="errors_csv"),
    path("export/<slug:kind>.<slug:fmt>", views.export, name="export"),
]
