"""`eval compare`'s paired latency (round 49): beside which answers flipped, whether NEW answers slower or faster
than BASE on the same questions. Each question's end-to-end latency (its row's `latency_ms`: the answer's
`timings.total_ms`, absent for an error) is paired; the line says the median of the differences NEW - BASE with its
exact 95 % interval (the sign test's interval for a median: order statistics of the sorted differences picked by
the binomial(n, 1/2) tails, so no resampling and no seed: the same runs give the same numbers), and how many
questions got faster or slower (paired.sign_test_p's test, summed in logs). A median of differences, not a
difference of medians: a run 30 ms slower on every question reads +30 ms even when both medians move with the load.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

LEVEL = 0.95


def finite_ms(v: Any) -> float | None:
    """A time in ms as a float; None for anything else (missing, a bool, NaN, infinite, a string)."""
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def latency_ms(row: dict[str, Any]) -> float | None:
    return finite_ms(row.get("latency_ms"))


def deltas(base: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> tuple[list[float], list[float],
                                                                                       list[float]]:
    """(NEW - BASE differences, BASE latencies, NEW latencies) over the questions both timed, in BASE's order."""
    d, b, n = [], [], []
    for q, row in base.items():
        x, y = latency_ms(row), latency_ms(new[q]) if q in new else None
        if x is not None and y is not None:
            d.append(y - x)
            b.append(x)
            n.append(y)
    return d, b, n


def median(vals: Sequence[float]) -> float | None:
    s = sorted(vals)
    if not s:
        return None
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def _fair_coin_pmf(n: int, j: int) -> float:
    """P(Binomial(n, 1/2) = j), from logs (2**-n underflows past n = 1074; paired.sign_test_p's exact integers take
    seconds at 10,000 questions)."""
    return math.exp(math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) - n * math.log(2))


def _fair_coin_cdf(n: int, upto: int) -> float:
    """P(Binomial(n, 1/2) <= upto)."""
    return sum(_fair_coin_pmf(n, j) for j in range(upto + 1))


def sign_test(up: int, down: int) -> float:
    """Two-sided p of `up` against `down` under a fair coin (1.0 when there are none): paired.sign_test_p's test."""
    d = up + down
    return 1.0 if d == 0 else min(1.0, 2 * _fair_coin_cdf(d, min(up, down)))


def median_interval(diffs: Sequence[float], level: float = LEVEL) -> tuple[float, float] | None:
    """The distribution-free interval of the median of `diffs`: [d(k), d(n+1-k)] (1-based order statistics) for the
    largest k with P(Binomial(n, 1/2) <= k-1) <= (1-level)/2; None when n is too small for one (5 or fewer)."""
    s, n = sorted(diffs), len(diffs)
    if not n:
        return None
    tail, k, cdf = (1 - level) / 2, 0, 0.0
    for j in range(n // 2 + 1):
        cdf += _fair_coin_pmf(n, j)
        if cdf > tail:
            break
        k = j + 1
    if k == 0:
        return None
    return s[k - 1], s[n - k]


def paired_latency(diffs: Sequence[float], base_ms: Sequence[float], new_ms: Sequence[float]) -> dict[str, Any]:
    """The statistics `eval compare --json` gives under "latency" (ms, rounded to 0.1)."""
    slower, faster = sum(x > 0 for x in diffs), sum(x < 0 for x in diffs)
    ci = median_interval(diffs)

    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {"n": len(diffs), "base_median_ms": r(median(base_ms)), "new_median_ms": r(median(new_ms)),
            "median_delta_ms": r(median(diffs)), "ci95": None if ci is None else [r(ci[0]), r(ci[1])],
            "faster": faster, "slower": slower, "p": sign_test(slower, faster)}


def latency_line(lat: dict[str, Any] | None, nname: str = "NEW") -> str | None:
    """The text line of `eval compare` for `lat` (paired_latency's dict); None when there is none to say."""
    if lat is None:
        return None
    if not lat["n"]:
        return ("latency: no question timed on both sides (rows written before round 49 record no latency; "
                "running the same `eval run` again rewrites them)")
    ci = f", 95% CI {lat['ci95'][0]:+.0f} to {lat['ci95'][1]:+.0f} ms" if lat["ci95"] else ""
    return (f"latency per question: median {lat['base_median_ms']:.0f} -> {lat['new_median_ms']:.0f} ms; paired "
            f"difference {lat['median_delta_ms']:+.0f} ms{ci} over {lat['n']} questions ({nname} faster on "
            f"{lat['faster']}, slower on {lat['slower']}; sign test p={lat['p']:.3g})")
