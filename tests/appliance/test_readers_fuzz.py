"""The mutation fuzzer (tests/fuzzing.py) over the text formats the product reads: config.toml, a train recipe
(TOML or JSON), training-format JSONL and a BEIR folder. Bad input is the product's typed error naming the file
(and the line, where the format has lines), never a traceback. Each reader gets a small valid seed built here and a
few hundred mutants of it (random.Random with a fixed seed): byte-level and structural ones; the mutants that
crashed a reader once are kept below as fixed regression cases. GGUF headers: test_readers_fuzz_gguf.py; JSON
records (sidecars, manifests, the evidence and refusal models): test_readers_fuzz_records.py."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from ragtune.appliance.errors import ConfigError, InputError
from ragtune.appliance.tomltext import tomllib
from tests.fuzzing import DEEP, HUGE_DIGITS, dump_json, json_tree, mixed, run_mutants, toml_tree, write


# -- seeds --------------------------------------------------------------------------------------------------------
CONFIG = """\
[embed]
threads = 2
batch_size = 16

[ingest]
chunk_tokens = 120
overlap_tokens = 20
extensions = [".md", ".txt"]

[retrieve]
k = 4
fusion = "rrf"
bm25_weight = 1.5
rerank = ""

[generate]
temperature = 0.2
refusal_threshold = 0.6
min_answer_logprob = "off"
evidence_cut = -1.5
adapter_scale = 1.0
answer_candidates = 2

[serve]
port = 9000
tokens = ["alice:0123456789abcdefXYZ"]

[rollout]
min_requests = 10
auto_rollback = true
"""

RECIPE_TOML = """\
[train]
r = 16
epochs = 1
lr = 0.0003
targets = "all-linear"
weight_status = 2.5
max_len = 1024
bf16 = false
"""
RECIPE_JSON = {"r": 8, "epochs": 2, "lr": 0.0001, "targets": "attention", "dropout": 0.1, "seed": 3,
               "data": "train.jsonl", "resume": False}

EXAMPLE = {"prompt": {"system": "Answer from the sources.", "user": "When did the strike start?",
                      "context": [{"id": "S1", "text": "The strike started in 1926."},
                                  {"id": "S2", "text": "Coal was mined there."}]},
           "output": {"status": "ok", "answer": "in 1926", "citations": ["S1"]},
           "meta": {"id": "q1", "date": "2024-01-02", "reviewed": True}}
REFUSAL = {"prompt": {"system": "Answer from the sources.", "user": "Who won in 1930?",
                      "context": [{"id": "S1", "text": "The strike started in 1926."}]},
           "output": {"status": "refused", "answer": "The sources do not say.", "citations": []}}

CORPUS = [{"_id": "d1", "title": "One", "text": "The strike started in 1926."},
          {"_id": 2, "title": None, "text": "Coal was mined there.", "date": "2020-01-01"},
          {"_id": "d3", "text": "Third.", "metadata": {"date": "2021-05-06"}}]
QUERIES = [{"_id": "q1", "text": "When did the strike start?", "metadata": {"answers": ["1926"], "answerable": True}},
           {"_id": "q2", "text": "What was mined?", "metadata": {"context_id": "2"}},
           {"_id": "q3", "text": "Who won?", "metadata": {"answerable": False, "answers": []}}]
QRELS = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\t2\t1\nq3\td3\t0\n"


# -- config.toml -------------------------------------------------------------------------------------------------
def test_config_toml_fuzz(tmp_path):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home

    rng = random.Random(3801)
    path, home = tmp_path / "config.toml", Home(tmp_path / "h")
    assert load_settings(write(path, CONFIG.encode()), home=home).retrieve.k == 4  # the seed is valid

    def call(data: bytes) -> None:
        load_settings(write(path, data), home=home)

    run_mutants(mixed(rng, CONFIG.encode(), toml_tree(tomllib.loads(CONFIG)), 300), call, (str(path),),
                (ConfigError,))


# -- a train recipe (TOML or JSON) -------------------------------------------------------------------------------
def test_train_recipe_fuzz(tmp_path):
    from ragtune.models.train.config import make_config

    rng = random.Random(3802)
    toml_path, json_path = tmp_path / "recipe.toml", tmp_path / "recipe.json"
    assert make_config(write(toml_path, RECIPE_TOML.encode())).r == 16
    assert make_config(write(json_path, json.dumps(RECIPE_JSON).encode())).r == 8

    run_mutants(mixed(rng, RECIPE_TOML.encode(), toml_tree(tomllib.loads(RECIPE_TOML)), 150),
                lambda data: make_config(write(toml_path, data)), (str(toml_path),), (ConfigError,))
    seed = dump_json(RECIPE_JSON, ",\n  ").encode()
    run_mutants(mixed(rng, seed, json_tree(RECIPE_JSON), 150),
                lambda data: make_config(write(json_path, data)), (str(json_path),), (ConfigError,))


# -- training-format JSONL: `train`, `dataset merge`, `dataset build --from-log`, `eval run FILE.jsonl` -------------
def _line_due(msg: str) -> bool:
    """A JSONL reader's error names a line unless it is about the whole file."""
    return "no examples" not in msg and "cannot read" not in msg


