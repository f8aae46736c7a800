"""Writes of the reference-set choices: which quartile and national tables a school uses, and for which baselines."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from assessments.models import ReferenceKind, ReferenceSet
from pupils.models import School


@transaction.atomic
def reference_choice_set(*, school: School, quartile_table: str, national_table: str, quartile_expectations: str) -> bool:
    """Record the sets in force (by name; "" = the newest) and the quartile-rule setting. True when anything changed.

    A name must be one of the sets the school can see (its own or a shipped one) of that kind.
    """
    school = School.objects.select_for_update().get(pk=school.pk)
    visible = ReferenceSet.objects.filter(Q(school=school) | Q(school__isnull=True))
    errors = {}
    for field, kind, name in (("quartile_table", ReferenceKind.QUARTILES, quartile_table),
                              ("national_table", ReferenceKind.NATIONAL, national_table)):
        if name and not visible.filter(kind=kind, name=name).exists():
            errors[field] = f"There is no {'quartile' if kind == ReferenceKind.QUARTILES else 'national'} set named “{name}”."
    if quartile_expectations not in School.QuartileExpectations.values:
        errors["quartile_expectations"] = "Choose one of the settings listed."
    if errors:
        raise ValidationError(errors)
    wanted = {"quartile_table": quartile_table, "national_table": national_table,
              "quartile_expectations": quartile_expectations}
    changed = [f for f, v in wanted.items() if getattr(school, f) != v]
    if not changed:
        return False
    for field in changed:
        setattr(school, field, wanted[field])
    school.save(update_fields=changed)
    return True
