"""`ragtune doctor` (ragtune/appliance/doctor.py, cli/doctor_cmd.py): a healthy home is all ok, exit 0, and stays
byte-identical; each kind of damage gives its own fail or warn line and exit code; --json's shape."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ragtune.appliance.ingest import ingest_paths
from ragtune.appliance.registry import Registry
from ragtune.appliance.store import Store
from ragtune.cli import main
from tests.gguf_helpers import gguf_bytes

from .kill_fuzz_helpers import write_corpus


@pytest.fixture
def home(settings, fake, tmp_path) -> Path:
    """An ingested home (the fake embedder), its lexical index built by the ingest."""
    write_corpus(tmp_path / "docs", seed=3, n=6)
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    return settings.home.root


def _files(root: Path) -> dict[str, bytes | None]:
    """Every entry under `root`: a file's bytes, None for a folder (a link as its target)."""
    out: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            out[os.path.relpath(os.path.join(folder, d), root)] = None
        for f in files:
            p = os.path.join(folder, f)
            out[os.path.relpath(p, root)] = os.readlink(p).encode() if os.path.islink(p) else Path(p).read_bytes()
    return out


def _doctor(root: Path, capsys, *args: str) -> tuple[int, dict[str, tuple[str, str]]]:
    """(exit code, {check name: (status, detail)}) from the text output."""
    rc = main(["--home", str(root), "doctor", *args])
    lines = {}
    for line in capsys.readouterr().out.splitlines():
        status, name, detail = line.split(maxsplit=2) if not line.startswith(" ") else (None, None, None)
        if status is not None:
            assert status in ("ok", "warn", "fail"), line
            lines[name] = (status, detail)
    return rc, lines


@pytest.mark.parametrize("quick", [False, True])
def test_a_healthy_home_is_all_ok_and_unchanged(home, capsys, quick):
    before = _files(home)
    rc, lines = _doctor(home, capsys, *(["--quick"] if quick else []))
    assert rc == 0
    assert {n: s for n, (s, _) in lines.items()} == {n: "ok" for n in lines}, lines
    assert {"config", "database", "migrations", "counts", "lexical", "vectors", "query-log", "model", "embedder",
            "adapter", "reranker", "rollout", "machine", "disk", "leftovers"} == set(lines)
    assert lines["database"][1].startswith("quick_check ok" if quick else "integrity_check ok")
    assert "6 documents" in lines["counts"][1]
    assert ("not checked (--quick)" in lines["model"][1]) == quick
    assert _files(home) == before  # nothing written, created or removed: not even a -wal or -shm file


def test_a_home_in_use_is_read_through_its_log(home, capsys):
    with Store(home / "ragtune.db") as st:  # a live connection (serve, an ingest): its -wal/-shm are in use
        assert (home / "ragtune.db-wal").exists()
        rc, lines = _doctor(home, capsys, "--quick")
        assert st.count_documents() == 6
    assert rc == 0 and lines["database"][0] == "ok" and "6 documents" in lines["counts"][1], lines


