"""Retention reaches the stored report runs: a purged pupil's rows leave every stored result, every
pack's PDF and ZIP, and the run page says so (issue 10, part 7).

The school is the one of ``report_school`` (figures worked out by hand in test_reports_figures).
Pupils A (English 4b -> 5c, the reading intervention) and M3 (maths 4b -> 5b, SEN support) left on
20 July 2026; the school keeps records 1 year, so on 3 December 2027 (cut-off 3 December 2026) they
are purged. A real termly pack (PDF and ZIP, reports.packs) and a single expected-progress report of
summer 2025/26 were built before, with them in.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from pupils.models import Pupil, Role
from reports import packs, services
from reports.models import ReportKind, ReportRun, RunStatus
from reports.pupil_rows import Identifiers, rows_about
from tests import factories as f
from tests.integration.report_school import build_report_school
from tests.pdftext import pdf_contains, pdf_texts

pytestmark = pytest.mark.django_db

PARAMS = {"academic_year": 2025, "term": "summer"}
TODAY = "2027-12-03"


def built(school, kind, parameters=PARAMS) -> ReportRun:
    run = ReportRun.objects.create(school=school, kind=kind, parameters=parameters)
    assert services.report_run_execute(run.pk) == RunStatus.DONE
    run.refresh_from_db()
    return run


def read(stored) -> bytes:
    with open(stored.path, "rb") as handle:
        return handle.read()


def zip_text(run: ReportRun) -> str:
    with zipfile.ZipFile(run.zip_file.path) as archive:
        return "\n".join(archive.read(name).decode() for name in archive.namelist())


def retention(*args) -> str:
    out = io.StringIO()
    call_command("retention", "--today", TODAY, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def school(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    school, pupils = build_report_school()
    school.retention_years = 1
    school.save()
    runs = {
        "pack": built(school, ReportKind.TERMLY_PACK),
        "governors": built(school, ReportKind.TERMLY_PACK, PARAMS | {"governor": True}),
        "progress": built(school, ReportKind.EXPECTED_PROGRESS),
        "va": built(school, ReportKind.VALUE_ADDED),
    }
    leavers = [pupils["A"], pupils["M3"]]
    Pupil.objects.filter(pk__in=[p.pk for p in leavers]).update(leaving_date=dt.date(2026, 7, 20), archived_at=timezone.now())
    return school, pupils, leavers, runs


def identities(pupils) -> list[str]:
    return [value for p in pupils for value in (p.upn, str(p.public_id), f"{p.forename} {p.surname}")]


def test_the_pack_names_the_leavers_before_retention(school):
    """The checks below could fail: before the purge the pack's JSON, ZIP and PDF name both leavers."""
    _, pupils, leavers, runs = school
    pack = runs["pack"]
    for pupil in leavers:
        assert pupil.upn in json.dumps(pack.result) and pupil.upn in zip_text(pack)
        assert pdf_contains(read(pack.pdf), pupil.upn)
    assert pupils["A"].upn in json.dumps(runs["progress"].result)


def test_a_dry_run_lists_the_runs_naming_them_and_changes_nothing(school):
    _, _, leavers, runs = school
    before = {name: (run.result, run.pdf.name, run.zip_file.name) for name, run in runs.items()}
    out = retention()
    assert "Would remove from stored copies:" in out
    pack_line = next(line for line in out.splitlines() if str(runs["pack"].public_id) in line)
    assert pack_line.startswith("  oak: Termly report pack, Summer 2025/26, built ")
    assert pack_line.endswith(": 2 pupils; their rows would be removed, the summary tables worked out again "
                              "without them and the PDF and ZIP rebuilt")
    progress_line = next(line for line in out.splitlines() if str(runs["progress"].public_id) in line)
    assert progress_line.endswith(": 2 pupils; their rows would be removed")
    # Aggregate-only runs name nobody: the governors' pack and the value-added report stay as built
    assert str(runs["governors"].public_id) not in out and str(runs["va"].public_id) not in out
    for pupil in leavers:  # listed by public id only, as the purge itself is
        assert pupil.upn not in out
    for name, run in runs.items():
        run.refresh_from_db()
        assert (run.result, run.pdf.name, run.zip_file.name) == before[name]
        if run.pdf:
            assert os.path.exists(run.pdf.path) and os.path.exists(run.zip_file.path)


