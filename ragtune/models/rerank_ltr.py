"""`ragtune rerank train` (kind `features`, the default): the learned reranker of the retriever's rerank stage.

1. **Candidates** (`collect`): the behaviour corpus's TRAIN domains (dev domains are refused: they are the
   generalisation measurement) and the sample pack are each ingested into a work home of their own (a corpus of
   its own, as a user's is), and every answerable question is retrieved with the served hybrid (the settings in
   use, rerank off). Its top `top` fused candidates become one group: their features
   (`appliance.rerank_features.candidate_features`), their fused scores, and their judged units (relevant =
   a chunk of the gold document that holds the answer, `dataset.holds_answer`, as `eval retrieval --corpus`).
2. **Split** by a hash of the question id (`eval.ranking.split_of`, the split `eval retrieval --tune` uses):
   the "test" half trains the model, the "dev" half picks the training length and the interpolation weight.
3. **Model**: linear over standardised features, listwise softmax cross-entropy (the relevant candidates share
   the target mass), full-batch Adam with L2, numpy only. Every `eval_every` epochs the dev half's nDCG@10 and
   MRR@10 are recorded (the held-out curve); the best epoch's weights are kept (stop at the plateau).
4. **Weight**: `w` in 0, 0.05, ..., 1 maximising the dev half's nDCG@10 of `(1-w) z(fused) + w z(model)`
   (`fusion.interpolate`, what the retriever computes); ties go to the smaller `w` (closer to the hybrid). A
   model that does not help gets `w` = 0 and cannot change the order.
5. **Export**: `OUT/model/reranker.json` (features, standardisation, weights, `weight`, `top`), registered as a
   `reranker` artifact; lineage: the candidates file's sha256 and the training config's sha256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ragtune.appliance.atomic import atomic_write_json, make_dir
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import InputError
from ragtune.appliance.eval.ranking import dedupe_docs, mean_metrics, query_metrics, split_of
from ragtune.appliance.fusion import interpolate, zscores
from ragtune.appliance.rerank_features import FEATURES, model_spec

WEIGHT_GRID = tuple(round(0.05 * i, 2) for i in range(21))


@dataclass
class LtrConfig:
    top: int = 20  # fused candidates per question (what the served rerank_top should be)
    epochs: int = 400  # full-batch steps; the best on the dev half is kept
    lr: float = 0.05
    l2: float = 1e-3
    eval_every: int = 25

    def __post_init__(self) -> None:
        checks = [(isinstance(self.top, int) and 2 <= self.top <= 200, "top must be 2..200"),
                  (isinstance(self.epochs, int) and 1 <= self.epochs <= 100_000, "epochs must be 1..100000"),
                  (0 < self.lr < 10, "lr must be in (0, 10)"), (0 <= self.l2 < 10, "l2 must be in [0, 10)"),
                  (isinstance(self.eval_every, int) and self.eval_every >= 1, "eval_every must be >= 1")]
        for ok, msg in checks:
            if not ok:
                raise InputError(f"rerank train: {msg}")

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.asdict(self), sort_keys=True).encode()).hexdigest()


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def training_sets(corpus: list[str], pack: bool) -> list[Any]:
    """RetrievalSets to learn from: the corpus domains named (train split only), one set, and the pack."""
    from ragtune.models.corpus.retrieval import corpus_set, pack_set

    sets = [corpus_set(corpus, allow_dev=False)] if corpus else []
    if pack:
        sets.append(pack_set())
    if not sets:
        raise InputError("rerank train: no training source (give --corpus and/or keep --pack)")
    return sets


def _source_of(rset: Any, query: dict[str, Any]) -> str:
    domain = query.get("metadata", {}).get("domain")
    return f"corpus/{domain}" if domain else rset.name


def collect(settings: Settings, sets: list[Any], home: Path, *, top: int = 20,
            progress: Callable[[str], None] = _log) -> list[dict[str, Any]]:
    """One group per answerable question (see the module doc); each set in its own home under `home`."""
    from ragtune.appliance.eval.retrieval import prepared
    from ragtune.appliance.rerank_features import candidate_features

    s = settings.replace("retrieve", rerank="")
    groups: list[dict[str, Any]] = []
    for rset in sets:
        t0 = time.perf_counter()
        sub = Path(home) / re.sub(r"[^A-Za-z0-9_.-]+", "-", rset.name)
        with prepared(s, rset, home=sub, quiet=True) as ctx:
            retr = ctx["retriever"]
            use_orig = retr.cfg.original_query_weight > 0
            for q in ctx["queries"]:
                qid = q["_id"]
                nq, raw = ctx["texts"][qid]
                orig = raw if use_orig and raw != nq else None
                cands = retr.rank(nq, mode="hybrid", query_vector=ctx["qvec"][nq], original=orig,
                                  original_vector=ctx["qvec"][orig] if orig else None)[:top]
                if not cands:
                    continue
                over = ctx["units"].get(qid) or {}
                units = [str(over.get(h.chunk_id) or ctx["doc_of"].get(h.chunk_id) or f"chunk:{h.chunk_id}")
                         for h in cands]
                x = candidate_features(nq, cands, orig)
                groups.append({"id": f"{_source_of(rset, q)}/{qid}", "split": split_of(qid), "units": units,
                               "grades": ctx["qrels"][qid], "fused": [round(h.fused, 6) for h in cands],
                               "x": np.round(x, 6).tolist()})
        progress(f"{rset.name}: {len(ctx['queries'])} questions retrieved in {time.perf_counter() - t0:.0f}s")
    return groups


def read_candidates(path: Path) -> list[dict[str, Any]]:
    """Groups written by an earlier run (`candidates.jsonl`), validated line by line."""
    from ragtune.appliance.jsonl import iter_jsonl

    groups = []
    for where, _n, g in iter_jsonl(path):
        ok = (isinstance(g, dict) and isinstance(g.get("id"), str) and g.get("split") in ("dev", "test")
              and isinstance(g.get("units"), list) and isinstance(g.get("fused"), list) and isinstance(g.get("x"), list)
              and isinstance(g.get("grades"), dict) and len(g["units"]) == len(g["fused"]) == len(g["x"]) > 0
              and all(isinstance(r, list) and len(r) == len(FEATURES) for r in g["x"]))
        if not ok:
            raise InputError(f"{where}: not a rerank candidate group (id, split, units, grades, fused, "
                             f"x rows of {len(FEATURES)} features)")
        groups.append(g)
    return groups


# -- model ------------------------------------------------------------------------------------------------------

def _metrics(groups: list[dict[str, Any]], scores: list[np.ndarray]) -> dict[str, float]:
    per = []
    for g, s in zip(groups, scores):
        order = sorted(range(len(s)), key=lambda i: (-s[i], i))
        ranked = dedupe_docs(range(len(order)), {j: g["units"][i] for j, i in enumerate(order)})
        per.append(query_metrics(ranked, g["grades"]))
    return mean_metrics(per)


def _pack(groups: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded [G, top, F] features, [G, top] target distributions and a [G, top] mask of real candidates."""
    top = max(len(g["x"]) for g in groups)
    x = np.zeros((len(groups), top, len(FEATURES)))
    t = np.zeros((len(groups), top))
    m = np.zeros((len(groups), top), dtype=bool)
    for i, g in enumerate(groups):
        n = len(g["x"])
        x[i, :n] = g["x"]
        rel = np.array([g["grades"].get(u, 0) > 0 for u in g["units"]], dtype=float)
        t[i, :n] = rel / rel.sum() if rel.any() else 0.0
        m[i, :n] = True
    return x, t, m


