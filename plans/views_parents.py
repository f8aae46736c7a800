"""The SENCo's pages for parents' and carers' access: invite for named children, list, new link, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from plans import selectors
from plans.access import manager_membership, parent_link_for_user, pupil_for_plans
from plans.forms import ParentInviteForm
from plans.services_parents import (
    FAILED,
    NOT_CONFIGURED,
    SENT,
    Invitation,
    invitation_send,
    parent_invite,
    parent_link_revoke,
)
from plans.tokens import invitation_tokens
from pupils.forms import apply_service_errors
from pupils.models import Pupil


def _invitation_page(request: HttpRequest, invitation: Invitation, school) -> HttpResponse:
    """The link (for a new account) shown once, and whether the e-mail went. Not cached anywhere."""
    link = ""
    if invitation.needs_password:
        link = request.build_absolute_uri(reverse("family:welcome", args=[invitation.uidb64, invitation.token]))
    sent = invitation_send(
        invitation=invitation, school=school, link=link, sign_in_url=request.build_absolute_uri(reverse("login"))
    )
    response = render(request, "plans/parent_invited.html", {
        "invitation": invitation, "link": link, "sent": sent, "SENT": SENT, "FAILED": FAILED,
        "NOT_CONFIGURED": NOT_CONFIGURED, "days": invitation_tokens.lifetime_seconds // 86400,
    })  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response


def _siblings(pupil: Pupil):
    """The child, and pupils of the school on roll with the same surname (likely brothers and sisters)."""
    return (
        Pupil.objects.current()
        .filter(school_id=pupil.school_id, surname__iexact=pupil.surname)
        .order_by("-year_group", "forename")
    )


@login_required
@require_http_methods(["GET", "POST"])
def parent_invite_view(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_plans(request, public_id, write=True)
    membership = manager_membership(request)
    choices = _siblings(pupil)
    if request.method == "POST":
        form = ParentInviteForm(request.POST, pupils=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                invitation = parent_invite(
                    school=membership.school, email=data["email"], first_name=data["first_name"],
                    last_name=data["last_name"], relationship=data["relationship"], pupils=list(data["pupils"]),
                    invited_by=request.user,
                )  # fmt: skip
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return _invitation_page(request, invitation, membership.school)
    else:
        form = ParentInviteForm(initial={"pupils": [pupil]}, pupils=choices)
    return render(request, "plans/parent_invite.html", {"form": form, "pupil": pupil, "title": "Invite a parent or carer"})


@login_required
def parent_list(request: HttpRequest) -> HttpResponse:
    membership = manager_membership(request)
    return render(request, "plans/parent_list.html", {"parents": selectors.school_parents(membership.school)})


@login_required
def parent_resend(request: HttpRequest, link_id: int) -> HttpResponse:
    """A new invitation link: for a parent who has not chosen a password yet (the older link stops
    working), or who forgot theirs (it stops working at once, until they choose a new one)."""
    link = parent_link_for_user(request, link_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # after the access helper: others are refused first
    membership = manager_membership(request)
    if link.revoked_at is not None:
        messages.error(request, "This parent's access to the child is revoked: invite them again instead.")
        return redirect("plans:parents")
    try:
        invitation = parent_invite(
            school=membership.school, email=link.user.email, first_name=link.user.first_name,
            last_name=link.user.last_name, pupils=[link.pupil], invited_by=request.user, reset_password=True,
        )  # fmt: skip
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("plans:parents")
    return _invitation_page(request, invitation, membership.school)


@login_required
def parent_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = parent_link_for_user(request, link_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    parent_link_revoke(link=link, revoked_by=request.user)
    name = link.user.get_full_name() or link.user.email
    messages.success(request, f"{name} no longer sees {link.pupil.full_name}'s records, from their next click.")
    return redirect(request.POST.get("next") if request.POST.get("next") == reverse(
        "plans:pupil", args=[link.pupil.public_id]) else "plans:parents")  # fmt: skip
