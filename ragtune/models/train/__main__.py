"""`accelerate launch -m ragtune.models.train --data … --out …`: the `ragtune train` command, one process per rank."""

import sys

from ragtune.cli import main

sys.exit(main(["train", *sys.argv[1:]]))
