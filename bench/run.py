"""``make bench [SCALE=small|medium|large]``: generate a trust, time packs and pages, write the results.

Measures (a) the termly pack, (b) pages under load, (c) queries per page, (d) the report worker's
peak memory and (e) page weight, each beside a floor from the same run (bench/README.md says how).
Writes ``bench/results/<date>-<scale>.json`` and a row of ``bench/RESULTS.md``. Drops and creates
its own database, ``sencotrack_bench_<scale>`` (or ``BENCH_DATABASE_URL``), never the development one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from bench.pg import pg_connect

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"  # ignored by git: static files, logs, profiles
RESULTS = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"

# Targets (issue 6), as ratios measured in the same run.
TARGET_PACK_RATIO = 3.0
TARGET_PAGE_RATIO = 5.0
TARGET_MEMORY_MIB = 2048
TARGET_CLIENTS = 32
# The first request after a write (nothing cached), one request at a time, binding at the large scale.
TARGET_COLD_MS = {"dashboard": 300, "pupil": 80}

# Indexes to try (an experiment): created in the benchmark database only with --proposed-indexes,
# so a run measures what they would change before anyone adds them to the models.
PROPOSED_INDEXES = {
    # Per-school reads of a term's teacher assessments (reports.datasets.teacher_assessments) filter
    # on pupil and term. At the medium scale the planner answers them with a parallel scan of every
    # school's assessments (about 60 ms each against 5 ms with this index); at the large scale it
    # already uses the unique (pupil, subject, academic_year, term, kind) index. Measured effect on
    # the termly pack: within noise (bench/RESULTS.md, "+ proposed index" rows).
    "bench_proposed_assessment_pupil_term": "assessments_assessment (pupil_id, academic_year, term)",
}

# Durations and repeats per scale: small must finish in a few minutes on two cores.
PLAN = {
    "tiny": {"duration": 2, "warmup": 1, "repeats": 2, "trust_repeats": 2},
    "small": {"duration": 5, "warmup": 2, "repeats": 5, "trust_repeats": 5},
    "medium": {"duration": 8, "warmup": 2, "repeats": 3, "trust_repeats": 2},
    "large": {"duration": 10, "warmup": 3, "repeats": 3, "trust_repeats": 1},
}
PAGES = [
    # key, label, route, method
    ("dashboard", "SENCo dashboard", "reports:dashboard", "GET"),
    ("pupil", "pupil page", "pupils:detail", "GET"),
    ("register", "register list", "pupils:register", "GET"),
    ("grid_save", "assessment-grid save", "assessments:grid", "POST"),
]


def say(message: str = "") -> None:
    print(message, flush=True)


# --- PostgreSQL and Redis ------------------------------------------------------------------------


def database_url(scale: str) -> str:
    return os.environ.get("BENCH_DATABASE_URL", "").strip() or f"postgres://postgres@127.0.0.1:5432/sencotrack_bench_{scale}"


def check_postgres(url: str) -> str:
    """The server's version, or exit with a clear message: the benchmark needs PostgreSQL."""
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"bench: BENCH_DATABASE_URL must be a PostgreSQL URL (got {url.split('@')[-1]!r}).")
    if "bench" not in name:
        sys.exit(f"bench: refusing to drop and recreate {name!r}: the benchmark database's name must contain 'bench'.")
    try:
        connection = pg_connect(url, "postgres")
    except Exception as exc:  # noqa: BLE001 - any failure means the same thing here
        host = urllib.parse.urlsplit(url).netloc.split("@")[-1]
        sys.exit(
            f"bench: PostgreSQL is not reachable at {host} ({str(exc).strip().splitlines()[0]}).\n"
            "The benchmark needs PostgreSQL (COPY, real query plans): start it, or set BENCH_DATABASE_URL."
        )
    with connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    return version


def _marker(url: str) -> dict | None:
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    connection = pg_connect(url, "postgres")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
            row = cursor.fetchone()
    finally:
        connection.close()
    try:
        return json.loads(row[0]) if row and row[0] else None
    except ValueError:
        return None


