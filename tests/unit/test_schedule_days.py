import pytest

from interventions.schedule import meeting_days, meets_on


@pytest.mark.parametrize(
    ("schedule", "days"),
    [
        ("Mon, Wed and Fri 8:40-9:00, library", {0, 2, 4}),
        ("Tue and Thu 8:45-9:00, learning support base", {1, 3}),
        ("Thu 12:45-13:20, nurture room", {3}),
        ("Tuesdays after lunch", {1}),
        ("Mon-Wed 9:00", {0, 1, 2}),
        ("Monday to Thursday", {0, 1, 2, 3}),
        ("daily, period 1", {0, 1, 2, 3, 4}),
        ("THURS. p5", {3}),
        ("Fri-Mon", {4, 5, 6, 0}),
    ],
)
def test_the_days_a_schedule_names_are_read(schedule, days):
    assert meeting_days(schedule) == frozenset(days)


@pytest.mark.parametrize("schedule", ["", "9:00-9:20, room M2", "after lunch", "Monmouth room", "mondial"])
def test_a_schedule_naming_no_day_names_none(schedule):
    assert meeting_days(schedule) is None
    assert meets_on(schedule, 3)


def test_a_thursday_group_does_not_meet_on_a_wednesday():
    assert meets_on("Thu 12:45-13:20, nurture room", 3)
    assert not meets_on("Thu 12:45-13:20, nurture room", 2)
