"""`config set serve.tokens …` never echoes a secret in its errors (security review, round 42): the value is
named masked (`["alice:***", 5]`), whatever is wrong with it, and the file is left as it was. Was: `cannot set
serve.tokens = ["alice:<the secret>", 5]`."""

from __future__ import annotations

import pytest

from ragtune.appliance.config_edit import set_config_value
from ragtune.appliance.errors import ConfigError
from ragtune.appliance.home import Home
from ragtune.cli import main

SECRET = "s3cret-abcdefghijklmnop"


@pytest.mark.parametrize("value,shown", [
    (f'["alice:{SECRET}", 5]', 'serve.tokens = ["alice:***", 5]'),  # not all strings
    ('["alice:short-one"]', 'serve.tokens = ["alice:***"]'),  # a secret under 16 characters
    (f'["alice:{SECRET}", ""]', 'serve.tokens = ["alice:***", "***"]'),
    (f"alice:{SECRET}", 'serve.tokens = "alice:***"'),  # not a list
    (f'[["bob:{SECRET}"]]', 'serve.tokens = ["***"]'),
    (f'["alice:{SECRET}"]\n[x]', "the value is more than one TOML value"),
    (f'[99999999999999999999999, "{SECRET}"]', 'serve.tokens = [99999999999999999999999, "***"]'),
])
def test_a_refused_token_value_is_named_masked(tmp_path, capsys, value, shown):
    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "set", "serve.tokens", f'["carol:{SECRET}x"]']) == 0
    before = (home / "config.toml").read_bytes()
    capsys.readouterr()
    assert main(["--home", str(home), "config", "set", "serve.tokens", value]) == 2
    out, err = capsys.readouterr()
    assert shown in err, err
    assert SECRET not in out + err and "short-one" not in out + err
    assert (home / "config.toml").read_bytes() == before


def test_any_error_of_the_key_is_scrubbed(tmp_path, monkeypatch):
    """A check that quoted the value (none does today) would still not print the secret."""
    import ragtune.appliance.config_edit as ce

    def quoting(path, values, **kw):
        raise ConfigError(f"bad tokens {values}", hint=f"not {values['serve.tokens'][0]}")

    monkeypatch.setattr(ce, "update_config", quoting)
    with pytest.raises(ConfigError) as exc:
        set_config_value(tmp_path / "config.toml", "serve.tokens", f'["alice:{SECRET}"]', home=Home(tmp_path))
    assert SECRET not in str(exc.value) and "bad tokens" in str(exc.value)
    monkeypatch.undo()
    # another key's value is named as typed
    with pytest.raises(ConfigError) as exc:
        set_config_value(tmp_path / "config.toml", "retrieve.k", f'"{SECRET}"', home=Home(tmp_path))
    assert SECRET in str(exc.value)
