"""The readers the other test_readers_fuzz*.py leave: the registry's manifests and active.json, a built-in
adapter's manifest, the calibrated [generate] values (`config set`, a manifest's `serving.*`), the config editor and
rollout.json. A number of 5,000 digits (json/tomllib raise a plain ValueError), nesting past the recursion limit
(RecursionError) and an integer past a float's range (OverflowError in math.isfinite) are the product's typed errors
naming the file (and its line), never "internal error". The mutation engine is tests/fuzzing.py's; the crashes
found are kept as fixed cases."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any, Callable

import pytest

from ragtune.appliance.errors import ConfigError, InputError, ModelError
from tests.fuzzing import DEEP, HUGE_DIGITS, SPECIALS, json_tree, mixed, run_mutants, toml_inline, write
from tests.gguf_helpers import builtin_manifest, write_builtin, write_gguf
from tests.appliance.test_builtin_adapters import shipped  # noqa: F401  (the fixture: a built-in adapter folder)

LONG, NESTED = HUGE_DIGITS.json_text, DEEP.json_text
JSON_DEEP = "[" * 100_000 + "]" * 100_000  # past every Python's json: 3.13 reads DEEP's 3,000 levels (tomllib does not)
LIMIT = "(at most 4300 are read)"


def _manifest(reg, tmp_path):
    """A registered adapter: (its manifest's path, the manifest)."""
    art = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf", base_id="b" * 64)
    mpath = reg.dir / f"{art.id}.json"
    return mpath, json.loads(mpath.read_text())


def _with(obj: dict, key: str, raw: str) -> str:
    """`obj` written indented, the value of top-level `key` replaced by raw text (what json cannot write)."""
    text = json.dumps({**obj, key: "@@"}, indent=2)
    return text.replace('"@@"', raw)


# What the product writes from the clock, a random id or the machine, set to fixed values in a fuzzer's seed: a
# new time or id changed the seed's bytes and length, so every run fuzzed other mutants (a failure nobody could
# repeat, or a crash found on one run only).
WHEN = "2025-01-01T00:00:00Z"
EPOCH = 1735689600.25
TOOLS = {"gguf": "0.17.1", "llama-cpp-python": "0.3.16", "peft": "0.17.0", "torch": "2.8.0",
         "transformers": "4.56.0"}  # lineage.tools: the installed versions, which differ between machines


def _fixed_seed(path: Path, change: Callable[[dict[str, Any]], None]) -> tuple[bytes, dict[str, Any]]:
    """The product's JSON file at `path` with `change` applied, written back as the product writes it: (its
    bytes, its object), the same on every run and machine."""
    from ragtune.appliance.atomic import atomic_write_json

    obj = json.loads(path.read_text(encoding="utf-8"))
    change(obj)
    atomic_write_json(path, obj)
    return path.read_bytes(), obj


def _line(text: str, key: str) -> int:
    """The line of top-level `key` in an indented JSON text."""
    return next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(f'  "{key}":'))


# -- the registry -------------------------------------------------------------------------------------------------
def _fixed_manifest(m: dict[str, Any]) -> None:
    m.update(created=WHEN)
    m["lineage"]["tools"] = dict(TOOLS)


def test_registry_manifest_fuzz(reg, tmp_path):
    rng = random.Random(3821)
    mpath, _ = _manifest(reg, tmp_path)
    seed, m = _fixed_seed(mpath, _fixed_manifest)
    mpath.chmod(0o644)  # (the fuzz writes it)
    assert reg.manifest(m["id"]) == m  # a manifest the registry reads

    def call(data: bytes) -> None:
        write(mpath, data)
        reg.list()

    run_mutants(mixed(rng, seed, json_tree(m), 300), call, (str(mpath),), (ModelError,))


def test_registry_state_fuzz(reg, tmp_path):
    rng = random.Random(3822)
    a = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf")
    reg.activate(a.id)
    seed, state = _fixed_seed(reg.state_path, lambda s: s.update(updated=WHEN))
    assert reg.active_adapter().id == a.id and state["updated"] == WHEN

    def call(data: bytes) -> None:
        write(reg.state_path, data)
        reg.active_adapter()

    run_mutants(mixed(rng, seed, json_tree(state), 300), call, (str(reg.state_path),), (ModelError,))


