"""The training run's folder and its sessions (ragtune/models/train/runfolder.py, loop.py): what OUT may hold,
what a --resume must match, leftovers of killed processes, the loss curve across a resume, determinism, threads,
edge-sized data. Uses test_train.py's tiny llama (a few seconds per run)."""

import json
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from ragtune.appliance.errors import ConfigError, InputError
from ragtune.models.curate import write_curated

pytestmark = pytest.mark.train
torch = pytest.importorskip("torch", reason="needs the [train] extra (torch)")
pytest.importorskip("transformers", reason="needs the [train] extra (transformers)")
pytest.importorskip("peft", reason="needs the [train] extra (peft)")

from ragtune.models import train as tr  # noqa: E402

from .test_train import _Stop, _adapter, _cfg, _examples, _stop_at_2, data, tiny  # noqa: E402,F401  (fixtures)


def test_an_out_folder_of_other_files_is_refused_before_torch(data, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match=r"mine: exists and is not a training run \(it holds notes.txt\)"):
        tr.prepare(_cfg("unused", data, out, max_steps=1))
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    tr.prepare(_cfg("unused", data, empty))  # an empty folder is fine, and one with a log the shell opened first
    (empty / "train.log").write_text("")
    tr.prepare(_cfg("unused", data, empty))


def test_resume_with_other_data_or_options_names_every_difference(tiny, data, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, out, max_steps=4), progress=_stop_at_2)
    other = tmp_path / "other"
    write_curated(other, _examples(5), _examples(2, offset=50), {"config": {}})
    with pytest.raises(InputError) as ei:  # was a state-dict traceback (r) or a silent run on other data
        tr.prepare(_cfg(tiny, other, out, max_steps=4, r=16, lr=0.1, resume=True))
    msg = str(ei.value)
    assert "training_config.json: --resume with other settings" in msg
    assert "dataset_sha256=" in msg and "lr=0.0002 (now 0.1)" in msg and "r=8 (now 16)" in msg
    # what may change between sessions: steps, epochs, threads, checkpoint spacing
    m = tr.train(_cfg(tiny, data, out, max_steps=5, threads=2, save_every=2, resume=True))
    assert m["steps"] == 5


def test_resume_on_another_base_is_refused(tiny, data, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, out, max_steps=4), progress=_stop_at_2)
    doc = json.loads((out / "training_config.json").read_text())
    doc["base"]["sha256"] = "0" * 64  # as if trained on another model
    (out / "training_config.json").write_text(json.dumps(doc))
    with pytest.raises(InputError, match="--resume on another base model"):
        tr.train(_cfg(tiny, data, out, max_steps=4, resume=True))


def test_the_loss_curve_continues_across_a_resume(tiny, data, tmp_path):
    full = tr.train(_cfg(tiny, data, tmp_path / "full", max_steps=4))
    part = tmp_path / "part"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, part, max_steps=4), progress=_stop_at_2)
    resumed = tr.train(_cfg(tiny, data, part, max_steps=4, resume=True))
    assert [s for s, _ in resumed["loss_curve"]] == [1, 2, 3, 4]
    assert resumed["loss_curve"] == full["loss_curve"]
    # the epoch's train loss covers the whole epoch, not only the steps after the resume
    assert resumed["epochs"][-1]["train_loss"] == full["epochs"][-1]["train_loss"]


