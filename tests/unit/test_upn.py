"""Unique pupil numbers (docs/figures.md section 2): the DfE modulus-23 check letter."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pupils.upn import EXTRA_LA_CODES, UPN_LETTERS, UpnError, is_valid_upn, make_upn, validate_upn


def reference_check_letter(body: str) -> str:
    """The DfE algorithm written out independently of stdnum, to cross-check it.

    Characters 2-13 are weighted 2..13; a digit counts its value, a letter (final character of
    a temporary UPN) its position in ABCDEFGHJKLMNPQRTUVWXYZ; the sum modulo 23 indexes that
    alphabet.
    """
    total = 0
    for weight, char in enumerate(body, start=2):
        total += weight * (int(char) if char.isdigit() else UPN_LETTERS.index(char))
    return UPN_LETTERS[total % 23]


def test_the_worked_example_from_stdnums_documentation_is_valid():
    # B801200005001: 8x2 + 0x3 + 1x4 + 2x5 + 0x6 + 0x7 + 0x8 + 0x9 + 5x10 + 0x11 + 0x12 + 1x13
    # = 16 + 4 + 10 + 50 + 13 = 93; 93 mod 23 = 1 -> B
    assert reference_check_letter("801200005001") == "B"
    assert validate_upn("B801200005001") == "B801200005001"


def test_the_wrong_check_letter_is_refused_naming_the_right_one():
    with pytest.raises(UpnError, match="check letter should be B"):
        validate_upn("A801200005001")


@pytest.mark.parametrize("text", [" B801200005001 ", "b801200005001", "B801 2000 05001", "b 801 200 005 001"])
def test_validate_upn_strips_spaces_and_upper_cases(text):
    assert validate_upn(text) == "B801200005001"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "blank"), ("   ", "blank"), ("B80120000500", "12 characters long; a UPN has 13"),
     ("B8012000050011", "14 characters long"), ("X80120000A001", "characters 2 to 12 must be digits"),
     ("180120000500A", "must start with a check letter"), ("I801200005001", "must start with a check letter"),
     ("O801200005001", "must start with a check letter"), ("B80120000500S", "must end with a digit or a letter"),
     ("B80120000500-", "must end with a digit or a letter"), ("E000200005001", "LA number 000"),
     ("B801200005é01", "characters other than"), ("B\uff1801200005001", "characters other than")],
)  # fmt: skip
def test_invalid_upns_are_refused_saying_what_is_wrong(text, message):
    with pytest.raises(UpnError, match=message):
        validate_upn(text)


@pytest.mark.parametrize("not_text", [None, 801200005001])
def test_values_that_are_not_text_are_refused(not_text):
    with pytest.raises(UpnError):
        validate_upn(not_text)


def test_a_temporary_upn_ending_in_a_letter_is_valid():
    upn = make_upn(801, 2000, 5, 0, temporary_letter="A")
    assert upn.endswith("00A")
    assert upn[0] == reference_check_letter(upn[1:])
    assert validate_upn(upn) == upn


@pytest.mark.parametrize("la", sorted(EXTRA_LA_CODES))
def test_las_created_since_stdnums_2011_list_and_welsh_las_are_accepted(la):
    assert is_valid_upn(make_upn(la, 2001, 24, 123))


@pytest.mark.parametrize("la", [0, 100, 999, 501])
def test_unknown_la_numbers_are_refused(la):
    body = f"{la:03d}200124123"
    with pytest.raises(UpnError, match=f"LA number {la:03d}"):
        validate_upn(reference_check_letter(body) + body)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((1000, 1, 1, 1), {}), ((801, 10000, 1, 1), {}), ((801, 1, 100, 1), {}), ((801, 1, 1, 1000), {}),
     ((801, 1, 1, -1), {}), ((801, 1, 1, 100), {"temporary_letter": "A"}), ((801, 1, 1, 1), {"temporary_letter": "I"}),
     ((801, 1, 1, 1), {"temporary_letter": "AB"}), ((801, 1, 1, 1), {"temporary_letter": ""}),
     ((801, 1, 1, True), {}), ((801, 1, 1.0, 1), {}), ((0, 1, 1, 1), {})],
)  # fmt: skip
def test_make_upn_refuses_parts_out_of_range(args, kwargs):
    with pytest.raises(UpnError):
        make_upn(*args, **kwargs)


def test_make_upn_lays_out_la_establishment_year_and_serial():
    upn = make_upn(801, 2000, 5, 1)
    assert upn == "B801200005001"


def test_upn_error_is_a_value_error():
    assert issubclass(UpnError, ValueError)


known_las = st.sampled_from([201, 202, 213, 301, 330, 420, 801, 826, 855, 919, 938, *sorted(EXTRA_LA_CODES)])
upn_parts = st.tuples(known_las, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 999))


@given(upn_parts)
def test_made_upns_are_valid_and_their_letter_matches_the_reference_algorithm(parts):
    upn = make_upn(*parts)
    assert len(upn) == 13
    assert upn[0] == reference_check_letter(upn[1:])
    assert validate_upn(upn) == upn


@given(known_las, st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), st.sampled_from(UPN_LETTERS))
def test_temporary_upns_match_the_reference_algorithm(la, estab, year2, serial, letter):
    upn = make_upn(la, estab, year2, serial, temporary_letter=letter)
    assert upn[0] == reference_check_letter(upn[1:])
    assert is_valid_upn(upn)


@given(upn_parts, st.integers(1, 12), st.integers(1, 9))
def test_every_single_digit_typo_is_caught(parts, position, delta):
    # 23 is prime and weights and digit changes are below 23, so no single change can cancel out.
    upn = make_upn(*parts)
    typo = upn[:position] + str((int(upn[position]) + delta) % 10) + upn[position + 1 :]
    assert not is_valid_upn(typo)


@given(upn_parts, st.integers(1, 11))
def test_every_swap_of_two_different_adjacent_digits_is_caught(parts, position):
    upn = make_upn(*parts)
    a, b = upn[position], upn[position + 1]
    if a != b:
        assert not is_valid_upn(upn[:position] + b + a + upn[position + 2 :])


@given(upn_parts, st.lists(st.sampled_from([" ", "\t"]), max_size=3), st.booleans())
def test_valid_upns_round_trip_with_spacing_and_case(parts, spaces, lower):
    upn = make_upn(*parts)
    text = "".join(spaces) + (upn.lower() if lower else upn) + "".join(spaces)
    assert validate_upn(text) == upn


@given(st.text(max_size=20))
def test_validate_upn_raises_nothing_but_upn_error_on_any_text(text):
    try:
        upn = validate_upn(text)
    except UpnError:
        return
    assert len(upn) == 13
