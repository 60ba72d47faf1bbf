from __future__ import annotations

import os

import click

from ..appliance.config import dump_toml
from .common import cli, echo_path, pass_app, print_json, shown_path


@cli.group("config")
def config_group() -> None:
    """Show, create and edit settings (HOME/config.toml)."""


@config_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def config_show(app, as_json: bool) -> None:
    """Print the effective settings (defaults merged with the config file)."""
    s = app.settings
    if as_json:
        print_json(s.to_dict())
    else:
        click.echo(f"# home: {shown_path(s.home.root)}\n# source: {shown_path(s.source)}\n")
        click.echo(dump_toml(s))


@config_group.command("init")
@click.option("--force", is_flag=True, help="Replace an existing config file.")
@pass_app
def config_init(app, force: bool) -> None:
    """Write a config file listing every key with its default (commented out)."""
    from ..appliance.config_edit import init_config

    echo_path(init_config(app.config_file, force=force))


@config_group.command("set")
@click.argument("key", metavar="SECTION.KEY")
@click.argument("value")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def config_set(app, key: str, value: str, as_json: bool) -> None:
    """Set one key in the config file, e.g. `config set retrieve.k 4` or `config set generate.adapter ID`.

    VALUE is TOML (4, 0.5, true, [".md", ".txt"]); a bare word for a text key is taken as text. A path for a model
    key (generate.model, generate.adapter, embed.model, retrieve.rerank) names the file you see from here: it is
    stored absolute, or relative to the home when the file is inside it. The whole file is validated before it is
    written: a bad value changes nothing.

    A running `ragtune serve` read the file when it started: restart it to apply a change (a note says so when one
    is serving this home)."""
    from ..appliance.config_edit import set_config_value
    from ..appliance.normalize import ARG_HINT, check_unicode

    # not UTF-8 bytes: said here (the TOML writer would escape them into a file it then cannot read back)
    check_unicode(value, "VALUE", hint=ARG_HINT)
    path = app.config_file
    # a model no command could load is refused here, not at every `ask`
    stored = set_config_value(path, key, value, home=app.home, check=_model_check(app, key.strip()))
    if key.strip() == "serve.tokens" and isinstance(stored, list):  # a secret is never printed, even its own
        from ..appliance.config_ops import masked_tokens

        stored = masked_tokens(stored)
    if as_json:
        print_json({"path": str(path), "key": key, "value": stored})
    else:
        from ..appliance.tomltext import toml_value

        click.echo(f"{key} = {toml_value(stored)}  ({shown_path(path)})")
    from ..serve.marker import serving

    if serving(app.home.root):  # on stderr: stdout stays the value (or the --json object)
        click.echo(f"note: `ragtune serve` is running on {shown_path(app.home.root)}; it read its config when it "
                   "started: restart it to apply this change", err=True)


def _model_check(app, key: str):
    """For a model key: a test of the value as every command will read it from the file (a relative path: the
    home's) that raises a ConfigError (exit 2) when no command could load it; None for other keys. Files are found,
    not hashed or loaded (a base GGUF of gigabytes is verified where it is served); a GGUF model file's header is
    read and its length checked against its tensors (a file cut short is refused here, not by llama.cpp)."""
    from ..appliance.errors import ConfigError, RagtuneError
    from ..appliance.registry import Registry
    from ..appliance.tomltext import Sourced

    def resolve(value: str) -> None:
        from ..appliance import default_models

        value = Sourced(value, key)  # its errors name the key
        wants = {"generate.model": "llm", "embed.model": "embedder"}.get(key)
        if wants and value in default_models.default_names() \
                and default_models.manifest_entry(value).get("kind") == wants:
            return  # a default model's name: fine before `ragtune models fetch` places its files
        if key == "generate.adapter":
            from ..appliance.refs import resolve_adapter

            resolve_adapter(Registry(app.home), value)
        elif key == "generate.model":
            from ..appliance.refs import resolve_gguf_model

            if not os.path.isfile(os.path.expanduser(value)):
                resolve_gguf_model(Registry(app.home), value, verify=False)
            else:  # its header and length only (no hashing): not a GGUF, an adapter or a file cut short is refused
                from ..appliance.refs import check_model_file
                from ..appliance.tomltext import with_origin

                try:
                    check_model_file(os.path.expanduser(value))
                except RagtuneError as exc:  # llama.cpp would refuse it at every `ask`
                    raise with_origin(exc, value) from None
        elif key == "embed.model":
            from ..appliance.embed import resolve_files

            resolve_files(value, app.home)
        elif key == "retrieve.rerank":
            from ..appliance.rerank import effective_rerank, resolve_reranker

            ref = effective_rerank(value)  # "default": the built-in's folder; "": off
            if ref:
                resolve_reranker(Sourced(ref, key), app.home)

    def check(value: str) -> None:
        try:
            resolve(value)
        except ConfigError:
            raise
        except RagtuneError as exc:  # a model error here is a bad value typed now: exit 2, the file unchanged
            raise ConfigError(exc.message, hint=exc.hint) from None

    return check if key in ("generate.adapter", "generate.model", "embed.model", "retrieve.rerank") else None


@config_group.command("path")
@pass_app
def config_path(app) -> None:
    """Print the config file path in use."""
    echo_path(app.config_file)
