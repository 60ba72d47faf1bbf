"""ragtune appliance: the runtime library (no torch) behind the `ragtune` CLI and TUI."""

__version__ = "0.1.0"