@pytest.mark.parametrize("raw, message", [
    (LONG, "invalid manifest JSON at column 11: a number of 5000 digits " + LIMIT),
    (JSON_DEEP, "invalid manifest JSON: nested too deeply"),
], ids=["5000-digits", "nested-100000"])
def test_a_registry_manifest_past_the_parsers_limits_is_named(reg, tmp_path, raw, message):
    mpath, m = _manifest(reg, tmp_path)
    text = _with(m, "size", raw)
    mpath.chmod(0o644)
    write(mpath, text.encode())
    with pytest.raises(ModelError, match=re.escape(f"{mpath}:{_line(text, 'size')}: {message}")):
        reg.list()  # was: ValueError, RecursionError


@pytest.mark.parametrize("raw, message", [
    (LONG, "invalid JSON at column 15: a number of 5000 digits " + LIMIT),
    (JSON_DEEP, "invalid JSON: nested too deeply"),
], ids=["5000-digits", "nested-100000"])
def test_a_damaged_active_json_is_an_error_with_the_fix(reg, raw, message):
    """active.json damaged (a crash, a person): an error naming its line, with the hint, as for a syntax error."""
    text = _with({"active": None}, "previous", raw)
    reg.dir.mkdir(parents=True)
    write(reg.state_path, text.encode())
    for call in (reg.active_adapter, reg.active_state, reg.default_adapter, reg.rollback, lambda: reg.activate(None)):
        with pytest.raises(ModelError, match=re.escape(f"{reg.state_path}:3: {message}")) as e:
            call()
        assert e.value.hint == "delete it to serve the base model with no adapter"
    assert reg.state_path.read_text() == text  # never replaced: the choice it held is the user's to recover


def test_active_json_naming_an_adapter_no_manifest_has_says_so(reg, tmp_path):
    """A digit of active.json changed (or the adapter's manifest removed): active.json's error, not "no artifact
    … see models list", which never says where the id came from."""
    a = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf")
    reg.activate(a.id)
    reg.activate(None)  # a.id is `previous` now
    text = reg.state_path.read_text().replace(a.id, "f" * 64)
    write(reg.state_path, text.encode())
    message = f"{reg.state_path}: 'previous' names adapter ffffffffffff…, which is not in the registry"
    with pytest.raises(ModelError, match=re.escape(message)) as e:
        reg.rollback()
    assert "models deactivate" in e.value.hint
    reg.activate(a.id)
    write(reg.state_path, reg.state_path.read_text().replace(a.id, "f" * 64).encode())
    for call in (reg.active_adapter, reg.default_adapter):
        with pytest.raises(ModelError, match=re.escape(message.replace("'previous'", "'active'"))):
            call()
    reg.activate(None)  # `models deactivate` still works: it reads no manifest
    assert reg.active_adapter() is None
    blob = reg.path_of(reg.manifest(a.id))
    reg.activate(a.id)
    blob.chmod(0o644)
    blob.write_bytes(b"changed")
    with pytest.raises(ModelError, match="file of artifact|does not match its id"):  # registered: get's own words
        reg.active_adapter()


# -- a built-in adapter's manifest --------------------------------------------------------------------------------
def test_builtin_manifest_fuzz(shipped):
    from ragtune.appliance import builtin_adapters as builtin

    rng = random.Random(3823)
    gguf, mpath = write_builtin(shipped)
    seed = mpath.read_bytes()
    m = json.loads(seed)
    m["serving"].update(refusal_threshold=0.6, evidence_cut=-0.5, min_answer_logprob=-2.0, adapter_scale=1.0,
                        answer_candidates=2)
    assert builtin.load(write(mpath, json.dumps(m, indent=2).encode())).serving_value("evidence_cut") == -0.5

    def call(data: bytes) -> None:
        write(mpath, data)
        b = builtin.load(mpath)
        for key in ("refusal_threshold", "evidence_cut", "min_answer_logprob", "adapter_scale", "answer_candidates"):
            b.serving_value(key)

    run_mutants(mixed(rng, seed, json_tree(m), 300), call, (str(mpath),), (ModelError,))


