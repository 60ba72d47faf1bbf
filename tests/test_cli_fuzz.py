"""Argv fuzzer over the whole command tree: for every command, seeded hostile values chosen by each parameter's
type (numbers out of range or not numbers, nan and inf, missing and unreadable paths, a folder for a file and a
file for a folder, a device, empty and random-bytes files, names with a newline, a non-UTF-8 byte or 300
characters, a wrong choice, empty, blank, escape-sequence and 100k-character strings), a missing required argument
and an unknown option, in a fresh empty home and in a home holding a tiny ingested corpus. The product rule: bad
input is a clear error, never exit 70 ("internal error: …") and never a traceback.

Models never load: the embedder and the generator are the tests' fakes (an invocation that gets as far as
answering answers with FakeGenerator). Commands that would train, serve, open the TUI or download are not run
(SKIPPED). Every invocation runs through `ragtune.cli.main`, so the exit codes and the error handler are the real
ones, with the working directory and $HOME in a temporary folder (relative paths such as "", "-" or ".." land
there)."""

from __future__ import annotations

import io
import os
import random
import shutil
import stat
import sys
from pathlib import Path

import click
import pytest

from ragtune.cli import cli, main
from tests.fuzzing import fuzz

# decided by name: what these do once their arguments parse is long model work, a server, a TUI or the network
SKIPPED = {
    "chat": "opens the TUI",
    "demo": "ingests the sample pack and answers with the real model (then the TUI)",
    "serve": "starts the HTTP server",
    "train": "trains a LoRA (torch)",
    "train-eval": "loads the base model in torch",
    "tune default": "the whole default-adapter pipeline: training, conversion, eval",
    "rerank train": "trains a reranker (torch)",
    "models fetch": "downloads the default models' carrier wheels",
    "convert merge": "loads a full-precision base in torch",
    "convert gguf": "runs llama.cpp's convert_hf_to_gguf.py (torch)",
    "convert lora": "converts with llama.cpp's scripts (torch)",
}

# root options are fuzzed under these cheap subcommands
ROOT_SUBCOMMANDS = (["config", "show"], ["config", "path"], ["docs", "list"], ["models", "list"], ["search", "x"],
                    ["config", "init", "--force"], ["rollout", "status"], ["log", "list"])

# int() takes the last three (blanks, "_", an Arabic-Indic 3)
INTS = ["0", "-1", str(2**63), "1e9", "abc", "", str(-2**63 - 1), " 7 ", "1_000", "\u0663"]
FLOATS = ["nan", "inf", "-0", "1e400", "abc", "", "1e-400", "-1e-320", "+inf", " NaN "]
STRINGS = ["", " ", "\x1b[2J", "x" * 100_000, "-", os.fsdecode(b"caf\xe9"), "a\nb", "../../outside", "--help", "-1",
           "0", "\u202e"]  # no NUL: an argument never holds one (execve's are C strings)
WRONG_JSON_LINES = ['[1, 2]', 'null', '"text"', '1e999', '{"_id": [], "text": {}, "question": null, "messages": 3}',
                    '{"messages": [{"role": 7, "content": null}], "answer": {"status": []}}', '{"a": NaN}',
                    "[" * 5000 + "]" * 5000,
                    '{"_id": "a\\u0000b", "text": "x\\u0000", "question": "q\\u0000", "docs": "/\\u0000"}']
WRONG_TOML = 'retrieve = 3\n[generate]\nmax_tokens = "many"\nmodel = 5\n[[ingest]]\n'
LORA_NAME = "fuzz-lora"  # registered in the corpus home
OUTPUT_NAMES = {"out", "dest", "work", "work_home"}  # options naming something the command writes


