"""Operations on spectra: each accepts a Batch, a Spectrum, or plain numpy arrays (1-D for one
spectrum, or CSR: values plus offsets, spectrum i = values[offsets[i]:offsets[i+1]]).

Inputs already in the C types (float64 m/z, float32 intensity, uint64 offsets, C-contiguous) are
passed to C without copying; anything else is converted once.  Operations run on the context's
backend (default_context() when none is given): the GPU when the context has one."""
import ctypes
import os
from collections import namedtuple

import numpy as np

from . import _lib as L
from ._errors import LavoisierError
from .batch import Batch, Spectrum
from .context import default_context

Peaks = namedtuple("Peaks", "index offsets")
Peaks.__doc__ = """lv_localmax result (CSR): positions of spectrum i's peaks, relative to its
first point, are index[offsets[i]:offsets[i+1]] (uint32, ascending)."""
Centroids = namedtuple("Centroids", "mz intensity offsets fwhm")
Centroids.__doc__ = """lv_centroid result (CSR): spectrum i's centroids are
mz/intensity[offsets[i]:offsets[i+1]]; fwhm is None unless asked for."""

_byref = ctypes.byref
_char_from_buffer = ctypes.c_char.from_buffer
_addressof = ctypes.addressof


def _addr(a):
    """The data address of a numpy array.  Through the buffer protocol (~0.2 us) where the array
    is writable and not empty, else numpy's ctypes interface (~1 us)."""
    try:
        return _addressof(_char_from_buffer(a))
    except (TypeError, ValueError):
        return a.ctypes.data


def _ctx(context):
    return (context if context is not None else default_context()).ptr


def _f32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


def _f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def _csr(values_len, offsets):
    """(offsets as uint64 C array, n_spectra, single) checked against the value array length, so
    that C never reads past the caller's arrays."""
    if offsets is None:
        return np.array((0, values_len), dtype=np.uint64), 1, True
    off = np.ascontiguousarray(offsets, dtype=np.uint64)
    if off.ndim != 1 or off.size < 1:
        raise ValueError("offsets must be 1-D with n_spectra + 1 entries")
    if off.size > 1 and (np.any(off[1:] < off[:-1]) or int(off[-1]) > values_len):
        raise ValueError("offsets must be non-decreasing and end at most at the %d values"
                         % values_len)
    return off, off.size - 1, False


def _unpack(data, offsets, need_mz):
    """(mz or None, intensity, offsets) from a Batch, a Spectrum, a (mz, intensity) pair or an
    intensity array."""
    if isinstance(data, Batch):
        return (data.mz if need_mz else None), data.intensity, data.offsets
    if isinstance(data, Spectrum):
        return (data.mz if need_mz else None), data.intensity, offsets
    return None, data, offsets


# ---- saxpy --------------------------------------------------------------------------------------
def saxpy(a, x, y, out=None, context=None):
    """out = a * x + y over float32 arrays, on the context's backend (the compute path
    self-test).  Returns out."""
    x, y = _f32(x), _f32(y)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-D arrays of one length")
    if out is None:
        out = np.empty_like(x)
    elif out.dtype != np.float32 or out.shape != x.shape or not out.flags.c_contiguous:
        raise ValueError("out must be a contiguous float32 array shaped like x")
    L.lv_saxpy(_ctx(context), x.size, a, _addr(x), _addr(y), _addr(out))
    return out


# ---- localmax -----------------------------------------------------------------------------------
_localmax_params = {}


def _lm_params(min_height, min_distance):
    key = (min_height, min_distance)
    p = _localmax_params.get(key)
    if p is None:
        if int(min_distance) < 1:
            raise ValueError("min_distance must be >= 1")
        p = L.LocalmaxParams()
        L.lv_localmax_params_init(_byref(p))
        if min_height is not None:
            p.min_height = float(min_height)
        p.min_distance = int(min_distance)
        if len(_localmax_params) > 256:
            _localmax_params.clear()
        _localmax_params[key] = p
    return p


def localmax(intensity, offsets=None, min_height=None, min_distance=1, context=None):
    """Local maxima, exactly scipy.signal.find_peaks(x, height=min_height, distance=min_distance)
    per spectrum.  1-D input without offsets: returns the peak positions (uint32).  A Batch or CSR
    input (intensity + offsets): returns Peaks(index, offsets), positions relative to each
    spectrum's first point."""
    _, x, offsets = _unpack(intensity, offsets, False)
    x = _f32(x)
    if x.ndim != 1:
        raise ValueError("intensity must be 1-D (use offsets for several spectra)")
    off, n, single = _csr(x.size, offsets)
    cap = int(off[-1] - off[0]) if n else 0
    out_index = np.empty(cap, dtype=np.uint32)
    out_off = np.empty(n + 1, dtype=np.uint64)
    L.lv_localmax(_ctx(context), _lm_params(min_height, min_distance), n, _addr(off), _addr(x),
                  cap, _addr(out_index), _addr(out_off))
    if single:
        return out_index[:int(out_off[1])]
    return Peaks(out_index[:int(out_off[-1])], out_off)


# ---- centroid -----------------------------------------------------------------------------------
_INTENSITY_MODES = {"apex": 0, "area": 1}


_centroid_param_cache = {}


