"""The trust-wide termly pack: every school's reports computed together are exactly its own.

``reports.packs.compute_trust_reports`` reads each table once for all the schools and computes each
report across them; a school's reports must be identical (same rows, order, columns and dtypes) to
those ``compute_pack_reports`` gives for that school alone, with each school's own term dates, points
scheme and KS2 span, and the queries must not grow with the number of schools.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import generators, packs
from tests import factories as f
from tests.integration.trust_schools import TERM, YEAR, build_trust

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust():
    return build_trust()


def alone(school, governor=False):
    ctx = generators.context_for(school=school, academic_year=YEAR, term=TERM, governor=governor)
    return packs.compute_pack_reports(ctx)


def assert_identical(a, b):
    assert [r.kind for r in a] == [r.kind for r in b]
    for x, y in zip(a, b):
        assert list(x.frame.columns) == list(y.frame.columns), x.kind
        assert list(x.frame.dtypes) == list(y.frame.dtypes), x.kind
        assert x.frame.equals(y.frame), x.kind


@pytest.mark.parametrize("governor", [False, True])
def test_each_schools_reports_computed_with_the_trust_are_identical_to_its_own(trust, governor):
    together = packs.compute_trust_reports(trust, YEAR, TERM, governor=governor)
    assert list(together) == [s.pk for s in trust]
    for school in trust:
        assert_identical(together[school.pk], alone(school, governor))


def test_the_schools_differ_where_their_settings_do(trust):
    oak, ash, elm = trust
    reports = {s.code: {r.kind: r for r in alone(s)} for s in trust}
    # Not vacuous: every school has expected-progress rows, and the empty reports are really empty.
    assert all(len(reports[code]["expected-progress"].frame) > 10 for code in reports)
    assert reports["elm"]["intervention-impact"].frame.empty and reports["elm"]["no-gain-but-semh"].frame.empty
    assert not reports["oak"]["intervention-impact"].frame.empty
    assert reports["ash"]["value-added"].meta["points_scheme"].startswith("DfE-2018-nominal")
    assert reports["elm"]["value-added"].meta["points_scheme"] == "Elm points v2"
    impact = {code: {upn[1:] for upn in reports[code]["intervention-impact"].frame["upn"]} for code in ("oak", "ash")}
    # The visitor's enrolment is ash's; their tests are oak's, so neither school reports it.
    assert "801200015500" not in impact["oak"] | impact["ash"]
    # Ash's term ends on 17 July: enrolments ended on 1 August (pupils 1 and 5) are not over by then;
    # at oak, whose term ends on 31 August, they are. Those ended on 15 July count at both.
    assert {"801200015001", "801200015005", "801200015002"} <= impact["oak"]
    assert "801200015002" in impact["ash"] and not {"801200015001", "801200015005"} & impact["ash"]


def test_the_trust_computation_takes_the_same_queries_for_one_school_or_three(trust):
    with CaptureQueriesContext(connection) as one:  # elm: its loaded points scheme is one query too
        packs.compute_trust_reports(trust[2:], YEAR, TERM)
    with CaptureQueriesContext(connection) as three:
        packs.compute_trust_reports(trust, YEAR, TERM)
    assert len(three.captured_queries) == len(one.captured_queries)
    # The term dates, the loaded scheme, then each dataset once: about a dozen, the reference sets in
    # force and their quartile rows, and the pre-key-stage and engagement results.
    assert len(three.captured_queries) <= 19


def test_a_school_with_no_pupils_gets_empty_reports_identical_to_its_own(trust):
    empty = f.SchoolFactory(code="new", name="New school")
    together = packs.compute_trust_reports([*trust, empty], YEAR, TERM)
    assert all(r.frame.empty for r in together[empty.pk])
    assert_identical(together[empty.pk], alone(empty))
    assert_identical(together[trust[0].pk], alone(trust[0]))
