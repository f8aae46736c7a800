"""Saving the assessment entry grid: one teaching group's results for a subject and term at once.

Deliberately not all or nothing (issue 3): valid cells are saved and invalid ones come back with
the reason, so two slips do not lose the other twenty-eight results. Each cell carries what it
showed (``original-<pupil pk>``) and is checked against what is stored now (``sencotrack.conflicts``).
See docs/editing-and-conflicts.md, "The assessment grid" and "How the check works".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from assessments.ladder import ENGAGEMENT_SCALE, LadderError, parse_result
from assessments.models import Assessment, AssessmentKind, Framework
from assessments.services import assessments_record_many
from pupils.models import Pupil, Subject
from pupils.writes import Outcome, RowsInvalid, delete_with_history
from sencotrack.conflicts import Change, last_changes, lock, people, retry_lost_insert

#: The order in which a cell's text is tried: NC ladder first, so "2" is level 2, not a rating.
CELL_FRAMEWORKS = (Framework.NC, Framework.PKS, Framework.ENGAGEMENT)
CELL_CODES_TEXT = (
    "P1i-P3ii (e.g. P1ii), P4-P8, 1c-8a (e.g. 4b), whole levels 1-8, EP, W, B, N, "
    f"pre-key-stage PK1-PK6, or an engagement rating ({', '.join(ENGAGEMENT_SCALE)})"
)

CREATED, UPDATED, UNCHANGED, DELETED, BLANK, INVALID = (
    "created", "updated", "unchanged", "deleted", "blank", "invalid",
)  # fmt: skip
#: Changed by someone else since the page was drawn: CONFLICT when the person typed something else
#: there (not saved), THEIRS when they left the cell as it was (their newer result is kept).
CONFLICT, THEIRS = "conflict", "theirs"


class CellError(ValueError):
    """A cell's text is not a result on any framework the grid accepts."""


def read_cell(text: str) -> tuple[str, str]:
    """(framework, canonical code) for what a person typed in a cell: "4 B" -> ("nc", "4b")."""
    shown = text.strip()
    for framework in CELL_FRAMEWORKS:
        try:
            return framework, parse_result(framework, shown).code
        except LadderError:
            continue
    quoted = repr(shown) if len(shown) <= 20 else repr(shown[:17] + "...")
    raise CellError(f"{quoted} is not a level. Valid codes: {CELL_CODES_TEXT}.")


@dataclass
class Cell:
    """One pupil's cell after a save: what was typed, what is stored now, and what happened."""

    pupil: Pupil
    typed: str
    original: str = ""
    code: str = ""
    framework: str = ""
    outcome: str = BLANK
    error: str = ""
    assessment: Assessment | None = None  # the stored assessment after the save (None if none or removed)
    now: str = ""  # for CONFLICT and THEIRS: the result stored now ("" when it was removed)
    change: Change | None = None  # for CONFLICT and THEIRS: who changed it since, and when

    @property
    def invalid(self) -> bool:
        return self.outcome == INVALID

    @property
    def value(self) -> str:
        """What the cell shows after the save: the typed text when invalid, else the stored code."""
        return self.typed if self.invalid else self.code


