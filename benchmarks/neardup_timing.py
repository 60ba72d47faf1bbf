"""CPU seconds of the training data's near-duplicate check (`ragtune.models.neardup.question_groups`) over n made-up
questions: the figure docs/tuning.md gives ("about 3 CPU seconds for 50,000 questions"). Moved out of the package
(round 49): nothing in the product calls it. tests/models/test_r48_data.py pins the speed on its own questions.

    python benchmarks/neardup_timing.py [--n 50000]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ragtune.models.neardup import question_groups  # noqa: E402


def timing(n: int = 50_000) -> float:
    """CPU seconds `question_groups` takes over n made-up questions (4..14 words of a 5,000-word vocabulary)."""
    rng = random.Random(0)
    vocab = [f"w{i}" for i in range(5000)]
    qs = [" ".join(rng.choice(vocab) for _ in range(rng.randint(4, 14))) + "?" for _ in range(n)]
    t = time.process_time()  # CPU time: the box's other work does not count
    question_groups(qs)
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_000, help="questions (default 50,000)")
    n = ap.parse_args().n
    print(f"{n} questions: {timing(n):.2f} CPU s")


if __name__ == "__main__":
    main()
