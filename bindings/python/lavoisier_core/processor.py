"""The Lavoisier framework's integration layer (its `AcceleratedProcessor`), backed by this
library: streaming reads, peak detection and centroiding run in C (on the GPU when the context
has one)."""
import numpy as np

from . import _lib as L
from . import ops
from .batch import Batch, Spectrum
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

    def accelerated_ai_processing(self, spectrum, snr=3.0):
        """Processes one spectrum (a Spectrum, or an (mz, intensity) pair) with the library's
        operations that exist in the loaded build, and says which stages are not available.

        Returns {"centroids": (mz, intensity) of the peaks (lv_centroid, noise = 1.4826 * MAD,
        intensity >= snr * noise), "unavailable": {stage: reason}}.  The framework's
        "cleaned_spectrum" (zengeza wavelet noise reduction) and "bayesian_posteriors"
        (mzekezeke evidence network) stages need the denoise and Bayesian operations of
        issues #4 and #5, which this library does not provide yet; they are reported under
        "unavailable" rather than imitated."""
        if isinstance(spectrum, (Spectrum, Batch)):
            mz, intensity = spectrum.mz, spectrum.intensity
        else:
            mz, intensity = spectrum
        result = {"unavailable": {
            "cleaned_spectrum": "needs the denoise operation (issue #4), not in %s"
                                % L.library_path,
            "bayesian_posteriors": "needs the Bayesian evidence operations (issue #5), not in %s"
                                   % L.library_path,
        }}
        if L.available["lv_centroid"]:
            c = ops.centroid(mz, intensity, snr=snr, context=self.context)
            result["centroids"] = (c.mz, c.intensity)
        else:
            result["unavailable"]["centroids"] = "needs lv_centroid, not in %s" % L.library_path
        return result