def test_training_jsonl_fuzz(tmp_path):
    from ragtune.appliance.eval.datasets import load_training_jsonl
    from ragtune.models.dataset import build_from_log, read_examples

    rng = random.Random(3803)
    path = tmp_path / "train.jsonl"
    rows = [EXAMPLE, REFUSAL, EXAMPLE]
    seed = "".join(json.dumps(r) + "\n" for r in rows).encode()
    write(path, seed)
    assert len(read_examples(path)) == 3 and build_from_log(path)[1].answered == 2
    assert len(load_training_jsonl(path).items) == 3

    mutants = mixed(rng, seed, json_tree(rows, lines=True), 300)
    for read in (read_examples, build_from_log, load_training_jsonl):
        run_mutants(mutants, lambda data: read(write(path, data)), (str(path),), (InputError,), lines=_line_due)


# -- a BEIR folder (ingest --beir, eval run FOLDER) ---------------------------------------------------------------
def _beir_folder(root: Path, corpus: bytes, queries: bytes, qrels: bytes) -> Path:
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    (root / "corpus.jsonl").write_bytes(corpus)
    (root / "queries.jsonl").write_bytes(queries)
    (root / "qrels" / "test.tsv").write_bytes(qrels)
    return root


QRELS_FIELDS = ["", " ", "1e400", "-1e400", "nan", "inf", "-inf", "1.5", "-0", "0x10", "1_0", "9" * 5000, "2.0",
                "\udce9", "\x00", "d1\td2", "q1", "１"]


def _qrels_mutant(rng: random.Random) -> tuple[bytes, str]:
    rows = [line.split("\t") for line in QRELS.splitlines()]
    i, j = rng.randrange(len(rows)), rng.randrange(3)
    rows[i][j] = rng.choice(QRELS_FIELDS)
    return ("\n".join("\t".join(r) for r in rows) + "\n").encode("utf-8", "surrogatepass"), f"qrels[{i}][{j}]"


