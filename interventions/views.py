"""Intervention and comment pages. Each view starts with an access helper, binds a form, calls a service."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from interventions import forms, selectors, services, services_ui
from interventions.access import (
    INTERVENTION_ROLES,
    MANAGER_ROLE,
    PROGRAMME_MANAGERS,
    comment_access,
    enrolment_for_user,
    intervention_for_user,
    is_manager,
    programme_for_user,
    programmes_for_user,
)
from pupils.models import Role
from pupils.access import current_membership, require_membership
from sencotrack.conflicts import Conflict, version_of

GET_POST = require_http_methods(["GET", "POST"])


def _add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where there is one, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _typed(form) -> dict:
    """What the person typed, for the service: the form's fields less what the page was drawn from."""
    return {name: value for name, value in form.cleaned_data.items() if name not in ("version", "loaded_at")}


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _link_pupils(pupils) -> None:
    """Give each pupil a ``url`` to their page, once the pupils app has one (no queries)."""
    try:
        reverse("pupils:detail", args=[uuid.UUID(int=0)])
    except NoReverseMatch:
        return
    for pupil in pupils:
        pupil.url = reverse("pupils:detail", args=[pupil.public_id])


def _posted(request: HttpRequest):
    """The POST data to bind a form to, or None for a GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


# --- Programme library ------------------------------------------------------------------------


@login_required
@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes_for_user(request)
    membership = current_membership(request)
    programmes = selectors.programmes_for_school(membership.school)
    return render(
        request,
        "interventions/programme_list.html",
        {"programmes": programmes, "can_manage": membership.role in PROGRAMME_MANAGERS,
         "sees_groups": membership.role in INTERVENTION_ROLES},
    )


@login_required
@GET_POST
def programme_add(request: HttpRequest) -> HttpResponse:
    programmes_for_user(request, manage=True)
    membership = current_membership(request)
    form = forms.ProgrammeForm(_posted(request), school=membership.school)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services_ui.programme_create(school=membership.school, **_typed(form))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Added {programme.name} to the programme library.")
            return redirect("interventions:programmes")
    return render(request, "interventions/programme_form.html", {"form": form, "programme": None,
                                                                "sees_groups": is_manager(membership)})


@login_required
@GET_POST
def programme_edit(request: HttpRequest, name: str) -> HttpResponse:
    programme = programme_for_user(request, name, manage=True)
    membership = current_membership(request)
    initial = {
        field: getattr(programme, field)
        for field in ("name", "area_of_need", "cost_per_session", "default_measure", "description", "active")
    }
    form = forms.ProgrammeForm(
        _posted(request), initial=initial, school=programme.school, programme=programme, drawn_from=version_of(programme)
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme = services_ui.programme_update(programme=programme, loaded=form.loaded, **_typed(form))
        except Conflict as conflict:
            form.show_conflict(conflict)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved {programme.name}.")
            return redirect("interventions:programmes")
    return render(request, "interventions/programme_form.html", {"form": form, "programme": programme,
                                                                "sees_groups": is_manager(membership)})


# --- Intervention groups ------------------------------------------------------------------------


@login_required
@require_GET
def intervention_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, *INTERVENTION_ROLES)
    today = timezone.localdate()
    show = "all" if request.GET.get("show") == "all" else "current"
    interventions = list(selectors.interventions_for_list(membership, today=today, show=show))
    manager = is_manager(membership)
    return render(
        request,
        "interventions/intervention_list.html",
        {
            "interventions": interventions,
            "show": show,
            "can_manage": manager,
            "total_cost": sum(i.cost_to_date for i in interventions) if manager else None,
            "total_sessions": sum(i.sessions_delivered for i in interventions),
            "today": today,
        },
    )


def _group_form_data(form) -> dict:
    data = _typed(form)
    if not data.get("measure"):
        data["measure"] = data["programme"].default_measure
    return data


@login_required
@GET_POST
def intervention_create(request: HttpRequest) -> HttpResponse:
    require_membership(request, MANAGER_ROLE)  # the data manager keeps programmes, not groups
    programmes_for_user(request, manage=True)
    membership = current_membership(request)
    staff = selectors.school_staff(membership.school)
    form = forms.InterventionForm(
        _posted(request), initial={"start_date": timezone.localdate()}, school=membership.school, staff_queryset=staff
    )
    if request.method == "POST" and form.is_valid():
        try:
            intervention = services_ui.intervention_create(**_group_form_data(form))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Created {intervention.name}. Now enrol its pupils.")
            return redirect("interventions:enrol", public_id=intervention.public_id)
    return render(request, "interventions/intervention_form.html", {"form": form, "intervention": None})


@login_required
@GET_POST
def intervention_edit(request: HttpRequest, public_id) -> HttpResponse:
    intervention = intervention_for_user(request, public_id, manage=True)
    membership = current_membership(request)
    initial = {
        "programme": intervention.programme,
        "name": intervention.name,
        "staff": list(intervention.staff.values_list("username", flat=True)),
        "schedule": intervention.schedule,
        "sessions_per_week": intervention.sessions_per_week,
        "cost_per_session": intervention.cost_per_session,
        "measure": intervention.measure,
        "measures": intervention.measures,
        "start_date": intervention.start_date,
        "end_date": intervention.end_date,
    }
    form = forms.InterventionForm(
        _posted(request),
        initial=initial,
        school=membership.school,
        staff_queryset=selectors.school_staff(membership.school),
        intervention=intervention,
        drawn_from=services_ui.intervention_version(intervention),
    )
    if request.method == "POST" and form.is_valid():
        try:
            intervention = services_ui.intervention_update(
                intervention=intervention, loaded=form.loaded, **_group_form_data(form)
            )
        except Conflict as conflict:
            form.show_conflict(conflict)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(request, f"Saved {intervention.name}.")
            return redirect("interventions:detail", public_id=intervention.public_id)
    return render(request, "interventions/intervention_form.html", {"form": form, "intervention": intervention})


@login_required
@require_GET
def intervention_detail(request: HttpRequest, public_id) -> HttpResponse:
    intervention = intervention_for_user(request, public_id)
    membership = current_membership(request)
    today = timezone.localdate()
    intervention = selectors.intervention_with_totals(intervention, today=today)
    staff = list(intervention.staff.all())
    manager = is_manager(membership)
    enrolments = list(selectors.enrolments_for_detail(intervention, membership))
    _link_pupils(e.pupil for e in enrolments)
    running_today = intervention.start_date <= today and (intervention.end_date is None or intervention.end_date >= today)
    return render(
        request,
        "interventions/intervention_detail.html",
        {
            "intervention": intervention,
            "staff": staff,
            "enrolments": enrolments,
            "current_enrolments": [e for e in enrolments if e.end_date is None or e.end_date >= today],
            "sessions": list(selectors.recent_sessions(intervention)),
            "can_manage": manager,
            "can_log": manager or any(person.pk == membership.user_id for person in staff),
            "running_today": running_today,
            "today": today,
        },
    )


@login_required
@GET_POST
def enrol(request: HttpRequest, public_id) -> HttpResponse:
    intervention = intervention_for_user(request, public_id, manage=True)
    today = timezone.localdate()
    default_start = max(intervention.start_date, min(today, intervention.end_date or today))
    form = forms.EnrolForm(
        _posted(request),
        initial={"start_date": default_start},
        intervention=intervention,
        pupils=selectors.enrollable_pupils(intervention),
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = services.enrolments_create(
                intervention=intervention, pupils=form.cleaned_data["pupils"], start_date=form.cleaned_data["start_date"]
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            names = ", ".join(e.pupil.full_name for e in sorted(enrolled, key=lambda e: (e.pupil.surname, e.pupil.forename)))
            messages.success(request, f"Enrolled {names} in {intervention.name}.")
            return redirect("interventions:detail", public_id=intervention.public_id)
    return render(request, "interventions/enrol_form.html", {"form": form, "intervention": intervention})


@login_required
@GET_POST
def enrolment_end(request: HttpRequest, public_id, pupil_id, start: dt.date) -> HttpResponse:
    enrolment = enrolment_for_user(request, public_id, pupil_id, start)
    intervention = enrolment.intervention
    initial = {"end_date": enrolment.end_date or max(timezone.localdate(), enrolment.start_date), "reason": enrolment.end_reason}
    form = forms.EnrolmentEndForm(_posted(request), initial=initial, enrolment=enrolment, drawn_from=version_of(enrolment))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_end(enrolment=enrolment, loaded=form.loaded, **_typed(form))
        except Conflict as conflict:
            form.show_conflict(conflict)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            messages.success(
                request, f"{enrolment.pupil.full_name} left {intervention.name} on {enrolment.end_date:%d/%m/%Y}."
            )
            return redirect("interventions:detail", public_id=intervention.public_id)
    return render(
        request, "interventions/enrolment_end.html", {"form": form, "enrolment": enrolment, "intervention": intervention}
    )


@login_required
@GET_POST
def enrolment_measures(request: HttpRequest, public_id, pupil_id, start: dt.date) -> HttpResponse:
    """Entry and exit measures. With htmx the form opens in the enrolment's table cell and saves in place."""
    enrolment = enrolment_for_user(request, public_id, pupil_id, start)
    intervention = enrolment.intervention
    cell = {"enrolment": enrolment, "intervention": intervention, "can_manage": True}
    if request.htmx and request.GET.get("cancel"):
        return render(request, "interventions/intervention_detail.html#measures-cell", cell)
    initial = {"entry_measure": enrolment.entry_measure, "exit_measure": enrolment.exit_measure}
    form = forms.MeasuresForm(_posted(request), initial=initial, enrolment=enrolment, drawn_from=version_of(enrolment))
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = services.enrolment_measures_record(enrolment=enrolment, loaded=form.loaded, **_typed(form))
        except Conflict as conflict:
            form.show_conflict(conflict)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            if request.htmx:
                cell["enrolment"] = enrolment
                return render(request, "interventions/intervention_detail.html#measures-cell", cell)
            messages.success(request, f"Saved the measures for {enrolment.pupil.full_name}.")
            return redirect("interventions:detail", public_id=intervention.public_id)
    template = "interventions/enrolment_measures.html"
    if request.htmx:
        template += "#measures-form"
    return render(request, template, {"form": form, "enrolment": enrolment, "intervention": intervention})


