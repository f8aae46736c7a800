"""Forms for recording assessments and the other measures. They validate only: services write.

Each form reads what people type forgivingly ("4 B", "P1(ii)", "7y6m") and says exactly what is
wrong otherwise; the views re-show a form with its errors and everything typed, saving nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.ages import AgeEquivalentError, format_age_equivalent, parse_age_equivalent
from assessments.ladder import VALID_CODES_TEXT, LadderError, parse_level, parse_result
from assessments.models import (
    RATING_SCALE,
    AssessmentKind,
    Framework,
    KeyStage,
    RatingAspect,
    ReadingMeasure,
    TermName,
)
from assessments.selectors import SDQ_SUBSCALES, current_term, year_choices
from assessments.semh import BOXALL_MAX_SECTION_TOTAL
from pupils.models import Subject, TeachingGroup
from sencotrack.conflicts import Change, Conflicts, Loaded, VersionedForm, version_of


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


def _row(*names: str, width: str = "col-md-4") -> Div:
    return Div(*(Div(name, css_class=width) for name in names), css_class="row")


def apply_service_errors(form: forms.Form, error: ValidationError, *, rename: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: on the field it names (after ``rename``), else at the top."""
    rename = rename or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = rename.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _not_future(day: dt.date | None) -> dt.date | None:
    if day is not None and day > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    return day


