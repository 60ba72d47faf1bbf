"""`eval retrieval --tune`: the fusion grid is searched on the dev half, reported on test, and written into the
config (validated, atomically, only when it beats the current setting on dev)."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import RetrieveConfig, load_settings
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.eval.fusion_tune import tune, write_fusion


class FakeRetriever:
    """BM25 is confident and right; the vector list is flat and puts a wrong chunk first."""

    cfg = RetrieveConfig(fusion="rrf", bm25_weight=1.0, vector_weight=3.0, rrf_k=60, original_query_weight=0.0)

    def bm25(self, text, limit):
        i = int(text.split()[-1])
        return [(10 * i + 1, 12.0), (10 * i + 2, 3.0), (10 * i + 3, 2.9)][:limit]

    def vector(self, vec, limit):
        i = int(vec)
        return [(10 * i + 2, 0.41), (10 * i + 1, 0.40), (10 * i + 3, 0.40)][:limit]


def _ctx(n=40):
    queries = [{"_id": f"q{i}", "text": f"question {i}"} for i in range(n)]
    return {"retriever": FakeRetriever(), "queries": queries,
            "texts": {q["_id"]: (q["text"], q["text"]) for q in queries},
            "qvec": {q["text"]: float(q["text"].split()[-1]) for q in queries},
            "qrels": {f"q{i}": {f"d{10 * i + 1}": 1} for i in range(n)},
            "doc_of": {10 * i + j: f"d{10 * i + j}" for i in range(n) for j in (1, 2, 3)}, "units": {}}


def test_tune_picks_on_dev_and_reports_test_and_baselines():
    res = tune(_ctx())
    assert res["queries"]["dev"] + res["queries"]["test"] == 40
    assert res["best"]["dev"]["ndcg@10"] == pytest.approx(1.0) and res["best"]["test"]["ndcg@10"] == pytest.approx(1.0)
    assert res["current"]["dev"]["ndcg@10"] < 1.0  # vector-heavy RRF follows the flat, wrong list
    assert {"plain_rrf", "plain_rrf_original_text", "single", "grid"} <= set(res)
    assert res["single"]["bm25"]["all"]["ndcg@10"] == pytest.approx(1.0)


def test_write_fusion_updates_only_retrieve_and_validates(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('[generate]\nthreads = 1\n\n[retrieve]\nk = 4\n', encoding="utf-8")
    res = tune(_ctx())
    written = write_fusion(cfg, res)
    assert written is not None and set(written) == {"fusion", "bm25_weight", "vector_weight", "rrf_k",
                                                    "original_query_weight"}
    s = load_settings(cfg)
    assert s.retrieve.k == 4 and s.generate.threads == 1 and s.retrieve.fusion == written["fusion"]
    assert "[embed]" not in cfg.read_text()  # defaults are not spelled out
    # not better on dev -> nothing written
    same = dict(res, current=res["best"])
    assert write_fusion(cfg, same) is None
    # a broken config is refused, not overwritten
    cfg.write_text("[retrieve]\nk = 99\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        write_fusion(cfg, res)
    assert cfg.read_text() == "[retrieve]\nk = 99\n"


def test_write_fusion_keeps_the_files_comments_and_mode(tmp_path):
    """Sweep: `eval retrieval --tune` rewrote the config from its parsed values: every comment (all of a `config
    init` file) was lost, and a 0600 file holding [serve] tokens came back world-readable."""
    cfg = tmp_path / "config.toml"
    cfg.write_text('# my notes\n[retrieve]\n# k = 3\nk = 4  # four sources\n\n[serve]\n'
                   'tokens = ["me:aaaaaaaaaaaaaaaaaaaaaaaa"]\n', encoding="utf-8")
    cfg.chmod(0o600)
    written = write_fusion(cfg, tune(_ctx()))
    text = cfg.read_text()
    assert written and "# my notes" in text and "# k = 3" in text and "k = 4  # four sources" in text
    assert cfg.stat().st_mode & 0o777 == 0o600
    s = load_settings(cfg)
    assert s.retrieve.k == 4 and all(getattr(s.retrieve, k) == v for k, v in written.items())
