"""Editing the config file (`ragtune config init|set`, `eval calibrate`, `eval retrieval --tune`): comments and
other lines are kept, and a new file is validated as a whole (config.settings_from_dict) before it replaces the
old one."""

from __future__ import annotations

import dataclasses
import errno
import os
import re
from contextlib import ExitStack, contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Iterator

from .atomic import atomic_write_text, is_special
from .config import (FOUND_AS, PATH_KEYS, SECTIONS, home_path_value, looks_like_path, place_in_home,
                     settings_from_dict)
from .config_ops import RETIRED_KEYS, masked_value, retired, retired_keys, split_token
from .errors import ConfigError, InputError, read_capped, unreadable
from .filelock import exclusive
from .home import PRIVATE_FILE_MODE, Home, make_home
from .jsonl import long_number
from .text import escaped
from .tomltext import (MAX_TOML_BYTES, TomlTextError, at_line, inline_table, key_place, loads, out_of_range,
                       read_toml, table_places, toml_value, tomllib, value_end)


def _field(section: str, key: str) -> Any:
    # a section or key typed on the command line is escaped here, for every caller (CLI, TUI, serve): a newline in
    # it would forge a line of the message, an ESC drive the terminal
    if section not in SECTIONS:
        raise ConfigError(f"unknown section '{escaped(section)}'", hint=f"known sections: {', '.join(SECTIONS)}")
    for f in fields(SECTIONS[section]):
        if f.name == key:
            return f
    if (section, key) in RETIRED_KEYS:  # an older ragtune's key (its docs, an admin's script): say what it became
        now, note = RETIRED_KEYS[(section, key)]
        raise ConfigError(f"[{section}] {key} is no longer read: it was renamed [{section}] {now}",
                          hint=f"run `ragtune config set {section}.{now} VALUE` instead ({note}); it also replaces "
                               f"a `{key}` line the file still has (docs/upgrading.md)")
    raise ConfigError(f"unknown key '{escaped(key)}' in [{section}]",
                      hint=f"known keys: {', '.join(sorted(f.name for f in fields(SECTIONS[section])))}")


_ONE_VALUE = "give one value on one line, e.g. 4, 0.5, true or [\".md\", \".txt\"]"


def parse_cli_value(section: str, key: str, raw: str) -> Any:
    """A value typed on the command line: TOML syntax (`4`, `0.5`, `true`, `[".md", ".txt"]`); a bare word for a
    string key is taken as the string (`config set generate.adapter a1b2c3d4`)."""
    f = _field(section, key)
    try:
        parsed = tomllib.loads(f"v = {raw}")
    except tomllib.TOMLDecodeError:
        parsed = {"v": raw}
    except (ValueError, RecursionError) as exc:  # what TOML's syntax allows but Python cannot read
        if f.type == "str":
            parsed = {"v": raw}
        else:  # a number of thousands of digits (int()'s ValueError), or [[[[… thousands deep
            why = "nested too deeply" if isinstance(exc, RecursionError) else \
                long_number(raw.replace("_", ""))[1].partition(": ")[2]
            raise ConfigError(f"{section}.{key}: the value is {why}", hint=_ONE_VALUE) from None
    if set(parsed) != {"v"}:  # `4\n[other]\nk = 9`: more TOML than one value, never half of it taken silently
        shown = "" if _secret(section, key) else f" {raw!r}"
        raise ConfigError(f"{section}.{key}: the value{shown} is more than one TOML value", hint=_ONE_VALUE)
    value = parsed["v"]
    if f.type == "str" and not isinstance(value, str):
        value = raw
    return value


