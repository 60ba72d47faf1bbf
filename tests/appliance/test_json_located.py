"""jsonl.loads_located: the one reader of JSON from outside the product (files, a server's stream, a person's
argument). json.loads fails three ways: a JSONDecodeError, a RecursionError ([[[[… thousands deep) and a plain
ValueError carrying Python's advice to call sys.set_int_max_str_digits (a number of more than 4,300 digits); each
is one typed error naming where, the line and column, in the product's words. Then a handful of the readers that
used json.loads themselves: a damaged input is their typed error, or takes the branch any other damage takes."""

from __future__ import annotations

import sys

import httpx
import pytest

from ragtune.appliance.errors import ConfigError, GenerationError, InputError, ModelError
from ragtune.appliance.jsonl import loads_located, parse_line
from tests.appliance.test_querylog import logged  # noqa: F401 (a fixture: a store with two logged answers)

LIMIT = sys.get_int_max_str_digits()
LONG = "9" * (LIMIT + 700)
DIGITS = f"a number of {len(LONG)} digits (at most {LIMIT} are read)"
NESTED = "[" * 100_000 + "]" * 100_000
ADVICE = "int_max_str_digits"  # Python's words for programmers: never in a message


# -- the function --------------------------------------------------------------------------------------------------
def test_a_syntax_error_names_the_line_and_column():
    with pytest.raises(InputError) as e:
        loads_located('{\n  "a": 1,\n  "b" 2\n}', "c.json")
    assert e.value.message == "c.json:3: invalid JSON at column 7: Expecting ':' delimiter"
    with pytest.raises(InputError) as e:  # a message ending in "at" loses it: the column says where
        loads_located('{\n  "a": "cut', "c.json")
    assert e.value.message == "c.json:2: invalid JSON at column 8: Unterminated string starting"


def test_a_number_past_pythons_limit_is_named_with_its_line_and_column_not_pythons_advice():
    with pytest.raises(InputError) as e:
        loads_located('{\n  "a": 1,\n  "n": -' + LONG + "\n}", "c.json")
    assert e.value.message == f"c.json:3: invalid JSON at column 8: {DIGITS}"
    assert ADVICE not in str(e.value)


def test_nesting_past_the_recursion_limit_is_named_at_its_deepest_line():
    with pytest.raises(InputError) as e:
        loads_located('{\n  "a": 1,\n  "m": ' + NESTED + "\n}", "c.json")
    assert e.value.message == "c.json:3: invalid JSON: nested too deeply"
    with pytest.raises(InputError) as e:  # one line: a line number would say nothing
        loads_located(NESTED, "c.json")
    assert e.value.message == "c.json: invalid JSON: nested too deeply"


def test_bytes_are_read_as_utf8_a_bad_byte_named_by_line_and_column_a_bom_ignored():
    assert loads_located('\ufeff{"a": "café"}'.encode(), "c.json") == {"a": "café"}
    assert loads_located(bytearray(b"[1, 2]"), "c.json") == [1, 2]
    with pytest.raises(InputError) as e:
        loads_located(b'{\n  "a": "caf\xe9"\n}', "c.json")
    assert e.value.message == "c.json:2: not UTF-8 text: byte 0xe9 at column 12"
    with pytest.raises(InputError) as e:
        loads_located(b'{\n  "n": ' + LONG.encode() + b"\n}", "c.json")
    assert e.value.message == f"c.json:2: invalid JSON at column 8: {DIGITS}"


@pytest.mark.parametrize("error", [ModelError, ConfigError, GenerationError])
def test_the_error_class_what_and_hint_are_the_callers(error):
    for text in ("{bad", NESTED, LONG):
        with pytest.raises(error) as e:
            loads_located(text, "m.json", "invalid manifest JSON", error=error, hint="delete it")
        assert e.value.message.startswith("m.json") and ": invalid manifest JSON" in e.value.message
        assert e.value.hint == "delete it" and ADVICE not in str(e.value)


def test_a_record_is_named_as_given_and_a_value_cut_short_is_said_so():
    """record=True: `where` names one line already (a JSONL row, a stream's data line, an argument)."""
    with pytest.raises(InputError) as e:
        loads_located('{"a": 1 "b": 2}', "q.jsonl:4", record=True)
    assert e.value.message == "q.jsonl:4: invalid JSON at column 9: Expecting ',' delimiter"
    with pytest.raises(InputError) as e:
        loads_located('{"a": "cut sh', "q.jsonl:4", record=True)
    assert e.value.message == ("q.jsonl:4: truncated JSON: the line ends at column 14 before the value is closed "
                               "(Unterminated string starting at column 7)")
    with pytest.raises(InputError) as e:  # a record of several lines (an argument): the line is in the position
        loads_located('{\n"a": 1\n"b": 2}', "review answer", record=True)
    assert e.value.message == "review answer: invalid JSON at line 3, column 1: Expecting ',' delimiter"
    with pytest.raises(InputError) as e:
        loads_located(LONG, "q.jsonl:4", record=True)
    assert e.value.message == f"q.jsonl:4: invalid JSON at column 1: {DIGITS}"
    with pytest.raises(InputError) as e:
        parse_line(b'{"a": "\xff"}', "q.jsonl:4")
    assert e.value.message == "q.jsonl:4: not UTF-8 text: byte 0xff at column 8"


