#!/usr/bin/env python3
"""Generate test/fixtures/drift-vectors.json: SciPy's (and Evidently's) answers for Mooring's drift statistics.

Run from the repository root:  python3 scripts/drift-vectors.py
Needs numpy and scipy (no pandas, no evidently). Every case is seeded, so the file is reproducible for a given
SciPy / NumPy version (both recorded in the output).

Inputs are recorded inline, except the large KS / Wasserstein samples (over 10000 values), which are described by a
generator spec that src/core/monitoring/drift/drift-vectors.test.ts reproduces bit for bit:

  {"gen": "xorshift32-irwinhall4", "seed": s, "n": n, "scale": c, "shift": t, "round": r (optional)}

  xorshift32 (x ^= x << 13; x ^= x >> 17; x ^= x << 5, all mod 2**32) gives u = x / 2**32; each value is
  ((((u1 + u2) + u3) + u4) - 2) * scale + shift, and with "round": floor(v * r + 0.5) / r. Every step is one IEEE
  double operation, so both languages produce the same doubles.

  {"repeat": [[value, count], ...]} expands to each value repeated count times, in order (large categorical inputs).

Non-finite numbers are written as the strings "inf", "-inf", "nan" (JSON has no literal for them).

For the Evidently-specific statistics (PSI, the JS / chi-square / Z tests, the normed Wasserstein distance, the
binning and the default test per column) this script mirrors Evidently's Python with numpy, citing the function it
follows; Evidently itself (and pandas) is not needed.
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance
from scipy import special

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'drift-vectors.json')


# ---------------------------------------------------------------------------------------------------------------
# Inputs


def xorshift_irwinhall(seed, n, scale=1.0, shift=0.0, rnd=None):
    """The generator spec described in the module docstring, as a numpy array."""
    x = seed & 0xFFFFFFFF
    if x == 0:
        raise ValueError('xorshift32 seed must be non-zero')
    out = np.empty(n)
    for i in range(n):
        s = 0.0
        for _ in range(4):
            x ^= (x << 13) & 0xFFFFFFFF
            x ^= x >> 17
            x ^= (x << 5) & 0xFFFFFFFF
            s += x / 4294967296.0
        v = (s - 2.0) * scale + shift
        if rnd is not None:
            v = math.floor(v * rnd + 0.5) / rnd
        out[i] = v
    return out


def gen(seed, n, scale=1.0, shift=0.0, rnd=None):
    spec = {'gen': 'xorshift32-irwinhall4', 'seed': seed, 'n': n, 'scale': scale, 'shift': shift}
    if rnd is not None:
        spec['round'] = rnd
    return spec, xorshift_irwinhall(seed, n, scale, shift, rnd)


def repeat(pairs):
    spec = {'repeat': [[v, c] for v, c in pairs]}
    values = []
    for v, c in pairs:
        values.extend([v] * c)
    return spec, values


def num(x):
    """A float for JSON, with non-finite values as strings."""
    x = float(x)
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    return x


def nums(xs):
    return [num(x) for x in xs]


def inline(values):
    return [v if isinstance(v, str) else num(v) for v in values]


# ---------------------------------------------------------------------------------------------------------------
# KS: scipy.stats.ks_2samp with its defaults


MAX_AUTO_N = 10000


def ks_case(name, a_spec, a, b_spec, b):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        res = stats.ks_2samp(a, b)
    fell_back = any('Exact calculation unsuccessful' in str(w.message) for w in caught)
    n1, n2 = len(a), len(b)
    if max(n1, n2) <= MAX_AUTO_N:
        method = 'exact->asymp' if fell_back else 'exact'
    else:
        method = 'asymp'
    case = {
        'name': name,
        'a': a_spec,
        'b': b_spec,
        'statistic': num(res.statistic),
        'pvalue': num(res.pvalue),
        'method': method,
    }
    if method != 'exact':
        m, n = sorted([float(n1), float(n2)], reverse=True)
        case['kstwo_n'] = int(np.round(m * n / (m + n)))
        case['kstwo_branch'] = kstwo_branch(case['kstwo_n'], float(res.statistic))
    return case


def kstwo_branch(n, x):
    """Which part of scipy.stats._ksstats._kolmogn answers the survival function (for the record only)."""
    if x >= 1.0 or x <= 0.0:
        return 'bounds'
    t = n * x
    if t <= 1.0:
        return 'ruben-gambino-low'
    if t >= n - 1:
        return 'ruben-gambino-high'
    if x >= 0.5:
        return 'smirnov'
    nxsq = t * x
    if n <= 140:
        if nxsq <= 0.754693:
            return 'durbin-mtw'
        if nxsq <= 4:
            return 'pomeranz'
        return 'smirnov'
    if nxsq >= 370.0:
        return 'zero'
    if nxsq >= 2.2:
        return 'smirnov'
    if n <= 100000 and n * x ** 1.5 <= 1.4:
        return 'durbin-mtw'
    return 'pelz-good'


def ks_cases():
    rng = np.random.default_rng(20240501)
    cases = []

    a = rng.normal(size=8)
    b = rng.normal(size=8)
    cases.append(ks_case('small equal sizes (exact, square)', nums(a), a, nums(b), b))

    a = rng.normal(size=15)
    b = rng.normal(0.8, 1.0, size=23)
    cases.append(ks_case('small unequal sizes, shifted (exact, inside method)', nums(a), a, nums(b), b))

    a = np.round(rng.normal(size=40), 1)
    b = np.round(rng.normal(0.2, 1.0, size=55), 1)
    cases.append(ks_case('ties (rounded to 0.1)', nums(a), a, nums(b), b))

    a = rng.normal(size=30)
    cases.append(ks_case('identical samples', nums(a), a, nums(a), a.copy()))

    a = rng.normal(size=200)
    b = rng.normal(0.3, 1.2, size=300)
    cases.append(ks_case('shifted and scaled, 200 vs 300', nums(a), a, nums(b), b))

    a = np.round(rng.normal(size=1000), 6)
    b = np.round(rng.normal(0.1, 1.0, size=1000), 6)
    cases.append(ks_case('1000 vs 1000, small shift (exact, square)', nums(a), a, nums(b), b))

    a = np.round(rng.exponential(size=3000), 6)
    b = np.round(rng.exponential(1.05, size=2000), 6)
    cases.append(ks_case('3000 vs 2000 exponential (exact, inside method)', nums(a), a, nums(b), b))

    a = np.arange(7) * 2.0
    b = a + 1.0
    cases.append(ks_case('interleaved 7 vs 7: exact fails (p > 1), falls back to asymp', nums(a), a, nums(b), b))

    a = np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 5, 5, 5], dtype=float)
    b = np.array([0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], dtype=float)
    cases.append(ks_case('ties 13 vs 13: exact fails, falls back to asymp', nums(a), a, nums(b), b))

    a = np.sort(rng.uniform(size=7))
    b = np.sort(rng.uniform(size=5))
    cases.append(ks_case('disjoint-free tiny samples 7 vs 5', nums(a), a, nums(b), b))

    a = rng.normal(size=1)
    b = rng.normal(size=1)
    cases.append(ks_case('one value each', nums(a), a, nums(b), b))

    # Asymptotic (max(n1, n2) > 10000): kstwo.sf(d, round(n1 n2 / (n1 + n2))) through several branches.
    sa, a = gen(12345, 12000)
    sb, b = gen(67890, 11000, 1.0, 0.03)
    cases.append(ks_case('asymp 12000 vs 11000, small shift', sa, a, sb, b))

    sa, a = gen(2468, 15000)
    sb, b = gen(1357, 15000, 1.0, 0.06)
    cases.append(ks_case('asymp 15000 vs 15000, shift 0.06', sa, a, sb, b))

    sa, a = gen(99, 20000)
    sb, b = gen(77, 100, 1.0, 0.1)
    cases.append(ks_case('asymp 20000 vs 100 (kstwo n <= 140)', sa, a, sb, b))

    sa, a = gen(4242, 10001)
    sb, b = gen(4242, 10500)
    cases.append(ks_case('asymp nearly identical (prefix of the same stream)', sa, a, sb, b))

    sa, a = gen(31337, 10001, 1.0, 0.0, 10)
    sb, b = gen(1001, 10001, 1.0, 0.02, 10)
    cases.append(ks_case('asymp with ties (rounded to 0.1)', sa, a, sb, b))

    sa, a = gen(5, 12000)
    sb, b = gen(6, 60, 1.0, 0.7)
    cases.append(ks_case('asymp 12000 vs 60 shifted (kstwo n <= 140)', sa, a, sb, b))

    return cases


def kstwo_cases():
    """Direct vectors for kstwo.sf(x, n): every branch of _kolmogn."""
    pts = [
        (10, 0.04), (10, 0.08), (10, 0.15), (10, 0.25), (10, 0.35), (10, 0.55), (10, 0.92), (10, 0.95),
        (60, 0.05), (60, 0.1), (60, 0.2), (60, 0.3), (100, 0.06), (100, 0.12), (100, 0.17), (100, 0.25),
        (140, 0.07), (140, 0.2), (141, 0.05), (141, 0.1), (141, 0.2), (500, 0.02), (500, 0.05), (500, 0.1),
        (5000, 0.004), (5000, 0.01), (5000, 0.02), (5000, 0.05), (5000, 0.3), (20000, 0.002), (20000, 0.005),
        (20000, 0.012), (20000, 0.02), (150000, 0.001), (150000, 0.003), (150000, 0.006), (1000, 0.0004),
        (1000, 0.0009), (1000, 0.9995), (1000, 1.0), (7, 0.6), (3, 0.3), (1, 0.7), (2000000, 0.001),
        (2000000, 0.002), (2000000, 0.0012),
    ]
    out = []
    for n, x in pts:
        out.append({'n': n, 'x': x, 'sf': num(stats.kstwo.sf(x, n)), 'branch': kstwo_branch(n, x)})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Chi-square: scipy.stats.chisquare(f_obs, f_exp) and Evidently's use of it


def chisquare_raw_cases():
    rng = np.random.default_rng(7)
    cases = []

    def add(name, f_obs, f_exp):
        with np.errstate(divide='ignore', invalid='ignore'):
            res = stats.chisquare(f_obs, f_exp)
        cases.append({'name': name, 'f_obs': nums(f_obs), 'f_exp': nums(f_exp),
                      'statistic': num(res.statistic), 'pvalue': num(res.pvalue)})

    add('scipy docs example', [16, 18, 16, 14, 12, 12], [16, 16, 16, 16, 16, 8])
    add('two categories', [5, 0], [4, 1])
    add('observed zero', [30, 0, 10, 20], [25, 5, 12, 18])
    add('expected zero: infinite statistic, p = 0', [4, 1], [5, 0])
    add('one category: df = 0, p is NaN', [5], [5])
    add('perfect fit', [10, 20, 30], [10, 20, 30])
    counts = rng.multinomial(5000, np.ones(200) / 200)
    add('200 categories', counts.astype(float), np.full(200, 25.0))
    add('tiny p-value', [900, 50, 50], [333.3333333333333, 333.3333333333333, 333.3333333333334])
    add('huge statistic (p underflows to 0)', [100000, 0], [50000, 50000])
    add('fractional expected', [3, 7, 12, 8], [5.5, 6.25, 9.75, 8.5])
    add('large counts, small drift', [100500, 99000, 100500], [100000, 100000, 100000])
    return cases


def evidently_value_counts(values):
    """Counts per distinct value (dropna is a no-op: inputs here have no missing values)."""
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


def evidently_keys(reference, current):
    """Mirrors evidently.legacy.calculations.stattests.utils.get_unique_not_nan_values_list_from_series.

    Evidently uses a Python set (arbitrary order); this uses first appearance, reference first. The order only moves
    rounding of the sums, well below the tolerances.
    """
    keys = []
    seen = set()
    for v in list(reference) + list(current):
        if v not in seen:
            seen.add(v)
            keys.append(v)
    return keys


def evidently_chisquare(reference, current):
    """Mirrors evidently.legacy.calculations.stattests.chisquare_stattest._chi_stat_test."""
    keys = evidently_keys(reference, current)
    ref = evidently_value_counts(reference)
    cur = evidently_value_counts(current)
    k_norm = len(current) / len(reference)
    f_exp = [ref.get(k, 0) * k_norm for k in keys]
    f_obs = [cur.get(k, 0) for k in keys]
    with np.errstate(divide='ignore', invalid='ignore'):
        res = stats.chisquare(f_obs, f_exp)
    return float(res.statistic), float(res.pvalue)


def categorical_inputs():
    """Shared reference/current pairs for the Evidently chi-square, Z, PSI and JS tests."""
    rng = np.random.default_rng(11)
    cats = ['a', 'b', 'c', 'd']
    out = []
    ref = list(rng.choice(cats, size=300, p=[0.4, 0.3, 0.2, 0.1]))
    cur = list(rng.choice(cats, size=250, p=[0.4, 0.3, 0.2, 0.1]))
    out.append(('four categories, same mix', ref, cur))
    ref = list(rng.choice(cats, size=300, p=[0.4, 0.3, 0.2, 0.1]))
    cur = list(rng.choice(cats, size=400, p=[0.1, 0.2, 0.3, 0.4]))
    out.append(('four categories, reversed mix', ref, cur))
    ref = list(rng.choice(['x', 'y', 'z'], size=120))
    cur = list(rng.choice(['x', 'y', 'z', 'new'], size=90))
    out.append(('a category new in current', ref, cur))
    ref = list(rng.choice(['x', 'y', 'z'], size=150))
    cur = list(rng.choice(['x', 'y'], size=80))
    out.append(('a category missing from current', ref, cur))
    ref = list(rng.choice(['p', 'q', 'r'], size=60))
    out.append(('identical samples', ref, list(ref)))
    ref = [float(v) for v in rng.integers(1, 5, size=500)]
    cur = [float(v) for v in rng.integers(1, 6, size=300)]
    out.append(('numbers 1..5 as categories', ref, cur))
    return [(name, [str(v) if isinstance(v, np.str_) else v for v in r], [str(v) if isinstance(v, np.str_) else v for v in c])
            for name, r, c in out]


def chisquare_test_cases():
    cases = []
    for name, ref, cur in categorical_inputs():
        s, p = evidently_chisquare(ref, cur)
        cases.append({'name': name, 'reference': inline(ref), 'current': inline(cur), 'statistic': num(s), 'pvalue': num(p)})
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Wasserstein: scipy.stats.wasserstein_distance and Evidently's normed variant


def evidently_wasserstein_norm(reference, current):
    """Mirrors evidently.legacy.calculations.stattests.wasserstein_distance_norm._wasserstein_distance_norm:
    wasserstein_distance(reference, current) / max(np.std(reference), 0.001). np.std on a pandas Series passes
    ddof=0 (numpy's default) to Series.std, so it is the population standard deviation."""
    norm = max(np.std(np.asarray(reference, dtype=float)), 0.001)
    return stats.wasserstein_distance(reference, current) / norm


def wasserstein_cases():
    rng = np.random.default_rng(99)
    cases = []

    def add(name, u_spec, u, v_spec, v):
        cases.append({'name': name, 'u': u_spec, 'v': v_spec,
                      'distance': num(stats.wasserstein_distance(u, v)),
                      'normed': num(evidently_wasserstein_norm(u, v))})

    add('scipy docs example', [0, 1, 3], np.array([0, 1, 3.0]), [5, 6, 8], np.array([5, 6, 8.0]))
    u = rng.normal(size=50)
    v = rng.normal(0.5, 1.0, size=50)
    add('shifted normals 50 vs 50', nums(u), u, nums(v), v)
    u = rng.normal(size=37)
    v = rng.normal(0, 2.0, size=81)
    add('unequal sizes and scales', nums(u), u, nums(v), v)
    u = np.round(rng.normal(size=60), 0)
    v = np.round(rng.normal(0.3, 1.0, size=45), 0)
    add('ties (whole numbers)', nums(u), u, nums(v), v)
    u = rng.normal(size=40)
    add('identical samples', nums(u), u, nums(u), u.copy())
    u = np.full(20, 3.0)
    v = rng.normal(3.0, 0.01, size=20)
    add('constant reference: std 0, norm 0.001', nums(u), u, nums(v), v)
    u = rng.normal(-1e3, 5.0, size=30)
    v = rng.normal(-1e3, 5.0, size=25)
    add('large negative values', nums(u), u, nums(v), v)
    add('one value each', [1.5], np.array([1.5]), [-2.25], np.array([-2.25]))
    su, u = gen(24680, 12000, 2.0, 10.0)
    sv, v = gen(13579, 11000, 2.2, 10.4)
    add('large generated samples', su, u, sv, v)
    u = np.round(rng.exponential(size=2000), 6)
    v = np.round(rng.exponential(1.3, size=1500), 6)
    add('exponential 2000 vs 1500', nums(u), u, nums(v), v)
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Binning, PSI, Jensen-Shannon (Evidently's get_binned_data + psi / jensenshannon)


def evidently_binned(reference, current, numerical, feel_zeroes):
    """Mirrors evidently.legacy.calculations.stattests.utils.get_binned_data (n is unused there).

    Numerical columns with more than 20 distinct reference values: numpy.histogram_bin_edges over reference and current
    together with bins="sturges", then numpy.histogram of each sample on those edges, divided by its length. Otherwise
    one bin per distinct value of either sample. With feel_zeroes, empty bins take min(nonzero share) / 1e6 when that
    minimum is <= 0.0001, else 0.0001, per sample.
    """
    edges = None
    if numerical and len(set(reference)) > 20:
        ref_arr = np.asarray(reference, dtype=float)
        cur_arr = np.asarray(current, dtype=float)
        edges = np.histogram_bin_edges(np.concatenate([ref_arr, cur_arr]), bins='sturges')
        ref_p = np.histogram(ref_arr, edges)[0] / len(reference)
        cur_p = np.histogram(cur_arr, edges)[0] / len(current)
    else:
        keys = evidently_keys(reference, current)
        ref_c = evidently_value_counts(reference)
        cur_c = evidently_value_counts(current)
        ref_p = np.array([ref_c.get(k, 0) / len(reference) for k in keys])
        cur_p = np.array([cur_c.get(k, 0) / len(current) for k in keys])
    if feel_zeroes:
        for arr in (ref_p, cur_p):
            m = min(arr[arr != 0])
            np.place(arr, arr == 0, m / 10 ** 6 if m <= 0.0001 else 0.0001)
    return edges, ref_p, cur_p


def evidently_psi(reference, current, numerical):
    """Mirrors evidently.legacy.calculations.stattests.psi._psi."""
    _, r, c = evidently_binned(reference, current, numerical, True)
    return float(np.sum((r - c) * np.log(r / c)))


def evidently_js(reference, current, numerical):
    """Mirrors evidently.legacy.calculations.stattests.jensenshannon._jensenshannon (no zero filling, base e)."""
    _, r, c = evidently_binned(reference, current, numerical, False)
    return float(distance.jensenshannon(r, c))


def binned_inputs():
    rng = np.random.default_rng(2024)
    out = []
    for name, ref, cur in categorical_inputs():
        numerical = not isinstance(ref[0], str)
        out.append((name, inline(ref), ref, inline(cur), cur, numerical))
    r = np.round(rng.normal(size=500), 6)
    c = np.round(rng.normal(0.4, 1.1, size=400), 6)
    out.append(('numerical > 20 distinct: sturges bins', nums(r), list(r), nums(c), list(c), True))
    r = np.round(rng.normal(size=512), 6)
    c = np.round(rng.normal(0.1, 1.0, size=512), 6)
    out.append(('numerical, 1024 values in all (log2 exact)', nums(r), list(r), nums(c), list(c), True))
    r = np.round(rng.normal(size=300), 6)
    c = np.round(rng.normal(3.0, 0.2, size=100), 6)
    out.append(('numerical, current far off: empty bins', nums(r), list(r), nums(c), list(c), True))
    r = [float(v) for v in rng.integers(0, 30, size=400)]
    c = [float(v) for v in rng.integers(0, 35, size=300)]
    out.append(('whole numbers 0..34, values on bin edges', inline(r), r, inline(c), c, True))
    r = [float(v) for v in rng.integers(0, 15, size=200)]
    c = [float(v) for v in rng.integers(0, 15, size=200)]
    out.append(('numerical <= 20 distinct: one bin per value', inline(r), r, inline(c), c, True))
    spec_r, r = repeat([('a', 15000), ('b', 4999), ('c', 1)])
    spec_c, c = repeat([('a', 900), ('b', 100)])
    out.append(('rare category: min share <= 0.0001 fills min / 1e6', spec_r, r, spec_c, c, False))
    r = rng.normal(size=100)
    out.append(('identical numerical samples', nums(r), list(r), nums(r), list(r), True))
    return out


def binning_cases():
    cases = []
    for name, rs, r, cs, c, numerical in binned_inputs():
        edges, rp, cp = evidently_binned(r, c, numerical, False)
        _, rpf, cpf = evidently_binned(r, c, numerical, True)
        cases.append({'name': name, 'reference': rs, 'current': cs, 'type': 'numerical' if numerical else 'categorical',
                      'edges': None if edges is None else nums(edges),
                      'reference_shares': nums(rp), 'current_shares': nums(cp),
                      'reference_filled': nums(rpf), 'current_filled': nums(cpf),
                      'psi': num(evidently_psi(r, c, numerical)),
                      'jensenshannon': num(evidently_js(r, c, numerical))})
    return cases


def jensenshannon_raw_cases():
    rng = np.random.default_rng(5)
    cases = []

    def add(name, p, q):
        with np.errstate(divide='ignore', invalid='ignore'):
            d = distance.jensenshannon(p, q)
        cases.append({'name': name, 'p': nums(p), 'q': nums(q), 'distance': num(d)})

    add('scipy docs example', [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    add('scipy docs example 2', [1.0, 0.0], [0.5, 0.5])
    add('not normalised', [1, 2, 3, 4], [4, 3, 2, 1])
    add('identical', [0.2, 0.3, 0.5], [0.2, 0.3, 0.5])
    add('zeros in both', [0.5, 0.0, 0.5, 0.0], [0.25, 0.25, 0.5, 0.0])
    p = rng.dirichlet(np.ones(30))
    q = rng.dirichlet(np.ones(30))
    add('30 random bins', p, q)
    p = rng.dirichlet(np.ones(8))
    add('nearly identical', p, p * (1 + 1e-6 * rng.normal(size=8)))
    add('counts', [120, 30, 0, 50], [100, 40, 10, 50])
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Z test for two proportions (Evidently)


def evidently_z(reference, current):
    """Mirrors evidently.legacy.calculations.stattests.z_stattest._z_stat_test (proportions_diff_z_stat_ind and
    proportions_diff_z_test with the two-sided alternative: 2 * (1 - norm.cdf(|z|)))."""
    ref_u = set(reference)
    cur_u = set(current)
    if len(ref_u) == 1 and len(cur_u) == 1 and next(iter(ref_u)) == next(iter(cur_u)):
        return None, 1.0
    keys = sorted(ref_u | cur_u)
    first = keys[0]
    r = [0 if x == first else 1 for x in reference]
    c = [0 if x == first else 1 for x in current]
    n1, n2 = len(r), len(c)
    p1 = float(sum(r)) / n1
    p2 = float(sum(c)) / n2
    P = float(p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - stats.norm.cdf(np.abs(z))))


def ztest_cases():
    rng = np.random.default_rng(314)
    cases = []

    def add(name, rs, r, cs, c):
        z, p = evidently_z(r, c)
        cases.append({'name': name, 'reference': rs, 'current': cs, 'statistic': None if z is None else num(z),
                      'pvalue': num(p)})

    r = list(rng.choice(['yes', 'no'], size=200, p=[0.3, 0.7]))
    c = list(rng.choice(['yes', 'no'], size=150, p=[0.3, 0.7]))
    r, c = [str(v) for v in r], [str(v) for v in c]
    add('binary strings, same mix', r, r, c, c)
    r = [str(v) for v in rng.choice(['yes', 'no'], size=200, p=[0.3, 0.7])]
    c = [str(v) for v in rng.choice(['yes', 'no'], size=300, p=[0.45, 0.55])]
    add('binary strings, shifted mix', r, r, c, c)
    r = [float(v) for v in rng.integers(0, 2, size=80)]
    c = [float(v) for v in rng.integers(0, 2, size=120)]
    add('binary numbers', r, r, c, c)
    add('one identical value on both sides: p = 1', ['a'] * 10, ['a'] * 10, ['a'] * 7, ['a'] * 7)
    add('one different value on each side', ['a'] * 10, ['a'] * 10, ['b'] * 7, ['b'] * 7)
    sr, r = repeat([('a', 900), ('b', 100)])
    sc, c = repeat([('a', 100), ('b', 900)])
    add('huge z: 2 * (1 - cdf) rounds to 0', sr, r, sc, c)
    sr, r = repeat([('a', 600), ('b', 400)])
    sc, c = repeat([('a', 480), ('b', 520)])
    add('moderate z (p ~ 1e-7)', sr, r, sc, c)
    r = [str(v) for v in rng.choice(['a', 'b', 'c'], size=90)]
    c = [str(v) for v in rng.choice(['a', 'b', 'c'], size=70)]
    add('three categories: first sorted key against the rest', r, r, c, c)
    r = [str(v) for v in rng.choice(['m', 'n'], size=1000, p=[0.5, 0.5])]
    c = [str(v) for v in rng.choice(['m', 'n'], size=1000, p=[0.52, 0.48])]
    add('large balanced samples', r, r, c, c)
    add('only one side has two values', ['u'] * 5, ['u'] * 5, ['u', 'v', 'v'], ['u', 'v', 'v'])
    return cases


# ---------------------------------------------------------------------------------------------------------------
# Special functions the p-values rest on


def special_cases():
    zs = [0.0, 0.1, 0.5, 0.7071, 0.9, 1.0, 1.3, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 20.0, 27.0, 30.0]
    erfc = [{'x': x, 'erfc': num(special.erfc(x))} for x in zs + [-0.3, -1.0, -3.0]]
    ndtr = [{'x': x, 'ndtr': num(special.ndtr(x))} for x in [-40.0, -10.0, -3.0, -1.0, -0.5, 0.0, 0.3, 1.0, 1.96, 3.0, 8.0]]
    chi2 = []
    for df in [1, 2, 3, 5, 10, 30, 199, 1000]:
        for x in [0.0, 0.01, 0.5, 1.0, df / 2.0, float(df), df + 3 * math.sqrt(2 * df), 5.0 * df + 50, 2000.0]:
            chi2.append({'df': df, 'x': x, 'sf': num(special.chdtrc(df, x))})
    return {'erfc': erfc, 'ndtr': ndtr, 'chi2_sf': chi2}


# ---------------------------------------------------------------------------------------------------------------
# Default test per column (Evidently's _get_default_stattest) and dataset drift (get_dataset_drift)


def evidently_default(reference_size, unique_count, numerical):
    """Mirrors evidently.legacy.calculations.stattests.registry._get_default_stattest for numerical / categorical."""
    if reference_size <= 1000:
        if numerical:
            if unique_count <= 5:
                return 'chisquare' if unique_count > 2 else 'ztest'
            return 'ks'
        return 'chisquare' if unique_count > 2 else 'ztest'
    if numerical:
        return 'jensenshannon' if unique_count <= 5 else 'wasserstein'
    return 'jensenshannon'


def select_cases():
    out = []
    for size in [1, 1000, 1001, 50000]:
        for uniq in [1, 2, 3, 5, 6, 100]:
            for numerical in [True, False]:
                out.append({'reference_size': size, 'unique_count': uniq,
                            'type': 'numerical' if numerical else 'categorical',
                            'method': evidently_default(size, uniq, numerical)})
    return out


def main():
    data = {
        'about': 'Generated by scripts/drift-vectors.py; see its docstring for the input encodings.',
        'scipy': scipy.__version__,
        'numpy': np.__version__,
        'ks': ks_cases(),
        'kstwo': kstwo_cases(),
        'chisquare': chisquare_raw_cases(),
        'chisquare_test': chisquare_test_cases(),
        'wasserstein': wasserstein_cases(),
        'binned': binning_cases(),
        'jensenshannon': jensenshannon_raw_cases(),
        'ztest': ztest_cases(),
        'special': special_cases(),
        'select': select_cases(),
    }
    with open(OUT, 'w') as f:
        json.dump(data, f, allow_nan=False, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)')
    for c in data['ks']:
        print(f"  ks {c['method']:13s} {c.get('kstwo_branch', ''):12s} p={c['pvalue']!r:24} {c['name']}")


if __name__ == '__main__':
    main()
