"""The built-in default adapter: manifest validation (file:line errors), registry listing and verification, tamper
refusal, "missing = today's behaviour", and the precedence of which adapter answers:
explicit flag > [generate] adapter > the registry's choice (models activate/deactivate) > built-in default (go)."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance import builtin_adapters as builtin
from ragtune.appliance.config import Settings
from ragtune.appliance.errors import ModelError
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.refs import resolve_adapter
from ragtune.appliance.registry import Registry
from ragtune.cli import main
from tests.gguf_helpers import DEFAULT_LLM_SHA256, builtin_manifest, write_builtin, write_gguf


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A built-in adapter folder the registry reads (RAGTUNE_BUILTIN_ADAPTERS)."""
    folder = tmp_path / "shipped"
    folder.mkdir()
    monkeypatch.setenv(builtin.ENV, str(folder))
    return folder


def _tamper(path):
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _write_manifest(path, obj):
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n")
    return path


# -- the manifest ----------------------------------------------------------------------------------------------
def test_a_valid_pair_loads_with_its_lineage(shipped):
    gguf, mpath = write_builtin(shipped)
    (b,) = builtin.list_builtins()
    assert (b.name, b.file, b.sha256, b.go, b.present, b.is_default) == \
        ("ragtune-default", gguf, sha256_file(gguf), True, True, True)
    assert b.lineage == {"base_id": DEFAULT_LLM_SHA256, "dataset_sha256": "d" * 64,
                         "training_config_sha256": "c" * 64, "outtype": "f16"}


@pytest.mark.parametrize("change, message, key", [
    ({"colour": "red"}, "unknown keys: colour", "colour"),
    ({"sha256": "ABC"}, "'sha256' must be a 64-character", "sha256"),
    ({"file": "other.gguf"}, "'file' must be \"ragtune-default.gguf\"", "file"),
    ({"kind": "base-gguf"}, "'kind' must be \"lora-gguf\"", "kind"),
    ({"outtype": "q4_0"}, "'outtype' must be one of", "outtype"),
    ({"go": "yes"}, "'go' must be a boolean", "go"),
    ({"serving": {"k": 9}}, "'serving.k' must be 1..6", "serving/k"),
    ({"serving": {"k": 3, "refusal_threshold": 1.5}}, "'serving.refusal_threshold' must be a number 0..1",
     "serving/refusal_threshold"),
    ({"serving": {"k": 3, "refusal_threshold": "low"}}, "'serving.refusal_threshold' must be a number 0..1",
     "serving/refusal_threshold"),
    ({"serving": {"k": 3, "min_answer_logprob": 0.5}}, "'serving.min_answer_logprob' must be a number <= 0",
     "serving/min_answer_logprob"),
    ({"serving": {"k": 3, "answer_candidates": 2.5}}, "'serving.answer_candidates' must be an integer 1..8",
     "serving/answer_candidates"),
    ({"serving": {"k": 3, "adapter_scale": 0}}, "'serving.adapter_scale' must be a number 0 < s <= 4",
     "serving/adapter_scale"),
    ({"serving": {"k": 3, "adapter_scale": True}}, "'serving.adapter_scale' must be a number 0 < s <= 4",
     "serving/adapter_scale"),
])
def test_manifest_errors_name_the_file_and_line(shipped, change, message, key):
    gguf, mpath = write_builtin(shipped)
    obj = {**json.loads(mpath.read_text()), **change}
    _write_manifest(mpath, obj)
    with pytest.raises(ModelError) as exc:
        builtin.list_builtins()
    text, line = mpath.read_text().splitlines(), 0
    for part in key.split("/"):  # a nested key: the first one after its parent's line
        line = next(i for i, ln in enumerate(text, start=1) if i > line and ln.strip().startswith(f'"{part}"'))
    assert exc.value.message.startswith(f"{mpath}:{line}: invalid built-in adapter manifest")
    assert message in exc.value.message