def set_in_toml(text: str, section: str, key: str, value: Any) -> str:
    """`text` with `key = value` set inside `[section]`: the key's value is replaced where it exists (the key as
    written, bare, quoted (`"model" = …`) or dotted (`section.key = …` above every header); all the lines a
    multi-line value spans; a comment after it is kept: `model = "x.gguf"  # the big one`; a member of a section
    written as an inline table, `section = { key = … }`), else the key goes right under the section's header, else
    after the top-level dotted keys that declare the section (`section.key = …`: a `[section]` header there would
    declare it twice), else at the end of its inline table (`, key = …` before the `}`: TOML adds no key to one from
    outside its braces), else the section is appended. Other lines and characters are kept."""
    line = f"{key} = {toml_value(value)}"
    inline = inline_table(text, section)
    if inline is not None:
        _, opened, closed, members = inline
        for path, start, end in members:
            if path == (key,):  # the value only: the key as written, the members around it, kept
                return _ended(text[:start] + toml_value(value) + text[end:])
        if not members:  # `{}`
            return _ended(text[:opened] + "{ " + line + " }" + text[closed + 1:])
        last = members[-1][2]
        return _ended(text[:last] + ", " + line + text[last:])
    at = key_place(text, section, key)
    if at is not None:
        n, start = at
        if start is None:  # a `[section.key]` header: the line is replaced, as it always was
            begin = _line_offset(text, n)
            start, new_value, end = begin + len(re.compile(r"[ \t]*").match(text, begin).group(0)), line, None
        else:  # the key as written (its quotes, its spacing) stays; only the value is new
            new_value, end = toml_value(value), value_end(text, start)
        eol = text.find("\n", start if end is None else end)
        eol = len(text) if eol < 0 else eol
        # what follows the value on its line: a comment, kept; anything else was no TOML and goes. A value that never
        # ends: the rest of its line is replaced, as it always was
        rest = "" if end is None or not text[end:eol].lstrip().startswith("#") else text[end:eol]
        return _ended(text[:start] + new_value + rest + text[eol:])
    header, dotted = table_places(text, section)
    if header is None and dotted is not None:
        line = f"{section}.{line}"
    after = header if header is not None else dotted
    if after is not None:
        lines = text.split("\n")  # TOML's lines, as table_places counts them
        lines.insert(after, line)
        return _ended("\n".join(lines))
    body = "\n".join(text.splitlines()).rstrip("\n")
    return (body + "\n\n" if body else "") + f"[{section}]\n{line}\n"


def _without_retired(text: str, section: str, key: str) -> str:
    """`text` without the lines of the retired keys `key` replaces in `[section]` (config_ops.RETIRED_KEYS:
    `config set retrieve.rerank X` in a file that still says `rerank_model = …`, which would not load beside it). A
    retired key inside an inline table is left: the loader's error then says what to write."""
    for old, _, _ in retired_keys(section, key):
        at = key_place(text, section, old)
        if at is None or at[1] is None:
            continue
        end = value_end(text, at[1])
        eol = text.find("\n", at[1] if end is None else end)
        text = text[:_line_offset(text, at[0])] + ("" if eol < 0 else text[eol + 1:])
    return text


def _renamed_retired(text: str, section: str, key: str, value: Any) -> str | None:
    """`text` with the line of the retired key `key` replaces (`rerank_model = "x"  # Ann's pick`) made the new key's,
    in place: its position, its spelling (quoted, dotted) and a comment after the value kept, only the key's name and
    the value new. None: no such line (or one inside an inline table, or a value that never ends)."""
    for old, _, _ in retired_keys(section, key):
        at = key_place(text, section, old)
        end = None if at is None or at[1] is None else value_end(text, at[1])
        if end is None:
            continue
        begin = _line_offset(text, at[0])
        head = text[begin:at[1]]  # `rerank_model = `, `"rerank_model"=`, `retrieve.rerank_model = `
        cut = head.rfind(old)
        if cut < 0:
            continue
        eol = text.find("\n", end)
        eol = len(text) if eol < 0 else eol
        rest = text[end:eol] if text[end:eol].lstrip().startswith("#") else ""
        return _ended(text[:begin] + head[:cut] + key + head[cut + len(old):] + toml_value(value) + rest + text[eol:])
    return None