def recreate_database(url: str) -> None:
    from psycopg2 import sql

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    connection = pg_connect(url, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def drop_database(url: str) -> None:
    from psycopg2 import sql

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    from django.db import connections

    connections.close_all()
    connection = pg_connect(url, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        connection.close()


def mark_database(url: str, marker: dict) -> None:
    from psycopg2 import sql

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    connection = pg_connect(url, "postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(json.dumps(marker))))
    finally:
        connection.close()


def vacuum_analyze(url: str) -> None:
    """What autovacuum would have done on a live system: statistics and visibility maps."""
    connection = pg_connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        connection.close()


def set_proposed_indexes(url: str, wanted: bool) -> None:
    """Create (and analyse) or drop the proposed indexes, so a reused database is in the state asked for."""
    connection = pg_connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for name, target in PROPOSED_INDEXES.items():
                if wanted:
                    cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
                    cursor.execute(f"ANALYZE {target.split()[0]}")
                else:
                    cursor.execute(f"DROP INDEX IF EXISTS {name}")
    finally:
        connection.close()


def redis_url() -> str | None:
    """``REDIS_URL`` if set, else a spare database of a local Redis if one answers; None otherwise."""
    url = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/15"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return url
    except Exception:  # noqa: BLE001 - Redis is optional
        return None


# --- The machine -----------------------------------------------------------------------------------


def machine(pg_version: str, workers: int) -> dict:
    def meminfo() -> float | None:
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
        except OSError:
            return None
        return None

    def cpu_model() -> str:
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return platform.processor() or platform.machine()

    wrk = shutil.which("wrk")
    wrk_version = ""
    if wrk:
        probe = subprocess.run([wrk, "--version"], capture_output=True, text=True)
        wrk_version = (probe.stdout or probe.stderr).splitlines()[0] if (probe.stdout or probe.stderr) else "wrk"
    import django
    import pandas

    return {
        "cores": os.cpu_count(), "memory_gib": meminfo(), "cpu": cpu_model(), "os": platform.platform(),
        "python": platform.python_version(), "postgresql": pg_version, "django": django.get_version(),
        "pandas": pandas.__version__, "gunicorn_workers": workers, "load_tool": wrk_version or "python (no wrk)",
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def term_label(generated) -> str:
    return f"{generated.report_term} {generated.report_year}/{(generated.report_year + 1) % 100:02d}"


# --- Stored packs -------------------------------------------------------------------------------------


def store_packs(trust_id: int, academic_year: int, term: str) -> float:
    """Each school's termly pack for the report term, stored as a finished run, as beat leaves them.

    The pack is built by ``reports.packs.build_pack`` itself, so its stored result has exactly the
    product's shape; only the PDF rendering is left out (the files are not what pages read).
    Returns the seconds it took.
    """
    from django.utils import timezone

    from pupils.models import School
    from reports import packs
    from reports.models import ReportKind, ReportRun, RunStatus

    started = time.perf_counter()
    render_pdf = packs.render_pdf
    packs.render_pdf = lambda **kwargs: b""
    try:
        for school in School.objects.filter(trust_id=trust_id).order_by("pk"):
            result, _files = packs.build_pack(school=school, academic_year=academic_year, term=term)
            now = timezone.now()
            ReportRun.objects.create(
                school=school, kind=ReportKind.TERMLY_PACK, parameters={"academic_year": academic_year, "term": term},
                status=RunStatus.DONE, progress=100, progress_note="Done", result=result, attempts=1,
                worker="bench", started_at=now, finished_at=now,
                dedupe_key=f"{school.code}:{academic_year}:{term}:pack",
            )
    finally:
        packs.render_pdf = render_pdf
    return time.perf_counter() - started


# --- Pages: routes, discovery, query counts, load -----------------------------------------------------


def reverse_or_none(route: str, context: dict) -> str | None:
    """The route's path, filling its parameters from ``context`` by name; None if the route does not exist."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    try:
        return reverse(route)
    except NoReverseMatch:
        pass
    resolver = get_resolver()
    *namespaces, name = route.split(":")
    try:
        for ns in namespaces:
            resolver = resolver.namespace_dict[ns][1]
        possibilities = resolver.reverse_dict.getlist(name)
    except KeyError:
        return None
    for possibility in possibilities:
        for _format, params in possibility[0]:
            if all(p in context for p in params):
                try:
                    return reverse(route, kwargs={p: context[p] for p in params})
                except NoReverseMatch:
                    continue
    return None


def route_context(school, report_year: int, report_term: str) -> dict:
    """Values for the parameters a page's URL may take, by their likely names."""
    from django.db.models import Count, Q

    from pupils.models import Pupil, Subject, TeachingGroup

    pupils = Pupil.objects.filter(school=school)
    rich = (pupils.annotate(n=Count("enrolments", distinct=True) + Count("comments", distinct=True))
            .filter(register_entries__end_date__isnull=True, register_entries__provision="E")
            .order_by("-n", "pk").first()) or pupils.order_by("pk").first()
    sparse = pupils.filter(~Q(register_entries__isnull=False)).order_by("pk").first() or rich
    group = TeachingGroup.objects.filter(school=school, subject__code="english").order_by("year_group", "pk").first()
    subject = Subject.objects.filter(code="english").first()
    return {
        "public_id": rich.public_id, "pupil_id": rich.public_id, "pupil": rich.public_id,
        "group_id": group.pk if group else None, "group": group.pk if group else None, "pk": group.pk if group else None,
        "subject": subject.code if subject else None, "subject_code": subject.code if subject else None,
        "academic_year": report_year, "year": report_year, "term": report_term, "school": school.code,
        "_rich": rich, "_sparse": sparse,
    }


def _absolute(path: str, action: str | None) -> str:
    if not action:
        return path
    return urllib.parse.urljoin(path, action)


def _grid_bodies(fields: list[tuple[str, str]]) -> tuple[list[str], str]:
    """Two saves of the form that both change rows: every result cell filled, then each moved a step.

    Each body's cells carry, as what the page showed (``original-<pk>``), the other body's results:
    as if each save came from a page drawn after the other, so alternate saves write every cell
    instead of being refused as stale (sencotrack.conflicts). Also returns the first save, from
    the page as drawn, which fills every cell.
    """
    from assessments.ladder import STEP_CODES

    filled = [(k, v if v in STEP_CODES else "4b") if "result" in k else (k, v) for k, v in fields]
    moved = []
    for name, value in filled:
        if "result" in name and value in STEP_CODES:
            i = STEP_CODES.index(value)
            value = STEP_CODES[i + 1 if i + 1 < len(STEP_CODES) else i - 1]
        moved.append((name, value))
    results = {"filled": dict(k_v for k_v in filled if "result" in k_v[0]), "moved": dict(k_v for k_v in moved if "result" in k_v[0])}

    def drawn_from(body: list[tuple[str, str]], other: str) -> list[tuple[str, str]]:
        return [
            (name, results[other].get(name.replace("original-", "result-", 1), value)) if name.startswith("original-") else (name, value)
            for name, value in body
        ]

    bodies = [urllib.parse.urlencode(drawn_from(filled, "moved")), urllib.parse.urlencode(drawn_from(moved, "filled"))]
    return bodies, urllib.parse.urlencode(filled)


def discover_post(base: str, path: str, cookies: dict) -> tuple[dict | None, str]:
    """The page's main POST form, filled as the page fills it: (target, note)."""
    from bench.load import find_form, request

    status, headers, html = request(base, path, cookies=cookies)
    cookies.update(headers.get("set-cookie", {}))
    if status != 200:
        return None, f"GET {path} answered {status}"
    form = find_form(html, method="post")
    if form is None:
        chooser = find_form(html, method="get")
        if chooser is not None and chooser.fields:
            picks = [(k, v or next((o for o in chooser.options.get(k, []) if o), "")) for k, v in chooser.fields]
            path = _absolute(path, chooser.action).split("?")[0] + "?" + urllib.parse.urlencode(picks)
            status, headers, html = request(base, path, cookies=cookies)
            cookies.update(headers.get("set-cookie", {}))
            form = find_form(html, method="post") if status == 200 else None
    if form is None:
        return None, f"no POST form with fields on {path}"
    target = _absolute(path, form.hx_post or form.action)
    headers = {"HX-Request": "true"} if form.hx_post else {}
    bodies, first = _grid_bodies(form.fields)
    status, _, _ = request(base, target, method="POST", cookies=cookies, body=first, headers=headers)
    if status >= 400:
        return None, f"POST {target} answered {status}"
    return {"path": target, "bodies": bodies, "headers": headers, "fields": len(form.fields)}, ""


def query_counts(targets: dict, username: str, context: dict) -> dict:
    """Queries per page, in this process, with Django's test client signed in as the SENCo."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from pupils.models import School
    from sencotrack import versions

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    out = {}

    def count(key: str, path: str, method: str = "GET", body: str | None = None, headers: dict | None = None):
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
        send = (lambda: client.post(path, data=body, content_type="application/x-www-form-urlencoded", **extra)) \
            if method == "POST" else (lambda: client.get(path, **extra))
        send()  # warm: per-process caches (content types, templates) are not the page's cost
        # Cold: as after any write to the school (its data version moves on, so no cached fragment
        # applies), then warm: what the load below mostly sees. Both counts must be identical at
        # every scale. The cold time is the median of three such requests.
        cold_times = []
        for _ in range(3):
            versions.bump(School.objects.values_list("pk", flat=True))
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as cold:
                send()
            cold_times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = send()
        out[key] = {"queries": len(queries), "status": response.status_code}
        out[f"{key} (uncached)"] = {"queries": len(cold), "status": response.status_code,
                                    "ms": round(statistics.median(cold_times), 1),
                                    "ms_each": [round(t, 1) for t in cold_times]}

    count("trivial", "/bench/trivial/")
    for key, target in targets.items():
        if key == "grid_save":
            count(key, target["path"], "POST", target["bodies"][0], target["headers"])
        else:
            count(key, target["path"])
    if "pupil" in targets and context["_sparse"].pk != context["_rich"].pk:
        count("pupil_sparse", reverse("pupils:detail", args=[context["_sparse"].public_id]))
    return out


def page_weight(base: str, context: dict, username: str, password: str) -> dict:
    """Each page of ``bench.pageweight.PAGES`` weighed in Chromium, through nginx when it is installed."""
    from bench import pageweight
    from bench.proxy import Proxy, available

    missing = pageweight.unavailable()
    if missing:
        say(f"  page weight skipped: {missing}")
        return {"skipped": missing}
    paths = {key: reverse_or_none(route, context) for key, _, route in pageweight.PAGES}
    paths = {key: path for key, path in paths.items() if path}
    no_proxy = available()
    if no_proxy:
        say(f"  weighing the pages in Chromium, straight from gunicorn ({no_proxy}: HTML uncompressed)")
        weight = pageweight.measure(base, paths, username, password, via=f"gunicorn directly; {no_proxy}")
    else:
        say("  weighing the pages in Chromium through nginx (deploy/nginx/sencotrack.conf)")
        with Proxy(base.removeprefix("http://"), DATA / "nginx") as proxy:
            weight = pageweight.measure(proxy.base, paths, username, password,
                                        via="nginx (deploy/nginx/sencotrack.conf, TLS, gzip) in front of gunicorn")
    for line in pageweight.table(weight):
        say(line)
    return weight


def settle(base: str, *, limit: float = 900) -> float:
    """Wait until the server has drained what the last load left queued; returns the seconds waited.

    When wrk stops, requests it had in flight are still queued in gunicorn's backlog; the trivial
    view answers quickly again only once they are done, so the next measurement starts clean.
    """
    from bench.load import request

    started = time.perf_counter()
    fast = 0
    while time.perf_counter() - started < limit and fast < 2:
        t = time.perf_counter()
        request(base, "/bench/trivial/", timeout=limit)
        fast = fast + 1 if time.perf_counter() - t < 0.25 else 0
        if fast < 2:
            time.sleep(0.1)
    return time.perf_counter() - started


def single_request_ms(base: str, target: dict, cookies: dict, repeats: int = 3) -> float:
    """Median latency of one request at a time (after one unmeasured request)."""
    from bench.load import request

    bodies = target.get("bodies") or [None]
    method = "POST" if target.get("bodies") else "GET"
    times = []
    for i in range(repeats + 1):
        t = time.perf_counter()
        request(base, target["path"], method=method, cookies=cookies, body=bodies[i % len(bodies)],
                headers=target.get("headers"))
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:]) * 1000


def run_pages(base: str, cookies: dict, targets: dict, plan: dict, clients: list[int], cores: int,
              workers: int, meter) -> dict:
    """Each page at each concurrency, right after the trivial view at the same concurrency (its floor).

    The floor is measured again before every page, so the two share the machine's conditions. A slow
    page is loaded in whole rounds rather than for a fixed time, because wrk drops the requests still
    in flight when it stops. Method: bench/README.md, "(b) Pages".
    """
    from bench.load import load

    trivial = {"path": "/bench/trivial/"}
    floor_seconds = min(plan["duration"], 3)

    def measure(target: dict, c: int, duration: float, per_client: int | None) -> dict:
        before = meter.snapshot()
        with meter.parallel_workers(before) as parallel:
            result = load(base + target["path"], clients=c, duration=duration, cookies=cookies,
                          bodies=target.get("bodies"), headers=target.get("headers"), cores=cores,
                          requests_per_client=per_client)
            result["settle_s"] = round(settle(base), 1)
        used = meter.used(before, meter.snapshot(), parallel)
        served = result["requests"] + (0 if per_client else c)
        if used is not None and served:
            result["app_cpu_ms"] = used["app"] * 1000 / served
            result["db_cpu_ms"] = used["db"] * 1000 / served
            result["server_cpu_ms"] = result["app_cpu_ms"] + result["db_cpu_ms"]
        return result

    load(base + trivial["path"], clients=workers, duration=plan["warmup"], cookies=cookies, cores=cores)
    settle(base)
    floors: dict[str, list[dict]] = {str(c): [] for c in clients}
    out: dict = {"trivial": {"single_ms": single_request_ms(base, trivial, cookies)}}
    for key, target in targets.items():
        load(base + target["path"], clients=workers, duration=plan["warmup"], cookies=cookies,
             bodies=target.get("bodies"), headers=target.get("headers"), cores=cores)
        settle(base)
        single = single_request_ms(base, target, cookies)
        out[key] = {"single_ms": single}
        for c in clients:
            floor = measure(trivial, c, floor_seconds, None)
            floors[str(c)].append(floor)
            round_s = single / 1000 * max(1.0, c / cores)
            per_client = max(1, -(-max(c, 5) // c)) if round_s * 5 > plan["duration"] else None
            result = measure(target, c, plan["duration"], per_client)
            result["floor_p95_ms"] = floor["p95_ms"]
            result["floor_server_cpu_ms"] = floor.get("server_cpu_ms")
            out[key][str(c)] = result
            flag = f"  ({result['errors']} errors: {result['errors_detail']})" if result["errors"] else ""
            say(f"    {key:<10} {c:>3} clients: p50 {result['p50_ms']:8.1f} ms  p95 {result['p95_ms']:8.1f} ms  "
                f"{result['rps']:7.1f} req/s  ({result['requests']} requests in {result['seconds']:.0f} s, "
                f"{result['tool']}); floor p95 {floor['p95_ms']:.1f} ms{flag}")
    for c, runs in floors.items():
        if runs:
            median = sorted(runs, key=lambda r: r["p95_ms"])[len(runs) // 2]
            out["trivial"][c] = {**median, "floor_p95s_ms": [r["p95_ms"] for r in runs],
                                 "server_cpu_ms": _median([r.get("server_cpu_ms") for r in runs])}
    return out


def _median(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _cpu_ratio(page: dict) -> float | None:
    """Server CPU per request of a page over that of the trivial view measured beside it (medians)."""
    mine = _median([r.get("server_cpu_ms") for k, r in page.items() if k.isdigit()])
    floor = _median([r.get("floor_server_cpu_ms") for k, r in page.items() if k.isdigit()])
    return mine / floor if mine is not None and floor else None


# --- Report worker (child processes) ----------------------------------------------------------------


def run_child(args: list[str], env: dict) -> tuple[dict, int, float]:
    """Run ``python -m bench.reportbench``; returns its JSON, its ru_maxrss (os.wait4) in KiB, and wall seconds."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bench.reportbench", *args], env=env, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=None, text=True)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"bench.reportbench {' '.join(args)} failed with exit status {process.returncode}")
    line = next(x for x in stdout.splitlines() if x.startswith("BENCHJSON "))
    return json.loads(line[len("BENCHJSON "):]), usage.ru_maxrss, seconds


# --- Results ----------------------------------------------------------------------------------------


def previous_query_counts(scale: str) -> dict[str, dict]:
    """The latest stored query counts of every other scale."""
    latest: dict[str, tuple[str, dict]] = {}
    for path in sorted(RESULTS.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except ValueError:
            continue
        other = data.get("scale")
        if other and other != scale and data.get("queries"):
            stamp = data.get("finished_at", path.stem)
            if other not in latest or stamp >= latest[other][0]:
                latest[other] = (stamp, {k: v["queries"] for k, v in data["queries"].items()})
    return {k: v[1] for k, v in latest.items()}


def evaluate(result: dict) -> dict:
    targets: dict = {}
    packs = result.get("packs") or {}
    if packs:
        ratio = packs["trust"]["ratio"]
        targets["trust_pack"] = {"value": round(ratio, 2), "target": f"<= {TARGET_PACK_RATIO}x",
                                 "pass": ratio <= TARGET_PACK_RATIO}
        if packs["trust"].get("cpu_ratio"):
            targets["trust_pack"]["note"] = f"(in CPU time {packs['trust']['cpu_ratio']:.2f}x)"
    ratios = result.get("page_ratios") or {}
    for key in ("dashboard", "pupil"):
        value = (ratios.get(key) or {}).get(str(TARGET_CLIENTS))
        cpu = (result.get("page_cpu_ratios") or {}).get(key)
        targets[f"{key}_p95"] = (
            {"value": round(value, 2), "target": f"<= {TARGET_PAGE_RATIO}x at {TARGET_CLIENTS} clients",
             "pass": value <= TARGET_PAGE_RATIO, **({"note": f"(server CPU per request {cpu:.1f}x)"} if cpu else {})}
            if value is not None else {"value": None, "target": f"<= {TARGET_PAGE_RATIO}x", "pass": None,
                                       "note": "page not measured (not built yet or skipped)"})
    for key, limit in TARGET_COLD_MS.items():
        cold = ((result.get("queries") or {}).get(f"{key} (uncached)") or {}).get("ms")
        binding = result.get("scale") == "large"
        targets[f"{key}_cold"] = {
            "value": cold, "target": f"<= {limit} ms, one request right after a write (binding at large)",
            "pass": None if cold is None else (cold <= limit if binding else None),
            **({} if binding or cold is None else {"note": f"({'within' if cold <= limit else 'over'} the large-scale target here)"}),
        }
    queries = {k: v["queries"] for k, v in (result.get("queries") or {}).items()}
    if queries:
        others = result.get("query_counts_other_scales") or {}
        differing = []
        for other, counts in others.items():
            for key, n in queries.items():
                if key in counts and counts[key] != n:
                    differing.append(f"{key}: {n} here, {counts[key]} at {other}")
        for suffix in ("", " (uncached)"):
            rich, sparse = queries.get("pupil" + suffix), queries.get("pupil_sparse" + suffix)
            if rich is not None and sparse is not None and rich != sparse:
                differing.append(f"pupil page{suffix}: {rich} for a pupil with a long history, {sparse} for one without")
        targets["query_counts"] = {
            "value": "identical" if not differing else "; ".join(differing),
            "target": "identical at every scale", "pass": not differing,
            "compared_with": sorted(others) or ["(no other scale stored yet: pupils with and without history only)"],
        }
    weight = result.get("page_weight") or {}
    if weight.get("pages"):
        from bench import pageweight

        targets["chart_pages"] = pageweight.evaluate(weight)
    memory = result.get("memory")
    if memory:
        mib = memory["peak_mib"]
        targets["worker_memory"] = {"value": round(mib), "target": f"< {TARGET_MEMORY_MIB} MiB (binding at large)",
                                    "pass": mib < TARGET_MEMORY_MIB}
        if memory.get("pdf_s") is None:  # --no-pdf: the peak without the PDF says nothing about the target
            targets["worker_memory"].update({"pass": None, "note": "no PDF was built (--no-pdf)"})
    return targets


def _fmt(value, digits: int = 1, suffix: str = "x") -> str:
    return "n/a" if value is None else f"{value:.{digits}f}{suffix}"


def _both(wall, cpu) -> str:
    """A wall-clock ratio with its CPU-time cross-check: "11.0x (CPU 8.2x)"."""
    return _fmt(wall) + (f" (CPU {_fmt(cpu)})" if cpu is not None else "")


RESULTS_HEADER = """# Benchmark results

One row per run of `make bench SCALE=...` (appended by `bench/run.py`; every figure of a run is in
`bench/results/<date>-<scale>.json`). Ratios are measured in the same run on the same machine.
Each is wall-clock time, the targets' measure, followed by the same ratio in CPU time (the
process and its PostgreSQL backend, or the gunicorn workers and theirs, per request), which
hardly moves when other work shares the machine: compare runs by the CPU figure when the load differs.

- **pack**: termly-pack computation (all reports of `reports.packs.PACK_REPORTS`, no PDF) ÷ the
  floor, one raw SQL query reading the same rows into a DataFrame; *trust* = every school, target <= 3x.
- **p95 @32**: a page's 95th-percentile latency with 32 concurrent clients ÷ the trivial view's
  p95 at 32 clients, measured on the same gunicorn just before the page (target <= 5x for the
  dashboard and the pupil page); the CPU figure is server CPU per request (gunicorn workers,
  their PostgreSQL backends and parallel workers) ÷ the trivial view's.
- **queries**: per page (dashboard / pupil / register / grid save); target: identical at every scale.
- **cold ms**: one request right after a write (nothing cached applies), dashboard / pupil page, in
  ms, median of three, in-process; target at the large scale: dashboard <= 300, pupil page <= 80.
- **worker peak**: the report worker's peak resident memory, VmHWM (every school's pack computed,
  then one full pack with its PDF); target < 2048 MiB at the large scale.
- **load**: the 1-minute load average when the run started (2 cores: above 2 means queueing).

| date | scale | machine | load | trust pack ÷ floor | school pack ÷ floor | dashboard p95 @32 | pupil p95 @32 | register p95 @32 | grid save p95 @32 | queries | cold ms | worker peak | targets |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
"""


def append_results_md(result: dict) -> str:
    m = result["machine"]
    packs = result.get("packs") or {}
    ratios = result.get("page_ratios") or {}
    cpu = result.get("page_cpu_ratios") or {}
    queries = {k: v["queries"] for k, v in (result.get("queries") or {}).items()}
    targets = result["targets"]
    verdict = ", ".join(
        f"{k} {'pass' if t.get('pass') else '**FAIL**' if t.get('pass') is False else 'n/a'}" for k, t in targets.items()
    )
    row = "| " + " | ".join([
        result["date"], result["scale"] + (" + proposed index" if result.get("proposed_indexes") else ""),
        f"{m['cores']} cores, {m['memory_gib']} GiB, Python {m['python']}, PostgreSQL {m['postgresql'].split()[0]}",
        f"{m['loadavg_start'][0]:.1f}",
        *(_both(packs.get(k, {}).get("ratio"), packs.get(k, {}).get("cpu_ratio")) for k in ("trust", "school")),
        *(_both((ratios.get(k) or {}).get(str(TARGET_CLIENTS)), cpu.get(k))
          for k in ("dashboard", "pupil", "register", "grid_save")),
        " / ".join(f"{queries.get(k, '-')} ({queries.get(k + ' (uncached)', '-')})"
                   for k in ("dashboard", "pupil", "register", "grid_save")),
        " / ".join(_fmt(((result.get("queries") or {}).get(f"{k} (uncached)") or {}).get("ms"), 0, "")
                   for k in ("dashboard", "pupil")),
        (f"{result['memory']['peak_mib']:.0f} MiB" + ("" if result["memory"].get("pdf_s") is not None else " (no PDF)"))
        if result.get("memory") else "n/a",
        verdict,
    ]) + " |\n"
    if not RESULTS_MD.exists():
        RESULTS_MD.write_text(RESULTS_HEADER)
    with RESULTS_MD.open("a") as handle:
        handle.write(row)
    return row


def print_summary(result: dict) -> None:
    say()
    say(f"== sencotrack benchmark, scale {result['scale']} ({result['generation']['rows_total']:,} rows, "
        f"{result['schools']} schools, {result['pupils']:,} pupils); load average "
        f"{result['machine']['loadavg_start'][0]:.1f} at the start on {result['machine']['cores']} cores")
    packs = result.get("packs")
    if packs:
        say("   Termly pack (computation, no PDF) against the raw-read floor:")
        for key, label in (("school", "one school"), ("trust", "whole trust")):
            p = packs[key]
            say(f"     {label:<12} {p['pack_s']:8.3f} s   floor {p['floor_s']:7.3f} s ({p['floor_rows']:,} rows)"
                f"   ratio {_both(p['ratio'], p.get('cpu_ratio'))}")
        alone = packs["trust"].get("school_by_school")
        if alone:  # what the trust path saves: the same reports, each school computed on its own
            say(f"     the trust school by school: ratio {_both(alone['ratio'], alone.get('cpu_ratio'))}, "
                f"same reports as computed together: {alone['same_reports']}")
        extra = [f"CSV+JSON {packs['school']['serialise_s']:.2f} s"]
        memory = result.get("memory") or {}
        if memory.get("pdf_s") is not None:
            extra.append(f"full pack with its PDF {memory['pack_build_s']:.1f} s, of which the PDF "
                         f"{memory['pdf_s']:.1f} s ({memory['pdf_bytes'] / 1e6:.1f} MB)")
        say("     outside the ratio, one school: " + ", ".join(extra))
    ratios = result.get("page_ratios") or {}
    pages = result.get("pages") or {}
    if pages:
        clients = sorted({int(c) for v in pages.values() for c in v if c.isdigit()})
        say("   Pages: p95 in ms (ratio to the trivial view's p95 measured just before, same concurrency); "
            "server CPU per request:")
        say("     " + f"{'page':<12}" + "".join(f"{str(c) + ' clients':>24}" for c in clients) + f"{'CPU/request':>22}")
        for key, by_clients in pages.items():
            cells = []
            for c in clients:
                r = by_clients.get(str(c))
                ratio = (ratios.get(key) or {}).get(str(c))
                cells.append(f"{r['p95_ms']:9.1f} ms ({ratio:5.1f}x)" if r and ratio is not None else
                             f"{r['p95_ms']:9.1f} ms (floor)" if r else "-")
            cpu_ms = [r["server_cpu_ms"] for k, r in by_clients.items() if k.isdigit() and r.get("server_cpu_ms")]
            cpu_ratio = (result.get("page_cpu_ratios") or {}).get(key)
            cpu_cell = (f"{statistics.median(cpu_ms):8.1f} ms" + (f" ({cpu_ratio:5.1f}x)" if cpu_ratio else " (floor)")
                        if cpu_ms else "n/a")
            say("     " + f"{key:<12}" + "".join(f"{cell:>24}" for cell in cells) + f"{cpu_cell:>22}")
    for key, note in (result.get("skipped_pages") or {}).items():
        say(f"     {key:<12} skipped: {note}")
    if (result.get("page_weight") or {}).get("pages"):
        from bench import pageweight

        for line in pageweight.table(result["page_weight"]):
            say(line)
    queries = result.get("queries") or {}
    if queries:
        say("   Queries per page: " + ", ".join(f"{k} {v['queries']}" for k, v in queries.items()))
        uncached = {k: v["ms"] for k, v in queries.items() if v.get("ms") is not None}
        if uncached:
            say("   One request right after a write (nothing cached), ms: "
                + ", ".join(f"{k.removesuffix(' (uncached)')} {ms:.0f}" for k, ms in uncached.items()))
    if result.get("memory"):
        say(f"   Report worker peak memory: {result['memory']['peak_mib']:.0f} MiB "
            f"(after computing every school's pack: {result['memory']['after_compute_mib']:.0f} MiB)")
    say("   Targets:")
    for key, t in result["targets"].items():
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[t.get("pass")]
        say(f"     [{mark}] {key:<14} {t['value']}  (target {t['target']})" + (f" {t['note']}" if t.get("note") else ""))


# --- The run ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from bench.generate import DEFAULT_SEED, SCALES

    parser = argparse.ArgumentParser(description="sencotrack benchmarks (bench/README.md)")
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--clients", default="1,8,32", help="concurrent clients, comma-separated")
    parser.add_argument("--duration", type=float, help="seconds of load per page and concurrency")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 2 x cores + 1)")
    parser.add_argument("--reuse-db", action="store_true", help="keep an existing benchmark database of this scale")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the benchmark database at the end")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-packs", action="store_true")
    parser.add_argument("--skip-imports", action="store_true", help="do not measure import throughput")
    parser.add_argument("--import-rows", type=int, help="rows of the pupils file imported (default: the scale's pupils)")
    parser.add_argument("--skip-weight", action="store_true", help="do not weigh the pages in Chromium")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF in the memory run")
    parser.add_argument("--profile", action="store_true", help="cProfile one trust-wide pack into bench/data/")
    parser.add_argument("--no-record", action="store_true", help="do not write results or RESULTS.md")
    parser.add_argument("--proposed-indexes", action="store_true",
                        help="create the indexes of PROPOSED_INDEXES first (an experiment; recorded in the results)")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    plan = dict(PLAN[args.scale])
    if args.duration:
        plan["duration"] = args.duration
    clients = [int(c) for c in args.clients.split(",") if c.strip()]
    cores = os.cpu_count() or 1
    workers = args.workers or 2 * cores + 1
    started = time.perf_counter()

    url = database_url(args.scale)
    pg_version = check_postgres(url)
    redis = redis_url()
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    run_id = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": url, "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false", "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "WARNING", "DB_CONN_MAX_AGE": "3600",
        "BENCH_CACHE_PREFIX": f"sencotrack-bench-{args.scale}-{run_id}", "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    if redis:
        os.environ["REDIS_URL"] = redis
    else:
        os.environ.pop("REDIS_URL", None)
    child_env = dict(os.environ)

    import django

    django.setup()
    from django.core.management import call_command

    from bench.generate import Generated, generate
    from pupils.models import School

    result: dict = {"scale": args.scale, "seed": args.seed, "schools": scale.schools, "pupils": scale.pupils,
                    "redis": bool(redis), "date": dt.date.today().isoformat(),
                    "machine": machine(pg_version, workers)}
    say(f"bench: scale {args.scale} ({scale.schools} schools, {scale.pupils:,} pupils) into "
        f"{urllib.parse.urlsplit(url).path.lstrip('/')} on PostgreSQL {pg_version}; Redis "
        f"{'at ' + redis if redis else 'not reachable (local-memory cache)'}")

    # 1. The data
    version = hashlib.sha1((BENCH / "generate.py").read_bytes()).hexdigest()[:12]
    marker = _marker(url) if args.reuse_db else None
    if marker and marker.get("scale") == args.scale and marker.get("seed") == args.seed and marker.get("version") == version:
        say(f"  reusing the database generated on {marker['anchor']}")
        call_command("migrate", verbosity=0, interactive=False)
        generation = marker["generation"]
        generated = Generated(args.scale, args.seed, dt.date.fromisoformat(marker["anchor"]),
                              generation["report_term"]["academic_year"], generation["report_term"]["term"],
                              trust_id=marker["trust_id"], senco_usernames=marker["sencos"])
    else:
        say("  creating the database and running the migrations")
        recreate_database(url)
        call_command("migrate", verbosity=0, interactive=False)
        say("  generating the trust (bulk path)")
        generated = generate(scale, seed=args.seed, progress=say)
        say(f"  {sum(generated.rows.values()):,} rows in {generated.seconds:.1f} s; VACUUM ANALYZE")
        t = time.perf_counter()
        vacuum_analyze(url)
        generation = generated.as_dict()
        generation["vacuum_s"] = round(time.perf_counter() - t, 1)
        say(f"  storing each school's termly pack for {term_label(generated)} as a finished run (no PDF)")
        generation["stored_packs_s"] = round(store_packs(generated.trust_id, generated.report_year,
                                                         generated.report_term), 1)
        mark_database(url, {"scale": args.scale, "seed": args.seed, "version": version, "generation": generation,
                            "anchor": generated.anchor.isoformat(), "trust_id": generated.trust_id,
                            "sencos": generated.senco_usernames})
    result["generation"] = generation
    set_proposed_indexes(url, args.proposed_indexes)
    result["proposed_indexes"] = sorted(PROPOSED_INDEXES.values()) if args.proposed_indexes else []
    if args.proposed_indexes:
        say("  with the proposed indexes: " + "; ".join(result["proposed_indexes"]))
    year, term = generated.report_year, generated.report_term
    result["report_term"] = {"academic_year": year, "term": term}
    school = School.objects.filter(trust_id=generated.trust_id).order_by("pk").first()
    username = generated.senco_usernames[0]

    # 2. Pages: discovery and query counts in this process, then load on gunicorn
    if not args.skip_pages:
        from bench.load import Server, login

        say("  collecting static files for DEBUG=false")
        call_command("collectstatic", interactive=False, verbosity=0)
        context = route_context(school, year, term)
        log = DATA / f"gunicorn-{args.scale}.log"
        say(f"  starting gunicorn ({workers} sync workers) on 127.0.0.1")
        with Server(child_env, workers=workers, log_path=log) as server:
            from bench.generate import PASSWORD

            cookies = login(server.base, username, PASSWORD)
            targets, skipped = {}, {}
            for key, label, route, method in PAGES:
                path = reverse_or_none(route, context)
                if path is None:
                    skipped[key] = f"the {label} ({route}) does not exist yet"
                    continue
                if method == "POST":
                    target, note = discover_post(server.base, path, cookies)
                    if target is None:
                        skipped[key] = f"the {label}: {note}"
                        continue
                    targets[key] = target
                else:
                    from bench.load import request

                    status, _, _ = request(server.base, path, cookies=cookies)
                    if status != 200:
                        skipped[key] = f"the {label} ({path}) answered {status}"
                        continue
                    targets[key] = {"path": path}
            targets = {"signed_in": {"path": "/bench/trivial-signed-in/"}, **targets}  # a reference row
            for key, note in skipped.items():
                say(f"    skipping {key}: {note}")
            result["skipped_pages"] = skipped
            result["page_paths"] = {k: v["path"] for k, v in targets.items()}
            say("  counting queries per page")
            result["queries"] = query_counts(targets, username, context)
            result["query_counts_other_scales"] = previous_query_counts(args.scale)
            say("  " + ", ".join(f"{k}: {v['queries']} queries (HTTP {v['status']})"
                                 for k, v in result["queries"].items()))
            if not args.skip_weight:
                result["page_weight"] = page_weight(server.base, context, username, PASSWORD)
            say(f"  loading the pages ({', '.join(map(str, clients))} clients, {plan['duration']} s each)")
            from bench.cpu import ServerCpu

            meter = ServerCpu(server.process.pid, url)
            pages = run_pages(server.base, cookies, targets, plan, clients, cores, workers, meter)
        result["pages"] = pages
        result["page_cpu_ratios"] = {key: _cpu_ratio(by) for key, by in pages.items() if key != "trivial"}
        result["page_ratios"] = {
            key: {c: (r["p95_ms"] / r["floor_p95_ms"]) if r.get("floor_p95_ms") else None
                  for c, r in by.items() if c.isdigit()}
            for key, by in pages.items() if key != "trivial"
        }

    # 3. The report worker: timing, then peak memory, each in a fresh process
    if not args.skip_packs:
        common = ["--trust", str(generated.trust_id), "--academic-year", str(year), "--term", term]
        say("  timing the termly pack against the raw-read floor (child process)")
        timing_args = [*common, "--mode", "timing", "--repeats", str(plan["repeats"]),
                       "--trust-repeats", str(plan["trust_repeats"]), "--no-pdf"]
        if args.profile:
            timing_args += ["--profile", str(DATA / f"profile-{args.scale}.txt")]
        packs, _, _ = run_child(timing_args, child_env)
        result["packs"] = packs
        say("  the report worker's peak memory: every school's pack, then one full pack with its PDF")
        memory_args = [*common, "--mode", "memory"] + (["--no-pdf"] if args.no_pdf else [])
        mem, rss_kib, seconds = run_child(memory_args, child_env)
        result["memory"] = {
            "peak_mib": mem["peak_kib"] / 1024, "after_compute_mib": mem["after_compute_kib"] / 1024,
            # ru_maxrss through os.wait4: on Linux it starts from this process's own peak at the fork,
            # so it is at least this (parent) process's size; kept for comparison only.
            "wait4_ru_maxrss_mib": rss_kib / 1024, "seconds": round(seconds, 1),
            "pdf_s": mem.get("pdf_s"), "pdf_bytes": mem.get("pdf_bytes"),
            "pack_build_s": mem.get("pack_build_s"), "timing_child_peak_mib": packs.get("peak_kib", 0) / 1024,
        }

    # 4. Import throughput: a pupils file in the browser and on the command line, beside a COPY
    if not args.skip_imports:
        rows = args.import_rows or scale.pupils
        say(f"  importing {rows:,} pupils: COPY, the command line, the browser (child process)")
        process = subprocess.run([sys.executable, "-m", "bench.importbench", "--rows", str(rows)], env=child_env,
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = next((x for x in process.stdout.splitlines() if x.startswith("BENCHJSON ")), None)
        if process.returncode != 0 or line is None:
            raise RuntimeError(f"bench.importbench failed with exit status {process.returncode}")
        result["imports"] = json.loads(line[len("BENCHJSON "):])
        imports = result["imports"]
        say(f"    COPY {imports['copy']['rows_per_s']:,} rows/s; command line {imports['command_line']['rows_per_s']:,} "
            f"rows/s ({imports['command_line']['seconds']} s); browser {imports['browser']['rows_per_s']:,} rows/s "
            f"({imports['browser']['seconds']} s: check {imports['browser']['check_s']} s, import "
            f"{imports['browser']['import_s']} s)")

    result["targets"] = evaluate(result)
    result["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    print_summary(result)
    if not args.no_record:
        suffix = "-proposed-index" if args.proposed_indexes else ""
        path = RESULTS / f"{result['date']}-{args.scale}{suffix}.json"
        path.write_text(json.dumps(result, indent=2, default=str) + "\n")
        row = append_results_md(result)
        say(f"\n  wrote {path.relative_to(ROOT)} and a row of {RESULTS_MD.relative_to(ROOT)}:\n  {row.strip()}")
    if not args.keep_db:
        drop_database(url)
    say(f"  done in {result['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
