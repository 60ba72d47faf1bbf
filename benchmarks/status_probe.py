"""Refusal signals beyond P(refused): a probe on the hidden state, the recorded signals weighed together (rounds 32
and 33; a study, and the fit of the built-in refusal model).

    python benchmarks/status_probe.py record DATASET OUT.jsonl [--split test] [--limit 400] [--seed 0]
    python benchmarks/status_probe.py study FIT.jsonl [...] [--features hidden|scalars|scalars+sentence]
                                            [--judge HELD.jsonl ...] [--write refusal_model.json]

`record` answers DATASET once "open", as `eval calibrate` does (arm C, the built-in adapter, extractive, threshold
1.0, no confidence floor, the evidence check open, no refusal model: every question reaches the model and gets its
answer) and keeps, for every question, the eval item, its result (P(refused), the evidence score, the least token
log-probability) and the final layer's hidden state (after the output norm: what the LM head reads) at the step
where the status value is decided. It swaps in small wrappers (the context's embeddings output on, a recorder
around the sampler's status step and around each asked question).

`study` fits a ridge-regularised logistic model on the FIT records (label: the open answer is wrong, i.e. an
unanswerable question answered or an answerable one answered wrong; only "ok" answers, the ones a refusal rule can
still change) over `hidden` (the 576-d state: a probe), `scalars` (logit P(refused), evidence score, least token
log-probability) or `scalars+sentence` (those and the answer's sentence share, refusal_model.answer_sentence: the
served refusal model's inputs), the penalty and threshold chosen by 5-fold cross-validation there, and reports on
the JUDGE records (never seen by the fit): AUC of the model, of P(refused) and of the evidence score, and task success of
the served rule (threshold 0.6, evidence cut 0.0) against the model's rule (P(refused) not cut, the same evidence
cut), paired question by question. `--write` (scalars+sentence) writes the fit as a refusal model
(ragtune/appliance/refusal_model.py; a built-in adapter manifest's `serving.refusal_model`). Fit on the behaviour
corpus' train domains only (the model is trained: never on ../shared/eval or the dev domains). benchmarks/README.md,
"Answer quality, rounds 32 and 33".
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def record(dataset: str, out: Path, split: str | None, limit: int | None, seed: int, concurrency: int) -> None:
    import numpy as np

    import ragtune.appliance.eval.run as run_mod
    import ragtune.appliance.generate as gen_mod
    import ragtune.appliance.sampler as smp_mod
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.eval.calibrate import OPEN
    from ragtune.appliance.eval.run import EvalOptions, run_eval

    local = threading.local()
    hidden: dict[str, list[float] | None] = {}
    serve, run, status, ask_arm = (gen_mod.LlamaGenerator._serve, gen_mod.LlamaGenerator._run,
                                   smp_mod.Sampler._status, run_mod.ask_arm)

    def serve_embd(self: Any, llm: Any) -> None:
        serve(self, llm)
        self._lc.llama_set_embeddings(llm.ctx, True)  # the last token's hidden state beside its logits

    def run_rec(self: Any, *a: Any, **k: Any) -> Any:
        local.gen = self
        return run(self, *a, **k)

    def status_rec(self: Any, logits: Any, tok: int) -> int:
        before = self.p_refused
        out_tok = status(self, logits, tok)
        if before is None and self.p_refused is not None and getattr(local, "hidden", 0) is None:
            g = local.gen  # the first decode's status step only (extra candidates decode with "ok" forced)
            ptr = g._lc.llama_get_embeddings_ith(g._ctx, -1)
            local.hidden = np.ctypeslib.as_array(ptr, shape=(g._llm.n_embd(),)).astype(float).round(4).tolist()
        return out_tok

    def ask_rec(engine: Any, arm: Any, item: dict[str, Any], **kw: Any) -> dict[str, Any]:
        local.hidden = None
        res = ask_arm(engine, arm, item, **kw)
        hidden[item["qid"]] = local.hidden
        return res

    gen_mod.LlamaGenerator._serve, gen_mod.LlamaGenerator._run = serve_embd, run_rec
    smp_mod.Sampler._status, run_mod.ask_arm = status_rec, ask_rec
    got: dict[str, Any] = {}

    def keep(items: list[dict[str, Any]], stored: dict[tuple[str, str], dict[str, Any]]) -> None:
        got["pairs"] = [(it, stored[("C", it["qid"])]) for it in items if ("C", it["qid"]) in stored]

    settings = load_settings()
    settings = settings.replace("generate", min_answer_logprob="off", evidence_cut=OPEN, refusal_model="off")
    opts = EvalOptions(arms="C", adapter="default", limit=limit, seed=seed, split=split, mode="extractive",
                       refusal_threshold=1.0, concurrency=concurrency, out=out.parent / f"run-{out.stem}")
    run_eval(settings, dataset, opts, engine_factory=AnswerEngine, results=keep)
    with out.open("w", encoding="utf-8") as fh:
        for it, res in got.get("pairs", []):
            fh.write(json.dumps({"qid": it["qid"], "item": it, "result": res, "hidden": hidden.get(it["qid"])}) + "\n")
    print(f"{len(got.get('pairs', []))} records, {sum(v is not None for v in hidden.values())} with a hidden state")


# -- the study ------------------------------------------------------------------------------------------------

def _load(paths: list[Path]) -> list[dict[str, Any]]:
    return [json.loads(line) for p in paths for line in p.open(encoding="utf-8")]


def _correct(rec: dict[str, Any], result: dict[str, Any]) -> bool | None:
    from ragtune.appliance.eval import metrics

    return metrics.score_item(rec["item"], result, f1_threshold=0.5)["correct"]


def _auc(score: list[float], y: list[int]) -> float:
    import numpy as np

    from ragtune.models.evidence_fit import auc

    return auc(np.asarray(score, dtype=float), np.asarray(y, dtype=bool))


def _fit(X: Any, y: Any, lam: float) -> tuple[Any, float]:
    """Ridge logistic regression by Newton steps (X standardised; the intercept is not penalised). Not
    evidence_fit.fit_logistic: its fixed-step gradient descent diverges at the penalties a 576-number probe needs."""
    import numpy as np

    n, d = X.shape
    Z = np.hstack([X, np.ones((n, 1))])
    w = np.zeros(d + 1)
    pen = np.full(d + 1, lam)
    pen[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-Z @ w))
        g = Z.T @ (p - y) + pen * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(pen) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return w[:-1], float(w[-1])


def _logit(p: float) -> float:
    from ragtune.appliance.refusal_model import logit

    return logit(p)


def _sentence(r: dict[str, Any]) -> float:
    """The served answer_sentence of a recorded answer (eval.calibrate.recorded_answer: as serving reads it)."""
    from ragtune.appliance.eval.calibrate import recorded_answer
    from ragtune.appliance.refusal_model import answer_sentence

    return answer_sentence(*recorded_answer(r["item"], r["result"]))


FEATURES = {
    # the final layer's state at the status value (576 numbers for SmolLM2-135M)
    "hidden": lambda r: r["hidden"],
    # what every answer already records: the model's P(refused) (as a logit), the evidence score, the least token
    # log-probability of the answer
    "scalars": lambda r: [_logit(float(r["result"].get("p_refused") or 0.0)),
                          float(r["result"].get("evidence_score") or 0.0),
                          float(r["result"].get("answer_min_logprob") or 0.0)],
}
# and the answer's sentence share: the served refusal model's inputs (ragtune/appliance/refusal_model.py)
FEATURES["scalars+sentence"] = lambda r: FEATURES["scalars"](r) + [_sentence(r)]

PENALTIES = {"hidden": (1.0, 10.0, 100.0, 1000.0, 10000.0), "scalars": (0.01, 1.0, 10.0),
             "scalars+sentence": (0.01, 1.0, 10.0)}


def study(train: list[Path], judge: list[Path], features: str = "hidden", folds: int = 5,
          write: Path | None = None) -> None:
    import numpy as np

    from ragtune.appliance.eval.calibrate import outcome
    from ragtune.appliance.eval.paired import sign_test_p

    feat = FEATURES[features]

    def usable(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in recs if r["hidden"] is not None and r["result"].get("status") == "ok"]

    tr_all = _load(train)
    tr = usable(tr_all)
    X = np.array([feat(r) for r in tr], dtype=float)
    y = np.array([0 if _correct(r, r["result"]) else 1 for r in tr], dtype=float)
    mu, sd = X.mean(0), X.std(0) + 1e-6
    Xs = (X - mu) / sd
    fold = np.random.default_rng(0).permutation(len(tr)) % folds
    print(f"features {features}; train: {len(tr_all)} records, {len(tr)} answered, {int(y.sum())} of them wrong")
    best = None
    for lam in PENALTIES[features]:
        oof = np.zeros(len(tr))
        for f in range(folds):
            w, b = _fit(Xs[fold != f], y[fold != f], lam)
            oof[fold == f] = 1 / (1 + np.exp(-(Xs[fold == f] @ w + b)))
        auc = _auc(oof.tolist(), y.astype(int).tolist())
        print(f"  penalty {lam:g}: out-of-fold AUC {auc:.3f}")
        if best is None or auc > best[0]:
            best = (auc, lam, oof)
    assert best is not None
    _, lam, oof = best
    p_ref = [float(r["result"].get("p_refused") or 0.0) for r in tr]
    print(f"  P(refused) AUC on the same answers: {_auc(p_ref, y.astype(int).tolist()):.3f}")
    oof_by = {r["qid"]: float(p) for r, p in zip(tr, oof)}

    def served(recs: list[dict[str, Any]], probs: dict[str, float], t: float | None, tp: float = 0.6) -> list[bool]:
        """Right or wrong per question: the served rule (P(refused) > tp, evidence cut 0.0), then, with `t`, the
        probe's refusal of an "ok" answer whose P(wrong) exceeds it."""
        out = []
        for r in recs:
            res = outcome(r["result"], tp, None, 0.0)
            if t is not None and res.get("status") == "ok" and probs.get(r["qid"], 0.0) > t:
                res = {**res, "status": "refused", "answer": "", "cited_ids": [], "refusal_reason": "probe"}
            c = _correct(r, res)
            if c is not None:
                out.append(bool(c))
        return out

    # The threshold: the best out-of-fold task success over all fit records (refusals by other checks stay).
    grid = [round(0.05 * i, 2) for i in range(4, 20)]
    ts, t = max((sum(served(tr_all, oof_by, g, tp=1.0)) / len(tr_all), g) for g in grid)
    print(f"  chosen: penalty {lam:g}, threshold {t} (out-of-fold task success {ts:.3f}; served rule "
          f"{sum(served(tr_all, {}, None)) / len(tr_all):.3f})")
    w, b = _fit(Xs, y, lam)
    if write is not None:  # the served form (ragtune/appliance/refusal_model.py)
        from ragtune.appliance.refusal_model import FEATURES as SERVED, parse

        if features != "scalars+sentence":
            raise SystemExit("--write: only the scalars+sentence model is served")
        obj = {"features": list(SERVED), "mean": [round(float(v), 6) for v in mu],
               "scale": [round(float(v), 6) for v in sd], "weights": [round(float(v), 6) for v in w],
               "bias": round(b, 6), "threshold": t}
        parse(obj)
        write.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")
        print(f"  wrote {write}")
    pooled = [0, 0]
    for path in judge:
        recs = _load([path])
        ok = usable(recs)
        probs = {r["qid"]: float(1 / (1 + np.exp(-(((np.array(feat(r)) - mu) / sd) @ w + b)))) for r in ok}
        yj = [0 if _correct(r, r["result"]) else 1 for r in ok]
        aucs = {name: _auc([f(r) for r in ok], yj) for name, f in (
            ("probe", lambda r: probs[r["qid"]]), ("P(refused)", lambda r: float(r["result"].get("p_refused") or 0)),
            ("evidence (neg.)", lambda r: -float(r["result"].get("evidence_score") or 0)))}
        base, new = served(recs, {}, None), served(recs, probs, t, tp=1.0)
        up = sum(n and not o for o, n in zip(base, new))
        down = sum(o and not n for o, n in zip(base, new))
        pooled[0] += up
        pooled[1] += down
        print(f"{path.name}: {len(recs)} records, {len(ok)} answered ({sum(yj)} wrong); AUC "
              + ", ".join(f"{k} {v:.3f}" for k, v in aucs.items()))
        print(f"  task success served (0.6 / off / 0.0) {100 * sum(base) / len(base):.1f} % -> probe at {t} "
              f"{100 * sum(new) / len(new):.1f} % (+{up} / -{down}, p {sign_test_p(up, down):.3g})")
    if judge:
        print(f"pooled: +{pooled[0]} / -{pooled[1]}, p {sign_test_p(*pooled):.3g}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("dataset")
    rec.add_argument("out", type=Path)
    rec.add_argument("--split", default=None)
    rec.add_argument("--limit", type=int, default=None)
    rec.add_argument("--seed", type=int, default=0)
    rec.add_argument("--concurrency", type=int, default=2)
    st = sub.add_parser("study")
    st.add_argument("train", type=Path, nargs="+")
    st.add_argument("--judge", type=Path, nargs="+", default=[])
    st.add_argument("--features", choices=sorted(FEATURES), default="hidden")
    st.add_argument("--write", type=Path, default=None, help="the scalars+sentence fit as a refusal model JSON")
    a = ap.parse_args()
    if a.cmd == "record":
        record(a.dataset, a.out, a.split, a.limit, a.seed, a.concurrency)
    else:
        study(a.train, a.judge, a.features, write=a.write)


if __name__ == "__main__":
    main()
