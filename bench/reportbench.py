"""The report worker's side of the benchmark, run by ``bench.run`` in a fresh child process.

``--mode timing`` times the termly pack for one school and for the whole trust against a raw SQL
floor; ``--mode memory`` reports the peak of a whole-trust batch and one real ``build_pack`` as
``VmHWM``, not ``ru_maxrss``, which on Linux starts from the parent's peak at the fork. Method:
bench/README.md, (a) and (d). Prints one line ``BENCHJSON {...}`` on stdout; the rest to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time


def peak_rss_kib() -> int:
    """This process's peak resident set size in KiB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def compute_pack(school, academic_year: int, term: str) -> dict:
    """One school's pack reports, as ``reports.packs.build_pack`` computes them (minus the files)."""
    from reports import generators, packs

    ctx = generators.context_for(school=school, academic_year=academic_year, term=term)
    return {report.kind: report for report in packs.compute_pack_reports(ctx)}


def compute_trust(schools, academic_year: int, term: str) -> dict:
    """Every school's pack reports computed together (``reports.packs.compute_trust_reports``)."""
    from reports import packs

    together = packs.compute_trust_reports(schools, academic_year, term)
    return {pk: {report.kind: report for report in reports} for pk, reports in together.items()}


def same_reports(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k].frame.equals(b[k].frame) and list(a[k].frame.dtypes) == list(b[k].frame.dtypes) for k in a
    )


def floor_sql() -> str:
    """One query for every row the pack reads, in one layout (src tells the rows apart)."""
    from assessments import models as am
    from interventions import models as im
    from pupils import models as pm

    t = {name: model._meta.db_table for name, model in {
        "pupil": pm.Pupil, "subject": pm.Subject, "register": pm.RegisterEntry, "baseline": am.Baseline,
        "assessment": am.Assessment, "reading": am.ReadingTest, "semh": am.SemhChecklist,
        "behaviour": am.BehaviourRecord, "rating": am.QualitativeRating, "self": am.SelfAssessment,
        "enrolment": im.Enrolment, "intervention": im.Intervention, "programme": im.Programme,
    }.items()}
    terms = "(x.academic_year, x.term) IN ((%(y1)s, %(t1)s), (%(y2)s, %(t2)s))"
    scope = "p.school_id = ANY(%(schools)s)"
    # columns: src, pupil_id, s1, s2, s3, s4, n1, n2, d1, d2, x
    return f"""
SELECT 'pupil'::text, p.id, p.upn::text, NULL::text, NULL::text, NULL::text, p.pupil_premium::int::bigint,
       NULL::bigint, NULL::date, NULL::date, NULL::float8
  FROM {t['pupil']} p WHERE {scope}
UNION ALL
SELECT 'baseline', x.pupil_id, s.name, x.key_stage, x.result, x.term, x.academic_year, NULL, NULL, NULL, NULL
  FROM {t['baseline']} x JOIN {t['pupil']} p ON p.id = x.pupil_id JOIN {t['subject']} s ON s.id = x.subject_id
 WHERE {scope}
UNION ALL
SELECT 'assessment', x.pupil_id, s.name, x.result, p.upn, x.term, x.academic_year, NULL, NULL, NULL, NULL
  FROM {t['assessment']} x JOIN {t['pupil']} p ON p.id = x.pupil_id JOIN {t['subject']} s ON s.id = x.subject_id
 WHERE {scope} AND x.kind = 'teacher' AND x.framework = 'nc' AND {terms}
UNION ALL
SELECT 'register', x.pupil_id, x.provision, x.primary_need, NULL, NULL, NULL, NULL, x.start_date, x.end_date, NULL
  FROM {t['register']} x JOIN {t['pupil']} p ON p.id = x.pupil_id
 WHERE {scope} AND ((x.start_date <= %(end)s AND (x.end_date IS NULL OR x.end_date >= %(end)s))
                 OR (x.start_date <= %(end_before)s AND (x.end_date IS NULL OR x.end_date >= %(end_before)s)))
UNION ALL
SELECT 'enrolment', x.pupil_id, g.name, i.measure, p.upn, NULL, x.id, x.intervention_id, x.start_date, x.end_date, NULL
  FROM {t['enrolment']} x JOIN {t['pupil']} p ON p.id = x.pupil_id
  JOIN {t['intervention']} i ON i.id = x.intervention_id JOIN {t['programme']} g ON g.id = i.programme_id
 WHERE {scope} AND i.measure IN ('reading', 'spelling') AND (x.end_date IS NULL OR x.end_date <= %(end)s)
UNION ALL
SELECT 'test', x.pupil_id, x.measure, NULL, NULL, NULL, x.age_equivalent_months, NULL, x.tested_on, NULL,
       x.standardised_score
  FROM {t['reading']} x JOIN {t['pupil']} p ON p.id = x.pupil_id WHERE {scope}
UNION ALL
SELECT 'semh', x.pupil_id, x.instrument, x.scores::text, NULL, x.term, x.academic_year, NULL, NULL, NULL, x.total
  FROM {t['semh']} x JOIN {t['pupil']} p ON p.id = x.pupil_id
 WHERE {scope} AND x.instrument IN ('sdq', 'boxall') AND {terms}
UNION ALL
SELECT 'behaviour', x.pupil_id, NULL, NULL, NULL, x.term, x.academic_year, NULL, NULL, NULL, x.points
  FROM {t['behaviour']} x JOIN {t['pupil']} p ON p.id = x.pupil_id WHERE {scope} AND {terms}
UNION ALL
SELECT 'rating', x.pupil_id, x.aspect, s.name, NULL, x.term, x.academic_year, NULL, NULL, NULL, x.rating
  FROM {t['rating']} x JOIN {t['pupil']} p ON p.id = x.pupil_id JOIN {t['subject']} s ON s.id = x.subject_id
 WHERE {scope} AND {terms}
UNION ALL
SELECT 'self', x.pupil_id, NULL, NULL, NULL, x.term, x.academic_year, NULL, NULL, NULL, x.rating
  FROM {t['self']} x JOIN {t['pupil']} p ON p.id = x.pupil_id WHERE {scope} AND {terms}
"""


