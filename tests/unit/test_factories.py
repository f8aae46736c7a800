"""The test factories' own promise: staff are never named like pupils."""

from faker.providers.person.en_GB import Provider

from tests.factories import STAFF_FIRST_NAMES, STAFF_LAST_NAMES


def test_staff_names_are_never_names_a_pupil_can_be_given():
    # PupilFactory draws pupils' names from Faker's en_GB lists: a staff name among them would let
    # "no pupil named on this page" tests fail whenever a teacher happened to share a pupil's name.
    pupil_first = {*getattr(Provider, "first_names", ()), *getattr(Provider, "first_names_female", ()),
                   *getattr(Provider, "first_names_male", ())}
    assert pupil_first and not set(STAFF_FIRST_NAMES) & pupil_first
    assert not set(STAFF_LAST_NAMES) & set(Provider.last_names)
