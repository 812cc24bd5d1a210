"""People's decisions: the overrides file (revtruth.identity.overrides)."""

from __future__ import annotations

import pytest

from revtruth.identity.overrides import Override, OverridesError, append_overrides, read_overrides


def test_a_missing_file_holds_no_decisions(tmp_path):
    assert read_overrides(tmp_path / "identity_overrides.csv") == []


def test_written_decisions_are_read_back_and_the_latest_per_pair_wins(tmp_path):
    path = tmp_path / "identity_overrides.csv"
    append_overrides(path, [Override("stripe:c1", "salesforce:a1", "same", note="one buyer")])
    append_overrides(path, [Override("salesforce:a1", "stripe:c1", "different")])
    (decision,) = read_overrides(path)
    assert (decision.pair, decision.decision) == (("salesforce:a1", "stripe:c1"), "different")
    assert decision.decided_at  # stamped when written
    assert path.read_text().splitlines()[0] == "record_a,record_b,decision,decided_at,note"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("stripe:c1,cus_2,same,,", "is not a record"),
        ("stripe:c1,hubspot:9,same,,", "is not a record"),
        ("stripe:c1,stripe:c1,same,,", "its own company"),
        ("stripe:c1,salesforce:a1,maybe,,", "same or different"),
    ],
)
def test_a_bad_line_is_an_error_that_names_the_line(tmp_path, row, message):
    path = tmp_path / "identity_overrides.csv"
    path.write_text("record_a,record_b,decision,decided_at,note\n" + row + "\n")
    with pytest.raises(OverridesError, match=rf"line 2: .*{message}"):
        read_overrides(path)


def test_a_file_without_the_columns_is_an_error(tmp_path):
    path = tmp_path / "identity_overrides.csv"
    path.write_text("a,b\nx,y\n")
    with pytest.raises(OverridesError, match="needs the columns"):
        read_overrides(path)