FLOOR_COLUMNS = ["src", "pupil_id", "s1", "s2", "s3", "s4", "n1", "n2", "d1", "d2", "x"]


def floor_read(school_ids: list[int], academic_year: int, term: str):
    """The floor: the same rows, one raw query, straight into a DataFrame."""
    import pandas as pd
    from django.db import connection

    from assessments.terms import previous_term, term_dates
    from pupils.models import School

    school = School.objects.get(pk=school_ids[0])
    y1, t1 = previous_term(academic_year, term)
    params = {
        "schools": school_ids, "y1": y1, "t1": t1, "y2": academic_year, "t2": term,
        "end": term_dates(school, academic_year, term)[1], "end_before": term_dates(school, academic_year - 1, term)[1],
    }
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(), params)
        return pd.DataFrame(cursor.fetchall(), columns=FLOOR_COLUMNS)


def _backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _median_time(fn, repeats: int) -> tuple[float, object]:
    wall, _cpu, result = _measure(fn, repeats)
    return wall, result


#: The database's share of the CPU time of the last ``_measure`` (median), for the scaling notes.
DB_SHARE: list[float] = []


def _measure(fn, repeats: int) -> tuple[float, float | None, object]:
    """Median wall seconds and median CPU seconds of ``fn``: this process (less the sampling thread's
    share, which is small) + its PostgreSQL backend + that backend's parallel workers."""
    from bench.cpu import ParallelWorkers, cpu_seconds

    backend = _backend_pid()
    walls, cpus, shares, result = [], [], [], None
    for _ in range(repeats):
        own, theirs = time.process_time(), cpu_seconds(backend) if backend else None
        with ParallelWorkers({backend} if backend else set()) as parallel:
            started = time.perf_counter()
            result = fn()
            walls.append(time.perf_counter() - started)
        after = cpu_seconds(backend) if backend else None
        if theirs is not None and after is not None:
            db = after - theirs + parallel.seconds
            total = time.process_time() - own + db
            cpus.append(total)
            shares.append(db / total if total else 0.0)
    DB_SHARE[:] = [statistics.median(shares)] if shares else []
    return statistics.median(walls), (statistics.median(cpus) if cpus else None), result


