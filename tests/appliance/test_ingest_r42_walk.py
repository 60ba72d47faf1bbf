"""A shared folder with a symlink to one of its own files (round 42): the document is stored under its real path,
whichever name the sorted walk meets first, so adding or removing the link does not move it."""

from __future__ import annotations

from ragtune.appliance.ingest.walk import walk


def _share(tmp_path):
    share = tmp_path / "share"
    (share / "memos").mkdir(parents=True)
    (share / "policies").mkdir()
    real = share / "policies" / "expenses.md"
    real.write_text("# Expenses\n\nClaims within 60 days.\n", encoding="utf-8")
    return share, real


def test_a_link_met_before_the_real_file_does_not_take_its_place(tmp_path):
    share, real = _share(tmp_path)
    (share / "memos" / "expenses_link.md").symlink_to("../policies/expenses.md")  # "memos" sorts first
    w = walk([share], [".md"])
    assert [i.path for i in w.items] == [real]


def test_the_real_path_is_the_same_with_or_without_the_link(tmp_path):
    share, real = _share(tmp_path)
    before = [i.path for i in walk([share], [".md"]).items]
    (share / "memos" / "expenses_link.md").symlink_to(real)
    assert [i.path for i in walk([share], [".md"]).items] == before == [real]


def test_a_file_in_a_linked_folder_yields_to_its_real_path(tmp_path):
    share, real = _share(tmp_path)
    (share / "a_current").symlink_to(share / "policies")  # sorts before "policies"
    assert [i.path for i in walk([share], [".md"]).items] == [real]


def test_a_link_to_a_file_outside_the_folder_keeps_its_name(tmp_path):
    share, _ = _share(tmp_path)
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# Elsewhere\n\nText.\n", encoding="utf-8")
    (share / "memos" / "linked.md").symlink_to(outside)
    # followed only when asked since round 44 (tests/appliance/test_r44_symlinks.py: not followed by default)
    paths = [i.path for i in walk([share], [".md"], follow_outside_links=True).items]
    assert share / "memos" / "linked.md" in paths and outside not in paths


def test_a_link_to_a_hidden_folder_is_still_walked_under_its_name(tmp_path):
    share, _ = _share(tmp_path)
    (share / ".archive").mkdir()
    (share / ".archive" / "old.md").write_text("# Old\n\nText.\n", encoding="utf-8")
    (share / "archive").symlink_to(share / ".archive")
    assert share / "archive" / "old.md" in [i.path for i in walk([share], [".md"]).items]
