"""Denoising (issue #4): wavelet shrinkage, Savitzky-Golay, SNIP baseline, noise level and the
zengeza pipeline, per spectrum.

Every function takes one spectrum as a 1-D intensity array, several spectra in CSR form
(intensity values plus offsets: spectrum i = values[offsets[i]:offsets[i+1]]), a Spectrum, or a
Batch (its intensity column and offsets).  It returns a new float32 array laid out like the input
values; ``inplace=True`` overwrites the input instead (it must then be a C-contiguous float32
array, e.g. a Batch's writable intensity view), and ``out=`` names a caller array to fill.
Points outside every spectrum (a CSR sub-range) keep their input values.

``denoise_batch(batch, method=...)`` is the batch form of the C library: a new Batch whose
selected profile spectra carry the denoised intensities (processed flag 1), every other record
copied.  The C docs (include/lavoisier.h, "Denoising") give each operation's reference: PyWavelets
for the wavelets, scipy.signal.savgol_filter(mode='interp') for Savitzky-Golay, MALDIquant for
SNIP."""
import ctypes

import numpy as np

from . import _lib as L
from .batch import Batch, Spectrum
from .context import default_context
from .ops import _addr, _csr, _ctx, _f32

_byref = ctypes.byref

#: Wavelet names (PyWavelets spelling) -> lv_wavelet.
WAVELETS = {"haar": 0, "db2": 1, "db3": 2, "db4": 3, "db5": 4, "db6": 5, "db7": 6, "db8": 7,
            "sym4": 8, "sym5": 9, "sym6": 10, "sym7": 11, "sym8": 12}
_THRESHOLD_MODES = {"soft": 0, "hard": 1}
_NOISE_METHODS = {"mad": 0, "median": 1}
METHODS = {"zengeza": 0, "wavelet": 1, "savgol": 2, "snip": 3}


def _choice(table, value, what):
    try:
        return table[value]
    except (KeyError, TypeError):
        raise ValueError("%s must be one of %s, not %r" % (what, sorted(table), value)) from None


def _uint(value, what):
    v = int(value)
    if not 0 <= v < 1 << 32:
        raise ValueError("%s must fit in uint32, not %r" % (what, value))
    return v


# ---- parameter structs (None keeps the library default of *_params_init) ------------------------
def wavelet_params(wavelet="db4", level=None, mode="soft", threshold=None, into=None):
    p = into if into is not None else L.WaveletParams()
    L.lv_wavelet_params_init(_byref(p))
    p.wavelet = _choice(WAVELETS, wavelet, "wavelet")
    if level is not None:
        p.level = _uint(level, "level")
    p.mode = _choice(_THRESHOLD_MODES, mode, "mode")
    if threshold is not None:
        p.threshold = float(threshold)  # < 0: the universal threshold per spectrum
    return p


def savgol_params(window=None, polyorder=None, into=None):
    p = into if into is not None else L.SavgolParams()
    L.lv_savgol_params_init(_byref(p))
    if window is not None:
        p.window = _uint(window, "window")
    if polyorder is not None:
        p.polyorder = _uint(polyorder, "polyorder")
    return p


def snip_params(iterations=None, decreasing=True, into=None):
    p = into if into is not None else L.SnipParams()
    L.lv_snip_params_init(_byref(p))
    if iterations is not None:
        p.iterations = _uint(iterations, "iterations")
    p.decreasing = 1 if decreasing else 0
    return p


def zengeza_params(iterations=None, decreasing=True, wavelet="db4", level=None, mode="soft",
                   threshold=None):
    p = L.ZengezaParams()
    L.lv_zengeza_params_init(_byref(p))
    snip_params(iterations, decreasing, into=p.snip)
    wavelet_params(wavelet, level, mode, threshold, into=p.wavelet)
    return p


# ---- the per-spectrum driver --------------------------------------------------------------------
def _input(data, offsets):
    """(float32 values, offsets or None) from an array, a Spectrum or a Batch."""
    if isinstance(data, Batch):
        return data.intensity, data.offsets
    if isinstance(data, Spectrum):
        return data.intensity, None
    return data, offsets


def _run(cfn, params, data, offsets, out, inplace, context):
    values, offsets = _input(data, offsets)
    if inplace:
        if not (isinstance(values, np.ndarray) and values.dtype == np.float32 and
                values.ndim == 1 and values.flags.c_contiguous and values.flags.writeable):
            raise ValueError("inplace needs a writable C-contiguous 1-D float32 array")
        x = values
    else:
        x = _f32(values)
    if x.ndim != 1:
        raise ValueError("intensity must be 1-D (use offsets for several spectra)")
    off, n, _ = _csr(x.size, offsets)
    if inplace:
        out = x
    elif out is None:
        covers = n == 0 or (int(off[0]) == 0 and int(off[-1]) == x.size)
        out = np.empty_like(x) if covers else x.copy()  # keep the points outside the spectra
    elif not (out.dtype == np.float32 and out.shape == x.shape and out.flags.c_contiguous and
              out.flags.writeable):
        raise ValueError("out must be a writable C-contiguous float32 array shaped like the "
                         "intensity")
    cfn(_ctx(context), _byref(params), n, _addr(off), _addr(x), _addr(out))
    return out


