"""Optional second stage: re-score the fused top candidates.

`[retrieve] rerank` names a registry id of a `reranker` artifact (what `ragtune rerank train` registers), a folder,
"default" (the default: the package's built-in feature model, `ragtune/appliance/rerankers/default/`, trained on the
behaviour corpus's train domains and the pack; no built-in there means no reranking) or "" (off). Two kinds, told
apart by the folder's reranker.json:

- `features` (what `ragtune rerank train` builds by default): a linear model over features of each candidate
  (rerank_features.py), numpy only, a few ms per query;
- a cross-encoder: `model.onnx` + `tokenizer.json` (`ragtune rerank train --kind cross-encoder`, or any
  BERT-style cross-encoder export), run by onnxruntime.

The retriever needs `.score_hits(query, hits, original)` or `.score(query, passages)` (tests plug in fakes) and
reads `.weight`: how much of the final order is the reranker's (see `Retriever.rerank`).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from .errors import ModelError
from .jsonl import loads_located
from .tomltext import with_origin


class Reranker(Protocol):
    def score(self, query: str, passages: Sequence[str]) -> list[float]: ...

    def close(self) -> None: ...


BUILTIN_REF = "default"
ENV = "RAGTUNE_BUILTIN_RERANKERS"


def builtin_dir() -> Path:
    """The built-in reranker's folder: the package's `rerankers/default/`, or `$RAGTUNE_BUILTIN_RERANKERS/default`
    (the tests point it at an empty folder, so the shipped model never changes what they expect)."""
    env = os.environ.get(ENV)
    root = Path(env).expanduser() if env else Path(__file__).resolve().parent / "rerankers"
    return root / BUILTIN_REF


def effective_rerank(ref: str) -> str:
    """What `[retrieve] rerank` amounts to: "default" becomes the built-in's folder once its reranker.json matches
    the sha256 in its manifest.json (a changed file is refused), or "" (off) when the package ships none;
    anything else is returned as it is."""
    if (ref or "").strip() != BUILTIN_REF:
        return ref or ""
    folder = builtin_dir()
    model, manifest = folder / "reranker.json", folder / "manifest.json"
    if not model.is_file():
        return ""
    off = 'set [retrieve] rerank = "" to turn reranking off'
    try:
        meta = loads_located(manifest.read_bytes(), manifest, "not a valid built-in reranker manifest: invalid JSON",
                             error=ModelError, hint=off)
        want = meta["sha256"]
    except (OSError, KeyError, TypeError):
        raise ModelError(f"{manifest}: missing or not a valid built-in reranker manifest", hint=off) from None
    checks = [(model, want)]
    evidence = folder / "evidence.json"  # the pre-generation refusal model fitted with it (evidence.py)
    if evidence.is_file():
        checks.append((evidence, meta.get("evidence_sha256")))
    for f, sha in checks:
        if hashlib.sha256(f.read_bytes()).hexdigest() != sha:
            raise ModelError(f"{f}: does not match the sha256 in {manifest.name}; refusing a changed built-in",
                             hint='reinstall ragtune, or set [retrieve] rerank = "" to turn reranking off')
    return str(folder)


def rerank_folder(ref: str, home: Any) -> str:
    """The folder of the reranker `[retrieve] rerank` puts in use ("" when off): the built-in's, a folder path, or a
    registry reranker's. What sits beside the model (its evidence.json) is looked for there: by the id alone it was
    looked for under the working directory, so a registered reranker's evidence model was never used by `ask`,
    though `eval run` (which hands a scratch home the folder) used it."""
    eff = effective_rerank(ref)
    return str(resolve_reranker(eff, home)) if eff else ""


def names_folder(ref: str) -> bool:
    """Whether `[retrieve] rerank` = REF is a folder path rather than a registry id / name: a "/" or a leading ".",
    or something there (os.path: False for a name the OS cannot look up, which is then looked up as a name)."""
    return "/" in ref or ref.startswith(".") or os.path.exists(os.path.expanduser(ref))


def resolve_reranker(ref: str, home: Any) -> Path:
    """The folder of a rerank model: `ref` is a folder path, or a registry id (prefix) / name of a `reranker`."""
    p = Path(ref).expanduser()
    if names_folder(ref):
        if not p.exists():
            raise with_origin(ModelError(f"{p}: rerank model not found", hint=_not_found_hint(p, home)), ref)
        return p
    from .registry import Registry

    art = Registry(home).get(ref)
    if art.kind != "reranker":
        raise with_origin(ModelError(f"registry artifact {ref} is a {art.kind}, not a reranker"), ref)
    return Path(art.path)


def _not_found_hint(p: Path, home: Any) -> str:
    """A missing folder in the home that the working directory holds: config.toml's relative path named that one
    before it was the home's (config.py `_in_home`); say so, and how to keep it."""
    root = getattr(home, "root", None)
    rel = p.relative_to(root) if root is not None and p.is_relative_to(root) else None
    if rel is not None and rel.parts and os.path.exists(rel):
        here = os.path.abspath(rel)
        return (f"a relative [retrieve] rerank is the home's ({root}), not the working directory's: to use {here}, "
                f"give its absolute path: ragtune config set retrieve.rerank {here}")
    return "[retrieve] rerank is a registry id or a folder with model.onnx + tokenizer.json"