def test_manifest_missing_keys_bad_json_and_name_mismatch(shipped):
    gguf, mpath = write_builtin(shipped)
    obj = json.loads(mpath.read_text())
    del obj["dataset"]
    _write_manifest(mpath, obj)
    with pytest.raises(ModelError, match="missing key 'dataset'"):
        builtin.list_builtins()
    mpath.write_text('{\n  "format": 1,\n  "name": oops\n}\n')
    with pytest.raises(ModelError, match=rf"^{mpath}:3: invalid built-in adapter manifest JSON"):
        builtin.list_builtins()
    mpath.write_bytes(b'{\n  "format": 1,\n  "name": "caf\xe9"\n}\n')  # not UTF-8: its line, not a byte offset
    with pytest.raises(ModelError, match=rf"^{mpath}:3: cannot read the built-in adapter manifest: not UTF-8 text"):
        builtin.list_builtins()
    _write_manifest(mpath, builtin_manifest(gguf, name="other"))
    with pytest.raises(ModelError, match="does not match the file name"):
        builtin.list_builtins()


def test_go_needs_evidence_or_a_recorded_manual_decision(shipped):
    gguf, mpath = write_builtin(shipped, go=False)
    obj = json.loads(mpath.read_text())
    _write_manifest(mpath, {**obj, "go": True})  # no eval at all
    with pytest.raises(ModelError, match="'go' is true but not every recorded eval decided go"):
        builtin.list_builtins()
    nogo = [{"command": "ragtune eval run x", "decision": {"go": False, "reasons": ["hallucination 9%"]}}]
    _write_manifest(mpath, {**obj, "go": True, "eval": nogo})
    with pytest.raises(ModelError, match="not every recorded eval decided go"):
        builtin.list_builtins()
    _write_manifest(mpath, {**obj, "go": True, "eval": nogo, "go_source": "manual"})
    assert builtin.list_builtins()[0].go is True