def wavelet_denoise(intensity, offsets=None, wavelet="db4", level=None, mode="soft",
                    threshold=None, out=None, inplace=False, context=None):
    """Wavelet shrinkage of every spectrum (lv_wavelet_denoise): pywt.wavedec(x, wavelet,
    'symmetric', level), the detail coefficients thresholded (soft or hard; threshold None = the
    universal sigma * sqrt(2 ln n), sigma = median(|finest details|) / 0.6745, per spectrum),
    pywt.waverec, cut to len(x).  level None: pywt.dwt_max_level per spectrum."""
    return _run(L.lv_wavelet_denoise, wavelet_params(wavelet, level, mode, threshold),
                intensity, offsets, out, inplace, context)


def savgol(intensity, offsets=None, window=None, polyorder=None, out=None, inplace=False,
           context=None):
    """Savitzky-Golay smoothing (lv_savgol) = scipy.signal.savgol_filter(x, window, polyorder,
    mode='interp') per spectrum; spectra shorter than the window are copied.  Library defaults:
    window 11, polyorder 4."""
    return _run(L.lv_savgol, savgol_params(window, polyorder), intensity, offsets, out, inplace,
                context)


def snip_baseline(intensity, offsets=None, iterations=None, decreasing=True, out=None,
                  inplace=False, context=None):
    """The SNIP baseline of every spectrum (lv_snip_baseline, MALDIquant's semantics; default
    100 iterations, decreasing windows)."""
    return _run(L.lv_snip_baseline, snip_params(iterations, decreasing), intensity, offsets, out,
                inplace, context)


def snip_remove(intensity, offsets=None, iterations=None, decreasing=True, out=None,
                inplace=False, context=None):
    """intensity - SNIP baseline (lv_snip_remove)."""
    return _run(L.lv_snip_remove, snip_params(iterations, decreasing), intensity, offsets, out,
                inplace, context)


def zengeza(intensity, offsets=None, iterations=None, decreasing=True, wavelet="db4", level=None,
            mode="soft", threshold=None, out=None, inplace=False, context=None):
    """The zengeza pipeline (lv_zengeza): SNIP baseline removal (iterations=0 skips it), wavelet
    shrinkage of the rest as wavelet_denoise, then max(y, 0)."""
    p = zengeza_params(iterations, decreasing, wavelet, level, mode, threshold)
    return _run(L.lv_zengeza, p, intensity, offsets, out, inplace, context)


def noise_level(intensity, offsets=None, method="mad", context=None):
    """Noise of every spectrum (lv_noise_level): "mad" = 1.4826 * median(|x - median(x)|),
    "median" = median(x); 0 for empty spectra.  A float for one spectrum (1-D input without
    offsets, or a Spectrum), else a float64 array of n_spectra."""
    values, offsets = _input(intensity, offsets)
    x = _f32(values)
    if x.ndim != 1:
        raise ValueError("intensity must be 1-D (use offsets for several spectra)")
    off, n, single = _csr(x.size, offsets)
    p = L.NoiseParams()
    L.lv_noise_params_init(_byref(p))
    p.method = _choice(_NOISE_METHODS, method, "method")
    out = np.empty(n, np.float64)
    L.lv_noise_level(_ctx(context), _byref(p), n, _addr(off), _addr(x), _addr(out))
    return float(out[0]) if single else out


def denoise_batch(batch, method="zengeza", ms_levels=None, wavelet="db4", level=None,
                  mode="soft", threshold=None, window=None, polyorder=None, iterations=None,
                  decreasing=True, context=None):
    """lv_denoise_batch: a new Batch with the same records in which the profile (or unknown)
    spectra of the selected MS levels (ms_levels, e.g. (1,); None = every level) carry the
    method's intensities ("zengeza", "wavelet", "savgol" or "snip" = snip_remove) and processed
    flag 1; every other record is copied.  The input batch is not modified."""
    if not isinstance(batch, Batch):
        raise TypeError("denoise_batch takes a Batch")
    p = L.DenoiseParams()
    L.lv_denoise_params_init(_byref(p))
    p.method = _choice(METHODS, method, "method")
    wavelet_params(wavelet, level, mode, threshold, into=p.wavelet)
    savgol_params(window, polyorder, into=p.savgol)
    snip_params(iterations, decreasing, into=p.snip)
    if ms_levels is not None:
        mask = 0
        for lvl in ms_levels:
            if not 0 <= int(lvl) < 32:
                raise ValueError("MS levels are 0..31, not %r" % (lvl,))
            mask |= 1 << int(lvl)
        p.ms_levels = mask
    ctx = context if context is not None else default_context()
    out = ctypes.c_void_p()
    L.lv_denoise_batch(ctx.ptr, _byref(p), batch.ptr, _byref(out))
    return Batch(out.value, (ctx.handle,))


__all__ = ["wavelet_denoise", "savgol", "snip_baseline", "snip_remove", "zengeza", "noise_level",
           "denoise_batch", "WAVELETS", "METHODS"]
