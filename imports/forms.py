"""The upload form: which kind of file, and the file. It validates only; the views run the import.

The file is refused before it is read when it is over ``settings.IMPORT_MAX_BYTES``, and refused
with the import engine's own reason when it is not text (a workbook, a PDF, binary data).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from imports.engine import KINDS, REFERENCE_KINDS, FileProblem, read_file

#: How the page names each kind of file.
KIND_LABELS: dict[str, str] = {
    "pupils": "Pupils",
    "register": "SEN register",
    "baselines": "Baselines",
    "assessments": "Assessments",
    "reading": "Reading and spelling tests",
    "enrolments": "Intervention enrolments",
    "staff": "Staff",
    "groups": "Class lists (teaching groups)",
    "programmes": "Intervention programmes",
    "quartiles": "Quartile table (reference set)",
    "national": "National comparison (reference set)",
}
#: The same in running text ("Columns of a SEN register file").
KIND_TEXT: dict[str, str] = {
    "pupils": "pupils",
    "register": "SEN register",
    "baselines": "baselines",
    "assessments": "assessments",
    "reading": "reading and spelling tests",
    "enrolments": "intervention enrolments",
    "staff": "staff",
    "groups": "class list",
    "programmes": "programmes",
    "quartiles": "quartile table",
    "national": "national comparison table",
}
assert set(KIND_LABELS) == set(KIND_TEXT) == set(KINDS)


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[(kind, KIND_LABELS[kind]) for kind in KINDS],
        error_messages={"required": "Choose what the file holds.", "invalid_choice": "Choose one of the kinds listed."},
    )
    file = forms.FileField(
        label="CSV file or Excel workbook",
        help_text="A .csv, .txt or .xlsx file exported from your MIS (an Excel file: its first sheet).",
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx,text/csv,text/plain,"
                                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
        error_messages={
            "required": "Choose a CSV or Excel file to upload.",
            "empty": "The file is empty: choose the exported file.",
            "invalid": "No file arrived: choose the file again.",
        },
    )

    set_name = forms.CharField(
        label="Name of the reference set (quartile and national tables only)",
        required=False, max_length=120,
        help_text="For example “Official P-level quartiles 2013”. The same name again updates that set; a new name "
        "makes a new set, which comes into force. Left blank, the set is named for the kind and today's date.",
        error_messages={"max_length": "A reference set's name is at most 120 characters."},
    )

    def __init__(self, *args, kinds=KINDS, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_bytes: bytes | None = None
        self.fields["kind"].choices = [(kind, KIND_LABELS[kind]) for kind in kinds]
        self.fields["file"].help_text += f" Up to {size_text(settings.IMPORT_MAX_BYTES)}."

    def clean_set_name(self):
        # Only a reference set has a name; other kinds ignore the box.
        name = " ".join((self.cleaned_data.get("set_name") or "").split())
        return name if self.data.get("kind") in REFERENCE_KINDS else ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:  # told by the upload itself: nothing is read
            raise ValidationError(
                f"{upload.name} is {size_text(upload.size)}, over the import limit of {size_text(limit)}: "
                "split it into smaller files."
            )
        data = upload.read(limit + 1)
        try:
            read_file(data, [])
        except FileProblem as exc:
            raise ValidationError(f"{upload.name} cannot be imported: {exc}.") from None
        self.data_bytes = data
        return upload