def test_apply_removes_them_from_stored_results_pdfs_and_zips(school, django_capture_on_commit_callbacks):
    _, pupils, leavers, runs = school
    old_files = [runs["pack"].pdf.path, runs["pack"].zip_file.path]
    with django_capture_on_commit_callbacks(execute=True):
        out = retention("--apply")
    assert "Purged 2 pupils past the retention period." in out and "Removed from stored copies:" in out
    pack, progress = ReportRun.objects.get(pk=runs["pack"].pk), ReportRun.objects.get(pk=runs["progress"].pk)

    # No identifier of theirs anywhere: the stored JSON, the JSON download, the ZIP, the PDF
    pdf = read(pack.pdf)
    for value in identities(leavers):
        assert value not in json.dumps(pack.result) and value not in json.dumps(progress.result)
        assert value not in zip_text(pack)
        assert not pdf_contains(pdf, value)
    # The others are still there, in all of them
    kept = pupils["B"].upn
    assert kept in json.dumps(pack.result) and kept in zip_text(pack) and pdf_contains(pdf, kept)
    # The old files, which named them, are deleted once the purge has committed
    assert not any(os.path.exists(path) for path in old_files)
    assert pack.pdf.path not in old_files and os.path.exists(pack.pdf.path)
    # No temporary file is left beside the new ones
    assert not [n for n in os.listdir(os.path.dirname(pack.pdf.path)) if n.startswith(".redacting-")]

    # Expected progress had 9 rows (English A B C D, maths M1-M5): 7 remain; intervention impact had A's only
    reports = pack.result["reports"]
    assert len(reports["expected-progress"]["rows"]) == 7 and len(progress.result["rows"]) == 7
    assert reports["intervention-impact"]["rows"] == []
    assert {r["upn"] for r in progress.result["rows"]} == {pupils[k].upn for k in ("B", "C", "D", "M1", "M2", "M4", "M5")}


def test_the_summary_tables_are_worked_out_again_without_them(school, django_capture_on_commit_callbacks):
    _, _, _, runs = school
    with django_capture_on_commit_callbacks(execute=True):
        retention("--apply")
    reports = ReportRun.objects.get(pk=runs["pack"].pk).result["reports"]

    def row(kind, **match):
        return next(r for r in reports[kind]["rows"] if all(r[k] == v for k, v in match.items()))

    # Starting points, maths from 4b: M1 +2, M2 +4, M4 0, M5 +8 against 7.2 expected and 9.6 more:
    # only M5 is expected: 1 of 4 = 25%, none more than expected (was 5 pupils, 20%)
    maths = row("starting-points", subject="Maths", starting_point="4b")
    assert (maths["n"], maths["pct_expected"], maths["pct_more_than_expected"]) == (4, 25.0, 0.0)
    # English from 4b was A alone: the row has gone
    assert not [r for r in reports["starting-points"]["rows"] if r["subject"] == "English" and r["starting_point"] == "4b"]
    # Value added, maths: 4 pupils all from 27, fewer than 5: the cohort mean, (29 + 31 + 27 + 35) / 4 = 30.5;
    # pupil VA -1.5, 0.5, -3.5, 4.5; s = sqrt((2.25 + 0.25 + 12.25 + 20.25) / 3) = sqrt(35 / 3) = 3.4157
    everyone = row("value-added", subject="Maths", group="all")  # 0 +/- 1.96 x 3.4157 / 2 = +/- 3.35
    assert [everyone[c] for c in ("n", "va", "ci_low", "ci_high", "index")] == [4, 0.0, -3.35, 3.35, 100.0]
    sen = row("value-added", subject="Maths", group="sen_support")  # M5 alone: 4.5 +/- 1.96 x 3.4157 = +/- 6.69
    assert [sen[c] for c in ("n", "va", "ci_low", "ci_high", "index")] == [1, 4.5, -2.19, 11.19, 104.5]
    no_sen = row("value-added", subject="Maths", group="no_sen")  # M1, M2, M4: -1.5 +/- 1.96 x 3.4157 / sqrt(3)
    assert [no_sen[c] for c in ("n", "va", "ci_low", "ci_high")] == [3, -1.5, -5.37, 2.37]
    # Register: SEN support on the last day of summer 2025/26 was M3 and M5, now M5; a year earlier
    # M1, M3 and M5, now M1 and M5
    support = row("register-summary", dimension="provision", code="K")
    assert (support["this_year"], support["previous_year"], support["change"]) == (1, 2, -1)


