"""The real embedder (int8 MiniLM via onnxruntime): shapes, normalisation, batching order, truncation,
semantic sanity, model location/verification and custom embedder folders."""

from __future__ import annotations

import os

import numpy as np
import pytest

from ragtune.appliance.config import EmbedConfig
from ragtune.appliance.errors import ModelError


@pytest.fixture(scope="module")
def emb(tmp_path_factory):
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home

    try:
        e = Embedder(EmbedConfig(threads=1, batch_size=4), Home(tmp_path_factory.mktemp("h")))
    except ModelError as exc:  # pragma: no cover - default models always installed in CI
        pytest.skip(f"default embedder not installed: {exc}")
    yield e
    e.close()


def test_shapes_and_norms(emb):
    v = emb.encode(["hello world", "a second, somewhat longer sentence about nothing", "x"])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert emb.encode([]).shape == (0, 384)
    q = emb.encode_query("hello world")
    assert q.shape == (384,) and np.allclose(q, v[0], atol=1e-5)
    assert emb.dim == 384 and emb.max_seq_len == 256


def test_length_batching_restores_order(emb):
    texts = [("word " * n).strip() + f" {n}" for n in (50, 1, 120, 7, 3, 90, 15, 2, 60)]
    together = emb.encode(texts)  # batch_size 4: sorted by length across several batches
    alone = np.stack([emb.encode_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_paraphrase_closer_than_unrelated(emb):
    a, b, c = emb.encode(["How do I reset my password?",
                          "What are the steps to change a forgotten password?",
                          "The volcano erupted and covered the village in ash."])
    assert float(a @ b) > float(a @ c) + 0.2
    assert float(a @ b) > 0.5


def test_truncates_at_max_seq_len(emb):
    ids = emb.tokenizer.encode(" ".join(f"token{i}" for i in range(400)), add_special_tokens=False).ids
    assert len(ids) > 300
    long_text = emb.tokenizer.decode(ids)
    cut = emb.tokenizer.decode(ids[: emb.max_seq_len - 2])
    assert np.allclose(emb.encode_query(long_text), emb.encode_query(cut), atol=1e-4)


def test_tokenizer_is_plain_and_count_tokens(emb):
    assert emb.tokenizer.truncation is None and emb.tokenizer.padding is None
    assert emb.count_tokens("hello world") == 2
    assert emb.count_tokens("word " * 1000) == 1000  # no truncation when counting


def test_model_id_is_onnx_sha256(emb):
    from ragtune.appliance.hashing import sha256_file

    assert emb.model_id == sha256_file(emb.model_path) and len(emb.model_id) == 64


def test_encode_rejects_single_string(emb):
    with pytest.raises(TypeError):
        emb.encode("not a list")


def test_custom_folder(tmp_path, emb):
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home
    from ragtune.appliance.default_models import locate_all

    onnx, tok = locate_all("all-minilm-l6-v2-int8")
    folder = tmp_path / "my-embedder"
    folder.mkdir()
    os.symlink(onnx, folder / "model.onnx")
    os.symlink(tok, folder / "tokenizer.json")
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    e = Embedder(EmbedConfig(model=str(folder), threads=1), Home(tmp_path / "h"))
    assert e.max_seq_len == 128 and e.source == "folder"
    assert np.allclose(e.encode_query("hello world"), emb.encode_query("hello world"), atol=1e-5)
    e.close()

    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json: missing"):
        Embedder(EmbedConfig(model=str(folder)), Home(tmp_path / "h"))
    with pytest.raises(ModelError, match="not found"):
        Embedder(EmbedConfig(model=str(tmp_path / "nothing-here")), Home(tmp_path / "h"))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.onnx").write_bytes(b"not an onnx model")
    os.symlink(tok, bad / "tokenizer.json")
    with pytest.raises(ModelError, match="cannot load ONNX model"):
        Embedder(EmbedConfig(model=str(bad)), Home(tmp_path / "h"))


def test_unknown_and_wrong_kind(tmp_path):
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home

    with pytest.raises(ModelError, match="unknown embedder"):
        Embedder(EmbedConfig(model="no-such-model"), Home(tmp_path))
    with pytest.raises(ModelError, match="not an embedder"):
        Embedder(EmbedConfig(model="smollm2-135m-instruct-q4_1"), Home(tmp_path))


@pytest.mark.parametrize("where", ["cache", "home"])
def test_tampered_model_is_refused(tmp_path, where):
    """A file in the model cache (or, before it, HOME/models/<name>/) is preferred, and verified: a mismatch is a
    ModelError, not a crash."""
    from ragtune.appliance.embed import Embedder
    from ragtune.appliance.home import Home
    from ragtune.appliance.default_models import cache_path, file_specs

    home = Home(tmp_path)
    spec = file_specs("all-minilm-l6-v2-int8")[0]
    f = cache_path(spec) if where == "cache" else home.models_dir / "all-minilm-l6-v2-int8" / "model.onnx"
    f.parent.mkdir(parents=True)
    f.write_bytes(b"tampered")
    with pytest.raises(ModelError, match="does not match the manifest"):
        Embedder(EmbedConfig(), home)


def test_plan_batches_caps_rows_and_padded_tokens():
    from ragtune.appliance.embed import plan_batches

    lengths = [5, 300, 10, 256, 256, 20, 3] + [8] * 60
    batches = plan_batches(lengths, 32, 512)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))  # every text exactly once
    for b in batches:
        width = max(lengths[i] for i in b)
        assert len(b) <= 32 and (len(b) * width <= 512 or len(b) == 1)
        assert [lengths[i] for i in b] == sorted(lengths[i] for i in b)
    assert [1] in batches  # the over-long one alone


