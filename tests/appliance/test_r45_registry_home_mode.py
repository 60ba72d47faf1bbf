"""Round 45: `models add` and `models deactivate` on a home that does not exist yet made it with the umask's mode
(0755: readable by others); every other first write makes a home owner-only (0700, home.make_home)."""

from __future__ import annotations

import stat

from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry


def _mode(p):
    return stat.S_IMODE(p.stat().st_mode)


def test_a_registry_write_makes_a_new_home_owner_only(tmp_path):
    src = tmp_path / "r.json"
    src.write_text('{"kind": "features"}')
    added = Home(tmp_path / "a" / "home")
    Registry(added).add(src, "reranker", name="r")
    assert _mode(added.root) == 0o700
    served = Home(tmp_path / "b" / "home")
    Registry(served).activate(None)  # `ragtune models deactivate`: writes active.json
    assert _mode(served.root) == 0o700
    assert _mode(tmp_path / "a") != 0o700 or _mode(tmp_path) == 0o700  # a parent that is no home: the usual mode
