"""Round 54: ingest's embedder (`Embedder(bulk=True)`, or `embed.BULK` set while ingest makes it) runs its
onnxruntime pool without spinning between operators, which cut an ingest's CPU by ~40% on a loaded 2-core box
(benchmarks/bench_r54_rows_ingest.py); the vectors are the same, and a query's embedder keeps spinning."""

from __future__ import annotations

import numpy as np
import pytest

from ragtune.appliance import embed as embed_mod
from ragtune.appliance.config import EmbedConfig, Settings
from ragtune.appliance.errors import ModelError

from .ingest_helpers import FakeEmbedder

SPIN = "session.intra_op.allow_spinning"


def _spin_entry(so) -> str | None:
    try:
        return so.get_session_config_entry(SPIN)
    except RuntimeError:  # not set: onnxruntime's default, spinning
        return None


def test_session_options_sleep_between_operators_only_when_asked():
    assert _spin_entry(embed_mod.session_options(2)) is None
    assert _spin_entry(embed_mod.session_options(2, spinning=False)) == "0"
    quiet = embed_mod.session_options(2, spinning=False)  # the rest is as before
    assert quiet.intra_op_num_threads == 2 and quiet.log_severity_level == 4
    assert quiet.get_session_config_entry("session.force_spinning_stop") == "1"


def test_a_bulk_embedder_gives_the_same_vectors(tmp_path):
    from ragtune.appliance.home import Home

    texts = [f"Asset tag: AT-{100000 + i}; Category: Laptop; Site: Leeds office; Notes: {'battery ' * (i % 7)}"
             for i in range(40)]
    texts += ["A paragraph of prose about the allotment association's accounts, " * 6, "x", "hello world"]
    try:
        spinning = embed_mod.Embedder(EmbedConfig(threads=2, batch_size=8), Home(tmp_path / "a"))
        bulk = embed_mod.Embedder(EmbedConfig(threads=2, batch_size=8), Home(tmp_path / "b"), bulk=True)
    except ModelError as exc:  # pragma: no cover - default models always installed in CI
        pytest.skip(f"default embedder not installed: {exc}")
    with spinning, bulk:
        a, b = spinning.encode(texts), bulk.encode(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.abs(a - b).max() < 1e-5


def test_ingest_makes_a_bulk_embedder_and_a_given_one_is_used_as_is(home, tmp_path, monkeypatch, tokenizer):
    from ragtune.appliance.ingest.pipeline import ingest_paths

    made: list[bool] = []

    class Recording(FakeEmbedder):  # records how ingest made its embedder
        def __init__(self, cfg, home_):  # as the other tests' stand-ins: (cfg, home) only
            made.append(embed_mod.BULK.get())
            super().__init__(tokenizer)

    monkeypatch.setattr(embed_mod, "Embedder", Recording)
    monkeypatch.setattr(embed_mod, "model_identity", lambda cfg, h: (FakeEmbedder.model_id, 256))
    doc = tmp_path / "notes.md"
    doc.write_text("# Notes\n\nThe boiler is serviced every October by the caretaker.\n", encoding="utf-8")
    settings = Settings(home=home)
    assert ingest_paths(settings, [doc]).added == 1
    assert made == [True]
    doc.write_text("# Notes\n\nThe boiler is serviced every November now.\n", encoding="utf-8")
    assert ingest_paths(settings, [doc], embedder=FakeEmbedder(tokenizer)).updated == 1
    assert made == [True]  # a caller's embedder: none made
    assert embed_mod.BULK.get() is False  # only while ingest made its own


def test_bulk_comes_from_the_context_unless_given(home, monkeypatch):
    seen: list[bool] = []
    monkeypatch.setattr(embed_mod, "session_options", lambda threads, *, spinning=True: seen.append(spinning) or 1 / 0)
    for bulk, ctx in ((None, False), (None, True), (False, True), (True, False)):
        token = embed_mod.BULK.set(ctx)
        try:
            with pytest.raises(ZeroDivisionError):  # the stubbed options stop it: only what they were asked counts
                embed_mod.Embedder(EmbedConfig(threads=2), home, bulk=bulk)
        finally:
            embed_mod.BULK.reset(token)
    assert seen == [True, False, True, False]
