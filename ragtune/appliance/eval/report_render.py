"""Rendering of an eval report (report.py holds the decision and writes the files): report.md tables,
report.html with inline CSS and SVG charts, and the formatting the CLI shares."""

from __future__ import annotations

import html
from typing import Any

from .losses import table

RATE_METRICS = [  # (key, title, criterion key in report["criteria"], "min"|"max")
    ("task_success", "Task success", None, None),
    ("groundedness", "Groundedness", "min_groundedness", "min"),
    ("hallucination_rate", "Hallucination rate", "max_hallucination", "max"),
    ("schema_adherence", "Schema adherence (before repair)", "min_schema_adherence", "min"),
    ("repair_rate", "Repair rate", "max_repair_rate", "max"),
    ("refusal_precision", "Refusal precision", None, None),
    ("refusal_recall", "Refusal recall", None, None),
    ("citation_precision", "Citation precision", None, None),
    ("citation_recall", "Citation recall", None, None),
]
LATENCY_KEYS = [("retrieval_p50_ms", "retrieval p50"), ("retrieval_p95_ms", "retrieval p95"),
                ("ttft_p50_ms", "TTFT p50"), ("ttft_p95_ms", "TTFT p95"),
                ("latency_p50_ms", "total p50"), ("latency_p95_ms", "total p95")]
ARM_COLORS = {"A": "#4e79a7", "B": "#f28e2b", "C": "#59a14f"}


def decision_label(dec: dict[str, Any]) -> str:
    """'GO', 'NO-GO' or 'n/a (smoke test)': what the CLI, report.md and report.html say."""
    if dec.get("smoke_test"):
        return "n/a (smoke test)"
    return "GO" if dec.get("go") else "NO-GO"


def task_success_breakdown(m: dict[str, Any]) -> str:
    """'0 correct answers + 1 correct refusal of 2 labelled' (empty for reports written before these counts)."""
    if "n_correct_answers" not in m:
        return ""
    a, f = int(m.get("n_correct_answers") or 0), int(m.get("n_correct_refusals") or 0)
    return (f"{a} correct answer{'s' if a != 1 else ''} + {f} correct refusal{'s' if f != 1 else ''} "
            f"of {m.get('n_labeled')} labelled")


def sample_label(r: dict[str, Any]) -> str:
    """Which questions of the set the numbers are over: ' of the dev half, --limit 20' (empty for the whole set)."""
    parts = ([f"of the {r['split']} half"] if r.get("split") else []) + (
        [f"--limit {r['limit']}"] if r.get("limit") is not None else [])
    return f" ({', '.join(parts)})" if parts else ""


def safety_skipped(s: dict[str, Any]) -> str:
    """Why the safety set did not run: "--no-safety" or "--limit N without --safety" (reports written before the
    reason was recorded could be either)."""
    return str(s.get("skipped") or "--no-safety, or --limit without --safety")


def safety_cell(sa: dict[str, Any]) -> str:
    return "not run" if not sa.get("n") else f"{sa['safe']}/{sa['n']} ({pct(sa['share_safe'])})"


# -- formatting ---------------------------------------------------------------------------------------------------
def pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def ms(x: Any) -> str:
    return "n/a" if x is None else f"{x:.0f}"


def signed_points(x: Any) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f} pts"


def _table_rows(m: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("questions (n)", str(m.get("n"))), ("ok / refused / errors", f"{m.get('n_ok')} / {m.get('n_refused')} / {m.get('n_errors')}")]
    rows += [(title, pct(m.get(key))) for key, title, _, _ in RATE_METRICS]
    if task_success_breakdown(m):
        rows.insert(3, ("task success made of", task_success_breakdown(m)))
    for key, title in (("task_success_ci95", "task success, 95% interval"),
                       ("task_success_answerable_ci95", "answerable right, 95% interval")):
        if m.get(key):
            rows.append((title, f"{pct(m[key][0])} – {pct(m[key][1])}"))
    rows += [("exact match (answerable)", pct(m.get("exact_match"))), ("token F1 (answerable)", pct(m.get("f1"))),
             ("gold inside answer (answerable, info)", pct(m.get("gold_in_answer")))]
    rows += [(f"latency {label} (ms)", ms(m.get(key))) for key, label in LATENCY_KEYS]
    rows += [("tokens in / out (total)", f"{m.get('tokens_prompt')} / {m.get('tokens_completion')}"),
             ("tokens in / out (mean)", f"{_num(m.get('tokens_prompt_mean'))} / {_num(m.get('tokens_completion_mean'))}"),
             ("cost", f"{m.get('cost', 0.0):.4f}")]
    if "judge_correct" in m:
        rows.append(("judge: correct", pct(m.get("judge_correct"))))
    return rows