def test_slabs_keep_order(emb, monkeypatch):
    import ragtune.appliance.embed

    texts = [f"text number {i} " + "pad " * (i % 7) for i in range(11)]
    expect = np.stack([emb.encode_query(t) for t in texts])
    monkeypatch.setattr(ragtune.appliance.embed, "SLAB", 4)
    assert np.allclose(emb.encode(texts), expect, atol=1e-4)


def test_encoding_token_ids_is_encoding_their_texts(emb):
    """Ingest tokenises a chunk once (its reuse key) and hands the ids to `encode_token_ids`: same vectors, byte for
    byte, as `encode` of the texts (same slabs, same length-sorted batches)."""
    texts = [("word " * n).strip() + f" {n}" for n in (50, 1, 300, 7, 3, 90)]
    assert emb.encode_token_ids(emb.token_ids(texts)).tobytes() == emb.encode(texts).tobytes()
    assert emb.encode_token_ids([]).shape == (0, 384)


def test_the_real_embedder_keys_what_it_encodes(emb):
    """What the pipeline keys reuse on (embed.py `token_ids`) is what the model runs on: whitespace and case fold,
    the sequence is cut at max_seq_len with [SEP] kept, and the same ids give the same vector, byte for byte."""
    from ragtune.appliance.ingest.reuse import embed_keys

    e = emb
    long = "Waterways\n" + " ".join(f"lock{i}" for i in range(400))
    texts = ["Waterways\nBoats,  locks\tand\n canals.", "waterways boats, locks and canals.", long,
             long + " and a tail it never reads", "Waterways\nBoats, weirs and canals."]
    ids = [x.tolist() for x in e.token_ids(texts)]
    cls_, sep = e.tokenizer.token_to_id("[CLS]"), e.tokenizer.token_to_id("[SEP]")
    assert ids[0] == ids[1] and ids[0][0] == cls_ and ids[0][-1] == sep
    assert len(ids[2]) == e.max_seq_len and ids[2][-1] == sep and ids[2] == ids[3]
    k = embed_keys(e, texts)
    assert k[0] == k[1] and k[2] == k[3] and len({k[0], k[2], k[4]}) == 3
    v = e.encode(texts)
    assert v[0].tobytes() == v[1].tobytes() and v[2].tobytes() == v[3].tobytes()


def test_token_ids_tokenises_a_slab_at_a_time_into_arrays(emb, monkeypatch):
    """Ingest asks for the ids of every chunk of a document at once: one `encode_batch` of a 10 MB file's 21k chunks
    held 550 MB of Encoding objects and 120 MB of int lists (a 40 MB export would have passed 2 GB). They come a
    slab at a time, kept as uint32 arrays, the same ids."""
    import ragtune.appliance.embed

    texts = [f"record {i} " + "ledger " * (i % 5) for i in range(11)]
    expect = [e.ids for e in emb._enc.encode_batch(texts)]
    sizes: list[int] = []
    real = emb._enc

    class Counting:
        def encode_batch(self, batch):
            sizes.append(len(batch))
            return real.encode_batch(batch)

    monkeypatch.setattr(ragtune.appliance.embed, "SLAB", 4)
    monkeypatch.setattr(emb, "_enc", Counting())
    got = emb.token_ids(texts)
    assert sizes == [4, 4, 3]
    assert all(isinstance(x, np.ndarray) and x.dtype == np.dtype("<u4") for x in got)
    assert [x.tolist() for x in got] == expect
