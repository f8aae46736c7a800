"""Forms for the intervention and comment pages. They validate only; the views call services to write.

Choices name records by public ids, codes or usernames, never by integer keys.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from interventions.models import MEASURE_CHOICES, AreaOfNeed, Enrolment, Intervention, MeasureKind, Programme
from interventions.services_ui import LEVEL_CODES_TEXT, canonical_level, canonical_measure
from pupils.models import Membership, Pupil, Role, School, Subject

User = get_user_model()


class DateInput(forms.DateInput):
    """A native date picker: the browser shows the local format and a calendar on tablets and phones."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _helper(submit_label: str | None, *fields, form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    # The server's messages are clearer than the browser's bubbles and are read out the same way.
    helper.attrs = {"novalidate": ""}
    helper.layout = Layout(*fields)
    if submit_label:
        helper.layout.append(Submit("submit", submit_label, css_class="btn-lg"))
    return helper


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


# --- Programmes ---------------------------------------------------------------------------------


class ProgrammeForm(forms.Form):
    name = forms.CharField(max_length=120, help_text="As staff know it, e.g. “Toe by Toe” or “Lego therapy”.")
    area_of_need = forms.ChoiceField(choices=AreaOfNeed.choices, label="Area of need")
    cost_per_session = forms.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        label="Cost per session (£)",
        help_text="Staff time and materials for one session, e.g. 12.50. New groups start with this cost.",
        error_messages={"min_value": "The cost cannot be negative.", "invalid": "Enter the cost in pounds, e.g. 12.50."},
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    default_measure = forms.ChoiceField(
        choices=MeasureKind.choices,
        initial=MeasureKind.NONE,
        label="Default measure",
        help_text="How progress in this programme is usually measured.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    active = forms.BooleanField(
        required=False, initial=True, help_text="Untick to keep the programme for records but stop offering it for new groups."
    )

    def __init__(self, *args, school: School, programme: Programme | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.programme = programme
        self.helper = _helper(
            "Save programme" if programme else "Add programme",
            "name",
            Div(Div("area_of_need", css_class="col-md-6"), Div("default_measure", css_class="col-md-6"), css_class="row"),
            Div(Div("cost_per_session", css_class="col-md-6"), css_class="row"),
            "description",
            "active",
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Programme.objects.filter(school=self.school, name__iexact=name)
        if self.programme is not None:
            others = others.exclude(pk=self.programme.pk)
        if others.exists():
            raise ValidationError("The library already has a programme with this name.")
        return name


# --- Intervention groups ------------------------------------------------------------------------


class InterventionForm(forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none(), empty_label="Choose a programme")
    name = forms.CharField(max_length=120, label="Group name", help_text="e.g. “Year 7 Toe by Toe, autumn”.")
    staff = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="username",
        help_text="Who runs the sessions. They will see this group under Sessions and can log them.",
    )
    schedule = forms.CharField(
        max_length=200, required=False, help_text="When and where, e.g. “Mon and Thu, 9:00-9:20, library”."
    )
    sessions_per_week = forms.IntegerField(min_value=1, max_value=15, initial=1, label="Sessions per week")
    cost_per_session = forms.DecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=0,
        required=False,
        label="Cost per session (£)",
        help_text="Leave blank to use the programme's cost per session.",
        error_messages={"min_value": "The cost cannot be negative.", "invalid": "Enter the cost in pounds, e.g. 12.50."},
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )
    measure = forms.ChoiceField(
        choices=[("", "The programme's default measure")] + list(MeasureKind.choices),
        required=False,
        help_text="How entry and exit are measured for pupils in this group.",
    )
    measures = forms.MultipleChoiceField(
        choices=MEASURE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Also judge the group's impact by",
        help_text="Reports give pre, post, change and effect size for each; ratio gains for reading and spelling ages. "
        "With none chosen here or above, reading and spelling ages are used.",
    )
    start_date = forms.DateField(widget=DateInput(), label="Start date")
    end_date = forms.DateField(widget=DateInput(), required=False, label="End date", help_text="Leave blank while it runs.")

    def __init__(self, *args, school: School, staff_queryset, intervention: Intervention | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        programmes = Programme.objects.filter(school=school)
        if intervention is None:
            programmes = programmes.filter(active=True)
        else:
            programmes = programmes.filter(active=True) | programmes.filter(pk=intervention.programme_id)
        self.fields["programme"].queryset = programmes.order_by("name")
        self.fields["programme"].label_from_instance = lambda p: f"{p.name} (£{p.cost_per_session} a session)"
        self.fields["staff"].queryset = staff_queryset
        roles = dict(
            Membership.objects.filter(school=school, user__in=staff_queryset)
            .order_by("role")
            .values_list("user_id", "role")
        )
        self.fields["staff"].label_from_instance = lambda user: f"{_person(user)} ({Role(roles[user.pk]).label})" if user.pk in roles else _person(user)
        self.intervention = intervention
        self.helper = _helper(
            "Save group" if intervention else "Create group",
            Div(Div("programme", css_class="col-md-6"), Div("name", css_class="col-md-6"), css_class="row"),
            Field("staff", wrapper_class="staff-choices"),
            "schedule",
            Div(
                Div("sessions_per_week", css_class="col-sm-6 col-lg-3"),
                Div("cost_per_session", css_class="col-sm-6 col-lg-3"),
                Div("measure", css_class="col-lg-6"),
                css_class="row",
            ),
            Field("measures", wrapper_class="measure-choices"),
            Div(Div("start_date", css_class="col-sm-6"), Div("end_date", css_class="col-sm-6"), css_class="row"),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        name, programme = cleaned.get("name"), cleaned.get("programme")
        if name and programme:
            others = Intervention.objects.filter(programme=programme, name__iexact=name.strip())
            if self.intervention is not None:
                others = others.exclude(pk=self.intervention.pk)
            if others.exists():
                self.add_error("name", f"{programme.name} already has a group with this name.")
        return cleaned


def _pupil_choices(pupils) -> list:
    """Pupils grouped by year, for a select with optgroups: [("Year 9", [(public_id, "Smith, Amy (UPN)")])]."""
    groups: dict[str, list] = defaultdict(list)
    for pupil in pupils:
        year = "Reception" if pupil.year_group == 0 else f"Year {pupil.year_group}"
        groups[year].append((str(pupil.public_id), f"{pupil.surname}, {pupil.forename} ({pupil.upn})"))
    order = sorted(groups, key=lambda label: -1 if label == "Reception" else int(label.split()[-1]))
    return [(label, groups[label]) for label in order]


class EnrolForm(forms.Form):
    pupils = forms.MultipleChoiceField(
        choices=(),
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text="Hold Ctrl (⌘ on a Mac) to choose several. Pupils already in the group are not listed.",
    )
    start_date = forms.DateField(widget=DateInput(), label="Start date")

    def __init__(self, *args, intervention: Intervention, pupils, **kwargs):
        super().__init__(*args, **kwargs)
        self.intervention = intervention
        self._pupils = {str(p.public_id): p for p in pupils}
        self.fields["pupils"].choices = _pupil_choices(self._pupils.values())
        self.helper = _helper(
            "Enrol",
            "pupils",
            Div(Div("start_date", css_class="col-sm-6"), css_class="row"),
        )

    def clean_pupils(self) -> list[Pupil]:
        return [self._pupils[value] for value in self.cleaned_data["pupils"]]

    def clean_start_date(self) -> dt.date:
        start = self.cleaned_data["start_date"]
        group = self.intervention
        if start < group.start_date:
            raise ValidationError(f"The group starts on {group.start_date:%d/%m/%Y}: pupils cannot join before that.")
        if group.end_date is not None and start > group.end_date:
            raise ValidationError(f"The group ended on {group.end_date:%d/%m/%Y}: pupils cannot join after that.")
        return start


class EnrolmentEndForm(forms.Form):
    end_date = forms.DateField(widget=DateInput(), label="Last day in the group")
    reason = forms.CharField(
        max_length=200, required=False, help_text="e.g. “completed the programme” or “moved to another group”."
    )

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolment = enrolment
        self.helper = _helper("End enrolment", "end_date", "reason")

    def clean_end_date(self) -> dt.date:
        end = self.cleaned_data["end_date"]
        if end < self.enrolment.start_date:
            raise ValidationError(
                f"{self.enrolment.pupil.full_name} joined on {self.enrolment.start_date:%d/%m/%Y}: "
                "the last day cannot be before that."
            )
        return end


MEASURE_HELP = {
    MeasureKind.READING: "A reading age such as 7:06 (7 years 6 months), 7y6m or 90m.",
    MeasureKind.SPELLING: "A spelling age such as 7:06 (7 years 6 months), 7y6m or 90m.",
    MeasureKind.STANDARDISED: "A standardised score from 40 to 160.",
    MeasureKind.SDQ: "SDQ total difficulties, 0 to 40.",
    MeasureKind.BOXALL: "Boxall Profile totals as recorded, e.g. “I 82, II 40”.",
    MeasureKind.NONE: "As recorded: this group has no set measure.",
}


class MeasuresForm(forms.Form):
    entry_measure = forms.CharField(max_length=100, required=False, label="On entry")
    exit_measure = forms.CharField(max_length=100, required=False, label="On exit")

    def __init__(self, *args, enrolment: Enrolment, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = enrolment.intervention.measure
        for name in ("entry_measure", "exit_measure"):
            self.fields[name].help_text = MEASURE_HELP.get(self.kind, "")
        self.helper = _helper(
            "Save measures",
            Div(Div("entry_measure", css_class="col-sm-6"), Div("exit_measure", css_class="col-sm-6"), css_class="row"),
        )

    def clean_entry_measure(self) -> str:
        return canonical_measure(self.kind, self.cleaned_data["entry_measure"])

    def clean_exit_measure(self) -> str:
        return canonical_measure(self.kind, self.cleaned_data["exit_measure"])


# --- Session log --------------------------------------------------------------------------------


class SessionLogForm(forms.Form):
    """One session: who attended (ticked by default), whether it happened at all, and a note.

    The template draws the attendance boxes itself as large toggle buttons.
    """

    attended = forms.MultipleChoiceField(choices=(), required=False, widget=forms.CheckboxSelectMultiple)
    not_delivered = forms.BooleanField(required=False, label="Session not delivered")
    note = forms.CharField(
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional. If the session did not happen, say why (e.g. “TA covering a class”).",
    )

    def __init__(self, *args, pupils: list[Pupil], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(str(p.public_id), p.full_name) for p in pupils]


# --- Anecdotal comments -----------------------------------------------------------------------


class CommentForm(forms.Form):
    pupil = forms.ModelChoiceField(
        queryset=Pupil.objects.none(), to_field_name="public_id", empty_label="Choose a pupil"
    )
    observed_on = forms.DateField(widget=DateInput(), label="Date observed")
    objective = forms.CharField(
        max_length=300,
        label="Learning objective",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="What the pupil was learning, e.g. “blend CVC words”.",
    )
    activity = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="What they were doing when you noticed."
    )
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="What they did that is new: the breakthrough, in a sentence or two."
    )
    level = forms.CharField(
        max_length=20,
        required=False,
        label="Level (optional)",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false"}),
        help_text="A level or sub-level if you can give one, e.g. 2b, P6 or PK3.",
    )
    subject = forms.ModelChoiceField(
        queryset=Subject.objects.all(), required=False, empty_label="No particular subject", label="Subject (optional)"
    )
    intervention = forms.ModelChoiceField(
        queryset=Intervention.objects.none(),
        required=False,
        to_field_name="public_id",
        empty_label="Not in an intervention",
        label="Intervention (optional)",
    )

    def __init__(self, *args, pupils, interventions, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["pupil"].queryset = pupils
        self.fields["pupil"].label_from_instance = lambda p: f"{p.surname}, {p.forename} (Year {p.year_group})"
        self.fields["intervention"].queryset = interventions
        self.fields["observed_on"].initial = self.today
        self.fields["observed_on"].widget.attrs["max"] = self.today.isoformat()
        # Large inputs: this form is filled in on a phone, in a corridor.
        for name, field in self.fields.items():
            size = "form-select-lg" if isinstance(field.widget, forms.Select) else "form-control-lg"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {size}".strip()

    def clean_observed_on(self) -> dt.date:
        observed = self.cleaned_data["observed_on"]
        if observed > self.today:
            raise ValidationError("The date observed cannot be in the future.")
        return observed

    def clean_level(self) -> str:
        try:
            return canonical_level(self.cleaned_data["level"])
        except ValidationError:
            raise ValidationError(
                f"“{self.cleaned_data['level'].strip()[:20]}” is not a level. Valid codes: {LEVEL_CODES_TEXT}. "
                "Or leave it blank."
            ) from None

    def clean(self):
        cleaned = super().clean()
        pupil, intervention = cleaned.get("pupil"), cleaned.get("intervention")
        if pupil and intervention and not Enrolment.objects.filter(intervention=intervention, pupil=pupil).exists():
            self.add_error("intervention", f"{pupil.full_name} is not in {intervention.name}: choose their group or none.")
        return cleaned


class CommentFilterForm(forms.Form):
    """The comments list's filters: all optional, named by public id, code or username in the URL."""

    pupil = forms.ModelChoiceField(queryset=Pupil.objects.none(), to_field_name="public_id", required=False, empty_label="Any pupil")
    subject = forms.ModelChoiceField(queryset=Subject.objects.all(), to_field_name="code", required=False, empty_label="Any subject")
    author = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="username", required=False, empty_label="Anyone")
    intervention = forms.ModelChoiceField(
        queryset=Intervention.objects.none(), to_field_name="public_id", required=False, empty_label="Any or none"
    )
    date_from = forms.DateField(widget=DateInput(), required=False, label="Observed from")
    date_to = forms.DateField(widget=DateInput(), required=False, label="Observed to")

    def __init__(self, *args, pupils, authors, interventions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils
        self.fields["pupil"].label_from_instance = lambda p: f"{p.surname}, {p.forename}"
        self.fields["author"].queryset = authors
        self.fields["author"].label_from_instance = _person
        self.fields["intervention"].queryset = interventions

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "“Observed to” cannot be before “Observed from”.")
        return cleaned
