"""The entry grid never writes over a colleague's newer result (sencotrack.conflicts).

bob (the teacher) opens 9E1's English grid; Jo Morgan (the SENCo) saves results for some of the
same pupils from her own copy of the grid; then bob saves the page he opened earlier. Each cell
bob changed whose result Jo changed meanwhile is a conflict: not saved, shown with both results
and who changed it and when. His other cells are saved.
"""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment
from tests import factories as f
from tests.integration.test_grid import GRID, _big_group, grid_url, post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def school(personas):
    """9E1 (English, bob's) with Amy Smith, Cara Brown and Dev Patel; the SENCo is Jo Morgan."""
    personas.english = personas.group.subject
    personas.cara = f.PupilFactory(school=personas.school, surname="Brown", forename="Cara")
    personas.dev = f.PupilFactory(school=personas.school, surname="Patel", forename="Dev")
    personas.group.pupils.add(personas.cara, personas.dev)
    personas.senco.first_name, personas.senco.last_name = "Jo", "Morgan"
    personas.senco.save()
    return personas


@pytest.fixture
def jo(school) -> Client:
    colleague = Client()
    colleague.force_login(school.senco)
    return colleague


def stored() -> dict[str, str]:
    return dict(Assessment.objects.filter(academic_year=2024, term="autumn").values_list("pupil__surname", "result"))


def hhmm(pupil) -> str:
    """The local time of the pupil's latest grid change, as the page writes it."""
    change = Assessment.history.filter(pupil_id=pupil.pk).order_by("-history_date").first()
    return f"{timezone.localtime(change.history_date):%H:%M}"


def page_of(response) -> str:
    return response.content.decode()


def test_a_cell_filled_by_a_colleague_after_the_grid_was_opened_is_a_conflict_and_the_rest_save(client, school, jo):
    client.force_login(school.teacher)
    client.get(grid_url(school.group))  # bob opens the empty grid
    jo.post(GRID, post_data(school.group, {school.pupil: "4a"}))  # Jo saves Amy's result first

    response = client.post(GRID, post_data(school.group, {school.pupil: "4b", school.cara: "3a", school.dev: ""}))

    assert response.status_code == 200  # shown again, not redirected: a cell needs bob
    assert stored() == {"Smith": "4a", "Brown": "3a"}  # Jo's 4a stands; Cara's result is saved
    page = page_of(response)
    at = hhmm(school.pupil)
    assert f"Saved 1 result; 1 was changed by Jo Morgan at {at} since you opened the grid and was not saved." in page
    amy = school.pupil.pk
    assert f'id="result-{amy}" value="4b"' in page  # what bob typed is kept in the cell
    assert f'name="original-{amy}" value="4a"' in page  # and the cell now carries Jo's result as its version
    assert f"<strong>Not saved:</strong> Jo Morgan saved <strong>4a</strong> at {at}, after you opened the grid." in page
    assert f'data-use-theirs="4a" data-for="result-{amy}">Use 4a</button>' in page
    assert "you typed <strong>4b</strong>; Jo Morgan saved <strong>4a</strong>" in page
    assert 'form="grid-form" name="save" value="mine"' in page and "Save mine anyway" in page
    assert f'href="{html.escape(grid_url(school.group))}" data-testid="keep-theirs"' in page
    assert Assessment.history.filter(pupil=school.pupil).count() == 1  # only Jo's creation: nothing written over it


def test_save_mine_anyway_saves_over_the_result_that_was_shown_and_the_history_names_both(client, school, jo):
    client.force_login(school.teacher)
    jo.post(GRID, post_data(school.group, {school.pupil: "4a"}))
    first = client.post(GRID, post_data(school.group, {school.pupil: "4b"}))
    assert "was not saved" in page_of(first)

    # The page as drawn after the conflict: Amy's cell keeps 4b and carries 4a as its version.
    again = client.post(GRID, post_data(school.group, {school.pupil: "4b"}, originals={school.pupil: "4a"}), follow=True)

    assert "Saved 1 result. 9E1, English, Autumn 2024/25." in page_of(again)
    assert stored() == {"Smith": "4b"}
    who = list(Assessment.history.filter(pupil=school.pupil).order_by("history_date").values_list("history_user__username", "result"))
    assert who == [("alice", "4a"), ("bob", "4b")]


def test_save_mine_anyway_is_checked_again_against_a_further_change(client, school, jo):
    client.force_login(school.teacher)
    jo.post(GRID, post_data(school.group, {school.pupil: "4a"}))
    client.post(GRID, post_data(school.group, {school.pupil: "4b"}))  # conflict shown: carries 4a
    jo.post(GRID, post_data(school.group, {school.pupil: "4c"}, originals={school.pupil: "4a"}))  # Jo changes it again

    response = client.post(GRID, post_data(school.group, {school.pupil: "4b"}, originals={school.pupil: "4a"}))

    assert "Nothing new saved; 1 was changed by Jo Morgan at" in page_of(response)
    assert stored() == {"Smith": "4c"}
    assert f'name="original-{school.pupil.pk}" value="4c"' in page_of(response)


