"""The items the "English unchanged" scripts walk (r51_lang_checks_same.py, r51_faq_same.py, r52_answertype_same.py,
r52_rows_same.py): every question of a BEIR folder with its gold source. One loop, so the four read the sets alike.

Imported by those scripts as a sibling (`python benchmarks/<script>.py` puts benchmarks/ first on the path); it
imports nothing of ragtune, so a PYTHONPATH pointing at an old copy of ragtune still decides which code is measured."""
import json
import re
from typing import Iterator


def items(folders: list[str]) -> Iterator[tuple[str, str, str, dict, "str | None"]]:
    """(folder, query id, question, metadata, gold source text) for every question of each folder, in file order.
    The gold source is the question's first qrels/test.tsv row, else its metadata's context_id; None where the
    corpus has no such document (a document without text gives "")."""
    for folder in folders:
        corpus = {}
        for line in open(f"{folder}/corpus.jsonl", encoding="utf-8"):
            d = json.loads(line)
            corpus[d["_id"]] = d.get("text") or ""
        rels = {}
        for line in open(f"{folder}/qrels/test.tsv", encoding="utf-8").readlines()[1:]:
            qid, cid = line.split("\t")[:2]
            rels.setdefault(qid, cid)
        for line in open(f"{folder}/queries.jsonl", encoding="utf-8"):
            d = json.loads(line)
            meta = d.get("metadata") or {}
            yield folder, d["_id"], d["text"], meta, corpus.get(rels.get(d["_id"]) or meta.get("context_id"))


def r51_spans(meta: dict, clean: str) -> list[str]:
    """The spans round 51 tried on a source's clean text: the question's gold answers found in it, then a three-word
    window (words 3-5) of each of its first three sentences of six words or more."""
    spans = [a for a in meta.get("answers") or [] if a and a in clean]
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", clean) if len(s.split()) >= 6][:3]
    return spans + [" ".join(s.split()[2:5]) for s in sentences]
