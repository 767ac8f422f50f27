#!/usr/bin/env python3
"""Writes test/fixtures/significance-vectors.json: reference answers for the A/B significance tests.

src/core/rollout/significance.test.ts and student-t.test.ts check Mooring's regularized incomplete beta, Student t
distribution, two-proportion z test and Welch t test against these. SciPy is not installed where this was written,
so every value is computed from its textbook formula with mpmath at 60 significant digits, from the exact double
inputs (the JSON holds the doubles the tests pass; `repr` round-trips them):

- I_x(a, b) = mpmath.betainc(a, b, 0, x, regularized=True);
- the two-sided p-value of Student's t with df degrees of freedom: P(|T| >= |t|) = I_{df/(df+t^2)}(df/2, 1/2)
  (Abramowitz & Stegun 26.7.1 with 26.5.27), SciPy's `2 * stats.t.sf(abs(t), df)`;
- the upper quantile t* with P(T > t*) = q: the root of the above (mpmath.findroot), SciPy's `stats.t.isf(q, df)`;
- the two-proportion z test (statsmodels' `proportions_ztest`, pooled variance): z = (pB - pA) / sqrt(P (1 - P)
  (1/nA + 1/nB)) with P = (xA + xB) / (nA + nB), p = erfc(|z| / sqrt 2); the difference pB - pA with its unpooled
  Wald interval (pB - pA) +- z_0.975 sqrt(pA (1 - pA) / nA + pB (1 - pB) / nB);
- Welch's t test (SciPy's `ttest_ind(b, a, equal_var=False)`): t = (mean b - mean a) / se with se^2 = va/na + vb/nb
  (sample variances, ddof 1), Welch-Satterthwaite df = se^4 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1)), the p-value as
  above, and the interval (mean b - mean a) +- t*_{0.025, df} se.

Run from the repository root:

    python3 scripts/significance-vectors.py

Seeded, so the file only changes when this script does.
"""
import json
import os
import random
import sys

import mpmath
from mpmath import mp, mpf

mp.dps = 60


def f(x):
    """An mpf as the nearest double (the value a double-precision implementation should reach)."""
    return float(x)


def t_two_sided(t, df):
    t = mpf(t)
    df = mpf(df)
    if t == 0:
        return mpf(1)
    x = df / (df + t * t)
    return mpmath.betainc(df / 2, mpf(1) / 2, 0, x, regularized=True)


def t_isf(q, df):
    """t with P(T > t) = q, for 0 < q < 1/2: the root of t_two_sided(t) = 2q, bracketed and bisected, then polished."""
    target = 2 * mpf(q)
    lo, hi = mpf(0), mpf(1)
    while t_two_sided(hi, df) > target:
        hi *= 2
    for _ in range(400):
        mid = (lo + hi) / 2
        if t_two_sided(mid, df) > target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


Z975 = mpmath.sqrt(2) * mpmath.erfinv(mpf("0.95"))


def two_proportion(xa, na, xb, nb):
    pa = mpf(xa) / na
    pb = mpf(xb) / nb
    pooled = mpf(xa + xb) / (na + nb)
    diff = pb - pa
    se_pooled = mpmath.sqrt(pooled * (1 - pooled) * (mpf(1) / na + mpf(1) / nb))
    z = diff / se_pooled
    p = mpmath.erfc(abs(z) / mpmath.sqrt(2))
    se = mpmath.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    return {
        "successes_a": xa, "n_a": na, "successes_b": xb, "n_b": nb,
        "difference": f(diff), "statistic": f(z), "pvalue": f(p),
        "ci95": [f(diff - Z975 * se), f(diff + Z975 * se)],
    }


def welch(a, b):
    ma = [mpf(v) for v in a]
    mb = [mpf(v) for v in b]
    na, nb = len(ma), len(mb)
    mean_a = sum(ma) / na
    mean_b = sum(mb) / nb
    va = sum((v - mean_a) ** 2 for v in ma) / (na - 1)
    vb = sum((v - mean_b) ** 2 for v in mb) / (nb - 1)
    sa = va / na
    sb = vb / nb
    se = mpmath.sqrt(sa + sb)
    diff = mean_b - mean_a
    t = diff / se
    df = (sa + sb) ** 2 / (sa ** 2 / (na - 1) + sb ** 2 / (nb - 1))
    p = t_two_sided(t, df)
    crit = t_isf(mpf("0.025"), df)
    return {
        "mean_a": f(mean_a), "mean_b": f(mean_b), "difference": f(diff), "statistic": f(t), "df": f(df),
        "pvalue": f(p), "ci95": [f(diff - crit * se), f(diff + crit * se)],
    }


