"""The first-run setup page, the staff pages and the teaching-group pages (docs/roles.md ("Staff and teaching groups") and docs/operations.md ("First run"))."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plans.tokens import user_id_from
from pupils.models import Membership, Role, TrustMembership
from sencotrack.conflicts import Conflict
from staff import forms, selectors, services
from staff.access import group_for_manager, staff_manager, staff_member_for_user
from staff.tokens import staff_link_tokens, welcome_path

logger = logging.getLogger(__name__)
GET_POST = require_http_methods(["GET", "POST"])
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- First run ---------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
@GET_POST
def setup(request: HttpRequest) -> HttpResponse:
    """Only while no school exists: afterwards a 404, so it can never take over an install."""
    if services.school_exists():
        raise Http404("This installation is already set up.")
    form = forms.SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = services.school_setup(
                name=data["name"], code=data["code"], retention_years=data["retention_years"],
                academic_year=form.academic_year, term_dates=form.term_dates(),
                first_name=data["first_name"], last_name=data["last_name"], email=data["email"],
                password=data["password1"],
            )  # fmt: skip
        except ValidationError as exc:
            if services.school_exists():  # someone else finished first
                raise Http404("This installation is already set up.") from None
            _service_errors(form, exc)
        else:
            login(request, done.senco, backend=BACKEND)
            messages.success(request, f"{done.school.name} is set up. Next: add your staff, then import your pupils.")
            return redirect("staff:list")
    return render(request, "staff/setup.html", {"form": form})


# --- Staff -------------------------------------------------------------------------------------------


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    membership = staff_manager(request)
    rows = selectors.staff_rows(membership.school)
    return render(request, "staff/staff_list.html", {"rows": rows, "membership": membership})


def _link(request: HttpRequest, user) -> str:
    return request.build_absolute_uri(welcome_path(user))


def _send_link(user, school, link: str) -> str:
    """E-mail the link: "sent", "not configured" (no mail server in production) or "failed"."""
    if settings.EMAIL_BACKEND.endswith("dummy.EmailBackend"):
        return "not configured"
    body = "\n".join([
        f"Hello {user.first_name},", "",
        f"{school.name} has given you an account on sencotrack. Choose your password here "
        f"(the link works once, for {settings.STAFF_LINK_DAYS} days):", link, "",
        f"Your username is {user.get_username()}.", "", school.name,
    ])  # fmt: skip
    try:
        send_mail(subject=f"{school.name}: your sencotrack account", message=body, from_email=None, recipient_list=[user.email])
    except Exception:  # noqa: BLE001 - a mail server that is down must not lose the link: it is on screen too
        logger.warning("the set-password e-mail could not be sent", exc_info=True)
        return "failed"
    return "sent"


def _link_page(request: HttpRequest, user, school, *, added: bool) -> HttpResponse:
    link = _link(request, user)
    sent = _send_link(user, school, link)
    return render(request, "staff/staff_link.html", {"person": user, "link": link, "sent": sent, "added": added,
                                                     "days": settings.STAFF_LINK_DAYS})  # fmt: skip


@login_required
@sensitive_post_parameters()
@GET_POST
def staff_add(request: HttpRequest) -> HttpResponse:
    membership = staff_manager(request)
    form = forms.StaffForm(request.POST or None, acting_role=membership.role, editing=False)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.staff_create(
                school=membership.school, by=membership, first_name=data["first_name"], last_name=data["last_name"],
                email=data["email"], roles=data["roles"],
            )  # fmt: skip
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            return _link_page(request, user, membership.school, added=True)
    return render(request, "staff/staff_form.html", {"form": form, "person": None})


@login_required
@GET_POST
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    membership, person = staff_member_for_user(request, user_id)
    school = membership.school
    shared = services.account_shared(person, school)
    initial = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
               "roles": services.roles_at(person, school), "active": person.is_active}  # fmt: skip
    form = forms.StaffForm(request.POST or None, initial=initial, acting_role=membership.role, editing=True,
                           shared=shared, drawn_from=services.staff_version(person, school))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.staff_update(
                school=school, by=membership, user=person, first_name=data["first_name"], last_name=data["last_name"],
                email=data["email"], roles=data["roles"], active=data["active"], loaded=form.loaded,
            )  # fmt: skip
        except Conflict as conflict:
            form.show_conflict(conflict, now={**initial, **_now(conflict.current, school)})
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            state = "" if person.is_active else " They can no longer sign in."
            messages.success(request, f"Saved {person.get_full_name() or person.get_username()}.{state}")
            return redirect("staff:list")
    return render(request, "staff/staff_form.html", {
        "form": form, "person": person, "shared": shared, "may_have_link": services.may_have_link(person, school),
    })


def _now(user, school) -> dict:
    if user is None:
        return {}
    return {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
            "roles": services.roles_at(user, school), "active": user.is_active}  # fmt: skip


@login_required
@require_POST
def staff_new_link(request: HttpRequest, user_id: int) -> HttpResponse:
    """A fresh set-password link for someone who has not chosen a password yet (the old link stops working)."""
    membership, person = staff_member_for_user(request, user_id)
    if not services.may_have_link(person, membership.school):
        raise PermissionDenied("Only an account that has no password yet gets a set-password link.")
    if membership.role != Role.SENCO and Role.SENCO in services.roles_at(person, membership.school):
        raise PermissionDenied("Only a SENCo can make a link for a SENCo's account.")
    person.set_unusable_password()  # a new unusable hash: the older link stops working
    person.save(update_fields=["password"])
    return _link_page(request, person, membership.school, added=False)


def _linked_user(uidb64: str, token: str):
    user_id = user_id_from(uidb64)
    if user_id is None:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password() or not staff_link_tokens.check_token(user, token):
        return None
    # Staff, or a trust leader a staff file made (a parent's link is family:welcome, never this one).
    staff = Membership.objects.filter(user=user, role__in=services.STAFF_ROLES).exists()
    if not staff and not TrustMembership.objects.filter(user=user).exists():
        return None
    return user


@never_cache
@sensitive_post_parameters("password1", "password2")
@GET_POST
def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """A new member of staff chooses their password from their link, and is signed in."""
    user = _linked_user(uidb64, token)
    if user is None:
        return render(request, "staff/welcome_invalid.html", status=200)
    form = forms.PasswordSetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            validate_password(form.cleaned_data["password1"], user)
        except ValidationError as exc:
            form.add_error("password1", exc)
        else:
            user.set_password(form.cleaned_data["password1"])
            user.save(update_fields=["password"])
            login(request, user, backend=BACKEND)
            messages.success(request, "Your password is set. Welcome to sencotrack.")
            return redirect("home")
    return render(request, "staff/welcome.html", {"form": form, "person": user})


# --- Teaching groups ---------------------------------------------------------------------------------


@login_required
@require_GET
def group_list(request: HttpRequest) -> HttpResponse:
    membership = staff_manager(request)
    return render(request, "staff/group_list.html", {"groups": selectors.groups_with_counts(membership.school)})


@login_required
@GET_POST
def group_add(request: HttpRequest) -> HttpResponse:
    membership = staff_manager(request)
    form = forms.GroupForm(request.POST or None, staff_queryset=selectors.group_staff(membership.school),
                           drawn_from=services.group_version(None))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.teaching_group_save(
                school=membership.school, group=None, name=data["name"], subject=data["subject"],
                year_group=data["year_group"], staff=list(data["staff"]), pupils=None,
            )  # fmt: skip
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, f"Added {group.name}." + (" Now tick its pupils." if membership.role == Role.SENCO else ""))
            return redirect("staff:group_edit", group.pk)
    return render(request, "staff/group_form.html", {"form": form, "group": None,
                                                      "picks_pupils": membership.role == Role.SENCO})


@login_required
@GET_POST
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    membership, group = group_for_manager(request, group_id)
    # Only the SENCo picks pupils by name here: a data manager sees no named pupil (docs/roles.md)
    # and brings class lists in with the groups import.
    pupils = selectors.group_pupil_choices(group) if membership.role == Role.SENCO else None
    initial = {"name": group.name, "subject": group.subject, "year_group": group.year_group,
               "staff": list(group.staff.all()), "pupils": list(group.pupils.all())}  # fmt: skip
    form = forms.GroupForm(request.POST or None, initial=initial, staff_queryset=selectors.group_staff(membership.school),
                           pupil_queryset=pupils, drawn_from=services.group_version(group))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.teaching_group_save(
                school=membership.school, group=group, name=data["name"], subject=data["subject"],
                year_group=data["year_group"], staff=list(data["staff"]),
                pupils=list(data["pupils"]) if pupils is not None else None, loaded=form.loaded,
            )  # fmt: skip
        except Conflict as conflict:
            current = conflict.current
            now = {} if current is None else {
                "name": current.name, "subject": current.subject, "year_group": current.year_group,
                "staff": list(current.staff.all()), "pupils": list(current.pupils.all()),
            }  # fmt: skip
            form.show_conflict(conflict, now=now)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, f"Saved {group.name}: {group.pupils.count()} pupils.")
            return redirect("staff:groups")
    return render(request, "staff/group_form.html", {"form": form, "group": group, "picks_pupils": pupils is not None})
