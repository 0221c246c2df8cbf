#!/usr/bin/env python3
"""The peer of bench/bench_frames.c: the same heatmap frames with numpy.histogram2d and a
matplotlib colormap, the way a Python pipeline (Lavoisier's own) draws them.

    python3 bench/frames_numpy.py DIR FRAMES REPS

DIR holds the spectra bench_frames wrote (offsets.u64, mz.f64, intensity.f32, rt.f64 and
params.txt: width height mz_min mz_max rt_start rt_window rt_stride).  Each repetition draws
frames 0..FRAMES-1: for frame k, the points of the spectra with rt in [t_k, t_k + window) are
binned with histogram2d (m/z rows, RT columns, summed intensities), log1p-scaled, divided by the
frame maximum and colormapped with viridis to uint8 RGB.  Prints one line per repetition:
"numpy_frames_per_s X"."""
import os
import sys
import time

import numpy as np
from matplotlib import colormaps


def main():
    d, n_frames, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    offsets = np.fromfile(os.path.join(d, "offsets.u64"), dtype=np.uint64).astype(np.int64)
    mz = np.fromfile(os.path.join(d, "mz.f64"), dtype=np.float64)
    inten = np.fromfile(os.path.join(d, "intensity.f32"), dtype=np.float32)
    rt = np.fromfile(os.path.join(d, "rt.f64"), dtype=np.float64)
    w, h, mz_min, mz_max, t0, window, stride = open(os.path.join(d, "params.txt")).read().split()
    w, h = int(w), int(h)
    mz_min, mz_max, t0, window, stride = map(float, (mz_min, mz_max, t0, window, stride))
    cmap = colormaps["viridis"]
    point_rt = np.repeat(rt, np.diff(offsets))
    out = np.empty((h, w, 3), dtype=np.uint8)
    for _ in range(reps):
        start = time.perf_counter()
        for k in range(n_frames):
            tk = t0 + k * stride
            first, last = np.searchsorted(rt, [tk, tk + window], side="left")
            a, b = offsets[first], offsets[last]
            img, _, _ = np.histogram2d(mz[a:b], point_rt[a:b], bins=[h, w],
                                       range=[[mz_min, mz_max], [tk, tk + window]],
                                       weights=inten[a:b])
            img = np.log1p(img)
            top = img.max()
            if top > 0:
                img /= top
            out[:] = cmap(img, bytes=True)[..., :3]
        print("numpy_frames_per_s %.3f" % (n_frames / (time.perf_counter() - start)), flush=True)


if __name__ == "__main__":
    main()
