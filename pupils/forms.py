"""Forms for the register, profiles and concerns. They validate only: services write."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from pupils.models import CURRENT_PROVISIONS, Need, Provision, Pupil
from pupils.selectors import RegisterFilters, year_group_label
from sencotrack.conflicts import VersionedForm

BLANK = [("", "Any")]
PROFILE_FIELDS = ("needs_summary", "strengths", "what_helps", "aspirations", "pupil_voice")


class DateInput(forms.DateInput):
    """The browser's date picker; the value is sent as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _helper(*fields) -> FormHelper:
    """Crispy renders the fields; the template writes the <form>, its buttons and the cancel link."""
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    helper.render_hidden_fields = True  # what the page was drawn from (sencotrack.conflicts)
    return helper


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else at the top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- The register ------------------------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    """The register's filters, read from the query string (GET), so a filtered view can be bookmarked."""

    provision = forms.ChoiceField(choices=BLANK + list(Provision.choices), required=False)
    need = forms.ChoiceField(label="Primary need", choices=BLANK + list(Need.choices), required=False)
    year = forms.TypedChoiceField(label="Year group", choices=BLANK, coerce=int, empty_value=None, required=False)
    pp = forms.ChoiceField(
        label="Pupil premium", choices=BLANK + [("yes", "Pupil premium"), ("no", "Not pupil premium")], required=False
    )
    all = forms.BooleanField(label="Show all: ended entries, N and historic codes, leavers", required=False)

    def __init__(self, *args, year_groups: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = BLANK + [(str(y), year_group_label(y)) for y in year_groups]

    def filters(self) -> RegisterFilters:
        """The filters asked for; an unreadable value (a hand-edited URL) is ignored."""
        self.is_valid()  # an invalid field is left out of cleaned_data; the rest still apply
        data = self.cleaned_data
        pp = data.get("pp")
        return RegisterFilters(
            provision=data.get("provision") or "",
            need=data.get("need") or "",
            year_group=data.get("year"),
            pupil_premium={"yes": True, "no": False}.get(pp),
            show_all=bool(data.get("all")),
        )


class RegisterEntryFields(forms.Form):
    """What a register entry says: provision, needs and dates."""

    provision = forms.ChoiceField(choices=Provision.choices, initial=Provision.SEN_SUPPORT)
    primary_need = forms.ChoiceField(choices=[("", "Not recorded")] + list(Need.choices), required=False)
    secondary_need = forms.ChoiceField(choices=[("", "None")] + list(Need.choices), required=False)
    start_date = forms.DateField(widget=DateInput(), help_text="The day the provision started.")
    review_date = forms.DateField(
        widget=DateInput(), required=False, help_text="When the plan is next reviewed (usually within a term)."
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        data = super().clean()
        provision = data.get("provision")
        primary, secondary = data.get("primary_need"), data.get("secondary_need")
        if primary == Need.NSA and provision != Provision.SEN_SUPPORT:
            self.add_error("primary_need", "NSA (no specialist assessment) can only be used with K: SEN support.")
        if secondary and not primary:
            self.add_error("secondary_need", "Choose a primary need before a secondary need.")
        elif secondary and secondary == primary:
            self.add_error("secondary_need", "The secondary need must differ from the primary need.")
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", "The review date cannot be before the start date.")
        if provision and provision not in CURRENT_PROVISIONS and start and start >= dt.date(2014, 9, 1):
            self.add_error(
                "provision",
                "A, P and S were replaced by K and E in September 2014: "
                "use them only for entries that started before then.",
            )
        return data


class RegisterEntryAddForm(VersionedForm, RegisterEntryFields):
    """Add a pupil to the register (or a new span to their history).

    The pupil is chosen on the form, so it carries the time the page was drawn: a change to the
    pupil's register after it is a conflict (``sencotrack.conflicts``).
    """

    pupil = forms.ModelChoiceField(
        queryset=Pupil.objects.none(),
        to_field_name="public_id",
        empty_label="Choose a pupil",
        help_text="Pupils on roll, by surname.",
    )
    field_order = ["pupil", "provision", "primary_need", "secondary_need", "start_date", "review_date", "notes"]

    def __init__(self, *args, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        if pupils is not None:
            self.fields["pupil"].queryset = pupils
        self.fields["pupil"].label_from_instance = lambda p: (
            f"{p.surname}, {p.forename} ({year_group_label(p.year_group)}, {p.upn})"
        )
        self.helper = _helper(*self.field_order)
        self.helper.layout = _entry_layout(with_pupil=True)


class RegisterEntryChangeForm(VersionedForm, RegisterEntryFields):
    """Correct an entry: its provision, needs, dates and notes (drawn from the entry's version)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
        self.helper.layout = _entry_layout(with_pupil=False)


def _entry_layout(*, with_pupil: bool) -> Layout:
    rows = [
        Div(
            Div("provision", css_class="col-md-4"),
            Div("primary_need", css_class="col-md-4"),
            Div("secondary_need", css_class="col-md-4"),
            css_class="row",
        ),
        Div(Div("start_date", css_class="col-md-4"), Div("review_date", css_class="col-md-4"), css_class="row"),
        Field("notes"),
    ]
    if with_pupil:
        rows.insert(0, Field("pupil"))
    return Layout(*rows)


class RegisterEntryCloseForm(VersionedForm):
    end_date = forms.DateField(widget=DateInput(), help_text="The last day of this provision.")

    def __init__(self, *args, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.entry = entry
        self.helper = _helper("end_date")

    def clean_end_date(self):
        end = self.cleaned_data["end_date"]
        if self.entry is not None and end < self.entry.start_date:
            raise ValidationError(
                f"The end date cannot be before the entry started ({self.entry.start_date:%d/%m/%Y})."
            )
        return end


# --- Profile and concerns ----------------------------------------------------------------------


class PupilProfileForm(VersionedForm):
    needs_summary = forms.CharField(
        label="About my needs",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="In plain words the pupil and their family recognise.",
    )
    strengths = forms.CharField(label="What I am good at", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    what_helps = forms.CharField(label="What helps me", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    aspirations = forms.CharField(
        label="My hopes and aspirations", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    pupil_voice = forms.CharField(
        label="In my own words",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the pupil says, as they said it.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(*PROFILE_FIELDS)


class ConcernForm(forms.Form):
    raised_on = forms.DateField(label="Date", widget=DateInput())
    reason = forms.CharField(
        label="What have you noticed?",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you saw, when, and in which lessons. Facts rather than labels.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("raised_on", "reason")

    def clean_raised_on(self):
        day = self.cleaned_data["raised_on"]
        if day > timezone.localdate():
            raise ValidationError("The date cannot be in the future.")
        return day

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Say what you have noticed.")
        return reason


class ConcernCloseForm(VersionedForm):
    closed_on = forms.DateField(label="Closed on", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("closed_on")


class PupilSearchForm(forms.Form):
    q = forms.CharField(label="Name or UPN", required=False, max_length=100)
    archived = forms.BooleanField(label="Include leavers (archived)", required=False)
