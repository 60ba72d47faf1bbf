"""`python -m ragtune.models.corpus [DOMAIN ...]`: validate the corpus (file:line errors) and print its counts.
Exit 2 on the first bad line, 1 when a domain's unanswerable share is under the floor, 0 otherwise."""

import json
import sys

from ragtune.appliance.errors import InputError

from . import check_shares, counts, load_corpus

try:
    rows = load_corpus(sys.argv[1:] or None)
except InputError as exc:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(2)
print(json.dumps(counts(rows), indent=1))
problems = check_shares(rows)
for p in problems:
    print(f"error: {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