def test_a_stale_grid_no_longer_puts_back_old_values_over_a_colleagues_newer_results(client, school, jo):
    # The bug: a grid opened when Amy had 3a and Cara 3b, saved after Jo changed both, wrote 3a and 3b
    # back ("Saved 2 results"). Cells bob left as they were now keep Jo's results.
    for pupil, result in ((school.pupil, "3a"), (school.cara, "3b")):
        f.AssessmentFactory(pupil=pupil, subject=school.english, academic_year=2024, term="autumn", result=result)
    jo.post(GRID, post_data(school.group, {school.pupil: "4c", school.cara: "4a"}, originals={school.pupil: "3a", school.cara: "3b"}))
    client.force_login(school.teacher)

    response = client.post(
        GRID,
        post_data(school.group, {school.pupil: "3a", school.cara: "3b", school.dev: "5c"}, originals={school.pupil: "3a", school.cara: "3b"}),
        follow=True,
    )

    assert stored() == {"Smith": "4c", "Brown": "4a", "Patel": "5c"}
    assert "Saved 1 result; 2 results you did not touch were changed by Jo Morgan at" in page_of(response)
    assert "meanwhile and are kept. 9E1, English, Autumn 2024/25." in page_of(response)


def test_a_result_removed_by_a_colleague_while_it_was_being_changed_is_a_conflict(client, school, jo):
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="3a")
    jo.post(GRID, post_data(school.group, {school.pupil: ""}, originals={school.pupil: "3a"}))  # Jo clears it
    client.force_login(school.teacher)

    response = client.post(GRID, post_data(school.group, {school.pupil: "4b"}, originals={school.pupil: "3a"}))

    assert stored() == {}
    page = page_of(response)
    assert "Jo Morgan removed the result at" in page
    assert f'data-use-theirs="" data-for="result-{school.pupil.pk}">Use no result</button>' in page
    assert f'name="original-{school.pupil.pk}" value=""' in page


def test_clearing_a_cell_a_colleague_changed_meanwhile_removes_nothing(client, school, jo):
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="3a")
    jo.post(GRID, post_data(school.group, {school.pupil: "4a"}, originals={school.pupil: "3a"}))
    client.force_login(school.teacher)

    response = client.post(GRID, post_data(school.group, {school.pupil: ""}, originals={school.pupil: "3a"}))

    assert stored() == {"Smith": "4a"}
    assert "Nothing new saved; 1 was changed by Jo Morgan" in page_of(response)
    assert "you typed <strong>nothing (cleared)</strong>" in page_of(response)


def test_typing_the_result_a_colleague_saved_meanwhile_is_no_conflict(client, school, jo):
    client.force_login(school.teacher)
    jo.post(GRID, post_data(school.group, {school.pupil: "4a"}))
    response = client.post(GRID, post_data(school.group, {school.pupil: "4 A", school.cara: "3c"}), follow=True)
    assert "Saved 1 result; 1 unchanged. 9E1, English, Autumn 2024/25." in page_of(response)
    assert stored() == {"Smith": "4a", "Brown": "3c"}


def test_conflicts_invalid_cells_and_saved_cells_are_all_reported_together(client, school, jo):
    client.force_login(school.teacher)
    jo.post(GRID, post_data(school.group, {school.pupil: "4a"}))
    response = client.post(GRID, post_data(school.group, {school.pupil: "4b", school.cara: "3a", school.dev: "4d"}))
    page = page_of(response)
    assert re.search(r"Saved 1 result; 1 was changed by Jo Morgan at \d\d:\d\d since you opened the grid and was not saved; 1 needs checking\.", page)
    assert f'href="#result-{school.dev.pk}">Dev Patel: “4d”</a>' in page
    assert stored() == {"Smith": "4a", "Brown": "3a"}


def test_a_change_by_an_import_is_named_as_such(client, school):
    client.force_login(school.teacher)
    f.AssessmentFactory(pupil=school.pupil, subject=school.english, academic_year=2024, term="autumn", result="4a")
    response = client.post(GRID, post_data(school.group, {school.pupil: "4b"}))
    assert "1 was changed by an import or task (no signed-in person) at" in page_of(response)


def test_the_same_person_in_another_tab_is_a_conflict_too(client, school):
    client.force_login(school.teacher)
    other_tab = Client()
    other_tab.force_login(school.teacher)
    other_tab.post(GRID, post_data(school.group, {school.pupil: "4a"}))
    response = client.post(GRID, post_data(school.group, {school.pupil: "4b"}))
    assert "was not saved" in page_of(response)
    assert stored() == {"Smith": "4a"}


def test_saving_with_conflicts_runs_a_fixed_number_of_queries(client, personas):
    """Conflicts add one query (the audit history of the changed cells), whatever the group's size."""
    counts = []
    jo = Client()
    jo.force_login(personas.senco)
    for size in (3, 30):
        group, pupils = _big_group(personas, size)
        # Jo changes every third pupil's result after bob opened the grid; bob types 4b everywhere.
        jo.post(GRID, post_data(group, {p: "5c" for p in pupils[::3]}, originals={p: "3a" for p in pupils[::3]}))
        client.force_login(personas.teacher)
        data = post_data(group, {p: "4b" for p in pupils}, originals={p: "3a" for p in pupils[::3]})
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(GRID, data)
        assert response.context["saved"].conflicts == len(pupils[::3])
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
