"""`ragtune convert soup`: the weighted average of two GGUF LoRAs, exact as one LoRA of rank rA + rB."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home
from ragtune.appliance.merged import merge_into
from ragtune.appliance.registry import Registry
from ragtune.converters.soup import soup

from tests.gguf_helpers import write_tensors

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")

RNG = np.random.default_rng(1)
W = RNG.standard_normal((64, 96)).astype(np.float32)
TARGETS = ("blk.0.attn_q.weight", "blk.0.ffn_up.weight")


def _lora(path, r, alpha, seed, targets=TARGETS):
    """A GGUF LoRA; alpha None writes none (llama.cpp then scales by 1)."""
    rng = np.random.default_rng(seed)
    t = {}
    for n in targets:
        t[n + ".lora_a"] = (rng.standard_normal((r, 96)) * 0.1).astype(np.float16)
        t[n + ".lora_b"] = (rng.standard_normal((64, r)) * 0.1).astype(np.float16)
    kv = {"general.type": "adapter", "adapter.type": "lora"}
    if alpha is not None:
        kv["adapter.lora.alpha"] = alpha
    return write_tensors(path, t, **kv), t


def _delta(tensors, alpha, name):
    a, b = (np.asarray(tensors[f"{name}.lora_{x}"], dtype=np.float32) for x in "ab")
    return (alpha / a.shape[0]) * (b @ a)


def _read(path):
    r = gguf.GGUFReader(str(path))
    return {t.name: np.asarray(t.data, dtype=np.float32) for t in r.tensors}, float(
        r.fields["adapter.lora.alpha"].contents())


@pytest.mark.parametrize("ranks", [((4, 8.0), (4, 8.0)), ((4, 8.0), (2, 8.0))])
def test_the_soup_is_the_weighted_sum_of_the_two_updates(tmp_path, ranks):
    (ra, aa), (rb, ab) = ranks
    pa, ta = _lora(tmp_path / "a.gguf", ra, aa, 1)
    pb, tb = _lora(tmp_path / "b.gguf", rb, ab, 2)
    res = soup(pa, pb, tmp_path / "s.gguf", weight=0.3, registry=Registry(Home(tmp_path / "home")))
    got, alpha = _read(res.out)
    for n in TARGETS:
        want = 0.7 * _delta(ta, aa, n) + 0.3 * _delta(tb, ab, n)
        assert got[n + ".lora_a"].shape == (ra + rb, 96)
        assert np.abs(_delta(got, alpha, n) - want).max() < 1e-3 * np.abs(want).max()
    if ra == rb:
        assert alpha == 16.0  # the shared scale alpha/r = 2 is kept
    cfg = json.loads(res.out.with_name("s.gguf.json").read_text())
    assert cfg["stage"] == "soup" and cfg["weight"] == 0.3 and cfg["rank"] == [ra, rb]
    assert res.artifact.kind == "lora-gguf"


def test_a_lora_without_alpha_scales_by_one_as_llama_cpp_does(tmp_path):
    pa, ta = _lora(tmp_path / "a.gguf", 4, None, 1)
    pb, tb = _lora(tmp_path / "b.gguf", 4, 8.0, 2)
    res = soup(pa, pb, tmp_path / "s.gguf", weight=0.5, registry=Registry(Home(tmp_path / "home")))
    got, alpha = _read(res.out)
    for n in TARGETS:
        want = 0.5 * _delta(ta, 4.0, n) + 0.5 * _delta(tb, 8.0, n)  # no alpha: alpha = r, scale 1
        assert np.abs(_delta(got, alpha, n) - want).max() < 1e-3 * np.abs(want).max()


def test_weight_zero_serves_a_and_the_soup_merges(tmp_path):
    pa, ta = _lora(tmp_path / "a.gguf", 4, 8.0, 1, targets=("blk.0.attn_q.weight",))
    pb, _ = _lora(tmp_path / "b.gguf", 4, 8.0, 2, targets=("blk.0.attn_q.weight",))
    res = soup(pa, pb, tmp_path / "s.gguf", weight=0.0, registry=Registry(Home(tmp_path / "home")))
    base = write_tensors(tmp_path / "base.gguf", {"blk.0.attn_q.weight": W}, **{"general.name": "tiny"})
    assert merge_into(base, res.out, tmp_path / "m.gguf") == 1
    t = next(t for t in gguf.GGUFReader(str(tmp_path / "m.gguf")).tensors if t.name == "blk.0.attn_q.weight")
    got = gguf.quants.dequantize(t.data, t.tensor_type)
    want = W + _delta(ta, 8.0, "blk.0.attn_q.weight")
    assert np.abs(got - want).max() < np.abs(want).max() / 100  # Q8_0


def test_the_soup_is_written_through_a_locked_temporary(tmp_path):
    """A killed soup's temporary beside OUT (`.s.gguf.<8>.part`) is swept by the next soup into OUT; the soup leaves
    none of its own (no unlocked `.ragtune-soup-*` folder a kill would leave for good)."""
    pa, _ = _lora(tmp_path / "a.gguf", 4, 8.0, 1)
    pb, _ = _lora(tmp_path / "b.gguf", 4, 8.0, 2)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".s.gguf.dead1234.part").write_bytes(b"GGUF half")
    soup(pa, pb, out / "s.gguf", registry=Registry(Home(tmp_path / "home")), copy=False)
    assert sorted(p.name for p in out.iterdir()) == ["s.gguf", "s.gguf.json"]


def test_mismatched_or_bad_inputs_are_clear_errors(tmp_path):
    reg = Registry(Home(tmp_path / "home"))
    pa, _ = _lora(tmp_path / "a.gguf", 4, 8.0, 1)
    pb, _ = _lora(tmp_path / "b.gguf", 4, 8.0, 2, targets=TARGETS[:1])
    with pytest.raises(InputError, match="adapt different weights"):
        soup(pa, pb, tmp_path / "s.gguf", registry=reg)
    base = write_tensors(tmp_path / "base.gguf", {"blk.0.attn_q.weight": W}, **{"general.name": "tiny"})
    with pytest.raises(InputError, match="not a LoRA adapter"):
        soup(pa, base, tmp_path / "s.gguf", registry=reg)
    with pytest.raises(InputError, match="between 0 and 1"):
        soup(pa, pa, tmp_path / "s.gguf", weight=1.5, registry=reg)
    with pytest.raises(InputError, match="must end in .gguf"):
        soup(pa, pa, tmp_path / "s.bin", registry=reg)


def test_cli_soup(tmp_path, capsys):
    from ragtune.cli import main

    pa, _ = _lora(tmp_path / "a.gguf", 4, 8.0, 1)
    pb, _ = _lora(tmp_path / "b.gguf", 4, 8.0, 2)
    home = ["--home", str(tmp_path / "home")]
    rc = main([*home, "convert", "soup", str(pa), str(pb), "--weight", "0.25", "--out", str(tmp_path / "s.gguf"),
               "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["kind"] == "lora-gguf" and out["config"]["weight"] == 0.25
    rc = main([*home, "convert", "soup", str(pa), str(pb), "--weight", "0.5", "--out", str(tmp_path / "h.gguf")])
    cap = capsys.readouterr()
    ident = cap.out.split()[0]
    assert rc == 0 and f"next: ragtune ask --adapter {ident[:12]}" in cap.err  # says how the new adapter is served
    assert f"ragtune models activate {ident[:12]}" in cap.err
    rc = main([*home, "convert", "soup", str(pa), str(tmp_path / "missing.gguf"), "--out", str(tmp_path / "t.gguf")])
    err = capsys.readouterr().err
    assert rc != 0 and err.startswith("error: ") and "Traceback" not in err


def test_an_old_soups_unlocked_work_folder_is_swept_when_a_day_old(tmp_path):
    """Soups before round 39 worked in an unlocked `.ragtune-soup-XXXXXXXX` folder a kill left for good: the next soup
    into that folder removes one nothing touched for a day (a young one may be a live older ragtune's: kept)."""
    import time

    pa, _ = _lora(tmp_path / "a.gguf", 4, 8.0, 1)
    pb, _ = _lora(tmp_path / "b.gguf", 4, 8.0, 2)
    out = tmp_path / "out"
    for name in (".ragtune-soup-old12345", ".ragtune-soup-young123"):
        (out / name).mkdir(parents=True)
        (out / name / "s.gguf").write_bytes(b"GGUF half")
    day_ago = time.time() - 2 * 86400
    for p in (out / ".ragtune-soup-old12345" / "s.gguf", out / ".ragtune-soup-old12345"):
        os.utime(p, (day_ago, day_ago))
    soup(pa, pb, out / "s.gguf", registry=Registry(Home(tmp_path / "home")), copy=False)
    assert sorted(p.name for p in out.iterdir()) == [".ragtune-soup-young123", "s.gguf", "s.gguf.json"]