@pytest.mark.parametrize("raw, message", [
    (LONG, "invalid built-in adapter manifest JSON at column 11: a number of 5000 digits " + LIMIT),
    (JSON_DEEP, "invalid built-in adapter manifest JSON: nested too deeply"),
], ids=["5000-digits", "nested-100000"])
def test_a_builtin_manifest_past_the_parsers_limits_is_named(shipped, tmp_path, raw, message):
    from ragtune.appliance import builtin_adapters as builtin

    gguf, mpath = write_builtin(shipped)
    text = _with(json.loads(mpath.read_text()), "size", raw)
    write(mpath, text.encode())
    where = f"{mpath}:{_line(text, 'size')}: "
    with pytest.raises(ModelError, match=re.escape(where + message)):  # was: ValueError, RecursionError
        builtin.list_builtins()
    with pytest.raises(InputError, match=re.escape(where + message)):  # promote's file: the user's input
        builtin.read_manifest(mpath, InputError)


@pytest.mark.parametrize("key, shown", [("\udce9base", "\\udce9base"), ("ba\x1b[2Jse", "ba\\x1b[2Jse")],
                         ids=["surrogate", "escape"])
def test_a_builtin_manifest_key_that_is_not_unicode_is_named_printably(shipped, key, shown):
    """A key renamed to one holding a "\\udce9" escape (the fuzzer's rename): the unknown key is named escaped (was:
    the lone surrogate in the message, which no terminal or log can be sent)."""
    from ragtune.appliance import builtin_adapters as builtin

    gguf, mpath = write_builtin(shipped)
    m = json.loads(mpath.read_text())
    m[key] = m.pop("base")
    write(mpath, json.dumps(m, indent=2).encode())
    with pytest.raises(ModelError, match=re.escape(f"invalid built-in adapter manifest: unknown keys: {shown}")) as e:
        builtin.list_builtins()
    str(e.value).encode("utf-8")


@pytest.mark.parametrize("key, value, want", [
    ("evidence_cut", 10 ** 400, "a number"), ("evidence_cut", -(10 ** 400), "a number"),
    ("min_answer_logprob", -(10 ** 400), "a number <= 0"), ("adapter_scale", 10 ** 400, "a number 0 < s <= 4"),
    ("refusal_threshold", 10 ** 400, "a number 0..1"), ("answer_candidates", 10 ** 400, "an integer 1..8"),
], ids=["evidence_cut", "evidence_cut-negative", "min_answer_logprob", "adapter_scale", "refusal_threshold",
        "answer_candidates"])
def test_a_builtin_serving_value_past_a_float_is_named(shipped, key, value, want):
    from ragtune.appliance import builtin_adapters as builtin

    gguf = write_gguf(shipped / "ragtune-default.gguf", tag="builtin")
    m = builtin_manifest(gguf)
    m["serving"][key] = value
    text = json.dumps(m, indent=2)
    mpath = write(shipped / "ragtune-default.json", text.encode())
    line = next(n for n, t in enumerate(text.splitlines(), 1) if f'"{key}":' in t)
    with pytest.raises(ModelError, match=re.escape(f"{mpath}:{line}: invalid built-in adapter manifest: "
                                                   f"'serving.{key}' must be {want}")):
        builtin.list_builtins()  # was: OverflowError (math.isfinite of 10**400)


@pytest.mark.parametrize("check, value", [("is_number", 10 ** 400), ("is_number", -(10 ** 400)),
                                          ("is_logprob", -(10 ** 400)), ("is_scale", 10 ** 400),
                                          ("is_fraction", 10 ** 400), ("is_candidates", 10 ** 400)],
                         ids=["number", "number-negative", "logprob", "scale", "fraction", "candidates"])
def test_an_integer_past_a_float_is_no_calibrated_value(check, value):
    from ragtune.appliance import calibrated

    assert getattr(calibrated, check)(value) is False
    assert calibrated.is_number(2 ** 64) and calibrated.is_logprob(-(2 ** 70))  # within a float's range: numbers


# -- `config set` and the config editor ---------------------------------------------------------------------------
CALIBRATED_KEYS = ["generate.refusal_threshold", "generate.min_answer_logprob", "generate.evidence_cut",
                   "generate.answer_candidates", "generate.adapter_scale"]
KEYS = CALIBRATED_KEYS + ["generate.temperature", "generate.seed", "generate.max_tokens", "retrieve.k",
                          "retrieve.bm25_weight", "ingest.extensions", "serve.port", "generate.adapter"]