# --- Session log ----------------------------------------------------------------------------------


@login_required
@require_GET
def session_today(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, *INTERVENTION_ROLES)
    today = timezone.localdate()
    groups = list(selectors.sessions_for_day(membership, today))
    return render(
        request,
        "interventions/session_today.html",
        {"groups": groups, "today": today, "is_manager": is_manager(membership)},
    )


@login_required
@require_GET
def session_pick(request: HttpRequest, public_id) -> HttpResponse:
    """The date picker on the group page: go to that day's session log."""
    intervention = intervention_for_user(request, public_id, log=True)
    try:
        day = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        messages.error(request, "Choose the date of the session to log.")
        return redirect("interventions:detail", public_id=intervention.public_id)
    return redirect("interventions:session_log", public_id=intervention.public_id, day=day)


def _not_loggable_reason(intervention, day: dt.date, today: dt.date) -> str | None:
    if day > today:
        return f"{day:%A %-d %B %Y} has not happened yet: sessions are logged on the day or after."
    if day < intervention.start_date:
        return f"{intervention.name} started on {intervention.start_date:%-d %B %Y}, after {day:%-d %B %Y}."
    if intervention.end_date is not None and day > intervention.end_date:
        return f"{intervention.name} ended on {intervention.end_date:%-d %B %Y}, before {day:%-d %B %Y}."
    return None


