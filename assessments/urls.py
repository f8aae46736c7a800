"""Pages for recording assessments, measures and targets. Pupils are named by public_id, never the database id."""

from django.urls import path

from assessments import views, views_reference

app_name = "assessments"

urlpatterns = [
    path("", views.grid, name="grid"),
    path("grid/check/", views.grid_check, name="grid_check"),
    path("groups/<int:group_id>/targets/", views.group_targets, name="targets"),
    path("reference-sets/", views_reference.reference_sets, name="reference_sets"),
    path("sdq/preview/", views.sdq_preview, name="sdq_preview"),
    path("pupils/<uuid:public_id>/", views.pupil_measures, name="pupil_measures"),
    path("pupils/<uuid:public_id>/targets/", views.pupil_targets, name="pupil_targets"),
    path("pupils/<uuid:public_id>/assessment/", views.assessment_add, name="assessment_add"),
    path("pupils/<uuid:public_id>/baseline/", views.baseline_add, name="baseline_add"),
    path("pupils/<uuid:public_id>/reading/", views.reading_add, name="reading_add"),
    path("pupils/<uuid:public_id>/sdq/", views.sdq_add, name="sdq_add"),
    path("pupils/<uuid:public_id>/boxall/", views.boxall_add, name="boxall_add"),
    path("pupils/<uuid:public_id>/behaviour/", views.behaviour_add, name="behaviour_add"),
    path("pupils/<uuid:public_id>/ratings/", views.ratings_add, name="ratings_add"),
    path("pupils/<uuid:public_id>/self-assessment/", views.self_assessment_add, name="self_assessment_add"),
]
