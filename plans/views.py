"""Staff pages of the review cycle: the plans overview, a pupil's plans, writing and reviewing a plan.

Thin views (docs/contributing.md): every one starts with an access helper (``plans.access``), logs a view of a
named pupil's record, binds a form, calls a service, adds a message and redirects.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from interventions.services_ui import comment_set_shared
from plans import cycle, pdf, selectors, services
from plans.access import (
    comment_for_sharing,
    outcome_for_user,
    plan_for_user,
    plans_membership,
    pupil_for_plans,
    target_for_user,
)
from plans.forms import (
    AnnualReviewForm,
    ContributionForm,
    CurricularTargetForm,
    OutcomeForm,
    OutcomeJudgementForm,
    PlanForm,
    ReviewForm,
    TargetCheckForm,
)
from plans.models import ContributorRole, PlanStatus, SupportPlan
from pupils.forms import apply_service_errors
from pupils.models import AccessAction, Pupil, Role
from pupils.services_audit import access_record
from pupils.access import current_membership
from sencotrack.parsing import year_term_label

GET_POST = require_http_methods(["GET", "POST"])


def _plan_url(plan: SupportPlan) -> str:
    return reverse("plans:plan", args=[plan.public_id])


def _pupil_url(pupil: Pupil) -> str:
    return reverse("plans:pupil", args=[pupil.public_id])


def _viewed(request: HttpRequest, pupil: Pupil, what: str) -> None:
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what=what)


def _post_only() -> HttpResponse:
    """A page that only takes POST answers a GET with 405, but only after its access helper: anyone
    who may not use it is refused (403/404) whatever the method, so a GET tells them nothing."""
    return HttpResponseNotAllowed(["POST"])


def _is_senco(request: HttpRequest) -> bool:
    membership = current_membership(request)
    return membership is not None and membership.role == Role.SENCO


# --- The overview and a pupil's plans ---------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    membership = plans_membership(request)
    today = timezone.localdate()
    rows = selectors.plans_overview(membership, today=today)
    context = {
        "rows": rows,
        "without_plan": sum(1 for r in rows if r.plan is None),
        "can_edit": membership.role == Role.SENCO,
        "own_pupils_only": membership.role != Role.SENCO,
        "annual_reviews": selectors.annual_reviews_due(membership.school, today=today)
        if membership.role == Role.SENCO else [],
    }  # fmt: skip
    return render(request, "plans/plan_list.html", context)


@login_required
def pupil_plans(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_plans(request, public_id)
    _viewed(request, pupil, "plans and reviews")
    today = timezone.localdate()
    senco = _is_senco(request)
    year, term = selectors.current_term(today)
    plans = selectors.pupil_plans(pupil, today=today)
    context = {
        "pupil": pupil,
        "plans": plans,
        "can_edit": senco,
        "can_set_targets": current_membership(request).role in (Role.SENCO, Role.TEACHER),
        "targets": selectors.challenge_targets(pupil, academic_year=year),
        "academic_year": year,
        "year_label": f"{year}/{(year + 1) % 100:02d}",
        "term": term,
        "parents": selectors.pupil_parent_links(pupil) if senco else [],
        "comments": selectors.pupil_comments(pupil) if senco else [],
        "today": today,
    }
    return render(request, "plans/pupil_plans.html", context)


@login_required
def comment_share(request: HttpRequest, public_id, comment_id) -> HttpResponse:
    pupil, comment = comment_for_sharing(request, public_id, comment_id)
    if request.method != "POST":
        return _post_only()
    shared = request.POST.get("shared") == "1"
    comment_set_shared(comment=comment, shared=shared)
    if request.htmx:
        response = render(request, "plans/_comment_share.html", {"pupil": pupil, "comment": comment})
        patch_vary_headers(response, ("HX-Request",))
        return response
    text = "Parents and carers now see this comment." if shared else "Parents and carers no longer see this comment."
    messages.success(request, text)
    return redirect(f"{_pupil_url(pupil)}#comments")


# --- Writing a plan -------------------------------------------------------------------------------------


@login_required
@GET_POST
def plan_new(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_plans(request, public_id, write=True)
    today = timezone.localdate()
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.plan_create(pupil=pupil, created_by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"A draft plan for {pupil.full_name} was started: now add its outcomes.")
                return redirect(_plan_url(plan))
    else:
        form = PlanForm(initial={"starts_on": today, "review_date": cycle.default_review_date(today)})
    return render(request, "plans/plan_form.html", {"form": form, "pupil": pupil, "title": f"A new plan for {pupil.full_name}"})


@login_required
def plan_view(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id)
    _viewed(request, plan.pupil, "support plan")
    membership = current_membership(request)
    today = timezone.localdate()
    year, term = selectors.current_term(today)
    selectors.plan_detail(plan)
    context = {
        "plan": plan,
        "pupil": plan.pupil,
        "strategies": selectors.strategies_list(plan),
        "targets": selectors.curricular_targets_by_term(plan, year),
        "parent_views": selectors.parent_contributions(plan),
        "staff_views": selectors.staff_contributions(plan),
        "can_edit": membership.role == Role.SENCO,
        "can_contribute": membership.role in (Role.SENCO, Role.TEACHER),
        "editable": plan.status != PlanStatus.CLOSED and plan.review_obj is None,
        "own_views": next((c for c in plan.contributions.all() if c.author_id == request.user.pk), None),
        "academic_year": year,
        "term": term,
        "term_label": year_term_label(year, term),
        "today": today,
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
@GET_POST
def plan_edit(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id, write=True)
    if request.method == "POST":
        form = PlanForm(request.POST)
        if form.is_valid():
            try:
                services.plan_update(plan=plan, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The plan was saved.")
                return redirect(_plan_url(plan))
    else:
        form = PlanForm(initial={"starts_on": plan.starts_on, "review_date": plan.review_date, "strategies": plan.strategies})
    return render(request, "plans/plan_form.html", {
        "form": form, "pupil": plan.pupil, "plan": plan, "title": f"Change the plan for {plan.pupil.full_name}",
    })  # fmt: skip


def _post_service(request: HttpRequest, plan: SupportPlan, action, success: str, *, to: str | None = None) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_plan_url(plan))
    messages.success(request, success)
    return redirect(to or _plan_url(plan))


@login_required
def plan_start(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id, write=True)
    if request.method != "POST":
        return _post_only()
    return _post_service(
        request, plan, lambda: services.plan_start(plan=plan),
        f"The plan is in place. {plan.pupil.forename}'s register entry is due for review on "
        f"{plan.review_date.day} {plan.review_date:%B %Y}.",
    )  # fmt: skip


@login_required
def plan_discard(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id, write=True)
    if request.method != "POST":
        return _post_only()
    return _post_service(
        request, plan, lambda: services.plan_discard(plan=plan), "The draft plan was discarded.", to=_pupil_url(plan.pupil)
    )


# --- Outcomes and curricular targets ------------------------------------------------------------------------


@login_required
@GET_POST
def outcome_add(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id, write=True)
    enrolments = selectors.pupil_enrolments(plan.pupil, since=plan.starts_on)
    if request.method == "POST":
        form = OutcomeForm(request.POST, enrolments=enrolments)
        if form.is_valid():
            try:
                services.outcome_add(plan=plan, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The outcome was added.")
                return redirect(f"{_plan_url(plan)}#outcomes")
    else:
        form = OutcomeForm(initial={"by_when": plan.review_date}, enrolments=enrolments)
    return render(request, "plans/outcome_form.html", {"form": form, "plan": plan, "pupil": plan.pupil, "title": "Add an outcome"})


@login_required
@GET_POST
def outcome_edit(request: HttpRequest, plan_id, outcome_id: int) -> HttpResponse:
    plan, outcome = outcome_for_user(request, plan_id, outcome_id)
    enrolments = selectors.pupil_enrolments(plan.pupil, since=plan.starts_on)
    if request.method == "POST":
        form = OutcomeForm(request.POST, enrolments=enrolments)
        if form.is_valid():
            try:
                services.outcome_update(outcome=outcome, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The outcome was saved.")
                return redirect(f"{_plan_url(plan)}#outcomes")
    else:
        form = OutcomeForm(initial={
            "description": outcome.description, "measure": outcome.measure, "by_when": outcome.by_when,
            "provision": outcome.provision, "enrolments": list(outcome.enrolments.all()),
        }, enrolments=enrolments)  # fmt: skip
    return render(request, "plans/outcome_form.html", {
        "form": form, "plan": plan, "pupil": plan.pupil, "outcome": outcome, "title": "Change the outcome",
    })  # fmt: skip


@login_required
def outcome_remove(request: HttpRequest, plan_id, outcome_id: int) -> HttpResponse:
    plan, outcome = outcome_for_user(request, plan_id, outcome_id)
    if request.method != "POST":
        return _post_only()
    return _post_service(request, plan, lambda: services.outcome_remove(outcome=outcome), "The outcome was removed.")


@login_required
@GET_POST
def target_add(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id, write=True)
    if request.method == "POST":
        form = CurricularTargetForm(request.POST)
        if form.is_valid():
            try:
                services.curricular_target_add(plan=plan, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The target was added.")
                return redirect(f"{_plan_url(plan)}#targets")
    else:
        form = CurricularTargetForm(initial={"statement": "I can "})
    return render(request, "plans/target_form.html", {"form": form, "plan": plan, "pupil": plan.pupil, "title": "Add a curricular target"})


@login_required
@GET_POST
def target_edit(request: HttpRequest, plan_id, target_id: int) -> HttpResponse:
    plan, target = target_for_user(request, plan_id, target_id)
    if request.method == "POST":
        form = CurricularTargetForm(request.POST)
        if form.is_valid():
            try:
                services.curricular_target_update(target=target, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The target was saved.")
                return redirect(f"{_plan_url(plan)}#targets")
    else:
        form = CurricularTargetForm(initial={"subject": target.subject, "statement": target.statement})
    return render(request, "plans/target_form.html", {
        "form": form, "plan": plan, "pupil": plan.pupil, "target": target, "title": "Change the curricular target",
    })  # fmt: skip


@login_required
def target_remove(request: HttpRequest, plan_id, target_id: int) -> HttpResponse:
    plan, target = target_for_user(request, plan_id, target_id)
    if request.method != "POST":
        return _post_only()
    return _post_service(request, plan, lambda: services.curricular_target_remove(target=target), "The target was removed.")


@login_required
@GET_POST
def target_check(request: HttpRequest, plan_id, target_id: int) -> HttpResponse:
    """This term's check of a curricular target: the SENCo and the pupil's teachers."""
    plan, target = target_for_user(request, plan_id, target_id, check=True)
    year, term = selectors.current_term(timezone.localdate())
    existing = target.checks.filter(academic_year=year, term=term).first()
    if request.method == "POST":
        form = TargetCheckForm(request.POST)
        if form.is_valid():
            try:
                services.target_check_record(
                    target=target, academic_year=year, term=term, recorded_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"This term's check of “{target.statement}” was saved.")
                return redirect(f"{_plan_url(plan)}#targets")
    else:
        initial = {"status": existing.status, "note": existing.note} if existing else {}
        form = TargetCheckForm(initial=initial)
    return render(request, "plans/target_check.html", {
        "form": form, "plan": plan, "pupil": plan.pupil, "target": target, "term_label": year_term_label(year, term),
        "title": "Check a curricular target",
    })  # fmt: skip


# --- Contributions, the review and the next plan --------------------------------------------------------


@login_required
@GET_POST
def contribute(request: HttpRequest, plan_id) -> HttpResponse:
    """A teacher's (or the SENCo's) views on the plan in place, before its review."""
    plan = plan_for_user(request, plan_id, contribute=True)
    existing = plan.contributions.filter(author=request.user).first()
    if request.method == "POST":
        form = ContributionForm(request.POST, child_name=plan.pupil.forename)
        if form.is_valid():
            try:
                services.contribution_save(plan=plan, author=request.user, role=ContributorRole.STAFF, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Your views were added to the plan for its review.")
                return redirect(f"{_plan_url(plan)}#views")
    else:
        initial = {n: getattr(existing, n) for n in ("going_well", "concerns", "hopes")} if existing else {}
        form = ContributionForm(initial=initial, child_name=plan.pupil.forename)
    return render(request, "plans/contribution_form.html", {
        "form": form, "plan": plan, "pupil": plan.pupil, "title": f"Your views on {plan.pupil.forename}'s plan",
    })  # fmt: skip


def _judgement_forms(request: HttpRequest, plan: SupportPlan, choices) -> list[OutcomeJudgementForm]:
    data = request.POST if request.method == "POST" else None
    forms_ = []
    for outcome in plan.outcomes.all():
        initial = {
            "rating": outcome.rating, "evidence": outcome.evidence,
            "assessments": list(outcome.evidence_assessments.all()), "reading_tests": list(outcome.evidence_reading_tests.all()),
            "comments": list(outcome.evidence_comments.all()), "enrolments": list(outcome.evidence_enrolments.all()),
        }  # fmt: skip
        forms_.append(OutcomeJudgementForm(data, prefix=f"outcome-{outcome.pk}", outcome=outcome, choices=choices,
                                           initial=initial))  # fmt: skip
    return forms_


@login_required
@GET_POST
def review(request: HttpRequest, plan_id) -> HttpResponse:
    """The review of the plan in place: each outcome rated with its evidence, everyone's views, next steps."""
    plan = plan_for_user(request, plan_id, write=True)
    _viewed(request, plan.pupil, "plan review")
    selectors.plan_detail(plan)
    today = timezone.localdate()
    if plan.status != PlanStatus.ACTIVE:
        messages.error(request, "Only the plan in place can be reviewed.")
        return redirect(_plan_url(plan))
    choices = selectors.evidence_choices(plan)
    judgements = _judgement_forms(request, plan, choices)
    parent_views = selectors.parent_contributions(plan)
    existing = plan.review_obj
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid() and all(j.is_valid() for j in judgements):
            try:
                services.review_record(
                    plan=plan, recorded_by=request.user, today=today, **form.cleaned_data,
                    judgements=[services.Judgement(outcome=j.outcome, **{k: v for k, v in j.cleaned_data.items()})
                                for j in judgements],
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The review was recorded. Draft the next plan from it when you are ready.")
                return redirect(f"{_plan_url(plan)}#review")
    elif existing is not None:
        form = ReviewForm(initial={
            "held_on": existing.held_on, "pupil_views": existing.pupil_views, "parent_views": existing.parent_views,
            "next_steps": existing.next_steps,
        })  # fmt: skip
    else:
        joined = "\n\n".join(_contribution_text(c) for c in parent_views)
        form = ReviewForm(initial={"held_on": today, "parent_views": joined})
    return render(request, "plans/review_form.html", {
        "form": form, "judgements": judgements, "plan": plan, "pupil": plan.pupil, "parent_views": parent_views,
        "staff_views": selectors.staff_contributions(plan),
    })  # fmt: skip


def _contribution_text(c) -> str:
    name = c.author.get_full_name() if c.author else "A parent or carer"
    parts = [f"{label}: {text}" for label, text in (
        ("Going well", c.going_well), ("Worries", c.concerns), ("Hopes", c.hopes)) if text]  # fmt: skip
    return f"{name}: " + " ".join(parts)


@login_required
def draft_next(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id, write=True)
    if request.method != "POST":
        return _post_only()
    try:
        draft = services.plan_draft_next(plan=plan, created_by=request.user, today=timezone.localdate())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_plan_url(plan))
    carried = draft.outcomes.count()
    messages.success(
        request, f"The next plan was drafted from the review with {carried} outcome{'s' if carried != 1 else ''} "
        "not yet achieved. Check it, then put it in place.",
    )  # fmt: skip
    return redirect(_plan_url(draft))


