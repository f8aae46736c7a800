"""The SENCo's picks for the termly pack's case-study section (services write)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from pupils.models import Pupil
from reports.models import PackCaseStudy


@transaction.atomic
def pack_case_study_toggle(*, pupil: Pupil, user) -> bool:
    """Add the pupil to the school's pack case studies, or take them off; True when they are now on.

    At most ``PackCaseStudy.MAX_PER_SCHOOL`` at a time: a fourth is refused with a message, nothing changed.
    """
    existing = PackCaseStudy.objects.select_for_update().filter(school=pupil.school, pupil=pupil).first()
    if existing is not None:
        existing.delete()
        return False
    if PackCaseStudy.objects.filter(school=pupil.school).count() >= PackCaseStudy.MAX_PER_SCHOOL:
        raise ValidationError(f"The pack holds {PackCaseStudy.MAX_PER_SCHOOL} case studies at most: take one off "
                              "first (on that pupil's page).")
    pick = PackCaseStudy(school=pupil.school, pupil=pupil, chosen_by=user)
    pick.full_clean()
    pick.save()
    return True
