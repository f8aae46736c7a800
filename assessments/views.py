"""Recording assessments: the entry grid, one pupil's measures, and targets.

Thin views (docs/contributing.md): each starts with an access helper from ``assessments.access`` (SENCo: any
pupil or group of the school; teacher: their own groups and pupils; anyone else 403), binds a
form, calls a service, adds a message and redirects. Reads go through ``assessments.selectors``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assessments import forms, selectors
from assessments.access import group_for_user, pupil_for_recording, recorder_membership
from assessments.grid import (
    BLANK,
    CONFLICT,
    CREATED,
    DELETED,
    THEIRS,
    UPDATED,
    Cell,
    CellError,
    GridSave,
    grid_save,
    read_cell,
)
from assessments.models import academic_year_label
from assessments.services import assessment_record, baseline_record, reading_test_record
from assessments.services_measures import (
    behaviour_record,
    boxall_record,
    ratings_record,
    sdq_record,
    self_assessment_record,
    targets_set_many,
)
from pupils.models import Pupil
from pupils.writes import Outcome, RowsInvalid
from sencotrack.conflicts import Conflict, Conflicts, Loaded, people
from sencotrack.parsing import year_term_label

GET_POST = require_http_methods(["GET", "POST"])


# --- The entry grid --------------------------------------------------------------------------------


@dataclass
class GridLine:
    """A row of the grid as drawn: the pupil's figures and their cell (value, error, what the save did)."""

    row: selectors.GridRow
    value: str
    original: str
    error: str = ""
    outcome: str = ""
    cell: Cell | None = None  # after a save: what happened to this pupil's cell

    @property
    def pupil(self) -> Pupil:
        return self.row.pupil

    @property
    def state(self) -> str:
        """What the note under the cell says: invalid (and why), a conflict, saved, removed, or nothing."""
        if self.error:
            return "invalid"
        if self.outcome in (CONFLICT, THEIRS):
            return self.outcome
        if self.outcome in (CREATED, UPDATED):
            return "saved"
        if self.outcome == DELETED:
            return "deleted"
        return BLANK

    @property
    def message(self) -> str:
        return self.error or self.value


def _lines(grid: selectors.Grid, saved: GridSave | None = None) -> list[GridLine]:
    """The grid's rows as stored now; after a save, cells that need the person keep what they typed.

    A conflicting cell carries, as its original, the result it was found changed to: saving it
    again ("Save mine anyway") is checked against that result, so a further change is caught too.
    """
    lines = []
    for row in grid.rows:
        line = GridLine(row=row, value=row.stored, original=row.stored)
        cell = saved.cells.get(row.pupil.pk) if saved else None
        if cell is not None:
            line.outcome, line.cell = cell.outcome, cell
            if cell.invalid:
                line.value, line.error = cell.typed, cell.error
            elif cell.outcome == CONFLICT:
                line.value, line.original = cell.typed, cell.now
        lines.append(line)
    return lines


def _grid_params(source: QueryDict, default_group: int | None, today) -> QueryDict:
    params = QueryDict(mutable=True)
    for name in ("group", "subject", "academic_year", "term"):
        if source.get(name):
            params[name] = source[name]
    if not params.get("group") and default_group is not None:
        params["group"] = str(default_group)
    year, term = selectors.current_term(today)
    params.setdefault("academic_year", str(year))
    params.setdefault("term", term)
    return params


def _grid_url(group, subject, academic_year: int, term: str) -> str:
    query = urlencode({"group": group.pk, "subject": subject.code, "academic_year": academic_year, "term": term})
    return f"{reverse('assessments:grid')}?{query}"


