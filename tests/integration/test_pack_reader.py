"""The termly pack read as its reader would: every edition built by ``build_pack`` for the demo at 1,000 pupils.

Read with poppler (pdftotext -bbox gives each word and its box; pdftoppm draws the pages): every word
lies inside its page, headings are plain words, the governors' and trust editions hold no pupil's name
or UPN, the governors' edition fits in 12 pages, and page 1 states the headline figures, checked
against the expected-progress report and the register worked out here on their own.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from pupils.models import Pupil, RegisterEntry, School
from reports import generators, pack_charts

TODAY = dt.date(2026, 11, 23)  # the last completed term is summer 2025/26
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
CODE_NAMES = ("primary_need", "this_year", "previous_year", "dimension", "pct_expected", "ci_low", "_")

pytestmark = [
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed"),
    pytest.mark.django_db,  # so the test database is set up before the class's seed (not the development file)
]


def pages(pdf: Path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    result = []
    for width, height, body in PAGE.findall(out):
        words = [(float(a), float(b), float(c), float(d), html.unescape(w)) for a, b, c, d, w in WORD.findall(body)]
        result.append((float(width), float(height), words))
    return result


def page_text(pdf: Path, page: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


@pytest.fixture(scope="class")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo at 1,000 pupils and its three packs, built once for the class and rolled back after."""
    folder = tmp_path_factory.mktemp("packs")
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        call_command("seed_demo", f"--today={TODAY}", "--pupils=1000", stdout=io.StringIO())
        files = {}
        for edition in ("senco", "governors", "trust"):
            out = io.StringIO()
            call_command("build_pack", "--school=demo", "--academic-year=2025/26", "--term=Summer",
                         f"--edition={edition}", f"--out={folder / edition}.pdf", stdout=out)
            files[edition] = [Path(line) for line in out.getvalue().split()]
        school = School.objects.get(code="demo")
        pupils = list(Pupil.objects.filter(school__trust=school.trust).values_list("upn", "forename", "surname"))
        ctx = generators.context_for(school=school, academic_year=2025, term="summer")
        progress = generators.build("expected-progress", ctx).frame
        end = ctx.term.end
        provision = dict(RegisterEntry.objects.filter(pupil__school=school).open_on(end)
                         .values_list("pupil__upn", "provision"))
        yield {"files": files, "pupils": pupils, "progress": progress, "provision": provision, "folder": folder}
        transaction.set_rollback(True)


