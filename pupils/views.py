"""The SEN register, pupils of concern, the pupil list and the pupil page.

Thin views (docs/contributing.md): every one starts with an access helper from ``pupils.access``, binds a
form, calls a service, adds a message and redirects. Reads go through ``pupils.selectors``.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from pupils import selectors
from pupils.access import current_membership, pupil_for_user, require_membership
from pupils.forms import (
    PROFILE_FIELDS,
    ConcernCloseForm,
    ConcernForm,
    PupilProfileForm,
    PupilSearchForm,
    RegisterEntryAddForm,
    RegisterEntryChangeForm,
    RegisterEntryCloseForm,
    RegisterFilterForm,
    apply_service_errors,
)
from pupils.models import Pupil, Role
from pupils.services import register_entry_close
from pupils.services_profile import (
    concern_close,
    concern_raise,
    pupil_profile_update,
    register_entry_add,
    register_entry_change,
)
from sencotrack.conflicts import Conflict, version_of

#: Roles that see named pupils: the SENCo all of the school, teachers and TAs their own pupils.
PUPIL_ROLES = (Role.SENCO, Role.TEACHER, Role.TA)
PUPILS_PER_PAGE = 50


def _partial(request: HttpRequest) -> bool:
    """An htmx request for part of a page (not htmx restoring a whole page from its history)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _render(request: HttpRequest, template: str, context: dict, *, partial: str | None = None) -> HttpResponse:
    """The whole page, or only ``partial`` of it for htmx; the response varies on HX-Request either way."""
    name = f"{template}#{partial}" if partial and _partial(request) else template
    response = render(request, name, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _next_url(request: HttpRequest, default: str) -> str:
    """Where to go back to: a same-site ``next`` given by the page, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _uuid_or_none(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _pupil_url(pupil: Pupil) -> str:
    return reverse("pupils:detail", args=[pupil.public_id])


def _typed(form) -> dict:
    """What the person typed, for the service: the form's fields less what the page was drawn from."""
    return {name: value for name, value in form.cleaned_data.items() if name not in ("version", "loaded_at")}


def _register_in_words(pupil: Pupil, entries) -> str:
    """A pupil's register as the conflict shows it: "K: SEN support from 01/09/2024 (open), SPLD; ..."."""
    spans = []
    for entry in entries:
        end = f"to {entry.end_date:%d/%m/%Y}" if entry.end_date else "(open)"
        need = f", {entry.primary_need}" if entry.primary_need else ""
        spans.append(f"{entry.get_provision_display()} from {entry.start_date:%d/%m/%Y} {end}{need}")
    return f"{pupil.full_name}'s register: " + ("; ".join(spans) if spans else "no entries")


# --- The register ------------------------------------------------------------------------------


@login_required
def register(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, *PUPIL_ROLES)
    form = RegisterFilterForm(request.GET or None, year_groups=selectors.register_year_groups(membership))
    filters = form.filters() if form.is_bound else selectors.RegisterFilters()
    data = selectors.register(membership, filters, today=timezone.localdate())
    context = {
        "form": form,
        "filters": filters,
        "register": data,
        "can_edit": membership.role == Role.SENCO,
        "own_pupils_only": membership.role != Role.SENCO,
    }
    return _render(request, "pupils/register_list.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
def register_add(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, Role.SENCO)
    pupils = selectors.pupils_on_roll(membership)
    today = timezone.localdate()
    if request.method == "POST":
        form = RegisterEntryAddForm(request.POST, pupils=pupils)
        if form.is_valid():
            data = _typed(form)
            pupil = data.pop("pupil")
            try:
                entry, closed = register_entry_add(pupil=pupil, loaded=form.loaded, **data)
            except Conflict as conflict:
                entries = sorted(conflict.current or [], key=lambda e: e.start_date, reverse=True)
                form.show_conflict(conflict, described=_register_in_words(pupil, entries))
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                provision = entry.get_provision_display()
                text = f"{pupil.full_name} is on the register: {provision} from {entry.start_date:%d/%m/%Y}."
                if closed is not None:
                    text += f" Their {closed.get_provision_display()} entry was closed on {closed.end_date:%d/%m/%Y}."
                messages.success(request, text)
                return redirect(_next_url(request, reverse("pupils:register")))
    else:
        initial = {"start_date": today}
        chosen = _uuid_or_none(request.GET.get("pupil", ""))
        if chosen:
            initial["pupil"] = pupils.filter(public_id=chosen).first()
        form = RegisterEntryAddForm(initial=initial, pupils=pupils)
    return render(
        request,
        "pupils/registerentry_form.html",
        {
            "form": form,
            "title": "Add to the SEN register",
            "submit": "Add to the register",
            "next": _next_url(request, ""),
            "cancel_url": _next_url(request, reverse("pupils:register")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register_entry_edit(request: HttpRequest, public_id, entry_id: int) -> HttpResponse:
    pupil = pupil_for_user(request, public_id, write=True)
    entry = get_object_or_404(pupil.register_entries, pk=entry_id)
    if request.method == "POST":
        form = RegisterEntryChangeForm(request.POST)
        if form.is_valid():
            try:
                register_entry_change(entry=entry, loaded=form.loaded, **_typed(form))
            except Conflict as conflict:
                form.show_conflict(conflict)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"The register entry of {pupil.full_name} was saved.")
                return redirect(_next_url(request, _pupil_url(pupil)))
    else:
        form = RegisterEntryChangeForm(
            initial={
                "provision": entry.provision,
                "primary_need": entry.primary_need,
                "secondary_need": entry.secondary_need,
                "start_date": entry.start_date,
                "review_date": entry.review_date,
                "notes": entry.notes,
            },
            drawn_from=version_of(entry),
        )
    return render(
        request,
        "pupils/registerentry_form.html",
        {
            "form": form,
            "pupil": pupil,
            "entry": entry,
            "title": f"Change the register entry of {pupil.full_name}",
            "submit": "Save changes",
            "next": _next_url(request, ""),
            "cancel_url": _next_url(request, _pupil_url(pupil)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def register_entry_end(request: HttpRequest, public_id, entry_id: int) -> HttpResponse:
    pupil = pupil_for_user(request, public_id, write=True)
    entry = get_object_or_404(pupil.register_entries, pk=entry_id)
    if request.method == "POST":
        form = RegisterEntryCloseForm(request.POST, entry=entry)
        if form.is_valid():
            try:
                entry = register_entry_close(entry=entry, end_date=form.cleaned_data["end_date"], loaded=form.loaded)
            except Conflict as conflict:
                form.show_conflict(conflict)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"The {entry.get_provision_display()} entry of {pupil.full_name} "
                    f"was closed on {entry.end_date:%d/%m/%Y}.",
                )
                return redirect(_next_url(request, _pupil_url(pupil)))
    else:
        form = RegisterEntryCloseForm(
            initial={"end_date": entry.end_date or timezone.localdate()}, entry=entry, drawn_from=version_of(entry)
        )
    return render(
        request,
        "pupils/registerentry_close.html",
        {
            "form": form,
            "pupil": pupil,
            "entry": entry,
            "next": _next_url(request, ""),
            "cancel_url": _next_url(request, _pupil_url(pupil)),
        },
    )


@login_required
def register_history(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_user(request, public_id)
    membership = current_membership(request)
    return render(
        request,
        "pupils/pupil_history.html",
        {
            "pupil": pupil,
            "history": selectors.register_history(pupil),
            "can_edit": membership.role == Role.SENCO,
            "today": timezone.localdate(),
        },
    )


# --- Pupils of concern -------------------------------------------------------------------------


@login_required
def concern_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, Role.SENCO)
    today = timezone.localdate()
    return render(request, "pupils/concern_list.html", {"concerns": selectors.open_concerns(membership, today=today)})


@login_required
@require_http_methods(["GET", "POST"])
def concern_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_user(request, public_id)
    if request.method == "POST":
        form = ConcernForm(request.POST)
        if form.is_valid():
            try:
                concern_raise(pupil=pupil, raised_by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"Your concern about {pupil.full_name} was raised. The SENCo will see it.")
                return redirect(_pupil_url(pupil))
    else:
        form = ConcernForm(initial={"raised_on": timezone.localdate()})
    return render(request, "pupils/concern_form.html", {"form": form, "pupil": pupil})


@login_required
@require_http_methods(["GET", "POST"])
def concern_end(request: HttpRequest, public_id, concern_id: int) -> HttpResponse:
    pupil = pupil_for_user(request, public_id, write=True)
    concern = get_object_or_404(pupil.concerns.select_related("raised_by"), pk=concern_id)
    if request.method == "POST":
        form = ConcernCloseForm(request.POST)
        if form.is_valid():
            try:
                concern_close(concern=concern, loaded=form.loaded, **_typed(form))
            except Conflict as conflict:
                form.show_conflict(conflict)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"The concern about {pupil.full_name} was closed.")
                return redirect(_next_url(request, reverse("pupils:concerns")))
    else:
        form = ConcernCloseForm(initial={"closed_on": timezone.localdate()}, drawn_from=version_of(concern))
    return render(
        request,
        "pupils/concern_close.html",
        {
            "form": form,
            "pupil": pupil,
            "concern": concern,
            "next": _next_url(request, ""),
            "cancel_url": _next_url(request, reverse("pupils:concerns")),
        },
    )


# --- Pupils ------------------------------------------------------------------------------------


@login_required
def pupil_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, *PUPIL_ROLES)
    form = PupilSearchForm(request.GET or None)
    query, archived = "", False
    if form.is_valid():
        query, archived = form.cleaned_data["q"], form.cleaned_data["archived"]
    pupils = selectors.pupil_search(membership, query=query, include_archived=archived, today=timezone.localdate())
    page = Paginator(pupils, PUPILS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "params": params.urlencode(),
        "own_pupils_only": membership.role != Role.SENCO,
        "can_edit": membership.role == Role.SENCO,
    }
    return _render(request, "pupils/pupil_list.html", context, partial="results")


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_user(request, public_id, write=True)
    if request.method == "POST":
        form = PupilProfileForm(request.POST)
        if form.is_valid():
            try:
                pupil_profile_update(pupil=pupil, updated_by=request.user, loaded=form.loaded, **_typed(form))
            except Conflict as conflict:
                form.show_conflict(conflict)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"The one-page profile of {pupil.full_name} was saved.")
                return redirect(_pupil_url(pupil))
    else:
        profile = selectors.pupil_profile(pupil)
        initial = {name: getattr(profile, name) for name in PROFILE_FIELDS} if profile else {}
        form = PupilProfileForm(initial=initial, drawn_from=version_of(profile))
    return render(request, "pupils/pupilprofile_form.html", {"form": form, "pupil": pupil})