def test_no_where_no_prefix_as_an_answers_parse_error_reads():
    from ragtune.appliance.schema import parse_answer

    assert parse_answer('{"status": "ok"') == (None, "invalid JSON at column 16: Expecting ',' delimiter")
    assert parse_answer('{"status":\n  x}') == (None, "invalid JSON at line 2, column 3: Expecting value")
    assert parse_answer(NESTED) == (None, "invalid JSON: nested too deeply")
    assert parse_answer('{"a": ' + LONG + "}") == (None, f"invalid JSON at column 7: {DIGITS}")


# -- the readers that use it ---------------------------------------------------------------------------------------
def _remote(tmp_path, monkeypatch, reply):
    pytest.importorskip("llama_cpp")  # the chat formatter is llama-cpp-python's
    from ragtune.appliance import remote
    from tests.appliance.test_remote import _FakeLlamaCpp
    from ragtune.appliance.config import GenerateConfig
    from ragtune.appliance.home import Home

    monkeypatch.setattr(remote, "_llama_cpp", lambda: _FakeLlamaCpp)  # a vocabulary-only load: no GGUF
    monkeypatch.setattr(remote._Vocab, "_cache", {})
    model = tmp_path / "m.gguf"
    model.write_text("m")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return httpx.Response(200, json={"data": [{"id": "m"}]})
        return reply(request)

    cfg = GenerateConfig(backend="openai", base_url="http://127.0.0.1:9/v1", model=str(model), remote_model="m")
    return remote.OpenAIGenerator(cfg, Home(tmp_path / "home"), client=httpx.Client(transport=httpx.MockTransport(handler)))


GOOD = 'data: {"choices": [{"text": "{\\"status\\": ", "finish_reason": null}]}\n\n'


@pytest.mark.parametrize("payload, message", [
    ('{"choices": ' + NESTED + "}", "the generation server's stream: invalid JSON: nested too deeply"),
    ('{"choices": [{"text": "x", "n": ' + LONG + "}]}", f"the generation server's stream: invalid JSON at column 33: "
                                                      f"{DIGITS}"),
    ('{"choices": [{"text": "x"', "the generation server's stream: truncated JSON: the line ends at column 26"),
    ("[1, 2]", "the generation server streamed a value that is not a JSON object"),
], ids=["nested", "5000-digits", "cut", "a-list"])
def test_a_remote_servers_damaged_stream_is_a_generation_error(tmp_path, monkeypatch, payload, message):
    """Was: RecursionError / ValueError with Python's advice / AttributeError out of the stream, an internal error
    (HTTP 500) instead of the backend's GenerationError (HTTP 502)."""
    from ragtune.appliance.schema import answer_schema

    def reply(request):
        return httpx.Response(200, text=GOOD + f"data: {payload}\n\n", headers={"content-type": "text/event-stream"})

    g = _remote(tmp_path, monkeypatch, reply)
    got: list[str] = []
    with pytest.raises(GenerationError) as e:
        g.generate([{"role": "user", "content": "q"}], schema=answer_schema(["S1"]), max_tokens=8,
                   on_token=got.append)
    assert e.value.message.startswith(message) and ADVICE not in str(e.value)
    assert got == ['{"status": ']  # what came before the damage was streamed


@pytest.mark.parametrize("body, message", [
    (NESTED, "the generation server's reply on /completions: invalid JSON: nested too deeply"),
    ('{"choices": [{"text": ' + LONG + "}]}", "the generation server's reply on /completions: invalid JSON at column "
                                            f"23: {DIGITS}"),
    ("[]", "the generation server's reply on /completions is not a JSON object"),
], ids=["nested", "5000-digits", "a-list"])
def test_a_remote_servers_damaged_reply_is_a_generation_error(tmp_path, monkeypatch, body, message):
    from ragtune.appliance.schema import answer_schema

    g = _remote(tmp_path, monkeypatch, lambda request: httpx.Response(200, text=body))
    with pytest.raises(GenerationError) as e:
        g.generate([{"role": "user", "content": "q"}], schema=answer_schema(["S1"]), max_tokens=8)
    assert e.value.message == message


def test_a_generation_error_is_the_servers_bad_gateway_not_an_internal_error():
    from ragtune.serve.app import _error_for

    assert _error_for(GenerationError("x")).status == 502


def test_a_review_answer_past_the_parsers_limits_is_an_input_error(logged):
    from ragtune.appliance.querylog import get_entry, set_review

    store, a, _ = logged
    for text, message in [
        ('{"status": "ok", "answer": "x", "citations": ' + NESTED + "}", "nested too deeply"),
        ('{"status": "ok", "answer": ' + LONG + "}", f"invalid JSON at column 28: {DIGITS}"),
        ('{"status": "ok", "answer": "x" "citations": []}', "invalid JSON at column 32: Expecting ',' delimiter"),
    ]:
        with pytest.raises(InputError) as e:
            set_review(store, a.log_id, text)
        assert e.value.message.startswith("review answer: ") and e.value.message.endswith(message)
    assert get_entry(store, a.log_id)["review"] is None  # nothing written