def test_config_set_fuzz(home):
    """`config set KEY VALUE` with every special value, as TOML text: a ConfigError or a file that loads again."""
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.config_edit import set_config_value

    rng = random.Random(3824)
    path = home.root / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    raws = [toml_inline(v) for v in SPECIALS if not isinstance(v, dict)] + ["1e400", "-1e400", "1_" + "0" * 4999]
    mutants = [(f"{key}\0{raw}", f"{key} = {raw[:30]}") for key in KEYS for raw in rng.sample(raws, 12)]

    def call(data: str) -> None:
        key, raw = data.split("\0")
        path.write_text("[generate]\ntemperature = 0.2\n")
        set_config_value(path, key, raw, home=home)
        load_settings(path, home=home)  # what was written loads again

    run_mutants(mutants, call, (), (ConfigError,))


@pytest.mark.parametrize("key, raw, message", [
    ("generate.evidence_cut", str(10 ** 400), f"cannot set generate.evidence_cut = {str(10 ** 400)[:40]}…: "
                                              "generate.evidence_cut is out of range (integers are 64-bit)"),
    ("generate.temperature", str(-(10 ** 400)), "generate.temperature is out of range (integers are 64-bit)"),
    ("generate.seed", str(2 ** 64), "generate.seed is out of range (integers are 64-bit)"),  # was written, then
    ("retrieve.k", str(2 ** 63), "retrieve.k is out of range"),  # every load refused the file
    ("generate.evidence_cut", LONG, f"generate.evidence_cut: the value is a number of 5000 digits {LIMIT}"),
    ("generate.evidence_cut", "1_" + "0" * 4999, f"the value is a number of 5000 digits {LIMIT}"),
    ("generate.evidence_cut", NESTED, "generate.evidence_cut: the value is nested too deeply"),
    ("ingest.extensions", NESTED, "ingest.extensions: the value is nested too deeply"),
    ("generate.evidence_cut", "1e400", 'evidence_cut: must be a number or "auto"'),
], ids=["evidence_cut-10**400", "temperature--10**400", "seed-2**64", "k-2**63", "5000-digits", "5000-digits-_",
        "nested", "list-nested", "1e400"])
def test_config_set_a_value_past_the_parsers_limits_is_a_config_error(home, key, raw, message):
    from ragtune.appliance.config_edit import set_config_value

    home.root.mkdir()
    path = write(home.root / "config.toml", b"[generate]\ntemperature = 0.2\n")
    with pytest.raises(ConfigError, match=re.escape(message)) as e:
        set_config_value(path, key, raw, home=home)  # was: internal error (OverflowError, ValueError, RecursionError)
    assert len(e.value.message) < 400  # the value of 5000 digits is not repeated
    assert path.read_text() == "[generate]\ntemperature = 0.2\n"  # a bad value changes nothing


def test_config_set_of_a_deeply_nested_text_value_keeps_it_as_text(home):
    from ragtune.appliance.config_edit import parse_cli_value

    assert parse_cli_value("generate", "adapter", NESTED) == NESTED  # a bare word for a text key: the text


@pytest.mark.parametrize("old, message", [
    (f"[retrieve]\nk = {LONG}\n", f"invalid TOML: a number of 5000 digits {LIMIT} (at line 2, column 5)"),
    (f"[retrieve]\nk = 3\nbm25_weight = {NESTED}\n", "invalid TOML: nested too deeply (at line 3)"),
    (f"[generate]\ntemperature = {10 ** 400}\n", "invalid TOML: generate.temperature = 10000000000000000000… is "
                                                 "out of range (integers are 64-bit) (at line 2)"),
    ("[retrieve]\nk = \n", "invalid TOML: Invalid value (at line 2, column 5)"),
], ids=["5000-digits", "nested", "10**400", "syntax"])
def test_config_set_on_a_file_already_broken_names_its_line(home, old, message):
    """The edit does not repair the broken line: the loader's own words, with the hint (was: internal error)."""
    from ragtune.appliance.config_edit import set_config_value

    home.root.mkdir()
    path = write(home.root / "config.toml", old.encode())
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {message}")) as e:
        set_config_value(path, "generate.evidence_cut", "-0.5", home=home)
    assert e.value.hint == "fix that line by hand, then set generate.evidence_cut"
    assert path.read_text() == old


def test_config_set_that_replaces_the_broken_line_repairs_the_file(home):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.config_edit import set_config_value

    home.root.mkdir()
    path = write(home.root / "config.toml", f"[generate]\nevidence_cut = {10 ** 400}\n".encode())
    set_config_value(path, "generate.evidence_cut", "-0.5", home=home)
    assert load_settings(path, home=home).generate.evidence_cut == -0.5


@pytest.mark.parametrize("raw", [str(10 ** 400), LONG, NESTED, "1e400"], ids=["10**400", "5000-digits", "nested",
                                                                           "1e400"])