class SubjectField(forms.ModelChoiceField):
    """A subject chosen by its code (never the database id)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("empty_label", "Choose a subject")
        super().__init__(queryset=Subject.objects.order_by("position", "name"), to_field_name="code", **kwargs)


class TermFields(forms.Form):
    """An academic year (recent years, newest first) and a term; the current term by default."""

    academic_year = forms.TypedChoiceField(label="Academic year", coerce=int, choices=())
    term = forms.ChoiceField(choices=TermName.choices)
    years_back = 6

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["academic_year"].choices = [(str(y), label) for y, label in year_choices(today, back=self.years_back)]
        year, term = current_term(today)
        self.fields["academic_year"].initial = str(year)
        self.fields["term"].initial = term


# --- The entry grid --------------------------------------------------------------------------------


class GridPickForm(TermFields):
    """Which grid to show: a teaching group, a subject and a term (read from the query string).

    The choices come from lists the view has already read, so drawing the form costs no query.
    """

    group = forms.TypedChoiceField(label="Teaching group", coerce=int, choices=())
    subject = forms.ChoiceField(required=False, choices=(), help_text="The group's own subject unless you choose another.")
    field_order = ["group", "subject", "academic_year", "term"]

    def __init__(self, *args, groups: Sequence[TeachingGroup] = (), subjects: Sequence[Subject] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.subjects = {s.code: s for s in subjects}
        self.fields["group"].choices = [("", "Choose a group")] + [
            (str(g.pk), f"{g.name} ({g.subject.name if g.subject else 'no subject'})") for g in groups
        ]
        self.fields["subject"].choices = [("", "The group's subject")] + [(s.code, s.name) for s in subjects]
        self.helper = _helper(
            Div(
                Div("group", css_class="col-md-6 col-lg-3"), Div("subject", css_class="col-md-6 col-lg-3"),
                Div("academic_year", css_class="col-md-6 col-lg-3"), Div("term", css_class="col-md-6 col-lg-3"),
                css_class="row",
            )
        )  # fmt: skip
        # A GET form: crispy would add the CSRF token, which would land in the address bar and history.
        self.helper.disable_csrf = True

    def clean_subject(self) -> Subject | None:
        code = self.cleaned_data.get("subject")
        return self.subjects.get(code) if code else None


_CELL_NAME = re.compile(r"result-(\d+)\Z")


class GridEntry:
    """The cells of a submitted grid: ``result-<pupil pk>`` (typed) and ``original-<pupil pk>`` (as drawn).

    Not a Django form because cells are read one by one (a bad cell must not stop the others, see
    ``assessments.grid``); this only gathers the text of the cells of the pupils in the group.
    """

    MAX_LENGTH = 40

    def __init__(self, data, pupil_ids: Iterable[int]):
        ids = set(pupil_ids)
        self.typed: dict[int, str] = {}
        self.originals: dict[int, str] = {}
        for pk in ids:
            self.typed[pk] = (data.get(f"result-{pk}") or "")[: self.MAX_LENGTH]
            self.originals[pk] = (data.get(f"original-{pk}") or "")[: self.MAX_LENGTH]


def cell_from_post(data) -> tuple[int | None, str]:
    """The one cell an htmx check sends: (pupil pk, text), or (None, "") when there is none."""
    for key, value in data.items():
        if m := _CELL_NAME.match(key):
            return int(m[1]), value[: GridEntry.MAX_LENGTH]
    return None, ""


# --- One pupil's measures --------------------------------------------------------------------------
# These pages add a record matched on what the person picks (subject and term, test and day): each
# carries the time it was drawn, and one saved at that key since is a conflict (sencotrack.conflicts).


class AssessmentForm(VersionedForm, TermFields):
    subject = SubjectField()
    kind = forms.ChoiceField(choices=AssessmentKind.choices, initial=AssessmentKind.TEACHER)
    framework = forms.ChoiceField(
        choices=Framework.choices,
        initial=Framework.NC,
        help_text="P-scales and NC levels (e.g. P6, 2c, 4b), pre-key-stage standards (PK1-PK6) or the engagement model.",
    )
    result = forms.CharField(max_length=40, help_text="Type it as you write it: 4b, 4 B, P1(ii), PK3, emerging.")
    assessed_on = forms.DateField(
        label="Assessed on (optional)", required=False, widget=DateInput(), help_text="Leave blank to use the term."
    )
    field_order = ["subject", "academic_year", "term", "kind", "framework", "result", "assessed_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _row("subject", "academic_year", "term"), _row("kind", "framework"), _row("result", "assessed_on", width="col-md-6")
        )

    def clean_assessed_on(self):
        return _not_future(self.cleaned_data["assessed_on"])

    def clean(self):
        data = super().clean()
        framework, text = data.get("framework"), data.get("result")
        if framework and text:
            try:
                data["result"] = parse_result(framework, text).code
            except LadderError as exc:
                self.add_error("result", str(exc))
        return data


class BaselineForm(VersionedForm, TermFields):
    subject = SubjectField()
    key_stage = forms.ChoiceField(
        label="Key stage", choices=KeyStage.choices, help_text="The key-stage result or on-entry assessment it records."
    )
    result = forms.CharField(max_length=40, help_text=f"A level on the NC ladder. Valid codes: {VALID_CODES_TEXT}.")
    years_back = 12
    field_order = ["subject", "key_stage", "result", "academic_year", "term"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["term"].initial = TermName.SUMMER
        self.fields["term"].help_text = "Key-stage results are summer results."
        self.helper = _helper(_row("subject", "key_stage", "result"), _row("academic_year", "term"))

    def clean_result(self):
        try:
            return parse_level(self.cleaned_data["result"]).code
        except LadderError as exc:
            raise ValidationError(str(exc)) from None


class ReadingTestForm(VersionedForm):
    measure = forms.ChoiceField(choices=ReadingMeasure.choices)
    test_name = forms.CharField(max_length=100, help_text="e.g. Salford, NGRT, Single Word Spelling Test.")
    tested_on = forms.DateField(label="Tested on", widget=DateInput())
    age_equivalent = forms.CharField(
        label="Age-equivalent",
        max_length=20,
        help_text="Years and months as the test prints it: 7:06, 7y6m, 7.06 or 90m.",
    )
    standardised_score = forms.IntegerField(
        label="Standardised score (optional)", required=False, min_value=40, max_value=160,
        help_text="40 to 160; 100 is average.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_row("measure", "test_name", "tested_on"), _row("age_equivalent", "standardised_score", width="col-md-6"))

    def clean_tested_on(self):
        return _not_future(self.cleaned_data["tested_on"])

    def clean_age_equivalent(self):
        text = self.cleaned_data["age_equivalent"]
        try:
            return format_age_equivalent(parse_age_equivalent(text))  # "7y6m" -> "7:06", as stored and shown
        except AgeEquivalentError as exc:
            raise ValidationError(str(exc)) from None

    def now_values(self, current) -> dict:
        values = super().now_values(current)
        if current is not None:
            values["age_equivalent"] = format_age_equivalent(current.age_equivalent_months)
        return values


def _score_field(label: str, maximum: int, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=maximum, widget=forms.NumberInput(attrs={"inputmode": "numeric"}), **kwargs
    )


class SdqForm(VersionedForm):
    """An SDQ (teacher version): five subscale scores, each 0-10; the total and bands are worked out."""

    completed_on = forms.DateField(label="Completed on", widget=DateInput())
    emotional = _score_field("Emotional symptoms", 10)
    conduct = _score_field("Conduct problems", 10)
    hyperactivity = _score_field("Hyperactivity / inattention", 10)
    peer = _score_field("Peer relationship problems", 10)
    prosocial = _score_field("Prosocial behaviour", 10, help_text="Not part of total difficulties: a low score is the concern.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            _row("completed_on"),
            Fieldset(
                "Subscale scores (0 to 10)",
                _row(*[key for key, _ in SDQ_SUBSCALES[:3]]),
                _row(*[key for key, _ in SDQ_SUBSCALES[3:]]),
                css_class="sdq-scores",
            ),
        )

    def clean_completed_on(self):
        return _not_future(self.cleaned_data["completed_on"])

    def now_values(self, current) -> dict:
        if current is None:
            return {}
        return {"completed_on": current.completed_on, **{key: current.scores.get(key) for key, _ in SDQ_SUBSCALES}}


class BoxallForm(VersionedForm):
    completed_on = forms.DateField(label="Completed on", widget=DateInput())
    section_1 = _score_field(
        "Section I total (developmental strands)", BOXALL_MAX_SECTION_TOTAL,
        help_text=f"0 to {BOXALL_MAX_SECTION_TOTAL}: 34 items scored 0-4. Higher is better.",
    )  # fmt: skip
    section_2 = _score_field(
        "Section II total (diagnostic profile)", BOXALL_MAX_SECTION_TOTAL,
        help_text=f"0 to {BOXALL_MAX_SECTION_TOTAL}: 34 items scored 0-4. Lower is better.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_row("completed_on"), _row("section_1", "section_2", width="col-md-6"))

    def clean_completed_on(self):
        return _not_future(self.cleaned_data["completed_on"])

    def now_values(self, current) -> dict:
        if current is None:
            return {}
        return {"completed_on": current.completed_on, "section_1": current.scores.get("I"), "section_2": current.scores.get("II")}


class BehaviourForm(VersionedForm, TermFields):
    points = forms.IntegerField(
        label="Behaviour points", min_value=-100_000, max_value=100_000,
        help_text="The term's total under the school's behaviour policy.",
    )  # fmt: skip
    times_on_report = forms.IntegerField(label="Times on report", min_value=0, max_value=500, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_row("academic_year", "term"), _row("points", "times_on_report"))


_RATING_CHOICES = [("", "Not rated")] + [(str(value), label) for value, label in RATING_SCALE]


class RatingsForm(VersionedForm, TermFields):
    """Engagement, understanding and mastery (1-5) in a subject for a term; rate at least one."""

    subject = SubjectField()
    engagement = forms.TypedChoiceField(choices=_RATING_CHOICES, coerce=int, empty_value=None, required=False)
    understanding = forms.TypedChoiceField(choices=_RATING_CHOICES, coerce=int, empty_value=None, required=False)
    mastery = forms.TypedChoiceField(
        label="Mastery of a skill", choices=_RATING_CHOICES, coerce=int, empty_value=None, required=False
    )
    note = forms.CharField(max_length=300, required=False, help_text="Optional: what you saw that made you rate it so.")
    field_order = ["subject", "academic_year", "term", "engagement", "understanding", "mastery", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_row("subject", "academic_year", "term"), _row(*RatingAspect.values), Field("note"))

    def clean(self):
        data = super().clean()
        if not any(data.get(aspect) for aspect in RatingAspect.values) and not self.errors:
            raise ValidationError("Give at least one rating: engagement, understanding or mastery.")
        return data

    @property
    def ratings(self) -> dict[str, int | None]:
        return {aspect: self.cleaned_data.get(aspect) for aspect in RatingAspect.values}

    def now_values(self, current) -> dict:
        """``current``: the pupil's stored ratings in the subject and term (one per aspect rated)."""
        if not current:
            return {}
        first = current[0]
        values = {"subject": first.subject, "academic_year": first.academic_year, "term": first.term}
        values.update({rating.aspect: rating.rating for rating in current})
        values["note"] = next((rating.note for rating in current if rating.note), "")
        return values


