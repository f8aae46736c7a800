"""The shipped progression quartile tables (docs/figures.md section 5) and their loader."""

import pytest

from assessments.ladder import parse_level
from assessments.progression import COLUMNS, DEFAULT_PATH, ProgressionDataError, load_progression_quartiles


def _row(rows, transition, subject, starting_point):
    (row,) = [
        r for r in rows
        if (r["transition"], r["subject"], r["starting_point"]) == (transition, subject, starting_point)
    ]  # fmt: skip
    return (row["lower_quartile"], row["median"], row["upper_quartile"])


def test_the_shipped_table_has_every_row_of_the_three_domain_tables():
    rows = load_progression_quartiles()
    # 7 starting points KS1-KS2 English, 7 KS1-KS2 maths, 6 KS2-KS3 English
    assert len(rows) == 20
    assert {r["subject"] for r in rows if r["transition"] == "KS2-KS3"} == {"English"}


@pytest.mark.parametrize(
    ("transition", "subject", "starting_point", "quartiles"),
    [("KS1-KS2", "English", "W", (1, 2, 3)), ("KS1-KS2", "English", "1", (3, 3, 4)),
     ("KS1-KS2", "English", "2c", (3, 4, 4)), ("KS1-KS2", "English", "2b", (4, 4, 4)),
     ("KS1-KS2", "English", "2a", (4, 4, 5)), ("KS1-KS2", "English", "3", (4, 5, 5)),
     ("KS1-KS2", "English", "4", (5, 5, 5)),
     ("KS1-KS2", "maths", "W", (1, 2, 3)), ("KS1-KS2", "maths", "1", (2, 3, 3)),
     ("KS1-KS2", "maths", "2c", (3, 4, 4)), ("KS1-KS2", "maths", "2b", (4, 4, 4)),
     ("KS1-KS2", "maths", "2a", (4, 4, 5)), ("KS1-KS2", "maths", "3", (5, 5, 5)),
     ("KS1-KS2", "maths", "4", (5, 5, 5)),
     ("KS2-KS3", "English", "W", (0, 1, 2)), ("KS2-KS3", "English", "1", (2, 2, 3)),
     ("KS2-KS3", "English", "2", (3, 4, 4)), ("KS2-KS3", "English", "3", (4, 4, 5)),
     ("KS2-KS3", "English", "4", (5, 5, 6)), ("KS2-KS3", "English", "5", (6, 6, 7))],
)  # fmt: skip
def test_each_starting_point_has_the_quartiles_of_the_domain_table(transition, subject, starting_point, quartiles):
    assert _row(load_progression_quartiles(), transition, subject, starting_point) == quartiles


def test_every_starting_point_is_a_canonical_ladder_code():
    for row in load_progression_quartiles():
        assert parse_level(row["starting_point"]).code == row["starting_point"]


def test_every_row_says_where_it_came_from_and_the_maths_rows_say_the_label_is_a_guess():
    rows = load_progression_quartiles()
    assert all("2012 national data" in r["source_note"] for r in rows)
    assert all("probably maths" in r["source_note"] for r in rows if r["subject"] == "maths")


def test_the_loader_reads_a_schools_own_file_with_fractional_quartiles(tmp_path):
    path = tmp_path / "ours.csv"
    path.write_text(",".join(COLUMNS) + "\nKS1-KS2,English,P6,1.5,2,2.5,official table\n", encoding="utf-8")
    assert load_progression_quartiles(path) == [
        {"transition": "KS1-KS2", "subject": "English", "starting_point": "P6", "lower_quartile": 1.5,
         "median": 2, "upper_quartile": 2.5, "source_note": "official table"}
    ]  # fmt: skip


def test_the_loader_refuses_a_file_missing_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("transition,subject,starting_point,median\n", encoding="utf-8")
    with pytest.raises(ProgressionDataError, match="missing columns lower_quartile, upper_quartile, source_note"):
        load_progression_quartiles(path)


@pytest.mark.parametrize(
    ("values", "message"), [("x,2,3", "must be numbers"), ("3,2,1", "line 2"), (",2,3", "numbers")]
)
def test_the_loader_refuses_bad_quartiles_naming_the_line(tmp_path, values, message):
    path = tmp_path / "bad.csv"
    path.write_text(",".join(COLUMNS) + f"\nKS1-KS2,English,W,{values},note\n", encoding="utf-8")
    with pytest.raises(ProgressionDataError, match=message):
        load_progression_quartiles(path)


def test_the_default_path_is_the_shipped_file():
    assert DEFAULT_PATH.name == "progression_2012_quartiles.csv"
    assert DEFAULT_PATH.exists()