@login_required
@GET_POST
def grid(request: HttpRequest) -> HttpResponse:
    """Pick a group, subject and term; type every pupil's result; one submit saves the valid cells."""
    membership = recorder_membership(request)
    today = timezone.localdate()
    group_list = selectors.recordable_groups_list(membership)
    source = request.POST if request.method == "POST" else request.GET
    params = _grid_params(source, group_list[0].pk if len(group_list) == 1 else None, today)
    subjects = selectors.subjects()
    pick = forms.GridPickForm(params, groups=group_list, subjects=subjects, today=today)
    context = {"pick": pick, "groups": group_list, "grid": None}
    if not params.get("group"):
        pick = forms.GridPickForm(groups=group_list, subjects=subjects, today=today)
        return render(request, "assessments/grid.html", {**context, "pick": pick})

    group = group_for_user(request, params["group"])
    if not pick.is_valid():
        return render(request, "assessments/grid.html", context)
    subject = pick.cleaned_data["subject"] or group.subject
    if subject is None:
        pick.add_error("subject", f"{group.name} has no subject of its own: choose one.")
        return render(request, "assessments/grid.html", context)
    year, term = pick.cleaned_data["academic_year"], pick.cleaned_data["term"]

    saved = None
    if request.method == "POST":
        pupils = list(selectors.group_pupils(group))
        entry = forms.GridEntry(request.POST, [pupil.pk for pupil in pupils])
        saved = grid_save(
            pupils=pupils, subject=subject, academic_year=year, term=term,
            typed=entry.typed, originals=entry.originals, recorded_by=request.user,
        )  # fmt: skip
        if not saved.invalid and not saved.conflicts:
            label = year_term_label(year, term)
            messages.success(request, f"{saved.summary}. {group.name}, {subject.name}, {label}.")
            return redirect(_grid_url(group, subject, year, term))
    # Drawn from what is stored now (after a save, too): every cell's original is its version.
    data = selectors.grid(group, subject, year, term, school=membership.school)
    lines = _lines(data, saved)
    context.update(
        grid=data, group=group, subject=subject, lines=lines, saved=saved,
        invalid_lines=[line for line in lines if line.error],
        conflict_lines=[line for line in lines if line.outcome == CONFLICT],
        grid_url=_grid_url(group, subject, year, term),
        targets_url=f"{reverse('assessments:targets', args=[group.pk])}?{urlencode({'subject': subject.code, 'year': year})}",
    )  # fmt: skip
    return render(request, "assessments/grid.html", context)


@login_required
@require_POST
def grid_check(request: HttpRequest) -> HttpResponse:
    """htmx: read one cell as the person leaves it and say what it reads as, or why it cannot be read."""
    recorder_membership(request)
    pupil_id, text = forms.cell_from_post(request.POST)
    if pupil_id is None:
        return HttpResponseBadRequest("No cell was sent.")
    state, message = BLANK, ""
    if text.strip():
        try:
            _, code = read_cell(text)
        except CellError as exc:
            state, message = "invalid", str(exc)
        else:
            state, message = "ok", code
    return render(request, "assessments/grid.html#cell_check", {"state": state, "message": message, "pupil_id": pupil_id})


# --- One pupil's measures --------------------------------------------------------------------------


def _measures_url(pupil: Pupil) -> str:
    return reverse("assessments:pupil_measures", args=[pupil.public_id])


@login_required
def pupil_measures(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)
    return render(
        request, "assessments/pupil_measures.html", {"pupil": pupil, "measures": selectors.pupil_measures(pupil)}
    )


def _form_page(
    request: HttpRequest,
    pupil: Pupil,
    *,
    form_class: type,
    save: Callable[[dict, Loaded | None], str],
    title: str,
    intro: str,
    submit: str,
    what: str = "record",
    rename: dict[str, str] | None = None,
    extra: Callable[[object], dict] | None = None,
) -> HttpResponse:
    """Bind ``form_class``; when valid call ``save`` (a service) and go back to the pupil's measures.

    ``save`` gets what was typed and what the page was drawn from (``sencotrack.conflicts``). A
    service's ValidationError is shown on the form like the form's own errors, and a conflict (a
    record at the same key saved since the page was drawn) above it: nothing is saved either way.
    """
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            typed = {name: value for name, value in form.cleaned_data.items() if name not in ("version", "loaded_at")}
            try:
                message = save(typed, getattr(form, "loaded", None))
            except Conflict as conflict:
                form.show_conflict(conflict)
            except ValidationError as exc:
                forms.apply_service_errors(form, exc, rename=rename)
            else:
                messages.success(request, message)
                return redirect(_measures_url(pupil))
    else:
        form = form_class()
    context = {"pupil": pupil, "form": form, "title": title, "intro": intro, "submit": submit, "what": what}
    if extra is not None:
        context.update(extra(form))
    return render(request, "assessments/measure_form.html", context)


def _done(outcome: Outcome, what: str) -> str:
    return {Outcome.CREATED: f"Saved {what}.", Outcome.UPDATED: f"Updated {what}."}.get(
        outcome, f"{what[0].upper()}{what[1:]} was already recorded: nothing changed."
    )