class SelfAssessmentForm(forms.Form):
    statement = forms.CharField(max_length=200, help_text="In the pupil's words, e.g. “I can read a page on my own”.")
    rating = forms.TypedChoiceField(
        label="How the pupil rates themself", choices=[("", "Choose a rating")] + [(str(v), lbl) for v, lbl in RATING_SCALE],
        coerce=int,
    )  # fmt: skip
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Anything else the pupil said.")
    recorded_on = forms.DateField(label="Date", widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field("statement"), _row("rating", "recorded_on", width="col-md-6"), Field("comment"))

    def clean_recorded_on(self):
        return _not_future(self.cleaned_data["recorded_on"])


# --- Targets ---------------------------------------------------------------------------------------


class TargetYearForm(forms.Form):
    """Which academic year's targets to show (query string)."""

    year = forms.TypedChoiceField(label="Academic year", coerce=int, choices=())

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        self.fields["year"].choices = [(str(y), label) for y, label in year_choices(today, back=4, forward=1)]
        self.fields["year"].initial = str(current_term(today)[0])

    def choice(self, *, default_year: int, default_subject: Subject | None = None) -> tuple[int, Subject | None]:
        """The year and subject asked for; anything unreadable (a hand-edited URL) falls back to the defaults."""
        if not self.is_bound:
            return default_year, default_subject
        self.is_valid()
        data = self.cleaned_data
        return data.get("year") or default_year, data.get("subject") or default_subject