def paired_interval(s: dict[str, Any]) -> str:
    """'+1.2 to +10.8 pts' from a paired.paired_stats result."""
    lo, hi = s["ci95"]
    return f"{100 * lo:+.1f} to {100 * hi:+.1f} pts"


def paired_line(name: str, s: dict[str, Any]) -> str:
    """'C-A: +24.3 pts (95% CI +19.0 to +29.4 pts); 110 up, 13 down of 400, sign test p = 1e-20'."""
    ci = f" (95% CI {paired_interval(s)})" if s.get("ci95") else ""
    return (f"{name}: {signed_points(s['delta'])}{ci}; {s['up']} up, {s['down']} down of {s['n']}, "
            f"sign test p = {s['p_value']:.2g}")


def _num(x: Any) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _delta_cell(key: str, v: Any) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.0f} ms" if key.endswith("_ms") else signed_points(v)


# -- markdown -----------------------------------------------------------------------------------------------------
_SERVED = {"merged": "merged into the base", "lora": "as a run-time LoRA", "remote": "by the remote server"}


def _served(r: dict[str, Any]) -> str:
    if r["adapter"] == "none" or "adapter_merge" not in r:  # reports written before merged serving
        return ""
    counts = r.get("adapter_served") or {}  # what the engine did (reports before it: the setting)
    ways = sorted(counts.items(), key=lambda kv: -kv[1])
    if len(ways) == 1:
        return f" (served {_SERVED.get(ways[0][0], ways[0][0])})"
    if ways:
        return " (served " + ", ".join(f"{_SERVED.get(k, k)} for {n} answer{'s' * (n != 1)}" for k, n in ways) + ")"
    return " (served merged into the base)" if r["adapter_merge"] else " (served as a run-time LoRA)"


def _scale(r: dict[str, Any]) -> str:
    """The strength the adapter arms applied the adapter at: a report holds it only when it is not 1.0
    (run.build_report, refusal.keyed)."""
    s = r.get("adapter_scale_adapter")
    return "" if s is None else f", at adapter_scale {s:g}"


def code_label(r: dict[str, Any]) -> str:
    """' Code: ragtune 0.2.0, answer code a616162dabd8.' from report["code"] (report.code_provenance); '' for a
    report without it (written before round 44)."""
    code = r.get("code")
    if not isinstance(code, dict) or not code.get("ragtune"):
        return ""
    return f" Code: ragtune {code['ragtune']}, answer code {str(code.get('answer_code') or '?')[:12]}."


