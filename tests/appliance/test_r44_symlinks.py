"""Round 44: a symlink in an ingested folder whose real target lies outside every given path (`share/x -> /etc`,
`-> ~/.ssh`) is not followed: one failure line names the link, nothing behind it is read. Links into a given folder
are followed as before (the real path stored once); a path given by name is always read; `follow_outside_links`
follows them all (the behaviour before)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtune.appliance.ingest.walk import OUTSIDE_LINK, walk

EXTS = [".md", ".txt"]


@pytest.fixture
def share(tmp_path):
    """A shared folder with a real document, a private folder and file outside it, and links to both."""
    share = tmp_path / "share"
    (share / "policies").mkdir(parents=True)
    (share / "policies" / "expenses.md").write_text("# Expenses\n\nClaims within 60 days.\n", encoding="utf-8")
    private = tmp_path / "private"
    (private / "ssh").mkdir(parents=True)
    (private / "ssh" / "id_rsa.txt").write_text("-----BEGIN KEY----- secret\n", encoding="utf-8")
    (private / "diary.md").write_text("# Diary\n\nPrivate.\n", encoding="utf-8")
    (share / "keys").symlink_to(private / "ssh")
    (share / "diary.md").symlink_to(private / "diary.md")
    return share


def _reasons(w) -> dict[str, str]:
    return dict(w.failed)


def test_links_leading_outside_the_folder_are_not_followed_and_each_is_named(share, tmp_path):
    w = walk([share], EXTS)
    assert [i.path for i in w.items] == [share / "policies" / "expenses.md"]
    reasons = _reasons(w)
    assert set(reasons) == {str(share / "keys"), str(share / "diary.md")}
    for link, target in (("keys", "private/ssh"), ("diary.md", "private/diary.md")):
        assert reasons[str(share / link)] == f"{OUTSIDE_LINK} (to {tmp_path / target}): not followed"
    assert w.paths_bad == 0 and w.unreadable == []  # stored documents under the link may be pruned


def test_an_outside_link_of_a_type_not_read_stays_an_ignored_file(share, tmp_path):
    (tmp_path / "private" / "people.csv").write_text("a,b\n", encoding="utf-8")
    (share / "people.csv").symlink_to(tmp_path / "private" / "people.csv")
    w = walk([share], EXTS)
    assert w.ignored_exts == {".csv": 1} and str(share / "people.csv") not in _reasons(w)


def test_follow_outside_links_follows_them_as_before(share, tmp_path):
    w = walk([share], EXTS, follow_outside_links=True)
    assert sorted(i.path for i in w.items) == sorted([share / "diary.md", share / "keys" / "id_rsa.txt",
                                                      share / "policies" / "expenses.md"])
    assert w.failed == []


def test_a_path_given_by_name_is_always_read(share, tmp_path):
    w = walk([share / "keys", share / "diary.md"], EXTS)
    assert sorted(i.path for i in w.items) == sorted([share / "diary.md", tmp_path / "private" / "ssh" / "id_rsa.txt"])
    assert w.failed == []


def test_links_inside_the_folder_are_followed_and_the_real_path_kept(share):
    (share / "a_current").symlink_to(share / "policies")  # sorts before "policies"
    (share / "b_link.md").symlink_to("policies/expenses.md")
    w = walk([share], EXTS)
    assert [i.path for i in w.items] == [share / "policies" / "expenses.md"]
    assert set(_reasons(w)) == {str(share / "keys"), str(share / "diary.md")}  # only the outside ones


def test_a_link_into_another_given_folder_or_file_is_followed(share, tmp_path):
    private = tmp_path / "private"
    w = walk([share, private / "ssh", private / "diary.md"], EXTS)
    assert sorted(i.path for i in w.items) == sorted([private / "diary.md", private / "ssh" / "id_rsa.txt",
                                                      share / "policies" / "expenses.md"])
    assert w.failed == []


def test_a_link_through_a_linked_folder_is_judged_by_its_real_target(share, tmp_path):
    (share / "policies" / "hr").mkdir()
    (share / "policies" / "hr" / "sneaky.md").symlink_to(tmp_path / "private" / "diary.md")
    (share / "current").symlink_to("policies")  # inside; its own entries are judged one by one
    w = walk([share], EXTS)
    assert [i.path for i in w.items] == [share / "policies" / "expenses.md"]
    assert str(share / "policies" / "hr" / "sneaky.md") in _reasons(w)


def test_a_link_to_an_ancestor_is_still_a_loop(share):
    (share / "up").symlink_to("/")
    assert _reasons(walk([share], EXTS))[str(share / "up")] == "symlink loop"


def test_a_given_folder_reached_through_a_link_is_its_real_folder(share, tmp_path):
    alias = tmp_path / "alias"
    alias.symlink_to(share)
    (share / "again.md").symlink_to(alias / "policies" / "expenses.md")  # inside, by the alias's way
    w = walk([alias], EXTS)
    assert [i.path for i in w.items] == [share / "policies" / "expenses.md"]
    assert set(_reasons(w)) == {str(share / "keys"), str(share / "diary.md")}


def test_the_cli_reports_outside_links_and_still_serves_documents_behind_inside_links(home, settings, tmp_path,
                                                                                    share, monkeypatch, capsys,
                                                                                    tokenizer):
    import ragtune.appliance.embed
    from ragtune.cli import main

    from .ingest_helpers import FakeEmbedder

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))
    elsewhere = tmp_path / "elsewhere"  # a second given folder, reached from the share through a link too
    elsewhere.mkdir()
    (elsewhere / "travel.md").write_text("# Travel\n\nTrain tickets are booked by the office.\n", encoding="utf-8")
    (share / "travel").symlink_to(elsewhere)
    (share / "current").symlink_to("policies")
    (share / ".archive").mkdir()  # reached only through an inside link: stored under the link's path, as before
    (share / ".archive" / "parking.md").write_text("# Parking\n\nBicycles go in the basement.\n", encoding="utf-8")
    (share / "archive").symlink_to(".archive")
    capsys.readouterr()
    assert main(["--home", str(home.root), "ingest", str(share), str(elsewhere), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 3
    failed = {f["path"]: f["reason"] for f in out["failed"]}
    assert set(failed) == {str(share / "keys"), str(share / "diary.md")}
    assert all(r.startswith(OUTSIDE_LINK) for r in failed.values())

    assert main(["--home", str(home.root), "ingest", str(share)]) == 0
    text = capsys.readouterr().out
    assert f"failed: {share / 'keys'}: {OUTSIDE_LINK} (to {tmp_path / 'private' / 'ssh'}): not followed" in text

    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    listed = capsys.readouterr().out
    for doc in (share / "policies" / "expenses.md", elsewhere / "travel.md", share / "archive" / "parking.md"):
        assert str(doc) in listed
    assert "secret" not in listed and "diary" not in listed and "id_rsa" not in listed
    assert main(["--home", str(home.root), "search", "train tickets office", "--json"]) == 0
    assert str(elsewhere / "travel.md") in capsys.readouterr().out
    assert main(["--home", str(home.root), "search", "bicycles basement", "--json"]) == 0
    assert str(share / "archive" / "parking.md") in capsys.readouterr().out
    assert main(["--home", str(home.root), "search", "secret key diary", "--json"]) == 0
    found = capsys.readouterr().out
    assert "id_rsa" not in found and "diary.md" not in found