def fit(train: list[dict[str, Any]], dev: list[dict[str, Any]], cfg: LtrConfig,
        progress: Callable[[str], None] = _log) -> dict[str, Any]:
    """Train the linear listwise model (see the module doc). Returns mean, scale, weights, curve, best epoch."""
    useful = [g for g in train if 0 < sum(g["grades"].get(u, 0) > 0 for u in g["units"]) < len(g["units"])]
    if len(useful) < 10:
        raise InputError(f"rerank train: only {len(useful)} training questions have a relevant and a "
                         "non-relevant candidate (need >= 10)")
    x, t, m = _pack(useful)
    rows = x[m]
    mean, scale = rows.mean(0), rows.std(0)
    scale[scale < 1e-6] = 1.0
    z = (x - mean) / scale * m[..., None]
    w = np.zeros(len(FEATURES))
    adam_m, adam_v = np.zeros_like(w), np.zeros_like(w)
    curve: list[dict[str, Any]] = []
    best = (-1.0, 0, w.copy())
    for epoch in range(1, cfg.epochs + 1):
        s = np.where(m, z @ w, -np.inf)
        p = np.exp(s - s.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        loss = float(-(t * np.log(np.where(m, p, 1.0) + 1e-12)).sum(1).mean())
        grad = np.einsum("gk,gkf->f", p - t, z) / len(useful) + cfg.l2 * w
        adam_m = 0.9 * adam_m + 0.1 * grad
        adam_v = 0.999 * adam_v + 0.001 * grad * grad
        w = w - cfg.lr * (adam_m / (1 - 0.9 ** epoch)) / (np.sqrt(adam_v / (1 - 0.999 ** epoch)) + 1e-8)
        if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
            dm = _metrics(dev, [((np.asarray(g["x"]) - mean) / scale) @ w for g in dev])
            curve.append({"epoch": epoch, "train_loss": round(loss, 4), "dev_ndcg@10": dm["ndcg@10"],
                          "dev_mrr@10": dm["mrr@10"]})
            progress(f"epoch {epoch}: train loss {loss:.4f}, dev-half nDCG@10 {dm['ndcg@10']:.4f} MRR@10 {dm['mrr@10']:.4f}")
            if dm["ndcg@10"] > best[0]:
                best = (dm["ndcg@10"], epoch, w.copy())
    return {"mean": mean, "scale": scale, "weights": best[2], "best_epoch": best[1], "curve": curve,
            "train_questions": len(useful)}


def model_scores(model: dict[str, Any], groups: list[dict[str, Any]]) -> list[np.ndarray]:
    return [((np.asarray(g["x"]) - model["mean"]) / model["scale"]) @ model["weights"] for g in groups]


def fit_weight(groups: list[dict[str, Any]], scores: list[np.ndarray]) -> tuple[float, list[dict[str, Any]]]:
    """The interpolation weight with the best nDCG@10 on `groups` (ties: the smaller), and the whole grid."""
    grid = []
    for w in WEIGHT_GRID:
        final = [interpolate(g["fused"], s, w) for g, s in zip(groups, scores)]
        grid.append({"weight": w, **_metrics(groups, final)})
    best = max(grid, key=lambda r: (r["ndcg@10"], -r["weight"]))
    return best["weight"], grid


def report_halves(groups: list[dict[str, Any]], model: dict[str, Any], weight: float) -> dict[str, Any]:
    """nDCG/recall/MRR of the fused order, the model alone and the interpolation over the top list, on the dev
    half (it chose the epoch and the weight) and the train half ("test" by `split_of`; the model learned it)."""
    out = {}
    for name, half in (("dev_half", "dev"), ("train_half", "test")):
        gs = [g for g in groups if g["split"] == half]
        if not gs:
            continue
        sc = model_scores(model, gs)
        out[name] = {"questions": len(gs), "hybrid": _metrics(gs, [zscores(g["fused"]) for g in gs]),
                     "model": _metrics(gs, sc),
                     "hybrid+rerank": _metrics(gs, [interpolate(g["fused"], s, weight) for g, s in zip(gs, sc)])}
    return out


def _is_dev_source(source: str) -> bool:
    from ragtune.models.corpus import load_domains

    if not source.startswith("corpus/"):
        return False
    d = load_domains().get(source.split("/", 1)[1])
    return d is None or d.split == "dev"


def run(settings: Settings, *, corpus: list[str], pack: bool, cfg: LtrConfig, out: Path | None = None,
        home: Path | None = None, candidates_in: Path | None = None, register: bool = True,
        progress: Callable[[str], None] = _log) -> dict[str, Any]:
    """The whole `ragtune rerank train`: collect candidates (or read `candidates_in`), fit, export, register."""
    import tempfile

    from ragtune.appliance.hashing import sha256_file
    from ragtune.models.dataset import write_jsonl

    t0 = time.perf_counter()
    # the sources are checked before OUT is made: a typo in --corpus leaves no empty folder behind
    if candidates_in is not None:
        groups = read_candidates(Path(candidates_in))
        dev_src = sorted({g["id"].rsplit("/", 1)[0] for g in groups if _is_dev_source(g["id"].rsplit("/", 1)[0])})
        if dev_src:
            raise InputError(f"{candidates_in}: holds questions of a dev domain ({', '.join(dev_src)}): never train on them")
    else:
        sets = training_sets(corpus, pack)
    out = make_dir(Path(out) if out else settings.home.root / "rerankers" / time.strftime("%Y%m%d-%H%M%S"))
    cand_file = out / "candidates.jsonl"
    if candidates_in is not None:
        from ragtune.appliance.spool import shown_name

        report: dict[str, Any] = {"candidates_from": shown_name(candidates_in)}  # a pipe as given, not its spool
        if Path(candidates_in).resolve() != cand_file.resolve():
            write_jsonl(cand_file, groups)
    else:
        with tempfile.TemporaryDirectory(prefix="ragtune-rerank-home-") as tmp:
            work = Path(home) if home else Path(tmp)
            groups = collect(settings, sets, work, top=cfg.top, progress=progress)
        report = {"sources": [r.name for r in sets]}
        write_jsonl(cand_file, groups)
    report["collect_seconds"] = round(time.perf_counter() - t0, 1)
    train = [g for g in groups if g["split"] == "test"]
    dev = [g for g in groups if g["split"] == "dev"]
    if len(dev) < 10:
        raise InputError(f"rerank train: only {len(dev)} questions in the dev half (need >= 10)")
    t1 = time.perf_counter()
    model = fit(train, dev, cfg, progress=progress)
    weight, grid = fit_weight(dev, model_scores(model, dev))
    report.update({"questions": {"train_half": len(train), "dev_half": len(dev), "trained_on": model["train_questions"]},
                   "best_epoch": model["best_epoch"], "curve": model["curve"], "weight": weight, "weight_grid": grid,
                   "halves": report_halves(groups, model, weight), "fit_seconds": round(time.perf_counter() - t1, 1)})
    progress(f"best epoch {model['best_epoch']}, interpolation weight {weight} (dev half)")
    model_dir = out / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(model_dir / "reranker.json", model_spec(
        model["mean"], model["scale"], model["weights"], weight=weight, top=cfg.top,
        trained={"sources": sorted({g["id"].rsplit("/", 1)[0] for g in groups}), "questions": len(train),
                 "best_epoch": model["best_epoch"]}))
    report["config"] = dataclasses.asdict(cfg)
    report["dataset_sha256"] = sha256_file(cand_file)
    report["model_sha256"] = sha256_file(model_dir / "reranker.json")
    if register:
        from ragtune.appliance.registry import Registry

        art = Registry(settings.home).add(model_dir, "reranker", name="rerank-features", licence="Apache-2.0",
                                          dataset_sha256=report["dataset_sha256"],
                                          training_config_sha256=cfg.sha256())
        report["id"] = art.id
        report["path"] = str(art.path)
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_json(out / "report.json", report)
    return report