def _walk(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


LEAVES = [(p, c) for p, c in _walk(cli) if " ".join(p) not in SKIPPED]
FUZZED = [((), cli)] + LEAVES
IDS = ["(root options)"] + [" ".join(p) for p, _ in LEAVES]


class Files:
    """The hostile paths, and copies of the well-formed inputs (a BEIR set, a training JSONL, GGUF LoRAs, an eval
    report), made per test in its own temporary folder: a command may overwrite any of them (--out X --force)."""

    def __init__(self, root: Path, rng: random.Random, inputs: dict[str, Path]):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.missing = root / "missing.jsonl"
        self.dir = root / "folder"
        self.dir.mkdir()
        (self.dir / "note.md").write_text("# Note\n\nA folder given where a file is expected.\n")
        self.file = root / "plain.txt"
        self.file.write_text("A plain text file given where a folder is expected.\n")
        self.empty = root / "empty.jsonl"
        self.empty.touch()
        self.random = root / "random.bin"
        self.random.write_bytes(rng.randbytes(2048))
        self.newline = root / "new\nline.md"
        self.newline.write_text("# Newline\n\nIn the name.\n")
        self.non_utf8 = Path(os.fsdecode(bytes(root) + b"/caf\xe9.md"))
        self.non_utf8.write_text("# Cafe\n\nA name that is not UTF-8.\n")
        self.non_utf8_new = Path(os.fsdecode(bytes(root) + b"/new-caf\xe9"))  # a home or an output to be made
        self.long = root / ("x" * 300)  # longer than NAME_MAX: open() fails with ENAMETOOLONG
        self.wrong_json = root / "wrong-shapes.jsonl"  # JSON, but never the shape a reader expects
        self.wrong_json.write_text("\n".join(WRONG_JSON_LINES) + "\n")
        self.wrong_toml = root / "wrong-types.toml"
        self.wrong_toml.write_text(WRONG_TOML)
        self.device = self._null_device(root)
        self.valid = []
        for src in inputs.values():  # well-formed inputs, also given where another kind is expected
            dst = root / "inputs" / src.name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
            self.valid.append(str(dst))
        self.out_n = 0

    @staticmethod
    def _null_device(root: Path) -> str | None:
        """A character device reading like /dev/null. Never /dev/null itself when root: a command that wrote its
        output by an atomic rename would replace the machine's /dev/null with a file."""
        node = root / "null-device"
        try:
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
            return str(node)
        except (OSError, AttributeError):
            return None if os.geteuid() == 0 else "/dev/null"

    def paths(self) -> list[str]:
        out = [str(p) for p in (self.missing, self.dir, self.file, self.empty, self.random, self.newline,
                                self.non_utf8, self.non_utf8_new, self.long, self.wrong_json, self.wrong_toml)]
        # the device's slot is there on every machine (where none can be made, as root without CAP_MKNOD: the empty
        # file, which reads the same): a list one shorter moved every rng.choice after it, other argv on that machine
        return out + [self.device or str(self.empty)] + ["-"] + self.valid

    def fresh_out(self) -> str:
        self.out_n += 1
        return str(self.root / "outputs" / f"out{self.out_n}")


def _kind(param: click.Parameter) -> str:
    t = param.type
    if isinstance(t, click.Choice):
        return "choice"
    if isinstance(t, (click.types.IntParamType, click.IntRange)):
        return "int"
    if isinstance(t, (click.types.FloatParamType, click.FloatRange)):
        return "float"
    if isinstance(t, click.Path):
        return "path"
    return "string"


def _is_flag(param: click.Parameter) -> bool:
    return isinstance(param, click.Option) and (param.is_flag or param.count)


def _hostile(param: click.Parameter, files: Files, rng: random.Random) -> str:
    kind = _kind(param)
    if kind == "int":
        return rng.choice(INTS)
    if kind == "float":
        return rng.choice(FLOATS)
    if kind == "choice":
        return rng.choice(["no-such-choice", "", str(param.type.choices[0]).upper() + "x"])
    if kind == "path":
        return rng.choice(files.paths())
    # a string parameter is often a path, a registry reference or JSON text
    return rng.choice(STRINGS + WRONG_JSON_LINES + [LORA_NAME] + files.paths())


def _filler(param: click.Parameter, files: Files, rng: random.Random) -> str:
    """A plain value, so that the command gets past its required parameters to the hostile one."""
    kind = _kind(param)
    if kind == "choice":
        return str(param.type.choices[0])
    if kind == "int":
        lo = getattr(param.type, "min", None)
        return str(max(1, lo or 1))
    if kind == "float":
        return "0.5"
    if param.name in OUTPUT_NAMES:
        return files.fresh_out()
    if kind == "path" or isinstance(param, click.Argument):
        return rng.choice([str(files.missing)] + files.valid)
    return rng.choice(["x", LORA_NAME])


def _words(param: click.Parameter, value: str) -> list[str]:
    if isinstance(param, click.Argument):
        return [value]
    opt = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return [opt, value]


def _argv(path: tuple[str, ...], cmd: click.Command, files: Files, rng: random.Random,
          hostile: set[str], *, drop_required: bool = False) -> list[str]:
    """`path` + options + `--` + arguments: each parameter in `hostile` gets a hostile value, the required and the
    optional positional ones a filler, flags a coin toss. The `--` keeps a hostile argument that starts with "-"
    an argument."""
    opts: list[str] = []
    args: list[str] = []
    for p in cmd.params:
        if p.name == "help" or (drop_required and p.required):
            continue
        if _is_flag(p):
            if rng.random() < 0.3:
                opts.append(p.opts[0])
            continue
        if p.name in hostile:
            value = _hostile(p, files, rng)
        elif p.required or isinstance(p, click.Argument) or p.name in OUTPUT_NAMES:
            value = _filler(p, files, rng)  # an optional argument too: its default may be a long run (eval sets)
        else:
            continue
        (args if isinstance(p, click.Argument) else opts).extend(_words(p, value))
    return list(path) + opts + (["--"] + args if args else [])


def _plan(path: tuple[str, ...], cmd: click.Command, files: Files, rng: random.Random, *, every_param: bool,
          n_random: int) -> list[list[str]]:
    if not path:  # the root group's own options, under a cheap subcommand
        root_opts = [p for p in cmd.params if isinstance(p, click.Option) and not _is_flag(p) and p.name != "help"]
        plans = []
        for p in root_opts * (2 if every_param else 1):
            plans.append([p.opts[0], _hostile(p, files, rng), *rng.choice(ROOT_SUBCOMMANDS)])
        return plans + [["--no-such-option", "docs", "list"]]
    valued = [p for p in cmd.params if p.name != "help" and not _is_flag(p)]
    plans = []
    if every_param:
        plans += [_argv(path, cmd, files, rng, {p.name}) for p in valued]
        if any(p.required for p in cmd.params):
            plans.append(_argv(path, cmd, files, rng, set(), drop_required=True))
        plans.append(_argv(path, cmd, files, rng, set())[:len(path)] + ["--no-such-option"])
    for _ in range(n_random if valued else 0):
        pick = rng.sample(valued, min(len(valued), rng.choice([1, 2, 3])))
        plans.append(_argv(path, cmd, files, rng, {p.name for p in pick}))
    return plans


def _shown(argv: list[str]) -> str:
    return " ".join(repr(a) if len(a) <= 60 else f"<{len(a)} chars>" for a in argv)


def invoke(argv: list[str]) -> tuple[int | None, bytes, bytes, str]:
    """main(argv) with the streams a UTF-8 terminal gives Python: stdout strict (a lone surrogate fails to encode),
    stderr backslashreplace (Python's own setting for it), stdin empty (as `</dev/null`: a "-" path reads it).
    Returns the exit code (None: an exception escaped main), the bytes written to stdout and to stderr, and what
    escaped main."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace", write_through=True)
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"), out, err
    try:
        code: int | None = main(argv)
        escaped = ""
    except BaseException as exc:  # noqa: BLE001 - anything escaping main is a finding, SystemExit included
        code, escaped = None, f"escaped main: {type(exc).__name__}: {exc}"
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    return code, out.buffer.getvalue(), err.buffer.getvalue(), escaped


def _run(argv: list[str]) -> tuple[int | None, str]:
    code, out, err, escaped = invoke(argv)
    return code, (out + err).decode("utf-8", "replace") + escaped


def _crash(argv: list[str]) -> str | None:
    code, output = _run(argv)
    if code is None or code == 70 or "Traceback" in output:
        return f"exit {code}: {output.strip()[-400:]}"
    return None


def _fuzz(plans: list[list[str]]) -> None:
    fuzz(((argv, f"ragtune {_shown(argv)}") for argv in plans), _crash, "invocations crashed", shown=None)


# -- the environment: fakes for every model, a corpus home made once -------------------------------------------
@pytest.fixture(scope="module")
def tokenizer():
    """MiniLM's tokenizer.json from the installed model carrier (a file read, no model), for the fake embedder."""
    from ragtune.appliance.errors import RagtuneError
    from tests.appliance.ingest_helpers import real_tokenizer

    try:
        return real_tokenizer()
    except (RagtuneError, OSError) as exc:  # pragma: no cover - the carrier is a dependency
        pytest.skip(f"the MiniLM tokenizer is not installed: {exc}")


def _fake_models(monkeypatch, tokenizer) -> None:
    import ragtune.appliance.embed as embed_mod
    import ragtune.appliance.generate as gen_mod
    from tests.appliance.ingest_helpers import FakeEmbedder
    from tests.fakes import FakeGenerator

    monkeypatch.setattr(embed_mod, "Embedder", lambda cfg, home, **kw: FakeEmbedder(tokenizer))
    class Generator(FakeGenerator):
        model_path = "fake-model.gguf"  # `dataset build` names the tokenizer it counts with by its file

    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: Generator())