def test_a_damaged_database_page_fails(home, capsys):
    db = home / "ragtune.db"
    assert not (home / "ragtune.db-wal").exists()  # all in the main file: the damage is not masked by a log
    size = db.stat().st_size
    with open(db, "r+b") as fh:  # garble the pages after the first (the header stays: it still opens)
        fh.seek(4096)
        fh.write(bytes(range(256)) * ((size - 4096) // 256))
    rc, lines = _doctor(home, capsys)
    assert rc == 1 and lines["database"][0] == "fail", lines


def test_a_missing_model_file_fails(home, tmp_path, capsys):
    src = tmp_path / "base.gguf"
    src.write_bytes(gguf_bytes(lora=False, tag="doctor"))
    art = Registry().add(src, "base-gguf", name="doctor-base")
    (home / "config.toml").write_text('[generate]\nmodel = "doctor-base"\n', encoding="utf-8")
    rc, lines = _doctor(home, capsys)
    assert rc == 0 and lines["model"][0] == "ok" and "doctor-base" in lines["model"][1], lines
    os.chmod(art.path.parent, 0o755)
    os.chmod(art.path, 0o644)
    art.path.unlink()
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["model"][0] == "fail" and "missing" in lines["model"][1], lines
    assert lines["embedder"][0] == "ok"


def test_a_changed_model_file_fails_unless_quick(home, tmp_path, capsys):
    src = tmp_path / "base.gguf"
    src.write_bytes(gguf_bytes(lora=False, tag="doctor"))
    art = Registry().add(src, "base-gguf", name="doctor-base")
    (home / "config.toml").write_text('[generate]\nmodel = "doctor-base"\n', encoding="utf-8")
    os.chmod(art.path, 0o644)
    art.path.write_bytes(gguf_bytes(lora=False, tag="other"))
    rc, lines = _doctor(home, capsys)
    assert rc == 1 and lines["model"][0] == "fail" and "does not match" in lines["model"][1], lines
    rc, lines = _doctor(home, capsys, "--quick")  # not hashed: found is all it says
    assert rc == 0 and lines["model"][0] == "ok"


def test_a_stale_lexical_marker_warns(home, capsys):
    marker = home / "tantivy" / "synced.json"
    data = json.loads(marker.read_text(encoding="utf-8"))
    marker.write_text(json.dumps(dict(data, index_version=data["index_version"] + 5)), encoding="utf-8")
    before = _files(home)
    rc, lines = _doctor(home, capsys)
    assert rc == 0 and lines["lexical"][0] == "warn", lines
    assert "out of step" in lines["lexical"][1] and "rebuilt on the next search" in lines["lexical"][1]
    assert _files(home) == before  # said, not repaired


def test_a_leftover_part_warns_and_stays(home, capsys):
    part = home / "registry" / ".active.json.abcd1234.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_text("half", encoding="utf-8")
    rc, lines = _doctor(home, capsys)
    assert rc == 0 and lines["leftovers"][0] == "warn" and "registry/.active.json.abcd1234.part" in lines["leftovers"][1]
    assert part.read_text(encoding="utf-8") == "half"  # counted, not swept


def test_pending_migrations_warn(home, capsys):
    with Store(home / "ragtune.db") as st:
        last = st.applied_migrations()[-1]
        st.query("DELETE FROM _migrations WHERE name = ?", (last,))
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 0 and lines["migrations"][0] == "warn" and "the next write migrates it" in lines["migrations"][1]


def test_a_config_that_does_not_load_fails_naming_its_line(home, capsys):
    (home / "config.toml").write_text("[retrieve]\nk = 4\nbogus = 1\n", encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["config"][0] == "fail" and "config.toml:3" in lines["config"][1], lines
    assert lines["models"][0] == "warn" and lines["database"][0] == "ok"


def test_json_shape(home, capsys):
    rc = main(["--home", str(home), "doctor", "--json", "--quick"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["ok"] is True and out["quick"] is True and out["home"] == str(home)
    assert out["counts"] == {"ok": len(out["checks"]), "warn": 0, "fail": 0}
    assert all(set(c) == {"status", "name", "detail", "hint"} for c in out["checks"])
    (home / "tantivy" / ".tmpABC123").write_text("", encoding="utf-8")
    assert main(["--home", str(home), "doctor", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    (leftovers,) = [c for c in out["checks"] if c["name"] == "leftovers"]
    assert leftovers["status"] == "warn" and out["counts"]["warn"] == 1
    assert leftovers["hint"] == "harmless: the next command that opens the home for writing removes them"


def test_a_home_that_does_not_exist_is_a_warning_and_is_not_created(tmp_path, capsys):
    # round 45: a fresh install's first check is not an error (tests/appliance/test_r45_firstuse_doctor.py)
    missing = tmp_path / "nowhere"
    assert main(["--home", str(missing), "doctor", "--quick"]) == 0
    assert "does not exist yet" in capsys.readouterr().out and not missing.exists()


def test_an_empty_home_is_healthy(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, lines = _doctor(empty, capsys, "--quick")
    assert rc == 0 and lines["database"] == ("ok", "none yet: nothing ingested"), lines
    assert sorted(os.listdir(empty)) == []


# -- [retrieve] rerank: every search and `ask` load it, so doctor checks it (read-only, no ONNX session) --------
def _features_reranker(folder: Path) -> Path:
    import numpy as np

    from ragtune.appliance.rerank_features import FEATURES, model_spec

    folder.mkdir(parents=True)
    spec = model_spec(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), np.ones(len(FEATURES)), weight=0.5, top=20)
    (folder / "reranker.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


def _evidence(folder: Path, **changes) -> Path:
    from ragtune.appliance.evidence import FEATURES, EvidenceModel

    n = len(FEATURES)
    spec = EvidenceModel((0.0,) * n, (1.0,) * n, (1.0,) * n, 0.0, -1.0).to_json()
    (folder / "evidence.json").write_text(json.dumps({**spec, **changes}), encoding="utf-8")
    return folder / "evidence.json"


def _rerank(home: Path, value: str, extra: str = "") -> None:
    (home / "config.toml").write_text(f'[retrieve]\nrerank = "{value}"\n{extra}', encoding="utf-8")


def test_the_reranker_in_use_is_checked(home, capsys, tmp_path):
    rc, lines = _doctor(home, capsys, "--quick")  # the tests' built-in folder is empty: "default" is off
    assert rc == 0 and lines["reranker"] == ("ok", "off: this ragtune ships no built-in reranker"), lines
    _rerank(home, "")
    assert _doctor(home, capsys)[1]["reranker"] == ("ok", 'off ([retrieve] rerank = "")')

    folder = _features_reranker(home / "rerankers" / "r1")
    _evidence(folder)
    _rerank(home, "rerankers/r1")  # relative: the home's
    before = _files(home)
    rc, lines = _doctor(home, capsys)
    assert rc == 0 and lines["reranker"][0] == "ok", lines
    assert "a feature model" in lines["reranker"][1] and str(folder) in lines["reranker"][1]
    assert "evidence model, evidence.json" in lines["reranker"][1]
    assert _files(home) == before  # read, not written

    (folder / "reranker.json").write_text("{not json", encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["reranker"][0] == "fail" and "reranker.json" in lines["reranker"][1], lines
    (folder / "reranker.json").write_text(json.dumps({"kind": "features", "format": 0}), encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and "trained with other features" in lines["reranker"][1], lines

    _rerank(home, "rerankers/gone")
    rc = main(["--home", str(home), "doctor", "--json", "--quick"])
    (check,) = [c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "reranker"]
    assert rc == 1 and check["status"] == "fail" and str(home / "rerankers" / "gone") in check["detail"]
    assert "[retrieve] rerank" in check["detail"] and check["hint"]  # names its config line, says what to do


def test_a_damaged_evidence_model_fails_when_ask_uses_it(home, capsys):
    folder = _features_reranker(home / "rerankers" / "r1")
    _evidence(folder, scale=[0.0, 1.0, 1.0])
    _rerank(home, "rerankers/r1")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["reranker"][0] == "fail" and "evidence.json" in lines["reranker"][1], lines
    _rerank(home, "rerankers/r1", "\n[generate]\nevidence_check = false\n")  # `ask` never reads it then
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 0 and lines["reranker"][0] == "ok" and "evidence.json" not in lines["reranker"][1], lines


def test_a_cross_encoder_folder_needs_its_files(home, capsys):
    folder = home / "rerankers" / "ce"
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(b"not loaded by doctor")
    _rerank(home, str(folder))
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["reranker"][0] == "fail" and "tokenizer.json: missing" in lines["reranker"][1], lines
    (folder / "tokenizer.json").write_text("{}", encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 0 and "a cross-encoder" in lines["reranker"][1], lines


def test_a_registered_reranker_missing_or_changed_fails(home, capsys, tmp_path):
    reg = Registry()
    art = reg.add(_features_reranker(tmp_path / "r2"), "reranker", name="mine", copy=False)
    _rerank(home, "mine")
    rc, lines = _doctor(home, capsys)
    assert rc == 0 and lines["reranker"][0] == "ok" and art.id[:12] in lines["reranker"][1], lines
    os.chmod(tmp_path / "r2" / "reranker.json", 0o644)
    (tmp_path / "r2" / "reranker.json").write_text(json.dumps({"kind": "features"}), encoding="utf-8")
    rc, lines = _doctor(home, capsys)
    assert rc == 1 and lines["reranker"][0] == "fail", lines
    os.chmod(tmp_path / "r2", 0o755)
    for f in (tmp_path / "r2").iterdir():
        f.unlink()
    (tmp_path / "r2").rmdir()
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and "is missing" in lines["reranker"][1], lines
    _rerank(home, "no-such-reranker")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and "no artifact 'no-such-reranker'" in lines["reranker"][1], lines


def test_a_changed_built_in_reranker_fails(home, capsys, monkeypatch, tmp_path):
    builtin = _features_reranker(tmp_path / "builtin" / "default")
    monkeypatch.setenv("RAGTUNE_BUILTIN_RERANKERS", str(tmp_path / "builtin"))
    (builtin / "manifest.json").write_text(json.dumps({"sha256": "0" * 64}), encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["reranker"][0] == "fail" and "refusing a changed built-in" in lines["reranker"][1]


def test_a_registered_reranker_s_evidence_model_is_the_one_ask_uses(home, capsys, tmp_path):
    """By its registry id the evidence model was looked for under the working directory: `ask` ran without it while
    `eval run` (handed the folder) used it. rerank_folder finds it beside the registered model for both."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.evidence import load

    evidence = _evidence(_features_reranker(tmp_path / "r3"))  # fitted before it is registered: the folder's bytes
    Registry().add(tmp_path / "r3", "reranker", name="mine", copy=False)
    _rerank(home, "mine")
    rc, lines = _doctor(home, capsys)
    assert rc == 0 and "evidence model, evidence.json" in lines["reranker"][1], lines
    eng = AnswerEngine(load_settings(home / "config.toml"))
    assert eng.evidence == load(evidence)


def test_a_model_is_found_as_serving_finds_it(home, tmp_path, capsys):
    """doctor reads `[generate] model` as refs.resolve_gguf_model does: a registry name with a "/" (`models add
    --name org/model`) is looked up in the registry (was: taken for a path, "not found"); a `.gguf`, or a file that is
    there, is a path; `[embed] model` with a "/" is a folder, as embed.py reads it."""
    from ragtune.appliance.refs import resolve_gguf_model

    src = tmp_path / "base.gguf"
    src.write_bytes(gguf_bytes(lora=False, tag="org"))
    art = Registry().add(src, "base-gguf", name="org/model")
    cfg = home / "config.toml"
    cfg.write_text('[generate]\nmodel = "org/model"\n', encoding="utf-8")
    assert resolve_gguf_model(Registry(), "org/model")[1] == art.id  # what serving does with it
    for quick in ((), ("--quick",)):
        rc, lines = _doctor(home, capsys, *quick)
        assert rc == 0 and lines["model"][0] == "ok" and f"org/model ({art.id[:12]})" in lines["model"][1], lines
    cfg.write_text('[generate]\nmodel = "org/gone"\n', encoding="utf-8")  # neither a file nor a name: the registry's
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["model"][0] == "fail" and "'org/gone'" in lines["model"][1], lines
    assert "not found" not in lines["model"][1]
    cfg.write_text('[generate]\nmodel = "models/gone.gguf"\n', encoding="utf-8")  # a real missing path
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["model"] == ("fail", f"{home}/models/gone.gguf: not found"), lines
    (home / "models").mkdir(exist_ok=True)
    (home / "models" / "base.gguf").write_bytes(src.read_bytes())  # a file by its path
    cfg.write_text('[generate]\nmodel = "models/base.gguf"\n', encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 0 and lines["model"] == ("ok", f"{home}/models/base.gguf: a path (no recorded sha256)"), lines
    (home / "models" / "dir.gguf").mkdir()
    cfg.write_text('[generate]\nmodel = "models/dir.gguf"\n', encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["model"] == ("fail", f"{home}/models/dir.gguf: not a file"), lines
    cfg.write_text('[embed]\nmodel = "embedders/gone"\n', encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["embedder"] == ("fail", f"{home}/embedders/gone: not found"), lines


def test_an_adapter_name_too_long_to_look_up_is_a_fail_line(home, capsys):
    (home / "config.toml").write_text(f'[generate]\nadapter = "{"a" * 300}"\n', encoding="utf-8")
    rc, lines = _doctor(home, capsys, "--quick")
    assert rc == 1 and lines["adapter"][0] == "fail" and "no artifact" in lines["adapter"][1], lines
