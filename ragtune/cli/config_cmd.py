from __future__ import annotations

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
    from ..appliance.refs import model_value_check

    stored = set_config_value(path, key, value, home=app.home,
                              check=model_value_check(app.home, key.strip(), model=_served_model(app, key.strip())))
    if key.strip() == "serve.tokens" and isinstance(stored, list):  # a secret is never printed, even its own
        from ..appliance.config_ops import masked_tokens

        stored = masked_tokens(stored)
    if as_json:
        print_json({"path": str(path), "key": key, "value": stored})
    else:
        from ..appliance.tomltext import toml_value

        click.echo(f"{key} = {toml_value(stored)}  ({shown_path(path)})")
    if key.strip() == "embed.model":  # another embedder: the stored vectors are not searched until re-embedded
        from ..appliance.embed import reembed_note
        from ..appliance.text import escaped

        note = reembed_note(app.home, stored)
        if note:  # paths in it: escaped, one line
            click.echo(f"note: {escaped(note)}", err=True)
    from ..serve.marker import serving

    if serving(app.home.root):  # on stderr: stdout stays the value (or the --json object)
        click.echo(f"note: `ragtune serve` is running on {shown_path(app.home.root)}; it read its config when it "
                   "started: restart it to apply this change", err=True)


def _served_model(app, key: str):
    """The `[generate] model` an adapter being set is checked against (its base and shape, as `ask` checks them),
    or None: another key, or a config file that does not load (`config set` must still mend it)."""
    from ..appliance.errors import RagtuneError

    if key != "generate.adapter":
        return None
    try:
        return app.settings.generate.model
    except RagtuneError:
        return None


@config_group.command("path")
@pass_app
def config_path(app) -> None:
    """Print the config file path in use."""
    echo_path(app.config_file)
