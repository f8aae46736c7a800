"""Forms for plans, reviews, annual reviews and parents. They validate only: services write."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from plans.models import CheckStatus, Rating, Recommendation
from pupils.forms import DateInput
from pupils.models import Subject


def _helper(*fields) -> FormHelper:
    """Crispy renders the fields; the template writes the <form>, its buttons and the cancel link."""
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


def _text(label: str, *, rows: int = 3, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label, widget=forms.Textarea(attrs={"rows": rows}), required=required, help_text=help_text, strip=True
    )


class PlanForm(forms.Form):
    starts_on = forms.DateField(label="The plan starts on", widget=DateInput())
    review_date = forms.DateField(
        label="Review date", widget=DateInput(), help_text="Usually a term later. The register's review date follows it."
    )
    strategies = _text(
        "Strategies for staff", rows=5,
        help_text="What every adult working with the pupil should do: one strategy per line.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("starts_on", "review_date", "strategies")

    def clean(self):
        data = super().clean()
        start, review = data.get("starts_on"), data.get("review_date")
        if start and review and review <= start:
            self.add_error("review_date", "The review must come after the plan starts.")
        return data


class EnrolmentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, enrolment) -> str:
        end = f" to {enrolment.end_date:%d/%m/%Y}" if enrolment.end_date else ", running"
        measures = "; ".join(filter(None, [
            f"entry {enrolment.entry_measure}" if enrolment.entry_measure else "",
            f"exit {enrolment.exit_measure}" if enrolment.exit_measure else "",
        ]))  # fmt: skip
        label = f"{enrolment.intervention.name} ({enrolment.intervention.programme.name}), from {enrolment.start_date:%d/%m/%Y}{end}"
        return f"{label}: {measures}" if measures else label


class OutcomeForm(forms.Form):
    description = _text("What the pupil will achieve", required=True, help_text="One outcome, specific and in plain words.")
    measure = _text("How it will be measured", rows=2, required=True,
                    help_text="The assessment, test or observation that will show it.")  # fmt: skip
    by_when = forms.DateField(label="By when", widget=DateInput())
    provision = _text("Provision that supports it", rows=2, help_text="Support, resources and who provides them.")
    enrolments = EnrolmentChoiceField(
        label="Interventions that support it", queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, enrolments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].queryset = enrolments
        fields = ["description", "measure", "by_when", "provision"]
        if enrolments is not None and enrolments.exists():
            fields.append("enrolments")
        else:
            del self.fields["enrolments"]
        self.helper = _helper(*fields)


class CurricularTargetForm(forms.Form):
    subject = forms.ModelChoiceField(label="Subject", queryset=Subject.objects.order_by("position", "name"))
    statement = forms.CharField(
        label="Target, in the pupil's words", max_length=200,
        help_text='Start with "I can", e.g. "I can read a page of my book aloud".',
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("subject", "statement")


class TargetCheckForm(forms.Form):
    status = forms.ChoiceField(label="This term", choices=CheckStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("status", "note")


class ContributionForm(forms.Form):
    going_well = _text("What is going well")
    concerns = _text("What worries you")
    hopes = _text("What you would like to happen next")

    def __init__(self, *args, child_name: str = "", parent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if parent and child_name:
            self.fields["going_well"].label = f"What is going well for {child_name}?"
            self.fields["concerns"].label = "Is anything worrying you?"
            self.fields["hopes"].label = f"What would you like {child_name} to achieve next?"
        elif child_name:
            self.fields["going_well"].label = f"What is going well for {child_name} in your lessons"
            self.fields["concerns"].label = "What concerns you"
            self.fields["hopes"].label = "What you would suggest for the next plan"
        self.helper = _helper("going_well", "concerns", "hopes")

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in ("going_well", "concerns", "hopes")):
            raise forms.ValidationError("Write something in at least one of the boxes.")
        return data


class ReviewForm(forms.Form):
    held_on = forms.DateField(label="Review held on", widget=DateInput())
    pupil_views = _text("The pupil's views", help_text="What the pupil said about the plan, in their words.")
    parent_views = _text("The parents' views", help_text="Filled in from what parents added before the review.")
    next_steps = _text("Next steps", help_text="What will happen next, and who will do it.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("held_on", "pupil_views", "parent_views", "next_steps")


class _AssessmentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, a) -> str:
        return f"{a.subject.name}: {a.result} ({a.term_label}, {a.get_kind_display().lower()})"


class _ReadingChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, t) -> str:
        years, months = divmod(t.age_equivalent_months, 12)
        return f"{t.get_measure_display()} age {years}:{months:02d} ({t.test_name}, {t.tested_on:%d/%m/%Y})"


class _CommentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, c) -> str:
        subject = f"{c.subject.name}: " if c.subject else ""
        return f"{c.observed_on:%d/%m/%Y} {subject}{c.objective}"


class OutcomeJudgementForm(forms.Form):
    """One outcome's rating at the review and its evidence (prefixed per outcome)."""

    rating = forms.ChoiceField(label="Judgement", choices=Rating.choices, widget=forms.RadioSelect)
    evidence = _text("Evidence", rows=2, help_text="What shows it, in a sentence or two.")
    assessments = _AssessmentChoice(label="Assessments", queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    reading_tests = _ReadingChoice(label="Reading and spelling tests", queryset=None, required=False,
                                   widget=forms.CheckboxSelectMultiple)  # fmt: skip
    comments = _CommentChoice(label="Comments", queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    enrolments = EnrolmentChoiceField(label="Intervention results", queryset=None, required=False,
                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip

    def __init__(self, *args, outcome=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome = outcome
        for name in ("assessments", "reading_tests", "comments", "enrolments"):
            queryset = getattr(choices, name)
            self.fields[name].queryset = queryset
        self.empty_evidence = [
            name for name in ("assessments", "reading_tests", "comments", "enrolments")
            if not self.fields[name].queryset.exists()
        ]  # fmt: skip
        for name in self.empty_evidence:
            del self.fields[name]


class AnnualReviewForm(forms.Form):
    held_on = forms.DateField(label="Review meeting held on", widget=DateInput())
    recommendation = forms.ChoiceField(
        label="The review recommends that the local authority", choices=Recommendation.choices, widget=forms.RadioSelect
    )
    attendees = _text("Who took part", rows=2)
    summary = _text("What was agreed", rows=4)
    pupil_views = _text("The pupil's views")
    parent_views = _text("The parents' views")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("held_on", "recommendation", "attendees", "summary", "pupil_views", "parent_views")


class ParentInviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    email = forms.EmailField(
        label="E-mail address", help_text="The parent's own address: it becomes their username."
    )
    relationship = forms.CharField(
        label="Relationship to the child", max_length=60, required=False, help_text="e.g. Mother, Father, Foster carer."
    )
    pupils = forms.ModelMultipleChoiceField(
        label="Children they may see", queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text="Brothers and sisters at the school with the same surname are offered too.",
    )  # fmt: skip

    def __init__(self, *args, pupils=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils
        self.fields["pupils"].label_from_instance = lambda p: f"{p.full_name}, Year {p.year_group}"
        self.helper = _helper("first_name", "last_name", "email", "relationship", "pupils")


class ParentPasswordForm(SetPasswordForm):
    """Django's set-password form: the password validators of the settings apply."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password2"].label = "Type it again"
        self.helper = _helper("new_password1", "new_password2")