def sample(rng, n, mu, sigma, digits=None):
    out = []
    for _ in range(n):
        v = rng.gauss(mu, sigma)
        out.append(round(v, digits) if digits is not None else v)
    return out


def main():
    rng = random.Random(20261125)
    beta = []
    for a, b, x in [
        (0.5, 0.5, 0.5), (1, 1, 0.3), (2, 3, 0.4), (5, 0.5, 0.9), (0.5, 5, 0.1), (10, 10, 0.5), (10, 0.5, 0.999),
        (30, 0.5, 0.2), (0.1, 0.1, 1e-5), (50, 50, 0.45), (500, 0.5, 0.99), (0.5, 500, 0.002), (2.5, 0.5, 1e-8),
        (1e4, 0.5, 0.9995), (3.7, 12.2, 0.61),
    ]:
        beta.append({"a": a, "b": b, "x": x, "value": f(mpmath.betainc(mpf(a), mpf(b), 0, mpf(x), regularized=True))})

    t_cases = [
        (2.0, 10), (2.5, 5), (1.96, 1e6), (0.0, 5), (1.0, 1), (-2.0, 10), (10.0, 3), (40.0, 30), (3.0, 0.5),
        (1.5, 7.3), (2.2, 123.456), (0.01, 2), (6.0, 1000), (1.96, 1e8), (12.0, 1), (0.7, 1e4), (25.0, 2.5),
        (4.5, 60), (1e-8, 10), (2.0, 0.1),
    ]
    student = [{"t": t, "df": df, "pvalue": f(t_two_sided(t, df))} for t, df in t_cases]

    quantiles = [
        {"q": q, "df": df, "t": f(t_isf(q, df))}
        for q, df in [
            (0.025, 1), (0.025, 2), (0.025, 5), (0.025, 10), (0.025, 30), (0.025, 7.3), (0.025, 1000), (0.025, 1e6),
            (0.005, 4), (0.25, 3), (0.025, 0.5), (1e-6, 20),
        ]
    ]

    proportions = [
        two_proportion(*c)
        for c in [
            (700, 1000, 780, 1000),  # B clearly better
            (750, 1000, 752, 1000),  # equal
            (40, 50, 45, 60),
            (1, 10, 9, 10),
            (5000, 10000, 5100, 10000),
            (3, 3, 1, 4),
            (0, 20, 2, 20),
            (123, 456, 7, 89),
        ]
    ]

    welch_cases = []
    for name, a, b in [
        ("small hand-made", [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0]),
        ("b clearly better (smaller absolute errors)", sample(rng, 200, 1.0, 0.5), sample(rng, 180, 0.7, 0.4)),
        ("equal", sample(rng, 150, 2.0, 1.0), sample(rng, 170, 2.0, 1.0)),
        ("unequal variances and sizes", sample(rng, 12, 5.0, 3.0), sample(rng, 40, 6.0, 0.5)),
        ("two each", [0.5, 1.5], [3.0, 3.25]),
        ("rounded values with ties", sample(rng, 60, 0.3, 0.2, 1), sample(rng, 70, 0.35, 0.2, 1)),
        ("large", sample(rng, 3000, 10.0, 2.0), sample(rng, 2500, 10.1, 2.5)),
    ]:
        welch_cases.append({"name": name, "a": a, "b": b, **welch(a, b)})

    # The regression arms of src/services/rollout/ab-test.test.ts: every label is 10, each prediction 10 + e.
    errors_a = [1, -2, 3, -4, 2, 1, -1, 3]
    errors_b = [0.5, -0.25, 0.5, -0.75, 0.25, 0.5, -0.5, 0.25]
    service = {
        "errors_a": errors_a,
        "errors_b": errors_b,
        "mae": welch([abs(e) for e in errors_a], [abs(e) for e in errors_b]),
        "rmse": welch([e * e for e in errors_a], [e * e for e in errors_b]),
    }

    data = {
        "about": "Generated by scripts/significance-vectors.py (mpmath at 60 digits from the formulas in its docstring).",
        "mpmath": mpmath.__version__,
        "z975": f(Z975),
        "beta": beta,
        "student_t": student,
        "t_quantiles": quantiles,
        "two_proportion": proportions,
        "welch": welch_cases,
        "service_regression": service,
    }
    path = os.path.join("test", "fixtures", "significance-vectors.json")
    with open(path, "w") as out:
        json.dump(data, out, separators=(",", ":"))
        out.write("\n")
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
