"""The termly pack's plain-English summary and its per-programme table, worked out from the report figures.

Pure pandas (no Django): the pack builder (``reports.pack_content``) hands in the rows the reports
already computed. Governors' copies follow docs/figures.md 9.8: a figure about fewer than 5 pupils is not
stated, and where one part of a group would be hidden (SEN support or EHC plan) the other part is
hidden too, so nothing can be worked out by subtraction from a figure stated beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from reports import metrics

THRESHOLD = metrics.SUPPRESSION_THRESHOLD
MET = ("expected", "exceeding")

#: The groups a headline is about, and how a sentence names them.
HEADLINE_GROUPS = (
    ("sen", "pupils with SEN"),
    ("sen_support", "pupils on SEN support"),
    ("ehcp", "pupils with an EHC plan"),
)
GROUP_WORDS = {
    "all": "all pupils", "sen": "pupils with SEN", "sen_support": "pupils on SEN support",
    "ehcp": "pupils with an EHC plan", "no_sen": "pupils without SEN", "pupil_premium": "pupil premium pupils",
    "not_pupil_premium": "pupils not on pupil premium", "eal": "pupils with EAL", "not_eal": "pupils without EAL",
    "looked_after": "looked-after pupils", "not_looked_after": "pupils not looked after", "female": "girls",
    "male": "boys", **{f"year_{y}": f"Year {y}" for y in range(7, 14)},
    "need_communication": "pupils whose need is communication and interaction",
    "need_cognition": "pupils whose need is cognition and learning",
    "need_semh": "pupils whose need is SEMH", "need_sensory": "pupils whose need is sensory and/or physical",
}
SEN_GROUPS = {"sen", "sen_support", "ehcp", "need_communication", "need_cognition", "need_semh", "need_sensory"}


@dataclass
class Headline:
    """At least expected progress for one group in one subject, this year, last year and nationally."""

    subject: str
    group: str
    n: int
    met: int
    pct: float
    last_n: int = 0
    last_pct: float | None = None
    national_pct: float | None = None
    national_n: int = 0  # pupils whose starting point has a national figure
    hide_n: bool = False  # a governor's copy whose register hides a part of SEN: n would give it away

    def sentence(self) -> str:
        words = dict(HEADLINE_GROUPS)[self.group]
        if self.hide_n:
            text = f"{_pct(self.pct)} of {words} made at least expected progress in {self.subject}"
        else:
            text = (f"{self.met} of {self.n} {words} ({_pct(self.pct)}) made at least expected progress in "
                    f"{self.subject}")
        if self.last_pct is not None:
            diff = self.pct - self.last_pct
            trend = "up from" if diff > 0.5 else "down from" if diff < -0.5 else "about the same as"
            text += f", {trend} {_pct(self.last_pct)} last year"
        if self.national_pct is not None:
            whose = ("" if self.national_n == self.n or self.hide_n
                     else f" (for the {self.national_n} whose starting point has one)")
            text += f"; nationally {_pct(self.national_pct)} from the same starting points{whose}"
        return text + "."


@dataclass
class Summary:
    headlines: list[Headline] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"sentences": self.sentences, "attention": self.attention,
                "headlines": [h.__dict__ for h in self.headlines]}


def _pct(value: float) -> str:
    return f"{metrics.round_half_up(value, 0):.0f} %"


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


# --- Headlines ------------------------------------------------------------------------------------


def headlines(ep: pd.DataFrame, ep_last: pd.DataFrame | None, starting_points: pd.DataFrame,
              subjects: list[str], hide_n: bool = False) -> list[Headline]:
    """At least expected progress per core subject for SEN, SEN support and EHC plan (DOMAIN 9.4-9.5).

    ``ep``/``ep_last``: expected-progress rows with the group flags (one row per pupil and subject),
    this year and the same term last year. ``starting_points``: the ungoverned starting-points report
    (its national percentages). National = the national percentage of each pupil's starting point,
    averaged over the group's pupils that have one. A group whose SEN support or EHC plan part is under
    5 pupils loses both parts (DOMAIN 9.8); any group under 5 is left out. ``hide_n``: the sentences
    give percentages only (a governor's register hides SEN support or EHC plan, which the number of
    pupils with SEN beside SEN support's would give away).
    """
    national = {}
    if not starting_points.empty and "national_pct_expected" in starting_points:
        for row in starting_points.to_dict("records"):
            value = _num(row.get("national_pct_expected"))
            if value is not None:
                national[(row["subject"], str(row["starting_point"]))] = value
    out = []
    for subject in subjects:
        rows = ep[ep["subject"].str.lower() == subject.lower()] if not ep.empty else ep
        last = (ep_last[ep_last["subject"].str.lower() == subject.lower()]
                if ep_last is not None and not ep_last.empty else None)
        sizes = {g: int(rows[g].astype(bool).sum()) if not rows.empty else 0 for g, _ in HEADLINE_GROUPS}
        parts_ok = sizes["sen_support"] >= THRESHOLD and sizes["ehcp"] >= THRESHOLD
        for group, _ in HEADLINE_GROUPS:
            if sizes[group] < THRESHOLD or (group != "sen" and not parts_ok):
                continue
            mine = rows[rows[group].astype(bool)]
            met = int(mine["status"].isin(MET).sum())
            h = Headline(subject=str(mine["subject"].iloc[0]), group=group, n=len(mine), met=met,
                         pct=100.0 * met / len(mine), hide_n=hide_n)
            if last is not None and not last.empty:
                theirs = last[last[group].astype(bool)]
                if len(theirs) >= THRESHOLD:
                    h.last_n = len(theirs)
                    h.last_pct = 100.0 * int(theirs["status"].isin(MET).sum()) / len(theirs)
            looked = [national.get((s, str(b))) for s, b in zip(mine["subject"], mine["baseline_result"], strict=True)]
            found = [v for v in looked if v is not None]
            if len(found) >= THRESHOLD:
                h.national_pct = sum(found) / len(found)
                h.national_n = len(found)
            out.append(h)
    return out


def register_sentence(register: pd.DataFrame) -> str | None:
    """How many pupils are on the register, from the register-summary rows (a governor's copy may hide some)."""
    if register.empty:
        return None
    prov = {r["code"]: r for r in register.to_dict("records") if r["dimension"] == "provision"}
    k, e = prov.get("K"), prov.get("E")
    if k is None or e is None or any(_num(r.get("this_year")) is None or _num(r.get("previous_year")) is None
                                     for r in (k, e)):
        return None
    now = int(k["this_year"]) + int(e["this_year"])
    before = int(k["previous_year"]) + int(e["previous_year"])
    text = (f"{now} pupils are on the SEN register at the end of this term: {int(k['this_year'])} on SEN support "
            f"and {int(e['this_year'])} with an EHC plan")
    if before:
        text += f" (a year earlier {before}: {int(k['previous_year'])} and {int(e['previous_year'])})"
    return text + "."


def value_added_sentence(value_added: pd.DataFrame, subjects: list[str]) -> str | None:
    """Value added of pupils with SEN in each core subject, in one sentence (rows not suppressed only)."""
    parts = []
    for subject in subjects:
        rows = value_added[(value_added["subject"].str.lower() == subject.lower()) & (value_added["group"] == "sen")]
        if rows.empty or _num(rows.iloc[0].get("va")) is None:
            continue
        r = rows.iloc[0]
        verdict = {"above": "above", "below": "below", "in line": "in line with"}.get(r["significance"], "in line with")
        parts.append(f"in {r['subject']} {float(r['va']):+.2f} points (n = {int(r['n'])}, 95 % interval "
                     f"{float(r['ci_low']):.2f} to {float(r['ci_high']):.2f}: {verdict} pupils in the school with "
                     f"the same starting points)")
    if not parts:
        return None
    return "Value added for pupils with SEN: " + "; ".join(parts) + "."


def programme_sentence(programmes: pd.DataFrame) -> str | None:
    """The programme with the highest mean ratio gain (5 pupils or more) and what each month gained cost."""
    if programmes.empty:
        return None
    shown = programmes[programmes["age_equivalent"] & programmes["mean_ratio_gain"].notna()]
    shown = shown[shown["n"].fillna(0) >= THRESHOLD]
    if shown.empty:
        return None
    best = shown.sort_values(["mean_ratio_gain", "n"], ascending=False).iloc[0]
    text = (f"Of {shown['programme'].nunique()} intervention programmes with reading or spelling tests before "
            f"and after, {best['programme']} did best: a mean ratio gain of {float(best['mean_ratio_gain']):.2f} "
            f"in {best['measure']} ({best['band']}) over {int(best['n'])} pupils")
    cost = _num(best.get("cost_per_unit_gained"))
    if cost is not None:
        text += f", at £{cost:,.2f} per month gained"
    return text + "."


def semh_sentence(count: int | None) -> str | None:
    if count is None:
        return None
    if count < THRESHOLD:
        return ("Fewer than 5 pupils made no gain in English or maths this term but improved on an SEMH or "
                "qualitative measure.")
    return (f"{count} pupils made no gain in English or maths this term but improved on an SEMH or qualitative "
            "measure: a gain the attainment figures do not show.")


# --- What most needs attention ----------------------------------------------------------------------


def attention(headline_rows: list[Headline], value_added: pd.DataFrame, starting_points: pd.DataFrame,
              programmes: pd.DataFrame, limit: int = 3) -> list[str]:
    """The ``limit`` findings that most need attention, worst first, from figures shown in the pack.

    Each candidate gets a score on one scale (about "how many standard errors or 10-point steps
    from fine"): value added below, z = VA / standard error; a fall in the headline percentage of at
    least 5 points, fall / 5; a starting point at least 10 points under national with 5 pupils or
    more, gap / 10; a programme whose mean ratio gain is modest over 5 pupils or more, 2. The worst
    finding of each kind comes first, then the others by score.
    """
    found: list[tuple[float, str, str]] = []  # (score, kind, text)
    va = value_added[value_added["significance"] == metrics.SIGNIFICANCE_BELOW] if not value_added.empty else value_added
    for r in va.to_dict("records"):
        if r["group"] == "all" or _num(r.get("va")) is None:
            continue
        half = (float(r["ci_high"]) - float(r["ci_low"])) / 2
        z = abs(float(r["va"])) / (half / 1.96) if half > 0 else 0.0
        weight = 1.0 if r["group"] in SEN_GROUPS else 0.8
        words = GROUP_WORDS.get(r["group"], r["group"])
        found.append((z * weight, "va", f"Value added in {r['subject']} for {words} is {float(r['va']):+.2f} points "
                                  f"(n = {int(r['n'])}), below pupils in the school with the same starting points."))
    for h in headline_rows:
        if h.last_pct is not None and h.pct - h.last_pct <= -5:
            words = dict(HEADLINE_GROUPS)[h.group]
            n = "" if h.hide_n else f" (n = {h.n})"
            found.append(((h.last_pct - h.pct) / 5, "fall", f"In {h.subject}, {words} making at least expected progress "
                                                   f"fell from {_pct(h.last_pct)} to {_pct(h.pct)}{n}."))
    if not starting_points.empty and "gap_expected" in starting_points:
        for r in starting_points.to_dict("records"):
            gap, n = _num(r.get("gap_expected")), _num(r.get("n"))
            if gap is not None and n is not None and n >= THRESHOLD and gap <= -10:
                found.append((abs(gap) / 10, "national", f"From starting point {r['starting_point']} in {r['subject']}, "
                                            f"{_pct(float(r['pct_expected']))} made at least expected progress "
                                            f"against {_pct(float(r['national_pct_expected']))} nationally "
                                            f"(n = {int(n)})."))
    if not programmes.empty:
        modest = programmes[programmes["age_equivalent"] & (programmes["band"] == metrics.RATIO_BAND_BELOW)
                            & (programmes["n"].fillna(0) >= THRESHOLD)]
        for r in modest.to_dict("records"):
            text = (f"{r['programme']}: a mean ratio gain in {r['measure']} of {float(r['mean_ratio_gain']):.2f} "
                    f"(modest) over {int(r['n'])} pupils")
            cost = _num(r.get("cost_per_unit_gained"))
            text += f", £{cost:,.2f} per month gained." if cost is not None else "."
            found.append((2.0, "programme", text))
    found.sort(key=lambda item: -item[0])
    # The worst of each kind first, so three findings are three different things; then the rest by score.
    out: list[str] = []
    seen: set[str] = set()
    for _, kind, text in found:
        if kind not in seen:
            seen.add(kind)
            out.append(text)
    for _, _, text in found:
        if text not in out:
            out.append(text)
    return out[:limit]


# --- Interventions per programme -------------------------------------------------------------------


def programme_table(impact: pd.DataFrame, interventions: pd.DataFrame, *, governor: bool) -> pd.DataFrame:
    """Per programme and measure: pupils, means, bands, effect size, sessions, cost and cost per unit gained.

    ``impact``: ``metrics.measure_impact`` rows; ``interventions``: intervention_id, programme,
    cost_per_session, sessions_delivered (to the term's end). Sessions and cost to date are the
    programme's over all its groups. Governors: a row of fewer than 5 pupils keeps only its
    programme, measure, sessions and cost (``suppressed`` True); no total of pupils is shown
    anywhere, so nothing hidden can be worked out.
    """
    if impact.empty:
        table = pd.DataFrame(columns=["programme", "measure", "kind", "n", "mean_pre", "mean_post", "mean_change",
                                      "effect_size", "mean_ratio_gain", "band", "cost_to_date", "units_gained",
                                      "cost_per_unit_gained"])
    else:
        table = metrics.programme_measure_impact(impact, interventions)
    sessions = interventions.groupby("programme")["sessions_delivered"].sum() if not interventions.empty else {}
    table["sessions_delivered"] = table["programme"].map(sessions).fillna(0).astype("int64") if len(table) else []
    table["age_equivalent"] = table["kind"].isin(metrics.AGE_EQUIVALENT_KINDS)
    table["suppressed"] = False
    if governor and len(table):
        small = table["n"] < THRESHOLD
        table["suppressed"] = small
        for column in ("mean_pre", "mean_post", "mean_change", "effect_size", "mean_ratio_gain", "units_gained",
                       "cost_per_unit_gained"):
            table[column] = table[column].astype("float64").where(~small)
        table["band"] = table["band"].where(~small, "")
        table["n"] = table["n"].astype("Int64").where(~small)
    return metrics.round_for_output(table).reset_index(drop=True)


def summarise(*, ep: pd.DataFrame, ep_last: pd.DataFrame | None, starting_points: pd.DataFrame,
              starting_points_shown: pd.DataFrame, value_added: pd.DataFrame, register: pd.DataFrame,
              programmes: pd.DataFrame, semh_count: int | None, subjects: list[str],
              governor: bool = False) -> Summary:
    """Page 1 of the pack. ``starting_points`` ungoverned (national look-up); the rest as the edition shows them."""
    rows = headlines(ep, ep_last, starting_points, subjects,
                     hide_n=governor and register_sentence(register) is None)
    sentences = [s for s in (register_sentence(register),) if s]
    sentences += [h.sentence() for h in rows]
    sentences += [s for s in (value_added_sentence(value_added, subjects), programme_sentence(programmes),
                              semh_sentence(semh_count)) if s]
    return Summary(headlines=rows, sentences=sentences,
                   attention=attention(rows, value_added, starting_points_shown, programmes))