def test_the_run_page_the_pdf_and_the_zip_say_what_was_removed(school, client, django_capture_on_commit_callbacks):
    oak, _, _, runs = school
    senco = f.UserFactory(username="alice")
    f.MembershipFactory(user=senco, school=oak, role=Role.SENCO)
    with django_capture_on_commit_callbacks(execute=True):
        retention("--apply")
    today = timezone.localdate().isoformat()
    said = (f"2 pupils' rows were removed on {today} under the school's retention policy. The summary tables "
            f"(SEN register summary, progress from starting points, value added and transition matrices) were worked out again that day "
            f"from the records then held, so they no longer count them.")
    pack = ReportRun.objects.get(pk=runs["pack"].pk)
    assert [r["note"] for r in pack.result["redactions"]] == [said]
    client.force_login(senco)
    page = client.get(reverse("reports:run", args=[pack.public_id])).content.decode()
    assert said.replace("'", "&#x27;") in page
    assert pdf_contains(read(pack.pdf), "2 pupils' rows were removed on")
    with zipfile.ZipFile(pack.zip_file.path) as archive:
        assert said in archive.read("README.txt").decode()
    download = client.get(reverse("reports:run_download", args=[pack.public_id, "json"]))
    assert json.loads(download.content)["redactions"][0]["note"] == said
    # A single report says so on its page too (no summary tables in it)
    progress = ReportRun.objects.get(pk=runs["progress"].pk)
    page = client.get(reverse("reports:run", args=[progress.public_id])).content.decode()
    assert f"2 pupils&#x27; rows were removed on {today} under the school&#x27;s retention policy." in page


def test_aggregate_only_runs_are_left_as_built(school, django_capture_on_commit_callbacks):
    _, _, _, runs = school
    before = {name: (runs[name].result, runs[name].pdf.name) for name in ("governors", "va")}
    with django_capture_on_commit_callbacks(execute=True):
        retention("--apply")
    for name, (result, pdf) in before.items():
        run = ReportRun.objects.get(pk=runs[name].pk)
        assert (run.result, run.pdf.name) == (result, pdf) and "redactions" not in run.result


def test_a_pdf_that_cannot_be_rebuilt_is_deleted_and_the_note_says_so(school, monkeypatch, django_capture_on_commit_callbacks):
    _, _, leavers, runs = school
    old_pdf = runs["pack"].pdf.path

    def no_pango(**kwargs):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(packs, "render_pdf", no_pango)
    with django_capture_on_commit_callbacks(execute=True):
        out = retention("--apply")
    pack = ReportRun.objects.get(pk=runs["pack"].pk)
    assert not pack.pdf and not os.path.exists(old_pdf)
    note = pack.result["redactions"][0]["note"]
    assert note.endswith("The PDF could not be rebuilt without them, so it was deleted: the CSV files hold what remains.")
    assert "the PDF deleted (it could not be rebuilt) and the ZIP rebuilt" in out
    for value in identities(leavers):
        assert value not in zip_text(pack)


