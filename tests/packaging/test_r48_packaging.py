"""Round 48, the packager's checks of pyproject.toml: every lazily imported optional module is declared in the extra
its error names (or in the runtime dependencies), the two extras agree on the pins they share, and the Python
classifiers, `requires-python` and docs/install.md ("Supported versions") name the same Pythons."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: tomli is a runtime dependency there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
# import name -> distribution name, where they differ
DIST_OF = {"llama_cpp": "llama-cpp-python", "safetensors.torch": "safetensors"}


def _project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~;\[]", req, maxsplit=1)[0].lower().replace("_", "-")


def _floor(req: str) -> tuple[int, ...] | None:
    m = re.search(r">=\s*([0-9][0-9.]*)", req)
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def _requires() -> list[tuple[str, str, str]]:
    """(file:line, module, extra) of every literal require()/require_installed() call under ragtune/."""
    found = []
    for path in sorted((REPO / "ragtune").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            if node.func.id == "require" and len(args) == 2:
                found.append((where, args[0], args[1]))
            elif node.func.id == "require_installed" and args:
                found += [(where, module, args[0]) for module in args[1:]]
    return found


def test_every_lazily_imported_module_is_in_the_extra_its_error_names():
    """A `require("x", "train")` whose `x` the [train] extra does not declare tells the user to install an extra
    that does not bring the module: the error would repeat after following its own hint."""
    project = _project()
    runtime = {_name(r) for r in project["dependencies"]}
    extras = {k: {_name(r) for r in v} for k, v in project["optional-dependencies"].items()}
    calls = _requires()
    assert len(calls) >= 20, calls  # the scan finds the calls (torch, transformers, peft, ...)
    wrong = []
    for where, module, extra in calls:
        dist = DIST_OF.get(module, module.split(".")[0]).lower().replace("_", "-")
        if extra not in extras:
            wrong.append(f"{where}: require({module!r}, {extra!r}): no extra [{extra}]")
        elif dist not in extras[extra] and dist not in runtime:
            wrong.append(f"{where}: {module} ({dist}) is neither in [{extra}] nor a runtime dependency")
    assert not wrong, "\n".join(wrong)


def test_the_extras_share_their_pins_and_the_train_stack_is_numpy_2_ready():
    """[train] and [convert] both install torch/transformers/peft/safetensors: one floor each, or installing the
    second extra could change what the first one was checked with. torch below 2.3 was built against numpy 1.x:
    with the runtime's numpy>=2 `torch.from_numpy` (train/model.py) and `Tensor.numpy()` (llama.cpp's LoRA
    converter) fail with "Numpy is not available"."""
    project = _project()
    train = {_name(r): r for r in project["optional-dependencies"]["train"]}
    convert = {_name(r): r for r in project["optional-dependencies"]["convert"]}
    for name in convert.keys() & train.keys():
        assert _floor(train[name]) == _floor(convert[name]), (train[name], convert[name])
    numpy = next(r for r in project["dependencies"] if _name(r) == "numpy")
    assert _floor(numpy) >= (2,)
    assert _floor(train["torch"]) >= (2, 3), train["torch"]
    # from_pretrained(..., dtype=) (ragtune/models/train/model.py, converters/merge.py) is 4.56's
    assert _floor(train["transformers"]) >= (4, 56), train["transformers"]


def test_classifiers_requires_python_and_the_docs_name_the_same_pythons():
    project = _project()
    minors = sorted(int(m.group(1)) for c in project["classifiers"]
                    if (m := re.fullmatch(r"Programming Language :: Python :: 3\.(\d+)", c)))
    assert minors == list(range(minors[0], minors[-1] + 1)), minors  # no gaps
    assert project["requires-python"] == f">=3.{minors[0]}"
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]  # refused beside `license = "..."`
    docs = (REPO / "docs" / "install.md").read_text(encoding="utf-8")
    section = docs.split("### Supported versions", 1)[1].split("\n### ", 1)[0]
    for minor in minors:
        assert f"Python 3.{minor}" in section, f"docs/install.md, Supported versions: no Python 3.{minor}"