def lora_pair(root: Path) -> dict[str, Path]:
    """Two f16 GGUF LoRAs of one (made-up) base, which `convert soup` averages (adapter.gguf, a lora_a with no
    lora_b, it refuses). Needs the `gguf` package."""
    try:
        import numpy as np

        from tests.gguf_helpers import write_tensors
        import gguf  # noqa: F401
    except ImportError:
        return {}
    out = {}
    for name, seed in (("lora-a", 1), ("lora-b", 2)):
        rng = np.random.default_rng(seed)
        tensors = {"blk.0.attn_q.weight.lora_a": (rng.standard_normal((2, 8)) * 0.1).astype(np.float16),
                   "blk.0.attn_q.weight.lora_b": (rng.standard_normal((6, 2)) * 0.1).astype(np.float16)}
        out[name] = write_tensors(root / f"{name}.gguf", tensors, **{"general.type": "adapter", "adapter.type": "lora"})
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory, tokenizer):
    """Made once, with the fakes: well-formed inputs (a mini BEIR set, a training dataset built from the sample
    pack, a GGUF LoRA, an eval report) and a home holding three ingested documents, one logged answer, the LoRA
    registered as LORA_NAME and a rollout of it running."""
    from tests.appliance.eval_fakes import write_beir
    from tests.appliance.ingest_helpers import GOOD
    from tests.gguf_helpers import write_gguf

    root = tmp_path_factory.mktemp("made")
    docs = root / "docs"
    docs.mkdir()
    for name, text in GOOD.items():
        (docs / name).write_text(text, encoding="utf-8")
    home = root / "home"
    inputs = {"beir": write_beir(root / "beir"), "lora": write_gguf(root / "adapter.gguf", lora=True)}
    inputs.update(lora_pair(root))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("RAGTUNE_HOME", str(root / "scratch-home"))
        mp.setenv("RAGTUNE_MODELS", str(root / "model-cache"))
        mp.setenv("RAGTUNE_BUILTIN_ADAPTERS", str(root / "builtin-adapters"))
        mp.setenv("RAGTUNE_BUILTIN_RERANKERS", str(root / "builtin-rerankers"))
        _fake_models(mp, tokenizer)
        assert main(["dataset", "build", "--allow-dev", "--from-pack", "--limit", "6", "--out", str(root / "ds")]) == 0
        inputs["train"] = root / "ds" / "train.jsonl"
        assert main(["eval", "run", str(inputs["beir"]), "--limit", "4", "--arms", "A",
                     "--out", str(root / "run")]) == 0
        inputs["run"], inputs["report"] = root / "run", root / "run" / "report.json"
        assert main(["--home", str(home), "ingest", str(docs)]) == 0
        assert main(["--home", str(home), "ask", "How long do cats sleep?"]) == 0
        assert main(["--home", str(home), "models", "add", str(inputs["lora"]), "--kind", "lora-gguf",
                     "--name", LORA_NAME]) == 0
        assert main(["--home", str(home), "rollout", "start", LORA_NAME, "--share", "10"]) == 0
    return home, inputs


