"""Forms for the first run, staff and teaching groups. They validate only: staff.services writes."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils import timezone

from pupils.models import Pupil, Role, Subject
from sencotrack.conflicts import VersionedForm
from sencotrack.parsing import term_for_date
from staff.services import STAFF_ROLES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _helper(submit_label: str, *fields) -> FormHelper:
    helper = FormHelper()
    helper.form_id = "record-form"  # a conflict's "Save mine anyway", drawn above the form, submits it
    helper.render_hidden_fields = True  # what the page was drawn from (sencotrack.conflicts)
    helper.attrs = {"novalidate": ""}
    helper.layout = Layout(*fields, Submit("submit", submit_label, css_class="btn-lg"))
    return helper


def _row(*names: str, width: str = "col-md-6") -> Div:
    return Div(*(Div(name, css_class=width) for name in names), css_class="row")


class SetupForm(forms.Form):
    """The first run: the school, this year's term dates, and its first SENCo."""

    name = forms.CharField(label="School name", max_length=200)
    code = forms.SlugField(
        label="Short code", max_length=40,
        help_text="Letters, digits and hyphens, e.g. riverside. Commands and imports name the school by it.",
    )  # fmt: skip
    retention_years = forms.IntegerField(
        label="Keep SEN records for (years after a pupil leaves)", min_value=1, max_value=100, initial=25,
        help_text="25 years is the usual advice for SEN records; see docs/operations.md.",
    )  # fmt: skip
    autumn_start = forms.DateField(required=False, widget=DateInput(), label="Autumn term: first day")
    autumn_end = forms.DateField(required=False, widget=DateInput(), label="Autumn term: last day")
    spring_start = forms.DateField(required=False, widget=DateInput(), label="Spring term: first day")
    spring_end = forms.DateField(required=False, widget=DateInput(), label="Spring term: last day")
    summer_start = forms.DateField(required=False, widget=DateInput(), label="Summer term: first day")
    summer_end = forms.DateField(required=False, widget=DateInput(), label="Summer term: last day")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(label="Surname", max_length=150)
    email = forms.EmailField(label="E-mail address", help_text="Also the username you sign in with.")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validators_help_text_html())  # fmt: skip
    password2 = forms.CharField(label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.academic_year, _ = term_for_date(timezone.localdate())
        year = f"{self.academic_year}/{(self.academic_year + 1) % 100:02d}"
        self.helper = _helper(
            "Set up the school",
            Fieldset("Your school", "name", _row("code", "retention_years")),
            Fieldset(
                f"Term dates for {year}",
                HTML('<p class="form-text mt-0">Leave them blank to use 1 September to 31 December, 1 January to '
                     "31 March and 1 April to 31 August; you can set them later.</p>"),
                _row("autumn_start", "autumn_end"), _row("spring_start", "spring_end"), _row("summer_start", "summer_end"),
            ),
            Fieldset("You, the SENCo", _row("first_name", "last_name"), "email", _row("password1", "password2")),
        )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return data

    def term_dates(self) -> dict:
        return {term: (self.cleaned_data.get(f"{term}_start"), self.cleaned_data.get(f"{term}_end"))
                for term in ("autumn", "spring", "summer")}  # fmt: skip


def role_choices(acting_role: str) -> list[tuple[str, str]]:
    labels = dict(Role.choices)
    return [(role, labels[role]) for role in STAFF_ROLES]


class StaffForm(VersionedForm):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(label="Surname", max_length=150)
    email = forms.EmailField(label="E-mail address", help_text="Their username too, for a new account; the set-password link goes here.")
    roles = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, choices=(),
                                      help_text="What they may see and do: docs/roles.md.")  # fmt: skip
    active = forms.BooleanField(label="Can sign in", required=False, initial=True,
                                help_text="Untick when someone leaves: they can no longer sign in, and their records keep their name.")  # fmt: skip

    def __init__(self, *args, acting_role: str, editing: bool, shared: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices(acting_role)
        fields = [_row("first_name", "last_name"), "email", "roles"]
        if shared:  # an account with roles elsewhere: only its roles here change
            for name in ("first_name", "last_name", "email", "active"):
                self.fields[name].disabled = True
        if editing:
            fields.append("active")
        else:
            del self.fields["active"]
        self.helper = _helper("Save" if editing else "Add and make a set-password link", *fields)


class GroupForm(VersionedForm):
    name = forms.CharField(max_length=60, help_text="As the timetable names it, e.g. 7E1.")
    subject = forms.ModelChoiceField(queryset=Subject.objects.all(), required=False, empty_label="No subject (a form or tutor group)")
    year_group = forms.TypedChoiceField(
        choices=[("", "Mixed years")] + [(str(y), "Reception" if y == 0 else f"Year {y}") for y in range(0, 15)],
        coerce=int, empty_value=None, required=False, label="Year",
    )  # fmt: skip
    staff = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        label="Teachers and TAs", help_text="They see and record for the group's pupils.",
    )  # fmt: skip
    pupils = forms.ModelMultipleChoiceField(
        queryset=Pupil.objects.none(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Pupils of the group's year, and its members from other years.",
    )  # fmt: skip

    def __init__(self, *args, staff_queryset, pupil_queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_queryset
        self.fields["staff"].label_from_instance = lambda u: u.get_full_name() or u.get_username()
        fields = [_row("name", "year_group"), "subject", "staff"]
        if pupil_queryset is None:
            del self.fields["pupils"]
        else:
            self.fields["pupils"].queryset = pupil_queryset
            self.fields["pupils"].label_from_instance = lambda p: f"{p.surname}, {p.forename} (Year {p.year_group}, {p.upn})"
            fields.append("pupils")
        self.helper = _helper("Save the group", *fields)


class PasswordSetForm(forms.Form):
    """Chosen from a set-password link (Django's validators apply)."""

    password1 = forms.CharField(label="New password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validators_help_text_html())  # fmt: skip
    password2 = forms.CharField(label="New password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Set my password", "password1", "password2")

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return data
