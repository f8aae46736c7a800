"""Forms of the data-protection pages (archive a leaver, put them back on roll): validate only."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from pupils.forms import DateInput


class PupilArchiveForm(forms.Form):
    leaving_date = forms.DateField(
        label="Leaving date", required=False, widget=DateInput(),
        help_text="The day the pupil left. Their records are kept for the school's retention period from this day.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("leaving_date")


class PupilUnarchiveForm(forms.Form):
    """Nothing to fill in: the button is the confirmation."""