@pytest.fixture
def fuzz_env(tmp_path, monkeypatch, tokenizer, made):
    """A private working directory and $HOME, fakes for the models, no debug tracebacks; returns a Files."""
    cwd = tmp_path / "cwd" / "deep"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("RAGTUNE_DEBUG", raising=False)
    _fake_models(monkeypatch, tokenizer)
    return Files(tmp_path / "fz", random.Random(38), made[1])


@pytest.fixture
def corpus_home(made, tmp_path, monkeypatch):
    home = tmp_path / "corpus-home"
    shutil.copytree(made[0], home)  # each command may change its home (docs remove, config set, models add)
    monkeypatch.setenv("RAGTUNE_HOME", str(home))
    return home


def _rng(name: str) -> random.Random:
    # random.Random(38) per command, mixed with its name: one command's plan does not move when another is added
    return random.Random(f"38:{name}")


@pytest.mark.parametrize("path,cmd", FUZZED, ids=IDS)
def test_hostile_argv_in_an_empty_home(path, cmd, fuzz_env):
    plans = _plan(path, cmd, fuzz_env, _rng(" ".join(path)), every_param=True, n_random=2)
    _fuzz(plans)


@pytest.mark.parametrize("path,cmd", FUZZED, ids=IDS)
def test_hostile_argv_in_a_home_with_a_corpus(path, cmd, fuzz_env, corpus_home):
    plans = _plan(path, cmd, fuzz_env, _rng("corpus " + " ".join(path)), every_param=False, n_random=4)
    _fuzz(plans)


