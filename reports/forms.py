"""Forms of the report pages: they validate only (docs/contributing.md); the views call the services."""

from __future__ import annotations

import datetime as dt

from django import forms

from pupils.models import Subject
from reports.progress_table import PROVISION_CHOICES, SORT_CHOICES, STATUS_CHOICES, ProgressFilters
from reports.explain import TITLES
from reports.generators import REGISTRY
from reports.models import ReportKind
from sencotrack.parsing import TERM_ORDER, format_academic_year, term_for_date

PACK = "termly-pack"
GOVERNOR_PACK = "governor-pack"
PACK_LABELS = {
    PACK: "Termly pack: every report as a PDF and a ZIP of CSV files",
    GOVERNOR_PACK: "Governors' pack: aggregates only, groups under 5 suppressed",
}
YEARS_OFFERED = 6
TERM_CHOICES = [(name, name.capitalize()) for name in TERM_ORDER]


def academic_year_choices(today: dt.date) -> list[tuple[str, str]]:
    this_year, _ = term_for_date(today)
    return [(str(year), format_academic_year(year)) for year in range(this_year, this_year - YEARS_OFFERED, -1)]


def kind_label(kind: str, parameters: dict) -> str:
    """How a run's kind reads in the history: packs say whose they are."""
    if kind == ReportKind.TERMLY_PACK:
        return "Governors' pack" if (parameters or {}).get("governor") else "Termly pack"
    return TITLES.get(kind, kind)


class TermForm(forms.Form):
    """A term to show (dashboards) or to report on."""

    academic_year = forms.TypedChoiceField(label="Academic year", coerce=int, choices=())
    term = forms.ChoiceField(label="Term", choices=TERM_CHOICES)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["academic_year"].choices = academic_year_choices(today)


class ReportRequestForm(TermForm):
    kind = forms.ChoiceField(label="Report", choices=())
    subject = forms.ModelChoiceField(
        label="Subject", queryset=Subject.objects.none(), required=False, empty_label="All subjects",
        help_text="Optional. Packs always cover every subject.",
    )

    field_order = ["kind", "academic_year", "term", "subject"]

    def __init__(self, *args, governor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.governor = governor
        if governor:
            self.fields["kind"].choices = [(GOVERNOR_PACK, PACK_LABELS[GOVERNOR_PACK])]
            self.fields["kind"].initial = GOVERNOR_PACK
            del self.fields["subject"]
        else:
            reports = [(kind, TITLES.get(kind, kind)) for kind in REGISTRY]
            self.fields["kind"].choices = reports + list(PACK_LABELS.items())
            self.fields["subject"].queryset = Subject.objects.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") in PACK_LABELS and cleaned.get("subject"):
            self.add_error("subject", "A pack covers every subject: leave the subject as 'All subjects'.")
        return cleaned

    def run_request(self) -> tuple[str, dict]:
        """The run's kind and parameters, as ``report_run_request`` takes them."""
        data = self.cleaned_data
        parameters = {"academic_year": data["academic_year"], "term": data["term"]}
        kind = data["kind"]
        if kind == GOVERNOR_PACK:
            return ReportKind.TERMLY_PACK, {**parameters, "governor": True}
        if kind == PACK:
            return ReportKind.TERMLY_PACK, parameters
        if data.get("subject"):
            parameters["subject"] = data["subject"].name
        return kind, parameters


class ProgressFilterForm(forms.Form):
    """The expected-progress table's filters, sort and page (a GET form; a bad value is simply ignored)."""

    subject = forms.CharField(label="Subject", required=False, max_length=100)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *STATUS_CHOICES])
    provision = forms.ChoiceField(label="SEN provision at the end of the term", required=False,
                                  choices=[("", "Anyone"), *PROVISION_CHOICES])
    q = forms.CharField(label="Pupil name or UPN", required=False, max_length=100)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def filters(self) -> ProgressFilters:
        """The valid settings (the others left at their defaults)."""
        if not self.is_bound:
            return ProgressFilters()
        self.is_valid()
        data = self.cleaned_data
        return ProgressFilters(
            subject=(data.get("subject") or "").strip(), status=data.get("status") or "",
            provision=data.get("provision") or "", q=(data.get("q") or "").strip(),
            sort=data.get("sort") or "name", page=data.get("page") or 1,
        )