def test_the_cli_says_config_set_errors_in_words(home, capsys, raw):
    from ragtune.cli import main

    assert main(["--home", str(home.root), "config", "set", "generate.evidence_cut", raw]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "internal error" not in err, err[:300]


# -- rollout.json -------------------------------------------------------------------------------------------------
def _rollout(home):
    from ragtune.models.rollout import RolloutState
    from tests.serve.helpers import register_adapters

    register_adapters(home)
    st = RolloutState(home)
    st.start("alpha", 5)
    return st


def _fixed_rollout(r: dict[str, Any]) -> None:
    r.update(id="0123456789ab", started=EPOCH, updated=EPOCH)  # (the id: secrets.token_hex(6))
    for event in r["history"]:
        event["ts"] = EPOCH


def test_rollout_state_fuzz(home):
    from ragtune.models.rollout import RolloutState

    rng = random.Random(3825)
    st = _rollout(home)
    seed, state = _fixed_seed(st.path, _fixed_rollout)
    r = RolloutState(home).load()
    assert (r.id, r.started, r.updated, r.history[0]["ts"], r.running) == ("0123456789ab", EPOCH, EPOCH, EPOCH, True)

    def call(data: bytes) -> None:
        write(st.path, data)
        r = RolloutState(home).load()
        if r is not None:
            r.arm_of("client")

    run_mutants(mixed(rng, seed, json_tree(state), 300), call, (str(st.path),), (ModelError,))


@pytest.mark.parametrize("key, raw, message", [
    ("share", LONG, "unreadable rollout state: invalid JSON at column 12: a number of 5000 digits " + LIMIT),
    ("share", str(10 ** 400), "unreadable rollout state: 'share' must be a number of percent in (0, 100]"),
    ("started", str(10 ** 400), "unreadable rollout state: 'started' must be a time in epoch seconds"),
    ("updated", str(-(10 ** 400)), "unreadable rollout state: 'updated' must be a time in epoch seconds"),
], ids=["share-5000-digits", "share-10**400", "started-10**400", "updated--10**400"])
def test_a_rollout_file_past_the_parsers_limits_is_named(home, key, raw, message):
    from ragtune.models.rollout import RolloutState

    st = _rollout(home)
    text = _with(json.loads(st.path.read_text()), key, raw)
    write(st.path, text.encode())
    with pytest.raises(ModelError, match=re.escape(f"{st.path}:{_line(text, key)}: {message}")):
        RolloutState(home).load()  # was: a message telling the user to call sys.set_int_max_str_digits(); OverflowError


def _edit_rollout(home, change: Callable[[dict[str, Any]], None]) -> Path:
    """A running rollout whose rollout.json is changed by hand (written back as the product writes it)."""
    st = _rollout(home)
    _fixed_seed(st.path, change)
    return st.path


@pytest.mark.parametrize("key, shown", [("\udce9share", "\\udce9share"), ("sha\nre", "sha\\nre")],
                         ids=["surrogate", "newline"])
def test_a_rollout_key_that_is_not_unicode_is_named_printably(home, key, shown):
    """Fuzz (test_rollout_state_fuzz, its seed fixed): "share" renamed to "\\udce9share" put the lone surrogate into
    the "unknown key" message, which no terminal, log or UTF-8 stream can take."""
    from ragtune.models.rollout import RolloutState

    path = _edit_rollout(home, lambda r: r.update({key: r.pop("share")}))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if t.startswith(f"  {json.dumps(key)}:"))
    with pytest.raises(ModelError, match=re.escape(f"{path}:{line}: unreadable rollout state: unknown key "
                                                   f"'{shown}' (known: id,")) as e:
        RolloutState(home).load()
    str(e.value).encode("utf-8")


@pytest.mark.parametrize("key, value", [("id", "\udce9"), ("candidate", "c\udce9"), ("id", "a\x1b[2Jb"),
                                        ("candidate_name", "n\udce9")])
