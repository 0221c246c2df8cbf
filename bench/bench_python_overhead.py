#!/usr/bin/env python3
"""Python-side overhead of lavoisier_core calls on a 1,000-point spectrum.

Bound: the wrapper's time minus the time of the same C function called directly through ctypes
with prepared pointers and buffers (the C work plus ctypes' own minimum), measured in the same run;
the target is < 20 us of overhead per call.  Blocks of --number calls of the two alternate
--repeats times; printed are the medians of each and the median of the per-block differences.  Operations the loaded library does not export yet are
reported as skipped.

    LAVOISIER_LIBRARY=build/liblavoisier.so.0 python3 bench/bench_python_overhead.py
"""
import argparse
import ctypes
import statistics
import sys
import time

import numpy as np

import lavoisier_core as lc
from lavoisier_core import _lib as L

BOUND_US = 20.0


def _block_us(fn, number):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number * 1e6


def measure(direct, wrapped, number, repeats):
    """(median direct us, median wrapper us, median of per-repeat differences): blocks of the two
    alternate, so that load from other processes hits both alike."""
    direct(), wrapped()
    d, w = [], []
    for _ in range(repeats):
        d.append(_block_us(direct, number))
        w.append(_block_us(wrapped, number))
    return (statistics.median(d), statistics.median(w),
            statistics.median(b - a for a, b in zip(d, w)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--number", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--points", type=int, default=1000)
    args = ap.parse_args()
    n = args.points
    rng = np.random.default_rng(0)
    ctx = lc.Context("cpu", threads=1)  # one thread: no hand-off cost inside C
    x = rng.random(n).astype(np.float32)
    y = rng.random(n).astype(np.float32)
    mz = (200 + np.cumsum(rng.uniform(0.004, 0.006, n))).astype(np.float64)
    out = np.empty(n, np.float32)
    ptr = ctx.ptr
    print("liblavoisier %s (%s), %d points, median of %d x %d calls" % (
        lc.version(), lc.library_path, n, args.repeats, args.number))
    rows, ok = [], True

    # saxpy: wrapper vs direct ctypes
    xa, ya, oa = x.ctypes.data, y.ctypes.data, out.ctypes.data
    rows.append(("saxpy",) + measure(lambda: L.lv_saxpy(ptr, n, 2.0, xa, ya, oa),
                                     lambda: lc.saxpy(2.0, x, y, out=out, context=ctx),
                                     args.number, args.repeats))

    if lc.available_operations()["localmax"]:
        p = L.LocalmaxParams()
        L.lv_localmax_params_init(ctypes.byref(p))
        off = np.array([0, n], np.uint64)
        oi, oo = np.empty(n, np.uint32), np.empty(2, np.uint64)
        args_c = (ptr, ctypes.byref(p), 1, off.ctypes.data, x.ctypes.data, n, oi.ctypes.data,
                  oo.ctypes.data)
        rows.append(("localmax",) + measure(lambda: L.lv_localmax(*args_c),
                                            lambda: lc.localmax(x, context=ctx), args.number,
                                            args.repeats))
    else:
        print("localmax: skipped (%s does not export lv_localmax)" % lc.library_path)

    if lc.available_operations()["centroid"]:
        p = L.CentroidParams()
        L.lv_centroid_params_init(ctypes.byref(p))
        off = np.array([0, n], np.uint64)
        om, oi, oo = np.empty(n), np.empty(n, np.float32), np.empty(2, np.uint64)
        args_c = (ptr, ctypes.byref(p), 1, off.ctypes.data, mz.ctypes.data, x.ctypes.data, n,
                  om.ctypes.data, oi.ctypes.data, None, oo.ctypes.data)
        rows.append(("centroid",) + measure(lambda: L.lv_centroid(*args_c),
                                            lambda: lc.centroid(mz, x, context=ctx),
                                            args.number, args.repeats))
    else:
        print("centroid: skipped (%s does not export lv_centroid)" % lc.library_path)

    denoise_off = np.array([0, n], np.uint64)
    den_out = np.empty(n, np.float32)
    for name, cfn, params, wrapped in (
            ("wavelet", "lv_wavelet_denoise", lc.denoise.wavelet_params(),
             lambda: lc.wavelet_denoise(x, out=den_out, context=ctx)),
            ("savgol", "lv_savgol", lc.denoise.savgol_params(),
             lambda: lc.savgol(x, out=den_out, context=ctx))):
        if not L.available[cfn]:
            print("%s: skipped (%s does not export %s)" % (name, lc.library_path, cfn))
            continue
        fn = getattr(L, cfn)
        args_c = (ptr, ctypes.byref(params), 1, denoise_off.ctypes.data, x.ctypes.data,
                  den_out.ctypes.data)
        rows.append((name,) + measure(lambda fn=fn, a=args_c: fn(*a), wrapped, args.number,
                                      args.repeats))

    # bayes_update on 1,000 hypotheses x 1 piece of evidence: the per-spectrum-sized call
    if L.available["lv_bayes_update"]:
        lk = rng.random((n, 1))
        prior = np.full(n, 1.0 / n)
        post = np.empty(n)
        outcome = ctypes.c_int(0)
        args_c = (ptr, n, 1, lk.ctypes.data, prior.ctypes.data, post.ctypes.data,
                  ctypes.byref(outcome))
        rows.append(("bayes_update",) + measure(lambda: L.lv_bayes_update(*args_c),
                                                lambda: lc.bayes_update(lk, prior, context=ctx),
                                                args.number, args.repeats))
    else:
        print("bayes_update: skipped (%s does not export lv_bayes_update)" % lc.library_path)

    print("%-12s %14s %14s %14s  %s" % ("operation", "direct_us", "wrapper_us", "overhead_us",
                                        "bound"))
    for name, direct, wrapped, over in rows:
        good = over < BOUND_US
        ok &= good
        print("%-12s %14.2f %14.2f %14.2f  %s (< %.0f us)" % (name, direct, wrapped, over,
                                                            "PASS" if good else "FAIL",
                                                            BOUND_US))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
