"""The [generate] values calibrated per adapter, and what each must be: one definition for the config file, a
built-in adapter's manifest and recipe, `eval run --adapter-*` and `models promote-builtin`. With the setting
"auto" the served adapter's own value is served (refusal.resolve_serving)."""

from __future__ import annotations

import math
from typing import Any, Callable


def is_fraction(v: Any) -> bool:
    """A number 0..1 (not a boolean): thresholds and shares, in config, recipes and manifests alike."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1


def is_number(v: Any) -> bool:
    """A finite number (not a boolean) that a float holds: an integer past a float's range (10**400, which JSON and
    `config set` can give) is not one (math.isfinite raises OverflowError for it; so would every use)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def is_logprob(v: Any) -> bool:
    """A log-probability: a number <= 0 (not a boolean), in config, recipes and manifests alike."""
    return is_number(v) and v <= 0


def is_candidates(v: Any) -> bool:
    """A number of answer candidates: an integer 1..8 (not a boolean)."""
    return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 8


def is_scale(v: Any) -> bool:
    """An adapter's strength: a number 0 < s <= 4 (not a boolean)."""
    return is_number(v) and 0 < v <= 4


# The [generate] values calibrated per adapter: with the setting "auto" the served adapter's own (a built-in's
# manifest, `serving.<key>`, from its recipe's [serving]; refusal.resolve_serving). key -> (check, what it must be,
# the value for a model that records none).
CALIBRATED: dict[str, tuple[Callable[[Any], bool], str, float | None]] = {
    "refusal_threshold": (is_fraction, "a number 0..1", 1.0),  # never refuse by P(refused)
    "min_answer_logprob": (is_logprob, "a number <= 0", None),  # no confidence floor
    "evidence_cut": (is_number, "a number", None),  # the evidence model's own cut
    "answer_candidates": (is_candidates, "an integer 1..8", 1),  # the model's first span only
    "adapter_scale": (is_scale, "a number 0 < s <= 4", 1.0),  # the adapter as trained
}
