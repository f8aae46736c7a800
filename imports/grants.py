"""Who an import gives access to pupils they could not see before (docs/imports.md, "Access").

A staff file can give someone the SENCo's role; a class list or an enrolments file can attach a
teacher or TA to pupils. The SENCo must see that before confirming, so the import watches each
person a file names: the pupils they may see by name are read before the file's rows are written
and again after (inside the import's transaction, so a preview measures what the import would do),
and the difference is reported as "Gives Jo Morgan access to 12 more pupils (lines 2-13)".

"May see" is the rule of ``sencotrack.access.visible_pupils``: every pupil of the school for the
SENCo, pupils of their teaching and intervention groups for a teacher or TA, none for other roles.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from pupils.models import Membership, Pupil, Role, School
from imports.rows import lines_text
from pupils.services import staff_display_name

SEES_ALL = {Role.SENCO}
SEES_OWN = {Role.TEACHER, Role.TA}


def visible_pupil_ids(user_id: int, school: School) -> set[int]:
    """Ids of the school's pupils the person may see by name, over every role they hold there."""
    roles = set(Membership.objects.filter(user_id=user_id, school=school).values_list("role", flat=True))
    pupils = Pupil.objects.filter(school=school)
    if roles & SEES_ALL:
        return set(pupils.values_list("pk", flat=True))
    if roles & SEES_OWN:
        return set(
            pupils.filter(Q(teaching_groups__staff=user_id) | Q(enrolments__intervention__staff=user_id))
            .values_list("pk", flat=True)
            .distinct()
        )
    return set()


class AccessWatch:
    """The people a file names, with what each could see before its rows were written."""

    def __init__(self, school: School):
        self.school = school
        self._before: dict[int, set[int]] = {}
        self._users: dict[int, Any] = {}
        self._lines: dict[int, set[int]] = {}

    def watch(self, user: Any, line: int | None = None) -> None:
        """Note a person a row names; call it before the row is written."""
        if user.pk not in self._before:
            self._before[user.pk] = visible_pupil_ids(user.pk, self.school)
            self._users[user.pk] = user
            self._lines[user.pk] = set()
        if line is not None:
            self._lines[user.pk].add(line)

    def grants(self) -> list[str]:
        """One sentence per person who may now see more pupils, most pupils first."""
        found = []
        for pk, user in self._users.items():
            gained = visible_pupil_ids(pk, self.school) - self._before[pk]
            if gained:
                found.append((len(gained), staff_display_name(user), sorted(self._lines[pk])))
        found.sort(key=lambda item: (-item[0], item[1]))
        sentences = []
        for count, name, lines in found:
            where = f" ({lines_text(lines)})" if lines else ""
            sentences.append(f"Gives {name} access to {count} more pupil{'s' if count != 1 else ''}{where}")
        return sentences
