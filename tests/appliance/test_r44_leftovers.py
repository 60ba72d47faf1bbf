"""Round 44 leftovers: adapters could share a name (models refused a taken one since round 43), `log forget` left the
replay-eval rows that asked the forgotten question again, and refs.py kept the files of models resolved by path in a
process-global dict that every home shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ragtune.appliance.errors import AdapterMisfit, InputError
from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.appliance.store import open_store
from ragtune.cli import main
from tests.gguf_helpers import write_gguf

from .test_log_retention import row


# -- 1. one name, one adapter -----------------------------------------------------------------------------------
def test_a_chosen_name_another_adapter_has_is_refused(reg, home, tmp_path, capsys):
    """Was: registered, and from then on `--adapter twin`, `[generate] adapter = "twin"` and `ragtune:twin` were
    refused as ambiguous."""
    from ragtune.appliance.refs import resolve_adapter

    first = reg.add(write_gguf(tmp_path / "one.gguf", tag="one"), "lora-gguf", name="twin")
    before = sorted(p.name for p in reg.dir.iterdir())
    other = write_gguf(tmp_path / "two.gguf", tag="two")
    assert main(["--home", str(home.root), "models", "add", str(other), "--kind", "lora-gguf", "--name", "twin"]) == 2
    err = capsys.readouterr().err
    assert f"error: {other}: not registered: the name 'twin' is already that of {first.id[:12]}… (lora-gguf); " \
           "give it another --name" in err and "Traceback" not in err
    assert "`--adapter`, `[generate] adapter` and `ragtune:NAME` would be refused as ambiguous" in err
    assert sorted(p.name for p in reg.dir.iterdir()) == before  # nothing written
    with pytest.raises(InputError, match="is already that of"):  # a converter's --name too (Registry.add)
        reg.add(other, "lora-gguf", name="twin", copy=True)
    # the same bytes under their name again: the artifact they are (idempotent); another name: registered
    assert reg.add(tmp_path / "one.gguf", "lora-gguf", name="twin").id == first.id
    assert reg.add(other, "lora-gguf", name="twin-2").name == "twin-2"
    assert resolve_adapter(reg, "twin")[1] == first.id
    names = [m["name"] for m in reg.list() if m["kind"] == "lora-gguf" and not m.get("builtin")]
    assert sorted(names) == ["twin", "twin-2"]
    # another family may share it, as before: a model (`[generate] model`), a peft folder (`convert lora`)
    model = reg.add(write_gguf(tmp_path / "m.gguf", lora=False, tag="m"), "base-gguf", name="twin")
    assert model.name == "twin" and resolve_adapter(reg, "twin")[1] == first.id


def test_a_peft_adapter_name_is_one_folders_too(reg, tmp_path):
    def folder(name: str, weights: bytes) -> Path:
        d = tmp_path / name
        d.mkdir()
        (d / "adapter_config.json").write_text("{}", encoding="utf-8")
        (d / "adapter_model.safetensors").write_bytes(weights)
        return d

    first = reg.add(folder("a", b"w" * 64), "lora-hf", name="run1", copy=False)
    with pytest.raises(InputError, match="'run1' is already that of .*give it another --name") as e:
        reg.add(folder("b", b"v" * 64), "lora-hf", name="run1", copy=False)
    assert "`convert lora` and the commands naming it" in (e.value.hint or "")
    assert reg.add(tmp_path / "a", "lora-hf", name="run1", copy=False).id == first.id


@pytest.mark.parametrize("kind, lora", [("lora-gguf", True), ("base-gguf", False)])
def test_a_name_from_the_file_another_has_is_made_its_own(reg, tmp_path, kind, lora):
    """Not the user's choice, so not refused (a converter's output after minutes of work, `models add` without
    --name): made unique as an unusable file name is, with a note. Was: two artifacts named "one"."""
    first = reg.add(write_gguf(tmp_path / "one.gguf", lora=lora, tag="1"), kind)
    second = reg.add(write_gguf(tmp_path / "d2" / "one.gguf", lora=lora, tag="2"), kind)
    assert first.name == "one" and second.name == f"one-{second.id[:8]}"
    assert second.note == f"the name 'one' is already that of {first.id[:12]}… ({kind}): registered as " \
                          f"'one-{second.id[:8]}' (`--name` chooses another)"
    assert reg.get("one").id == first.id and reg.get(second.name).id == second.id


# -- 2. forget reaches the replay rows ----------------------------------------------------------------------------
SECRET = "does-my-divorce-8812 affect my pension?"


def _raw(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def _replay(s, run: str, items: dict[int, int]) -> None:
    """An `eval run --replay` that asked the questions of the entries `items` (its keys) and wrote its values."""
    s.ensure_eval_run(run, "replay", {"dataset": {"kind": "replay"}})
    for user, written in items.items():
        s.put_eval_item(run, "C", f"log{user}", {"log_id": written, "answer": "a"})


def test_forget_blanks_the_replay_rows_that_asked_the_question_again(home):
    with open_store(home) as s:
        user = s.add_query_log(row(1.0, query=SECRET, normalized_query=SECRET.lower(), client_id="alice"))
        twin = s.add_query_log(row(2.0, query=SECRET, normalized_query=SECRET.lower(), client_id="bob"))
        other = s.add_query_log(row(3.0, query="an unrelated question", normalized_query="an unrelated question"))
        copies = [s.add_query_log(row(4.0 + i, query=SECRET, normalized_query=SECRET.lower())) for i in range(2)]
        unrelated = s.add_query_log(row(6.0, query="an unrelated question", normalized_query="an unrelated question"))
        _replay(s, "r1", {user: copies[0], other: unrelated})
        _replay(s, "r2", {user: copies[1]})
        out = s.forget_query_log([user, twin])
        assert out["forgotten"] == [user, twin] and out["replays"] == copies and out["already"] == []
        for i in (user, twin, *copies):
            e = s.query_log_entry(i)
            assert e["forgotten"] is not None and e["query"] == e["normalized_query"] == "", i
        assert s.query_log_entry(other)["query"] == s.query_log_entry(unrelated)["query"] == "an unrelated question"
        assert s.replay_log_ids() == {*copies, unrelated}  # still replay rows: left out of exports as before
        assert out["checkpointed"] is True
    assert SECRET.encode() not in _raw(home.db_path)


def test_forget_again_reaches_the_replay_rows_a_forget_before_left(home, monkeypatch):
    """A home whose entry was forgotten before forget followed replays: its text is gone, its replay row found by
    the eval item that asked it (qid log<ID>), when the entry is forgotten again."""
    from ragtune.appliance.store.logs import LogTables

    with open_store(home) as s:
        user = s.add_query_log(row(1.0, query=SECRET, normalized_query=SECRET.lower()))
        copy = s.add_query_log(row(2.0, query=SECRET + " ", normalized_query=SECRET.lower() + " (as replayed)"))
        _replay(s, "r1", {user: copy})
        with monkeypatch.context() as m:
            m.setattr(LogTables, "_replay_copies", lambda self, ids: set())  # what forget did before
            assert s.forget_query_log([user])["replays"] == []
        assert s.query_log_entry(copy)["forgotten"] is None
        out = s.forget_query_log([user])
        assert out["already"] == [user] and out["forgotten"] == [] and out["replays"] == [copy]
        assert s.query_log_entry(copy)["query"] == ""
        assert s.forget_query_log([user])["replays"] == []  # nothing left
        # forgetting a replay row itself is forgetting an entry, as before
        own = s.add_query_log(row(3.0, query="x", normalized_query="x"))
        _replay(s, "r2", {99: own})
        assert s.forget_query_log([own]) | {"checkpointed": True} == {
            "forgotten": [own], "already": [], "replays": [], "unknown": [], "reviews": 0, "cache": 0,
            "eval_items": 1, "checkpointed": True}
    assert SECRET.encode() not in _raw(home.db_path)


# -- 5. the files of models given by path are the registry's, not the process's -------------------------------------
def _shaped(path: Path, tensors: dict, lora: bool) -> Path:
    from tests.gguf_helpers import shaped_gguf

    return shaped_gguf(path, tensors, lora)


def test_a_model_resolved_by_path_is_known_to_that_registry_only(tmp_path):
    from ragtune.appliance.refs import resolve_adapter, resolve_gguf_model

    f32 = np.float32
    model = _shaped(tmp_path / "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), f32)}, False)
    narrow = _shaped(tmp_path / "narrow.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                                "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True)
    one, two = Registry(Home(tmp_path / "one")), Registry(Home(tmp_path / "two"))
    _, model_id = resolve_gguf_model(one, str(model))
    assert one.model_files == {model_id: model.resolve()} and two.model_files == {}
    # another home's registry does not know the file (it was the process's dict): nothing to check the LoRA against
    assert resolve_adapter(two, str(narrow), model_id=model_id)[0] == narrow
    with pytest.raises(AdapterMisfit):  # the registry that resolved the model finds its file
        resolve_adapter(one, str(narrow), model_id=model_id)
    # (the answer, once read, is the LoRA file's and the model id's, whichever home asks: Registry.check_fits)
    three = Registry(Home(tmp_path / "three"))
    narrow2 = _shaped(tmp_path / "narrow2.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                                  "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True)
    with pytest.raises(AdapterMisfit):  # a caller that has the file hands it over (the engine: its generator's)
        resolve_adapter(three, str(narrow2), model_id=model_id, model_file=model)
    assert three.model_files == {}


def test_the_engine_checks_an_adapter_against_its_generators_model_file(settings, tmp_path):
    """The generator resolves a model given by path through its own Registry; the engine's, another one, is handed
    the file it loaded."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.hashing import sha256_path
    from tests.fakes import FakeGenerator

    f32 = np.float32
    model = _shaped(tmp_path / "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), f32)}, False)
    narrow = _shaped(tmp_path / "narrow.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                                "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True)
    gen = FakeGenerator(model_id=sha256_path(model))
    gen.model_path = model
    engine = AnswerEngine(settings, retriever=object(), generator=gen)
    with pytest.raises(AdapterMisfit):
        engine.set_adapter(str(narrow))
    assert gen.adapter_calls == []
