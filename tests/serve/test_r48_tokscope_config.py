"""[serve] token_scopes / token_scopes_default checked at load (the key named), at start (scopes without tokens,
every token left with nothing, a name no token has), and `name:secret` whose name is no name refused."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import ServeConfig, load_settings
from ragtune.appliance.config_ops import masked_tokens
from ragtune.appliance.errors import ConfigError
from ragtune.serve.auth import load_tokens, scope_notes

SECRET = "0123456789abcdefXYZ"


@pytest.mark.parametrize("kw, says", [
    ({"token_scopes": ["hr"]}, "token_scopes: must be a table"),
    ({"token_scopes": {"hr": "/srv/docs/hr/"}}, "token_scopes: hr must be a non-empty list"),
    ({"token_scopes": {"hr": []}}, "token_scopes: hr must be a non-empty list"),
    ({"token_scopes": {"hr": ["/a", 3]}}, "token_scopes: hr must be a non-empty list"),
    ({"token_scopes": {"hr": [" "]}}, "token_scopes: hr must be a non-empty list"),
    ({"token_scopes": {"h r": ["/a"]}}, "token_scopes: 'h r' is not a token name"),
    ({"token_scopes": {"hr": ["/a"] * 101}}, "token_scopes: hr: at most 100"),
    ({"token_scopes_default": "nobody"}, "token_scopes_default:"),
    ({"token_scopes_default": False}, "token_scopes_default:"),
])
def test_bad_scopes_are_errors_naming_the_key(kw, says):
    with pytest.raises(ConfigError) as e:
        ServeConfig(tokens=[f"hr:{SECRET}"], **kw)
    assert f"[serve] {says}" in str(e.value), str(e.value)


def test_an_unknown_serve_key_in_the_file_is_named(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('[serve]\ntokens = ["hr:0123456789abcdefXYZ"]\ntoken_scope = { hr = ["/srv/docs/hr/"] }\n')
    with pytest.raises(ConfigError) as e:
        load_settings(p)
    assert "token_scope" in str(e.value) and "unknown key" in str(e.value)


def test_the_limits_are_those_of_in():
    from ragtune.appliance import config_ops, scope

    assert (config_ops.MAX_REFS, config_ops.MAX_REF_CHARS) == (scope.MAX_REFS, scope.MAX_REF_CHARS)


def test_a_file_s_scopes_load(tmp_path):
    p = tmp_path / "config.toml"
    p.write_text('[serve]\ntokens = ["hr:0123456789abcdefXYZ", "staff:0123456789abcdefXY2"]\n'
                 'token_scopes = { hr = ["/srv/docs/hr/", "/srv/docs/all/"], staff = ["/srv/docs/all/"] }\n'
                 'token_scopes_default = "none"\n')
    toks = {t.name: t.scope for t in load_tokens(load_settings(p).serve, {})}
    assert toks == {"hr": ("/srv/docs/hr/", "/srv/docs/all/"), "staff": ("/srv/docs/all/",)}


def test_start_refuses_scopes_without_tokens_and_every_token_without_documents():
    with pytest.raises(ConfigError, match="no token is"):
        load_tokens(ServeConfig(token_scopes={"hr": ["/a"]}), {})
    with pytest.raises(ConfigError, match="no token is"):
        load_tokens(ServeConfig(token_scopes_default="none"), {})
    with pytest.raises(ConfigError, match="every request would read nothing"):
        load_tokens(ServeConfig(tokens=[f"hr:{SECRET}"], token_scopes={"hx": ["/a"]}, token_scopes_default="none"),
                    {})


def test_start_says_how_many_are_scoped_and_warns_of_a_name_no_token_has():
    cfg = ServeConfig(tokens=[f"hr:{SECRET}", f"staff:{SECRET}2"], token_scopes={"hr": ["/a"], "stafff": ["/b"]})
    toks = load_tokens(cfg, {"RAGTUNE_SERVE_TOKENS": f"ci:{SECRET}3"})  # an env token: known only at start
    line, warnings = scope_notes(cfg, toks)
    assert line == "scopes: 1 of 3 token(s) read only their token_scopes documents; the others read every document"
    assert len(warnings) == 1 and "'stafff'" in warnings[0] and "ci, hr, staff" in warnings[0]
    assert SECRET not in " ".join(warnings)
    assert scope_notes(ServeConfig(tokens=[f"hr:{SECRET}"]), load_tokens(ServeConfig(tokens=[f"hr:{SECRET}"]),
                                                                          {})) == (None, [])


# -- split_token: a bare secret holding ":" is refused, never split into a logged "name" -------------------------
@pytest.mark.parametrize("raw", ["Zq8+/w ab:cdefghijklmnopqrstuv", "p@ss:word-0123456789abcdef",
                                 ":0123456789abcdefXYZ", "x" * 65 + ":0123456789abcdefXYZ"])
def test_a_bare_secret_with_a_colon_is_refused_without_showing_it(raw):
    with pytest.raises(ConfigError) as e:
        ServeConfig(tokens=[raw])
    assert "[serve] tokens: entry 1: the part before its first ':' is not a token name" in str(e.value)
    assert raw.split(":")[0] not in str(e.value) or not raw.split(":")[0]
    with pytest.raises(ConfigError) as e:
        load_tokens(ServeConfig(), {"RAGTUNE_SERVE_TOKENS": raw})
    assert "$RAGTUNE_SERVE_TOKENS: a token the part before" in str(e.value)
    assert raw.split(":")[0] not in str(e.value) + str(e.value.hint or "") or not raw.split(":")[0]
    assert masked_tokens([raw]) == ["***"]  # `config show` never prints its front either


def test_plausible_names_still_split():
    toks = load_tokens(ServeConfig(tokens=[f"hr-team.1_x:{SECRET}", f"a:{SECRET}:with-colon"]), {})
    assert [t.name for t in toks] == ["hr-team.1_x", "a"]
    assert masked_tokens([f"hr-team.1_x:{SECRET}"]) == ["hr-team.1_x:***"]
