"""The corpus → BEIR export reads back through the product's own BEIR loader, with gold spans intact."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.beir import load_beir
from ragtune.models.corpus import load_corpus, load_domains, norm_ws
from ragtune.models.corpus.export import export_beir, main


def _a_domain():
    domains = [d for d in load_domains().values() if d.has_data]
    if not domains:
        pytest.skip("no corpus domain has data")
    return min(domains, key=lambda d: d.qa.stat().st_size)


def test_export_reads_back_with_answers_in_gold_documents(tmp_path):
    d = _a_domain()
    counts = export_beir([d], tmp_path)
    rows = load_corpus([d.name])
    assert counts["queries"] == len(rows) and counts["answerable"] == sum(r["answerable"] for r in rows)
    beir = load_beir(tmp_path)
    docs = {r["_id"]: r for r in beir.corpus()}
    assert len(docs) == counts["documents"]
    for q in beir.queries:
        meta = q["metadata"]
        if meta["answerable"]:
            (gold,) = beir.qrels[q["_id"]]
            assert norm_ws(meta["answers"][0]) in norm_ws(docs[gold]["text"])
        else:
            assert meta["answers"] == [] and q["_id"] not in beir.qrels


def test_cli_usage_and_unknown_domain(tmp_path, capsys):
    assert main([]) == 2
    assert main(["no-such-domain", str(tmp_path)]) == 2
    assert "not a corpus domain" in capsys.readouterr().err
    d = _a_domain()
    assert main([d.name, str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out)["queries"] > 0