def _centroid_params(*key):
    p = _centroid_param_cache.get(key)
    if p is None:
        p = _make_centroid_params(*key)
        if len(_centroid_param_cache) > 256:
            _centroid_param_cache.clear()
        _centroid_param_cache[key] = p
    return p


def _make_centroid_params(snr, min_intensity, noise, intensity, ms_levels, fwhm):
    p = L.CentroidParams()
    L.lv_centroid_params_init(_byref(p))
    p.snr = float(snr)
    p.min_intensity = float(min_intensity)
    p.noise = float(noise)
    if intensity not in _INTENSITY_MODES:
        raise ValueError("intensity must be 'apex' or 'area'")
    p.intensity = _INTENSITY_MODES[intensity]
    if ms_levels is not None:
        p.ms_levels = sum(1 << int(level) for level in ms_levels)
    p.fwhm = 1 if fwhm else 0
    return p


def centroid(mz, intensity=None, offsets=None, snr=0.0, min_intensity=0.0, noise=0.0,
             intensity_mode="apex", fwhm=False, ms_levels=None, context=None):
    """Profile to centroid (lv_centroid).  centroid(batch) -> a new Batch (lv_centroid_batch:
    ms_levels, e.g. (1,), selects the levels to centroid; other records are copied).
    centroid(spectrum) or centroid(mz, intensity[, offsets]) -> Centroids(mz, intensity, offsets,
    fwhm).  noise = 0: each spectrum's 1.4826 * MAD; peaks need intensity >=
    max(min_intensity, snr * noise)."""
    if ms_levels is not None:
        ms_levels = tuple(ms_levels)
    params = _centroid_params(snr, min_intensity, noise, intensity_mode, ms_levels, fwhm)
    if isinstance(mz, Batch):
        return _centroid_batch(mz, params, context)
    if isinstance(mz, Spectrum):
        mz, intensity = mz.mz, mz.intensity
    if intensity is None:
        raise TypeError("centroid needs a Batch, a Spectrum, or mz and intensity arrays")
    m, x = _f64(mz), _f32(intensity)
    if m.shape != x.shape or m.ndim != 1:
        raise ValueError("mz and intensity must be 1-D arrays of one length")
    off, n, _ = _csr(x.size, offsets)
    cap = int(off[-1] - off[0]) if n else 0
    out_mz = np.empty(cap, np.float64)
    out_int = np.empty(cap, np.float32)
    out_fwhm = np.empty(cap, np.float32) if fwhm else None
    out_off = np.empty(n + 1, np.uint64)
    L.lv_centroid(_ctx(context), _byref(params), n, _addr(off), _addr(m), _addr(x), cap,
                  _addr(out_mz), _addr(out_int), _addr(out_fwhm) if fwhm else None,
                  _addr(out_off))
    k = int(out_off[-1])
    return Centroids(out_mz[:k], out_int[:k], out_off, out_fwhm[:k] if fwhm else None)


def _centroid_batch(batch, params, context):
    ctx = context if context is not None else default_context()
    out = ctypes.c_void_p()
    L.lv_centroid_batch(ctx.ptr, _byref(params), batch.ptr, _byref(out))
    return Batch(out.value, (ctx.handle,))


def centroid_batch(batch, snr=0.0, min_intensity=0.0, noise=0.0, intensity_mode="apex",
                   fwhm=False, ms_levels=None, context=None):
    """lv_centroid_batch: a new Batch with the same records, the selected profile (or unknown)
    spectra centroided (representation 2, processed 1), the others copied."""
    if not isinstance(batch, Batch):
        raise TypeError("centroid_batch takes a Batch")
    levels = tuple(ms_levels) if ms_levels is not None else None
    return _centroid_batch(
        batch, _centroid_params(snr, min_intensity, noise, intensity_mode, levels, fwhm), context)


# ---- simulator ----------------------------------------------------------------------------------
def simulate(path, target_bytes=None, seed=None, ms1_points=None, ms2_per_cycle=None,
             n_compounds=None, cycle_seconds=None, compress=True):
    """Writes a realistic deterministic LC-MS/MS run (indexedmzML, MS1 profile + MS2 centroid) to
    path; None keeps the library default.  Returns path."""
    p = L.SimulateParams()
    L.lv_simulate_params_init(_byref(p))
    for name, value in (("target_bytes", target_bytes), ("seed", seed),
                        ("ms1_points", ms1_points), ("ms2_per_cycle", ms2_per_cycle),
                        ("n_compounds", n_compounds)):
        if value is not None:
            setattr(p, name, int(value))
    if cycle_seconds is not None:
        p.cycle_seconds = float(cycle_seconds)
    p.compress = 1 if compress else 0
    L.lv_simulate(os.fsencode(os.fspath(path)), _byref(p))
    return path


def available_operations():
    """{operation: bool}: which optional operations the loaded library exports."""
    return {"localmax": L.available["lv_localmax"], "centroid": L.available["lv_centroid"],
            "centroid_batch": L.available["lv_centroid_batch"],
            "writer": L.available["lv_writer_open"],
            "denoise": L.available["lv_zengeza"], "bayes": L.available["lv_bayes_update"],
            "annotate": L.available["lv_annotate"], "frames": L.available["lv_frames"],
            "video": L.available["lv_video_open"]}


__all__ = ["saxpy", "localmax", "centroid", "centroid_batch", "simulate", "Peaks", "Centroids",
           "available_operations", "LavoisierError"]