def load_reranker(ref: str, home: Any, *, threads: int = 1) -> Any:
    """The reranker named by `[retrieve] rerank` (registry id/name, folder or "default"), of whichever kind."""
    folder = resolve_reranker(effective_rerank(ref) or ref, home)
    meta = folder / "reranker.json" if folder.is_dir() else None
    kind = None
    if meta is not None and meta.is_file():
        try:
            kind = loads_located(meta.read_bytes(), meta, "not a valid reranker.json: invalid JSON",
                                 error=ModelError).get("kind")
        except (OSError, AttributeError):
            raise ModelError(f"{meta}: not a valid reranker.json") from None
    if kind == "features":
        from .rerank_features import FeatureReranker

        return FeatureReranker(folder)
    return CrossEncoderReranker(folder, threads=threads)


class CrossEncoderReranker:
    """Scores (query, passage) pairs with an ONNX cross-encoder. Output: the single logit, or for two-class
    heads the log-odds of the last ("relevant") class."""

    def __init__(self, model_dir: str | Path, *, threads: int = 1, max_len: int = 512, batch_size: int = 16):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        d = Path(model_dir).expanduser()
        onnx, tok = (d / "model.onnx", d / "tokenizer.json") if d.is_dir() else (d, d.with_name("tokenizer.json"))
        for f in (onnx, tok):
            if not f.is_file():
                raise ModelError(f"{f}: missing (a rerank model is a folder with model.onnx and tokenizer.json)",
                                 hint="set [retrieve] rerank = \"\" to turn reranking off")
        try:
            self.tokenizer = Tokenizer.from_file(str(tok))
        except Exception as exc:
            raise ModelError(f"{tok}: cannot load tokenizer: {exc}") from None
        meta = onnx.parent / "reranker.json"  # written by `ragtune rerank train`: the length it was trained at
        self.weight = 1.0  # the order is the reranker's unless its training fitted an interpolation weight
        if meta.is_file():
            try:
                spec = loads_located(meta.read_bytes(), meta, "not a valid reranker.json: invalid JSON",
                                     error=ModelError)
                max_len = int(spec.get("max_len", max_len))
                self.weight = float(spec.get("weight", 1.0))
            except (OSError, ValueError, TypeError, AttributeError):
                raise ModelError(f"{meta}: not a valid reranker.json") from None
        self.tokenizer.enable_truncation(max_length=max_len, strategy="only_second")
        self.tokenizer.no_padding()
        pad = self.tokenizer.token_to_id("[PAD]")
        self._pad = 0 if pad is None else pad
        from .embed import session_options

        try:
            self._sess = ort.InferenceSession(str(onnx), sess_options=session_options(threads),
                                              providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise ModelError(f"{onnx}: cannot load ONNX model: {exc}") from None
        self._inputs = [i.name for i in self._sess.get_inputs()]
        if "input_ids" not in self._inputs:
            raise ModelError(f"{onnx}: not a cross-encoder export (no 'input_ids' input)")
        self.path = onnx
        self.batch_size = batch_size

    def score(self, query: str, passages: Sequence[str]) -> list[float]:
        if self._sess is None:
            raise ModelError("reranker is closed")
        out: list[float] = []
        for start in range(0, len(passages), self.batch_size):
            encs = self.tokenizer.encode_batch([(query, p) for p in passages[start:start + self.batch_size]])
            width = max(len(e.ids) for e in encs)
            feeds: dict[str, Any] = {
                "input_ids": np.full((len(encs), width), self._pad, dtype=np.int64),
                "attention_mask": np.zeros((len(encs), width), dtype=np.int64),
                "token_type_ids": np.zeros((len(encs), width), dtype=np.int64),
            }
            for r, e in enumerate(encs):
                n = len(e.ids)
                feeds["input_ids"][r, :n] = e.ids
                feeds["attention_mask"][r, :n] = 1
                feeds["token_type_ids"][r, :n] = e.type_ids
            feeds = {k: v for k, v in feeds.items() if k in self._inputs}
            try:
                (logits,) = self._sess.run(None, feeds)[:1]
            except Exception as exc:
                raise ModelError(f"{self.path}: rerank inference failed: {exc}") from None
            logits = np.asarray(logits, dtype=np.float64).reshape(len(encs), -1)
            if logits.shape[1] == 1:
                out.extend(logits[:, 0].tolist())
            else:  # log-odds of the last class against the rest
                last = logits[:, -1]
                rest = np.log(np.exp(logits[:, :-1]).sum(axis=1))
                out.extend((last - rest).tolist())
        return out

    def close(self) -> None:
        self._sess = None  # type: ignore[assignment]
