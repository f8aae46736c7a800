"""Saves assessments in a loop, for the PostgreSQL-restart fault test (tests/integration/test_faults.py).

Run as ``python -m tests.fault_writer --writer N --committed FILE --stop FILE --deadline SECONDS``
with DATABASE_URL pointing at the test's private cluster. Each assessment is saved through
``assessments.services.assessment_record`` in its own transaction; only after the commit has
returned is its key appended to the committed file (and fsynced). A database error (the server
restarting) is retried on a fresh connection: the service is an upsert, so a retry after a commit
whose answer was lost changes nothing. Prints a JSON summary when it stops.
Test instrumentation only: the product never imports this module.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

TERMS = ("autumn", "spring", "summer")
PUPILS = 10


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writer", type=int, required=True)
    parser.add_argument("--committed", required=True)
    parser.add_argument("--stop", required=True)
    parser.add_argument("--deadline", type=float, default=120)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sencotrack.settings")
    import django

    django.setup()
    from django.db import InterfaceError, OperationalError, connection, transaction

    from assessments.services import assessment_record
    from pupils.models import Gender, Pupil, School, Subject
    from pupils.upn import make_upn

    ends = time.monotonic() + args.deadline
    school = School.objects.create(code=f"fault-{args.writer}", name=f"Fault school {args.writer}")
    english = Subject.objects.get(code="english")
    pupils = [
        Pupil.objects.create(
            school=school, upn=make_upn(826, 3000 + args.writer, 20, n), surname=f"Writer{args.writer}",
            forename=f"Pupil{n}", date_of_birth="2012-09-01", gender=Gender.FEMALE, year_group=9,
        )
        for n in range(PUPILS)
    ]
    committed = errors = 0
    kinds: dict[str, int] = {}
    with open(args.committed, "a", encoding="utf-8") as log:
        for i in range(PUPILS * 111 * len(TERMS)):
            if os.path.exists(args.stop) or time.monotonic() > ends:
                break
            pupil, step = pupils[i % PUPILS], i // PUPILS
            year, term = 1990 + step // len(TERMS), TERMS[step % len(TERMS)]
            while time.monotonic() < ends:
                try:
                    with transaction.atomic():
                        assessment_record(pupil=pupil, subject=english, academic_year=year, term=term, result="4b")
                    break
                except (OperationalError, InterfaceError) as exc:
                    errors += 1
                    kind = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:120]}"
                    if kind not in kinds:
                        traceback.print_exc(file=sys.stderr)  # the first of each kind, for the test's log
                    kinds[kind] = kinds.get(kind, 0) + 1
                    try:
                        connection.close()
                    except Exception:  # noqa: BLE001 - the connection is already broken
                        pass
                    time.sleep(0.1)
            else:
                break  # out of time while the database was away
            log.write(f"{pupil.upn} {year} {term}\n")
            log.flush()
            os.fsync(log.fileno())
            committed += 1
    print(json.dumps({"writer": args.writer, "committed": committed, "errors": errors, "kinds": kinds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
