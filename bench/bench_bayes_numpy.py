#!/usr/bin/env python3
"""numpy reference for bench_bayes: posterior = row-softmax(E W^T + c), float64, on one BLAS
thread.  Usage: OPENBLAS_NUM_THREADS=1 bench_bayes_numpy.py B N M REPS
Prints "numpy_f64_1thread median_ms" (the median of REPS runs, the first run excluded)."""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np  # noqa: E402

b, n, m, reps = (int(x) for x in sys.argv[1:5])
rng = np.random.default_rng(1)
E = rng.normal(size=(b, m))
W = rng.normal(size=(n, m))
c = rng.normal(size=n)


def posterior():
    x = E @ W.T + c
    x -= x.max(axis=1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(axis=1, keepdims=True)
    return x


posterior()
t = []
for _ in range(reps):
    t0 = time.perf_counter()
    posterior()
    t.append(time.perf_counter() - t0)
print("numpy_f64_1thread %.3f" % (1e3 * float(np.median(t))))
