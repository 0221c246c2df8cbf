#!/usr/bin/env python3
"""bench_denoise_peers.py FILE [REPEATS] - the peers of bench_denoise on the same data: raw
float32, 1,000 spectra x 10,000 points, as bench_denoise writes it.  Per spectrum, in float64:
PyWavelets wavedec(db4, symmetric, max level) -> soft universal threshold -> waverec, and
scipy.signal.savgol_filter(x, 11, 4, mode='interp').  Prints every run and the medians in
Mpoints/s (the issue's figures on its machine: PyWavelets 16.5, OpenMS NoiseFilterSGolay 22.5)."""
import math
import statistics
import sys
import time

import numpy as np

N_SPECTRA, N_POINTS = 1000, 10000


def wavelet_all(data, pywt):
    w = pywt.Wavelet("db4")
    for x in data:
        level = pywt.dwt_max_level(len(x), w.dec_len)
        c = pywt.wavedec(x, w, mode="symmetric", level=level)
        t = np.median(np.abs(c[-1])) / 0.6745 * math.sqrt(2 * math.log(len(x)))
        c[1:] = [pywt.threshold(d, t, mode="soft") for d in c[1:]]
        pywt.waverec(c, w, mode="symmetric")[: len(x)]


def savgol_all(data, signal):
    for x in data:
        signal.savgol_filter(x, 11, 4, mode="interp")


def main():
    data = np.fromfile(sys.argv[1], dtype=np.float32).reshape(N_SPECTRA, N_POINTS)
    data = data.astype(np.float64)
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    peers = []
    try:
        import pywt
        peers.append(("pywavelets_db4_soft_universal", lambda: wavelet_all(data, pywt)))
    except ImportError:
        print("# PyWavelets not importable: skipped")
    try:
        import scipy.signal
        peers.append(("scipy_savgol_11_4", lambda: savgol_all(data, scipy.signal)))
    except ImportError:
        print("# scipy not importable: skipped")
    for name, fn in peers:
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
            print(f"run\t{name}\t1\t{times[-1]:.4f} s\t{data.size / times[-1] / 1e6:.1f} Mpoints/s")
        med = statistics.median(times)
        print(f"median\t{name}\t1 thread\t{med:.4f} s\t{data.size / med / 1e6:.1f} Mpoints/s")


if __name__ == "__main__":
    main()