@login_required
@GET_POST
def assessment_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        assessment, outcome = assessment_record(pupil=pupil, recorded_by=request.user, loaded=loaded, **data)
        return _done(outcome, f"{pupil.full_name}'s {data['subject'].name} result for {assessment.term_label}: {assessment.result}")

    return _form_page(
        request, pupil, form_class=forms.AssessmentForm, save=save, submit="Save the result", what="result",
        title=f"Record an assessment for {pupil.full_name}",
        intro="One result per subject, term and kind: saving again for the same ones replaces the result.",
    )  # fmt: skip


@login_required
@GET_POST
def baseline_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        baseline, outcome = baseline_record(pupil=pupil, loaded=loaded, **data)
        return _done(outcome, f"{pupil.full_name}'s {baseline.key_stage} baseline in {data['subject'].name}: {baseline.result}")

    return _form_page(
        request, pupil, form_class=forms.BaselineForm, save=save, submit="Save the baseline", what="baseline",
        title=f"Record a baseline for {pupil.full_name}",
        intro="Progress is measured from the most recent baseline before each term. One baseline per subject and key stage.",
    )  # fmt: skip


@login_required
@GET_POST
def reading_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        test, outcome = reading_test_record(pupil=pupil, loaded=loaded, **data)
        return _done(outcome, f"{pupil.full_name}'s {test.get_measure_display().lower()} test of {test.tested_on:%d/%m/%Y}")

    return _form_page(
        request, pupil, form_class=forms.ReadingTestForm, save=save, submit="Save the test", what="test",
        title=f"Record a reading or spelling age for {pupil.full_name}",
        intro="Ratio gains in intervention reports compare the tests before and after each intervention.",
        rename={"age_equivalent_months": "age_equivalent"},
    )  # fmt: skip


def _sdq_scores(form) -> dict[str, int | None]:
    """The subscale scores typed so far that are whole numbers (for the live total and bands)."""
    scores: dict[str, int | None] = {}
    for key, _ in selectors.SDQ_SUBSCALES:
        raw = form.data.get(key, "") if form.is_bound else ""
        try:
            scores[key] = int(str(raw).strip())
        except ValueError:
            scores[key] = None
    return scores


@login_required
@GET_POST
def sdq_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        checklist, outcome = sdq_record(pupil=pupil, completed_by=request.user, loaded=loaded, **data)
        band = selectors.sdq_view(checklist).total_band
        return _done(outcome, f"{pupil.full_name}'s SDQ of {checklist.completed_on:%d/%m/%Y}: total difficulties {int(checklist.total)} ({band})")

    return _form_page(
        request, pupil, form_class=forms.SdqForm, save=save, submit="Save the SDQ", what="SDQ",
        title=f"Record an SDQ for {pupil.full_name}",
        intro="Strengths and Difficulties Questionnaire, teacher version. Type the five subscale scores; the total and bands are worked out for you.",
        extra=lambda form: {"sdq": selectors.sdq_summary(_sdq_scores(form))},
    )  # fmt: skip


