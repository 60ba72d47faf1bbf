"""`ragtune rerank train` (features): the model learns a signal, the held-out curve is recorded, the interpolation
weight never lets a useless model change the order, candidate files are validated (dev domains refused), and a
run exports, registers and is served through the retriever's rerank hook."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.rerank_features import FEATURES
from ragtune.models import rerank_ltr as ltr

SIGNAL = FEATURES.index("best_sentence")


def _groups(n, *, seed=0, signal=True, source="pack"):
    """Groups of 8 candidates, one relevant; the fused order puts it at a random place, and (signal=True) the
    best_sentence feature points at it through noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        rel = int(rng.integers(0, 8))
        x = rng.normal(size=(8, len(FEATURES)))
        if signal:
            x[rel, SIGNAL] += 2.5
        units = ["gold" if j == rel else f"chunk:{i}-{j}" for j in range(8)]
        out.append({"id": f"{source}/q{i}", "split": "dev" if i % 2 else "test", "units": units,
                    "grades": {"gold": 1}, "fused": [float(8 - j) for j in range(8)], "x": x.round(4).tolist()})
    return out


def test_config_is_validated():
    with pytest.raises(InputError, match="top"):
        ltr.LtrConfig(top=1)
    with pytest.raises(InputError, match="lr"):
        ltr.LtrConfig(lr=0)
    assert ltr.LtrConfig().sha256() != ltr.LtrConfig(epochs=10).sha256()


def test_fit_learns_and_records_the_held_out_curve():
    groups = _groups(200)
    train = [g for g in groups if g["split"] == "test"]
    dev = [g for g in groups if g["split"] == "dev"]
    model = ltr.fit(train, dev, ltr.LtrConfig(epochs=100, eval_every=20), progress=lambda m: None)
    assert [c["epoch"] for c in model["curve"]] == [20, 40, 60, 80, 100]
    assert model["weights"][SIGNAL] == max(model["weights"])  # it found the feature that carries the signal
    weight, grid = ltr.fit_weight(dev, ltr.model_scores(model, dev))
    assert weight > 0.5 and len(grid) == 21
    halves = ltr.report_halves(groups, model, weight)
    assert halves["dev_half"]["hybrid+rerank"]["mrr@10"] > halves["dev_half"]["hybrid"]["mrr@10"] + 0.3


def test_a_useless_model_gets_weight_zero():
    dev = _groups(100, seed=1, signal=False)
    for g in dev:  # the fused order is right: gold first
        g["units"] = ["gold"] + [f"x{j}" for j in range(7)]
    worse = [np.arange(8, dtype=float) for _ in dev]  # a scorer that reverses it
    weight, grid = ltr.fit_weight(dev, worse)
    assert weight == 0.0 and grid[0]["ndcg@10"] == 1.0


def test_fit_needs_usable_questions():
    g = _groups(5)
    with pytest.raises(InputError, match="only 5 training questions"):
        ltr.fit(g, g, ltr.LtrConfig(epochs=2))


def test_candidate_files_are_validated_and_dev_domains_refused(tmp_path, settings):
    bad = tmp_path / "bad.jsonl"
    good = _groups(1)[0]
    bad.write_text(json.dumps(good) + "\n" + json.dumps(dict(good, x=[[1.0]] * 8)) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2: not a rerank candidate group"):
        ltr.read_candidates(bad)
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(g) + "\n" for g in _groups(40, source="corpus/legal")), encoding="utf-8")
    with pytest.raises(InputError, match="dev domain"):
        ltr.run(settings, corpus=[], pack=False, cfg=ltr.LtrConfig(), candidates_in=dev, out=tmp_path / "o")
    with pytest.raises(InputError, match="dev domain"):
        ltr.training_sets(["legal"], pack=False)
    # sweep: a refused source left an empty --out folder behind (made before the sources were checked)
    with pytest.raises(InputError, match="dev domain"):
        ltr.run(settings, corpus=["legal"], pack=False, cfg=ltr.LtrConfig(), out=tmp_path / "o2")
    with pytest.raises(InputError, match="no training source"):
        ltr.run(settings, corpus=[], pack=False, cfg=ltr.LtrConfig(), out=tmp_path / "o3")
    assert not (tmp_path / "o").exists() and not (tmp_path / "o2").exists() and not (tmp_path / "o3").exists()


