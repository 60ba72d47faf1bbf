"""A backup works wherever it is put (ragtune/appliance/backup.py, registry.py, config.py's model paths):
in-place artifacts inside the home are stored home-relative, older absolute ones and the model keys of config.toml
naming in-home files by absolute path are rewritten in the copy only; external files are named, or copied in with --include-external; and the source home
is left as it was, without the `-wal`/`-shm` a read-only open used to leave."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from ragtune.appliance.atomic import atomic_write_json
from ragtune.appliance.backup import backup_home
from ragtune.appliance.config import load_settings
from ragtune.appliance.home import Home
from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.registry import Registry
from ragtune.appliance.rerank_features import FEATURES, model_spec
from ragtune.appliance.store import Store
from ragtune.cli import main
from tests.fakes import FakeGenerator
from tests.gguf_helpers import write_gguf

from .kill_fuzz_helpers import QUERIES, write_corpus

OK = {"status": "ok", "answer": "It is in the documents.", "citations": ["S1"]}


def _snapshot(root: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every entry under `root`: a file's bytes and mtime, None for a folder."""
    out: dict[str, tuple[bytes, int] | None] = {}
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            out[os.path.relpath(os.path.join(folder, d), root)] = None
        for f in files:
            p = Path(folder, f)
            out[os.path.relpath(p, root)] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


def _reranker(folder: Path) -> Path:
    """A features reranker (numpy only) that prefers chunks holding a sentence covering the query."""
    folder.mkdir(parents=True)
    coef = np.zeros(len(FEATURES))
    coef[FEATURES.index("best_sentence")] = 1.0
    spec = model_spec(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), coef, weight=0.5, top=20)
    (folder / "reranker.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


@pytest.fixture
def engines(monkeypatch, fake):
    """The fake embedder for every Retriever and ingest the CLI makes, and a fake generator for `ask`."""
    import ragtune.appliance.embed as embed_mod
    import ragtune.appliance.generate as gen_mod

    monkeypatch.setattr(embed_mod, "Embedder", lambda cfg, home=None, **kw: fake)
    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([OK] * 20))


def _home_in_use_elsewhere(settings, fake, tmp_path: Path) -> tuple[Path, dict]:
    """An ingested home whose config names a rerank folder inside it by its absolute path and whose served model is
    a GGUF registered in place inside it, plus one registered as an older ragtune did (absolute path in the
    manifest). Returns the root and the artifacts."""
    root = settings.home.root
    write_corpus(tmp_path / "docs", seed=13, n=8)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    rr = _reranker(root / "rerankers" / "r1")
    reg = Registry(settings.home)
    base = reg.add(write_gguf(root / "models" / "tiny-base.gguf", lora=False, tag="base"), "base-gguf",
                   name="tiny-base", copy=False)
    old = reg.add(write_gguf(root / "models" / "old.gguf", lora=False, tag="old"), "base-gguf", name="old", copy=False)
    m = reg.manifest(old.id)  # rewritten as older homes recorded it: by its absolute path
    atomic_write_json(reg.dir / f"{old.id}.json", {**m, "file": str(root / "models" / "old.gguf")})
    (root / "config.toml").write_text(f'[generate]\nmodel = "tiny-base"\n\n[retrieve]\nrerank = "{rr}"\n',
                                      encoding="utf-8")
    return root, {"base": base, "old": old}


def test_in_place_inside_the_home_is_stored_relative_outside_absolute(reg, home, tmp_path):
    inside = reg.add(write_gguf(home.root / "models" / "a.gguf", lora=False, tag="a"), "base-gguf", copy=False)
    outside = reg.add(write_gguf(tmp_path / "elsewhere" / "b.gguf", lora=False, tag="b"), "base-gguf", copy=False)
    assert reg.manifest(inside.id)["file"] == "../models/a.gguf"
    assert reg.get(inside.id).path == home.root / "models" / "a.gguf"
    assert reg.manifest(outside.id)["file"] == str(tmp_path / "elsewhere" / "b.gguf")
    # an older home's absolute in-home path is still read as it is
    old = reg.manifest(inside.id)
    atomic_write_json(reg.dir / f"{inside.id}.json", {**old, "file": str(home.root / "models" / "a.gguf")})
    assert reg.get(inside.id).path == home.root / "models" / "a.gguf"