def _ended(text: str) -> str:
    """`text` ending in a newline, as every edit leaves the file."""
    return text if text.endswith("\n") else text + "\n"


def _line_offset(text: str, n: int) -> int:
    """The offset where line `n` (1-based, lines as TOML counts them: "\n") begins."""
    at = 0
    for _ in range(n - 1):
        at = text.index("\n", at) + 1
    return at


def cli_path_value(section: str, key: str, value: Any, home: Home) -> Any:
    """A model key's path typed on the command line (`config set generate.model ./my.gguf`), as config.toml must hold
    it to name the same file from any working directory (a relative path there is the home's: config.py `_in_home`):
    the file the working directory holds (or, found nowhere, the path the key's resolver reads it as) by its absolute
    path, or home-relative when it is inside the home (the home stays movable: docs/store.md), an absolute path inside
    the home too. A relative path only the home holds is the home's already, and ids, names (`org/model` for a key
    that also reads registry names), "default", "none", "" and `~/…` outside the home are kept as typed."""
    surely = PATH_KEYS.get((section, key))
    if surely is None or not isinstance(value, str) or \
            not (looks_like_path(value) or _rerank_here(section, key, value)):
        return value
    given = os.path.expanduser(value)
    target = os.path.abspath(given)
    found = FOUND_AS[(section, key)]
    if not os.path.isabs(given) and not found(target) and (found(str(home.root / given)) or not surely(value)):
        return value  # the home's file (config.py reads it so), or a registry name
    rel = place_in_home(target, home.root)
    if rel is None:
        return value if os.path.isabs(given) else target
    return home_path_value(rel)


def _rerank_here(section: str, key: str, value: str) -> bool:
    """A bare name for [retrieve] rerank that the working directory holds: rerank.names_folder reads it as that
    folder here, and config.toml would read it as the home's ("default" is the built-in's, whatever is here)."""
    return (section, key) == ("retrieve", "rerank") and value.strip() not in ("", "default") and \
        os.path.exists(os.path.expanduser(value))


def set_config_value(path: Path, dotted: str, raw: str, *, home: Home | None = None,
                     check: Callable[[Any], None] | None = None) -> Any:
    """Set SECTION.KEY in the config file at `path` (created if missing) to a value typed on the command line
    (parse_cli_value; a model key's path as `cli_path_value` stores it) and return the stored value. The new file is
    validated as a whole before it replaces the old one: a bad value leaves the file untouched. `check`: the caller's
    own test of the value as every command will read it from the file (a relative path the home's), run before the
    file or its folder is touched (e.g. that an adapter resolves)."""
    section, _, key = dotted.partition(".")
    if not section or not key:
        raise ConfigError(f"'{escaped(dotted)}': give SECTION.KEY, e.g. retrieve.k")
    home = home or Home()
    value = cli_path_value(section, key, parse_cli_value(section, key, raw), home)
    if not _secret(section, key):
        _set_value(path, section, key, value, home, check, escaped(raw if len(raw) <= 60 else raw[:40] + "…"))
        return value
    try:  # a serve token's secret is never echoed, whatever the error (docs/security.md)
        _set_value(path, section, key, value, home, check, toml_value(masked_value(value)))
    except ConfigError as exc:
        raise _unechoed(exc, value) from None
    return value


def _set_value(path: Path, section: str, key: str, value: Any, home: Home, check: Callable[[Any], None] | None,
               shown: str) -> None:
    """set_config_value's check and edit; `shown`: the value as errors name it (a value of 400 digits is not
    repeated in every error; one typed with an ESC or a newline is escaped; a secret is masked)."""
    if check is not None:
        check(getattr(getattr(settings_from_dict({section: {key: value}}, home=home), section), key))
    update_config(path, {f"{section}.{key}": value}, home=home, what=f"{section}.{key} = {shown}")


