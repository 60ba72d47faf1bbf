"""`ragtune doctor`: a read-only health check of the home (appliance/doctor.py)."""

from __future__ import annotations

import click

from .common import cli, pass_app, print_json


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: every check with its status.")
@click.option("--quick", is_flag=True, help="SQLite's quick_check instead of integrity_check; model files and a "
                                            "rollout's adapters are found but not hashed.")
@pass_app
def doctor(app, as_json: bool, quick: bool) -> int:
    """Check the home without changing anything: the database, its indexes, the models and adapter, a running
    rollout, the config, disk space and leftovers. One line per check, `ok|warn|fail  NAME  detail` (several
    problems on indented lines under it, a hint under a warn or fail). Exit 0 when nothing failed (warnings are
    repaired by the product or need attention soon), 1 when a check failed, 2 when the home's path is a file or
    cannot be read. A home that does not exist yet (a fresh install) is a warning: the config, the models and the
    machine are still checked, and nothing is created."""
    from ..appliance.doctor import diagnose
    from ..appliance.text import escaped
    from ..models import rollout_doctor

    # the rollout state is the models layer's: the appliance's doctor takes its check from here
    rep = diagnose(app.home, settings=lambda: app.settings, quick=quick,
                   extra=[(rollout_doctor.NAME, rollout_doctor.check)])
    if as_json:
        print_json(rep.to_json())
    else:
        width = max(len(c.name) for c in rep.checks)
        under = " " * (4 + 2 + width + 2)  # the detail's column: a further line never reads as a check of its own
        for c in rep.checks:
            first, *more = c.detail.split("\n")  # each line escaped alone: no control reaches the terminal
            click.echo(f"{c.status:<4}  {c.name:<{width}}  {escaped(first)}")
            for line in more:
                click.echo(f"{under}{escaped(line)}")
            if c.hint and c.status != "ok":
                click.echo(f"{under}hint: {escaped(c.hint)}")
    return 1 if rep.failed else 0
