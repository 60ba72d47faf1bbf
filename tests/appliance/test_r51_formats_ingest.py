"""Round 51: `ragtune ingest` of a folder reads slide decks, spreadsheets, CSV exports, saved e-mails and OpenDocument
text by default (the loaders' own tests are test_r51_pptx/xlsx/csv/eml/odt); .tsv is read only when listed, so a
BEIR folder's qrels/test.tsv stays out of a default ingest."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.config import IngestConfig
from ragtune.appliance.ingest.loaders import KINDS, LOADER_VERSIONS, LOADERS
from ragtune.cli import main

from . import mail_build, odt_build, pptx_build, xlsx_build
from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def test_every_kind_has_a_loader_and_a_version_and_the_defaults_are_readable():
    kinds = set(KINDS.values()) - {"beir"}
    assert kinds == set(LOADERS) == set(LOADER_VERSIONS)
    assert all(e in KINDS for e in IngestConfig().extensions)
    assert {".pptx", ".xlsx", ".csv", ".eml", ".msg", ".odt", ".ods", ".odp", ".doc", ".rtf"} <= set(IngestConfig().extensions)
    assert ".tsv" in KINDS and ".tsv" not in IngestConfig().extensions


def test_a_folder_of_new_formats_is_ingested_by_default(home, tmp_path, cli_fake, capsys):
    d = tmp_path / "share"
    (d / "qrels").mkdir(parents=True)
    deck = pptx_build.pptx([pptx_build.Slide(pptx_build.title("Quarterly review") +
                                             pptx_build.body(["Churn fell to 3.1 percent"]))])
    (d / "review.pptx").write_bytes(deck)
    (d / "prices.xlsx").write_bytes(xlsx_build.build_xlsx([xlsx_build.Sheet(
        "Prices", [["Item", "Price"], ["Torque wrench", 42], ["Cable ties", 3]])]))
    (d / "rota.csv").write_text("Name,Shift\nPriya,Early\nTomasz,Late\n", encoding="utf-8")
    (d / "status.eml").write_bytes(mail_build.thunderbird())
    (d / "lease.odt").write_bytes(odt_build.real())
    (d / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n", encoding="utf-8")
    assert main(["--home", str(home.root), "ingest", str(d), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["ignored_exts"] == {".tsv": 1}, obj
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    out = capsys.readouterr().out
    for name in ("review.pptx", "prices.xlsx", "rota.csv", "status.eml", "lease.odt"):
        assert name in out, (name, out[:2000])
    assert main(["--home", str(home.root), "search", "torque wrench price"]) == 0
    assert "prices.xlsx" in capsys.readouterr().out
