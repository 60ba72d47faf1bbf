"""The home (ragtune/appliance/home.py): a root whose path is not UTF-8 is refused when the Home is made."""

from __future__ import annotations

import os

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.home import Home


def test_a_root_that_is_not_utf8_is_refused_with_a_home_hint(tmp_path):
    """Said as text.check_utf8_path says it (the byte as \\xe9, a control character escaped: the message reaches the
    TUI and JSON errors as it is), with the home's own hint."""
    root = os.fsdecode(bytes(tmp_path) + b"/h\xe9\x1b[2J")
    with pytest.raises(InputError) as e:
        Home(root)
    assert e.value.message == (f"home {tmp_path}/h\\xe9\\x1b[2J: its path is not valid UTF-8 (the database cannot "
                               "be opened there)")
    assert e.value.hint == "give --home / RAGTUNE_HOME a folder whose path is UTF-8"
    assert not os.path.exists(root)
    assert Home(tmp_path / "café").root == tmp_path / "café"