def test_a_rollout_id_that_is_not_unicode_is_named_and_a_client_id_routes(home, key, value):
    """A rollout.json whose id (or candidate, or name) holds a "\\udce9" escape or a control character: the product
    writes hex ids and registry names, so it is damage, named with its line when the file is read. Before: it loaded,
    then routing a client hashed its UTF-8 (UnicodeEncodeError: every request failed), and `rollout status`, `start`,
    `promote` and the rollback's log line put the lone surrogate or the escape into their words. A client id (a
    request's "user") may hold anything: it routes."""
    from ragtune.models.rollout import RolloutState, bucket

    path = _rollout(home).path
    obj = json.loads(path.read_text(encoding="utf-8"))
    obj[key] = value
    path.write_text(json.dumps(obj, indent=2), encoding="utf-8")
    with pytest.raises(ModelError, match=rf"rollout.json:{_line(path.read_text(), key)}: unreadable rollout state: "
                                         rf"'{key}' must be") as e:
        RolloutState(home).load()
    str(e.value).encode("utf-8")
    assert bucket("x", "\udce9") == bucket("x", "\udce9")


def test_an_eval_report_reason_that_is_not_unicode_is_named_printably(home, tmp_path):
    """The promotion gate quotes the no-go reasons of the eval run's report.json (`rollout promote` says them): a
    "\\udce9" escape in one is quoted escaped."""
    from ragtune.appliance.store import open_store
    from ragtune.models.rollout import eval_decision
    from tests.serve.helpers import register_adapters

    ids = register_adapters(home)
    out = tmp_path / "run1"
    out.mkdir()
    write(out / "report.json", json.dumps({"decision": {"go": False, "reasons": ["worse\udce9", "a\nb"]}}).encode())
    with open_store(home) as s:
        s.ensure_eval_run("run1", "ds", {"adapter": ids["alpha"], "out": str(out)})
    why = eval_decision(home, ids["alpha"])["why"]
    assert why == "eval no-go: worse\\udce9; a\\nb (run run1)"


@pytest.mark.parametrize("raw", [LONG, JSON_DEEP], ids=["5000-digits", "nested"])
def test_an_eval_report_past_the_parsers_limits_counts_as_missing(home, tmp_path, raw):
    """The promotion gate reads each eval run's report.json: a damaged one counts as missing, as a syntax error does
    (was: RecursionError out of `rollout promote`)."""
    from ragtune.appliance.store import open_store
    from ragtune.models.rollout import eval_decision
    from tests.serve.helpers import register_adapters

    ids = register_adapters(home)
    out = tmp_path / "run1"
    out.mkdir()
    write(out / "report.json", _with({"decision": {"go": True, "reasons": []}}, "extra", raw).encode())
    with open_store(home) as s:
        s.ensure_eval_run("run1", "ds", {"adapter": ids["alpha"], "out": str(out)})
    assert eval_decision(home, ids["alpha"]) is None


# -- an answer's JSON (a model's, a remote server's, a results file's) --------------------------------------------
@pytest.mark.parametrize("text, err", [
    ('{"status": "ok", "answer": "x", "citations": ' + JSON_DEEP + "}", "invalid JSON: nested too deeply"),
    ('{"status": "ok", "answer": ' + LONG + "}", f"invalid JSON at column 28: a number of 5000 digits {LIMIT}"),
], ids=["nested", "5000-digits"])
def test_an_answer_past_the_parsers_limits_is_a_parse_error(text, err):
    from ragtune.appliance.eval.losses import withheld
    from ragtune.appliance.schema import parse_answer

    assert parse_answer(text) == (None, err)  # was: RecursionError; Python's advice to call set_int_max_str_digits
    item, result = {"answerable": True, "answers": ["x"]}, {"status": "refused", "raw_output": text}
    assert withheld(item, result, 0.5) is None  # a results file's raw_output, as `eval paired` reads it


@pytest.mark.parametrize("reasons, shown", [(5, "5"), ("worse", "worse"), (None, "")])
def test_an_eval_report_whose_reasons_are_not_a_list(home, tmp_path, reasons, shown):
    """A damaged report.json's "reasons": 5 made `rollout promote` an internal error (TypeError), and a string was
    quoted letter by letter ("w; o; r; s; e")."""
    from ragtune.appliance.store import open_store
    from ragtune.models.rollout import eval_decision
    from tests.serve.helpers import register_adapters

    ids = register_adapters(home)
    out = tmp_path / "run1"
    out.mkdir()
    write(out / "report.json", json.dumps({"decision": {"go": False, "reasons": reasons}}).encode())
    with open_store(home) as s:
        s.ensure_eval_run("run1", "ds", {"adapter": ids["alpha"], "out": str(out)})
    assert eval_decision(home, ids["alpha"])["why"] == f"eval no-go: {shown} (run run1)"
