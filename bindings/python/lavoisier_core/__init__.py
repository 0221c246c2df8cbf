"""lavoisier_core: Python bindings of liblavoisier (Lavoisier core) over its C ABI (ctypes).

    import lavoisier_core as lc
    with lc.open("run.mzML") as reader:
        print(reader.info)
        for batch in reader:                 # CSR batches, numpy views without copies
            batch.mz, batch.intensity, batch.offsets, batch.ms_level, batch.rt
        mz, intensity = reader[0]            # one spectrum; also reader.by_id(), reader.by_rt()

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
from .processor import AcceleratedProcessor
from .reader import FileInfo, Reader, open
from .writer import Writer

__version__ = "0.1.0"
library_path = _lib.library_path
library_origin = _lib.library_origin
has = _lib.has


def version():
    """The loaded C library's version string ("MAJOR.MINOR.PATCH")."""
    return _lib.lv_version().decode()


__all__ = ["AcceleratedProcessor", "Batch", "Centroids", "Context", "FileInfo", "LavoisierError",
           "Peaks", "Reader", "STATUS", "Spectrum", "Writer", "available_operations", "centroid",
           "centroid_batch", "cuda_device_count", "default_context", "has", "library_origin",
           "library_path", "localmax", "open", "saxpy", "simulate", "version"]
