"""docs/architecture.md's module map says it is the map "as it is now": a reader looking for where a thing lives
reads it literally. By round 47 it lacked about 60 modules (backup, doctor, fusion, scope, the lexical and vector files'
helpers, half of ingest/ and eval/), so this holds it to the tree:

- every module of ragtune/appliance/ (`name.py`) and every package in it (`name/`) is named in the map's table, in
  backticks (`doctor.py`; a package as `store/`);
- every module of the packages `store/`, `ingest/` and `eval/` is named, in backticks, in that package's row
  (`store/` | `schema` (…), `base` (…), …);
- every `name.py` the table names exists in ragtune/appliance/ (a removed or renamed module leaves no stale row);
- every module and package of ragtune/models/, ragtune/serve/ and ragtune/tui/ is named (`front.py`, `screens/`) in
  the map's paragraph on that package.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPLIANCE = ROOT / "ragtune" / "appliance"
PACKAGES_LISTED = ("store", "ingest", "eval")  # their rows list their modules; ingest/loaders/ is docs/ingest.md's


def _table(text: str) -> list[str]:
    section = text[text.index("## Module map"):]
    section = section[:section.index("\n## ", 1)]
    start = section.index("`ragtune/appliance/`")
    return [line for line in section[start:].splitlines() if line.startswith("|")]


def _modules(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.py") if p.name != "__init__.py")


def _packages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def map_problems(text: str, appliance: Path) -> list[str]:
    rows = _table(text)
    table = "\n".join(rows)
    named = set(re.findall(r"`([a-z_0-9]+)\.py`", table))
    bad = [f"ragtune/appliance/{m}.py is not in the module map" for m in _modules(appliance) if m not in named]
    bad += [f"ragtune/appliance/{p}/ is not in the module map" for p in _packages(appliance)
            if f"`{p}/" not in table]
    bad += [f"the module map names {m}.py, which ragtune/appliance/ does not have" for m in sorted(named)
            if not (appliance / f"{m}.py").exists()]
    for pkg in PACKAGES_LISTED:
        row = next((r for r in rows if r.startswith(f"| `{pkg}/`")), "")
        words = set(re.findall(r"`([a-z_0-9]+)`", row))
        bad += [f"ragtune/appliance/{pkg}/{m}.py is not in the `{pkg}/` row" for m in _modules(appliance / pkg)
                if m not in words]
    return bad


def layer_problems(text: str, package: Path) -> list[str]:
    section = text[text.index("## Module map"):]
    section = section[:section.index("\n## ", 1)]
    para = section[section.index(f"`ragtune/{package.name}/` —"):]
    para = para[:para.index("\n\n")] if "\n\n" in para else para
    # the paragraph runs to the next package's `ragtune/x/` — or to a blank line
    nxt = re.search(r"`ragtune/(?!" + package.name + r"/)[a-z]+/` —", para)
    para = para[:nxt.start()] if nxt else para
    bad = [f"ragtune/{package.name}/{m}.py is not in the module map" for m in _modules(package) if f"`{m}.py`" not in para]
    bad += [f"ragtune/{package.name}/{p}/ is not in the module map" for p in _packages(package) if f"`{p}/" not in para]
    return bad


def test_the_module_map_is_the_tree():
    bad = map_problems((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), APPLIANCE)
    assert not bad, "docs/architecture.md, \"Module map (as it is now)\":\n" + "\n".join(bad)


def test_the_other_layers_are_in_the_map():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    bad = [b for name in ("models", "serve", "tui") for b in layer_problems(text, ROOT / "ragtune" / name)]
    assert not bad, "docs/architecture.md, \"Module map (as it is now)\":\n" + "\n".join(bad)


def test_the_rules(tmp_path):
    (tmp_path / "store").mkdir()
    for f in ("__init__.py", "a.py", "b.py", "store/__init__.py", "store/base.py", "store/logs.py"):
        (tmp_path / f).write_text("")
    doc = ("# A\n\n## Module map (as it is now)\n\n`ragtune/appliance/` — the runtime:\n\n| module | what |\n|---|---|\n"
           "| `store/` | `base` (connection) |\n| `a.py`, `gone.py` | things |\n\n## Next\n\n| `b.py` | elsewhere |\n")
    assert map_problems(doc, tmp_path) == [
        "ragtune/appliance/b.py is not in the module map",
        "the module map names gone.py, which ragtune/appliance/ does not have",
        "ragtune/appliance/store/logs.py is not in the `store/` row"]


def test_the_layer_rule(tmp_path):
    pkg = tmp_path / "serve"
    (pkg / "sub").mkdir(parents=True)
    for f in ("__init__.py", "app.py", "front.py", "sub/__init__.py"):
        (pkg / f).write_text("")
    doc = ("## Module map (as it is now)\n\n`ragtune/serve/` — `app.py` (routes), `sub/`. `ragtune/tui/` — `front.py`\n"
           "\n## Next\n")
    assert layer_problems(doc, pkg) == ["ragtune/serve/front.py is not in the module map"]
