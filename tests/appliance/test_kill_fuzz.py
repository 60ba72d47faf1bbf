"""Crash consistency under SIGKILL: "bad input or a crash never loses or corrupts stored data", checked by killing
real `ragtune` processes (kill_fuzz_helpers.py runs them) at seeded random moments and at the natural points of
their writes (every store commit, atomic rename, Tantivy commit, migration, embedding batch).

A chain of writers runs on one corpus: ingest; re-ingest after edits; `ingest --prune` after deletions; a search
that brings the vector index up to date; `docs remove`; `config set`; `models add`; `models activate`. Each step runs
once cleanly (the reference: its time, its kill-points, its end state), then on copies of the step's starting home,
killed. After each kill: every read command answers (or refuses in words), the rerun of the killed command
completes, and the end state equals the reference (documents with their sha256 and chunk counts, search results by
chunk identity, config file, registry), with SQLite, Tantivy and the vector index in step, and nothing left behind:
a temporary the kill left is gone after a plain open of the home for writing, before any read or rerun (the first
open in a process sweeps the home: home.sweep_leftovers), and after the rerun. The default run kills six times
(under a minute); RAGTUNE_FUZZ_KILLS=N runs every step and spreads N kills over them (half at seeded random delays
in [0, 1.2 x the clean run's time], half at kill-points drawn from every one the clean run passed) and prints where
they landed (RAGTUNE_FUZZ_REPORT=FILE writes it there too).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from . import kill_fuzz_helpers as kf

REPO = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("RAGTUNE_FUZZ_SEED", "39"))
MODELS = Path("~/.cache/ragtune/models").expanduser()


def _embedder_available() -> bool:
    """The default MiniLM ONNX where the subprocesses look for it (the conftest's model cache is empty)."""
    from ragtune.appliance import default_models
    from ragtune.appliance.config import EmbedConfig
    from ragtune.appliance.errors import ModelError

    before = os.environ.get("RAGTUNE_MODELS")
    os.environ["RAGTUNE_MODELS"] = str(MODELS)
    try:
        default_models.locate_all(EmbedConfig().model, verify=False)
        return True
    except ModelError:
        return False
    finally:
        if before is None:
            os.environ.pop("RAGTUNE_MODELS")
        else:
            os.environ["RAGTUNE_MODELS"] = before


pytestmark = [
    pytest.mark.skipif(os.name != "posix" or not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)"),
    pytest.mark.slow,
]


@dataclass
class Step:
    name: str
    argv: Callable[["Chain"], list[str]]
    prepare: Callable[["Chain"], None] | None = None
    done_again: str | None = None  # the rerun's refusal when the killed run had finished (`docs remove`)


@dataclass
class Chain:
    root: Path
    env: dict[str, str]
    base: Path  # the home the next step starts from
    docs: Path
    reference: dict[str, Any] = field(default_factory=dict)
    gguf: Path | None = None
    n_homes: int = 0

    def home(self, tag: str) -> Path:
        self.n_homes += 1
        dest = self.root / f"h{self.n_homes:03d}-{tag}"
        shutil.copytree(self.base, dest, symlinks=True)
        return dest

    def run(self, home: Path, argv: list[str], *, kill_at: str | None = None, delay: float | None = None,
            timeout: float = 120) -> tuple[bool, list, float, str]:
        """The command, hooked (kill_fuzz_helpers `run`); SIGKILLed after `delay` seconds or at `kill_at`.
        (killed, trace, seconds, stderr)."""
        trace = home.parent / f"{home.name}.trace"
        env = dict(self.env, RAGTUNE_HOME=str(home), **{kf.TRACE_ENV: str(trace)})
        if kill_at:
            env[kf.KILL_ENV] = kill_at
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "tests.appliance.kill_fuzz_helpers", "run", *argv], cwd=REPO,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = p.communicate(timeout=delay if delay is not None else timeout)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            _, err = p.communicate()
        seconds = time.perf_counter() - t0
        killed = p.returncode == -signal.SIGKILL
        assert killed or p.returncode == 0, (argv, p.returncode, err.decode()[-2000:])
        return killed, kf.parse_trace(trace.read_text() if trace.exists() else ""), seconds, err.decode()

    def check(self, home: Path, spec: dict[str, Any]) -> dict[str, Any]:
        spec = dict(spec, home=str(home), out=str(home.parent / f"{home.name}.check.json"))
        spec_file = home.parent / f"{home.name}.spec.json"
        spec_file.write_text(json.dumps(spec))
        env = dict(self.env, RAGTUNE_HOME=str(home), RAGTUNE_DEBUG="1")
        r = subprocess.run([sys.executable, "-m", "tests.appliance.kill_fuzz_helpers", "check", str(spec_file)],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        return json.loads(Path(spec["out"]).read_text())


READS = [["docs", "list", "--json"], ["search", "x", "--json"], ["config", "show"], ["models", "list"]]


def _first_ingest(c: Chain) -> None:
    kf.write_corpus(c.docs, SEED)
    c.base.mkdir(parents=True)
    # the ANN backend at any size: searches keep HOME/vectors in step (ingest leaves it to them below 5,000 chunks)
    (c.base / "config.toml").write_text('[retrieve]\nvector_search = "ann"\n', encoding="utf-8")


def _lagging_vectors(c: Chain) -> None:
    """One more document ingested with no search after it: the next search updates the vector index."""
    (c.docs / "late.md").write_text("# Late\n\nZeppelins over the quartz harbour, kelvaro at dusk.\n")
    killed, _, _, err = c.run(c.base, ["ingest", str(c.docs / "late.md")])
    assert not killed, err


def _gguf(c: Chain) -> None:
    from tests.gguf_helpers import write_gguf

    c.gguf = write_gguf(c.root / "adapter.gguf", tag="kill-fuzz")


def _remove_refs(c: Chain) -> list[str]:
    paths = [d[0] for d in c.reference["documents"]]
    one = next(p for p in paths if "/sub/" not in p and not p.endswith("doc00.md"))
    return ["docs", "remove", str(c.docs / "sub"), one]


STEPS = {
    "ingest": Step("ingest", lambda c: ["ingest", str(c.docs)], _first_ingest),
    "reingest": Step("reingest", lambda c: ["ingest", str(c.docs)],
                     lambda c: kf.edit_corpus(c.docs, SEED + 1, delete=False)),
    "prune": Step("prune", lambda c: ["ingest", "--prune", str(c.docs)],
                  lambda c: kf.edit_corpus(c.docs, SEED + 2, delete=True)),
    "search": Step("search", lambda c: ["search", kf.QUERIES[0], "--json"], _lagging_vectors),
    "remove": Step("remove", _remove_refs, done_again="no ingested document matches"),
    "config": Step("config", lambda c: ["config", "set", "retrieve.k", "5"]),
    "models-add": Step("models-add", lambda c: ["models", "add", "--kind", "lora-gguf", "--copy", str(c.gguf)], _gguf),
    "activate": Step("activate", lambda c: ["models", "activate",
                                            hashlib.sha256(c.gguf.read_bytes()).hexdigest()[:16]]),  # type: ignore
}
# The default run: one random moment in the longest writer, then a named kill-point in each step ((prefix, at):
# the first point of the clean run whose `point:when` is `prefix`, or the one at that share of them).
FAST: dict[str, list[tuple[str, float] | None]] = {
    "ingest": [None, ("txn:after", 0.5)],  # None: a seeded random delay. Half the documents committed, no Tantivy
    "prune": [("lexcommit:after", 0)],  # Tantivy committed, its sync marker not yet written
    "remove": [("txn:after", 0)],  # the rows gone from SQLite, Tantivy not yet told
    "config": [("replace:before", 0)],  # the new file written in full, not yet renamed
    "models-add": [("replace:after", 0)],  # the blob in place, its manifest not yet written
}


def _named_point(points: list[str], prefix: str, at: float) -> str:
    matching = [p for p in points if p.startswith(prefix + ":")]
    return matching[min(int(at * len(matching)), len(matching) - 1)]


# Temporaries a kill before their rename leaves behind, which nothing reads: atomic.py's `.NAME.<random>.part` (and
# `.NAME.old-PID` of a folder swap), lexical.py's `synced.json.tmp` and Tantivy's own `.tmpXXXXXX` (its atomic meta
# writes). Litter, listed in the report, and a failure when the home's next open for writing (its sweep) or the rerun
# leaves it there.
LITTER = re.compile(r"^(\..+\.[A-Za-z0-9_]+\.part|\..+\.old-[0-9]+|synced\.json\.tmp|\.tmp[A-Za-z0-9]{6})$")


@dataclass
class Trial:
    step: str
    how: str  # "delay 0.41s" or the kill-point
    stage: str
    problems: list[str]
    litter: list[str] = field(default_factory=list)  # what the kill left (the rerun must clear it: _problems)


def _problems(step: Step, res: dict[str, Any], reference: dict[str, Any]) -> list[str]:
    bad = [p for r in res["reads"] if (p := kf.read_problem(r))]
    rr = res["rerun"]
    if rr["traceback"] or rr["rc"] != 0 and not (step.done_again and rr["rc"] == 2 and step.done_again in rr["err"]):
        bad.append(f"rerun {rr['argv']}: rc {rr['rc']}: {(rr['traceback'] or rr['err'])[-800:]}")
    bad += [f"temporary file left after an open for writing: {f}" + (" (litter its sweep should have cleared)"
            if LITTER.match(Path(f).name) else "") for f in res["leftovers_after_open"] or []]
    bad += [f"temporary file left: {f}" + (" (litter the rerun should have cleared)" if LITTER.match(Path(f).name)
                                            else "") for f in res["leftovers_after_rerun"]]
    bad += [f"invariant: {p}" for p in res["invariants"]]
    for key, want in reference.items():
        got = res["snapshot"][key]
        if isinstance(want, dict):  # the search results: only the queries that differ
            got, want = ({q: v for q, v in d.items() if got.get(q) != want.get(q)} for d in (got, want))
        elif key == "documents" and isinstance(got, list) and isinstance(want, list):  # only the rows that differ
            got, want = [r for r in got if r not in want], [r for r in want if r not in got]
        if got != want:
            bad.append(f"end state differs from a clean run's in {key}: {got!r} != {want!r}"[:3000])
    return bad


def fuzz(root: Path, plan: dict[str, list[tuple[str, float] | None]], seed: int) -> tuple[list[Trial], dict]:
    """Run the chain of `plan`'s steps, killing each as its list says (None: after a seeded random delay; (prefix,
    at): at a kill-point, _named_point; "any": one drawn from all). The trials and, per step, the clean run's
    seconds and number of kill-points."""
    rng = random.Random(seed)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAGTUNE_KILL")}
    env.update(RAGTUNE_MODELS=str(MODELS), PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    env.pop("RAGTUNE_DEBUG", None)
    chain = Chain(root, env, root / "base", root / "docs")
    trials: list[Trial] = []
    info: dict[str, Any] = {}
    for name, kills in plan.items():
        step = STEPS[name]
        if step.prepare:
            step.prepare(chain)
        argv = step.argv(chain)
        ref_home = chain.home(f"{name}-ref")
        killed, trace, seconds, err = chain.run(ref_home, argv)
        assert not killed, err
        points = kf.kill_points(trace)
        ref = chain.check(ref_home, {"reads": [], "rerun": argv, "order": "rerun-first"})  # rerun: a no-op
        assert not _problems(step, ref, ref["snapshot"]), _problems(step, ref, ref["snapshot"])
        chain.reference = ref["snapshot"]
        info[name] = {"seconds": round(seconds, 2), "kill_points": len(points)}
        for i, kill in enumerate(kills):
            home = chain.home(f"{name}-{i}")
            if kill is None or not points:
                delay = rng.uniform(0, 1.2 * seconds)
                killed, trace, _, _ = chain.run(home, argv, delay=delay)
                how = f"delay {delay:.2f}s"
            else:
                at = rng.choice(points) if kill[0] == "any" else _named_point(points, *kill)
                killed, trace, _, _ = chain.run(home, argv, kill_at=at)
                how = f"kill-point {at}"
            order = rng.choice(["reads-first", "rerun-first"])  # the repair by a reader, or by the rerun
            res = chain.check(home, {"reads": READS, "rerun": argv, "order": order})
            opened = res["leftovers_after_open"]
            litter = [f + ("" if f in res["leftovers_after_rerun"] else " (cleared by the rerun)" if opened is None
                           or f in opened else " (cleared by the open)") for f in res["leftovers_after_kill"]]
            trials.append(Trial(name, how, kf.stage_of(trace, killed), _problems(step, res, chain.reference), litter))
            if not trials[-1].problems:  # a failing trial's home stays for a look
                shutil.rmtree(home, ignore_errors=True)
        chain.base = ref_home  # the next step starts from this one's clean end
    return trials, info


def _report(trials: list[Trial], info: dict[str, Any]) -> str:
    lines = [f"{len(trials)} kills; clean runs: {json.dumps(info)}"]
    by_stage = Counter((t.step, re.sub(r"[0-9a-f]{64}", "<id>", re.sub(r"\.\d+\.", ".N.", t.stage))) for t in trials)
    lines += [f"  {step:<10} {stage:<44} x{n}" for (step, stage), n in sorted(by_stage.items())]
    for t in trials:
        lines += [f"litter {t.step} ({t.how}): {f}" for f in t.litter]
        lines += [f"FAIL {t.step} ({t.how}; landed: {t.stage}): {p}" for p in t.problems]
    return "\n".join(lines)


@pytest.mark.skipif(not _embedder_available(), reason="the default MiniLM ONNX embedder is not installed")
def test_sigkill_at_any_moment_loses_nothing(tmp_path):
    kills = int(os.environ.get("RAGTUNE_FUZZ_KILLS", "0"))
    plan = FAST
    if kills:  # the sweep: every step, half its kills at random delays, half at kill-points drawn from all
        plan = {name: [None if j % 2 == 0 else ("any", 0.0) for j in range(kills // len(STEPS)
                                                                             + (i < kills % len(STEPS)))]
                for i, name in enumerate(STEPS)}
    trials, info = fuzz(tmp_path, plan, SEED)
    report = _report(trials, info)
    print(report)
    if os.environ.get("RAGTUNE_FUZZ_REPORT"):
        Path(os.environ["RAGTUNE_FUZZ_REPORT"]).write_text(report + "\n")
    assert not [t for t in trials if t.problems], report
