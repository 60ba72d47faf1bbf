"""Round 49's mends outside the appliance: `--version` declared where the root group is (cli/common.py, no longer
swapped into its options by index from cli/__init__.py), and neardup's timing helper moved to benchmarks/ (nothing
in the product called it; tests/models/test_r48_data.py still pins the speed)."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import ragtune.cli as cli_pkg
from ragtune import __version__
from ragtune.appliance.store.schema import MIGRATIONS
from ragtune.cli import common, main
from ragtune.models import neardup

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_common_py_own_option_first_among_the_roots(capsys, tmp_path):
    names = [p.name for p in common.cli.params]
    assert names == ["version", "home", "config_path"]
    assert common.cli.params[0].callback is common._print_version
    assert "params[" not in inspect.getsource(cli_pkg) and not hasattr(cli_pkg, "_print_version")
    assert main(["--home", str(tmp_path / "never"), "--version"]) == 0
    assert capsys.readouterr().out == f"ragtune {__version__} (schema {MIGRATIONS[-1][0]})\n"
    assert not (tmp_path / "never").exists()  # no home opened


def test_root_help_lists_version_as_before():
    out = CliRunner().invoke(common.cli, ["--help"], prog_name="ragtune", terminal_width=80).output
    assert out.split("Options:\n")[1].split("Commands:")[0] == (
        "  --version         Show the version (and the database schema it writes) and\n"
        "                    exit.\n"
        "  --home DIRECTORY  Data directory (default: $RAGTUNE_HOME or the platform's\n"
        "                    user data dir).\n"
        "  --config FILE     Config TOML (default: HOME/config.toml).\n"
        "  -h, --help        Show this message and exit.\n\n")


def test_neardup_timing_is_a_benchmark_script_not_product_code():
    assert not hasattr(neardup, "timing")
    script = ROOT / "benchmarks" / "neardup_timing.py"
    out = subprocess.run([sys.executable, str(script), "--n", "500"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert out.startswith("500 questions: ") and out.endswith(" CPU s\n")
    assert "benchmarks/neardup_timing.py" in (ROOT / "docs" / "tuning.md").read_text()
