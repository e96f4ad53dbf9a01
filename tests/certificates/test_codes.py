import pytest

from certificates import codes


def test_new_codes_are_well_formed_and_distinct():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(code) == 12 and codes.is_well_formed(code) for code in made)


def test_every_single_typo_is_detected():
    code = codes.new_code()
    for position in range(len(code)):
        for symbol in codes.ALPHABET:
            if symbol != code[position]:
                typo = code[:position] + symbol + code[position + 1 :]
                assert not codes.is_well_formed(typo)


def test_most_neighbour_swaps_are_detected():
    caught = total = 0
    for _ in range(300):
        code = codes.new_code()
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                total += 1
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                caught += not codes.is_well_formed(swapped)
    assert caught / total > 0.95


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-jkmn", "ABCDEFGHJKMN"),
        (" ABCD EFGH JKMN ", "ABCDEFGHJKMN"),
        ("oBCD-EFGH-JKMl", "0BCDEFGHJKM1"),
        ("ABCD-EFGH", None),
        ("ABCD-EFGH-JKMU", None),
        ("", None),
        (None, None),
        ("<script>alert(1)</script>", None),
    ],
)
def test_typed_codes_are_normalized(typed, expected):
    assert codes.normalize(typed) == expected


def test_display_groups_by_four():
    assert codes.display("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"