@login_required
@GET_POST
def session_log(request: HttpRequest, public_id, day: dt.date) -> HttpResponse:
    """Log one day's session: who came, or that it did not happen. Saving the same day again updates it."""
    intervention = intervention_for_user(request, public_id, log=True)
    today = timezone.localdate()
    context = {"intervention": intervention, "day": day, "today": today}
    problem = _not_loggable_reason(intervention, day, today)
    if problem:
        return render(request, "interventions/session_log.html", context | {"problem": problem}, status=200)

    sheet = selectors.session_sheet(intervention, day)
    # One row per pupil: on the day one enrolment ends and the next begins, the later one counts.
    by_pupil = {}
    for enrolment in sheet.enrolments:
        by_pupil[enrolment.pupil.public_id] = enrolment
    enrolments = sorted(by_pupil.values(), key=lambda e: (e.pupil.surname, e.pupil.forename))
    pupils = [e.pupil for e in enrolments]

    if sheet.session is None:
        initial = {"attended": [str(p.public_id) for p in pupils]}
    else:
        initial = {
            "attended": [str(e.pupil.public_id) for e in enrolments if sheet.attended.get(e.pk, True)],
            "not_delivered": not sheet.session.delivered,
            "note": sheet.session.note,
        }
    drawn = services_ui.session_version(sheet.session, sheet.attended)
    form = forms.SessionLogForm(_posted(request), initial=initial, pupils=pupils, drawn_from=drawn)
    if request.method == "POST" and form.is_valid():
        attended_ids = set(form.cleaned_data["attended"])
        delivered = not form.cleaned_data["not_delivered"]
        try:
            services_ui.session_log_save(
                intervention=intervention,
                date=day,
                delivered=delivered,
                note=form.cleaned_data["note"],
                enrolments=enrolments,
                attended={e.pk for e in enrolments if str(e.pupil.public_id) in attended_ids},
                logged_by=request.user,
                today=today,
                loaded=form.loaded,
            )
        except Conflict as conflict:
            form.show_conflict(conflict, now=_session_now(conflict.current, enrolments))
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            when = "today" if day == today else f"{day:%A %-d %B}"
            if delivered:
                came = sum(1 for e in enrolments if str(e.pupil.public_id) in attended_ids)
                messages.success(
                    request, f"Saved {intervention.name} {when}: {came} of {len(enrolments)} attended."
                )
            else:
                messages.success(request, f"Saved {intervention.name} {when} as not delivered.")
            if day == today:
                return redirect("interventions:session_today")
            return redirect("interventions:detail", public_id=intervention.public_id)
    if form.is_bound:
        chosen = set(form.data.getlist("attended"))
    else:
        chosen = set(initial["attended"])
    rows = [{"pupil": p, "value": str(p.public_id), "checked": str(p.public_id) in chosen} for p in pupils]
    context |= {"form": form, "rows": rows, "session": sheet.session}
    return render(request, "interventions/session_log.html", context)