def _cpu_figures(pack: list, floor: list) -> dict:
    if any(v is None for v in pack + floor) or not pack:
        return {"pack_cpu_s": None, "floor_cpu_s": None, "cpu_ratio": None}
    p, f = statistics.median(pack), statistics.median(floor)
    return {"pack_cpu_s": p, "floor_cpu_s": f, "cpu_ratio": p / f if f else None}


def timing(args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pupils.models import School
    from reports import generators
    from reports.packs import PACK_REPORTS

    schools = list(School.objects.filter(trust_id=args.trust).order_by("pk"))
    ids = [s.pk for s in schools]
    one = schools[0]
    year, term = args.academic_year, args.term
    _log(f"  warming up on {one.code}")
    compute_pack(one, year, term)
    floor_read([one.pk], year, term)

    out: dict = {"schools": len(schools), "repeats": args.repeats, "trust_repeats": args.trust_repeats}
    school_pack, school_floor, school_pack_cpu, school_floor_cpu = [], [], [], []
    for _ in range(args.repeats):  # interleaved, so both see the same cache and the same machine
        t, cpu, frame = _measure(lambda: floor_read([one.pk], year, term), 1)
        school_floor.append(t)
        school_floor_cpu.append(cpu)
        t, cpu, reports = _measure(lambda: compute_pack(one, year, term), 1)
        school_pack.append(t)
        school_pack_cpu.append(cpu)
    out["school"] = {
        "pack_s": statistics.median(school_pack), "floor_s": statistics.median(school_floor),
        "floor_rows": len(frame), "report_rows": {k: len(r.frame) for k, r in reports.items()},
    }
    out["school"]["ratio"] = out["school"]["pack_s"] / out["school"]["floor_s"]
    out["school"].update(_cpu_figures(school_pack_cpu, school_floor_cpu))
    with CaptureQueriesContext(connection) as queries:
        compute_pack(one, year, term)
    out["school"]["pack_queries"] = len(queries)
    per_report = {}
    for kind in PACK_REPORTS:
        def build(kind=kind):
            ctx = generators.context_for(school=one, academic_year=year, term=term)
            return generators.build(kind, ctx)
        per_report[kind] = _median_time(build, args.repeats)[0]
    out["school"]["per_report_s"] = per_report
    _log(f"  one school: pack {out['school']['pack_s']:.3f}s, floor {out['school']['floor_s']:.3f}s")
    compute_trust(schools, year, term)  # warm-up of the trust-wide reads

    trust_pack, trust_floor, trust_pack_cpu, trust_floor_cpu = [], [], [], []
    for _ in range(args.trust_repeats):
        t, cpu, frame = _measure(lambda: floor_read(ids, year, term), 1)
        trust_floor.append(t)
        trust_floor_cpu.append(cpu)
        floor_db_share = DB_SHARE[:]
        t, cpu, together = _measure(lambda: compute_trust(schools, year, term), 1)
        trust_pack.append(t)
        trust_pack_cpu.append(cpu)
        pack_db_share = DB_SHARE[:]
    out["trust"] = {"pack_s": statistics.median(trust_pack), "floor_s": statistics.median(trust_floor),
                    "floor_rows": len(frame)}
    out["trust"]["ratio"] = out["trust"]["pack_s"] / out["trust"]["floor_s"]
    out["trust"].update(_cpu_figures(trust_pack_cpu, trust_floor_cpu))
    out["trust"]["pack_db_cpu_share"] = pack_db_share[0] if pack_db_share else None
    out["trust"]["floor_db_cpu_share"] = floor_db_share[0] if floor_db_share else None
    with CaptureQueriesContext(connection) as queries:
        compute_trust(schools, year, term)
    out["trust"]["pack_queries"] = len(queries)
    _log(f"  whole trust: pack {out['trust']['pack_s']:.3f}s, floor {out['trust']['floor_s']:.3f}s"
         + (f" (CPU ratio {out['trust']['cpu_ratio']:.1f}x)" if out["trust"].get("cpu_ratio") else ""))

    # For comparison (not the target's figure): the trust school by school, each school's pack alone.
    t, cpu, alone = _measure(lambda: {s.pk: compute_pack(s, year, term) for s in schools}, 1)
    out["trust"]["school_by_school"] = {
        "pack_s": t, "ratio": t / out["trust"]["floor_s"], "pack_cpu_s": cpu,
        "cpu_ratio": cpu / out["trust"]["floor_cpu_s"] if cpu and out["trust"].get("floor_cpu_s") else None,
        "same_reports": all(same_reports(alone[pk], together[pk]) for pk in alone),
    }
    _log(f"  the trust school by school: {t:.3f}s ({out['trust']['school_by_school']['ratio']:.1f}x the floor); "
         f"same reports as computed together: {out['trust']['school_by_school']['same_reports']}")

    # Outside the ratio: the run's JSON result and the ZIP of CSVs.
    import io
    import zipfile

    def serialise():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for report in reports.values():
                archive.writestr(f"{report.kind}.csv", report.to_csv())
        return {k: r.to_dict() for k, r in reports.items()}

    out["school"]["serialise_s"] = _median_time(serialise, args.repeats)[0]
    out["peak_kib"] = peak_rss_kib()
    return out


def memory(args) -> dict:
    from django.db.models import Count

    from pupils.models import School
    from reports import packs

    schools = list(School.objects.filter(trust_id=args.trust).order_by("pk"))
    started = time.perf_counter()
    compute_trust(schools, args.academic_year, args.term)
    out = {"schools": len(schools), "compute_s": time.perf_counter() - started,
           "after_compute_kib": peak_rss_kib(), "pdf_built": not args.no_pdf}
    if not args.no_pdf:
        largest = School.objects.filter(trust_id=args.trust).annotate(n=Count("pupils")).order_by("-n", "pk").first()
        render_pdf = packs.render_pdf
        pdf: dict = {}

        def timed_render_pdf(**kwargs):  # instrumentation only: the same function, timed
            t = time.perf_counter()
            content = render_pdf(**kwargs)
            pdf.update(seconds=time.perf_counter() - t, size=len(content))
            return content

        packs.render_pdf = timed_render_pdf
        started = time.perf_counter()
        packs.build_pack(school=largest, academic_year=args.academic_year, term=args.term)
        out.update(pack_build_s=time.perf_counter() - started, pdf_s=pdf.get("seconds"), pdf_bytes=pdf.get("size"))
        _log(f"  full pack for {largest.code} in {out['pack_build_s']:.1f} s (PDF {out['pdf_s']:.1f} s)")
    out["peak_kib"] = peak_rss_kib()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["timing", "memory"], required=True)
    parser.add_argument("--trust", type=int, required=True)
    parser.add_argument("--academic-year", type=int, required=True)
    parser.add_argument("--term", required=True)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trust-repeats", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of one trust-wide pack computation to this file")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    result = timing(args) if args.mode == "timing" else memory(args)
    if args.profile:
        import cProfile
        import pstats

        from pupils.models import School

        schools = list(School.objects.filter(trust_id=args.trust).order_by("pk"))
        profiler = cProfile.Profile()
        profiler.enable()
        compute_trust(schools, args.academic_year, args.term)
        profiler.disable()
        with open(args.profile, "w") as handle:
            stats = pstats.Stats(profiler, stream=handle)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
        result["profile"] = args.profile
    print("BENCHJSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
