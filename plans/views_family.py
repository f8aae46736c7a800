"""The family pages: a parent or carer sees their own child, in plain words, and adds their views.

Every page starts with ``pupils.access.child_for_parent`` (a 404 for any child not theirs, a 403
for anyone who is not a parent) and logs the view. Nothing here shows points, level codes, costs,
staff notes or comments the SENCo has not shared. The welcome page turns an invitation link into
a password (Django's token machinery: single use, expiring).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from plans import pdf, selectors, services
from plans.forms import ContributionForm, ParentPasswordForm
from plans.models import ContributorRole, ParentLink
from plans.tokens import invitation_tokens, user_id_from
from pupils.forms import apply_service_errors
from pupils.models import AccessAction, Role
from pupils.services_audit import access_record
from pupils.access import child_for_parent, require_membership
from sencotrack.parsing import year_term_label

#: The child a parent last looked at, so "home" opens that child's page.
CHILD_KEY = "family_child"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _child(request: HttpRequest, public_id):
    child = child_for_parent(request, public_id)
    if request.session.get(CHILD_KEY) != str(child.public_id):
        request.session[CHILD_KEY] = str(child.public_id)
    return child


@login_required
def family_home(request: HttpRequest) -> HttpResponse:
    """A parent's home: the child they looked at last, else their first child; a page of its own when none."""
    require_membership(request, Role.PARENT)
    children = selectors.children_of(request.user)
    if not children:
        return render(request, "family/no_children.html", status=200)
    chosen = request.session.get(CHILD_KEY)
    child = next((c for c in children if str(c.public_id) == chosen), children[0])
    return redirect("family:child", public_id=child.public_id)


@login_required
@require_GET
def child(request: HttpRequest, public_id) -> HttpResponse:
    pupil = _child(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what="family page")
    today = timezone.localdate()
    page = selectors.child_page(pupil, user=request.user, today=today)
    context = {
        "page": page,
        "pupil": pupil,
        "children": selectors.children_of(request.user),
        "strategies": selectors.strategies_list(page.plan) if page.plan else [],
        "term_label": year_term_label(page.academic_year, page.term),
        "today": today,
    }
    return _private(render(request, "family/child.html", context))


@login_required
@require_GET
def history(request: HttpRequest, public_id) -> HttpResponse:
    pupil = _child(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what="family page: earlier plans")
    plans = selectors.pupil_plans(pupil, today=timezone.localdate())
    return _private(render(request, "family/history.html", {
        "pupil": pupil, "plans": plans.closed, "children": selectors.children_of(request.user),
    }))  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def add_views(request: HttpRequest, public_id) -> HttpResponse:
    pupil = _child(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.VIEWED, what="family page: your views")
    plans = selectors.pupil_plans(pupil, today=timezone.localdate(), with_details=False)
    plan = plans.active
    existing = plan.contributions.filter(author=request.user).first() if plan else None
    if request.method == "POST" and plan is not None:
        form = ContributionForm(request.POST, child_name=pupil.forename, parent=True)
        if form.is_valid():
            try:
                services.contribution_save(plan=plan, author=request.user, role=ContributorRole.PARENT, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, "Thank you: your views will be part of the review.")
                return redirect("family:child", public_id=pupil.public_id)
    else:
        initial = {n: getattr(existing, n) for n in ("going_well", "concerns", "hopes")} if existing else {}
        form = ContributionForm(initial=initial, child_name=pupil.forename, parent=True)
    return _private(render(request, "family/views_form.html", {
        "form": form, "pupil": pupil, "plan": plan, "reviewed": plan is not None and plan.review_obj is not None,
        "existing": existing, "children": selectors.children_of(request.user),
    }))  # fmt: skip


@login_required
@require_GET
def report(request: HttpRequest, public_id) -> HttpResponse:
    """The termly report for parents, as a PDF, in the same plain words as the page."""
    pupil = _child(request, public_id)
    access_record(request=request, pupil=pupil, action=AccessAction.DOWNLOADED, what="parent report PDF")
    today = timezone.localdate()
    document = pdf.parent_report_pdf(pupil, user=request.user, today=today)
    return pdf.response(document, f"report-{slugify(pupil.forename) or 'child'}-{today:%Y-%m-%d}.pdf")


# --- The invitation link ---------------------------------------------------------------------------------


def _invited_user(uidb64: str, token: str):
    """The account the link was made for, while the link works and the parent still has a child here."""
    user_id = user_id_from(uidb64)
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password() or not invitation_tokens.check_token(user, token):
        return None
    if not ParentLink.objects.filter(user=user, revoked_at__isnull=True).exists():
        return None
    return user


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Choose a password from the invitation link; then signed in and on the child's page."""
    user = _invited_user(uidb64, token)
    if user is None:
        return _private(render(request, "family/welcome_invalid.html"))
    form = ParentPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()  # the password changes, so this link (and any older one) stops working
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your password is set. This is your child's page; you can come back at any time.")
        return redirect(reverse("family:home"))
    return _private(render(request, "family/welcome.html", {"form": form, "invited": user}))