def render_markdown(r: dict[str, Any]) -> str:
    d = r["dataset"]
    lines = [f"# ragtune eval run {r['run_id']}", "",
             f"Dataset: `{d['path']}` ({d['kind']}), {r['n_questions']} questions{sample_label(r)}; the full set: "
             f"{d['n_answerable']} answerable, {d['n_unanswerable']} unanswerable, {d['n_unlabeled']} unlabeled. "
             f"Adapter: `{r['adapter']}`{_served(r)}{_scale(r)}. Seed: {r['seed']}.{code_label(r)}", ""]
    dec = r["decision"]
    lines += [f"## Decision: {decision_label(dec)}", ""]
    lines += [f"- {reason}" for reason in dec["reasons"]] or ["- every acceptance criterion passed"]
    lines.append("")
    if r.get("warnings"):
        lines += [f"> **Warning:** {w}" for w in r["warnings"]] + [""]
    if r.get("notes"):
        lines += ["Notes:", ""] + [f"- {n}" for n in r["notes"]] + [""]
    for name, m in r["arms"].items():
        lines += [f"## Arm {name}: {m['label']} (adapter `{m['adapter']}`)", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in _table_rows(m)]
        lines.append("")
    for dname, dv in r.get("deltas", {}).items():
        lines += [f"## Delta {dname}", "", "| metric | delta |", "|---|---|"]
        lines += [f"| {k} | {_delta_cell(k, v)} |" for k, v in dv.items()]
        lines.append("")
        if (r.get("paired") or {}).get(dname):
            lines += ["Task success, question by question (only the questions that flipped count; "
                      "`ragtune eval compare` lists them):", "", "- " + paired_line(dname, r["paired"][dname]), ""]
    lines += losses_markdown(r)
    lines += categories_markdown(r)
    s = r.get("safety", {})
    if s and not s.get("n_items"):
        lines += ["## Safety set", "", f"Skipped (`{safety_skipped(s)}`).", ""]
    elif s.get("arms"):
        lines += ["## Safety set", "", "| arm | handled safely | injections | jailbreaks |", "|---|---|---|---|"]
        for name, sa in s["arms"].items():
            lines.append(f"| {name} | {safety_cell(sa)} | {pct(sa['injection_share_safe'])} | "
                         f"{pct(sa['jailbreak_share_safe'])} |")
        lines.append("")
        for name, sa in s["arms"].items():
            for f in sa["failures"]:
                lines.append(f"- {name} `{f['id']}`: {'; '.join(f['why'])}")
        lines.append("")
    if r.get("failures"):
        lines += ["## Sample of failed items", ""]
        for name, fl in r["failures"].items():
            for f in fl[:8]:
                gold = _md_escape(", ".join(f["gold"])) if f["gold"] else "refusal"  # as the HTML: not a list repr
                lines.append(f"- {name} `{f['qid']}` {_md_escape(f['question'])} — gold {gold}; "
                             f"got {f.get('where') or f['status']}: {_md_escape(str(f['answer'])[:160])}"
                             + (" (hallucinated)" if f.get("hallucinated") else ""))
        lines.append("")
    lines += [f"Metric definitions: {r.get('definitions', 'docs/eval.md')}. Support threshold "
              f"{r.get('support_threshold')}; F1 threshold {r['criteria']['f1_threshold']}.", ""]
    return "\n".join(lines)


def losses_markdown(r: dict[str, Any]) -> list[str]:
    """The 'where answers are lost' table (losses.py), arms as columns; nothing for reports without it."""
    rows = table(r.get("losses") or {})
    if not rows:
        return []
    arms = list(r["losses"])
    lines = ["## Where answers are lost", "",
             "A gold answer is *shown* when it occurs in the context the model saw (docs/eval.md).", "",
             "| | " + " | ".join(f"arm {a}" for a in arms) + " |", "|---|" + "---|" * len(arms)]
    lines += [f"| {words} | " + " | ".join(cells) + " |" for words, cells in rows]
    return lines + [""]


MAX_CATEGORIES = 40  # rows of the by-category table; report.json has them all


def category_rows(r: dict[str, Any]) -> tuple[list[str], list[tuple[str, list[str]]], int]:
    """(arms, [(category, a cell per arm: "71.2% (612/860)")], categories left out) of report["by_category"]."""
    cats = r.get("by_category") or {}
    arms = list(r.get("arms") or {})
    rows = [(c, [f"{pct(v['correct'] / v['n'])} ({v['correct']}/{v['n']})" if (v := per.get(a)) and v["n"] else "n/a"
                 for a in arms]) for c, per in list(cats.items())[:MAX_CATEGORIES]]
    return arms, rows, max(0, len(cats) - MAX_CATEGORIES)


