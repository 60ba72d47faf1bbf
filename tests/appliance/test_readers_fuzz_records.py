"""The mutation fuzzer (tests/fuzzing.py) over the JSON records the product reads: stage sidecars, registry
manifests (validate_manifest), the evidence model and the refusal model. Bad input is the product's typed error
naming the file (and its line), never a traceback. Each reader gets a small valid seed and a few hundred mutants of
it; the mutants that crashed a reader once are kept below as fixed regression cases."""

from __future__ import annotations

import json
import random
import re

import pytest

from ragtune.appliance.errors import InputError, ModelError
from tests.fuzzing import DEEP, HUGE_DIGITS, json_objects, json_tree, mixed, run_mutants, write

REFUSAL_MODEL = {"features": ["p_refused_logit", "evidence_score", "answer_min_logprob", "answer_sentence"],
                 "mean": [-2.0, 0.5, -3.0, 0.6], "scale": [1.5, 1.0, 2.0, 0.3], "weights": [0.8, -0.5, -0.4, -0.9],
                 "bias": -1.2, "threshold": 0.5}
EVIDENCE = {"format": 1, "features": ["best_sentence", "top_rerank", "number_missing"], "mean": [0.6, 0.1, 0.2],
            "scale": [0.2, 1.3, 0.4], "weights": [1.1, 0.9, -0.7], "bias": 0.3, "cut": -0.5,
            "fitted": {"n": 200, "on": "train domains"}}


def test_stage_sidecar_fuzz(tmp_path):
    from ragtune.appliance.hashing import sha256_path
    from ragtune.appliance.lineage import stage_lineage
    from tests.gguf_helpers import write_gguf

    rng = random.Random(3806)
    f = write_gguf(tmp_path / "a.gguf", tag="a")
    digest = sha256_path(f)
    side = f.with_name("a.gguf.json")
    record = {"stage": "lora", "adapter": "/x/run", "adapter_id": "a" * 64, "base": "/x/base.gguf",
              "base_id": "b" * 64, "outtype": "f16", "script": "convert_lora_to_gguf.py", "seconds": 1.5,
              "tools": {"gguf": "0.1", "llama-cpp-python": "0.3"}, "id": digest, "sha256": digest}
    seed = json.dumps(record, indent=2).encode()
    write(side, seed)
    assert stage_lineage(f, "lora-gguf", digest)["base_id"] == "b" * 64

    def call(data: bytes) -> None:
        write(side, data)
        stage_lineage(f, "lora-gguf", digest)

    run_mutants(mixed(rng, seed, json_tree(record), 300), call, (str(side),), (InputError,))


def test_registry_manifest_fuzz(tmp_path):
    """artifacts.validate_manifest, over what a manifest file can parse to."""
    from ragtune.appliance.artifacts import validate_manifest

    rng = random.Random(3807)
    m = {"format": 1, "id": "c" * 64, "kind": "lora-gguf", "name": "mine", "file": "blobs/x/a.gguf", "size": 120,
         "created": "2025-01-01T00:00:00Z", "licence": "", "lineage": {"base_id": "b" * 64, "tools": {"gguf": "1"}},
         "is_dir": False}
    where = tmp_path / ("c" * 64 + ".json")
    assert validate_manifest(m, where, "c" * 64) == m
    # (a text json cannot parse is the registry reader's error, not this function's input)
    run_mutants(json_objects(rng, m, 300), lambda obj: validate_manifest(obj, where, "c" * 64), (str(where),),
                (ModelError,))


def test_evidence_model_fuzz(tmp_path):
    from ragtune.appliance.evidence import load

    rng = random.Random(3808)
    path = tmp_path / "evidence.json"
    seed = json.dumps(EVIDENCE, indent=2).encode()
    assert load(write(path, seed)).cut == -0.5
    run_mutants(mixed(rng, seed, json_tree(EVIDENCE), 300), lambda data: load(write(path, data)), (str(path),),
                (ModelError,))


def test_refusal_model_fuzz():
    """refusal_model.parse answers a bad object with ValueError naming the field (its callers add the file: a
    built-in adapter's manifest, a recipe's [serving.refusal_model]); nothing else."""
    from ragtune.appliance.refusal_model import parse

    rng = random.Random(3809)
    assert parse(REFUSAL_MODEL).threshold == 0.5
    run_mutants(json_objects(rng, REFUSAL_MODEL, 300), parse, (), (ValueError,))  # as a JSON reader hands it over


