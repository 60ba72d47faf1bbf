"""A home part of which another embedder embedded (round 46): after `config set embed.model X` vector search leaves
those documents out until they are re-ingested (round 45), and nothing said so. Now `doctor` has a warn line with
the count and the command, `search` a note on stderr, and `config set embed.model` says which documents wait for a
re-ingest. A home without such documents keeps its doctor output as it was."""

from __future__ import annotations

import ragtune.appliance.embed
from ragtune.appliance import default_models
from ragtune.appliance.embed import reingest_command
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


def _default_id() -> str:
    return default_models.manifest_entry("all-minilm-l6-v2-int8")["sha256"]


class Configured(FakeEmbedder):
    """Stands for the default embedder (its model id: ingest records the first 16 hex digits)."""

    model_id = _default_id()


class Older(FakeEmbedder):
    """An embedder identified by its file as ingest identifies one (a sha256), not the configured one."""

    model_id = "ab" * 32


def _folder(path, n, word):
    path.mkdir(parents=True)
    for i in range(n):
        (path / f"{word}{i}.md").write_text(f"# {word} {i}\n\nThe {word} report number {i} on the harbour crane.\n")
    return path


def _doctor(settings, capsys, *args):
    rc = main(["--home", str(settings.home.root), "doctor", *args])
    out = capsys.readouterr().out
    lines = {}
    for line in out.splitlines():
        if line and not line.startswith(" "):
            status, name, detail = line.split(maxsplit=2)
            lines[name] = (status, detail)
    return rc, lines, out


def test_doctor_warns_with_the_count_and_the_command(settings, tmp_path, tokenizer, capsys):
    old = _folder(tmp_path / "docs" / "old", 3, "lamp")
    new = _folder(tmp_path / "docs" / "new", 4, "oven")
    ingest_paths(settings, [old], embedder=Older(tokenizer))
    ingest_paths(settings, [new], embedder=Configured(tokenizer))
    for quick in ([], ["--quick"]):
        rc, lines, out = _doctor(settings, capsys, *quick)
        assert rc == 0  # a warn: search still works, BM25 finds them
        status, detail = lines["embeddings"]
        assert status == "warn"
        assert detail.startswith("3 of 7 documents have vectors from another embedder than [embed] model "
                                 "(all-minilm-l6-v2-int8): vector search leaves them out")
        assert f"{reingest_command([str(old / f'lamp{i}.md') for i in range(3)])}: re-embeds them" in out
        assert f"ragtune ingest {old / 'lamp0.md'} {old / 'lamp1.md'} {old / 'lamp2.md'}" in out
    # re-ingested by the configured embedder: the line is gone, the output as it was before round 46
    ingest_paths(settings, [old], embedder=Configured(tokenizer), prune=False)
    rc, lines, out = _doctor(settings, capsys)
    assert "embeddings" not in lines and "another embedder" not in out


def test_a_home_of_one_embedder_keeps_its_doctor_output(settings, tmp_path, tokenizer, capsys):
    ingest_paths(settings, [_folder(tmp_path / "docs", 3, "lamp")], embedder=Configured(tokenizer))
    _, lines, out = _doctor(settings, capsys)
    assert "embeddings" not in lines and "another embedder" not in out
    # a program's own embedder (an id that names no file: a library use, the tests' fake) is not judged
    ingest_paths(settings, [_folder(tmp_path / "more", 2, "oven")], embedder=FakeEmbedder(tokenizer))
    _, lines, out = _doctor(settings, capsys)
    assert "embeddings" not in lines


def test_the_command_names_files_then_folders_then_their_common_folder():
    assert reingest_command(["/d/a.md", "/d/b.md"]) == "ragtune ingest /d/a.md /d/b.md"
    assert reingest_command(["/c/corpus.jsonl#1", "/c/corpus.jsonl#2"]) == "ragtune ingest /c/corpus.jsonl"
    assert reingest_command([f"/d/x/{i}.md" for i in range(5)] + ["/d/y/z/1.md"]) == "ragtune ingest /d/x /d/y/z"
    # never the folder above theirs (a user's whole home): the first folders, and where the rest are listed
    assert reingest_command([f"/home/al/{c}/{i}.md" for c in "abcd" for i in range(2)]) == (
        "ragtune ingest /home/al/a /home/al/b /home/al/c … (4 folders: `ragtune docs list` names them)")
    assert reingest_command(["/my docs/a b.md"]) == "ragtune ingest '/my docs/a b.md'"


def test_search_notes_the_documents_its_vectors_left_out(settings, tmp_path, tokenizer, capsys, monkeypatch):
    old = _folder(tmp_path / "docs" / "old", 3, "lamp")
    ingest_paths(settings, [old], embedder=Older(tokenizer))
    ingest_paths(settings, [_folder(tmp_path / "docs" / "new", 2, "oven")], embedder=Configured(tokenizer))
    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: Configured(tokenizer))
    root = str(settings.home.root)
    assert main(["--home", root, "search", "harbour crane", "--no-cache"]) == 0
    cap = capsys.readouterr()
    assert cap.err.count("note: 3 of 5 documents have vectors from another embedder") == 1
    assert f"`ragtune ingest {old / 'lamp0.md'}" in cap.err and "another embedder" not in cap.out
    assert main(["--home", root, "search", "harbour crane", "--mode", "bm25"]) == 0  # no vectors asked
    assert "another embedder" not in capsys.readouterr().err
    ingest_paths(settings, [old], embedder=Configured(tokenizer))
    assert main(["--home", root, "search", "harbour crane", "--no-cache"]) == 0
    assert "another embedder" not in capsys.readouterr().err


def test_config_set_embed_model_says_what_must_be_re_ingested(settings, tmp_path, tokenizer, capsys):
    docs = _folder(tmp_path / "docs", 4, "lamp")
    ingest_paths(settings, [docs], embedder=Older(tokenizer))
    root = str(settings.home.root)
    assert main(["--home", root, "config", "set", "embed.model", "all-minilm-l6-v2-int8"]) == 0
    err = capsys.readouterr().err
    assert "note: 4 of 4 documents were embedded by another model than all-minilm-l6-v2-int8" in err
    assert f"run `ragtune ingest {docs}`" in err
    ingest_paths(settings, [docs], embedder=Configured(tokenizer))  # re-embedded: setting it again says nothing
    assert main(["--home", root, "config", "set", "embed.model", "all-minilm-l6-v2-int8"]) == 0
    assert "re-ingested" not in capsys.readouterr().err


def test_config_set_embed_model_without_documents_says_nothing(settings, capsys):
    assert main(["--home", str(settings.home.root), "config", "set", "embed.model", "all-minilm-l6-v2-int8"]) == 0
    assert capsys.readouterr().err == ""
