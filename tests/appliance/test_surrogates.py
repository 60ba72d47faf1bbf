"""Text holding a lone surrogate (a "\\udce9" JSON escape, or a command-line argument whose bytes are not UTF-8)
cannot be encoded as UTF-8: it ended in "internal error: UnicodeEncodeError … surrogates not allowed" (exit 70) at
SQLite, a file write or the terminal. Each way in is now a clear error naming the file and line (or the argument),
except a corpus passage's text, where the surrogate becomes U+FFFD (beir.iter_corpus says why; the ingest summary
notes it), and a question argument of `ask` or `search`, whose bytes are decoded again (normalize.from_argv)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ragtune.appliance.beir import iter_corpus
from ragtune.appliance.errors import InputError
from ragtune.appliance.eval.datasets import load_dataset
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.jsonl import check_file_unicode, iter_jsonl, read_json_object_text, surrogate_line
from ragtune.appliance.normalize import check_unicode, from_argv
from ragtune.appliance.store import Store
from ragtune.cli import main

from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)

BAD = "lone surrogate \\udce9"  # how every message names it: an escape, printable and encodable


def _lines(path, *lines: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")  # lines are JSON text, escapes kept
    return path


# -- the shared checks ------------------------------------------------------------------------------------------
def test_check_unicode_names_what_and_the_escape():
    assert check_unicode("café 😀", "VALUE") == "café 😀"
    with pytest.raises(InputError) as e:
        check_unicode("caf\udce9", "VALUE")
    assert e.value.message == f"VALUE is not valid Unicode (a {BAD})"
    e.value.message.encode("utf-8")


def test_iter_jsonl_names_the_line_and_the_field(tmp_path):
    p = _lines(tmp_path / "x.jsonl", '{"a": "ok \\ud83d\\ude00", "b": "\\\\udce9 is an escaped backslash"}',
               '{"m": [{"c": "fine"}, {"c": "x\\udce9"}]}')
    with pytest.raises(InputError) as e:
        list(iter_jsonl(p))
    assert e.value.message == f"{p}:2: field 'm[1].c' is not valid Unicode (a {BAD})"
    _lines(p, '{"k\\ud800": 1}')
    with pytest.raises(InputError, match=r"x.jsonl:1: a key is not valid Unicode \(a lone surrogate \\ud800\)"):
        list(iter_jsonl(p))


def test_surrogate_line_finds_the_lone_one_not_a_pair_or_an_escaped_backslash():
    assert surrogate_line('{\n"a": "\\ud83d\\ude00",\n"b": "\\\\udce9",\n"c": "\\udce9"}') == 4
    assert surrogate_line('{\n"a":\n"\\ud83d x"}') == 3  # a high half with no low half
    assert surrogate_line('{"a": "\\ud83d\\ude00 \\\\ud800"}') is None


def test_a_json_file_handed_in_names_its_line(tmp_path):
    p = tmp_path / "a.json"
    p.write_text('{\n  "status": "ok",\n  "answer": "caf\\udce9"\n}', encoding="utf-8")
    obj, text = read_json_object_text(p)  # the product's own files may hold such escapes: reading them is unchanged
    with pytest.raises(InputError) as e:
        check_file_unicode(obj, text, p)
    assert e.value.message == f"{p}:3: field 'answer' is not valid Unicode (a {BAD})"


# -- 1. BEIR corpus rows at ingest ------------------------------------------------------------------------------
def test_corpus_id_is_refused_text_title_and_date_get_a_replacement_character(tmp_path):
    p = _lines(tmp_path / "corpus.jsonl", '{"_id": "d1", "title": "T\\ud800", "text": "caf\\udce9 au lait", '
               '"date": "2020-01-02\\udfff"}', '{"_id": "d\\udce9", "text": "x"}')
    rows = iter_corpus(p)
    assert next(rows) == {"_id": "d1", "title": "T\ufffd", "text": "caf\ufffd au lait", "date": "2020-01-02\ufffd"}
    with pytest.raises(InputError) as e:
        next(rows)
    assert e.value.message == f"{p}:2: field '_id' is not valid Unicode (a {BAD})"


def test_ingest_of_such_a_corpus_is_a_failure_of_that_file_or_stores_the_text(settings, tmp_path, fake):
    """The reported crash: `{"_id": "d\\udce9", …}` in a corpus.jsonl ended the ingest with exit 70."""
    corpus = _lines(tmp_path / "set" / "corpus.jsonl", '{"_id": "d1", "text": "passage one about cats"}',
                    '{"_id": "d\\udce9", "text": "passage two"}')
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert s.added == 0 and s.failed == [(str(corpus), f"{corpus}:2: field '_id' is not valid Unicode (a {BAD})")]
    _lines(corpus, '{"_id": "d1", "text": "passage one about cats"}',
           '{"_id": "d2", "title": "Caf\\udce9", "text": "passage two about caf\\udce9s"}')
    s = ingest_paths(settings, [corpus], embedder=fake)
    assert s.added == 2 and s.failed == [] and s.notes == [(str(corpus), NOTE.format(1, ""))]
    with Store(settings.home.db_path) as st:
        row = st.query("SELECT d.title, c.text FROM documents d JOIN chunks c ON c.doc_id = d.id WHERE d.path = ?",
                       (f"{corpus}#d2",))
        assert [tuple(r) for r in row] == [("Caf\ufffd", "passage two about caf\ufffds")]


NOTE = ("{} row{} had text that is not valid Unicode (a lone surrogate such as \\udce9 in the title, text or date): "
        "stored with \ufffd in its place")


def test_ingest_notes_the_rows_whose_text_got_a_replacement_character(home, tmp_path, fake, monkeypatch, capsys):
    """A corpus whose passages held "\\udce9" escapes was stored with U+FFFD in their place, and nothing said so."""
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: fake)
    rows = ['{"_id": "d1", "title": "T\\ud800", "text": "one"}',
            '{"_id": 2, "text": "two \\ud83d\\ude00 \\\\udce9"}',  # a pair, an escaped backslash: text
            '{"_id": "d3", "text": "three", "metadata": {"date": "2020\\udfff"}}', '{"_id": "d4", "text": "caf\\udce9"}']
    corpus = _lines(tmp_path / "corpus.jsonl", *rows)
    assert main(["--home", str(home.root), "ingest", str(corpus)]) == 0
    assert f"note: {corpus}: {NOTE.format(3, 's')}" in capsys.readouterr().out.splitlines()
    _lines(corpus, *rows, '{"_id": "d5", "text": "f\\udce9te"}')  # only the rows stored now are counted
    assert main(["--home", str(home.root), "ingest", "--json", str(corpus)]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == [{"path": str(corpus), "note": NOTE.format(1, "")}]
    assert main(["--home", str(home.root), "ingest", "--json", str(corpus)]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == []


def test_ingest_cli_says_which_line(home, tmp_path, fake, monkeypatch, capsys):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: fake)
    corpus = _lines(tmp_path / "corpus.jsonl", '{"_id": "d\\udce9", "text": "hello"}')
    assert main(["--home", str(home.root), "ingest", str(corpus)]) == 2
    assert f"failed: {corpus}:1: field '_id' is not valid Unicode (a {BAD})" in capsys.readouterr().out


# -- 2. eval datasets and training JSONL ------------------------------------------------------------------------
def _beir(root, query: str, corpus: str = '{"_id": "d1", "text": "Paris is the capital of France."}'):
    _lines(root / "corpus.jsonl", corpus)
    _lines(root / "queries.jsonl", '{"_id": "q0", "text": "fine", "metadata": {"answers": ["Paris"]}}', query)
    (root / "qrels").mkdir(exist_ok=True)
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq0\td1\t1\n")
    return root


@pytest.mark.parametrize("query,field", [
    ('{"_id": "q1", "text": "capital of Fr\\udce9nce?", "metadata": {"answers": ["Paris"]}}', "text"),
    ('{"_id": "q1", "text": "capital?", "metadata": {"answers": ["Par\\udce9s"]}}', "metadata.answers[0]"),
    ('{"_id": "q\\udce9", "text": "capital?"}', "_id"),
])
def test_eval_beir_queries_name_file_line_and_field(tmp_path, query, field):
    """`ragtune eval run` answered every question, then failed writing its report (exit 70)."""
    root = _beir(tmp_path / "set", query)
    with pytest.raises(InputError) as e:
        load_dataset(root)
    assert e.value.message == f"{root / 'queries.jsonl'}:2: field '{field}' is not valid Unicode (a {BAD})"


@pytest.mark.parametrize("user,answer,field", [("capital of Fr\\udce9nce?", "Paris", "prompt.user"),
                                               ("capital of France?", "Par\\udce9s", "output.answer")])
def test_eval_training_jsonl_names_file_line_and_field(tmp_path, user, answer, field):
    p = _lines(tmp_path / "t.jsonl", _example("capital of France?", "Paris"), _example(user, answer))
    with pytest.raises(InputError) as e:
        load_dataset(p)
    assert e.value.message == f"{p}:2: field '{field}' is not valid Unicode (a {BAD})"


def _example(user: str, answer: str) -> str:
    ctx = '[{"id": "S1", "text": "Paris is the capital of France."}]'
    return (f'{{"prompt": {{"system": "s", "context": {ctx}, "user": "{user}"}}, '
            f'"output": {{"status": "ok", "answer": "{answer}", "citations": ["S1"]}}}}')


def test_dataset_merge_names_file_line_and_field(tmp_path, capsys):
    """`ragtune dataset merge` (the training-data reader, ragtune.models.dataset) ended in exit 70."""
    ok = _lines(tmp_path / "ok.jsonl", _example("capital of France?", "Paris"))
    bad = _lines(tmp_path / "bad.jsonl", _example("capital of France?", "Paris"), _example("capital?", "Par\\udce9s"))
    assert main(["dataset", "merge", str(ok), str(bad), "--out", str(tmp_path / "m")]) == 2
    assert f"error: {bad}:2: field 'output.answer' is not valid Unicode (a {BAD})" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


# -- 3. command-line arguments ----------------------------------------------------------------------------------
def test_config_set_value_not_utf8_is_an_input_error(tmp_path, capsys):
    """`ragtune config set generate.remote_model $'x\\xe9'` said the edit would break the file (edit it by hand)."""
    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "init"]) == 0
    before = (home / "config.toml").read_bytes()
    capsys.readouterr()
    assert main(["--home", str(home), "config", "set", "generate.remote_model", "x\udce9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: VALUE is not valid Unicode (a {BAD})\n  hint: its bytes are not UTF-8")
    assert "without breaking" not in err and (home / "config.toml").read_bytes() == before


def test_log_review_with_a_surrogate_is_refused_and_stores_nothing(fakes, capsys, tmp_path):  # noqa: F811
    """`ragtune log review N --answer-json …` with a "\\udce9" escape (inline or in the file) or an argument whose
    bytes are not UTF-8 was exit 70 (the store could not take the review)."""
    assert main(["ask", "--json", "When was the Eiffel Tower built?"]) == 0
    capsys.readouterr()
    f = tmp_path / "review.json"
    f.write_text('{\n  "status": "ok",\n  "answer": "1889 caf\\udce9",\n  "citations": ["S1"]\n}', encoding="utf-8")
    for arg, message in (('{"status": "ok", "answer": "1889\\udce9", "citations": ["S1"]}',
                          f"--answer-json: field 'answer' is not valid Unicode (a {BAD})"),
                         ('{"status": "ok", "answer": "1889\udce9", "citations": ["S1"]}',
                          f"--answer-json is not valid Unicode (a {BAD})"),
                         (f"@{f}", f"{f}:3: field 'answer' is not valid Unicode (a {BAD})")):
        assert main(["log", "review", "1", "--answer-json", arg]) == 2
        assert capsys.readouterr().err.startswith(f"error: {message}")
    assert main(["log", "show", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["review"] is None
    # a pair escape is one character, and an escaped backslash is text: both are fine
    ok = '{"status": "ok", "answer": "1889 \\ud83d\\ude00 \\\\udce9", "citations": ["S1"]}'
    assert main(["log", "review", "1", "--answer-json", ok]) == 0


# -- 4. a question whose bytes are not UTF-8 (a Latin-1 or cp1252 terminal) -------------------------------------
def test_from_argv_decodes_such_bytes_again():
    assert from_argv("capital of Fr\udce9nce?") == "capital of Frénce?"  # b"Fr\xe9nce": cp1252
    assert from_argv("caf\udcc3\udca9 \udc80") == "café €"  # UTF-8 escaped whole (an ASCII locale); cp1252's €
    assert from_argv("a\udc81b") == "a\ufffdb"  # a byte cp1252 leaves unused
    # an encoded surrogate (b"\xed\xa0\x80") is no cp1252 text, and a "\ud800" is no argument byte: both kept
    assert from_argv("Pa\udced\udca0\udc80ris") == "Pa\udced\udca0\udc80ris"
    assert from_argv("x\ud800 café 😀") == "x\ud800 café 😀"


def test_ask_a_latin1_question_keeps_its_letters(fakes, capsys):  # noqa: F811
    """`ragtune ask $'capital of Fr\\xe9nce?'` asked "capital of Fr\ufffdnce?" (and then got a refusal)."""
    assert main(["ask", "--json", "When was the Eiff\udce9l Tower built?"]) == 0
    assert fakes["ret"].calls[0]["query"] == "When was the Eiffél Tower built?"
    assert json.loads(capsys.readouterr().out)["status"] == "ok"


def test_search_a_latin1_query_in_a_real_process(home, tmp_path):
    """The bytes a cp1252 terminal passes, through the real sys.argv decoding: the query keeps its "é"."""
    from .test_retrieve import FakeEmbedder, _fill

    home.ensure()
    store = Store(home.db_path)
    _fill(store, FakeEmbedder())
    store.close()
    (home.root / "config.toml").write_text('[retrieve]\nrerank = ""\n', encoding="utf-8")
    env = {**os.environ, "RAGTUNE_HOME": str(home.root), "PYTHONUTF8": "1"}
    r = subprocess.run([sys.executable, "-m", "ragtune", "search", b"capital of Fr\xe9nce caf\xe9", "--mode", "bm25",
                        "--json"], capture_output=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr.decode("utf-8", "replace")
    obj = json.loads(r.stdout.decode("utf-8"))
    assert obj["query"] == "capital of Frénce café" and obj["hits"]


# -- 5. records a person hands in whose strings are stored and shown --------------------------------------------
def _registry_lists(capsys):
    """`models list --json` still prints valid UTF-8 (a registered "\\udce9" made it exit 70 for good)."""
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    json.loads(capsys.readouterr().out.encode("utf-8"))


def test_models_add_refuses_a_stage_record_whose_lineage_is_not_unicode(reg, tmp_path, capsys):
    from ragtune.appliance.hashing import sha256_path
    from tests.gguf_helpers import write_gguf

    f = write_gguf(tmp_path / "a.gguf", tag="a")
    digest = sha256_path(f)
    side = f.with_name(f.name + ".json")
    for field, record in (("outtype", '"outtype": "f1\\udce9"'), ("tools.gguf", '"tools": {"gguf": "0.1\\udce9"}')):
        side.write_text(f'{{\n  "stage": "lora",\n  "adapter": "/runs/caf\\udce9",\n  {record},\n'
                        f'  "sha256": "{digest}"\n}}\n', encoding="utf-8")  # the path's escape is not lineage
        assert main(["models", "add", str(f), "--kind", "lora-gguf", "--json"]) == 2
        err = json.loads(capsys.readouterr().out)["error"]["message"]
        assert err == f"{side}:4: stage record of a.gguf: field '{field}' is not valid Unicode (a {BAD})"
    _registry_lists(capsys)
    side.write_text(f'{{"stage": "lora", "adapter": "/runs/caf\\udce9", "outtype": "f16", "sha256": "{digest}"}}')
    assert main(["models", "add", str(f), "--kind", "lora-gguf", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lineage"] == {"outtype": "f16"}


def test_models_add_refuses_a_training_record_whose_lineage_is_not_unicode(reg, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 8, "lora_alpha": 16}')
    (run / "adapter_model.safetensors").write_bytes(b"weights")
    (run / "training_config.json").write_text('{\n  "data": "/d/caf\\udce9",\n  "versions": {"torch": "2\\udce9"}\n}')
    assert main(["models", "add", str(run), "--kind", "lora-hf", "--json"]) == 2
    err = json.loads(capsys.readouterr().out)["error"]["message"]
    assert err == f"{run / 'training_config.json'}:3: field 'versions.torch' is not valid Unicode (a {BAD})"
    (run / "training_config.json").write_text('{"data": "/d/caf\\udce9", "versions": {"torch": "2.1"}}')
    (run / "adapter_manifest.json").write_text('{"kind": "lora-hf", "dataset_sha256": "d\\udce9"}')
    assert main(["models", "add", str(run), "--kind", "lora-hf", "--json"]) == 2
    err = json.loads(capsys.readouterr().out)["error"]["message"]
    assert err == f"{run / 'adapter_manifest.json'}:1: field 'dataset_sha256' is not valid Unicode (a {BAD})"
    _registry_lists(capsys)


def test_a_json_training_recipe_names_the_line(tmp_path, capsys):
    """`ragtune train --config r.json --json` with a "\\udce9" in a key ended in a traceback (its error message)."""
    from ragtune.appliance.errors import ConfigError
    from ragtune.models.train.config import read_recipe

    r = tmp_path / "r.json"
    r.write_text('{\n  "r": 8,\n  "targ\\udce9ts": "all-linear"\n}', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        read_recipe(r)
    assert e.value.message == f"{r}:3: a key is not valid Unicode (a {BAD})"
    assert main(["train", "--config", str(r), "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"]["message"] == e.value.message


def test_print_json_keeps_stdout_valid_utf8_for_text_that_is_not(capsys):
    """Any --json output holding a lone surrogate (a path that is not UTF-8) is written with JSON's own \\udcXX
    escapes: on a strict UTF-8 stdout the raw surrogate would be a traceback, and the object still reads back."""
    import json

    from ragtune.cli import common

    common.print_json({"path": "/docs/caf\udce9.txt", "n": 1})
    out = capsys.readouterr().out
    out.encode("utf-8")  # strict: raises on a raw surrogate
    assert json.loads(out) == {"path": "/docs/caf\udce9.txt", "n": 1}
    common.print_json({"answer": "Frénce"})  # valid text stays as it is, not escaped
    assert capsys.readouterr().out.strip() == '{"answer": "Frénce"}'