# -- the mutants that crashed a reader (and the limit beside each), kept as fixed cases ------------------------------
LONG, NESTED = HUGE_DIGITS.json_text, DEEP.json_text  # json and tomllib raised ValueError, RecursionError
JSON_DEEP = "[" * 100_000 + "]" * 100_000  # past every Python's json: 3.13 reads DEEP's 3,000 levels (tomllib does not)


@pytest.mark.parametrize("record, line, message", [
    ('{\n  "stage": ["lora"]\n}', 2, "'stage' must be one of lora, soup, gguf, quantize, merge, got ['lora']"),
    ('{\n  "stage": {"lora": 1}\n}', 2, "'stage' must be one of"),
    ('{\n  "stage": "lora",\n  "seconds": ' + LONG + '\n}', 3, "invalid JSON at column 14: a number of 5000 digits"),
], ids=["stage-list", "stage-object", "5000-digits"])
def test_a_stage_sidecar_that_crashed_is_named(tmp_path, record, line, message):
    from ragtune.appliance.lineage import stage_lineage
    from tests.gguf_helpers import write_gguf

    f = write_gguf(tmp_path / "a.gguf", tag="a")
    side = write(f.with_name("a.gguf.json"), record.encode())
    with pytest.raises(InputError, match=re.escape(f"{side}:{line}: ")) as e:
        stage_lineage(f, "lora-gguf", "0" * 64)
    assert message in e.value.message


@pytest.mark.parametrize("change, key, message", [
    ({"mean": [0.6, 10 ** 400, 0.2]}, "mean", "'mean' must be a list of 3 numbers"),
    ({"scale": [0.2, 1.3, 10 ** 400]}, "scale", "'scale' must be a list of 3 numbers"),
    ({"bias": 10 ** 400}, "bias", "'bias' must be a number"),
    ({"cut": LONG}, "cut", "invalid evidence model JSON at column 10: a number of 5000 digits"),
    ({"fitted": JSON_DEEP}, "fitted", "invalid evidence model JSON: nested too deeply"),
], ids=["mean-10**400", "scale-10**400", "bias-10**400", "cut-5000-digits", "fitted-nested"])
def test_an_evidence_model_that_crashed_is_named(tmp_path, change, key, message):
    from ragtune.appliance.evidence import load

    spec = {**EVIDENCE, **{k: v for k, v in change.items() if not isinstance(v, str)}}
    text = json.dumps(spec, indent=2)
    for k, v in change.items():
        if isinstance(v, str):  # raw text: what json cannot write
            text = text.replace(json.dumps(spec[k], indent=2).replace("\n", "\n  "), v)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(f'  "{key}":'))
    path = write(tmp_path / "evidence.json", text.encode())
    with pytest.raises(ModelError, match=re.escape(message)) as e:
        load(path)
    assert e.value.message.startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("key, value", [("mean", [10 ** 400, 0, 0, 0]), ("scale", [1, 1, 10 ** 400, 1]),
                                        ("weights", [0, 0, 0, -(10 ** 400)]), ("bias", 10 ** 400),
                                        ("threshold", 10 ** 400)],
                         ids=["mean", "scale", "weights", "bias", "threshold"])
def test_a_refusal_model_with_a_number_past_a_float_is_a_value_error(key, value):
    from ragtune.appliance.refusal_model import parse

    with pytest.raises(ValueError, match=f"'{key}' must be"):  # was OverflowError
        parse({**REFUSAL_MODEL, key: value})


@pytest.mark.parametrize("change, message", [
    ({"x\udce9": 1}, "unknown keys: x\\udce9"),
    ({"lineage": {"base\udce9": "b"}}, "unknown lineage keys: base\\udce9"),
], ids=["key", "lineage-key"])
def test_a_manifest_key_that_is_not_unicode_is_named_printably(tmp_path, change, message):
    from ragtune.appliance.artifacts import validate_manifest

    m = {"format": 1, "id": "c" * 64, "kind": "lora-gguf", "name": "mine", "file": "a.gguf", "size": 1,
         "created": "2025-01-01T00:00:00Z", "licence": "", "lineage": {}, **change}
    with pytest.raises(ModelError, match=re.escape(message)) as e:
        validate_manifest(m, tmp_path / "m.json")
    e.value.message.encode("utf-8")  # was: a lone surrogate in the message, which no terminal can be sent
