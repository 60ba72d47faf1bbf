"""Eval reports for the TUI's reports screen (ctrl+r): discovery under HOME/eval and the run records, and reading
one `report.json` into what the table shows. Kept free of Textual so it is unit-testable."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import loads_located

# -- eval reports ---------------------------------------------------------------------------------

METRICS: list[tuple[str, str, str]] = [  # key, label, format (pct | ms | int)
    ("task_success", "task success", "pct"),
    ("groundedness", "groundedness", "pct"),
    ("hallucination_rate", "hallucination", "pct"),
    ("schema_adherence", "schema adherence", "pct"),
    ("repair_rate", "repair rate", "pct"),
    ("refusal_precision", "refusal precision", "pct"),
    ("refusal_recall", "refusal recall", "pct"),
    ("citation_precision", "citation precision", "pct"),
    ("citation_recall", "citation recall", "pct"),
    ("latency_p50_ms", "latency p50", "ms"),
    ("latency_p95_ms", "latency p95", "ms"),
    ("n", "questions", "int"),
]


def fmt_metric(value: Any, kind: str, *, signed: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    sign = "+" if signed and value > 0 else ""
    if kind == "pct":
        if signed:  # a difference of two rates: percentage points
            return f"{sign}{value * 100:.1f} pt"
        return f"{value * 100:.1f}%"
    if kind == "ms":
        return f"{sign}{value:,.0f} ms"
    if kind == "int":
        return f"{sign}{value:,.0f}"
    return f"{sign}{value:.3g}"


@dataclass
class EvalReport:
    path: Path
    name: str
    mtime: float
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def arms(self) -> dict[str, dict[str, Any]]:
        arms = self.data.get("arms")
        return {k: v for k, v in arms.items() if isinstance(v, dict)} if isinstance(arms, dict) else {}

    @property
    def decision(self) -> dict[str, Any]:
        d = self.data.get("decision")
        return d if isinstance(d, dict) else {}

    def metric_keys(self) -> list[tuple[str, str, str]]:
        """Known metrics in their order, then any other numeric metric an arm reports."""
        known = {k for k, _, _ in METRICS}
        extra = sorted({k for arm in self.arms.values() for k, v in arm.items()
                        if k not in known and isinstance(v, (int, float)) and not isinstance(v, bool)})
        present = [m for m in METRICS if any(m[0] in arm for arm in self.arms.values())]
        return present + [(k, k.replace("_", " "), "pct" if k.endswith(("rate", "share")) else "num") for k in extra]

    @property
    def paired(self) -> dict[str, dict[str, Any]]:
        """The question-by-question comparisons ({"C-A": {delta, ci95, up, down, n, p_value}}) of newer reports;
        an entry whose figures are not numbers is left out (a report is read, never trusted)."""
        p = self.data.get("paired")
        if not isinstance(p, dict):
            return {}

        def number(x: Any) -> bool:
            return isinstance(x, (int, float)) and not isinstance(x, bool)

        return {str(k): v for k, v in p.items() if isinstance(v, dict) and "ci95" in v
                and all(number(v.get(x)) for x in ("delta", "up", "down", "n", "p_value"))}

    @property
    def losses(self) -> dict[str, str]:
        """{arm: where its answerable questions were lost, in one line} of newer reports; a malformed entry is
        left out (a report is read, never trusted)."""
        from ..appliance.eval.losses import summary

        lost = self.data.get("losses")
        out: dict[str, str] = {}
        for arm, t in (lost.items() if isinstance(lost, dict) else ()):
            try:
                line = summary(t)
            except (KeyError, TypeError, AttributeError, ValueError):
                continue
            if line:
                out[str(arm)] = line
        return out

    def problem(self) -> str | None:
        """Why the report has nothing to compare (an empty or foreign report.json, an older report without the
        arms' figures, an eval set with no questions), in words; None when it has."""
        arms = self.arms
        if not arms:
            return ("no A/B/C results in this report: an empty report.json, or not one `ragtune eval run` wrote "
                    "(an older version?)")
        if not self.metric_keys():
            return "no metrics in this report's arms (written by an older ragtune?)"
        counts = [arm.get("n") for arm in arms.values()]
        if all(isinstance(n, (int, float)) and not isinstance(n, bool) and n == 0 for n in counts):
            return "0 questions: the eval set was empty, so there is nothing to compare"
        return None

    def delta_columns(self) -> dict[str, dict[str, Any]]:
        """deltas as {"C-A": {metric: value}} when the report nests them per comparison."""
        deltas = self.data.get("deltas")
        if not isinstance(deltas, dict):
            return {}
        return {k: v for k, v in deltas.items() if isinstance(v, dict)}


def list_eval_reports(eval_dir: Path, limit: int = 50, extra_dirs: list[str | Path] | None = None) -> list[EvalReport]:
    """Directories under `eval_dir` holding a report.json, and the `extra_dirs` that hold one (runs written with
    `--out` elsewhere; the home's eval_runs table knows them), newest first. Unreadable reports are listed with
    their error rather than hidden."""
    eval_dir = Path(eval_dir)
    found = list(eval_dir.rglob("report.json")) if eval_dir.is_dir() else []
    found += [Path(d) / "report.json" for d in extra_dirs or [] if (Path(d) / "report.json").is_file()]
    out: list[EvalReport] = []
    seen: set[Path] = set()
    for path in found:
        try:
            mtime = path.stat().st_mtime
            real = path.resolve()
        except OSError:
            continue
        if real in seen:
            continue
        seen.add(real)
        try:
            name = str(path.parent.relative_to(eval_dir)) if path.parent != eval_dir else eval_dir.name
        except ValueError:  # written with --out somewhere else: its folder says where
            name = str(path.parent)
        rep = EvalReport(path=path, name=name, mtime=mtime)
        try:
            data = loads_located(path.read_bytes(), path, "cannot read report: invalid JSON")
            if not isinstance(data, dict):
                raise ValueError("top level is not an object")
            rep.data = data
        except InputError as exc:  # where the JSON breaks: a line, a column, words (a long number, [[[[… too)
            rep.error = exc.message
        except (OSError, ValueError) as exc:
            rep.error = f"{path}: cannot read report: {exc}"
        out.append(rep)
    out.sort(key=lambda r: r.mtime, reverse=True)
    return out[:limit]
