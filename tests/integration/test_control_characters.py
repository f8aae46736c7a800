"""No page answers a 500 to control characters in its parameters (issue 10 part 6).

Every page of the access walk (tests/integration/test_access_walk.py, from the URL resolver, so a
page added later is walked too) is asked for with GET parameters, then sent a form, whose names and
values hypothesis draws with NUL and the other control characters in them, as the SENCo (who may
see every page of the school) and, for the pages they share, as the teacher. The parameters include the names the pages read
(``q``, ``page``, ``kind``, ``sort``, ...) and names no page knows. None may answer a 500; a NUL
in a search never reaches the database (``sencotrack.middleware.strip_control_characters``).

Run it on PostgreSQL too (``DATABASE_URL=postgres://...``): PostgreSQL refuses NUL in text, which is
how ``/interventions/comments/pupils/?q=%00`` gave a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.integration.test_access_walk import url_kwargs, walk_school, walked_patterns  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

#: Names the pages read from GET or from their forms (grep request.GET / name="..." in templates).
KNOWN_NAMES = (
    "q", "page", "kind", "sort", "status", "subject", "term", "academic_year", "year", "group", "provision",
    "pupil", "date", "next", "shared", "show", "type", "report", "all", "archived", "attended", "note",
    "not_delivered", "save", "viewport", "cancel", "need", "order", "filter", "school",
)  # fmt: skip
CONTROL = "".join(chr(c) for c in [*range(0, 32), 127])

plain = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6) | st.sampled_from(
    ["1", "2024", "summer", "Smith", "created", "-1", "2025-09-01"]
)
#: Text with at least one control character somewhere in it.
controlled_text = st.builds(
    lambda before, controls, after: before + controls + after,
    plain, st.text(alphabet=st.sampled_from(CONTROL), min_size=1, max_size=3), plain,
)
names = st.sampled_from(KNOWN_NAMES) | st.text(alphabet=st.sampled_from(CONTROL + "abz_"), min_size=1, max_size=6)
parameters = st.dictionaries(names, st.lists(controlled_text, min_size=1, max_size=2), min_size=1, max_size=4)


def _pages(s) -> list[tuple[str, str]]:
    """Every page's URL, worked out once: the forms sent may delete the records they name (a later
    example then gets their 404, which is fine: never a 500)."""
    if not hasattr(s, "pages"):
        s.pages = [
            (name, reverse(name, kwargs=url_kwargs(name, kwargs, s)))
            for name, kwargs in walked_patterns()
            if name not in ("logout", "admin:index")
        ]
    return s.pages


# One example walks every page (hundreds of requests): one example, no shrinking. A failure lists
# every request that gave a 500 with what it sent, which says more than a shrunk example. The
# many-example search is over the middleware itself (below), where an example costs nothing.
@settings(
    max_examples=1, deadline=None, phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.large_base_example,
                           HealthCheck.data_too_large],
)  # fmt: skip
@given(data=st.data())
def test_control_characters_in_any_parameter_of_any_page_never_give_a_500(walk_school, data):
    s = walk_school
    people = {}
    for role in ("senco", "teacher"):
        people[role] = Client(raise_request_exception=False)
        people[role].force_login(getattr(s.personas, role))
    failures = []
    for name, url in _pages(s):
        query = data.draw(parameters, label=f"GET {name}")
        form = data.draw(parameters, label=f"POST {name}")
        requests = [("senco", "GET", query), ("senco", "POST", form)]
        if name.startswith(("assessments:", "interventions:", "reports:dashboard", "pupils:")):
            requests.append(("teacher", "GET", query))  # the teacher's own view of the pages they share
        for role, method, sent in requests:
            client = people[role]
            response = client.get(url, sent) if method == "GET" else client.post(url, sent)
            if response.status_code >= 500:
                failures.append(f"{method} {url} {sent!r} as {role}: {response.status_code}")
    assert not failures, "\n".join(failures[:20])


@settings(max_examples=300, deadline=None)
@given(query=parameters, form=parameters)
def test_the_middleware_leaves_no_control_character_but_tabs_and_new_lines(query, form):
    from django.test import RequestFactory

    from sencotrack.middleware import strip_control_characters

    seen = {}

    def view(request):
        seen["values"] = [*request.GET.lists(), *request.POST.lists()]
        return None

    strip_control_characters(view)(RequestFactory().post("/x/?" + urlencode(query, doseq=True), form))
    for key, values in seen["values"]:
        for text in (key, *values):
            assert not set(text) & (set(CONTROL) - {"\t", "\n", "\r"}), repr(text)


def test_a_nul_in_the_comments_pupil_search_is_removed_not_a_500(walk_school):
    client = Client(raise_request_exception=False)
    client.force_login(walk_school.personas.senco)
    response = client.get("/interventions/comments/pupils/", {"q": "Sm\x00ith"})
    assert response.status_code == 200
    assert "Smith" in response.content.decode()  # searched for "Smith": the NUL was taken out


def test_control_characters_are_taken_out_of_forms_but_tabs_and_new_lines_stay():
    from django.test import RequestFactory

    from sencotrack.middleware import strip_control_characters

    seen = {}

    def view(request):
        seen["get"], seen["post"] = request.GET.lists(), request.POST.lists()
        return None

    request = RequestFactory().post("/x/?q=a%00b&k%01=c", {"note": "line\none\ttab\x00\x1b[31m", "n": ["1\x7f", "2"]})
    strip_control_characters(view)(request)
    assert list(seen["get"]) == [("q", ["ab"]), ("k", ["c"])]
    assert list(seen["post"]) == [("note", ["line\none\ttab[31m"]), ("n", ["1", "2"])]
