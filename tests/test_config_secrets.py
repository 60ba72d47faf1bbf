"""Serve tokens' secrets are never printed: `config show` (text and --json) and `config set serve.tokens` give names
only (docs/serve.md; round 41: the --json form and the set echo printed the secret)."""

from __future__ import annotations

import json

from ragtune.cli import main

SECRET = "0123456789abcdefghij"


def test_no_command_prints_a_token_secret(tmp_path, capsys):
    home = str(tmp_path / "h")
    assert main(["--home", home, "config", "set", "serve.tokens", f'["carol:{SECRET}", "{SECRET}x"]']) == 0
    assert main(["--home", home, "config", "set", "serve.tokens", f'["carol:{SECRET}"]', "--json"]) == 0
    assert main(["--home", home, "config", "show"]) == 0
    assert main(["--home", home, "config", "show", "--json"]) == 0
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    shown = json.loads(out[out.rindex('{"home"'):])
    assert shown["serve"]["tokens"] == ["carol:***"]
    assert 'tokens = ["carol:***", "***"]' in out
