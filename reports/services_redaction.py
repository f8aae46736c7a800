"""Retention for stored report runs: purged pupils' rows come out of every run and file that names them.

The reports app's retention step (``pupils.hooks``), run in the purge's transaction. A run is
redacted rather than rebuilt, so what the school reported at the time stays as it was for everyone
else; old files are deleted only after the commit. What changes: docs/data-protection.md, "What
retention removes"; how: docs/contributing.md, "Design notes".
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from pupils.hooks import CopyRemoved, PurgedPupil
from reports.explain import TITLES
from reports.models import ReportKind, ReportRun
from reports.pupil_rows import Identifiers, describe_run, reports_of, rows_about, runs_naming

logger = logging.getLogger(__name__)

RECOMPUTED, KEPT, NONE = "recomputed", "kept", "none"
#: Tables of a pack that count pupils rather than list them, as a sentence names them.
SUMMARY_NAMES = {
    "value-added": "value added",
    "starting-points": "progress from starting points",
    "register-summary": "SEN register summary",
    "transition-matrix": "transition matrices",
}
REMOVED_WORD = "[removed]"
ERROR_ONLY_PLANNED = "their UPNs would be taken out of what it stores (no rows name them)"
ERROR_ONLY_DONE = "their UPNs were taken out of what it stores (no rows named them)"


def _and(items: list[str]) -> str:
    """'a, b and c'."""
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]


def redaction_note(*, pupils: int, on: dt.date, summaries: list[str], summary_state: str, pdf_deleted: bool) -> str:
    """What a redaction did, in plain words, for the run page, the PDF and the ZIP."""
    rows = "1 pupil's rows were" if pupils == 1 else f"{pupils} pupils' rows were"
    parts = [f"{rows} removed on {on.isoformat()} under the school's retention policy."]
    if summaries:
        names = [SUMMARY_NAMES.get(kind, TITLES.get(kind, kind)) for kind in summaries]
        tables = _and(names)
        if summary_state == RECOMPUTED:
            parts.append(f"The summary tables ({tables}) were worked out again that day from the records then held, "
                         f"so they no longer count them.")
        else:
            parts.append(f"The summary tables ({tables}) could not be worked out again without them: they are as "
                         f"first built and still count them.")
    if pdf_deleted:
        parts.append("The PDF could not be rebuilt without them, so it was deleted: the CSV files hold what remains.")
    return " ".join(parts)


def redaction_notes(result: Any) -> list[str]:
    """The notes of every redaction of a stored result, oldest first."""
    if not isinstance(result, dict):
        return []
    return [entry["note"] for entry in result.get("redactions") or [] if entry.get("note")]


def report_runs_redact(pupils: list[PurgedPupil], *, today: dt.date, apply: bool) -> list[CopyRemoved]:
    """The retention step: redact (or, in a dry run, list) every stored run naming these pupils."""
    by_school: dict[int, list[PurgedPupil]] = defaultdict(list)
    for pupil in pupils:
        by_school[pupil.school_id].append(pupil)
    copies: list[CopyRemoved] = []
    written: list[tuple[Any, str]] = []  # (storage, name) of files written here
    old: list[tuple[Any, str]] = []  # files the redacted runs no longer use
    try:
        for school_id, group in by_school.items():
            identifiers = Identifiers(group)
            runs = runs_naming(school_id, identifiers).select_related("school")
            if apply:
                runs = runs.select_for_update(of=("self",))
            for run in runs:
                in_rows = {pk for _, _, found in rows_about(run.kind, run.result, identifiers) for pk in found}
                in_error = identifiers.named_in(run.error)
                named = in_rows | in_error | identifiers.named_in(run.result)
                if not named:
                    continue
                if not in_rows:  # a failed run's message, say: the identifiers go, nothing is rebuilt
                    change = ERROR_ONLY_DONE if apply else ERROR_ONLY_PLANNED
                    if apply:
                        run.error = _scrubbed_text(run.error, identifiers)
                        run.result = _scrub(run.result, identifiers)
                        run.save(update_fields=["error", "result"])
                elif apply:
                    change = _redact(run, identifiers, len(named), written, old)
                else:
                    change = _planned(run)
                copies.append(CopyRemoved(school_id=school_id, what=f"{describe_run(run)} (run {run.public_id})",
                                          pupils=len(named), change=change))
    except BaseException:
        _delete(written)
        raise
    if old:
        transaction.on_commit(lambda: _delete(old))
    return copies


def _summaries(reports: dict[str, dict]) -> list[str]:
    """The reports of a result that count pupils rather than name them (no UPN column)."""
    from reports.packs import report_order

    kinds = [kind for kind, data in reports.items() if "upn" not in (data.get("columns") or [])]
    return sorted(kinds, key=report_order)


def _files(run: ReportRun) -> list[str]:
    return [name for name, stored in (("PDF", run.pdf), ("ZIP", run.zip_file)) if stored]


def _planned(run: ReportRun) -> str:
    steps = ["their rows would be removed"]
    if _summaries(reports_of(run.kind, run.result)) and run.kind == ReportKind.TERMLY_PACK:
        steps.append("the summary tables worked out again without them")
    if files := _files(run):
        steps.append(f"the {' and '.join(files)} rebuilt")
    return _and(steps)


def _redact(run: ReportRun, identifiers: Identifiers, pupils: int, written: list, old: list) -> str:
    result = run.result
    reports = reports_of(run.kind, result)
    for report in reports.values():
        report["rows"] = [row for row in report.get("rows") or [] if not identifiers.named_in(row)]
    summaries = _summaries(reports) if run.kind == ReportKind.TERMLY_PACK else []
    summary_state = NONE
    if summaries:
        summary_state = RECOMPUTED if _recompute(run, reports, summaries) else KEPT
    _scrub(result, identifiers)  # anything left outside the rows (a note, a label) loses the identifier
    today = timezone.localdate()
    note = dict(pupils=pupils, on=today, summaries=summaries, summary_state=summary_state)
    entry = {"on": today.isoformat(), "pupils": pupils, "summaries": summary_state, "pdf": NONE,
             "note": redaction_note(**note, pdf_deleted=False)}
    result.setdefault("redactions", []).append(entry)

    fields = ["result", "error"]
    if run.kind == ReportKind.TERMLY_PACK and (run.pdf or run.zip_file):
        fields += _rewrite_files(run, result, entry, note, written, old)
    run.result = result
    run.error = _scrubbed_text(run.error, identifiers)
    run.save(update_fields=fields)

    done = ["their rows were removed"]
    if summary_state == RECOMPUTED:
        done.append("the summary tables worked out again without them")
    elif summary_state == KEPT:
        done.append("the summary tables kept as built (they still count them)")
    if entry["pdf"] == "deleted":
        done.append("the PDF deleted (it could not be rebuilt)")
    if rebuilt := _files(run):
        done.append(f"the {' and '.join(rebuilt)} rebuilt")
    return _and(done)


def _recompute(run: ReportRun, reports: dict[str, dict], kinds: list[str]) -> bool:
    """Work the summary tables out again for the run's term, from the records now held (the purged
    pupils' rows are already deleted in this transaction). False when they cannot be."""
    from reports import generators

    params = run.parameters or {}
    try:
        with transaction.atomic():  # a savepoint: a failed query must not spoil the purge's transaction
            ctx = generators.context_for(
                school=run.school, academic_year=int(params["academic_year"]), term=params["term"],
                subject=params.get("subject") or None, governor=bool(params.get("governor")),
            )
            fresh = {kind: generators.build(kind, ctx).to_dict() for kind in kinds}
    except Exception:  # noqa: BLE001 - the note then says the tables still count them
        logger.warning("Could not work out the summary tables of run %s again", run.pk, exc_info=True)
        return False
    reports.update(fresh)  # in place, in the same order
    return True