def _session_now(session, enrolments) -> dict:
    """The day's log as stored now, in the session form's terms (who came, delivered, the note)."""
    if session is None:
        return {}
    came = dict(session.attendances.values_list("enrolment_id", "attended"))
    return {
        "attended": [str(e.pupil.public_id) for e in enrolments if came.get(e.pk)],
        "not_delivered": not session.delivered,
        "note": session.note,
    }


# --- Anecdotal comments -----------------------------------------------------------------------


def _comment_form(request: HttpRequest, membership, data=None, initial=None) -> forms.CommentForm:
    today = timezone.localdate()
    return forms.CommentForm(
        data,
        initial=initial,
        pupils=selectors.pupils_for_comment(membership),
        interventions=selectors.interventions_for_comment(membership, today=today),
        today=today,
    )


@login_required
@GET_POST
def comment_add(request: HttpRequest) -> HttpResponse:
    membership = comment_access(request)
    initial = {}
    preselect = request.GET.get("pupil")
    if preselect:
        pupil = selectors.pupils_for_comment(membership).filter(public_id=_uuid_or_none(preselect)).first()
        if pupil is not None:
            initial["pupil"] = pupil
    form = _comment_form(request, membership, _posted(request), initial)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            comment = services_ui.comment_create(
                pupil=data["pupil"],
                author=request.user,
                observed_on=data["observed_on"],
                objective=data["objective"],
                activity=data["activity"],
                outcome=data["outcome"],
                level=data["level"],
                subject=data["subject"],
                intervention=data["intervention"],
            )
        except ValidationError as exc:
            _add_service_errors(form, exc)
        else:
            level = f" at {comment.level}" if comment.level else ""
            messages.success(request, f"Saved your comment about {comment.pupil.full_name}{level}.")
            if next_url:
                return redirect(next_url)
            return redirect(f"{reverse('interventions:comments')}?pupil={comment.pupil.public_id}")
    # A few pupils, the person's own first, and a search for the others (not one option per pupil
    # of the school). Without JavaScript the search is a GET of this page with q.
    selected = str(form["pupil"].value() or "")
    picker = selectors.pupil_picker(membership, request.GET.get("q", "")[:60], selected=selected)
    return render(
        request,
        "interventions/comment_form.html",
        {"form": form, "next": next_url, "picker": picker, "selected": _single_match(picker) or selected},
    )