class TestThePacks:
    def test_pdf_zip_and_json_share_one_name_school_year_term_edition(self, built):
        senco = built["files"]["senco"]
        assert [p.suffix for p in senco] == [".pdf", ".zip", ".json"]
        assert {p.stem for p in senco} == {"senco"}  # --out names them; the JSON says the pack's own name
        assert json.loads(senco[2].read_text())["file_name"] == "demo-2025-26-summer-senco-pack"
        assert json.loads(built["files"]["governors"][2].read_text())["file_name"] == "demo-2025-26-summer-governors-pack"
        trust = json.loads(built["files"]["trust"][2].read_text())
        assert trust["file_name"] == "riverside-learning-trust-2025-26-summer-trust-pack"
        with zipfile.ZipFile(senco[1]) as archive:
            assert "expected-progress.csv" in archive.namelist()

    @pytest.mark.parametrize("edition", ["senco", "governors", "trust"])
    def test_every_word_lies_inside_its_page_and_no_heading_is_a_code_name(self, built, edition):
        pdf = built["files"][edition][0]
        for number, (width, height, words) in enumerate(pages(pdf), start=1):
            assert words, f"page {number} is empty"
            for x0, y0, x1, y1, word in words:
                assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height, (edition, number, word)
                assert not any(code in word for code in CODE_NAMES), (edition, number, word)

    @pytest.mark.parametrize("edition", ["governors", "trust"])
    def test_the_governors_and_trust_editions_name_no_pupil(self, built, edition):
        pdf = built["files"][edition][0]
        text = " ".join(w for _, _, words in pages(pdf) for *_, w in words)
        joined = " ".join(text.split())
        for upn, forename, surname in built["pupils"]:
            assert upn not in text
            assert f"{forename} {surname}" not in joined and f"{surname}, {forename}" not in joined

    def test_the_senco_edition_names_pupils_with_their_year_group(self, built):
        pdf = built["files"]["senco"][0]
        upn, forename, surname = next(p for p in built["pupils"] if p[0] in set(built["progress"]["upn"]))
        text = " ".join(w for _, _, words in pages(pdf) for *_, w in words)
        assert f"{surname}, {forename}" in text and "Appendix A" in text and "Year" in text

    def test_the_governors_edition_fits_in_12_pages(self, built):
        assert len(pages(built["files"]["governors"][0])) <= 12

    @pytest.mark.parametrize("edition", ["senco", "governors"])
    def test_page_1_states_the_headline_figures(self, built, edition):
        """At least expected progress in English for pupils with SEN, counted here from the report's rows."""
        ep = built["progress"]
        english = ep[ep["subject"] == "English"]
        sen = english[english["upn"].map(built["provision"]).isin(["K", "E"])]
        met = int(sen["status"].isin(["expected", "exceeding"]).sum())
        first = page_text(built["files"][edition][0], 1)
        assert f"{met} of {len(sen)} pupils with SEN" in first
        assert "What most needs attention" in first
        k = sum(1 for v in built["provision"].values() if v == "K")
        e = sum(1 for v in built["provision"].values() if v == "E")
        assert f"{k + e} pupils are on the SEN register" in first

    @pytest.mark.parametrize("edition", ["senco", "governors"])
    def test_programmes_show_their_cost_per_month_gained_and_charts_are_drawn(self, built, edition):
        pdf = built["files"][edition][0]
        text = " ".join(page_text(pdf, n) for n in range(1, len(pages(pdf)) + 1))
        assert "Cost per month" in text and "Sessions delivered" in text and "Effect size" in text
        assert "£" in text
        # Charts: the dashboards' figures (their titles are drawn as text), Plotly's export or the plain drawing.
        assert "Ratio gain by programme (mean)" in text and "SEN register by provision" in text
        if not pack_charts.available():
            assert "plain drawing of the dashboards' figures" in text

    @pytest.mark.parametrize("edition", ["senco", "governors"])
    def test_starting_points_matrices_and_semh_have_the_dashboards_charts(self, built, edition):
        """Chart titles are drawn as text (Plotly's SVG or the plain drawing): one chart per subject."""
        pdf = built["files"][edition][0]
        text = " ".join(page_text(pdf, n) for n in range(1, len(pages(pdf)) + 1))
        for subject in ("English", "Maths"):
            assert f"{subject}: at least expected progress, ours and national" in text
            assert f"{subject}: from each starting point to this term's result" in text
        assert "SEMH and qualitative measures: effect size" in text

    def test_the_trust_edition_draws_each_school_side_by_side(self, built):
        pdf = built["files"]["trust"][0]
        text = " ".join(page_text(pdf, n) for n in range(1, len(pages(pdf)) + 1))
        for school in School.objects.get(code="demo").trust.schools.all():
            assert f"{school.name}: SEN register by provision, this year and last" in text
        assert "English: value added by school, 95 % intervals" in text
        assert "Maths: value added by school, 95 % intervals" in text
        assert "Ratio gain by programme and school (mean)" in text
        if not pack_charts.available():
            assert "plain drawing of the dashboards' figures" in text

    def test_the_pages_can_be_drawn(self, built):
        """Pages as PNGs, to look at (pdftoppm); left in the class's temporary folder."""
        for edition in ("senco", "governors", "trust"):
            subprocess.run(["pdftoppm", "-r", "40", "-png", "-l", "3", str(built["files"][edition][0]),
                            str(built["folder"] / edition)], check=True)
        assert len(list(built["folder"].glob("*.png"))) >= 7
