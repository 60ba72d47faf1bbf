"""The harness the evidence-check benchmark scripts share (r57_number_words.py, r58_paraphrase.py,
r58_near_miss.py, r58_span.py): write the invented documents into SHARE, ingest them into HOME with the real default
appliance, record what the evidence check (and, where asked, the answer stage's refusal check) saw, and in MODE
"check" stop before the model. One copy, so the scripts set up, record and stop alike.

Imported by those scripts as a sibling (`python benchmarks/<script>.py` puts benchmarks/ first on the path); ragtune
is imported inside the functions, so a PYTHONPATH pointing at an old copy of ragtune still decides which code is
measured."""
from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import Any, Iterator

MODES = ("check", "answer")


class Checked(Exception):
    """The evidence check ran in MODE "check": the question stops here, before the model."""


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise SystemExit(f"MODE: check or answer, got {mode!r}")


def setup(share: str, home: str, docs: dict[str, str], end: str = "\n") -> Any:
    """Write `docs` (file name -> text, each followed by `end`) into SHARE when it is missing or empty, ingest SHARE
    into HOME and return HOME's settings."""
    from ragtune.appliance.config import Home, load_settings
    from ragtune.appliance.ingest.pipeline import ingest_paths

    if not Path(share).is_dir() or not any(Path(share).iterdir()):
        Path(share).mkdir(parents=True, exist_ok=True)
        for name, text in docs.items():
            (Path(share) / name).write_text(text + end, encoding="utf-8")
    settings = load_settings(None, home=Home(Path(home)))
    ingest_paths(settings, [Path(share)])
    return settings


@contextlib.contextmanager
def recording(mode: str, features: bool = False, spans: bool = False) -> Iterator[dict]:
    """Patch `evidence.EvidenceModel.holds` for the block: each call records held and score (and the check's
    features when `features`) into the dict yielded and, in MODE "check", raises Checked. With `spans`, the answer
    stage's refusal_check also records the span the model gave and the sentence it was copied from. The real
    functions are put back on leaving, whatever happens."""
    from ragtune.appliance import answer as answer_stage
    from ragtune.appliance import evidence
    from ragtune.appliance.injection import source_view
    from ragtune.appliance.refusal import span_sentences

    seen: dict = {}
    real_holds, real_check = evidence.EvidenceModel.holds, answer_stage.refusal_check

    def holds(self, question, hits, cut=None):
        held, score = real_holds(self, question, hits, cut)
        seen.update(held=held, score=score)
        if features:
            seen["features"] = evidence.features(question, hits)
        if mode == "check":
            raise Checked
        return held, score

    def check(obj, context, **kw):
        span = (obj or {}).get("answer") or ""
        views = [source_view(c.text) for c in context if c.id in ((obj or {}).get("citations") or [])]
        seen.update(span=span, sentence=next((s for s, _ in span_sentences(span, views)), None) if span else None)
        return real_check(obj, context, **kw)

    evidence.EvidenceModel.holds = holds
    if spans:
        answer_stage.refusal_check = check
    try:
        yield seen
    finally:
        evidence.EvidenceModel.holds = real_holds
        answer_stage.refusal_check = real_check


def ask(engine: Any, question: str, seen: dict) -> "dict | None":
    """Ask once (no answer cache) after clearing what the last question recorded: the answer's JSON, or None when
    the check stopped it before the model."""
    seen.clear()
    try:
        return engine.ask(question, use_cache=False).to_json()
    except Checked:
        return None


def words(text: str, keep: str = "£.") -> str:
    """Lower-case words between spaces, with a space at each end, so a gold is found as whole words; the characters
    in `keep` stay inside words, a full stop before a space is dropped."""
    return " " + " ".join(re.sub(rf"[^\w{re.escape(keep)}]+", " ", text.lower()).replace(". ", " ").split()) + " "


def print_counts(head: str, counts: dict) -> None:
    print(head)
    for k in sorted(counts):
        print(f"  {k}: {counts[k]}")