def test_beir_folder_fuzz(tmp_path):
    from ragtune.appliance.eval.datasets import load_beir

    rng = random.Random(3804)
    seeds = {"corpus": "".join(json.dumps(r) + "\n" for r in CORPUS).encode(),
             "queries": "".join(json.dumps(r) + "\n" for r in QUERIES).encode(), "qrels": QRELS.encode()}
    folder = _beir_folder(tmp_path / "set", seeds["corpus"], seeds["queries"], seeds["qrels"])
    assert len(load_beir(folder).items) == 3
    trees = {"corpus": json_tree(CORPUS, lines=True), "queries": json_tree(QUERIES, lines=True),
             "qrels": _qrels_mutant}
    mutants = []
    for k in range(300):
        which = ["corpus", "queries", "qrels"][k % 3]
        data, what = mixed(rng, seeds[which], trees[which], 1 + k % 2)[-1]
        mutants.append(({**seeds, which: data}, f"{which}: {what}"))
    names = tuple(str(folder / f) for f in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"))

    def call(files: dict[str, bytes]) -> None:
        load_beir(_beir_folder(folder, files["corpus"], files["queries"], files["qrels"]))

    run_mutants(mutants, call, names, (InputError,),
                lines=lambda m: "no queries" not in m and "empty qrels" not in m)


# -- the mutants that crashed a reader (and the limit beside each), kept as fixed cases ------------------------------
LONG, NESTED = HUGE_DIGITS.json_text, DEEP.json_text  # json and tomllib raised ValueError, RecursionError
JSON_DEEP = "[" * 100_000 + "]" * 100_000  # past every Python's json: 3.13 reads DEEP's 3,000 levels (tomllib does not)


@pytest.mark.parametrize("value, message", [
    (LONG, "invalid JSON at column {}: a number of 5000 digits (at most 4300 are read)"),
    (JSON_DEEP, "invalid JSON: nested too deeply"),
], ids=["5000-digits", "nested-100000"])
def test_a_jsonl_line_past_the_parsers_limits_is_named(tmp_path, value, message):
    from ragtune.appliance.beir import iter_corpus
    from ragtune.models.dataset import read_examples

    corpus = write(tmp_path / "corpus.jsonl", (json.dumps(CORPUS[0]) + '\n{"_id": "d2", "text": "x", "n": ' + value
                                               + "}\n").encode())
    with pytest.raises(InputError, match=re.escape(f"{corpus}:2: " + message.format(33))):
        list(iter_corpus(corpus))
    train = write(tmp_path / "train.jsonl", (json.dumps(EXAMPLE) + '\n{"prompt": {}, "output": {}, "meta": '
                                             + value + "}\n").encode())
    with pytest.raises(InputError, match=re.escape(f"{train}:2: " + message.format(38))):
        read_examples(train)


@pytest.mark.parametrize("score", ["nan", "inf", "-inf", "1e400", LONG],
                         ids=["nan", "inf", "-inf", "1e400", "5000-digits"])
def test_a_qrels_score_that_is_no_integer_is_named(tmp_path, score):
    from ragtune.appliance.beir import load_qrels

    path = write(tmp_path / "test.tsv", f"query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td1\t{score}\n".encode())
    with pytest.raises(InputError, match=re.escape(f"test.tsv:3: score must be an integer, got {score!r:.40}")):
        load_qrels(path)


@pytest.mark.parametrize("name, text, message", [
    ("config.toml", f"[generate]\nevidence_cut = {10 ** 400}\n",
     "invalid TOML: generate.evidence_cut = 10000000000000000000… is out of range (integers are 64-bit) (at line 2)"),
    ("config.toml", f"[generate]\nseed = {2 ** 64}\n", "generate.seed = 18446744073709551616 is out of range"),
    ("config.toml", f"[retrieve]\nk = 3\nbm25_weight = {NESTED}\n", "invalid TOML: nested too deeply (at line 3)"),
    ("config.toml", f"[retrieve]\nk = {LONG}\n", "invalid TOML: a number of 5000 digits (at most 4300 are read) "
                                                 "(at line 2, column 5)"),
    ("recipe.toml", f"[train]\nr = {NESTED}\n", "invalid TOML: nested too deeply (at line 2)"),
    ("recipe.toml", '[train]\ntargets = ["attention"]\n', "recipe.toml:2: train.targets: must be one of"),
    ("recipe.toml", '[train]\ntargets = {a = 1}\n', "recipe.toml:2: train.targets: must be one of"),
    ("recipe.json", '{\n  "r": 8,\n  "lr": ' + LONG + '\n}', "recipe.json:3: invalid JSON at column 9: a number "
                                                             "of 5000 digits"),
], ids=["config-10**400", "config-2**64", "config-nested", "config-5000-digits", "recipe-nested", "recipe-list",
        "recipe-table", "recipe-json-5000-digits"])
def test_a_toml_or_recipe_file_past_the_parsers_limits_is_named(tmp_path, name, text, message):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home
    from ragtune.models.train.config import make_config

    path = write(tmp_path / name, text.encode())
    with pytest.raises(ConfigError, match=re.escape(message)) as e:
        load_settings(path, home=Home(tmp_path / "h")) if name == "config.toml" else make_config(path)
    assert str(e.value).startswith(str(path))
