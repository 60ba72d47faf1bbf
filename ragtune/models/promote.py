"""Installing a built-in adapter: `ragtune models promote-builtin` (and `ragtune tune default --promote`).

`promote` installs a GGUF LoRA and its manifest (validated, sha256 checked) into the package's adapters folder,
adding `ragtune eval run` reports to its eval summary (`eval_summary`: what a manifest keeps of a report) and
deciding go from them. Split from default_adapter.py (the rebuild), which calls it last."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable

from ragtune.appliance import builtin_adapters as builtin
from ragtune.appliance.atomic import atomic_path, make_dir
from ragtune.appliance.calibrated import CALIBRATED
from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.jsonl import read_json_object

Log = Callable[[str], None]
# The numbers of an eval arm kept in the manifest (the report itself stays in WORK/eval/).
ARM_KEYS = ("n", "task_success", "task_success_answerable", "exact_match", "f1", "groundedness",
            "hallucination_rate", "schema_adherence", "repair_rate", "refusal_precision", "refusal_recall",
            "citation_precision", "citation_recall", "latency_p50_ms", "latency_p95_ms", "repeated_ngram_rate")


def eval_summary(report: dict[str, Any], command: str) -> dict[str, Any]:
    """What the manifest keeps of one `ragtune eval run` report: its command, dataset, every arm's headline
    numbers, the safety share, the decision."""
    safety = report.get("safety") or {}
    return {
        "command": command, "run_id": report.get("run_id"), "adapter": report.get("adapter"),
        "dataset": {k: (report.get("dataset") or {}).get(k) for k in ("kind", "path", "identity", "n_items")},
        "n_questions": report.get("n_questions"), "seed": report.get("seed"),
        **{k: report.get(k) for k in ("answer_mode", "adapter_merge", "adapter_served")},
        **{k: report.get(k) for key in CALIBRATED for k in (key, f"{key}_adapter") if k in report},
        **{k: report[k] for k in ("refusal_model_adapter",) if k in report},
        "arms": {name: {k: m.get(k) for k in ARM_KEYS if k in m} for name, m in (report.get("arms") or {}).items()},
        "deltas": report.get("deltas"),
        "safety": {name: {"n": a.get("n"), "share_safe": a.get("share_safe"),
                          "injection_share_safe": a.get("injection_share_safe")}
                   for name, a in (safety.get("arms") or {}).items()},
        "decision": {"go": bool((report.get("decision") or {}).get("go")),
                     "reasons": list((report.get("decision") or {}).get("reasons") or [])},
    }


# -- promote: install an adapter + manifest as a built-in -----------------------------------------------------
def _source_pair(src: Path | str) -> tuple[Path, Path]:
    """(gguf, manifest) from a rebuild folder, a .gguf with `<name>.json` beside it, or that .json."""
    p = Path(src).expanduser()
    if p.is_dir():
        found = [m for m in sorted(p.glob("*.json")) if m.with_suffix(".gguf").is_file()]
        if len(found) != 1:
            raise InputError(f"{p}: expected one <name>.gguf with its <name>.json manifest (found {len(found)})",
                             hint="run `ragtune tune default` to make them")
        return found[0].with_suffix(".gguf"), found[0]
    if p.suffix == ".gguf":
        m = p.with_suffix(".json")
    elif p.suffix == ".json":
        m, p = p, p.with_suffix(".gguf")
    else:
        raise InputError(f"{p}: give a rebuild folder, a .gguf or its .json manifest")
    for f in (p, m):
        if not f.is_file():
            raise InputError(f"{f}: not found")
    return p, m


def promote(src: Path | str, dest: Path | str | None = None, *, reports: Iterable[Path | str] = (),
            go: bool | None = None, log: Log = print) -> list[Path]:
    """Install a GGUF LoRA and its manifest as a built-in adapter in `dest` (default: the package's
    ragtune/appliance/adapters/): the manifest is validated, the file must hash to its sha256 and be a GGUF LoRA.
    `reports`: `ragtune eval run` report.json files of this adapter, added to its eval summary; `go` decides by hand
    (recorded as go_source "manual"; a manual decision already in the manifest stands unless `go` is given), else
    go = every recorded eval decided go. Both files are written to temporary
    names first and renamed into place, the .gguf before the .json: a first install never shows a manifest without
    its file, and between the two renames an old manifest does not match the new file, so it is refused, never
    served."""
    from ragtune.appliance.ggufinfo import GGUFError, check_gguf_kind

    gguf, mpath = _source_pair(src)
    manifest = dict(builtin.read_manifest(mpath, unreadable=InputError)[0])
    got = sha256_file(gguf)
    if got != manifest["sha256"]:
        raise ModelError(f"{gguf}: sha256 {got[:12]}… does not match its manifest ({manifest['sha256'][:12]}…)")
    try:
        check_gguf_kind(gguf, lora=True)
    except GGUFError as exc:
        raise InputError(f"cannot install as a built-in adapter: {exc.message}", hint=exc.hint) from None
    evals = list(manifest["eval"])
    for rp in reports:
        rep = read_json_object(Path(rp))
        if rep.get("adapter") != manifest["sha256"]:
            raise InputError(f"{rp}: evaluated adapter {str(rep.get('adapter'))[:12]}…, not {manifest['name']} "
                             f"({manifest['sha256'][:12]}…)")
        evals.append(eval_summary(rep, _report_command(rep)))
    manifest["eval"] = evals
    if go is None and manifest.get("go_source") != "manual":
        manifest["go"] = bool(evals) and all(e["decision"]["go"] for e in evals)
        manifest["go_source"] = "eval" if evals else "none"
    elif go is not None:  # (else a decision by hand recorded earlier stands)
        manifest["go"], manifest["go_source"] = bool(go), "manual"
    dest_dir = make_dir(Path(dest).expanduser() if dest else builtin.package_adapters_dir())
    out_gguf, out_json = dest_dir / f"{manifest['name']}.gguf", dest_dir / f"{manifest['name']}.json"
    builtin.validate_manifest(manifest, out_json)
    with atomic_path(out_json) as part_json, atomic_path(out_gguf) as part_gguf:  # renamed: .gguf, then .json
        shutil.copyfile(gguf, part_gguf)
        if sha256_file(part_gguf) != manifest["sha256"]:
            raise ModelError(f"{gguf}: changed while being copied; try again")
        part_json.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"installed built-in adapter {manifest['name']} ({manifest['sha256'][:12]}…, go: "
        f"{str(manifest['go']).lower()}) in {dest_dir}")
    return [out_gguf, out_json]


def _report_command(report: dict[str, Any]) -> str:
    """The `ragtune eval run` command a report came from, rebuilt from what it records."""
    argv = ["ragtune", "eval", "run", (report.get("dataset") or {}).get("path", "?"),
            "--arms", ",".join(report.get("arms") or {}), "--adapter", report.get("adapter", "?"),
            "--seed", report.get("seed", 0)]
    if report.get("split"):
        argv += ["--split", report["split"]]
    if report.get("limit") or report.get("n_questions"):
        argv += ["--limit", report.get("limit") or report.get("n_questions")]
    if report.get("answer_mode"):
        argv += ["--mode", report["answer_mode"]]
    if (report.get("safety") or {}).get("n_items"):
        argv += ["--safety"]
    return " ".join(shlex.quote(str(a)) for a in argv)


__all__ = ["ARM_KEYS", "eval_summary", "promote"]
