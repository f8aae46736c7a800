"""Forms of the data-protection pages (archive a leaver, put them back on roll): validate only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from pupils.forms import DateInput

#: The reason goes into the audit history after "Archived as a leaver: " (100 characters in all).
REASON_MAX = 70


def _reason_field(help_text: str) -> forms.CharField:
    return forms.CharField(label="Reason (optional)", required=False, max_length=REASON_MAX, help_text=help_text)


class PupilArchiveForm(forms.Form):
    leaving_date = forms.DateField(
        label="Leaving date", required=False, widget=DateInput(),
        help_text="The day the pupil left. Their records are kept for the school's retention period from this day.",
    )
    reason = _reason_field("Kept in the pupil's audit history, e.g. 'moved to another school'.")

    def __init__(self, *args, has_leaving_date: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if has_leaving_date:  # the date on record is kept: nothing to choose
            del self.fields["leaving_date"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.fields)


class PupilUnarchiveForm(forms.Form):
    reason = _reason_field("Kept in the pupil's audit history, e.g. 'archived by mistake' or 'returned to the school'.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("reason")
