"""`ragtune rerank train`: pair files are validated, dev domains are refused, and a tiny run trains, exports ONNX
(int8 only when it holds accuracy), registers with lineage and is served through the appliance's rerank hook."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import InputError
from ragtune.models import rerank_train as rt


def _groups(n):
    out = []
    for i in range(n):
        out.append({"id": f"pack/a{i:03d}", "question": f"When does depot {i} open?",
                    "positives": [f"Depot {i}\nDepot {i} opens at {6 + i % 5}:00 on weekdays."],
                    "negatives": [f"Gate {i}\nGate {i} is staffed by two guards.",
                                  f"Canteen {i}\nThe canteen serves soup.", f"Car park {i}\nParking is free."]})
    return out


def test_config_is_validated():
    with pytest.raises(InputError, match="layers"):
        rt.RerankTrainConfig(layers=9)
    assert rt.RerankTrainConfig().sha256() == rt.RerankTrainConfig(threads=7).sha256()  # threads: speed, not what


def test_pairs_files_are_validated_and_dev_domains_refused(tmp_path, settings):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "q", "positives": [], "negatives": ["n"]}) + "\n")
    with pytest.raises(InputError, match=r"bad.jsonl:1: not a rerank pair group"):
        rt.read_pairs(bad)
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(dict(g, id=f"corpus/legal/{g['id']}")) + "\n" for g in _groups(30)))
    with pytest.raises(InputError, match="dev domain"):
        rt.run(settings, corpus=[], pack=False, cfg=rt.RerankTrainConfig(), pairs_in=dev)
    with pytest.raises(InputError, match="dev domain"):
        rt.sources(["legal"], pack=False)


@pytest.mark.train
@pytest.mark.slow
def test_tiny_training_run_exports_registers_and_serves(tmp_path, settings):
    pytest.importorskip("torch", reason="needs the [train] extra")
    pytest.importorskip("onnx", reason="needs the [train] extra (onnx, for the export)")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(g) + "\n" for g in _groups(60)))
    cfg = rt.RerankTrainConfig(layers=1, epochs=1, max_len=48, negatives=2, groups_per_step=4, lr=1e-4)
    report = rt.run(settings, corpus=[], pack=False, cfg=cfg, out=tmp_path / "out", pairs_in=pairs)
    assert report["quantization"] in ("int8", "none") and set(report["mrr_held_out_onnx"]) == {"onnx_fp32", "onnx_int8"}
    model = tmp_path / "out" / "model"
    assert {p.name for p in model.iterdir()} >= {"model.onnx", "tokenizer.json", "reranker.json"}
    from ragtune.appliance.registry import Registry
    from ragtune.appliance.rerank import CrossEncoderReranker, resolve_reranker

    art = Registry(settings.home).get(report["id"][:12])
    assert art.kind == "reranker" and art.lineage["dataset_sha256"] == report["dataset_sha256"]
    assert art.lineage["base_id"] == report["base_sha256"] and "training_config_sha256" in art.lineage
    folder = resolve_reranker(report["id"][:12], settings.home)
    r = CrossEncoderReranker(folder)
    scores = r.score("When does depot 3 open?", ["Depot 3\nDepot 3 opens at 9:00 on weekdays.", "Gate 3\nGate 3."])
    assert len(scores) == 2 and all(isinstance(s, float) for s in scores)


@pytest.mark.train
@pytest.mark.slow
def test_an_export_that_fails_leaves_no_half_model_folder(tmp_path, monkeypatch):
    """The model folder appears whole or not at all: an export that dies after model.onnx (here: at reranker.json)
    leaves neither a model.onnx without its reranker.json nor a temporary."""
    pytest.importorskip("torch", reason="needs the [train] extra")
    pytest.importorskip("onnx", reason="needs the [train] extra (onnx, for the export)")
    real = rt.atomic_write_json

    def dies_at_meta(dest, obj, **kw):
        if dest.name == "reranker.json":
            raise OSError(28, "No space left on device")
        return real(dest, obj, **kw)

    monkeypatch.setattr(rt, "atomic_write_json", dies_at_meta)
    cfg = rt.RerankTrainConfig(layers=1, epochs=1, max_len=32, negatives=1, groups_per_step=4, lr=1e-4)
    with pytest.raises(OSError, match="No space"):
        rt.train(cfg, _groups(24), tmp_path / "run" / "model")
    assert list((tmp_path / "run").iterdir()) == []
