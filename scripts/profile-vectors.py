#!/usr/bin/env python3
"""Writes test/fixtures/profile-vectors.json: numpy's answers for the training-profile statistics.

The tests in src/core/profile/ check that Mooring's quantiles, Sturges histogram edges and counts, mean and sample
standard deviation equal numpy's on these vectors. Run from the repository root:

    python3 scripts/profile-vectors.py

Every sample is float64 (the profiler works in float64 only; numpy's special case for integer dtypes, which clamps
the Sturges bin width to at least 1, does not apply). Seeded, so the file only changes when this script does.
"""
import json
import os
import sys

import numpy as np

LEVELS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
EXTRA_LEVELS = [0.0, 0.1, 1 / 3, 0.5, 0.9, 0.999, 1.0]


def samples():
    rng = np.random.default_rng(20261125)
    yield "normal", rng.normal(loc=3.0, scale=2.0, size=1000)
    yield "normal-centred", rng.normal(loc=0.0, scale=1.0, size=257)
    yield "lognormal", rng.lognormal(mean=0.0, sigma=2.0, size=300)
    yield "integers", rng.integers(0, 21, size=500).astype(np.float64)
    yield "duplicates", rng.choice(np.array([-1.5, 0.0, 0.25, 2.0, 1e6]), size=100)
    yield "large-offset", 1e9 + rng.normal(size=64)
    yield "power-of-two-n", rng.uniform(-5, 5, size=8)
    yield "n3", np.array([2.0, -1.0, 0.5])
    yield "n2", np.array([5.0, 1.0])
    yield "n1", np.array([42.5])
    yield "constant", np.full(10, 7.25)
    yield "constant-zero", np.zeros(3)


def main():
    out = []
    probe_rng = np.random.default_rng(7)
    for name, values in samples():
        values = np.asarray(values, dtype=np.float64)
        edges = np.histogram_bin_edges(values, bins="sturges")
        counts, _ = np.histogram(values, bins=edges)
        # Values from a wider distribution, some outside the edges: counted against the same edges.
        lo, hi = float(edges[0]), float(edges[-1])
        width = hi - lo
        probe = probe_rng.uniform(lo - width / 4, hi + width / 4, size=200)
        probe = np.concatenate([probe, edges])  # every edge itself, the last one included
        probe_counts, _ = np.histogram(probe, bins=edges)
        out.append(
            {
                "name": name,
                "values": values.tolist(),
                "quantiles": [{"q": q, "value": float(np.quantile(values, q))} for q in LEVELS + EXTRA_LEVELS],
                "mean": float(np.mean(values)),
                # Mooring's contract: std is 0 below two values (numpy would give NaN with a warning).
                "std": float(np.std(values, ddof=1)) if values.size >= 2 else 0.0,
                "edges": edges.tolist(),
                "counts": counts.tolist(),
                "probe": probe.tolist(),
                "probeCounts": probe_counts.tolist(),
            }
        )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "test", "fixtures", "profile-vectors.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"generator": "scripts/profile-vectors.py", "numpy": np.__version__, "vectors": out}, f, indent=1)
        f.write("\n")
    print(f"wrote {path} ({len(out)} vectors, numpy {np.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