@pytest.mark.parametrize("config", ["{bad", NESTED, '{"adapter": "a", "n": ' + LONG + "}"],
                         ids=["syntax", "nested", "5000-digits"])
def test_a_damaged_eval_run_config_row_reads_as_no_config(home, config):
    """store/evals: a run config that does not read is None (and that run is skipped), whatever the damage."""
    from ragtune.appliance.store import open_store

    with open_store(home) as s:
        s.ensure_eval_run("good", "ds", {"adapter": "a"})
        s.ensure_eval_run("bad", "ds", {"adapter": "a"})
        s.conn.execute("UPDATE eval_runs SET config = ? WHERE id = 'bad'", (config,))
        assert s.eval_run_config("bad") is None and s.eval_run_config("good") == {"adapter": "a"}
        assert [rid for rid, _, _ in s.eval_runs_for_adapter("a")] == ["good"]


@pytest.mark.parametrize("text, message", [
    ('{\n  "kind": "features",\n  "mean": ' + NESTED + "\n}", ":3: cannot read the reranker: invalid JSON: nested too "
                                                            "deeply"),
    ('{\n  "kind": "features",\n  "top": ' + LONG + "\n}", f":3: cannot read the reranker: invalid JSON at column 10: "
                                                         f"{DIGITS}"),
], ids=["nested", "5000-digits"])
def test_a_damaged_rerank_model_file_is_a_model_error(tmp_path, text, message):
    from ragtune.appliance.rerank import load_reranker
    from ragtune.appliance.rerank_features import FeatureReranker

    path = tmp_path / "reranker.json"
    path.write_text(text)
    with pytest.raises(ModelError) as e:
        FeatureReranker(tmp_path)
    assert e.value.message == f"{path}{message}"
    with pytest.raises(ModelError) as e:  # the reader that tells the kinds apart
        load_reranker(str(tmp_path), home=None)
    assert e.value.message.startswith(f"{path}:3: not a valid reranker.json: invalid JSON")


@pytest.mark.parametrize("text", ['{\n  "config": ' + NESTED + "\n}", '{\n  "config": {"r": ' + LONG + "}\n}",
                                  '{\n  "config": {"r": 8\n}'], ids=["nested", "5000-digits", "syntax"])
def test_a_damaged_training_config_of_a_run_folder_is_an_input_error_with_the_way_out(tmp_path, text):
    from ragtune.models.train.runfolder import recorded

    (tmp_path / "checkpoint").mkdir()
    path = tmp_path / "training_config.json"
    path.write_text(text)
    with pytest.raises(InputError) as e:
        recorded(tmp_path)
    assert e.value.message.startswith(f"{path}:") and ": cannot read the run's training config: invalid JSON" \
        in e.value.message and ADVICE not in e.value.message
    assert e.value.hint == "train into a new --out, or move this folder aside"


@pytest.mark.parametrize("text", ["{bad", NESTED, '{"key": ' + LONG + "}"], ids=["syntax", "nested", "5000-digits"])
def test_damaged_internal_files_take_the_branch_any_damage_takes(tmp_path, text):
    """A cache stamp, an index sidecar, a report folder's report.json: rebuilt, unknown, not ours, never a crash."""
    from ragtune.appliance.eval.report import check_out
    from ragtune.appliance.vectorfiles import read_state

    (tmp_path / "state.json").write_text(text)
    assert read_state(tmp_path) is None
    (tmp_path / "report.json").write_text(text)
    with pytest.raises(InputError, match="that an eval run did not write"):
        check_out(tmp_path)


@pytest.mark.parametrize("usage", ['[1, 2]', '"12"', '{"prompt_tokens": "12", "completion_tokens": -1}',
                                   '{"prompt_tokens": 1e400, "completion_tokens": true}'],
                         ids=["a-list", "a-string", "counts-as-text", "counts-out-of-range"])
def test_a_remote_servers_odd_usage_is_counted_here(tmp_path, monkeypatch, usage):
    """A usage-only stream chunk (OpenAI's stream_options) or counts that are not counts: the answer still comes
    back, its tokens counted locally (was: AttributeError / ValueError, an internal error)."""
    from ragtune.appliance.schema import answer_schema

    done = 'data: {"choices": [{"text": "\\"ok\\"}", "finish_reason": "stop"}]}\n\n'

    def reply(request):
        return httpx.Response(200, text=GOOD + done + f'data: {{"choices": [], "usage": {usage}}}\n\ndata: [DONE]\n\n',
                              headers={"content-type": "text/event-stream"})

    g = _remote(tmp_path, monkeypatch, reply)
    res = g.generate([{"role": "user", "content": "q"}], schema=answer_schema(["S1"]), max_tokens=8,
                     on_token=lambda piece: None)
    assert res.text == '{"status": "ok"}' and res.tokens_completion > 0 and res.tokens_prompt > 0
