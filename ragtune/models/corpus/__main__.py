"""`python -m ragtune.models.corpus [DOMAIN ...]`: validate the corpus (file:line errors) and print its counts."""

import json
import sys

from ragtune.appliance.errors import InputError

from . import counts, load_corpus

try:
    print(json.dumps(counts(load_corpus(sys.argv[1:] or None)), indent=1))
except InputError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
