"""Round 51: a SIGUSR1 reload re-reads the config file, not $RAGTUNE_SERVE_TOKENS (a process sees its environment as
it started: a value changed in the shell or the unit file reaches it only by a restart). The log line said only
"reloaded from <file>", so an operator who had added a token to the variable read it as applied; now it names each
source and whether it was re-read."""

from __future__ import annotations

import asyncio

from tests.serve.test_r50_reload import ACME, BOLT, _config, _state, said  # noqa: F401  (said: a fixture)

CARO = "caro-secret-0123456789abcdef"


def test_the_log_line_says_the_file_was_re_read_and_the_variable_not(home, said):  # noqa: F811
    from ragtune.serve.reload import TokenReloader

    settings, state = _state(home, [f"acme:{ACME}"])
    home.config_path.write_text(_config([f"acme:{ACME}", f"bolt:{BOLT}"]).replace("R50_RELOAD_NONE", "R51_TOKENS"))
    environ = {"R51_TOKENS": f"caro:{CARO}"}  # the process's environment, as it started
    assert asyncio.run(TokenReloader(settings, state, environ=environ).reload())
    line = next(m for m in said if "tokens reloaded" in m)
    assert f"from {home.config_path} (re-read: 2 token(s) in [serve] tokens)" in line, line
    assert "$R51_TOKENS (not re-read: 1 token(s) as this process started with it; a changed value needs a restart)" \
        in line, line
    assert "3 token(s) of 3 name(s), 1 before" in line
    assert CARO not in line and ACME not in line  # names and counts, never a secret
    assert {t.name for t in state.tokens} == {"acme", "bolt", "caro"}


def test_without_a_variable_the_line_names_the_file_alone(home, said):  # noqa: F811
    from ragtune.serve.reload import TokenReloader

    settings, state = _state(home, [f"acme:{ACME}"])
    text = _config([f"acme:{ACME}"]).replace('tokens_env = "R50_RELOAD_NONE"\n', 'tokens_env = ""\n')
    home.config_path.write_text(text)
    assert asyncio.run(TokenReloader(settings, state, environ={}).reload())
    line = next(m for m in said if "tokens reloaded" in m)
    assert "(re-read: 1 token(s) in [serve] tokens):" in line and "not re-read" not in line, line