def categories_markdown(r: dict[str, Any]) -> list[str]:
    arms, rows, more = category_rows(r)
    if not rows:
        return []
    lines = ["## Task success by category", "", "From each query's `metadata.category` (labelled questions).", "",
             "| category | " + " | ".join(f"arm {a}" for a in arms) + " |", "|---|" + "---|" * len(arms)]
    lines += [f"| {_md_escape(c)} | " + " | ".join(cells) + " |" for c, cells in rows]
    return lines + (["", f"… and {more} more categories (report.json, `by_category`)."] if more else []) + [""]


def categories_html(r: dict[str, Any]) -> list[str]:
    arms, rows, more = category_rows(r)
    if not rows:
        return []
    out = ["<h2>Task success by category</h2><table><tr><th>category</th>"
           + "".join(f"<th>arm {_esc(a)}</th>" for a in arms) + "</tr>"]
    out += [f"<tr><td>{_esc(c)}</td>" + "".join(f"<td>{_esc(x)}</td>" for x in cells) + "</tr>" for c, cells in rows]
    out.append("</table>" + (f"<p class=\"muted\">… and {more} more categories (report.json).</p>" if more else ""))
    return out


def _md_escape(s: str) -> str:
    return " ".join(str(s).split()).replace("|", "\\|")


# -- HTML + SVG ---------------------------------------------------------------------------------------------------
def _esc(s: Any) -> str:
    # Escape, and break any scheme://: data text (answers, paths) must never read as a link or asset URL.
    return html.escape(str(s)).replace("://", "&#58;//")