def _secret(section: str, key: str) -> bool:
    """A key whose value holds secrets: `[serve] tokens`."""
    return (section, key) == ("serve", "tokens")


def _unechoed(exc: ConfigError, value: Any) -> ConfigError:
    """`exc` with every secret of a `[serve] tokens` value replaced by `***`: no check today quotes
    the value, and none added later may print a token (the messages are masked above; this is the guard)."""
    strings = [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    # a few characters would mask words of the message itself; no secret that short is accepted anyway
    found = {s for t in strings for s in (t.strip(), split_token(t)[1]) if len(s) >= 4}
    secrets = sorted(found, key=len, reverse=True)  # the longest first: a secret inside another is not half-masked

    def scrub(text: str | None) -> str | None:
        for secret in secrets if text else ():
            text = text.replace(secret, "***")
        return text

    if not any(secret in f"{exc.message}{exc.hint or ''}" for secret in secrets):
        return exc
    return ConfigError(scrub(exc.message) or "", hint=scrub(exc.hint))


def update_config(path: Path, values: dict[str, Any], *, home: Home | None = None, what: str | None = None) -> None:
    """Set SECTION.KEY = value for each of `values` in one edit of the config file at `path` (created if missing):
    comments and other lines kept, the new file validated as a whole before it replaces the old one (a bad value
    leaves the file untouched). `what`: the change, for errors (default: the keys)."""
    dotted_keys = ", ".join(values)
    what = what or dotted_keys
    with _edit_lock(path):  # two edits at once: the second reads what the first wrote (no update is lost)
        _update_config(path, values, home, what, dotted_keys)


def _update_config(path: Path, values: dict[str, Any], home: Home | None, what: str, dotted_keys: str) -> None:
    try:
        # capped (`--config /dev/zero` must not fill memory); newlines as read_text gave them, the edit writes "\n"
        text = read_capped(path, MAX_TOML_BYTES).decode("utf-8").replace("\r\n", "\n").replace("\r", "\n") \
            if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(unreadable(path, exc, "cannot read config")) from None
    try:
        old = loads(text)
    except TomlTextError:
        old = {}  # a broken file: the loader's own error once the edit has not repaired it (_broken_before)
    new = text
    for dotted, value in values.items():
        section, _, key = dotted.partition(".")
        _field(section, key)
        if not isinstance(old.get(section, {}), dict):  # `[[generate]]`, `generate = 1`: no table to set a key in
            shape = "a value" if not isinstance(old[section], list) else \
                "an array of tables" if all(isinstance(x, dict) for x in old[section]) else "an array"
            raise ConfigError(f"{path}{at_line(text, section)}: cannot set {dotted}: [{section}] is written as "
                              f"{shape}, not one table", hint=f"edit the file by hand: make it one [{section}] table")
        renamed = None if key_place(new, section, key) is not None else _renamed_retired(new, section, key, value)
        new = renamed if renamed is not None else _without_retired(set_in_toml(new, section, key, value), section, key)
    try:
        data = loads(new)
    except TomlTextError as exc:
        _broken_before(path, text, dotted_keys)
        raise ConfigError(f"{path}: cannot set {dotted_keys} here without breaking the file ({exc})",
                          hint="edit the file by hand") from None
    big = out_of_range(data)
    if big is not None:  # the loader refuses integers past 64 bits: such a file would not load again
        _broken_before(path, text, dotted_keys)
        raise ConfigError(f"{path}: cannot set {what}: {big[0]} is out of range (integers are 64-bit)")
    # a retired key left in the file by an older ragtune, not by this edit: its line on disk (each section once)
    for sec in dict.fromkeys(sec for sec, _ in RETIRED_KEYS):
        err = retired(sec, data[sec], str(path), text) if isinstance(data.get(sec), dict) else None
        if err is not None:
            raise ConfigError(err.message, hint=f"{err.hint}; then set {dotted_keys}")
    # the candidate is not on disk yet: name the change being made, not a line of a file nobody can open
    try:
        settings_from_dict(data, home=home, where=f"{path}: cannot set {what}")
    except ConfigError as exc:
        if getattr(exc, "config_key", None) == ("generate", "base_url") and "generate.base_url" not in values:
            # `config set generate.backend openai` on a config without a server URL: the order that works
            then = "" if "generate.backend" not in values else \
                f", then ragtune config set generate.backend {values['generate.backend']}"
            exc.hint = f"set generate.base_url first: ragtune config set generate.base_url http://HOST:PORT/v1{then}"
        raise
    _write_config(path, new)


def _broken_before(path: Path, text: str, dotted_keys: str) -> None:
    """The loader's own error (its line, its words) when the file was already broken before the edit, which did
    not repair it: say that, not that the edit broke it."""
    if text:
        try:
            read_toml(path, "config")
        except ConfigError as old:
            raise ConfigError(old.message, hint=f"fix that line by hand, then set {dotted_keys}") from None


def _link_target(path: Path) -> Path:
    """Where a write through `path` lands: the end of its symlinks. A symlink loop raises: Python < 3.13's resolve()
    raises RuntimeError, 3.13's returns a path that is still a link (the write would replace the link by a file)."""
    if not path.is_symlink():
        return path
    try:
        target = path.resolve()
    except RuntimeError:
        target = path
    if target.is_symlink():  # one message on every Python
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))
    return target