@pytest.mark.slow
@pytest.mark.parametrize("path,cmd", FUZZED, ids=IDS)
def test_more_hostile_argv_in_a_home_with_a_corpus(path, cmd, fuzz_env, corpus_home):
    """The same with every parameter and more random pairs (minutes): run when a command's options change."""
    plans = _plan(path, cmd, fuzz_env, _rng("more " + " ".join(path)), every_param=True, n_random=12)
    _fuzz(plans)


def test_the_hostile_paths_are_one_list_with_or_without_a_device(tmp_path, monkeypatch):
    """As root without CAP_MKNOD (a container) no device could be made and the list was one shorter: every
    rng.choice after it drew another value, so that machine fuzzed other argv than every other one."""
    made = Files(tmp_path / "a", random.Random(38), {})

    def refused(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "mknod", refused)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    without = Files(tmp_path / "b", random.Random(38), {})
    assert without.device is None and len(without.paths()) == len(made.paths())
    assert without.paths().index(str(without.empty), 4) == without.paths().index("-") - 1  # its slot: the empty file


def test_the_skipped_commands_exist():
    """A renamed command is fuzzed again instead of silently dropping out of SKIPPED."""
    names = {" ".join(p) for p, _ in _walk(cli)}
    assert set(SKIPPED) <= names


# -- what the fuzzer found (each was exit 70, "internal error: …") ---------------------------------------------
# These two run in the fuzzer's environment (its fake models); the rest are in test_cli_fuzz_found.py.
def not_utf8(path: Path, name: bytes) -> Path:
    return Path(os.fsdecode(bytes(path) + b"/" + name))


@pytest.mark.parametrize("cmd", ["run", "calibrate"])
@pytest.mark.parametrize("bad", ["DATASET", "--out"])
def test_eval_of_a_dataset_or_into_a_folder_whose_path_is_not_utf8(fuzz_env, tmp_path, cmd, bad):
    """`eval run|calibrate --out new-caf\\xe9 DATASET` (or a BEIR folder by such a name) sampled the questions, then
    ended in a UnicodeEncodeError recording the run in the home's database."""
    from tests.appliance.eval_fakes import write_beir

    dataset = write_beir(not_utf8(tmp_path, b"be\xe9ir") if bad == "DATASET" else tmp_path / "beir")
    out = not_utf8(tmp_path, b"out\xe9") if bad == "--out" else tmp_path / "out"
    code, _, err, escaped = invoke(["eval", cmd, "--limit", "2", "--out", str(out), "--", str(dataset)])
    shown = f"{tmp_path}/be\\xe9ir" if bad == "DATASET" else f"{tmp_path}/out\\xe9"
    assert (code, escaped) == (2, "")
    assert err.decode().startswith(f"error: {bad} {shown}: its path is not valid UTF-8 (the run records it)\n"), err


def test_reuse_of_a_run_named_by_bytes_that_are_not_utf8(fuzz_env, tmp_path):
    """`eval run --reuse r\\xe9 DATASET` looked the name up in SQLite: a UnicodeEncodeError. No run id is one."""
    from tests.appliance.eval_fakes import write_beir

    ref = os.fsdecode(b"r\xe9")
    code, _, err, escaped = invoke(["eval", "run", "--limit", "2", "--out", str(tmp_path / "out"), "--reuse", ref,
                                    "--", str(write_beir(tmp_path / "beir"))])
    assert (code, escaped) == (2, "") and err.decode().startswith("error: --reuse r\\xe9: no such eval run"), err
