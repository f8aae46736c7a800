"""The trust edition of the termly pack: every school of a trust side by side, figures only, suppressed.

Each school's figures are its governors' copies (docs/figures.md 9.8), computed together (one batch: each
table read once for all the schools) and laid out with a column per school.
"""

from __future__ import annotations

import io
import json
import zipfile

from django.core.files.base import ContentFile
from django.utils import timezone

from pupils.models import Trust
from reports import charts, generators, pack_content, pack_summary, packs
from reports.pack_content import SUPPRESSED, PackTable, Section, count, num
from sencotrack.parsing import format_academic_year


def _cell_pct(h: dict | None) -> str:
    if h is None:
        return SUPPRESSED
    if h.get("hide_n"):
        return f"{h['pct']:.0f} %"
    return f"{h['pct']:.0f} % ({h['met']} of {h['n']})"


def build_trust_pack(*, trust: Trust, academic_year: int, term: str, progress=None) -> tuple[dict, dict]:
    """Returns (result, files) like ``packs.build_pack``: the trust's PDF, a ZIP of every school's CSVs, the JSON.

    ``progress(percent, note)`` hears how far it has gone (a background run shows it)."""
    progress = progress or (lambda percent, note: None)
    schools = list(trust.schools.order_by("name"))
    if not schools:
        raise ValueError(f"The trust {trust.name} has no school.")
    progress(2, "Reading the schools' data")
    contexts = generators.contexts_for(schools=schools, academic_year=academic_year, term=term, governor=True)
    per_school = {}
    for i, ctx in enumerate(contexts):
        progress(5 + int(60 * i / len(contexts)), f"Computing the figures for {ctx.school.name}")
        reports = packs.compute_pack_reports(ctx)
        per_school[ctx.school.pk] = (ctx.school, reports, pack_content.pack_extras(ctx, reports))
    stem = packs.file_stem(trust.name, academic_year, term, "trust")
    progress(70, "Writing the PDF")
    pdf = render_trust_pdf(trust=trust, academic_year=academic_year, term=term, per_school=list(per_school.values()))
    result = {
        "trust": trust.name, "academic_year": format_academic_year(academic_year), "term": term.capitalize(),
        "governor_copy": True, "edition": "trust", "file_name": stem,
        "schools": {school.code: {"pack": extras, "reports": {r.kind: r.to_dict() for r in reports}}
                    for school, reports, extras in per_school.values()},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for school, reports, _ in per_school.values():
            for report in reports:
                archive.writestr(f"{school.code}/{report.kind}.csv", report.to_csv())
    files = {
        "pdf": (f"{stem}.pdf", ContentFile(pdf)),
        "zip_file": (f"{stem}.zip", ContentFile(buffer.getvalue())),
        "json": (f"{stem}.json", ContentFile(json.dumps(result, indent=2).encode())),
    }
    return result, files


def side_by_side(per_school: list) -> PackTable:
    """The headline figures with a column per school."""
    names = [school.name for school, _, _ in per_school]
    rows: list[list[str]] = []
    rows.append(["Pupils with SEN (SEN support + EHC plan)"] + [
        _register_count(reports) for _, reports, _ in per_school])
    keys = []
    for _, _, extras in per_school:
        for h in extras["summary"]["headlines"]:
            if (h["subject"], h["group"]) not in keys:
                keys.append((h["subject"], h["group"]))
    for subject, group in keys:
        label = f"{subject}: {dict(pack_summary.HEADLINE_GROUPS)[group]} at least expected"
        cells = []
        for _, _, extras in per_school:
            found = next((h for h in extras["summary"]["headlines"] if (h["subject"], h["group"]) == (subject, group)),
                         None)
            cells.append(_cell_pct(found))
        rows.append([label] + cells)
    subjects = sorted({h[0] for h in keys})
    for subject in subjects:
        cells = []
        for _, reports, _ in per_school:
            va = next((r.records() for r in reports if r.kind == "value-added"), [])
            row = next((r for r in va if r["subject"] == subject and r["group"] == "sen"), None)
            if row is None or row.get("va") is None:
                cells.append(SUPPRESSED if row is not None else "–")
            else:
                cells.append(f"{row['va']:+.2f} ({row['ci_low']:.2f} to {row['ci_high']:.2f}), {row['significance']}")
        rows.append([f"{subject}: value added, pupils with SEN (95 % interval)"] + cells)
    rows.append(["No academic gain but an SEMH gain (pupils)"] + [
        count(extras.get("semh_count"), suppressed=True) for _, _, extras in per_school])
    return PackTable("Each school's headline figures side by side", ["Figure", *names], rows,
                     [False] + [True] * len(names))


def _register_count(reports) -> str:
    register = next((r.records() for r in reports if r.kind == "register-summary"), [])
    prov = {r["code"]: r for r in register if r["dimension"] == "provision"}
    k, e = prov.get("K"), prov.get("E")
    if not k or not e or k.get("this_year") is None or e.get("this_year") is None:
        return SUPPRESSED
    return f"{int(k['this_year']) + int(e['this_year'])} (a year earlier {int(k['previous_year']) + int(e['previous_year'])})"


def value_added_side_by_side(per_school: list) -> Section:
    names = [school.name for school, _, _ in per_school]
    tables = []
    by_school = [{(r["subject"], r["group"]): r for rep in reports if rep.kind == "value-added" for r in rep.records()}
                 for _, reports, _ in per_school]
    keys = list(dict.fromkeys(k for rows in by_school for k in rows))
    for subject in dict.fromkeys(k[0] for k in keys):
        body = []
        for key in [k for k in keys if k[0] == subject]:
            line = [charts.GROUP_LABELS.get(key[1], key[1])]
            for rows in by_school:
                r = rows.get(key)
                if r is None:
                    line.append("–")
                elif r.get("va") is None:
                    line.append(SUPPRESSED)
                else:
                    line.append(f"{r['va']:+.2f} ({r['ci_low']:.2f} to {r['ci_high']:.2f}), n = {int(r['n'])}")
            body.append(line)
        tables.append(PackTable(f"{subject}: value added by group (95 % interval), each school",
                                ["Group", *names], body, [False] + [True] * len(names), small=len(names) > 3))
    return Section("value-added", "Value added by group, each school side by side",
                   "Each school's value added is against its own pupils with the same starting points.", tables,
                   pack_content.NOTES["value-added"])


def programmes_side_by_side(per_school: list) -> Section:
    names = [school.name for school, _, _ in per_school]
    by_school = [{(r["programme"], r["measure"]): r for r in extras.get("programmes", [])} for _, _, extras in per_school]
    keys = sorted(dict.fromkeys(k for rows in by_school for k in rows))
    body = []
    for key in keys:
        line = [f"{key[0]} ({key[1]})"]
        for rows in by_school:
            r = rows.get(key)
            if r is None:
                line.append("–")
            elif r.get("suppressed"):
                line.append(f"{SUPPRESSED}; cost {num(r['cost_to_date'], money=True)}")
            else:
                gain = (f"ratio gain {num(r['mean_ratio_gain'])} ({r['band']})" if r.get("age_equivalent")
                        else f"change {num(r['mean_change'])}")
                line.append(f"{gain}, n = {count(r['n'])}, {num(r['cost_per_unit_gained'], money=True)} per unit gained")
        body.append(line)
    table = PackTable("Interventions per programme and measure, each school", ["Programme (measure)", *names], body,
                      [False] + [False] * len(names), small=True)
    return Section("programmes", "Interventions: results and cost per programme, each school",
                   "Cost per unit gained is the cost per month of reading or spelling age for those measures.",
                   [table], pack_content.NOTES["intervention-impact"])


# --- Charts: the dashboards' figures, each school's bars or points side by side (suppressed copies only) -------

VA_CHART_GROUPS = ("all", "sen", "sen_support", "ehcp")


def register_chart(school, rows: list[dict]) -> dict:
    """The school dashboard's register chart of one school (a suppressed count is drawn as the word)."""
    return charts.register_by_provision(rows, title=f"{school.name}: SEN register by provision, this year and last")


def value_added_chart(per_school: list, subject: str) -> dict | None:
    """The dashboard's value-added chart for one subject, every school's main SEN groups one under another;
    a suppressed group is left out (the table beside it says "suppressed")."""
    rows = []
    for group in VA_CHART_GROUPS:
        for school, reports, _ in per_school:
            va = next((rep.records() for rep in reports if rep.kind == "value-added"), [])
            r = next((r for r in va if r["subject"] == subject and r["group"] == group), None)
            if r is None or r.get("suppressed") or r.get("va") is None:
                continue
            rows.append({**r, "group": f"{charts.GROUP_LABELS.get(group, group)}, {school.name}"})
    if not rows:
        return None
    return charts.value_added(rows, title=f"{subject}: value added by school, 95 % intervals")


def programmes_chart(per_school: list) -> dict | None:
    """The dashboard's ratio-gain chart, each school's programmes (reading and spelling ages) one under another;
    a programme's suppressed figures are left out."""
    rows = [{"programme": f"{r['programme']} ({school.name})", "measure": r["measure"], "ratio_gain": r["mean_ratio_gain"]}
            for school, _, extras in per_school for r in extras.get("programmes", [])
            if not r.get("suppressed") and r.get("age_equivalent") and r.get("mean_ratio_gain") is not None]
    return charts.ratio_gain_by_programme(rows, title="Ratio gain by programme and school (mean)") if rows else None


def render_trust_pdf(*, trust: Trust, academic_year: int, term: str, per_school: list) -> bytes:
    sentences = []
    attention = []
    for school, _, extras in per_school:
        summary = extras["summary"]
        first = [s for s in summary["sentences"] if "expected progress" in s][:1] or summary["sentences"][:1]
        sentences += [f"{school.name}: {s}" for s in first]
        attention += [f"{school.name}: {a}" for a in extras["summary"]["attention"][:1]]
    registers = [pack_content.register_section(
        next((r.records() for r in reports if r.kind == "register-summary"), []))
        for _, reports, _ in per_school]
    for (school, reports, _), section in zip(per_school, registers, strict=True):
        for table in section.tables:
            table.caption = f"{school.name}: {table.caption[0].lower()}{table.caption[1:]}"
        section.tables[0].figure = register_chart(
            school, next((r.records() for r in reports if r.kind == "register-summary"), []))
    register = Section("register", "The SEN register, each school", "Pupils on the register by provision and need.",
                       [t for s in registers for t in s.tables], pack_content.NOTES["register-summary"])
    value_added = value_added_side_by_side(per_school)
    subjects = dict.fromkeys(r["subject"] for _, reports, _ in per_school for rep in reports
                             if rep.kind == "value-added" for r in rep.records())
    for table, subject in zip(value_added.tables, subjects, strict=True):  # a table per subject, in this order
        table.figure = value_added_chart(per_school, subject)
        table.chart_height = max(430, pack_content.ROW_PX * (len(table.rows) + 2))  # as tall as its table
    programmes = programmes_side_by_side(per_school)
    programmes.tables[0].figure = programmes_chart(per_school)
    sections = [register, value_added, programmes]
    pack_content.draw_charts(sections)
    all_reports = [r for _, reports, _ in per_school for r in reports]
    context = {
        "title": f"{trust.name}: SEN termly pack, {term.capitalize()} {format_academic_year(academic_year)}",
        "heading": f"{trust.name}: SEN termly pack",
        "footer": f"{trust.name} · {term.capitalize()} {format_academic_year(academic_year)} · trust edition",
        "edition_title": pack_content.EDITION_TITLES["trust"],
        "summary": {"sentences": sentences, "attention": attention},
        "trust_table": side_by_side(per_school),
        "sections": sections,
        "appendices": [],
        "case_studies": [],
        "method": pack_content.method_notes(all_reports, governor=True),
    }
    return packs.write_pdf(context, academic_year=academic_year, term=term, governor=True,
                           generated_at=timezone.now())