def test_a_kill_mid_checkpoint_write_resumes_from_a_whole_one(tiny, data, tmp_path):
    """SIGKILL while a checkpoint is written leaves a half-filled `.checkpoint.*.part`; between the swap's two renames
    it leaves the old one renamed aside. Neither is ever taken for a checkpoint, and both are cleaned up."""
    out = tmp_path / "run"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, out, max_steps=4), progress=_stop_at_2)
    ckpt = out / "checkpoint"
    part = out / ".checkpoint.abc12345.part"  # killed while writing step 3: weights written, no state.json yet
    part.mkdir()
    (part / "adapter_model.safetensors").write_bytes(b"\x00" * 10)
    ckpt.rename(out / ".checkpoint.old-4242")  # killed between the renames of the next swap
    (out / ".adapter.xyz12345.part").mkdir()
    m = tr.train(_cfg(tiny, data, out, max_steps=4, resume=True))
    assert m["steps"] == 4
    full = tmp_path / "full"
    tr.train(_cfg(tiny, data, full, max_steps=4))
    a, b = _adapter(full), _adapter(out)
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_a_rerun_without_resume_keeps_the_checkpoint_of_a_killed_run(tiny, data, tmp_path, capsys):
    """A run killed after its step-2 checkpoint (kill -9 prints no resume hint), run again with the same command:
    refused before torch loads, naming the step and --resume (was: silently started again at step 1 and replaced
    the checkpoint)."""
    from ragtune.cli import main

    out = tmp_path / "run"
    with pytest.raises(_Stop):
        tr.train(_cfg(tiny, data, out, max_steps=4), progress=_stop_at_2)
    state = out / "checkpoint" / "state.json"
    before = {p.name: p.read_bytes() for p in (out / "checkpoint").iterdir()}
    rc = main(["train", "--data", str(data), "--out", str(out), "--base", str(tiny), "--max-steps", "4",
               "--grad-accum", "1", "--save-every", "1", "--threads", "1", "--epochs", "1"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err
    assert (f"{out}: holds a checkpoint at step 2 of an interrupted run: pass --resume to continue it, or choose "
            f"another --out") in err
    assert {p.name: p.read_bytes() for p in (out / "checkpoint").iterdir()} == before
    # the one a kill between a checkpoint swap's two renames left aside is a checkpoint too (--resume takes it)
    (out / "checkpoint").rename(out / ".checkpoint.old-4242")
    with pytest.raises(InputError, match="holds a checkpoint at step 2 of an interrupted run"):
        tr.prepare(_cfg(tiny, data, out, max_steps=4))
    # a damaged state.json: still refused (--resume names the damage), without a step it cannot read
    (out / ".checkpoint.old-4242").rename(out / "checkpoint")
    state.write_text("{oops")
    with pytest.raises(InputError, match=r"run: holds a checkpoint of an interrupted run: pass --resume"):
        tr.prepare(_cfg(tiny, data, out, max_steps=4))
    tr.prepare(_cfg(tiny, data, out, max_steps=4, resume=True))  # with --resume the folder is fine


@contextmanager
def _held_elsewhere(path):
    """`path` flock-held by another live process (a second `ragtune train` writing it) for the block."""
    code = ("import sys\nfrom ragtune.appliance.filelock import exclusive\n"
            "with exclusive(sys.argv[1], directory=True):\n    print('held', flush=True)\n    sys.stdin.read()")
    p = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    try:
        assert p.stdout.readline().strip() == "held"
        yield
    finally:
        p.stdin.close()
        p.wait(timeout=30)


def test_leftovers_are_swept_but_a_live_runs_temporaries_are_kept(tmp_path):
    """A second run (or a --resume started while the first still writes) clears what dead runs left beside the
    checkpoint, never the temporaries a live one holds locked."""
    from ragtune.models.train.runfolder import clean_leftovers

    out = tmp_path / "run"
    (out / "checkpoint").mkdir(parents=True)
    dead = [out / ".checkpoint.dead1234.part", out / ".adapter.dead1234.part", out / ".checkpoint.old-4242"]
    live = [out / ".checkpoint.live1234.part", out / ".adapter.live1234.part"]
    for p in dead + live:
        p.mkdir()
        (p / "adapter_model.safetensors").write_bytes(b"\x00" * 10)
    with _held_elsewhere(live[0]), _held_elsewhere(live[1]):
        clean_leftovers(out / "checkpoint")
        assert sorted(p.name for p in out.iterdir()) == sorted(["checkpoint", *(p.name for p in live)])
        assert all((p / "adapter_model.safetensors").is_file() for p in live)
    clean_leftovers(out / "checkpoint")  # their holder is gone now: leftovers like any other
    assert [p.name for p in out.iterdir()] == ["checkpoint"]


def test_the_adapter_is_staged_in_a_locked_temporary(tmp_path):
    """_save_adapter's private folder is one of atomic's locked temporaries: another run's sweep while it is being
    written leaves it alone (an unlocked mkdtemp was deleted under the writer), a dead one's is swept."""
    from ragtune.models.train.loop import _save_adapter
    from ragtune.models.train.runfolder import clean_leftovers

    out = tmp_path / "run"
    (out / ".adapter.dead1234.part").mkdir(parents=True)  # a kill mid-save, earlier

    class Model:  # writes as peft does, while another run on OUT sweeps
        def save_pretrained(self, path, safe_serialization):
            clean_leftovers(out / "checkpoint")
            (Path(path) / "adapter_model.safetensors").write_bytes(b"weights")
            (Path(path) / "adapter_config.json").write_text("{}")

    _save_adapter(Model(), out)
    assert sorted(p.name for p in out.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert (out / "adapter_model.safetensors").read_bytes() == b"weights"


def test_a_killed_dequantize_leaves_nothing_the_next_cannot_clear(tiny, tmp_path, monkeypatch):
    """A GGUF base is dequantized into a locked temporary beside the cache: a killed run's (multi-GB) copy is swept
    by the next dequantize of that base, which leaves no temporary of its own."""
    import transformers

    from ragtune.models.train.model import hf_dir_for

    tok = transformers.AutoTokenizer.from_pretrained(str(tiny))
    model = transformers.AutoModelForCausalLM.from_pretrained(str(tiny))
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **kw: tok)
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", lambda *a, **kw: model)
    cache = tmp_path / "hf-bases"
    dead = cache / ".0123456789abcdef-hf.dead1234.part"
    dead.mkdir(parents=True)
    (dead / "model.safetensors").write_bytes(b"\x00" * 10)
    (cache / "0123456789abcdef-hf").mkdir()  # an empty folder is no copy: replaced
    got = hf_dir_for({"kind": "gguf", "path": str(tmp_path / "b.gguf"), "sha256": "0123456789abcdef" * 4}, cache)
    assert got == cache / "0123456789abcdef-hf"
    assert (got / "config.json").is_file() and any(got.glob("*.safetensors"))
    assert [p.name for p in cache.iterdir()] == [got.name]


def test_the_dequantize_cache_sweeps_what_older_versions_left(tmp_path):
    """Before round 39 a dequantize wrote an unlocked `SHA16-hf.tmpPID`: a killed run's multi-GB copy stayed for good.
    hf_dir_for clears a dead owner's (even when the finished copy is there: no torch needed), never a live one's; and
    training does this without importing the converters."""
    import os

    from ragtune.models.train.model import hf_dir_for

    cache = tmp_path / "hf-bases"
    done = cache / "0123456789abcdef-hf"
    done.mkdir(parents=True)
    (done / "config.json").write_text("{}")
    (done / "model.safetensors").write_bytes(b"\x00" * 10)
    proc = subprocess.Popen(["true"])
    proc.wait()
    for pid in (proc.pid, os.getpid()):
        (cache / f"0123456789abcdef-hf.tmp{pid}").mkdir()
        (cache / f"0123456789abcdef-hf.tmp{pid}" / "model.safetensors").write_bytes(b"\x00" * 10)
    got = hf_dir_for({"kind": "gguf", "path": str(tmp_path / "b.gguf"), "sha256": "0123456789abcdef" * 4}, cache)
    assert got == done
    assert sorted(p.name for p in cache.iterdir()) == [done.name, f"{done.name}.tmp{os.getpid()}"]
    code = ("import sys\nimport ragtune.models.train.model\n"
            "print(sorted(m for m in sys.modules if m.startswith('ragtune.converters')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


def test_same_seed_same_losses_and_threads_are_honoured(tiny, data, tmp_path):
    a = tr.train(_cfg(tiny, data, tmp_path / "a", max_steps=3, seed=7, dropout=0.1))
    b = tr.train(_cfg(tiny, data, tmp_path / "b", max_steps=3, seed=7, dropout=0.1, threads=2))
    assert torch.get_num_threads() == 2 and b["threads"] == 2
    c = tr.train(_cfg(tiny, data, tmp_path / "c", max_steps=3, seed=8, dropout=0.1))
    assert torch.get_num_threads() == 1
    assert a["loss_curve"] == b["loss_curve"] and a["loss_curve"] != c["loss_curve"]


def test_one_example_and_a_batch_larger_than_the_data(tiny, tmp_path):
    write_curated(tmp_path / "one", _examples(1), [], {"config": {}})
    m = tr.train(_cfg(tiny, tmp_path / "one", tmp_path / "o", batch_size=8, grad_accum=2, epochs=2))
    assert m["steps"] == 2 and m["best_holdout_loss"] is None and (tmp_path / "o" / "adapter_manifest.json").is_file()


def test_examples_over_max_len_are_skipped_counted_and_said(tiny, data, tmp_path, capsys):
    with pytest.raises(InputError, match=r"no training example fits max_len=64 \(the shortest of 6 is \d+ tokens\)"):
        tr.train(_cfg(tiny, data, tmp_path / "short", max_len=64))
    assert not (tmp_path / "short").exists()
    lengths = sorted(len(tr.encode_example(_tok(tiny), ex, 2.0, 2.0)["input_ids"]) for ex in _examples(6))
    out = tmp_path / "cut"
    tr.train(_cfg(tiny, data, out, max_len=lengths[2], max_steps=1))
    tc = json.loads((out / "training_config.json").read_text())
    skipped = sum(n > lengths[2] for n in lengths)
    assert tc["skipped_too_long"] == skipped and tc["train_examples"] == 6 - skipped
    assert f"{skipped} of 6 training" in capsys.readouterr().err


def _tok(tiny):
    import transformers

    tok = transformers.AutoTokenizer.from_pretrained(tiny)
    tr.fix_tokenizer(tok)
    return tok


def test_answers_not_in_their_sources_are_counted(tiny, tmp_path, capsys):
    rows = _examples(3)
    rows[0]["output"] = {"status": "ok", "answer": "Purple elephants", "citations": ["S1"]}
    write_curated(tmp_path / "d", rows, [], {"config": {}})
    tr.train(_cfg(tiny, tmp_path / "d", tmp_path / "o", max_steps=1))
    tc = json.loads((tmp_path / "o" / "training_config.json").read_text())
    assert tc["answers_not_in_cited_sources"] >= 1
    assert "training answers are not found in the sources they cite" in capsys.readouterr().err


@pytest.mark.parametrize("text,error", [
    ('lr = 1e-4\n[train]\nr = 8\n', r"recipe.toml:1: lr outside the \[train\] table"),
    ('[train]\nr = 8\n[trian]\nlr = 3\n', r"recipe.toml:3: unknown key\(s\) or table\(s\): trian"),
])
def test_a_recipe_key_that_would_be_ignored_is_an_error(tmp_path, text, error):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error):
        tr.make_config(recipe)


def test_whole_recipe_keys_match_the_recipes_sections():
    from ragtune.models.recipes import SECTIONS, recipe_path
    from ragtune.models.train.config import WHOLE_RECIPE_KEYS

    assert WHOLE_RECIPE_KEYS == {"name", *SECTIONS}
    assert tr.read_recipe(recipe_path())["r"] == 16  # the shipped recipe still reads


def test_ctrl_c_says_where_the_checkpoint_is(tiny, data, tmp_path, monkeypatch, capsys):
    from ragtune.cli import main
    import ragtune.models.train as trmod
    from ragtune.models.train.loop import train as real_train

    out = tmp_path / "run"

    def interrupted(cfg, **kw):  # Ctrl-C right after the step-2 checkpoint
        with pytest.raises(_Stop):
            real_train(cfg, progress=_stop_at_2)
        raise KeyboardInterrupt
    monkeypatch.setattr(trmod, "train", interrupted)
    rc = main(["train", "--data", str(data), "--out", str(out), "--base", str(tiny), "--max-steps", "4",
               "--grad-accum", "1", "--save-every", "1", "--threads", "1", "--epochs", "1"])
    err = capsys.readouterr().err
    assert rc == 130 and "Traceback" not in err
    assert f"the checkpoint in {out} holds step 2" in err and "--resume" in err