def _rewrite_files(run: ReportRun, result: dict, entry: dict, note: dict, written: list, old: list) -> list[str]:
    """A pack's PDF and ZIP again, from the redacted result, under new names. Returns the fields changed."""
    from reports import packs

    params = run.parameters or {}
    reports = packs.reports_from_result(result)
    earlier = redaction_notes(result)[:-1]
    stem = packs.pack_stem(run.school, int(params["academic_year"]), params["term"], bool(params.get("governor")))
    changed = []
    if run.pdf:
        try:
            pdf = packs.render_pdf(
                school=run.school, academic_year=int(params["academic_year"]), term=params["term"], reports=reports,
                governor=bool(params.get("governor")), generated_at=run.finished_at, notes=[*earlier, entry["note"]],
                extras=result.get("pack"),
            )
        except Exception:  # noqa: BLE001 - no Pango, a broken font: the PDF goes, and the note says so
            logger.warning("Could not rebuild the PDF of run %s: deleting it", run.pk, exc_info=True)
            pdf = None
            entry["pdf"] = "deleted"
            entry["note"] = redaction_note(**note, pdf_deleted=True)
        else:
            entry["pdf"] = "rebuilt"
        old.append((run.pdf.storage, run.pdf.name))
        run.pdf.name = _write(run, run.pdf, f"{stem}.pdf", pdf, written) if pdf is not None else ""
        changed.append("pdf")
    if run.zip_file:
        content = packs.pack_zip(reports, notes=[*earlier, entry["note"]])
        old.append((run.zip_file.storage, run.zip_file.name))
        run.zip_file.name = _write(run, run.zip_file, f"{stem}.zip", content, written)
        changed.append("zip_file")
    return changed


def _write(run: ReportRun, stored, filename: str, content: bytes, written: list) -> str:
    """Write ``content`` under a new name beside the run's files: to a temporary file first, renamed
    into place, so the file appears whole or not at all. Returns the storage name."""
    storage = stored.storage
    name = storage.get_available_name(stored.field.generate_filename(run, filename), max_length=stored.field.max_length)
    path = Path(storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".redacting-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, storage.file_permissions_mode or 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    written.append((storage, name))
    return name


def _delete(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            logger.error("Could not delete %s: delete it by hand, it names pupils past retention", name, exc_info=True)


def _scrubbed_text(text: str, identifiers: Identifiers) -> str:
    if not text or not identifiers.named_in(text):
        return text
    return identifiers.scrub(text, REMOVED_WORD)


def _scrub(value: Any, identifiers: Identifiers) -> Any:
    """Replace the identifiers wherever they are left in a stored result (in place)."""
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _scrub(item, identifiers)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _scrub(item, identifiers)
    elif isinstance(value, str):
        return _scrubbed_text(value, identifiers)
    return value
