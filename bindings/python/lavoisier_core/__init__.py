"""lavoisier_core: Python bindings of liblavoisier (Lavoisier core) over its C ABI (ctypes).

    import lavoisier_core as lc
    with lc.open("run.mzML") as reader:
        print(reader.info)
        for batch in reader:                 # CSR batches, numpy views without copies
            batch.mz, batch.intensity, batch.offsets, batch.ms_level, batch.rt
        mz, intensity = reader[0]            # one spectrum; also reader.by_id(), reader.by_rt()
    clean = lc.zengeza(intensity)            # denoising: also wavelet_denoise, savgol, snip_*
    post = lc.bayes_update(likelihood, prior).posterior      # Bayesian fusion, posterior_batch
    ann = lc.annotate(lc.CompoundDB(), mz, intensity)        # accurate-mass annotation
    img = lc.frames(batch, mode="heatmap")   # (n_frames, H, W, C) uint8; write_png, Video

The library is found through the LAVOISIER_LIBRARY environment variable (a path), else the copy
installed next to this package, else the system's liblavoisier.so.0; its major version must be
this package's.  Every failing C call raises LavoisierError carrying lv_last_error() (file,
byte offset, record and failed check).

Threads: ctypes releases the GIL during every C call.  Contexts and batches may be shared by
threads; a Reader or Writer serves one thread at a time (Reader serializes its calls with a
lock); open one Reader per thread to read in parallel (also on the same file).
"""
from . import _lib
from ._errors import STATUS, LavoisierError
from .batch import Batch, Spectrum
from .context import Context, cuda_device_count, default_context
from .ops import (Centroids, Peaks, available_operations, centroid, centroid_batch, localmax,
                  saxpy, simulate)
from .annotate import Adduct, Annotation, Compound, CompoundDB, annotate
from .bayes import (BayesUpdate, PosteriorBatch, bayes_update, posterior_batch,
                    weights_from_bernoulli)
from .denoise import (denoise_batch, noise_level, savgol, snip_baseline, snip_remove,
                      wavelet_denoise, zengeza)
from .processor import AcceleratedProcessor
from .raster import (PngSequence, Video, frame_params, frame_shape, frames, frames_count, render,
                     write_png)
from .reader import FileInfo, Reader, open
from .writer import Writer

__version__ = "0.1.0"
library_path = _lib.library_path
library_origin = _lib.library_origin
has = _lib.has


def version():
    """The loaded C library's version string ("MAJOR.MINOR.PATCH")."""
    return _lib.lv_version().decode()


__all__ = ["AcceleratedProcessor", "Adduct", "Annotation", "Batch", "BayesUpdate", "Centroids",
           "Compound", "CompoundDB", "Context", "FileInfo", "LavoisierError", "Peaks",
           "PngSequence", "PosteriorBatch", "Reader", "STATUS", "Spectrum", "Video", "Writer",
           "annotate", "available_operations", "bayes_update", "centroid", "centroid_batch",
           "cuda_device_count", "default_context", "denoise_batch", "frame_params", "frame_shape",
           "frames", "frames_count", "has", "library_origin", "library_path", "localmax",
           "noise_level", "open", "posterior_batch", "render", "savgol", "saxpy", "simulate",
           "snip_baseline", "snip_remove", "version", "wavelet_denoise", "weights_from_bernoulli",
           "write_png", "zengeza"]