def test_a_failure_rolls_the_purge_back_and_removes_the_new_files(school, monkeypatch, settings):
    _, _, leavers, runs = school
    before = media_files(settings)

    def broken_zip(reports, notes=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(packs, "pack_zip", broken_zip)
    with pytest.raises(RuntimeError, match="disk full"):
        retention("--apply")
    # Nothing purged, the run and its files as they were, and the new PDF written before the failure gone
    assert Pupil.objects.filter(pk__in=[p.pk for p in leavers]).count() == 2
    pack = ReportRun.objects.get(pk=runs["pack"].pk)
    assert "redactions" not in pack.result and os.path.exists(pack.pdf.path)
    assert media_files(settings) == before and len(before) == 4  # two packs' PDF and ZIP


def media_files(settings) -> set[str]:
    return {os.path.join(d, n) for d, _, names in os.walk(settings.MEDIA_ROOT) for n in names}


def test_rows_about_a_pupil_match_whole_words_only():
    class P:
        def __init__(self, pk, upn, public_id):
            self.pk, self.upn, self.public_id = pk, upn, public_id

    ids = Identifiers([P(1, "K801200001234", "0f8fad5b-d9cb-469f-a165-70867728950e")])
    result = {"columns": ["upn", "note"], "rows": [
        {"upn": "K801200001234", "note": ""},
        {"upn": "A801200001234", "note": "K8012000012345 is someone else"},
        {"upn": "B801200001234", "note": "see 0F8FAD5B-D9CB-469F-A165-70867728950E"},
    ]}
    assert [row["upn"] for _, row, _ in rows_about("expected-progress", result, ids)] == ["K801200001234", "B801200001234"]


def test_a_pack_rebuilt_from_its_stored_result_writes_the_same_csv_files(school):
    _, _, _, runs = school
    for name in ("pack", "governors"):
        run = runs[name]
        with zipfile.ZipFile(run.zip_file.path) as archive:
            original = {n: archive.read(n).decode() for n in archive.namelist()}
        again = {f"{r.kind}.csv": r.to_csv() for r in packs.reports_from_result(run.result)}
        for kind in original:
            assert again[kind] == original[kind], kind


def test_a_pack_pdf_rebuilt_from_its_stored_result_reads_the_same(school):
    """What makes the rebuilt PDF faithful: the same text, report by report, in the pack's order."""
    import re

    _, _, _, runs = school
    pack = runs["pack"]
    again = packs.render_pdf(school=pack.school, academic_year=2025, term="summer", governor=False,
                             reports=packs.reports_from_result(pack.result), generated_at=pack.finished_at,
                             extras=pack.result["pack"])

    def text(pdf):  # each font's decoding, without the time it was generated
        return sorted(re.sub(r"worked out \d+ \w+ \d{4} \d\d:\d\d", "worked out", t) for t in pdf_texts(pdf))

    assert text(again) == text(read(pack.pdf))


def test_a_failed_run_whose_message_names_them_loses_their_upns(school, django_capture_on_commit_callbacks):
    oak, pupils, leavers, _ = school
    failed = ReportRun.objects.create(school=oak, kind=ReportKind.VALUE_ADDED, parameters=PARAMS, status=RunStatus.FAILED,
                                      error=f"ValueError: pupil {leavers[0].upn} has two baselines\n\nTraceback ...")
    assert "their UPNs would be taken out of what it stores" in retention()
    with django_capture_on_commit_callbacks(execute=True):
        out = retention("--apply")
    failed.refresh_from_db()
    assert failed.error.startswith("ValueError: pupil [removed] has two baselines") and leavers[0].upn not in failed.error
    assert "their UPNs were taken out of what it stores (no rows named them)" in out


def test_summary_tables_that_cannot_be_worked_out_again_are_kept_and_the_note_says_they_still_count_them(
    school, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import generators

    _, _, leavers, runs = school
    before = runs["pack"].result["reports"]["value-added"]

    def no_term(**kwargs):
        raise ValueError("Oak Academy has no dates for summer 2025/26")

    monkeypatch.setattr(generators, "context_for", no_term)
    with django_capture_on_commit_callbacks(execute=True):
        out = retention("--apply")
    pack = ReportRun.objects.get(pk=runs["pack"].pk)
    assert pack.result["reports"]["value-added"]["rows"] == before["rows"]  # as built: 5 pupils in maths
    assert pack.result["redactions"][0]["note"].endswith(
        "The summary tables (SEN register summary, progress from starting points, value added and transition matrices) could not be "
        "worked out again without them: they are as first built and still count them.")
    assert "the summary tables kept as built (they still count them)" in out
    assert pdf_contains(read(pack.pdf), "still count them")
    for pupil in leavers:  # their rows are gone all the same
        assert pupil.upn not in json.dumps(pack.result) and not pdf_contains(read(pack.pdf), pupil.upn)