class GroupTargetPickForm(TargetYearForm):
    """A group's targets: the year and the subject (the group's own unless another is chosen)."""

    subject = SubjectField(required=False, empty_label="The group's subject")


class TargetsForm(forms.Form):
    """One target box per row (``target-<pupil pk>-<subject pk>``); blank clears a target.

    All or nothing: one bad code and nothing is saved, every bad box marked with its reason. Each
    row also carries what the page was drawn from (sencotrack.conflicts): ``version-<key>``, the
    version of the stored target, and ``shown-<key>``, what its box showed. A target changed since
    is kept when its box was left as it was, and is a conflict when something else was typed there.
    """

    def __init__(self, *args, rows: Sequence = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        self.conflicts: dict[str, tuple[str, Change | None]] = {}  # box name -> (target now, who and when)
        for row in self.rows:
            self.fields[f"target-{row.key}"] = forms.CharField(
                label=f"Target for {row.pupil.full_name} in {row.subject.name}", required=False, max_length=40,
                initial=row.shown,
            )  # fmt: skip
            self.fields[f"version-{row.key}"] = forms.CharField(
                required=False, max_length=40, widget=forms.HiddenInput, initial=version_of(row.stored)
            )
            self.fields[f"shown-{row.key}"] = forms.CharField(
                required=False, max_length=40, widget=forms.HiddenInput, initial=row.shown
            )

    def clean(self):
        data = super().clean()
        for row in self.rows:
            name = f"target-{row.key}"
            text = (data.get(name) or "").strip()
            if not text:
                data[name] = ""
                continue
            try:
                code = parse_level(text).code
            except LadderError as exc:
                self.add_error(name, str(exc))
                continue
            if code in ("B", "N"):
                self.add_error(name, f"{code} is a key-stage test outcome, not a level to aim for.")
                continue
            data[name] = code
        return data

    def service_rows(self) -> list[dict]:
        """Rows for ``targets_set_many``: a code typed equal to the suggestion stays 'suggested'."""
        rows = []
        for row in self.rows:
            code = self.cleaned_data[f"target-{row.key}"]
            if code == (row.stored.result if row.stored else ""):
                suggested = row.stored.suggested if row.stored else False
            else:
                suggested = bool(code) and code == row.suggested_code and (row.stored is None or row.stored.suggested)
            rows.append(
                dict(pupil=row.pupil, subject=row.subject, academic_year=row.academic_year, result=code, suggested=suggested,
                     loaded=Loaded.read(self.data.get(f"version-{row.key}"), None),
                     shown=(self.data.get(f"shown-{row.key}") or "").strip())
            )  # fmt: skip
        return rows

    def show_conflicts(self, conflicts: Conflicts) -> None:
        """Keep every box as typed; each conflicting row now carries the target stored now."""
        data = self.data.copy()
        for i, conflict in conflicts.conflicts.items():
            row = self.rows[i]
            now = conflict.current.result if conflict.current is not None else ""
            self.conflicts[f"target-{row.key}"] = (now, conflict.change)
            data[f"version-{row.key}"] = conflict.version
            data[f"shown-{row.key}"] = now
        self.data = data
