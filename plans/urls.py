"""Staff pages of plans and reviews, and the SENCo's pages for parents' access.

A pupil is named by their public_id and a plan by its own public_id (UUIDs); integer ids (an
outcome, a target, a parent's link) are only found under the plan or school they belong to.
"""

from django.urls import path

from plans import views, views_parents

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("parents/", views_parents.parent_list, name="parents"),
    path("parents/<int:link_id>/revoke/", views_parents.parent_revoke, name="parent_revoke"),
    path("parents/<int:link_id>/new-link/", views_parents.parent_resend, name="parent_resend"),
    path("pupils/<uuid:public_id>/", views.pupil_plans, name="pupil"),
    path("pupils/<uuid:public_id>/new/", views.plan_new, name="plan_new"),
    path("pupils/<uuid:public_id>/passport.pdf", views.passport_pdf, name="passport_pdf"),
    path("pupils/<uuid:public_id>/parent-report.pdf", views.parent_report_pdf, name="parent_report_pdf"),
    path("pupils/<uuid:public_id>/annual-review/", views.annual_review, name="annual_review"),
    path("pupils/<uuid:public_id>/annual-review.pdf", views.annual_review_pdf, name="annual_review_pdf"),
    path("pupils/<uuid:public_id>/parents/invite/", views_parents.parent_invite_view, name="parent_invite"),
    path("pupils/<uuid:public_id>/comments/<uuid:comment_id>/share/", views.comment_share, name="comment_share"),
    path("<uuid:plan_id>/", views.plan_view, name="plan"),
    path("<uuid:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<uuid:plan_id>/start/", views.plan_start, name="plan_start"),
    path("<uuid:plan_id>/discard/", views.plan_discard, name="plan_discard"),
    path("<uuid:plan_id>/outcomes/add/", views.outcome_add, name="outcome_add"),
    path("<uuid:plan_id>/outcomes/<int:outcome_id>/", views.outcome_edit, name="outcome_edit"),
    path("<uuid:plan_id>/outcomes/<int:outcome_id>/remove/", views.outcome_remove, name="outcome_remove"),
    path("<uuid:plan_id>/targets/add/", views.target_add, name="target_add"),
    path("<uuid:plan_id>/targets/<int:target_id>/", views.target_edit, name="target_edit"),
    path("<uuid:plan_id>/targets/<int:target_id>/remove/", views.target_remove, name="target_remove"),
    path("<uuid:plan_id>/targets/<int:target_id>/check/", views.target_check, name="target_check"),
    path("<uuid:plan_id>/views/", views.contribute, name="contribute"),
    path("<uuid:plan_id>/review/", views.review, name="review"),
    path("<uuid:plan_id>/next/", views.draft_next, name="draft_next"),
    path("<uuid:plan_id>/plan.pdf", views.plan_pdf, name="plan_pdf"),
]
