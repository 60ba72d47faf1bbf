"""ragtune appliance: the runtime library (no torch) behind the `ragtune` CLI and TUI."""

from .. import __version__

__all__ = ["__version__"]
