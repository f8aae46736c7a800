"""Intervention groups, the programme library, the session log and anecdotal comments.

Records are named by public ids (UUIDs), never integer keys. Programmes, which have no public id,
are named by their name (unique within a school); an enrolment by its group, pupil and start date.
"""

import datetime as dt

from django.urls import path, register_converter

from interventions import views


class IsoDateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)  # a ValueError makes the URL not match: a 404

    def to_url(self, value) -> str:
        return value.isoformat() if isinstance(value, dt.date) else str(value)


register_converter(IsoDateConverter, "isodate")

app_name = "interventions"

urlpatterns = [
    path("", views.intervention_list, name="list"),
    path("new/", views.intervention_create, name="create"),
    path("programmes/", views.programme_list, name="programmes"),
    path("programmes/add/", views.programme_add, name="programme_add"),
    path("programmes/<path:name>/edit/", views.programme_edit, name="programme_edit"),
    path("sessions/", views.session_today, name="session_today"),
    path("comments/", views.comment_list, name="comments"),
    path("comments/add/", views.comment_add, name="comment_add"),
    path("comments/pupils/", views.comment_pupil_options, name="comment_pupil_options"),
    path("<uuid:public_id>/", views.intervention_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.intervention_edit, name="edit"),
    path("<uuid:public_id>/enrol/", views.enrol, name="enrol"),
    path("<uuid:public_id>/sessions/", views.session_pick, name="session_pick"),
    path("<uuid:public_id>/sessions/<isodate:day>/", views.session_log, name="session_log"),
    path(
        "<uuid:public_id>/pupils/<uuid:pupil_id>/<isodate:start>/end/",
        views.enrolment_end,
        name="enrolment_end",
    ),
    path(
        "<uuid:public_id>/pupils/<uuid:pupil_id>/<isodate:start>/measures/",
        views.enrolment_measures,
        name="enrolment_measures",
    ),
]
