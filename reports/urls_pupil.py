"""The ``pupils:`` pages: the pupil page, which reads every app so its view lives here, then pupils' own."""

from django.urls import path

from pupils import urls as pupils_urls
from reports import views_pupil

app_name = "pupils"

urlpatterns = [
    path("<uuid:public_id>/", views_pupil.pupil_detail, name="detail"),
    *pupils_urls.urlpatterns,
]