@login_required
@require_POST
def sdq_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the SDQ total and bands for the scores typed so far (nothing is saved)."""
    recorder_membership(request)
    form = forms.SdqForm(request.POST)
    return render(request, "assessments/measure_form.html#sdq_summary", {"sdq": selectors.sdq_summary(_sdq_scores(form))})


@login_required
@GET_POST
def boxall_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        checklist, outcome = boxall_record(pupil=pupil, completed_by=request.user, loaded=loaded, **data)
        return _done(outcome, f"{pupil.full_name}'s Boxall Profile of {checklist.completed_on:%d/%m/%Y}")

    return _form_page(
        request, pupil, form_class=forms.BoxallForm, save=save, submit="Save the Boxall Profile", what="Boxall Profile",
        title=f"Record a Boxall Profile for {pupil.full_name}",
        intro="Progress shows as the section I total rising and the section II total falling.",
    )  # fmt: skip


@login_required
@GET_POST
def behaviour_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        record, outcome = behaviour_record(pupil=pupil, loaded=loaded, **data)
        return _done(outcome, f"{pupil.full_name}'s behaviour for {record.term_label}: {record.points} points")

    return _form_page(
        request, pupil, form_class=forms.BehaviourForm, save=save, submit="Save behaviour", what="behaviour record",
        title=f"Record behaviour for {pupil.full_name}",
        intro="One record per term: saving again for the same term replaces it.",
    )  # fmt: skip


@login_required
@GET_POST
def ratings_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        ratings = {aspect: data.pop(aspect) for aspect in ("engagement", "understanding", "mastery")}
        saved = ratings_record(pupil=pupil, rated_by=request.user, ratings=ratings, loaded=loaded, **data)
        return f"Saved {len(saved)} rating{'s' if len(saved) != 1 else ''} of {pupil.full_name} in {data['subject'].name}."

    return _form_page(
        request, pupil, form_class=forms.RatingsForm, save=save, submit="Save the ratings", what="set of ratings",
        title=f"Rate engagement, understanding and mastery for {pupil.full_name}",
        intro="From 1 (not yet) to 5 (confident), for a subject and term. Rate at least one.",
    )  # fmt: skip


@login_required
@GET_POST
def self_assessment_add(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)

    def save(data: dict, loaded: Loaded | None) -> str:
        # Each self-assessment is kept as a new record: saving one never replaces anyone's.
        self_assessment_record(pupil=pupil, **data)
        return f"Saved {pupil.full_name}'s self-assessment."

    return _form_page(
        request, pupil, form_class=forms.SelfAssessmentForm, save=save, submit="Save the self-assessment",
        title=f"Record {pupil.full_name}'s self-assessment",
        intro="Pupil voice: the pupil rates themself against a statement, in their own words.",
    )  # fmt: skip


# --- Targets ---------------------------------------------------------------------------------------


def _targets_page(request: HttpRequest, rows, *, context: dict, back_url: str, school) -> HttpResponse:
    """Show target rows; on POST save every box, all or nothing, and come back to the same page.

    Targets changed by someone else since the page was drawn and retyped here are conflicts: nothing
    is saved and each is shown with what is there now; saving again saves over what was shown.
    """
    form = forms.TargetsForm(request.POST if request.method == "POST" else None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            results = targets_set_many(rows=form.service_rows(), set_by=request.user)
        except RowsInvalid as exc:
            for i, error in exc.row_errors.items():
                form.add_error(f"target-{rows[i].key}", error.messages)
        except Conflicts as conflicts:
            form.show_conflicts(conflicts)
        else:
            counts = [o for _, o in results]
            created, updated = counts.count(Outcome.CREATED), counts.count(Outcome.UPDATED)
            messages.success(request, f"Targets saved: {created} set, {updated} changed.")
            return redirect(request.get_full_path())
    lines = [
        (row, form[f"target-{row.key}"], form.conflicts.get(f"target-{row.key}"), (form[f"version-{row.key}"], form[f"shown-{row.key}"]))
        for row in rows
    ]
    context.update(
        form=form, lines=lines, back_url=back_url, year_label=academic_year_label(context["year"]),
        scheme_name=selectors.scheme_for(school).name, ks2_span=school.ks2_span,
        conflict_people=people(change for _, change in form.conflicts.values()),
        quartile_setting=school.get_quartile_expectations_display(),
    )  # fmt: skip
    return render(request, "assessments/targets.html", context)


@login_required
@GET_POST
def group_targets(request: HttpRequest, group_id: int) -> HttpResponse:
    group = group_for_user(request, group_id)
    membership = recorder_membership(request)
    today = timezone.localdate()
    pick = forms.GroupTargetPickForm(request.GET or None, today=today)
    year, subject = pick.choice(default_year=selectors.current_term(today)[0], default_subject=group.subject)
    pupils = list(selectors.group_pupils(group))
    rows = selectors.target_rows([(p, subject) for p in pupils], year, school=membership.school) if subject else []
    return _targets_page(
        request, rows, back_url=reverse("assessments:grid"), school=membership.school,
        context={"group": group, "subject": subject, "year": year, "pick": pick, "title": f"Targets for {group.name}"},
    )  # fmt: skip


@login_required
@GET_POST
def pupil_targets(request: HttpRequest, public_id) -> HttpResponse:
    pupil = pupil_for_recording(request, public_id)
    membership = recorder_membership(request)
    today = timezone.localdate()
    pick = forms.TargetYearForm(request.GET or None, today=today)
    year, _ = pick.choice(default_year=selectors.current_term(today)[0])
    subjects = selectors.pupil_target_subjects(pupil, year)
    rows = selectors.target_rows([(pupil, s) for s in subjects], year, school=membership.school)
    return _targets_page(
        request, rows, back_url=_measures_url(pupil), school=membership.school,
        context={"pupil": pupil, "year": year, "pick": pick, "title": f"Targets for {pupil.full_name}"},
    )  # fmt: skip
