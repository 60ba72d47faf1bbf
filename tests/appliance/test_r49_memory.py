"""Round 49, ingest memory: the embedder's forward passes are bounded at embed.TOKEN_BUDGET padded tokens (2 x 256),
whatever the document's size (onnxruntime's arena keeps the high-water mark of the largest pass: 8 x 256 held
+300 MB above the model to the end of an ingest, 2 x 256 +85 MB), and the smaller passes store the same vectors,
byte for byte."""

from __future__ import annotations

import random

import numpy as np
import pytest

from ragtune.appliance.config import EmbedConfig
from ragtune.appliance.errors import ModelError


@pytest.fixture(scope="module")
def emb(tmp_path_factory):
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home

    try:
        e = Embedder(EmbedConfig(threads=1), Home(tmp_path_factory.mktemp("h")))
    except ModelError as exc:  # pragma: no cover - default models always installed in CI
        pytest.skip(f"default embedder not installed: {exc}")
    yield e
    e.close()


def _texts(n: int, seed: int = 3, most: int = 300) -> list[str]:
    rng = random.Random(seed)
    words = "record office river policy engine garden market signal memory ledger permit survey tenant".split()
    return [" ".join(rng.choice(words) for _ in range(rng.randint(1, most))) for _ in range(n)]


class _Shapes:
    """Stands in for the onnxruntime session: records each pass's (rows, width), returns zero hidden states."""

    def __init__(self, sess):
        self.sess, self.shapes = sess, []

    def run(self, outputs, feed, *rest):
        rows, width = feed["input_ids"].shape
        self.shapes.append((rows, width))
        return [np.ones((rows, width, 384), dtype=np.float32)]

    def __getattr__(self, name):
        return getattr(self.sess, name)


def test_no_forward_pass_holds_more_than_the_token_budget_however_big_the_document(emb, monkeypatch):
    from ragtune.appliance import embed

    assert embed.TOKEN_BUDGET <= 512
    spy = _Shapes(emb._sess)
    monkeypatch.setattr(emb, "_sess", spy)
    texts = _texts(300, most=400)  # many truncated at 256 tokens, many short
    v = emb.encode(texts)
    assert v.shape == (300, 384)
    assert sum(r for r, _ in spy.shapes) == 300
    assert all(r * w <= embed.TOKEN_BUDGET or r == 1 for r, w in spy.shapes), max(r * w for r, w in spy.shapes)
    assert max(w for _, w in spy.shapes) == emb.max_seq_len  # the long ones did go through, truncated
    assert max(r for r, _ in spy.shapes) > 2  # short texts still share a pass


def test_smaller_passes_give_the_same_vectors_byte_for_byte(emb, monkeypatch):
    texts = _texts(10, seed=5)
    ids = emb.token_ids(texts)
    now = emb.encode_token_ids(ids)
    monkeypatch.setattr(emb, "token_budget", 2048)  # the budget before round 49: 8 x 256 tokens a pass
    before = emb.encode_token_ids(ids)
    assert now.tobytes() == before.tobytes()
    alone = np.stack([emb.encode_query(t) for t in texts[:3]])  # and one at a time, as a query is
    assert alone.tobytes() == now[:3].tobytes()
