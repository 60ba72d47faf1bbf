"""Round 52: llama-cpp-python opens /dev/null twice at import (llama_cpp._utils) and never closes it: every process
that loaded a model ended with two `ResourceWarning: unclosed file <... name='/dev/null'>` (an error under
`-W error::ResourceWarning`). llamalog.llama_cpp_module now replaces them with files that never warn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("llama_cpp")

LOAD = """
from ragtune.appliance.llamalog import llama_cpp_module
lc = llama_cpp_module()
from llama_cpp._utils import suppress_stdout_stderr
with suppress_stdout_stderr(disable=False):  # what Llama(..., verbose=False) does around a load
    pass
print("done", flush=True)
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="")
    return subprocess.run([sys.executable, "-W", "error::ResourceWarning", "-c", code, *args], capture_output=True,
                          text=True, env=env, timeout=120)


def test_importing_llama_cpp_through_ragtune_leaves_no_dev_null_open():
    out = _run(LOAD)
    assert out.returncode == 0 and out.stdout.strip() == "done", out.stderr
    assert "ResourceWarning" not in out.stderr and "/dev/null" not in out.stderr, out.stderr  # was: two of each


def test_called_twice_it_keeps_its_own_files():
    out = _run(LOAD + "import llama_cpp._utils as u; f = u.outnull_file; llama_cpp_module(); "
                      "print(u.outnull_file is f, f.closed)")
    assert out.stdout.split()[-2:] == ["True", "False"], out.stderr


def _a_gguf() -> Path | None:
    from ragtune.appliance import default_models

    try:  # the default generator, where the tests find it (an installed carrier, or the user's cache)
        return default_models.locate_all(default_models.default_names()[0], verify=False)[0]
    except Exception:  # noqa: BLE001 - not installed here: skipped
        return None


@pytest.mark.slow
def test_a_real_model_load_leaves_no_dev_null_open():
    gguf = _a_gguf()
    if gguf is None:
        pytest.skip("no GGUF model under RAGTUNE_MODELS")
    code = ("import sys\nfrom ragtune.appliance.llamalog import llama_cpp_module\nlc = llama_cpp_module()\n"
            "llm = lc.Llama(model_path=sys.argv[1], n_ctx=256, n_threads=1, verbose=False)\nprint(llm.n_vocab() > 0)\n"
            "llm.close()\n")
    out = _run(code, str(gguf))
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr
    assert "ResourceWarning" not in out.stderr, out.stderr