@dataclass
class GridSave:
    cells: dict[int, Cell] = field(default_factory=dict)

    def count(self, *outcomes: str) -> int:
        return sum(1 for cell in self.cells.values() if cell.outcome in outcomes)

    @property
    def saved(self) -> int:
        return self.count(CREATED, UPDATED)

    @property
    def invalid(self) -> int:
        return self.count(INVALID)

    @property
    def deleted(self) -> int:
        return self.count(DELETED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def conflicts(self) -> int:
        return self.count(CONFLICT)

    @property
    def theirs(self) -> int:
        return self.count(THEIRS)

    @property
    def summary(self) -> str:
        """"Saved 27 results; 2 need checking", with unchanged, removed and conflicting results when there are any.

        Starts "Nothing new saved" when no result was created or changed. Results changed by
        someone else since the grid was opened are counted with who changed them and when.
        """
        parts = [f"Saved {self.saved} result{_s(self.saved)}" if self.saved else "Nothing new saved"]
        if self.unchanged:
            parts.append(f"{self.unchanged} unchanged")
        if self.deleted:
            parts.append(f"removed {self.deleted} cleared result{_s(self.deleted)}")
        if self.conflicts:
            were = "was" if self.conflicts == 1 else "were"
            parts.append(
                f"{self.conflicts} {were} changed by {self._by(CONFLICT)} since you opened the grid and {were} not saved"
            )
        if self.theirs:
            one = self.theirs == 1
            parts.append(
                f"{self.theirs} result{_s(self.theirs)} you did not touch {'was' if one else 'were'} changed by "
                f"{self._by(THEIRS)} meanwhile and {'is' if one else 'are'} kept"
            )
        if self.invalid:
            parts.append(f"{self.invalid} need{'s' if self.invalid == 1 else ''} checking")
        text = "; ".join(parts)
        return text[0].upper() + text[1:]

    def _by(self, outcome: str) -> str:
        return people(cell.change for cell in self.cells.values() if cell.outcome == outcome)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


@transaction.atomic
def grid_save(
    *,
    pupils: Sequence[Pupil],
    subject: Subject,
    academic_year: int,
    term: str,
    typed: Mapping[int, str],
    originals: Mapping[int, str],
    recorded_by: Any,
) -> GridSave:
    """Save a grid of teacher assessments for ``pupils`` (keyed by pupil pk) in a fixed number of queries.

    ``typed`` is each pupil's cell as submitted; ``originals`` what the cell showed when the page
    was drawn: only a cell the person cleared deletes a stored result, and a cell whose stored
    result is no longer its original was changed by someone else meanwhile (see the module doc).
    """
    lock(Pupil, [pupil.pk for pupil in pupils])  # a second save of these pupils waits here for this one
    return retry_lost_insert(
        lambda: _save_cells(
            pupils=pupils, subject=subject, academic_year=academic_year, term=term, typed=typed,
            originals=originals, recorded_by=recorded_by,
        )  # fmt: skip
    )


def _save_cells(
    *,
    pupils: Sequence[Pupil],
    subject: Subject,
    academic_year: int,
    term: str,
    typed: Mapping[int, str],
    originals: Mapping[int, str],
    recorded_by: Any,
) -> GridSave:
    stored = {
        a.pupil_id: a
        for a in Assessment.objects.filter(
            pupil_id__in=[p.pk for p in pupils], subject=subject, academic_year=academic_year, term=term,
            kind=AssessmentKind.TEACHER,
        )
    }  # fmt: skip
    result = GridSave()
    rows: list[dict[str, Any]] = []
    row_cells: list[Cell] = []
    cleared: list[Assessment] = []
    for pupil in pupils:
        text = (typed.get(pupil.pk) or "").strip()
        cell = Cell(pupil=pupil, typed=text, original=(originals.get(pupil.pk) or "").strip())
        result.cells[pupil.pk] = cell
        current = stored.get(pupil.pk)
        now = current.result if current is not None else ""
        cell.assessment = current
        if text:
            try:
                cell.framework, cell.code = read_cell(text)
            except CellError as exc:
                cell.outcome, cell.error = INVALID, str(exc)
                continue
        if cell.code == cell.original:  # left as it was drawn: whatever is stored now stays
            if now != cell.original:
                cell.outcome, cell.now = THEIRS, now
            elif cell.code:
                cell.outcome = UNCHANGED
            continue
        if cell.code == now:  # what is stored already, whoever typed it
            cell.outcome = UNCHANGED if now else BLANK
            continue
        if now != cell.original:  # changed since the page was drawn, and the person typed something else
            cell.outcome, cell.now = CONFLICT, now
            continue
        if not cell.code:
            cleared.append(current)
            continue
        rows.append(
            dict(pupil=pupil, subject=subject, academic_year=academic_year, term=term, result=cell.code,
                 kind=AssessmentKind.TEACHER, framework=cell.framework)
        )  # fmt: skip
        row_cells.append(cell)

    if rows:
        recorded = _record(rows, row_cells, recorded_by)
        for cell, saved in zip(row_cells, recorded, strict=True):
            if saved is not None:
                cell.assessment, outcome = saved
                cell.outcome = {Outcome.CREATED: CREATED, Outcome.UPDATED: UPDATED}.get(outcome, UNCHANGED)

    if cleared:
        delete_with_history(Assessment, cleared, user=recorded_by)  # the audit history says who cleared it
        for assessment in cleared:
            cell = result.cells[assessment.pupil_id]
            cell.outcome, cell.assessment = DELETED, None

    changed = [pk for pk, cell in result.cells.items() if cell.outcome in (CONFLICT, THEIRS)]
    if changed:
        history = Assessment.history.filter(
            pupil_id__in=changed, subject_id=subject.pk, academic_year=academic_year, term=term,
            kind=AssessmentKind.TEACHER,
        )  # fmt: skip
        for pupil_id, change in last_changes(history, key="pupil_id").items():
            result.cells[pupil_id].change = change
    return result


def _record(rows: list[dict], cells: list[Cell], recorded_by: Any) -> list[tuple[Assessment, Outcome] | None]:
    """Record the valid rows; a row the service still refuses is marked on its cell and the rest saved."""
    try:
        return list(assessments_record_many(rows=rows, recorded_by=recorded_by))
    except RowsInvalid as exc:
        bad = exc.row_errors
    for i, error in bad.items():
        cells[i].outcome, cells[i].error = INVALID, _message(error)
    keep = [i for i in range(len(rows)) if i not in bad]
    recorded: list[tuple[Assessment, Outcome] | None] = [None] * len(rows)
    if keep:
        saved = assessments_record_many(rows=[rows[i] for i in keep], recorded_by=recorded_by)
        for i, pair in zip(keep, saved, strict=True):
            recorded[i] = pair
    return recorded


def _message(error: ValidationError) -> str:
    return "; ".join(error.messages)
