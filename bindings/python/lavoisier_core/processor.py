"""The Lavoisier framework's integration layer (its `AcceleratedProcessor`), backed by this
library: streaming reads, peak detection, centroiding, denoising, Bayesian fusion and annotation
run in C (on the GPU when the context has one and the operation has a kernel)."""
import numpy as np

from . import bayes as bayes_ops
from . import denoise as denoise_ops
from . import ops
from .annotate import annotate as _annotate
from .batch import Spectrum
from .context import Context
from .reader import Reader


class AcceleratedProcessor:
    """High-level entry points of the Lavoisier framework.

    ``min_height`` / ``min_distance`` are the peak-detection settings of
    process_large_dataset() (the framework's values by default); ``context`` the backend (a new
    Context(device) when None)."""

    def __init__(self, context=None, device="auto", min_height=1000.0, min_distance=5):
        self.context = context if context is not None else Context(device)
        self.min_height = min_height
        self.min_distance = min_distance

    def process_large_dataset(self, mzml_files, chunk_size=1000000):
        """Streams every file in batches of about chunk_size points and detects the peaks of each
        spectrum (lv_localmax: scipy find_peaks with height=min_height, distance=min_distance,
        within each spectrum).  Returns one (mz, intensity) pair of peak arrays per chunk, in
        file and document order."""
        results = []
        for path in mzml_files:
            with Reader(path, context=self.context, batch_points=chunk_size) as reader:
                for batch in reader:
                    peaks = ops.localmax(batch, min_height=self.min_height,
                                         min_distance=self.min_distance, context=self.context)
                    # Peak positions are per spectrum: make them positions in the batch arrays.
                    counts = np.diff(peaks.offsets).astype(np.int64)
                    starts = batch.offsets[:-1].astype(np.int64)
                    pos = peaks.index.astype(np.int64) + np.repeat(starts, counts)
                    results.append((batch.mz[pos], batch.intensity[pos]))
                    batch.close()
        return results

    def accelerated_ai_processing(self, spectrum, compound_db=None, likelihood=None, prior=None,
                                  snr=3.0, denoise="zengeza", polarity=0, **annotate_options):
        """The framework's per-spectrum "AI" stage, done with the library's operations only.

        spectrum: a Spectrum or an (mz, intensity) pair (treated as profile data).
          1. cleaned_spectrum: noise reduction of the intensities, lv_zengeza (SNIP baseline
             removal, wavelet shrinkage, clamp at 0) or lv_wavelet_denoise (denoise="wavelet").
             Skipped for centroid spectra (the input is then used as is).
          2. centroids: lv_centroid of the cleaned profile, with the noise level measured on the
             raw intensities (lv_noise_level, 1.4826 * MAD), keeping apexes >= snr * noise.
          3. bayesian_posteriors, only from evidence the caller gives:
             - compound_db (a CompoundDB): lv_annotate of the centroids (ppm error, isotope and
               adduct evidence against "no match"); the value is the Annotation (per peak
               no_match_posterior, per candidate posterior); annotate_options go to annotate();
             - likelihood (hypotheses x evidence) with an optional prior: lv_bayes_update; the
               value is the posterior array (and "degenerate" is set in the result).
             Without either, nothing is invented: "bayesian_posteriors" is absent and
             "unavailable" says what is needed.

        Returns {"cleaned_spectrum": (mz, intensity) or None, "centroids": (mz, intensity),
        "noise": float, "bayesian_posteriors": ..., "annotation": Annotation (with a DB),
        "unavailable": {stage: reason}}."""
        if denoise not in ("zengeza", "wavelet"):
            raise ValueError("denoise must be 'zengeza' or 'wavelet'")
        centroided = isinstance(spectrum, Spectrum) and spectrum.representation == "centroid"
        rt = None
        if isinstance(spectrum, Spectrum):
            mz, intensity = spectrum.mz, spectrum.intensity
            rt = spectrum.rt if spectrum.rt == spectrum.rt else None
            if polarity == 0 and spectrum.polarity in (1, -1):
                polarity = spectrum.polarity
        else:
            mz, intensity = spectrum
        mz = np.ascontiguousarray(mz, dtype=np.float64)
        intensity = np.ascontiguousarray(intensity, dtype=np.float32)
        result = {"unavailable": {}}
        ctx = self.context
        if centroided:
            result["cleaned_spectrum"] = None
            result["unavailable"]["cleaned_spectrum"] = "the spectrum is already centroided"
            result["noise"] = denoise_ops.noise_level(intensity, context=ctx)
            result["centroids"] = (mz, intensity)
        else:
            fn = denoise_ops.zengeza if denoise == "zengeza" else denoise_ops.wavelet_denoise
            cleaned = fn(intensity, context=ctx)
            result["cleaned_spectrum"] = (mz, cleaned)
            noise = denoise_ops.noise_level(intensity, context=ctx)
            result["noise"] = noise
            c = ops.centroid(mz, cleaned, snr=snr, noise=noise if noise > 0 else 0.0,
                             context=ctx)
            result["centroids"] = (c.mz, c.intensity)
        if compound_db is not None:
            cmz, cint = result["centroids"]
            ann = _annotate(compound_db, cmz, cint, rt=None if rt is None else [rt],
                            polarity=polarity, context=ctx, **annotate_options)
            result["annotation"] = ann
            result["bayesian_posteriors"] = ann
        elif likelihood is not None:
            upd = bayes_ops.bayes_update(likelihood, prior, context=ctx)
            result["bayesian_posteriors"] = upd.posterior
            result["degenerate"] = upd.degenerate
        else:
            result["unavailable"]["bayesian_posteriors"] = (
                "needs evidence: a compound_db to annotate the centroids against (lv_annotate) "
                "or a likelihood matrix (lv_bayes_update)")
        return result