# -- the registry ----------------------------------------------------------------------------------------------
def test_registry_lists_and_verifies_the_builtin(shipped, home, capsys):
    gguf, _ = write_builtin(shipped)
    reg = Registry(home)
    (m,) = reg.list("lora-gguf")
    assert m["builtin"] and m["default"] and m["go"] and m["id"] == sha256_file(gguf)
    assert m["lineage"]["base_id"] == DEFAULT_LLM_SHA256 and m["details"]["serving"] == {"k": 3}
    assert reg.get("ragtune-default").path == gguf
    assert reg.add(gguf, "lora-gguf").id == m["id"]  # the same bytes are the built-in, not a second artifact
    assert main(["models", "list", "--kind", "lora-gguf"]) == 0
    out = capsys.readouterr().out
    assert "* " + m["id"][:16] in out and "(built-in adapter, the default; go: true)" in out
    assert main(["models", "show", "ragtune-default"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["details"]["go"] is True and shown["path"] == str(gguf)
    assert main(["models", "verify", "ragtune-default"]) == 0
    out = capsys.readouterr().out
    assert f"{m['id'][:16]} ragtune-default" in out and "BAD" not in out


def test_models_list_stars_no_builtin_adapter_when_another_model_is_served(shipped, home, tmp_path, capsys):
    from tests.gguf_helpers import write_gguf

    gguf, _ = write_builtin(shipped)
    other = write_gguf(tmp_path / "other-base.gguf", lora=False, tag="another base model")
    assert main(["models", "add", str(other), "--kind", "base-gguf", "--name", "my-model"]) == 0
    assert main(["config", "set", "generate.model", "my-model"]) == 0
    capsys.readouterr()
    assert main(["models", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["served_adapter"] == "none"  # trained on another base: not served
    assert main(["models", "list"]) == 0
    assert "* " not in capsys.readouterr().out


def test_a_tampered_builtin_is_refused_everywhere(shipped, home, capsys):
    gguf, _ = write_builtin(shipped)
    _tamper(gguf)
    reg = Registry(home)
    with pytest.raises(ModelError) as exc:
        resolve_adapter(reg, "default")
    assert "does not match its manifest's sha256" in exc.value.message and "refusing to use it" in exc.value.message
    assert "reinstall ragtune" in exc.value.hint and "--adapter none" in exc.value.hint
    assert resolve_adapter(reg, "none") == (None, "none")  # the base stays one flag away
    assert main(["models", "verify"]) == 3
    assert "BAD" in capsys.readouterr().out


def test_no_builtin_is_todays_behaviour(shipped, home, capsys):
    reg = Registry(home)
    assert resolve_adapter(reg, "default") == (None, "none") and reg.default_adapter() is None
    assert reg.list("lora-gguf") == []
    # a manifest whose .gguf is not there: listed (verify says so), never served, no error when answering
    _, mpath = write_builtin(shipped)
    (shipped / "ragtune-default.gguf").unlink()
    assert resolve_adapter(reg, "default") == (None, "none")
    assert [m["name"] for m in reg.list("lora-gguf")] == ["ragtune-default"]
    assert main(["models", "verify"]) == 3
    assert "is missing" in capsys.readouterr().out


# -- which adapter answers ------------------------------------------------------------------------------------
def test_precedence_flag_config_registry_builtin(shipped, home, tmp_path):
    gguf, _ = write_builtin(shipped)
    bid = sha256_file(gguf)
    reg = Registry(home)
    other = reg.add(write_gguf(tmp_path / "other.gguf", tag="other"), "lora-gguf")
    # nothing chosen: the built-in default (go), for its own base model only
    assert resolve_adapter(reg, "default") == (gguf, bid)
    assert resolve_adapter(reg, "default", model_id=DEFAULT_LLM_SHA256) == (gguf, bid)
    assert resolve_adapter(reg, "default", model_id="f" * 64) == (None, "none")
    assert resolve_adapter(reg, "active") == (None, "none")  # "active" means the registry's choice only
    # an explicit reference (a flag, a config value naming an adapter) wins over everything
    assert resolve_adapter(reg, other.id)[1] == other.id and resolve_adapter(reg, "none") == (None, "none")
    # the registry's choice wins over the built-in; the built-in was what it replaced, so rollback returns to it
    reg.activate(other.id)
    assert resolve_adapter(reg, "default")[1] == other.id
    assert (reg.active_state()["active"], reg.active_state()["previous"]) == (other.id, bid)
    assert reg.rollback().id == bid and resolve_adapter(reg, "default")[1] == bid
    reg.activate(None)  # `models deactivate`: the base model, even with a built-in default
    assert resolve_adapter(reg, "default") == (None, "none")
    assert reg.activate("ragtune-default").id == bid and resolve_adapter(reg, "default")[1] == bid


def test_a_builtin_also_registered_in_the_home_is_listed_once(shipped, home, tmp_path):
    reg = Registry(home)
    registered = reg.add(write_gguf(tmp_path / "x.gguf", tag="builtin"), "lora-gguf")  # before it shipped
    gguf, _ = write_builtin(shipped, tag="builtin")
    assert sha256_file(gguf) == registered.id
    (m,) = reg.list("lora-gguf")
    assert m["builtin"] and reg.get("ragtune-default").path == gguf and reg.get(registered.id).path == gguf


def test_go_false_is_not_active_by_default_but_one_name_away(shipped, home):
    gguf, _ = write_builtin(shipped, go=False)
    reg = Registry(home)
    assert resolve_adapter(reg, "default") == (None, "none") and reg.builtin_adapter() is None
    assert resolve_adapter(reg, "ragtune-default") == (gguf, sha256_file(gguf))  # by name: the person chose it
    assert reg.builtin_adapter(require_go=False).path == gguf
    reg.activate("ragtune-default")  # no previous: nothing was served by default
    assert reg.active_state()["previous"] is None


def test_config_default_is_default_and_none_keeps_the_base(shipped, home, tmp_path):
    write_builtin(shipped)
    assert Settings(home=home).generate.adapter == "default"
    cfg = tmp_path / "c.toml"
    cfg.write_text('[generate]\nadapter = "none"\n')
    from ragtune.appliance.config import load_settings

    s = load_settings(cfg, home=home)
    assert resolve_adapter(Registry(home), s.generate.adapter) == (None, "none")


def test_the_engine_answers_with_the_builtin_and_says_so(shipped, settings):
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.store import open_store
    from tests.appliance.test_answer import FakeRetriever, _hits
    from tests.fakes import FakeGenerator

    gguf, _ = write_builtin(shipped)
    bid = sha256_file(gguf)
    store = open_store(settings.home)
    try:
        gen = FakeGenerator([{"status": "ok", "answer": "It was built from 1887 to 1889.", "citations": ["S1"]}],
                            model_id=DEFAULT_LLM_SHA256)
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        a = eng.ask("When was the Eiffel Tower built?")
        assert a.adapter == bid and eng.adapter_id == bid and gen.adapter_calls[0] == (gguf, bid)
        assert a.to_json()["adapter"] == bid  # what `ask --json` prints
        assert store.query_log_entries(limit=1)[0]["adapter_id"] == bid
        assert eng.ask("When was the Eiffel Tower built?", adapter="none", use_cache=False).adapter == "none"
        # another served model: the built-in (made for SmolLM2) is not applied, and nothing fails
        gen2 = FakeGenerator(model_id="f" * 64)
        eng2 = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=gen2, store=store)
        assert eng2.ask("When was the Eiffel Tower built?", use_cache=False).adapter == "none"
    finally:
        store.close()


def test_auto_refusal_threshold_is_the_builtins_own_and_the_base_never_refuses_by_it(shipped, settings):
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.refusal import resolve_serving
    from ragtune.appliance.store import open_store
    from tests.appliance.test_answer import FakeRetriever, _hits
    from tests.fakes import FakeGenerator

    gguf, _ = write_builtin(shipped, serving={"k": 3, "refusal_threshold": 0.5})
    bid = sha256_file(gguf)
    assert builtin.serving_value_for(bid, "refusal_threshold") == 0.5
    assert builtin.serving_value_for("f" * 64, "refusal_threshold") is None
    assert resolve_serving("refusal_threshold", "auto", bid) == 0.5
    assert resolve_serving("refusal_threshold", "auto", "none") == 1.0
    assert resolve_serving("refusal_threshold", 0.7, bid) == 0.7  # a value in the config wins for every model
    assert resolve_serving("min_answer_logprob", "auto", bid) is None  # the manifest records none: no floor
    assert settings.generate.refusal_threshold == "auto"
    store = open_store(settings.home)
    try:
        ok = {"status": "ok", "answer": "It was built from 1887 to 1889.", "citations": ["S1"]}
        gen = FakeGenerator([ok, ok, ok], model_id=DEFAULT_LLM_SHA256, p_refused=0.6)
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        a = eng.ask("When was the Eiffel Tower built?")
        assert a.adapter == bid and gen.calls[0]["refusal_threshold"] == 0.5
        assert a.status == "refused" and a.refusal_reason == "model"  # P(refused) 0.6 > 0.5
        b = eng.ask("When was the Eiffel Tower built?", adapter="none", use_cache=False)
        assert b.status == "ok" and gen.calls[1]["refusal_threshold"] == 1.0
        eng.adapter_serving = {"refusal_threshold": 0.9}  # an eval's --adapter-refusal-threshold
        c = eng.ask("When was the Eiffel Tower built?", adapter=bid, use_cache=False)
        assert c.status == "ok" and gen.calls[2]["refusal_threshold"] == 0.9
    finally:
        store.close()


def test_auto_confidence_floor_is_the_builtins_own_and_the_base_has_none(shipped, settings):
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.refusal import resolve_serving
    from ragtune.appliance.store import open_store
    from tests.appliance.test_answer import FakeRetriever, _hits
    from tests.fakes import FakeGenerator

    gguf, _ = write_builtin(shipped, serving={"k": 3, "min_answer_logprob": -2.0, "evidence_cut": 0.0,
                                              "answer_candidates": 3})
    bid = sha256_file(gguf)
    assert resolve_serving("answer_candidates", "auto", bid) == 3
    assert resolve_serving("answer_candidates", "auto", "none") == 1  # a model without the value: its first span
    assert resolve_serving("min_answer_logprob", "auto", bid) == -2.0
    assert resolve_serving("evidence_cut", "auto", bid) == 0.0
    assert resolve_serving("evidence_cut", "auto", "none") is None  # the evidence model's own cut
    assert resolve_serving("min_answer_logprob", "auto", "none") is None
    assert resolve_serving("min_answer_logprob", "off", bid) is None
    assert resolve_serving("min_answer_logprob", -1.0, "none") == -1.0  # a number applies to every model
    store = open_store(settings.home)
    try:
        ok = {"status": "ok", "answer": "It was built from 1887 to 1889.", "citations": ["S1"]}
        gen = FakeGenerator([ok], model_id=DEFAULT_LLM_SHA256, answer_min_logprob=-2.5)
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        a = eng.ask("When was the Eiffel Tower built?", use_cache=False)
        assert a.adapter == bid and a.status == "refused" and a.refusal_reason == "low_confidence"
        assert a.answer_min_logprob == -2.5 and a.to_json()["answer_min_logprob"] == -2.5
        b = eng.ask("When was the Eiffel Tower built?", adapter="none", use_cache=False)
        assert b.status == "ok" and eng.min_answer_logprob is None  # the base: no floor
        eng.adapter_serving = {"min_answer_logprob": -3.0}  # an eval's --adapter-min-answer-logprob
        c = eng.ask("When was the Eiffel Tower built?", adapter=bid, use_cache=False)
        assert c.status == "ok" and eng.min_answer_logprob == -3.0
    finally:
        store.close()


def test_eval_arm_c_uses_the_builtin_and_notes_a_no_go_one(shipped, settings):
    from ragtune.appliance.eval import run as R

    gguf, mpath = write_builtin(shipped)
    ref, ident = R.resolve_adapter(settings, None)
    assert ident == sha256_file(gguf) and ref == str(gguf.resolve())
    assert R.builtin_note(ident) == []
    _write_manifest(mpath, builtin_manifest(gguf, go=False))
    assert R.resolve_adapter(settings, None) == (None, None)
    (note,) = R.builtin_note(None)
    assert "go: false" in note and "--adapter ragtune-default" in note


def test_tui_ctrl_l_offers_the_builtin(shipped, settings):
    from ragtune.tui.app import create_app

    gguf, _ = write_builtin(shipped, go=False)
    assert create_app(settings, engine=object()).adapter_candidate() == sha256_file(gguf)


def test_auto_adapter_scale_is_the_builtins_own_and_travels_with_the_adapter(shipped, settings):
    """setting > an eval's override > the manifest's serving.adapter_scale > 1.0; the base is never scaled; a
    changed scale is applied again (never a stale merged model) and is part of the answer cache key."""
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.refusal import resolve_serving
    from ragtune.appliance.store import open_store
    from tests.appliance.test_answer import FakeRetriever, _hits
    from tests.fakes import FakeGenerator

    gguf, _ = write_builtin(shipped, serving={"k": 3, "adapter_scale": 1.25})
    bid = sha256_file(gguf)
    assert builtin.serving_value_for(bid, "adapter_scale") == 1.25
    assert resolve_serving("adapter_scale", 2.0, bid, 1.5) == 2.0  # the setting, a number, wins
    assert resolve_serving("adapter_scale", "auto", bid, 1.5) == 1.5  # then an eval's --adapter-scale
    assert resolve_serving("adapter_scale", "auto", bid) == 1.25  # then the manifest
    assert resolve_serving("adapter_scale", "auto", "f" * 64) == 1.0  # then the adapter as trained
    store = open_store(settings.home)
    try:
        gen = FakeGenerator(model_id=DEFAULT_LLM_SHA256)
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        assert eng.ask("When was the Eiffel Tower built?").adapter == bid
        assert (gen.adapter_id, gen.adapter_scale, eng.adapter_scale) == (bid, 1.25, 1.25)
        ctx, q = eng.ask("When was the Eiffel Tower built?").context, "When was the Eiffel Tower built?"
        key = eng.cache_key(ctx, q)
        assert eng._decoding()["adapter_scale"] == 1.25
        eng.adapter_serving = {"adapter_scale": 1.0}  # an eval's --adapter-scale 1.0: the adapter as trained
        a = eng.ask(q, use_cache=False)  # applied again at the new scale before answering
        assert a.adapter == bid and gen.adapter_scale == 1.0 and gen.scale_calls[-1] == 1.0
        assert "adapter_scale" not in eng._decoding() and eng.cache_key(ctx, q) != key
        eng.adapter_serving = {}
        eng.ask(q, adapter="none", use_cache=False)  # the base: unscaled, its values the defaults
        assert (gen.adapter_id, gen.adapter_scale, eng.adapter_scale) == ("none", 1.0, 1.0)
        n = len(gen.scale_calls)
        eng.ask(q, adapter=bid, use_cache=False)
        eng.ask(q, use_cache=False)
        assert gen.scale_calls[n:] == [1.25]  # switched once; the same adapter and scale are not set again
    finally:
        store.close()
    scaled = Settings(home=settings.home)
    scaled.generate.adapter_scale = 2.0  # a number in the config applies to every adapter, never the base
    store = open_store(settings.home)
    try:
        gen = FakeGenerator(model_id=DEFAULT_LLM_SHA256)
        eng = AnswerEngine(scaled, retriever=FakeRetriever(_hits(), store=store), generator=gen, store=store)
        eng.ask("When was the Eiffel Tower built?", use_cache=False)
        assert gen.adapter_scale == 2.0
        eng.set_adapter("none")
        assert gen.adapter_scale == 1.0 and "adapter_scale" not in eng._decoding()
    finally:
        store.close()


# -- what the repository ships --------------------------------------------------------------------------------
@pytest.mark.product_defaults
def test_the_shipped_builtins_are_valid_and_made_for_the_default_model():
    """Whatever ragtune/appliance/adapters/ holds: valid manifests, files that hash to them, GGUF LoRA headers,
    the default adapter made for the default LLM (else it would never be served)."""
    from ragtune.appliance.default_models import manifest_entry
    from ragtune.appliance.ggufinfo import check_gguf_kind

    for b in builtin.list_builtins(builtin.package_adapters_dir()):
        assert b.present, f"{b.manifest_path}: its {b.file.name} is not in the repository"
        assert sha256_file(b.file) == b.sha256 and b.manifest["size"] == b.file.stat().st_size
        check_gguf_kind(b.file, lora=True)
        if b.is_default:
            assert b.manifest["base"]["sha256"] == manifest_entry("smollm2-135m-instruct-q4_1")["sha256"]
            # the adapter learnt one context shape: the product's defaults must serve it that way
            from ragtune.appliance.config import IngestConfig, RetrieveConfig

            assert b.manifest["serving"]["k"] == RetrieveConfig().k, "set RetrieveConfig.k to the adapter's serving k"
            chunk = b.manifest["dataset"]["build_options"].get("serving", {}).get("chunk_tokens")
            assert chunk in (None, IngestConfig().chunk_tokens), "the adapter was built on another chunk size"


def test_only_a_scale_other_than_as_trained_is_keyed():
    from ragtune.appliance.refusal import keyed

    assert not keyed("adapter_scale", "auto") and not keyed("adapter_scale", 1.0)
    assert keyed("adapter_scale", 1.25) and keyed("refusal_threshold", 1.0) and keyed("evidence_cut", None)
