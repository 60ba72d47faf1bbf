"""Round 49: the [train] extra's bitsandbytes floor is one that imports with the triton newest torch brings and
that transformers 5 accepts for QLoRA (0.43.1 failed both on Python 3.10 with torch 2.14; docs/install.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bitsandbytes_floor_is_one_newest_torch_and_transformers_accept():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floors = re.findall(r'"bitsandbytes>=([0-9.]+)"', text)
    assert floors, "bitsandbytes is in the [train] extra with a floor"
    for floor in floors:
        assert tuple(int(x) for x in floor.split(".")) >= (0, 46, 1), floor
    assert "bitsandbytes 0.46.1" in (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
