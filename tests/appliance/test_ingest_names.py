"""A file or folder whose name is not valid UTF-8 (Python's str holds surrogates for its bytes): the store keeps paths
as UTF-8 text and could not hold it. Ingest lists it as a failure, one line with its bytes escaped, every run, and
ingests the rest; nothing is stored for it (not even a remembered failure); `docs` matches nothing by such a name.
It used to end the run with "internal error: UnicodeEncodeError … surrogates not allowed" (exit 70)."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance.ingest.failures import Failures
from ragtune.appliance.ingest.walk import walk
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _bad(folder, name: bytes, data: bytes | None = b"words about coffee and tea") -> str:
    """Create `name` (bytes, not UTF-8) under `folder`: a file with `data`, or a folder when `data` is None."""
    path = os.fsencode(str(folder)) + b"/" + name
    if data is None:
        os.mkdir(path)
    else:
        with open(path, "wb") as fh:
            fh.write(data)
    return os.fsdecode(path)  # as Python lists it: "caf\udce9.txt"


def _docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "good.txt").write_text("a good file about rivers and lakes")
    _bad(d, b"caf\xe9.txt")
    _bad(_bad(d, b"R\xe9sum\xe9", None), b"cv.txt")
    _bad(d, b"other\xe9.exe")  # another extension: ignored, as any such file
    return d


def _cli(capsys, home, *args):
    rc = main(["--home", str(home.root), *args])
    out, err = capsys.readouterr()
    return rc, out, err


def _stored(settings):
    with Store(settings.home.db_path) as st:
        return [d["path"] for d in st.documents()], st.ingest_failures()


def test_a_name_not_utf8_is_a_failure_line_and_the_rest_is_ingested_every_run(home, settings, tmp_path, cli_fake,
                                                                               capsys):
    d = _docs(tmp_path)
    for _ in range(2):  # the second run too: nothing of it was remembered, it is said again
        rc, out, err = _cli(capsys, home, "ingest", str(d))
        assert rc == 0 and "internal error" not in err and "Traceback" not in err
        assert f"failed: {d}/caf\\xe9.txt: file name is not valid UTF-8 (rename it)" in out
        assert f"failed: {d}/R\\xe9sum\\xe9: folder name is not valid UTF-8 (rename it)" in out  # once, not entered
        assert "cv.txt" not in out and "failed 2;" in out and "ignored 1 file(s)" in out
        assert _stored(settings) == ([str(d / "good.txt")], {})
    rc, out, _ = _cli(capsys, home, "ingest", "--prune", str(d))
    assert rc == 0 and "deleted 0" in out and _stored(settings)[0] == [str(d / "good.txt")]


def test_json_holds_the_escaped_path(home, tmp_path, cli_fake, capsys):
    d = _docs(tmp_path)
    rc, out, _ = _cli(capsys, home, "ingest", "--json", str(d))
    failed = json.loads(out)["failed"]
    assert rc == 0 and {"path": f"{d}/caf\\xe9.txt", "reason": "file name is not valid UTF-8 (rename it)"} in failed


def test_a_path_not_utf8_given_on_the_command_line(home, settings, tmp_path, cli_fake, capsys):
    f = _bad(tmp_path, b"caf\xe9.md")
    folder = _bad(tmp_path, b"Ordner\xe9", None)
    _bad(folder, b"in.txt")
    inner = os.path.join(folder, "in.txt")  # a good name in a folder whose name is not
    for given, line in ((f, f"{tmp_path}/caf\\xe9.md: file name is not valid UTF-8 (rename it)"),
                        (folder, f"{tmp_path}/Ordner\\xe9: folder name is not valid UTF-8 (rename it)"),
                        (inner, f"{tmp_path}/Ordner\\xe9/in.txt: a folder name in its path is not valid UTF-8"),
                        (_bad(tmp_path, b"none\xe9", None) + "/x.txt", f"{tmp_path}/none\\xe9/x.txt: not found")):
        rc, out, err = _cli(capsys, home, "ingest", given)
        assert rc == 2 and f"failed: {line}" in out and "none of the given paths could be ingested" in err
        assert "internal error" not in err
    assert not settings.home.db_path.exists() or _stored(settings) == ([], {})


def test_a_link_with_a_good_name_to_a_folder_whose_name_is_not_utf8(tmp_path):
    """A folder's documents are stored under its real path: that is the one that could not be stored."""
    real = _bad(tmp_path, b"R\xe9al", None)
    _bad(real, b"a.txt")
    (tmp_path / "link").symlink_to(real)
    w = walk([tmp_path / "link"], [".txt"])
    assert w.items == [] and w.prune_roots == [] and w.paths_bad == 1
    assert w.failed == [(f"{tmp_path}/R\\xe9al", "folder name is not valid UTF-8 (rename it)")]


def test_other_failures_of_such_a_name_are_escaped_too(tmp_path):
    """A broken link (or a FIFO) by such a name: its own reason, its path still one the store takes."""
    d = tmp_path / "d"
    d.mkdir()
    os.symlink(tmp_path / "nowhere", os.fsencode(str(d)) + b"/l\xe9.txt")
    assert walk([d], [".txt"]).failed == [(f"{d}/l\\xe9.txt", "broken symlink")]


def test_the_failures_memory_never_records_such_a_path(settings, tmp_path):
    bad = str(tmp_path / "empty") + os.fsdecode(b"\xe9.txt")
    with Store(settings.home.db_path) as st:
        f = Failures(st)
        f.failed(bad, "0" * 64, "txt", "empty document")
        f.failed(str(tmp_path / "e.txt"), "0" * 64, "txt", "empty document")
        f.save(st, {bad})
        assert list(st.ingest_failures()) == [str(tmp_path / "e.txt")]


def test_docs_commands_given_such_a_name(home, settings, tmp_path, cli_fake, capsys):
    d = _docs(tmp_path)
    assert _cli(capsys, home, "ingest", str(d))[0] == 0
    bad = f"{d}/" + os.fsdecode(b"caf\xe9.txt")
    for args in (("docs", "remove", bad), ("docs", "remove", "--dry-run", str(d / "good.txt"), bad),
                 ("docs", "show", bad)):
        rc, out, err = _cli(capsys, home, *args)
        assert rc == 2 and f"no ingested document matches '{d}/caf\\xe9.txt': it is not valid UTF-8" in err
        assert "internal error" not in err
    rc, out, err = _cli(capsys, home, "docs", "list", "--under", bad)
    assert rc == 0 and "(no matching documents)" in err
    # a link by such a name to the stored folder: its real path is looked up
    link = _bad(tmp_path, b"lnk\xe9", None) + "/to-docs"
    os.symlink(d, link)
    rc, out, _ = _cli(capsys, home, "docs", "list", "--under", link)
    assert rc == 0 and str(d / "good.txt") in out
    rc, out, _ = _cli(capsys, home, "docs", "remove", link)
    assert rc == 0 and str(d / "good.txt") in out and _stored(settings)[0] == []


def test_a_failure_reason_that_starts_with_its_path_is_printed_escaped(home, tmp_path, cli_fake, capsys):
    """A corpus line's reason names its file (`<file>:<line>: …`) and was printed raw: a control in the file's name
    (an ESC sequence) reached the terminal."""
    corpus = tmp_path / "my\x1b[2Jcorpus.jsonl"
    corpus.write_text('{"_id": "d1", "text": "fine"}\n{not json\n')
    rc, out, _ = _cli(capsys, home, "ingest", str(corpus))
    assert rc == 2 and f"failed: {tmp_path}/my\\x1b[2Jcorpus.jsonl:2: " in out and "\x1b" not in out
