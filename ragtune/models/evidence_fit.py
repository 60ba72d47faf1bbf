"""`ragtune rerank fit-evidence`: fit the pre-generation refusal model (ragtune/appliance/evidence.py) on the
behaviour corpus's train domains, through the served retriever and reranker.

1. The train domains are exported as a BEIR folder and ingested into a scratch home (reused while the corpus and
   the ingest settings are unchanged), and every labelled question is retrieved with the settings in use (k,
   fusion, the reranker the model will be paired with).
2. `evidence.features` of each served context; a logistic regression (standardised features, L2, full-batch
   gradient descent) predicts "answerable".
3. The cut: the largest set of lowest-scored questions whose share of unanswerable ones is at least
   `min_precision` (0.5: refusing them is right more often than wrong). Written with its lineage as evidence.json.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ragtune.appliance.atomic import atomic_write_json
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import InputError
from ragtune.appliance.evidence import FEATURES, EvidenceModel, features


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 3000, lr: float = 0.1
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, weights, bias) of a logistic regression of y over standardised x."""
    mean, scale = x.mean(0), x.std(0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (x - mean) / scale
    w, b = np.zeros(z.shape[1]), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(z @ w + b)))
        g = p - y
        w -= lr * (z.T @ g / len(y) + l2 * w)
        b -= lr * float(g.mean())
    return mean, scale, w, b


def choose_cut(scores: np.ndarray, answerable: np.ndarray, min_precision: float) -> float | None:
    """The highest score s such that the questions scored <= s are at least `min_precision` unanswerable."""
    order = np.argsort(scores, kind="stable")
    unans = np.cumsum(~answerable[order])
    share = unans / np.arange(1, len(order) + 1)
    ok = np.nonzero(share >= min_precision)[0]
    ok = ok[ok >= 4]  # never a cut from a handful of questions
    return None if not len(ok) else float(scores[order[ok[-1]]])


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    return float(((neg[None, :] < pos[:, None]).sum() + 0.5 * (neg[None, :] == pos[:, None]).sum())
                 / (len(pos) * len(neg)))


def collect(settings: Settings, corpus: list[str], *, limit: int | None = None, seed: int = 0
            ) -> list[dict[str, Any]]:
    """Features of the served context of each labelled question of the corpus domains."""
    from ragtune.appliance.normalize import normalise_question
    from ragtune.appliance.eval.datasets import load_beir, sample
    from ragtune.appliance.eval.scratch import corpus_home, corpus_is_ingested, mark_corpus_ingested
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest import ingest_paths
    from ragtune.appliance.retrieve import Retriever
    from ragtune.models.corpus import select
    from ragtune.models.corpus.export import export_beir

    with tempfile.TemporaryDirectory(prefix="ragtune-evidence-") as tmp:
        export_beir(select(corpus), Path(tmp))
        ds = load_beir(Path(tmp))
        home = Home(corpus_home(settings, ds.corpus))
        s = dataclasses.replace(settings, home=home).replace("retrieve", cache=False)
        if not corpus_is_ingested(s, ds.corpus):
            ingest_paths(s, [ds.corpus])
            mark_corpus_ingested(s, ds.corpus)
    items = sample(ds.items, limit, seed) if limit else ds.items
    rows = []
    with Retriever(s) as r:
        if r.reranker is None:
            raise InputError("the evidence model needs a reranker", hint='set [retrieve] rerank (default "default")')
        for it in items:
            q, nq = normalise_question(it["question"])
            res = r.retrieve(q, use_cache=False, normalized=nq)
            f = features(nq, res.hits)
            if f is not None:
                rows.append({"qid": it["qid"], "answerable": bool(it["answerable"]), **f})
    return rows


def run(settings: Settings, *, corpus: list[str], out: Path, min_precision: float = 0.5, limit: int | None = None
        ) -> dict[str, Any]:
    """Collect, fit, choose the cut, write `out` (evidence.json). Returns the report."""
    t0 = time.perf_counter()
    rows = collect(settings, corpus, limit=limit)
    y = np.array([r["answerable"] for r in rows], dtype=bool)
    if len(rows) < 20 or y.all() or not y.any():
        raise InputError(f"{len(rows)} questions with features: need answerable and unanswerable ones")
    x = np.array([[r[f] for f in FEATURES] for r in rows], dtype=np.float64)
    mean, scale, w, b = fit_logistic(x, y.astype(np.float64))
    scores = ((x - mean) / scale) @ w + b
    cut = choose_cut(scores, y, min_precision)
    if cut is None:
        raise InputError(f"no cut reaches a refusal precision of {min_precision} on these questions")
    refused = scores <= cut
    report = {
        "questions": len(rows), "unanswerable": int((~y).sum()), "auc": round(auc(scores, y), 4),
        "refused_share": round(float(refused.mean()), 4),
        "refusal_precision": round(float((~y[refused]).mean()), 4),
        "refusal_recall": round(float(refused[~y].mean()), 4),
        "corpus": corpus, "min_precision": min_precision, "k": settings.retrieve.k,
        "reranker": settings.retrieve.rerank,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    model = EvidenceModel(tuple(round(float(v), 6) for v in mean), tuple(round(float(v), 6) for v in scale),
                          tuple(round(float(v), 6) for v in w), round(float(b), 6), round(cut, 6))
    atomic_write_json(out, model.to_json(fitted=report))
    report["out"] = str(out)
    return report


__all__ = ["auc", "choose_cut", "collect", "fit_logistic", "run"]
