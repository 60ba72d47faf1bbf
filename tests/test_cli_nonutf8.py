"""Values whose bytes are not UTF-8 (and other arguments a terminal cannot take as they are) on the command line:
every message the CLI prints is safe on a strict UTF-8 stream (pytest's capsys is one, as is PYTHONIOENCODING=
utf-8:strict), paths the product hands on as UTF-8 text are refused before any work, a reference too long to be a
path is a usage error, and a device given where a file is read is said as what it is (never read)."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path

import click
import pytest

from ragtune.cli import main, os_error_message

E9 = os.fsdecode(b"caf\xe9")  # "caf\udce9": how Python hands over the argument bytes "caf\xe9"


def _run(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def _not_utf8(folder: Path, name: bytes) -> str:
    return os.fsdecode(bytes(folder) + b"/" + name)


# -- the messages ------------------------------------------------------------------------------------------------
def test_an_error_that_repeats_an_argument_which_is_not_utf8_is_escaped(capsys):
    """`ragtune models show caf\\xe9` ended in a UnicodeEncodeError traceback on a strict stderr: the message
    repeated the lone surrogate."""
    code, out, err = _run(["models", "show", E9], capsys)
    assert code == 3 and out == ""
    assert err.startswith("error: no artifact 'caf\\udce9' in the registry (")


def test_click_errors_that_repeat_an_argument_are_escaped(capsys, monkeypatch):
    code, out, err = _run([f"--no-such-{E9}"], capsys)  # click's own words use repr()
    assert code == 2 and "No such option '--no-such-caf\\udce9'" in err
    import ragtune.cli.models_cmd as models_cmd

    def bad(app):  # a usage error whose message holds the argument as it is
        raise click.UsageError(f"bad {E9}\x1b[2J")

    monkeypatch.setattr(models_cmd, "_registry", bad)
    code, out, err = _run(["models", "list"], capsys)
    assert code == 2 and err.endswith("Error: bad caf\\udce9\\x1b[2J\n")


def test_an_error_keeps_its_lines_and_escapes_what_would_drive_the_terminal(capsys):
    code, out, err = _run(["models", "show", "\x1b[2Jx"], capsys)
    assert code == 3 and "\x1b" not in err
    assert err.startswith("error: no artifact '\\x1b[2Jx' in the registry (") and "\n  hint: see" in err


def test_json_errors_keep_the_text_as_json_escapes(capsys):
    code, out, err = _run(["models", "activate", E9, "--json"], capsys)
    assert code == 3 and json.loads(out)["error"]["message"].startswith("no artifact 'caf\\udce9'")


def test_an_os_error_on_a_path_that_is_not_utf8_names_its_bytes(tmp_path):
    msg, hint = os_error_message(OSError(errno.EACCES, "Permission denied", _not_utf8(tmp_path, b"caf\xe9")))
    assert msg == f"{tmp_path}/caf\\xe9: Permission denied" and "permissions" in hint


def test_an_internal_error_holding_a_lone_surrogate_is_printed(capsys, monkeypatch):
    import ragtune.cli.models_cmd as models_cmd

    def boom(app):
        raise RuntimeError(f"bad {E9}")

    monkeypatch.setattr(models_cmd, "_registry", boom)
    code, out, err = _run(["models", "list"], capsys)
    assert code == 70 and err.startswith("internal error: RuntimeError: bad caf\\udce9\n")


def test_progress_lines_are_escaped_line_by_line(capsys):
    from ragtune.cli.common import say

    say(f"copying {E9}\n\x1b]0;title\x07 done")
    assert capsys.readouterr().err == "copying caf\\udce9\n\\x1b]0;title\\x07 done\n"


def test_the_text_helpers():
    from ragtune.appliance.errors import InputError
    from ragtune.appliance.text import check_utf8_path, escaped_lines, name_too_long, shortened

    assert escaped_lines("a\nb\tc") == "a\nb\\tc" and escaped_lines("plain") == "plain"
    assert check_utf8_path("café", "--out", "why") == "café" and check_utf8_path(None, "--out", "why") is None
    with pytest.raises(InputError) as e:
        check_utf8_path(E9, "--out", "why")
    assert e.value.message == "--out caf\\xe9: its path is not valid UTF-8 (why)"
    assert name_too_long("x" * 300) and name_too_long("/tmp/" + "x" * 5000)
    assert not name_too_long("no-such-file") and not name_too_long("/")
    assert shortened("abc") == "abc" and shortened("x" * 1000, 10) == "xxxxxxxxxx… (1000 characters)"


# -- paths handed on as UTF-8 text: refused as the arguments are parsed ------------------------------------------
SCRIPT = "its path is not valid UTF-8 (llama.cpp's convert script and its log take it as UTF-8 text)"


@pytest.mark.parametrize("argv,label,shown", [
    (["convert", "lora", E9, "--out", "x.gguf"], "ADAPTER", "caf\\xe9"),
    (["convert", "lora", "adapter", "--out", E9 + ".gguf"], "--out", "caf\\xe9.gguf"),
    (["convert", "lora", "adapter", "--base", E9, "--out", "x.gguf"], "--base", "caf\\xe9"),
    (["convert", "lora", "adapter", "--gguf-base", E9, "--out", "x.gguf"], "--gguf-base", "caf\\xe9"),
    (["convert", "lora", "adapter", "--sdist", E9, "--out", "x.gguf"], "--sdist", "caf\\xe9"),
    (["convert", "gguf", E9, "--out", "x.gguf"], "MODEL_DIR", "caf\\xe9"),
    (["convert", "gguf", "model", "--out", E9 + ".gguf"], "--out", "caf\\xe9.gguf"),
    (["convert", "gguf", "model", "--out", "x.gguf", "--sdist", E9], "--sdist", "caf\\xe9"),
])
def test_convert_lora_and_gguf_refuse_a_path_that_is_not_utf8_before_any_heavy_import(argv, label, shown, capsys,
                                                                                       monkeypatch, tmp_path):
    """`convert lora|gguf` with such a path ran llama.cpp's script for minutes, then failed writing its log
    (UnicodeEncodeError: internal error), or failed inside the script."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "torch", None)  # as if the [convert] extra were not installed
    for mod in ("ragtune.converters.lora", "ragtune.converters.gguf"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    code, out, err = _run(argv, capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {label} {shown}: {SCRIPT}\n  hint: rename it, or give a path whose names are UTF-8\n"
    assert "ragtune.converters.lora" not in sys.modules and "ragtune.converters.gguf" not in sys.modules
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("argv", [["models", "promote-builtin", "."], ["tune", "default", "--dry-run"]])
def test_a_built_in_adapter_destination_that_is_not_utf8_is_refused(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dest = _not_utf8(tmp_path, b"adapt\xe9")
    code, out, err = _run([*argv, "--dest", dest], capsys)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: --dest {tmp_path}/adapt\\xe9: its path is not valid UTF-8 (the package's files "
                          "are named in UTF-8)\n")
    assert not os.path.exists(dest)


def test_tune_default_refuses_a_work_folder_that_is_not_utf8_before_any_work(capsys, tmp_path):
    work = _not_utf8(tmp_path, b"w\xe9")
    code, out, err = _run(["tune", "default", "--work", work, "--dry-run"], capsys)
    assert code == 2 and err.startswith(f"error: --work {tmp_path}/w\\xe9: its path is not valid UTF-8")
    assert not os.path.exists(work)


BUILT = "its path is not valid UTF-8 (the dataset's files record it)"


@pytest.mark.parametrize("argv,label,expected", [
    (["train", "--data", "d", "--out", "{bad}"], "--out",
     "its path is not valid UTF-8 (the next step, `ragtune convert lora`, takes it as UTF-8 text)"),
    (["convert", "merge", "adapter", "--out", "{bad}"], "--out",
     "its path is not valid UTF-8 (the next step, `ragtune convert gguf`, takes it as UTF-8 text)"),
    (["dataset", "build", "--from-pack", "--out", "{bad}"], "--out", BUILT),
    (["dataset", "build", "--from-log", "{bad}", "--out", "d"], "--from-log", BUILT),
    (["dataset", "build", "--qa", "{bad}", "--docs", ".", "--out", "d"], "--qa", BUILT),
    (["dataset", "build", "--qa", "qa.jsonl", "--docs", "{bad}", "--out", "d"], "--docs", BUILT),
    (["dataset", "build", "--corpus", "train", "--corpus", "{bad}", "--out", "d"], "--corpus", BUILT),
])
def test_a_training_output_or_a_recorded_dataset_source_that_is_not_utf8_is_refused(argv, label, expected, capsys,
                                                                                   tmp_path, monkeypatch):
    """`train --out caf\\xe9` trained an adapter that `convert lora` then refused; `convert merge --out caf\\xe9` a
    model `convert gguf` refused; `dataset build --out caf\\xe9` (or a source by such a name) built the whole dataset,
    then failed writing its files (UnicodeEncodeError: internal error)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "torch", None)  # as if the [train] extra were not installed
    bad = _not_utf8(tmp_path, b"caf\xe9")
    code, out, err = _run([a.replace("{bad}", bad) for a in argv], capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {label} {tmp_path}/caf\\xe9: {expected}\n  hint: rename it, or give a path whose names are UTF-8\n"
    assert os.listdir(tmp_path) == []


def test_merge_and_hard_take_an_output_that_is_not_utf8(capsys, tmp_path):
    """Their files record paths as JSON escapes and nothing after them needs the path as text: not refused."""
    from tests.models.test_merge import _folder, ex

    a = _folder(tmp_path / "a", [ex("When does the depot open?", "07:00"), ex("Who owns it?")])
    b = _folder(tmp_path / "b", [ex("Does it open on Sunday?", "no")])
    merged, hard = _not_utf8(tmp_path, b"m\xe9"), _not_utf8(tmp_path, b"h\xe9")
    code, out, err = _run(["dataset", "merge", str(a), str(b), "--out", merged], capsys)
    assert code == 0 and out.startswith(f"{tmp_path}/m\\xe9: 3 train / 0 holdout lines from 2 datasets"), err
    code, out, err = _run(["dataset", "hard", merged, "--out", hard, "--examples", "2"], capsys)
    assert code == 0 and out.startswith(f"{tmp_path}/h\\xe9: 2 lines"), err


def test_fit_evidence_prints_an_output_that_is_not_utf8_as_its_bytes(capsys, tmp_path, monkeypatch):
    """`rerank fit-evidence --out caf\\xe9.json` wrote the file, then printed its path as it is: a strict stdout
    refused it (internal error)."""
    import ragtune.models.evidence_fit as evidence_fit

    out = _not_utf8(tmp_path, b"caf\xe9.json")
    report = {"questions": 40, "unanswerable": 10, "auc": 0.9, "refused_share": 0.2, "refusal_precision": 0.8,
              "refusal_recall": 0.6, "out": out}
    monkeypatch.setattr(evidence_fit, "run", lambda settings, **kw: report)
    code, out_text, err = _run(["--home", str(tmp_path), "rerank", "fit-evidence", "--out", out], capsys)
    assert code == 0 and out_text.endswith(f"  wrote {tmp_path}/caf\\xe9.json\n"), err


def test_a_chosen_registry_name_that_is_not_utf8_is_a_usage_error(capsys, tmp_path):
    from tests.gguf_helpers import write_gguf

    a = write_gguf(tmp_path / "a.gguf", lora=True)
    code, out, err = _run(["models", "add", str(a), "--kind", "lora-gguf", "--name", E9], capsys)
    assert code == 2 and "Invalid value for '--name': 'caf\\udce9' is not valid Unicode (a lone surrogate " \
                          "\\udce9); give a name such as my-adapter-v2" in err
    code, out, err = _run(["models", "list", "--json"], capsys)
    assert [m["name"] for m in json.loads(out)["artifacts"] if not m.get("builtin")] == []


def test_a_file_whose_name_is_not_utf8_is_registered_under_a_safe_name_and_listed(capsys, tmp_path):
    """`models add caf\\xe9.gguf` registered the name 'caf\\udce9', listed as such and never typed back; its
    missing file was then listed by a path a strict stdout refused."""
    from tests.gguf_helpers import write_gguf

    a = write_gguf(Path(_not_utf8(tmp_path, b"caf\xe9.gguf")), lora=True)
    code, out, err = _run(["models", "add", str(a), "--kind", "lora-gguf"], capsys)
    aid, kind, name = out.split()
    assert (code, kind, name) == (0, "lora-gguf", f"caf-{aid[:8]}")
    assert err == f"note: the file name 'caf\\xe9' is not valid UTF-8: registered as '{name}'; --name gives another\n"
    a.unlink()
    code, out, err = _run(["models", "list"], capsys)
    assert code == 0 and f"{name} (file missing: {tmp_path}/caf\\xe9.gguf)\n" in out


# -- a reference too long to be a path ---------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["docs", "show"], ["docs", "remove"], ["docs", "remove", "--dry-run", "1"]])
def test_docs_show_and_remove_say_a_reference_too_long_to_be_a_path_is_no_document(argv, capsys, tmp_path):
    """`docs show <100,000 characters>` exited 74 ("File name too long", an I/O error), `docs remove` too."""
    home = tmp_path / "h"
    home.mkdir()
    code, out, err = _run(["--home", str(home), *argv, "x" * 100_000], capsys)
    assert (code, out) == (2, "")
    assert err == (f"error: no ingested document matches '{'x' * 200}… (100000 characters)': it is too long to be a "
                   "path (a name over 255 bytes, or a path over 4096)\n"
                   "  hint: give an id or a path from `ragtune docs list`\n")


def test_docs_list_under_a_folder_too_long_to_be_a_path_lists_nothing(capsys, tmp_path):
    from ragtune.appliance.home import Home
    from ragtune.appliance.store import Store

    home = tmp_path / "h"
    home.mkdir()
    Store(Home(home).db_path).close()  # an index that holds no documents
    code, out, err = _run(["--home", str(home), "docs", "list", "--under", "x" * 300], capsys)
    assert (code, out, err) == (0, "", "(no matching documents)\n")


def test_a_registry_reference_too_long_to_be_a_path_is_not_found_and_not_repeated(capsys, tmp_path):
    """`convert soup <100,000 characters> B` exited 74 (ENAMETOOLONG from Path.exists) and `models show` repeated
    the whole argument."""
    for argv in (["convert", "soup", "x" * 100_000, "b", "--out", str(tmp_path / "s.gguf")],
                 ["models", "show", "x" * 100_000]):
        code, out, err = _run(argv, capsys)
        # a converter's input that names nothing is bad input (2); `models show` keeps the registry's 3
        assert code == (2 if argv[0] == "convert" else 3)
        assert err.startswith(f"error: no artifact '{'x' * 200}… (100000 characters)' in the registry")
        assert len(err) < 1000


# -- a device where a file is read ---------------------------------------------------------------------------------
def _device() -> str:
    return "/dev/zero" if os.path.exists("/dev/zero") else pytest.skip("no /dev/zero")


PIPE_OR_NOT = "a device, pipe or socket"  # where a pipe is refused too
NO_PIPE = "a device or socket"  # where a pipe is taken (tests/test_cli_pipes.py): only those are refused


@pytest.mark.parametrize("argv,label,what,expected", [
    (["eval", "calibrate", "{dev}"], "DATASET", NO_PIPE, "a BEIR folder or a training-format .jsonl file"),
    (["eval", "run", "{dev}"], "DATASET", NO_PIPE, "a BEIR folder or a training-format .jsonl file"),
    (["eval", "compare", "{dev}"], "RUNS", PIPE_OR_NOT, "an eval run's report folder, report.json or items.jsonl"),
    (["eval", "retrieval", "{dev}"], "DATASET_DIR", PIPE_OR_NOT, "a BEIR folder"),
    (["dataset", "build", "--from-log", "{dev}", "--out", "d"], "--from-log", NO_PIPE, "a JSONL file"),
    (["dataset", "build", "--qa", "{dev}", "--docs", ".", "--out", "d"], "--qa", NO_PIPE, "a JSONL file"),
    (["dataset", "report", "{dev}"], "PATH", NO_PIPE, "a built dataset folder or a training JSONL file"),
    (["dataset", "merge", "{dev}", "{dev}", "--out", "d"], "SRCS", NO_PIPE,
     "a built dataset folder or a training JSONL file"),
    (["train", "--data", "{dev}", "--out", "o"], "--data", NO_PIPE, "a built dataset folder or a training JSONL file"),
    (["rerank", "train", "--candidates", "{dev}", "--no-register"], "--candidates", NO_PIPE, "a candidates JSONL file"),
    (["rerank", "train", "--kind", "cross-encoder", "--pairs", "{dev}", "--no-register"], "--pairs", NO_PIPE,
     "a pairs JSONL file"),
    (["models", "add", "{dev}", "--kind", "lora-hf"], "PATH", PIPE_OR_NOT, "a model file or folder"),
    (["tune", "default", "--eval-set", "{dev}", "--dry-run"], "--eval-set", NO_PIPE,
     "a BEIR folder or a training-format .jsonl file"),
])
def test_a_device_given_as_an_input_file_is_said_and_never_read(argv, label, what, expected, capsys, tmp_path,
                                                                 monkeypatch):
    """`eval calibrate /dev/null` said "no such file or folder"; `dataset build --from-log /dev/zero` (and --qa,
    `rerank train --candidates`) read until memory ran out. Where a pipe is taken, the message does not list it."""
    monkeypatch.chdir(tmp_path)
    dev = _device()
    code, out, err = _run([a.replace("{dev}", dev) for a in argv], capsys)
    assert (code, out) == (2, "")
    assert err == f"error: {label} {dev}: {what}, not {expected}\n"


def test_a_device_given_as_a_converter_input_is_said(capsys, tmp_path):
    dev = _device()
    code, out, err = _run(["convert", "soup", dev, dev, "--out", str(tmp_path / "s.gguf")], capsys)
    assert code == 2 and err == f"error: {dev}: a device, pipe or socket, not a file or folder (expected a " \
                                "lora-gguf, or a registry id or name)\n"


def test_checked_path_passes_files_folders_and_missing_paths(tmp_path):
    from ragtune.cli.common import checked_path

    check = checked_path(reads="a file", utf8="why")
    f = tmp_path / "f.jsonl"
    f.write_text("{}\n")
    param = click.Option(["--in"])
    for value in (None, str(f), str(tmp_path), str(tmp_path / "missing"), (str(f), str(tmp_path)), ()):
        assert check(None, param, value) == value


def test_a_merged_model_in_a_folder_that_is_not_utf8_is_printed_and_its_next_step_names_its_id(capsys, tmp_path):
    """`convert merge --out m\\xe9` printed the folder as it is (a strict stdout refused it) and then suggested
    `convert gguf m\\xe9`, which refuses such a path: the next step names the merged model by its id."""
    from ragtune.appliance.artifacts import Artifact
    from ragtune.cli.convert_cmd import _report
    from ragtune.converters import ConvertResult

    out = Path(_not_utf8(tmp_path, b"m\xe9"))
    art = Artifact("ab" * 32, out, "hf-model", {"name": f"m-{'ab' * 4}"})
    _report(ConvertResult(art, out, 1.0), as_json=False)
    cap = capsys.readouterr()
    assert cap.out == f"{'ab' * 32}  hf-model  {tmp_path}/m\\xe9  (1.0 s)\n"
    assert cap.err == f"next: ragtune convert gguf {'ab' * 6} --out m-{'ab' * 4}.gguf\n"
