"""Fisher's exact test on 2×2 tables, with the standard library only.

The study tested each change flag of §6.3 (and each change category of §6.5) with
``scipy.stats.fisher_exact`` (two-sided). This is the same test: the p-value sums the
hypergeometric probabilities of every table with the same margins that is no more likely than the
observed one (with scipy's relative tolerance of 1e-7), and the odds ratio is the sample odds ratio
``(a·d)/(b·c)`` (infinite when ``b·c`` is 0 and ``a·d`` is not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FisherResult:
    odds_ratio: float
    p_value: float


def fisher_exact(table: tuple[tuple[int, int], tuple[int, int]]) -> FisherResult:
    """Two-sided Fisher exact test of ``[[a, b], [c, d]]``."""
    (a, b), (c, d) = table
    if min(a, b, c, d) < 0:
        raise ValueError("a contingency table holds counts (>= 0)")
    row1, col1, n = a + b, a + c, a + b + c + d
    if b * c == 0:
        odds = math.nan if a * d == 0 else math.inf
    else:
        odds = (a * d) / (b * c)
    if n == 0 or row1 in (0, n) or col1 in (0, n):
        return FisherResult(odds, 1.0)
    lo, hi = max(0, col1 - (n - row1)), min(row1, col1)
    # Log-space hypergeometric probabilities (lgamma): exact binomials of a large store's margins
    # (tens of thousands of version pairs) are integers of tens of thousands of digits, and summing
    # the tables with them took minutes; floating point is what scipy's test computes in too.
    log_total = _log_comb(n, col1)

    def log_prob(x: int) -> float:
        return _log_comb(row1, x) + _log_comb(n - row1, col1 - x) - log_total

    observed = log_prob(a)
    bound = observed + math.log1p(1e-7)
    p = sum(math.exp(q) for q in (log_prob(x) for x in range(lo, hi + 1)) if q <= bound)
    return FisherResult(odds, min(1.0, p))


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def bonferroni(p_values: list[float]) -> list[float]:
    """Bonferroni-adjusted p-values (as ``statsmodels.multipletests(method='bonferroni')``)."""
    m = len(p_values)
    return [min(1.0, p * m) for p in p_values]