def test_relative_paths_resolve_by_name_even_when_registry_is_a_link(tmp_path):
    """`../models/x` is the home's models/, not the parent of wherever a linked registry/ really lives."""
    root = tmp_path / "h"
    (tmp_path / "disk" / "registry").mkdir(parents=True)
    root.mkdir()
    os.symlink(tmp_path / "disk" / "registry", root / "registry")
    reg = Registry(Home(root))
    art = reg.add(write_gguf(root / "models" / "x.gguf", lora=False, tag="x"), "base-gguf", copy=False)
    assert reg.manifest(art.id)["file"] == "../models/x.gguf"
    assert reg.get(art.id).path == root / "models" / "x.gguf"


def test_a_moved_backup_answers_searches_lists_and_checks(settings, fake, engines, tmp_path, capsys, monkeypatch):
    root, arts = _home_in_use_elsewhere(settings, fake, tmp_path)

    def run(home: Path, *args: str) -> tuple[int, str]:
        rc = main(["--home", str(home), *args])
        return rc, capsys.readouterr().out

    rc, before = run(root, "search", QUERIES[0], "--json", "--no-cache")
    assert rc == 0
    rc, out = run(root, "ask", "--json", "--no-cache", QUERIES[1])
    assert rc == 0
    asked = {k: json.loads(out)[k] for k in ("status", "retrieved", "citations")}
    rc, doctor_before = run(root, "doctor", "--json")
    assert rc == 0, doctor_before
    rc, out = run(root, "backup", str(tmp_path / "backups" / "b1"), "--json")
    assert rc == 0
    res = json.loads(out)
    assert {c["where"]: c["now"] for c in res["made_relative"]} == {
        f"registry/{arts['old'].id}.json": "../models/old.gguf", "config.toml [retrieve] rerank": "rerankers/r1"}
    assert res["external_files"] == [] and res["warnings"] == []
    assert Registry(settings.home).manifest(arts["old"].id)["file"] == str(root / "models" / "old.gguf")  # source kept
    assert f'rerank = "{root / "rerankers" / "r1"}"' in (root / "config.toml").read_text(encoding="utf-8")

    # moved somewhere else, the original out of the way: an old absolute path would now name nothing
    new = tmp_path / "srv" / "newhome"
    new.parent.mkdir()
    shutil.copytree(tmp_path / "backups" / "b1", new, symlinks=True)
    shutil.rmtree(tmp_path / "backups")
    root.rename(tmp_path / "gone")
    monkeypatch.chdir(tmp_path)  # nothing relative to the working directory helps
    assert load_settings(home=Home(new)).retrieve.rerank == str(new / "rerankers" / "r1")

    rc, after = run(new, "search", QUERIES[0], "--json", "--no-cache")
    assert rc == 0
    assert [h["chunk_id"] for h in json.loads(after)["hits"]] == [h["chunk_id"] for h in json.loads(before)["hits"]]
    rc, out = run(new, "ask", "--json", "--no-cache", QUERIES[1])
    assert rc == 0
    assert {k: json.loads(out)[k] for k in ("status", "retrieved", "citations")} == asked
    rc, out = run(new, "models", "list")
    assert rc == 0 and "tiny-base" in out and "missing" not in out, out
    rc, out = run(new, "models", "verify", "--json")
    assert rc == 0, out
    rc, out = run(new, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["model"]["status"] == "ok" and str(new / "models" / "tiny-base.gguf") in checks["model"]["detail"]
    ok_before = {c["name"] for c in json.loads(doctor_before)["checks"] if c["status"] == "ok"}
    assert rc == 0 and {n for n, c in checks.items() if c["status"] == "ok"} >= ok_before - {"lexical", "vectors"}


def test_a_relative_rerank_folder_in_config_is_the_homes(home, tmp_path, monkeypatch):
    _reranker(home.root / "rerankers" / "r1")
    cfg = home.config_path
    monkeypatch.chdir(tmp_path)
    cases = {"rerankers/r1": str(home.root / "rerankers" / "r1"), "./rerankers/r1": str(home.root / "rerankers" / "r1"),
             "default": "default", "": "", "rerank-features": "rerank-features",  # a registry name
             str(tmp_path / "abs"): str(tmp_path / "abs"),
             "nowhere/r9": str(home.root / "nowhere" / "r9")}  # missing: named in the home, where it is looked for
    (tmp_path / "cwd-only").mkdir()
    cases["cwd-only"] = str(home.root / "cwd-only")  # a folder's name: the home's, even where only the cwd has it
    (tmp_path / "here" / "r2").mkdir(parents=True)
    cases["here/r2"] = str(home.root / "here" / "r2")  # only the working directory holds it: still the home's (41)
    for given, want in cases.items():
        cfg.write_text(f'[retrieve]\nrerank = "{given}"\n', encoding="utf-8")
        got = load_settings(home=home).retrieve.rerank
        assert got == want, given
        assert got.origin.endswith("[retrieve] rerank")  # still names its config line in errors


def test_an_idle_source_home_is_left_as_it_was(settings, fake, tmp_path):
    write_corpus(tmp_path / "docs", seed=4, n=5)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    root = settings.home.root
    assert not (root / "ragtune.db-wal").exists() and not (root / "ragtune.db-shm").exists()
    before = _snapshot(root)
    res = backup_home(settings.home, tmp_path / "b")
    assert res.documents == 5
    assert _snapshot(root) == before  # no -wal/-shm left, not a byte or an mtime changed
    with Store(tmp_path / "b" / "ragtune.db") as st:
        assert st.count_documents() == 5


def test_a_home_in_use_or_with_a_crash_log_is_read_through_it(settings, fake, tmp_path):
    """-wal/-shm there: a writer is connected or a crash left its log; they are read as they are, never
    checkpointed into the database (that is the next writer's to do)."""
    write_corpus(tmp_path / "docs", seed=6, n=3)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    root = settings.home.root
    writer = Store(settings.home.db_path)
    try:
        writer.set_meta("backup-test", "committed-in-the-wal")
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for name in ("ragtune.db", "ragtune.db-wal", "ragtune.db-shm"):  # as a killed writer leaves it
            shutil.copy2(root / name, crashed / name)
        res = backup_home(settings.home, tmp_path / "b-live")  # while the writer is connected
        assert res.documents == 3 and (root / "ragtune.db-wal").exists()
        writer.set_meta("after", "1")  # the writer goes on
    finally:
        writer.close()
    before = _snapshot(crashed)
    assert os.path.getsize(crashed / "ragtune.db-wal") > 0
    backup_home(Home(crashed), tmp_path / "b-crash")
    after = _snapshot(crashed)
    assert sorted(after) == sorted(before)
    # the database and its log as they were; the -shm is SQLite's shared index of the log, rebuilt by any reader
    assert after["ragtune.db"] == before["ragtune.db"] and after["ragtune.db-wal"] == before["ragtune.db-wal"]
    with Store(tmp_path / "b-crash" / "ragtune.db") as st:
        assert st.get_meta("backup-test") == "committed-in-the-wal"  # the log's commit is in the backup


def test_in_place_under_a_left_out_folder_is_copied(settings, reg, tmp_path):
    root = settings.home.root
    src = write_gguf(root / "tune" / "run1" / "a.gguf", tag="tuned")
    art = reg.add(src, "lora-gguf", name="tuned", copy=False)
    (root / "tune" / "run1" / "checkpoint.bin").write_bytes(b"x" * 100)
    res = backup_home(settings.home, tmp_path / "b")
    assert res.kept_registered == ["tune/run1/a.gguf"] and "tune" in res.left_out
    assert not (tmp_path / "b" / "tune" / "run1" / "checkpoint.bin").exists()  # the rest of tune/ still left out
    assert Registry(Home(tmp_path / "b")).get(art.id).path == tmp_path / "b" / "tune" / "run1" / "a.gguf"


def test_external_files_are_named_or_included(settings, reg, tmp_path, capsys):
    root = settings.home.root
    ext = write_gguf(tmp_path / "models" / "ext.gguf", lora=False, tag="ext")
    folder = tmp_path / "models" / "adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}", encoding="utf-8")
    (folder / "adapter_model.safetensors").write_bytes(b"w" * 64)
    a = reg.add(ext, "base-gguf", name="ext", copy=False)
    b = reg.add(folder, "lora-hf", name="hf", copy=False)
    manifests = {p.name: p.read_bytes() for p in reg.dir.glob("*.json")}

    assert main(["--home", str(root), "backup", str(tmp_path / "b1")]) == 0
    out = capsys.readouterr()
    assert "2 registered files outside the home not copied" in out.out
    assert "not in the backup (2 registered in place outside the home" in out.err and "--include-external" in out.err
    assert f"    {ext}\n" in out.err and f"    {folder}\n" in out.err

    assert main(["--home", str(root), "backup", str(tmp_path / "b2"), "--include-external", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert sorted(res["included_external"]) == sorted([str(ext), str(folder)]) and res["external_files"] == []
    assert {p.name: p.read_bytes() for p in reg.dir.glob("*.json")} == manifests  # the source registry unchanged
    shutil.rmtree(tmp_path / "models")  # the backup needs nothing outside it now
    copy = Registry(Home(tmp_path / "b2"))
    assert copy.get(a.id).path == tmp_path / "b2" / "registry" / "blobs" / a.id / "ext.gguf"
    assert copy.get(b.id).path.is_dir()
    assert main(["--home", str(tmp_path / "b2"), "models", "verify"]) == 0


def test_an_external_file_changed_since_it_was_registered_stays_external(settings, reg, tmp_path):
    ext = write_gguf(tmp_path / "ext.gguf", lora=False, tag="ext")
    art = reg.add(ext, "base-gguf", name="ext", copy=False)
    os.chmod(ext, 0o644)
    ext.write_bytes(ext.read_bytes() + b"changed")
    res = backup_home(settings.home, tmp_path / "b", include_external=True)
    assert res.external_files == [str(ext)] and res.included_external == []
    assert len(res.warnings) == 1 and "not copied in" in res.warnings[0]
    assert Registry(Home(tmp_path / "b")).manifest(art.id)["file"] == str(ext)  # still names it where it is
    assert not list((tmp_path / "b" / "registry").glob("blobs/*"))


def test_every_model_key_naming_an_in_home_file_is_made_relative_in_the_copy(settings, tmp_path, capsys, monkeypatch):
    """`[generate] model`/`adapter`, `[embed] model` and `[retrieve] rerank` by absolute in-home path: home-relative in
    the copy (the source's config.toml unchanged), no warning; a file under a folder the backup leaves out (tune/) is
    copied; a path outside the home is left as it is. The copy, moved, resolves them all in its new place."""
    from ragtune.appliance.embed import model_identity
    from ragtune.appliance.refs import resolve_adapter, resolve_gguf_model

    root = settings.home.root
    gguf = write_gguf(root / "models" / "m.gguf", lora=False, tag="m")
    lora = write_gguf(root / "tune" / "run1" / "a.gguf", tag="a")
    (root / "tune" / "run1" / "checkpoint.bin").write_bytes(b"x" * 10)
    emb = root / "e1"
    emb.mkdir()
    (emb / "model.onnx").write_bytes(b"onnx")
    (emb / "tokenizer.json").write_text("{}", encoding="utf-8")
    rr = _reranker(root / "rerankers" / "r1")
    outside = write_gguf(tmp_path / "out.gguf", lora=False, tag="o")
    text = (f'# mine\n[generate]\nmodel = "{gguf}"\nadapter = "{lora}"\n\n[embed]\nmodel = "{emb}"\n\n'
            f'[retrieve]\nrerank = "{rr}"\n')
    (root / "config.toml").write_text(text, encoding="utf-8")
    assert main(["--home", str(root), "backup", str(tmp_path / "b"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["warnings"] == []
    assert {c["where"]: (c["was"], c["now"]) for c in res["made_relative"]} == {
        "config.toml [generate] model": (str(gguf), "models/m.gguf"),
        "config.toml [generate] adapter": (str(lora), "tune/run1/a.gguf"),
        "config.toml [embed] model": (str(emb), "./e1"), "config.toml [retrieve] rerank": (str(rr), "rerankers/r1")}
    assert res["kept_registered"] == ["tune/run1/a.gguf"]  # tune/ is left out, but the config serves it
    assert not (tmp_path / "b" / "tune" / "run1" / "checkpoint.bin").exists()
    copied = (tmp_path / "b" / "config.toml").read_text(encoding="utf-8")
    assert copied == ('# mine\n[generate]\nmodel = "models/m.gguf"\nadapter = "tune/run1/a.gguf"\n\n'
                      '[embed]\nmodel = "./e1"\n\n[retrieve]\nrerank = "rerankers/r1"\n')
    assert (root / "config.toml").read_text(encoding="utf-8") == text  # the source home's own file is kept

    new = tmp_path / "srv" / "moved"
    new.parent.mkdir()
    shutil.copytree(tmp_path / "b", new, symlinks=True)
    root.rename(tmp_path / "gone")
    monkeypatch.chdir(tmp_path)
    moved = Home(new)
    s = load_settings(home=moved)
    reg = Registry(moved)
    assert resolve_gguf_model(reg, s.generate.model)[0] == new / "models" / "m.gguf"
    assert resolve_adapter(reg, s.generate.adapter)[0] == new / "tune" / "run1" / "a.gguf"
    assert model_identity(s.embed, moved)[0] and s.retrieve.rerank == str(new / "rerankers" / "r1")

    # outside the home: as it is; a relative one under tune/ is copied too
    write_gguf(tmp_path / "gone" / "tune" / "run2" / "b.gguf", tag="b")
    (tmp_path / "gone" / "config.toml").write_text(f'[generate]\nmodel = "{outside}"\nadapter = "tune/run2/b.gguf"\n',
                                                   encoding="utf-8")
    assert main(["--home", str(tmp_path / "gone"), "backup", str(tmp_path / "b2"), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["made_relative"] == [] and res["warnings"] == [] and res["kept_registered"] == ["tune/run2/b.gguf"]
    assert (tmp_path / "b2" / "config.toml").read_text(encoding="utf-8") == \
        (tmp_path / "gone" / "config.toml").read_text(encoding="utf-8")


def test_a_linked_config_is_not_rewritten_but_warned_about(settings, tmp_path, capsys):
    root = settings.home.root
    gguf = write_gguf(root / "models" / "m.gguf", lora=False, tag="m")
    real = tmp_path / "etc" / "ragtune.toml"
    real.parent.mkdir()
    real.write_text(f'[generate]\nmodel = "{gguf}"\n', encoding="utf-8")
    os.symlink(real, root / "config.toml")
    assert main(["--home", str(root), "backup", str(tmp_path / "b")]) == 0
    err = capsys.readouterr().err
    assert "warning: config.toml [generate] model names" in err and "write `models/m.gguf`" in err
    assert real.read_text(encoding="utf-8") == f'[generate]\nmodel = "{gguf}"\n'


def test_a_full_disk_while_including_external_fails_the_backup(settings, reg, tmp_path, monkeypatch, capsys):
    reg.add(write_gguf(tmp_path / "ext.gguf", lora=False, tag="ext"), "base-gguf", name="ext", copy=False)
    real = shutil.copyfile

    def full(src, dst, *a, **kw):
        if str(dst).startswith(str(tmp_path / "out")) and "/registry/blobs/" in str(dst):  # the copy-in only
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(shutil, "copyfile", full)
    assert main(["--home", str(settings.home.root), "backup", str(tmp_path / "out" / "b"), "--include-external"]) == 74
    assert "No space left on device" in capsys.readouterr().err
    assert list((tmp_path / "out").iterdir()) == []  # neither DEST nor a temporary


def test_a_clean_close_store_writes_nothing_and_leaves_no_wal(tmp_path):
    from ragtune.appliance.errors import StoreError

    path = tmp_path / "ragtune.db"
    with Store(path) as st:
        st.set_meta("k", "v")
    before = _snapshot(tmp_path)
    with Store(path, readonly=True, clean_close=True) as st:
        assert st.get_meta("k") == "v"
        with pytest.raises(StoreError):
            st.set_meta("k", "changed")  # PRAGMA query_only: nothing is written through it
    assert _snapshot(tmp_path) == before
    with pytest.raises(StoreError):
        Store(tmp_path / "none.db", readonly=True, clean_close=True)  # never created
    assert not (tmp_path / "none.db").exists()
