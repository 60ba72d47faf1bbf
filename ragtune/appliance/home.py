"""The one user directory. `RAGTUNE_HOME` overrides the platform default."""

from __future__ import annotations

import os
from pathlib import Path


def ragtune_home() -> Path:
    env = os.environ.get("RAGTUNE_HOME")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir("ragtune", appauthor=False))


def _utf8_root(root: Path) -> Path:
    """A home whose path is not UTF-8 (a Latin-1 name's byte 0xe9) can never hold the index: SQLite and the lexical
    index open UTF-8 paths only. Said once, here, instead of a UnicodeEncodeError at the first database open."""
    from .errors import InputError
    from .text import check_utf8_path

    try:
        return check_utf8_path(root, "home", "the database cannot be opened there")
    except InputError as exc:  # a home is named by --home / RAGTUNE_HOME, not renamed
        exc.hint = "give --home / RAGTUNE_HOME a folder whose path is UTF-8"
        raise


class Home:
    """Paths inside a home. Created lazily; nothing is written until asked."""

    def __init__(self, root: Path | str | None = None):
        self.root = _utf8_root(Path(root).expanduser().resolve() if root else ragtune_home())

    @property
    def db_path(self) -> Path:
        return self.root / "ragtune.db"

    @property
    def lexical_dir(self) -> Path:
        return self.root / "tantivy"

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def adapters_dir(self) -> Path:
        return self.root / "adapters"

    @property
    def registry_dir(self) -> Path:
        return self.root / "registry"

    @property
    def eval_dir(self) -> Path:
        return self.root / "eval"

    def ensure(self) -> "Home":
        self.root.mkdir(parents=True, exist_ok=True)
        return self

    def __repr__(self) -> str:
        return f"Home({str(self.root)!r})"