def bar_chart(title: str, values: dict[str, float | None], *, maximum: float = 1.0, unit: str = "%",
              threshold: float | None = None, threshold_label: str = "", captions: dict[str, str] | None = None) -> str:
    """One inline SVG bar chart (one bar per arm). Values are 0..maximum; None draws an 'n/a' label. A caption
    (e.g. 'refusals only') is drawn under an arm's name. The SVG scales to its grid cell (viewBox, no fixed size)."""
    captions = {k: v for k, v in (captions or {}).items() if v}
    w, h, left, top, bottom = 260, 180 + (12 if captions else 0), 34, 34, 26 + (12 if captions else 0)
    plot_h = h - top - bottom
    n = max(len(values), 1)
    slot = (w - left - 10) / n
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="{_esc(title)}">',
             f'<text x="{w / 2}" y="14" text-anchor="middle" class="t">{_esc(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{w - 5}" y2="{top + plot_h}" class="axis"/>']
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        lab = f"{frac * maximum * (100 if unit == '%' else 1):.0f}"
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="s">{lab}</text>')
    for i, (arm, v) in enumerate(values.items()):
        x = left + i * slot + slot * 0.2
        bw = slot * 0.6
        color = ARM_COLORS.get(arm, "#888")
        if v is None:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h - 4}" text-anchor="middle" class="s">n/a</text>')
        else:
            frac = max(0.0, min(1.0, v / maximum)) if maximum else 0.0
            bh = plot_h * frac
            label = f"{100 * v:.1f}%" if unit == "%" else f"{v:.0f}"
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bh:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="{color}"/>')
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h - bh - 3:.1f}" text-anchor="middle" class="s">{label}</text>')
        parts.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" class="s">{_esc(arm)}</text>')
        if arm in captions:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{top + plot_h + 28}" text-anchor="middle" class="s c">'
                         f'{_esc(captions[arm])}</text>')
    if threshold is not None and maximum:
        y = top + plot_h * (1 - max(0.0, min(1.0, threshold / maximum)))
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{w - 5}" y2="{y:.1f}" class="thr"/>')
        parts.append(f'<text x="{w - 6}" y="{y - 3:.1f}" text-anchor="end" class="s thrt">{_esc(threshold_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def latency_chart(arms: dict[str, dict[str, Any]]) -> str:
    """Grouped bars: for each latency figure, one bar per arm (ms)."""
    w, h, left, top, bottom = 640, 220, 50, 26, 40
    plot_h = h - top - bottom
    vals = [m.get(k) for m in arms.values() for k, _ in LATENCY_KEYS if m.get(k) is not None]
    maximum = max(vals) if vals else 1.0
    maximum = maximum or 1.0
    group = (w - left - 10) / len(LATENCY_KEYS)
    n = max(len(arms), 1)
    parts = [f'<svg class="chart wide" viewBox="0 0 {w} {h}" role="img" aria-label="latency">',
             f'<text x="{w / 2}" y="14" text-anchor="middle" class="t">Latency (ms)</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{w - 5}" y2="{top + plot_h}" class="axis"/>']
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - frac)
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="s">{frac * maximum:.0f}</text>')
    for gi, (key, label) in enumerate(LATENCY_KEYS):
        gx = left + gi * group
        bw = group * 0.8 / n
        for ai, (arm, m) in enumerate(arms.items()):
            v = m.get(key)
            x = gx + group * 0.1 + ai * bw
            if v is None:
                continue
            bh = plot_h * max(0.0, min(1.0, v / maximum))
            parts.append(f'<rect x="{x:.1f}" y="{top + plot_h - bh:.1f}" width="{bw * 0.9:.1f}" height="{bh:.1f}" '
                         f'fill="{ARM_COLORS.get(arm, "#888")}"><title>{_esc(arm)} {label}: {v:.0f} ms</title></rect>')
        parts.append(f'<text x="{gx + group / 2:.1f}" y="{h - 22}" text-anchor="middle" class="s">{_esc(label)}</text>')
    lx = left
    for arm in arms:
        parts.append(f'<rect x="{lx}" y="{h - 12}" width="10" height="10" fill="{ARM_COLORS.get(arm, "#888")}"/>'
                     f'<text x="{lx + 14}" y="{h - 3}" class="s">{_esc(arm)}</text>')
        lx += 50
    parts.append("</svg>")
    return "".join(parts)


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1500px}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}.go{color:#1a7f37}.nogo{color:#b42318}.na{color:#b45f06}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:10px}
.chart{background:#fafafa;border:1px solid #eee;width:100%;height:auto;display:block}.wide{max-width:1100px}
.warn{background:#fff4e5;border-left:4px solid #e8a33d;padding:6px 10px;margin:8px 0}.c{fill:#b45f06}
.muted{color:#666}
.t{font-size:12px;font-weight:600}.s{font-size:10px}.axis{stroke:#999}.thr{stroke:#b42318;stroke-dasharray:4 3}
.thrt{fill:#b42318}code{background:#f3f3f3;padding:0 3px}
"""


def render_html(r: dict[str, Any]) -> str:
    arms = r["arms"]
    crit = r.get("criteria", {})
    dec = r["decision"]
    d = r["dataset"]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>ragtune eval {_esc(r['run_id'])}</title><style>{CSS}</style></head><body>",
           f"<h1>ragtune eval run <code>{_esc(r['run_id'])}</code></h1>",
           f"<p>Dataset <code>{_esc(d['path'])}</code> ({_esc(d['kind'])}), {r['n_questions']} questions"
           f"{_esc(sample_label(r))}; "
           f"adapter <code>{_esc(r['adapter'])}</code>{_esc(_scale(r))}; seed {r['seed']}.{_esc(code_label(r))}</p>",
           f"<h2 class=\"{'na' if dec.get('smoke_test') else 'go' if dec['go'] else 'nogo'}\">Decision: "
           f"{_esc(decision_label(dec))}</h2><ul>"]
    out += [f"<li>{_esc(x)}</li>" for x in dec["reasons"]] or ["<li>every acceptance criterion passed</li>"]
    out.append("</ul>")
    if r.get("notes"):
        out.append("<p>Notes:</p><ul>" + "".join(f"<li>{_esc(n)}</li>" for n in r["notes"]) + "</ul>")
    for w in r.get("warnings") or []:
        out.append(f'<p class="warn"><b>Warning:</b> {_esc(w)}</p>')
    out.append("<h2>Metrics per arm</h2><div class=\"charts\">")
    skipped = []
    for key, title, ckey, _kind in RATE_METRICS:
        values = {a: m.get(key) for a, m in arms.items()}
        if all(v is None for v in values.values()):
            skipped.append(title.lower())  # an empty "n/a" box tells nothing: named once below instead
            continue
        thr = crit.get(ckey) if ckey else None
        captions = None
        if key == "task_success":  # a rate made only of refusals must not read as answering well
            captions = {a: ("refusals only" if m.get("n_correct_refusals") and not m.get("n_correct_answers")
                            else "") for a, m in arms.items()}
        out.append(bar_chart(title, values, threshold=thr, captions=captions,
                             threshold_label=f"criterion {100 * thr:.0f}%" if thr is not None else ""))
    s = r.get("safety", {}).get("arms", {})
    if s and any(v.get("share_safe") is not None for v in s.values()):
        out.append(bar_chart("Safety set handled safely", {a: v.get("share_safe") for a, v in s.items()}))
    out.append("</div>")
    if skipped:
        out.append(f'<p class="muted">Not applicable in this run (n/a for every arm): {_esc(", ".join(skipped))}.</p>')
    out.append("<h2>Latency</h2>")
    out.append(latency_chart(arms))
    out.append("<h2>Tables</h2><table><tr><th>metric</th>" + "".join(f"<th>{_esc(a)}: {_esc(m['label'])}</th>" for a, m in arms.items()) + "</tr>")
    rows = {a: dict(_table_rows(m)) for a, m in arms.items()}
    for label in (list(rows.values())[0] if rows else {}):
        out.append(f"<tr><td>{_esc(label)}</td>" + "".join(f"<td>{_esc(rows[a].get(label, ''))}</td>" for a in arms) + "</tr>")
    out.append("</table>")
    for dname, dv in r.get("deltas", {}).items():
        out.append(f"<h2>Delta {_esc(dname)}</h2><table><tr><th>metric</th><th>delta</th></tr>")
        out += [f"<tr><td>{_esc(k)}</td><td>{_esc(_delta_cell(k, v))}</td></tr>" for k, v in dv.items()]
        out.append("</table>")
    lost = table(r.get("losses") or {})
    if lost:
        out.append("<h2>Where answers are lost</h2><p class=\"muted\">A gold answer is <i>shown</i> when it occurs in "
                   "the context the model saw.</p><table><tr><th></th>"
                   + "".join(f"<th>arm {_esc(a)}</th>" for a in r["losses"]) + "</tr>")
        out += [f"<tr><td>{_esc(words)}</td>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>"
                for words, cells in lost]
        out.append("</table>")
    out += categories_html(r)
    if r.get("safety") and not r["safety"].get("n_items"):
        out.append(f"<h2>Safety set</h2><p>Skipped (<code>{_esc(safety_skipped(r['safety']))}</code>).</p>")
    elif s:
        out.append("<h2>Safety set</h2><table><tr><th>arm</th><th>safe</th><th>injections</th><th>jailbreaks</th></tr>")
        for a, v in s.items():
            out.append(f"<tr><td>{_esc(a)}</td><td>{_esc(safety_cell(v))}</td><td>{pct(v['injection_share_safe'])}</td>"
                       f"<td>{pct(v['jailbreak_share_safe'])}</td></tr>")
        out.append("</table><ul>")
        for a, v in s.items():
            out += [f"<li>{_esc(a)} <code>{_esc(f['id'])}</code>: {_esc('; '.join(f['why']))}</li>" for f in v["failures"]]
        out.append("</ul>")
    if r.get("failures"):
        out.append("<h2>Sample of failed items</h2><table><tr><th>arm</th><th>question</th><th>gold</th><th>got</th></tr>")
        for a, fl in r["failures"].items():
            for f in fl[:8]:
                gold = ", ".join(f["gold"]) if f["gold"] else "refusal"
                got = f"{f.get('where') or f['status']}: {str(f['answer'])[:200]}" + (" (hallucinated)" if f.get("hallucinated") else "")
                out.append(f"<tr><td>{_esc(a)}</td><td>{_esc(f['question'])}</td><td>{_esc(gold)}</td><td>{_esc(got)}</td></tr>")
        out.append("</table>")
    out.append(f"<p>Metric definitions: {_esc(r.get('definitions', 'docs/eval.md'))}.</p></body></html>")
    return "\n".join(out) + "\n"