@contextmanager
def _edit_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the config file's folder while it is read, edited and replaced: concurrent
    `config set`s run one after the other. A folder lock, not a lock file: nothing is left beside the config, and
    the file itself cannot carry the lock (it is replaced by a rename)."""
    with ExitStack() as held:
        try:
            folder = _link_target(path).parent
            make_home(folder)  # a new folder owner-only, as a home: the config may hold [serve] tokens
            held.enter_context(exclusive(folder, directory=True))
        except InputError as exc:  # a file where the folder should be
            raise ConfigError(f"cannot write config: {exc}") from None
        except (OSError, RuntimeError) as exc:
            raise ConfigError(f"{path}: cannot write config: {getattr(exc, 'strerror', None) or exc}") from None
        yield


def _write_config(path: Path, text: str) -> None:
    """Replace the config file atomically (a crash never leaves half of it) where it lives: through a symlink (a
    config kept with the user's dotfiles stays linked) and with its mode (a 0600 file holding [serve] tokens must
    not become world-readable)."""
    try:
        target = _link_target(path)
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise ConfigError(f"{path}: cannot write config: {getattr(exc, 'strerror', None) or exc}") from None
    if is_special(target):  # `--config /dev/null` reads as an empty file, but a setting written there is lost
        raise ConfigError(f"{path}: cannot write config: not a regular file (a device, pipe or socket)")
    # an existing file keeps its mode (atomic.replace_into); a new one is owner-only (docs/security.md): `config set
    # serve.tokens` may come first
    atomic_write_text(target, text, new_perms=PRIVATE_FILE_MODE)


def default_config_text() -> str:
    """A commented config file: every key with its default, commented out, so the file documents the settings
    while the defaults (some depend on the machine's cores) stay in charge until a line is uncommented."""
    out = ["# ragtune settings. Every key is listed with its default, commented out; uncomment to change one.",
           "# Unknown keys are errors. `ragtune config set SECTION.KEY VALUE` edits this file; `ragtune config show`",
           "# prints the effective settings.", ""]
    for name, cls in SECTIONS.items():
        out.append(f"[{name}]")
        for key, value in dataclasses.asdict(cls()).items():
            out.append(f"# {key} = {toml_value(value)}")
        out.append("")
    return "\n".join(out)


def init_config(path: Path, *, force: bool = False) -> Path:
    with _edit_lock(path):
        if path.exists() and not force:
            raise ConfigError(f"{path}: a config file already exists",
                              hint="use --force to replace it with the defaults")
        _write_config(path, default_config_text())
    return path
