"""The reference sets page: the quartile and national tables a school can use, which is in force, and the choice."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments.models import ReferenceKind, ReferenceSet
from assessments.reference import sets_in_force
from assessments.services_reference import reference_choice_set
from pupils.models import Role, School
from pupils.access import require_membership

NEWEST = ""
NEWEST_LABEL = "The newest set (the last one imported, else the shipped one)"

# What each kind of table is for, in short; docs/figures.md (9.9 and 9.10) has the method.
QUARTILES_NOTE = (
    "For a transition (KS1-KS2, KS2-KS3, KS2-KS4 or KS3-KS4), subject and starting point, a quartile table gives "
    "the lower quartile, median and upper quartile of outcomes nationally. Pupils the school's setting covers "
    "(below level 1 by default) are judged against the median, in step with the terms elapsed; the upper "
    "quartile is offered as a challenging target. The shipped table is 2012 national data with no P-level "
    "rows: load the official tables as a set."
)
NATIONAL_NOTE = (
    "For a transition, subject and starting point, a national table gives the percentage of pupils nationally "
    "making at least expected progress and more than expected progress. Starting-point tables show them beside "
    "the school's own, with the gap."
)


class ReferenceChoiceForm(forms.Form):
    quartile_expectations = forms.ChoiceField(
        label="Judge expected progress by the quartile table for", choices=School.QuartileExpectations.choices,
        help_text="Ofsted took expected progress for pupils working below level 1 to be the national median progress "
        "from the same starting point; other baselines use the 2 or 3 levels rule.",
    )
    quartile_table = forms.ChoiceField(label="Quartile table in force", required=False)
    national_table = forms.ChoiceField(label="National comparison table in force", required=False)

    def __init__(self, *args, sets: list[ReferenceSet], **kwargs):
        super().__init__(*args, **kwargs)
        for field, kind in (("quartile_table", ReferenceKind.QUARTILES), ("national_table", ReferenceKind.NATIONAL)):
            names = list(dict.fromkeys(s.name for s in sets if s.kind == kind))
            self.fields[field].choices = [(NEWEST, NEWEST_LABEL)] + [(n, n) for n in names]


def _sets(school: School) -> list[ReferenceSet]:
    """Every set the school can see, newest first, with its number of rows (one query)."""
    return list(
        ReferenceSet.objects.filter(Q(school=school) | Q(school__isnull=True))
        .select_related("imported_by")
        .annotate(quartile_count=Count("quartile_rows", distinct=True), national_count=Count("national_rows", distinct=True))
        .order_by("kind", "-imported_at", "-id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def reference_sets(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, Role.SENCO, Role.DATA_MANAGER)
    school = membership.school
    can_choose = membership.role == Role.SENCO
    sets = _sets(school)
    initial = {"quartile_expectations": school.quartile_expectations, "quartile_table": school.quartile_table,
               "national_table": school.national_table}
    if request.method == "POST":
        if not can_choose:
            raise PermissionDenied("Only the SENCo chooses the reference sets in force.")
        form = ReferenceChoiceForm(request.POST, sets=sets)
        if form.is_valid():
            try:
                changed = reference_choice_set(school=school, **form.cleaned_data)
            except ValidationError as exc:
                for field, problems in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                messages.success(request, "Saved: reports and dashboards now use these choices." if changed
                                 else "Nothing changed.")
                return redirect("assessments:reference_sets")
    else:
        form = ReferenceChoiceForm(initial=initial, sets=sets)
    in_force = sets_in_force([school])[school.pk]
    groups = []
    for kind, title, note in (
        (ReferenceKind.QUARTILES, "Quartile tables", QUARTILES_NOTE),
        (ReferenceKind.NATIONAL, "National comparison tables", NATIONAL_NOTE),
    ):
        chosen = in_force.get(str(kind))
        rows = []
        for s in (s for s in sets if s.kind == kind):
            rows.append({
                "set": s, "in_force": chosen is not None and s.pk == chosen.pk,
                "rows": s.quartile_count if kind == ReferenceKind.QUARTILES else s.national_count,
                "shipped": s.school_id is None,
            })
        groups.append({"kind": str(kind), "title": title, "note": note, "rows": rows, "in_force": chosen})
    return render(request, "assessments/reference_sets.html", {
        "form": form, "groups": groups, "can_choose": can_choose, "school": school,
    })
