"""The pre-generation evidence check: its features, its file, the shipped one."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.evidence import FEATURES, EvidenceModel, features, for_reranker, load
from ragtune.appliance.types import Hit
from ragtune.models.evidence_fit import auc, choose_cut, fit_logistic


def _hit(text, rerank=2.0):
    return Hit(chunk_id=1, doc_id=1, text=text, source="d.md", rerank=rerank)


def test_features_look_for_one_sentence_holding_the_question_words():
    hits = [_hit("The strikes started in 1926. Miners walked out in May.", 3.0), _hit("Bread is baked daily.", 1.0)]
    f = features("when did the 1926 strike start", hits)
    assert f == {"best_sentence": 1.0, "top_rerank": 3.0, "number_missing": 0.0}  # 5-letter stems: strikes/strike
    f = features("when did the 1921 strike start", hits)
    assert f["best_sentence"] == pytest.approx(2 / 3) and f["number_missing"] == 1.0  # the year is nowhere
    assert features("when did it begin", []) is None
    assert features("the of and", hits) is None  # no content word
    assert features("1926 strike", [_hit("The strike of 1926.", None)]) is None  # reranking off


def test_number_missing_reads_numbers_as_numbers():
    hits = [_hit("The shortfall for the June quarter was £1,175. See clause 4.2 and the 2021–22 accounts.")]
    assert features("unit shortfall 1175", hits)["number_missing"] == 0.0  # thousands separators
    assert features("clause 4 of the 2021 accounts", hits)["number_missing"] == 0.0  # parts of 4.2, 2021–22
    assert features("clause 5 of the accounts", hits)["number_missing"] == 1.0
    assert features("which clause covers the accounts", hits)["number_missing"] == 0.0  # no number asked


def _write(tmp_path, **over):
    spec = {"format": 1, "features": ["best_sentence", "top_rerank"], "mean": [0.5, 5.0], "scale": [0.2, 2.0], "weights": [1.0, 0.5],
            "bias": 0.5, "cut": 0.0}
    spec.update(over)
    p = tmp_path / "evidence.json"
    p.write_text(json.dumps(spec), encoding="utf-8")
    return p


def test_model_scores_and_decides(tmp_path):
    m = load(_write(tmp_path))  # a model over two of the features (the round-3 file) still loads and decides
    assert m.names == ("best_sentence", "top_rerank")
    assert m.score({"best_sentence": 0.5, "top_rerank": 5.0}) == pytest.approx(0.5)
    ok, s = m.holds("1926 strike", [_hit("The 1926 strike.", 9.0)])
    assert ok and s > 0
    ok, s = m.holds("1926 strike", [_hit("Bread and butter.", 0.0)])
    assert not ok and s <= 0
    assert m.holds("1926 strike", [])[0]  # nothing to judge: not refused here (no_sources handles it)
    assert for_reranker(str(tmp_path)) == m and for_reranker("") is None and for_reranker(str(tmp_path / "x")) is None


@pytest.mark.parametrize("over, msg", [({"format": 2}, "not an evidence model"), ({"features": ["x"]}, "not an evidence"),
                                       ({"features": ["top_rerank", "top_rerank"]}, "not an evidence"),
                                       ({"scale": [0.0, 1.0]}, "positive"), ({"weights": [1.0]}, "2 numbers"),
                                       ({"cut": "low"}, "'cut'"), ({"extra": 1}, "unknown keys")])
def test_bad_files_name_themselves(tmp_path, over, msg):
    with pytest.raises(ModelError, match=msg):
        load(_write(tmp_path, **over))
    (tmp_path / "evidence.json").write_text("{\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"evidence.json:2: invalid evidence model JSON"):
        load(tmp_path / "evidence.json")
    (tmp_path / "evidence.json").write_bytes(b'{\n"format": "\xff"}')
    with pytest.raises(ModelError, match=r"evidence.json:2: cannot read the evidence model: not UTF-8"):
        load(tmp_path / "evidence.json")


def test_fit_and_cut_on_separable_data():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.65
    x = np.stack([np.where(y, 0.7, 0.4) + rng.normal(0, 0.1, 400), rng.normal(5, 2, 400)], axis=1)
    mean, scale, w, b = fit_logistic(x, y.astype(float))
    scores = ((x - mean) / scale) @ w + b
    assert auc(scores, y) > 0.9 and w[0] > 0
    cut = choose_cut(scores, y, 0.5)
    refused = scores <= cut
    assert (~y[refused]).mean() >= 0.5 and refused[~y].mean() > 0.8
    assert choose_cut(scores, np.ones(400, dtype=bool), 0.5) is None  # nothing unanswerable: no cut


def test_the_shipped_evidence_model_is_checked_with_the_builtin(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    import ragtune.appliance.rerank as rr

    monkeypatch.delenv("RAGTUNE_BUILTIN_RERANKERS", raising=False)
    folder = Path(rr.__file__).resolve().parent / "rerankers" / "default"
    m = for_reranker(rr.effective_rerank("default"))
    assert isinstance(m, EvidenceModel) and m.names == FEATURES
    w = dict(zip(m.names, m.weights))
    assert w["best_sentence"] > 0 and w["top_rerank"] > 0 and w["number_missing"] < 0  # a missing number: less
    shutil.copytree(folder, tmp_path / "r" / "default")
    monkeypatch.setenv("RAGTUNE_BUILTIN_RERANKERS", str(tmp_path / "r"))
    ev = tmp_path / "r" / "default" / "evidence.json"
    ev.write_text(ev.read_text(encoding="utf-8").replace('"cut": ', '"cut": -1', 1), encoding="utf-8")
    with pytest.raises(ModelError, match="evidence.json: does not match"):
        rr.effective_rerank("default")
