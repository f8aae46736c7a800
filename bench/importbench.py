"""Import throughput: a pupils file imported in the browser and on the command line, beside a COPY.

``python -m bench.importbench --rows 60000`` (also step 4 of ``make bench``) on a PostgreSQL
database (``DATABASE_URL``; the schools it makes are deleted at the end). Each way is reported in
rows per second; what each includes: bench/README.md, "Import throughput".
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pupils_csv(rows: int) -> str:
    """``rows`` new pupils with valid UPNs (pupils.upn.make_upn), the same every time."""
    from pupils.upn import make_upn

    out = ["upn,surname,forename,date_of_birth,gender,year_group,pupil_premium,eal,looked_after,admission_date"]
    for n in range(rows):
        upn = make_upn(201 + n // 10_000, 4001, 10 + (n // 1000) % 10, n % 1000)
        year = 7 + n % 5
        out.append(f"{upn},Surname{n},Forename{n},{2019 - year}-{1 + n % 12:02d}-{1 + n % 28:02d},{'MF'[n % 2]},"
                   f"{year},{'YN'[n % 3 == 0]},N,N,2024-09-0{1 + n % 9}")
    return "\n".join(out) + "\n"


def _school(code: str):
    from pupils.models import School

    _delete_schools([code])
    return School.objects.create(code=code, name=f"Import bench {code}")


def _delete_schools(codes: list[str]) -> None:
    """The bench's schools, their pupils and the pupils' history, by SQL: they have nothing else."""
    from django.db import connection

    from pupils.models import School

    ids = list(School.objects.filter(code__in=codes).values_list("pk", flat=True))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pupils_historicalpupil WHERE school_id = ANY(%s)", [ids])
        cursor.execute("DELETE FROM pupils_pupil WHERE school_id = ANY(%s)", [ids])
    School.objects.filter(pk__in=ids).delete()


def _senco(school, username: str):
    from django.contrib.auth import get_user_model

    from pupils.models import Membership, Role

    User = get_user_model()
    User.objects.filter(username=username).delete()
    user = User.objects.create_user(username, f"{username}@example.org", "import-bench-password")
    Membership.objects.create(user=user, school=school, role=Role.SENCO)
    return user


def command_line(path: Path, rows: int) -> dict:
    from pupils.models import Pupil

    school = _school("IMPBENCHCLI")
    _senco(school, "impbench-cli")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "import_data", "pupils", str(path), "--school", school.code, "--user", "impbench-cli"],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"import_data failed: {done.stderr[-2000:]}")
    assert Pupil.objects.filter(school=school).count() == rows
    return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds), "output": done.stdout.strip()}


def browser(text: str, rows: int) -> dict:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from pupils.models import Pupil
    from sencotrack.celery import app

    school = _school("IMPBENCHWEB")
    user = _senco(school, "impbench-web")
    settings.BACKGROUND_THREADS = True  # the embedded mode as shipped (bench settings may differ)
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(user)

    def wait(url: str, until: str) -> float:
        started = time.perf_counter()
        while True:
            response = client.get(url)
            if response.status_code == 302 or until.encode() in response.content:
                return time.perf_counter() - started
            if response.status_code >= 500 or b'data-status="failed"' in response.content:
                raise RuntimeError(response.content.decode()[:3000])
            time.sleep(0.5)

    try:
        started = time.perf_counter()
        response = client.post(reverse("imports:upload"),
                               {"kind": "pupils", "file": SimpleUploadedFile("pupils.csv", text.encode(), "text/csv")})
        upload_s = time.perf_counter() - started
        page = response.url
        wait(page, "Confirm import")
        check_s = time.perf_counter() - started
        confirm_started = time.perf_counter()
        response = client.post(page.rstrip("/") + "/confirm/")
        confirm_s = time.perf_counter() - confirm_started
        wait(page, "never shown")  # redirects to the import page once imported
        total = time.perf_counter() - started
    finally:
        app.conf.task_always_eager = eager
    assert Pupil.objects.filter(school=school).count() == rows
    return {
        "seconds": round(total, 2), "rows_per_s": round(rows / total), "upload_request_s": round(upload_s, 2),
        "confirm_request_s": round(confirm_s, 2), "check_s": round(check_s, 2),
        "import_s": round(total - check_s, 2),
    }  # fmt: skip


def copy_floor(text: str, rows: int) -> dict:
    """COPY of the same rows into pupils_pupil, rolled back: what the database alone costs."""
    import csv

    from django.db import connection, transaction

    school = _school("IMPBENCHCOPY")
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    started = time.perf_counter()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in list(csv.reader(io.StringIO(text)))[1:]:
        upn, surname, forename, dob, gender, year, pp, eal, lac, admitted = cells
        writer.writerow([uuid.uuid4(), upn, surname, forename, dob, gender, year, pp == "Y", eal == "Y", lac == "Y",
                         admitted, now, now, school.pk])
    buffer.seek(0)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                "COPY pupils_pupil (public_id, upn, surname, forename, date_of_birth, gender, year_group, pupil_premium,"
                " eal, looked_after, admission_date, created_at, updated_at, school_id) FROM STDIN WITH (FORMAT csv)",
                buffer,
            )
            cursor.execute("SELECT count(*) FROM pupils_pupil WHERE school_id = %s", [school.pk])
            assert cursor.fetchone()[0] == rows
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def measure(rows: int) -> dict:
    """All three, then the schools and people made for them deleted."""
    from django.contrib.auth import get_user_model

    text = pupils_csv(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pupils.csv"
        path.write_text(text, encoding="utf-8")
        try:
            result = {"rows": rows, "bytes": len(text.encode())}
            result["copy"] = copy_floor(text, rows)
            result["command_line"] = command_line(path, rows)
            result["browser"] = browser(text, rows)
        finally:
            _delete_schools(["IMPBENCHCLI", "IMPBENCHWEB", "IMPBENCHCOPY"])
            get_user_model().objects.filter(username__startswith="impbench-").delete()
    for way in ("command_line", "browser"):
        result[way]["x_copy"] = round(result["copy"]["rows_per_s"] / result[way]["rows_per_s"], 1)
    result["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import throughput beside a COPY (bench/importbench.py)")
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sencotrack.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench.importbench needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    result = measure(args.rows)
    print("BENCHJSON " + json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
