#!/usr/bin/env python3
"""Read an mzML file with lavoisier_core, centroid one profile spectrum, and plot it.

    python3 examples/read_centroid_plot.py [FILE.mzML] [--out spectrum.png]

Without FILE, a small LC-MS/MS run is simulated first (lavoisier_core.simulate).  The library is
found as the package documents (LAVOISIER_LIBRARY, the package's copy, the system soname).  The
plot needs matplotlib; without it the script says so and still reports the centroids."""
import argparse
import os
import sys

import numpy as np

import lavoisier_core as lc


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", help="mzML file (default: simulate one)")
    ap.add_argument("--out", default="spectrum.png", help="PNG to write (default spectrum.png)")
    ap.add_argument("--workdir", default=".", help="where a simulated file goes")
    args = ap.parse_args()

    path = args.file
    if path is None:
        path = os.path.join(args.workdir, "simulated.mzML")
        lc.simulate(path, target_bytes=4 << 20, seed=7)
        print("simulated %s (%d bytes)" % (path, os.path.getsize(path)))

    print("liblavoisier %s from %s" % (lc.version(), lc.library_path))
    ctx = lc.Context()
    print("backend: %s, %d threads" % (ctx.backend_name, ctx.threads))
    with lc.open(path, context=ctx) as reader:
        info = reader.info
        print("%s: %d spectra, %d chromatograms, index %s, mzML %s" % (
            path, info.n_spectra, info.n_chromatograms, info.index_state, info.mzml_version))
        # the most intense spectrum, preferring profile MS1 (what centroiding is for)
        best, best_key = None, None
        for batch in reader:
            tic = np.add.reduceat(batch.intensity.astype(np.float64),
                                  batch.offsets[:-1].astype(np.int64)) if batch.n_points else []
            for i, s in enumerate(batch):
                key = (s.representation == "profile", len(s.mz) > 0 and float(tic[i]))
                if best_key is None or key > best_key:
                    best, best_key = s, key
        if best is None:
            print("no spectra")
            return 0
        print("spectrum %d %r: MS%d %s, rt %.2f s, %d points" % (
            best.index, best.id, best.ms_level, best.representation, best.rt, len(best.mz)))

        centroids = None
        if lc.available_operations()["centroid"] and best.representation != "centroid":
            centroids = lc.centroid(best, snr=3.0, context=ctx)
            top = np.argsort(centroids.intensity)[::-1][:5]
            print("%d centroids (snr >= 3); most intense:" % centroids.mz.size)
            for k in sorted(top):
                print("  m/z %.5f  intensity %.4g" % (centroids.mz[k], centroids.intensity[k]))
        elif best.representation == "centroid":
            print("the spectrum is already centroided")
        else:
            print("centroiding is not available: %s does not export lv_centroid yet"
                  % lc.library_path)

    try:
        import matplotlib
        matplotlib.use(os.environ.get("MPLBACKEND", "Agg"))
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return 0
    # Left: the whole spectrum.  Right: a close-up of the most intense centroid, where the
    # profile's points and the fitted apex can be told apart (at full width a profile peak is
    # narrower than a pixel and hides under its centroid's stem).
    zoom = centroids is not None and len(centroids.mz) > 0
    fig, axes = plt.subplots(1, 2 if zoom else 1, figsize=(13 if zoom else 10, 4),
                             gridspec_kw={"width_ratios": [3, 1]} if zoom else None)
    axes = list(axes) if zoom else [axes]
    for k, ax in enumerate(axes):
        if best.representation == "centroid":
            ax.vlines(best.mz, 0, best.intensity, lw=0.8, label="centroid data")
        else:
            ax.plot(best.mz, best.intensity, lw=0.6, marker="." if k else None,
                    label="profile")
        if centroids is not None:
            ax.vlines(centroids.mz, 0, centroids.intensity, colors="r", lw=0.8,
                      label="centroids")
        ax.set_xlabel("m/z")
        ax.set_ylabel("intensity")
    if zoom:
        top = int(centroids.intensity.argmax())
        centre = float(centroids.mz[top])
        half = max(0.05, 20e-6 * centre)  # +-20 ppm, at least 0.05 m/z
        axes[1].set_xlim(centre - half, centre + half)
        axes[1].set_title("close-up at m/z %.4f" % centre)
    axes[0].set_title("%s  spectrum %s" % (os.path.basename(path), best.id))
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print("plot written to %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