# --- EHC plan annual reviews ------------------------------------------------------------------------------


@login_required
@GET_POST
def annual_review(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_plans(request, public_id, write=True)
    _viewed(request, pupil, "annual review")
    today = timezone.localdate()
    status = selectors.annual_review_status(pupil, today=today)
    if request.method == "POST":
        form = AnnualReviewForm(request.POST)
        if form.is_valid():
            try:
                services.annual_review_record(pupil=pupil, recorded_by=request.user, today=today, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "The annual review was recorded. The next is due in 12 months.")
                return redirect(f"{_pupil_url(pupil)}#annual-review")
    else:
        form = AnnualReviewForm(initial={"held_on": today})
    return render(request, "plans/annual_review_form.html", {
        "form": form, "pupil": pupil, "status": status, "title": "Record the EHC plan's annual review",
    })  # fmt: skip


# --- Printable documents ----------------------------------------------------------------------------------


def _download(request: HttpRequest, pupil: Pupil, what: str) -> None:
    access_record(request=request, pupil=pupil, action=AccessAction.DOWNLOADED, what=what)


def _filename(kind: str, pupil: Pupil) -> str:
    return f"{kind}-{slugify(pupil.full_name) or 'pupil'}-{timezone.localdate():%Y-%m-%d}.pdf"


@login_required
@require_GET
def plan_pdf(request: HttpRequest, plan_id) -> HttpResponse:
    plan = plan_for_user(request, plan_id)
    _download(request, plan.pupil, "support plan PDF")
    return pdf.response(pdf.plan_pdf(plan, today=timezone.localdate()), _filename("support-plan", plan.pupil))


@login_required
@require_GET
def passport_pdf(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_plans(request, public_id)
    _download(request, pupil, "pupil passport PDF")
    return pdf.response(pdf.passport_pdf(pupil, today=timezone.localdate()), _filename("pupil-passport", pupil))


@login_required
@require_GET
def annual_review_pdf(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_plans(request, public_id, write=True)
    _download(request, pupil, "annual review PDF")
    return pdf.response(pdf.annual_review_pdf(pupil, today=timezone.localdate()), _filename("annual-review", pupil))


@login_required
@require_GET
def parent_report_pdf(request: HttpRequest, public_id) -> HttpResponse:
    """The SENCo's copy of the report the pupil's parents download, to read it as they will."""
    pupil = pupil_for_plans(request, public_id, write=True)
    _download(request, pupil, "parent report PDF (SENCo's copy)")
    return pdf.response(
        pdf.parent_report_pdf(pupil, user=request.user, today=timezone.localdate()), _filename("parent-report", pupil)
    )
