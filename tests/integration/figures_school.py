"""Birch School: P-level pupils, its own quartile and national tables, every group, loaded with import_data.

Report term: summer 2025/26 (term index 2025 * 3 + 2 = 6077, last day 31 August 2026). The school
keeps the defaults: KS2-KS4 (3 levels in 15 terms) and ``quartile_expectations`` below_level_1.

Pupils (year group, sex, flags; register entry open on 31 August 2026; KS2 baseline -> summer result):

========  ====  ===  ============  =================  ==================  =================
pupil     year  sex  flags         register           English             Maths
========  ====  ===  ============  =================  ==================  =================
A1        8     F    PP, EAL       K SPLD             P4 -> P5            P5 -> P6
A2        8     M    looked after  E ASD              P4 -> P6            P5 -> P5 (spring P5)
A3        8     F    PP            E PMLD             P4 -> P4            4b -> 5b
A4        8     M    EAL           K SEMH             P6 -> P8            4b -> 4a
A5        8     F                  K SEMH (Oct 2025)  P6 -> P7            4b -> 5c
A6        8     M    PP            K HI               W -> 1c             4b -> 4b
A7        8     F                                     3b -> 4b            4b -> 5b
A8        8     M                                     3c -> 4a            4b -> 5c
A9        8     F    EAL                              2b -> 3b            4b -> 4a
A10       8     M                                     P4 -> P5            4b -> 5a
B1        9     F                  K MLD              P4 -> P6 (KS2 2023)
D1        12    M                  E SLD              P4 -> P7 (KS2 2020)
E1        8     F                  K OTH (Nov 2024)   KS2 B; on entry autumn 2024 P5 -> P7
F1        7     M                  E SLD (Sep 2025)   pre-key-stage: PK1 (summer 2025), PK2, PK3, PK4
F2        7     F                  E PMLD (Sep 2025)  engagement, Exploration: emerging (autumn) -> developing
========  ====  ===  ============  =================  ==================  =================

KS2 baselines of year 8 are summer 2023/24 (6071): t = 6; B1's summer 2022/23 (6068): t = 9;
D1's summer 2019/20 (6059): t = 18; E1's on-entry baseline autumn 2024/25 (6072): t = 5.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

from django.core.management import CommandError, call_command

from pupils.upn import make_upn
from tests import factories as f

ROSTER = {  # key: (year, sex, pp, eal, looked after, date of birth)
    "A1": (8, "F", "Y", "Y", "N", "2013-01-14"),
    "A2": (8, "M", "N", "N", "Y", "2012-11-02"),
    "A3": (8, "F", "Y", "N", "N", "2013-03-30"),
    "A4": (8, "M", "N", "Y", "N", "2012-09-20"),
    "A5": (8, "F", "N", "N", "N", "2013-05-05"),
    "A6": (8, "M", "Y", "N", "N", "2013-07-07"),
    "A7": (8, "F", "N", "N", "N", "2012-10-10"),
    "A8": (8, "M", "N", "N", "N", "2013-02-02"),
    "A9": (8, "F", "N", "Y", "N", "2013-06-16"),
    "A10": (8, "M", "N", "N", "N", "2013-08-01"),
    "B1": (9, "F", "N", "N", "N", "2012-04-04"),
    "D1": (12, "M", "N", "N", "N", "2009-01-09"),
    "E1": (8, "F", "N", "N", "N", "2012-12-12"),
    "F1": (7, "M", "N", "N", "N", "2014-02-02"),
    "F2": (7, "F", "N", "N", "N", "2013-11-11"),
}
UPNS = {key: make_upn(801, 4000, 13, n) for n, key in enumerate(ROSTER, start=1)}

REGISTER = [  # upn, provision, primary_need, start_date
    ("A1", "K", "SPLD", "2024-09-02"), ("A2", "E", "ASD", "2024-09-02"), ("A3", "E", "PMLD", "2024-09-02"),
    ("A4", "K", "SEMH", "2024-09-02"), ("A5", "K", "SEMH", "2025-10-01"), ("A6", "K", "HI", "2024-09-02"),
    ("B1", "K", "MLD", "2024-09-02"), ("D1", "E", "SLD", "2024-09-02"), ("E1", "K", "OTH", "2024-11-01"),
    ("F1", "E", "SLD", "2025-09-03"), ("F2", "E", "PMLD", "2025-09-03"),
]  # fmt: skip

ENGLISH = {"A1": ("P4", "P5"), "A2": ("P4", "P6"), "A3": ("P4", "P4"), "A4": ("P6", "P8"), "A5": ("P6", "P7"),
           "A6": ("W", "1c"), "A7": ("3b", "4b"), "A8": ("3c", "4a"), "A9": ("2b", "3b"), "A10": ("P4", "P5")}
MATHS = {"A1": ("P5", "P6"), "A2": ("P5", "P5"), "A3": ("4b", "5b"), "A4": ("4b", "4a"), "A5": ("4b", "5c"),
         "A6": ("4b", "4b"), "A7": ("4b", "5b"), "A8": ("4b", "5c"), "A9": ("4b", "4a"), "A10": ("4b", "5a")}

QUARTILES_CSV = """transition,subject,starting_point,lower_quartile,median,upper_quartile,source_note
KS2-KS4,English,P4,P6,P7,P8,Birch test table (illustrative)
KS2-KS4,English,P6,P7,P8,1,
KS2-KS4,English,W,0,1,2,0 is below level 1 (W)
KS2-KS4,maths,P5,P6,P7,P8,
KS2-KS4,Maths,2b,3,4,4,a level-2 row the default setting never uses
KS1-KS2,English,P4,1,2,2,another transition
"""
NATIONAL_CSV = """transition,subject,starting_point,pct_expected,pct_more_than_expected,source_note
KS2-KS4,English,P4,40,10,illustrative
KS2-KS4,English,3,60,20,
KS2-KS4,Maths,4,70%,25%,
KS2-KS4,Maths,P5,50,15,
"""


def _csv(header: str, rows) -> str:
    return header + "\n" + "".join(",".join(str(c) for c in row) + "\n" for row in rows)


def _import(tmp: Path, kind: str, text: str, *extra: str) -> str:
    path = tmp / f"{kind}.csv"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_data", *f.importer_args([kind, path, "--school", "birch", *extra]), stdout=out, stderr=err)
    except CommandError as exc:
        raise AssertionError(f"{exc}\n{err.getvalue()}") from None
    return out.getvalue()


def build_figures_school(tmp: Path):
    from assessments.models import SemhChecklist
    from interventions.models import MeasureKind, Programme

    school = f.SchoolFactory(code="birch", name="Birch School")
    f.SubjectFactory(code="english", name="English", core=True)
    f.SubjectFactory(code="maths", name="Maths", core=True)
    f.SubjectFactory(code="exploration", name="Exploration", core=False)
    # The SENCo set these programmes up; the enrolments import makes their groups. Calm club is judged
    # by SDQ totals; Reading Recovery has no measure set, so reading and spelling ages judge it (DOMAIN 9.7).
    Programme.objects.create(school=school, name="Calm club", area_of_need="semh", cost_per_session=Decimal("10"),
                             default_measure=MeasureKind.SDQ)
    Programme.objects.create(school=school, name="Reading Recovery", area_of_need="cognition",
                             cost_per_session=Decimal("12.50"))

    _import(tmp, "pupils", _csv(
        "upn,surname,forename,date_of_birth,gender,year_group,pupil_premium,eal,looked_after",
        [(UPNS[k], f"Birch{k}", "Test", dob, sex, year, pp, eal, la)
         for k, (year, sex, pp, eal, la, dob) in ROSTER.items()],
    ))
    _import(tmp, "register", _csv("upn,provision,primary_need,start_date",
                                  [(UPNS[k], p, n, d) for k, p, n, d in REGISTER]))
    baselines = [(UPNS[k], "English", "KS2", b, "2023/24", "Summer") for k, (b, _) in ENGLISH.items()]
    baselines += [(UPNS[k], "Maths", "KS2", b, "2023/24", "Summer") for k, (b, _) in MATHS.items()]
    baselines += [
        (UPNS["B1"], "English", "KS2", "P4", "2022/23", "Summer"),
        (UPNS["D1"], "English", "KS2", "P4", "2019/20", "Summer"),
        (UPNS["E1"], "English", "KS2", "B", "2023/24", "Summer"),  # a test code: no points, so skipped
        (UPNS["E1"], "English", "Entry", "P5", "2024/25", "Autumn"),
    ]  # fmt: skip
    _import(tmp, "baselines", _csv("upn,subject,key_stage,result,academic_year,term", baselines))
    summer = [(UPNS[k], "English", "2025/26", "Summer", c) for k, (_, c) in ENGLISH.items()]
    summer += [(UPNS[k], "Maths", "2025/26", "Summer", c) for k, (_, c) in MATHS.items()]
    summer += [
        (UPNS["B1"], "English", "2025/26", "Summer", "P6"),
        (UPNS["D1"], "English", "2025/26", "Summer", "P7"),
        (UPNS["E1"], "English", "2025/26", "Summer", "P7"),
        (UPNS["A2"], "Maths", "2025/26", "Spring", "P5"),
        (UPNS["F1"], "English", "2024/25", "Summer", "PK1"),
        (UPNS["F1"], "English", "2025/26", "Autumn", "PK2"),
        (UPNS["F1"], "English", "2025/26", "Spring", "PK3"),
        (UPNS["F1"], "English", "2025/26", "Summer", "PK4"),
        (UPNS["F2"], "Exploration", "2025/26", "Autumn", "emerging"),
        (UPNS["F2"], "Exploration", "2025/26", "Summer", "Developing"),
    ]  # fmt: skip
    _import(tmp, "assessments", _csv("upn,subject,academic_year,term,result", summer))
    _import(tmp, "reading", _csv("upn,measure,test_name,tested_on,age_equivalent,standardised_score", [
        (UPNS["A1"], "reading", "NGRT", "2025-09-15", "7:06", 80),
        (UPNS["A1"], "reading", "NGRT", "2026-01-10", "8:00", 90),
        (UPNS["A1"], "reading", "NGRT", "2026-04-20", "8:04", 86),
        (UPNS["A1"], "reading", "NGRT", "2026-09-10", "8:08", 99),  # after the term: not in the report
        (UPNS["A2"], "reading", "NGRT", "2025-10-01", "7:00", 75),
        (UPNS["A2"], "reading", "NGRT", "2026-06-01", "7:03", 70),
        (UPNS["A4"], "spelling", "SWST", "2025-10-15", "8:04", ""),
        (UPNS["A4"], "spelling", "SWST", "2025-11-03", "8:05", 90),
        (UPNS["A4"], "spelling", "SWST", "2026-02-01", "8:06", 95),
        (UPNS["A4"], "spelling", "SWST", "2026-03-18", "8:08", ""),
    ]))  # fmt: skip
    _import(tmp, "enrolments", _csv("upn,programme,start_date,end_date", [
        (UPNS["A1"], "Reading Recovery", "2025-09-08", "2026-02-13"),
        (UPNS["A4"], "Reading Recovery", "2025-10-06", "2026-03-20"),
        (UPNS["B1"], "Reading Recovery", "2026-01-05", ""),  # still running: no row
        (UPNS["A2"], "Calm club", "2025-09-15", "2026-03-27"),
    ]))  # fmt: skip
    for day, year, term, total in ((dt.date(2025, 9, 10), 2025, "autumn", 20), (dt.date(2026, 3, 20), 2025, "spring", 16),
                                   (dt.date(2026, 6, 10), 2025, "summer", 14)):
        SemhChecklist.objects.create(pupil=school.pupils.get(upn=UPNS["A2"]), instrument="sdq", completed_on=day,
                                     academic_year=year, term=term, total=Decimal(total), higher_is_better=False)
    _import(tmp, "quartiles", QUARTILES_CSV, "--name", "Birch P-level quartiles")
    _import(tmp, "national", NATIONAL_CSV, "--name", "Birch national figures")
    return school