def test_run_exports_registers_and_serves(tmp_path, settings):
    cands = tmp_path / "c.jsonl"
    cands.write_text("".join(json.dumps(g) + "\n" for g in _groups(200)), encoding="utf-8")
    report = ltr.run(settings, corpus=[], pack=False, cfg=ltr.LtrConfig(epochs=60, eval_every=20),
                     candidates_in=cands, out=tmp_path / "out", progress=lambda m: None)
    assert report["best_epoch"] in (20, 40, 60) and report["weight"] > 0.5
    assert report["halves"]["dev_half"]["hybrid+rerank"]["ndcg@10"] > report["halves"]["dev_half"]["hybrid"]["ndcg@10"]
    assert (tmp_path / "out" / "candidates.jsonl").is_file() and (tmp_path / "out" / "report.json").is_file()
    from ragtune.appliance.registry import Registry
    from ragtune.appliance.rerank import load_reranker
    from ragtune.appliance.rerank_features import FeatureReranker

    art = Registry(settings.home).get(report["id"][:12])
    assert art.kind == "reranker" and art.lineage["dataset_sha256"] == report["dataset_sha256"]
    r = load_reranker(report["id"][:16], settings.home)
    assert isinstance(r, FeatureReranker) and r.weight == report["weight"] and r.top == 20


@pytest.mark.slow
def test_collect_retrieves_judges_and_featurises(tmp_path, settings):
    """The real pipeline (int8 MiniLM embedder, Tantivy) on a tiny BEIR set."""
    from ragtune.appliance.eval.retrieval import beir_set
    from tests.appliance.eval_fakes import write_beir

    root = write_beir(tmp_path / "tiny")
    groups = ltr.collect(settings, [beir_set(root)], tmp_path / "work", top=4, progress=lambda m: None)
    assert len(groups) == 8 and all(len(g["x"]) == len(g["units"]) == len(g["fused"]) <= 4 for g in groups)
    assert all(len(row) == len(FEATURES) for g in groups for row in g["x"])
    assert {g["split"] for g in groups} <= {"dev", "test"} and all(g["id"].startswith(str(root)) for g in groups)
    q1 = next(g for g in groups if g["id"].endswith("/q1"))
    assert q1["grades"] == {"d1": 1} and q1["units"][0] == "d1"  # the Eiffel Tower passage, found first


def test_cli_refuses_options_of_the_other_kind(capsys):
    from ragtune.cli import main

    assert main(["rerank", "train", "--layers", "2", "--no-register"]) == 2
    assert "--layers: not an option of --kind features" in capsys.readouterr().err
    assert main(["rerank", "train", "--kind", "cross-encoder", "--top", "10", "--candidates", "x.jsonl"]) == 2
    assert "--candidates, --top: not an option of --kind cross-encoder" in capsys.readouterr().err
    assert main(["eval", "retrieval", "--corpus", "dev", "--split", "dev", "--tune"]) == 2
    assert "--tune splits the queries itself" in capsys.readouterr().err


def test_an_out_under_a_file_is_an_input_error(settings, tmp_path):
    """Sweep: `rerank train --out FILE/sub` ended in an internal error (NotADirectoryError)."""
    (tmp_path / "f").write_text("x")
    groups = tmp_path / "groups.jsonl"
    groups.write_text("".join(json.dumps(g) + "\n" for g in _groups(40)), encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot create this folder: .*f is a file"):
        ltr.run(settings, corpus=[], pack=False, cfg=ltr.LtrConfig(), candidates_in=groups, out=tmp_path / "f" / "o")