def _single_match(picker) -> str:
    """A search that finds one pupil chooses them."""
    return str(picker.pupils[0].public_id) if picker.search and picker.total == 1 and len(picker.pupils) == 1 else ""


@login_required
@require_GET
def comment_pupil_options(request: HttpRequest) -> HttpResponse:
    """htmx: the pupil select's options for a name or UPN search, and the sentence saying how many match."""
    membership = comment_access(request)
    selected = request.GET.get("pupil", "")
    picker = selectors.pupil_picker(membership, request.GET.get("q", "")[:60], selected=selected)
    return render(
        request,
        "interventions/comment_form.html#pupil-options",
        {"picker": picker, "selected": _single_match(picker) or selected, "swap_status": True},
    )


@login_required
@require_GET
def comment_list(request: HttpRequest) -> HttpResponse:
    membership = comment_access(request)
    today = timezone.localdate()
    form = forms.CommentFilterForm(
        request.GET or None,
        pupils=selectors.pupils_for_comment(membership),
        authors=selectors.comment_authors(membership),
        interventions=selectors.interventions_for_comment(membership, today=today),
    )
    filters = {}
    if form.is_bound:
        form.is_valid()  # a filter with an error is left out; the others still apply
        filters = {key: value for key, value in form.cleaned_data.items() if value}
    comments = selectors.comments_filtered(membership, **filters)
    labels = []
    if filters.get("pupil"):
        labels.append(f"about {filters['pupil'].full_name}")
    if filters.get("subject"):
        labels.append(f"in {filters['subject'].name}")
    if filters.get("author"):
        labels.append(f"by {filters['author'].get_full_name() or filters['author'].get_username()}")
    if filters.get("intervention"):
        labels.append(f"in {filters['intervention'].name}")
    if filters.get("date_from"):
        labels.append(f"observed from {filters['date_from']:%-d %b %Y}")
    if filters.get("date_to"):
        labels.append(f"observed up to {filters['date_to']:%-d %b %Y}")
    page = Paginator(comments, 25).get_page(request.GET.get("page"))
    _link_pupils(comment.pupil for comment in page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    add_url = reverse("interventions:comment_add")
    if filters.get("pupil"):
        add_url += f"?pupil={filters['pupil'].public_id}"
    return render(
        request,
        "interventions/comment_list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "filter_labels": labels,
            "query": query.urlencode(),
            "add_url": add_url,
            "sees_all": membership.role == Role.SENCO,
        },
    )
