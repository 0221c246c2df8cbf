"""Denoising wrappers against their references, live: PyWavelets (wavedec / threshold / waverec,
as the C docs state) and scipy.signal.savgol_filter(mode='interp'), plus numpy transcriptions of
MALDIquant's SNIP and of the MAD noise level.  Tolerance: 1e-6 relative to the spectrum's
largest reference magnitude (the library computes in double and stores float32)."""
import ctypes
import math
import warnings

import numpy as np
import pytest

import lavoisier_core as lc
from lavoisier_core import _lib
from conftest import needs

scipy_signal = pytest.importorskip("scipy.signal")
try:
    import pywt
except ImportError:  # pragma: no cover - depends on the machine
    pywt = None
needs_pywt = pytest.mark.skipif(pywt is None, reason="PyWavelets (pywt) is not importable: "
                                "pip install PyWavelets or apt-get install python3-pywt")

LENGTHS = [1, 2, 3, 5, 8, 16, 31, 64, 100, 127, 128, 255, 256, 1000, 1024]
WAVELETS = list(lc.denoise.WAVELETS)


def spectrum(rng, n):
    """Gaussian peaks on a sloped baseline with noise, float32, positive."""
    t = np.arange(n, dtype=np.float64)
    x = 50 + 20 * t / max(n, 1) + rng.normal(0, 5, n)
    for _ in range(max(1, n // 50)):
        x += rng.uniform(100, 5000) * np.exp(-0.5 * ((t - rng.uniform(0, n)) /
                                                    rng.uniform(1, 6)) ** 2)
    return np.abs(x).astype(np.float32)


def assert_close(got, ref, what):
    ref = np.asarray(ref, np.float64)
    scale = max(np.abs(ref).max(initial=0.0), 1e-30)
    err = np.abs(got.astype(np.float64) - ref).max(initial=0.0) / scale
    assert err <= 1e-6, "%s: relative error %.3g" % (what, err)


def wavelet_ref(x, wavelet, mode="soft", threshold=None, level=0):
    x = np.asarray(x, np.float64)
    n = len(x)
    w = pywt.Wavelet(wavelet)
    if level == 0:
        level = pywt.dwt_max_level(n, w.dec_len)
    if level == 0:
        return x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coeffs = pywt.wavedec(x, w, mode="symmetric", level=level)
    if threshold is None:
        threshold = np.median(np.abs(coeffs[-1])) / 0.6745 * math.sqrt(2.0 * math.log(n))
    out = [coeffs[0]]
    for d in coeffs[1:]:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = pywt.threshold(d, threshold, mode=mode)
        out.append(np.where(np.isnan(t) & (d == 0), 0.0, t))  # documented deviation: 0 stays 0
    return pywt.waverec(out, w, mode="symmetric")[:n]


def snip_ref(x, iterations=100, decreasing=True):
    """MALDIquant src/snip.c: one Jacobi step per window size."""
    y = np.asarray(x, np.float64).copy()
    n = len(y)
    for i in (range(iterations, 0, -1) if decreasing else range(1, iterations + 1)):
        if i < n - i:
            y[i:n - i] = np.minimum(y[i:n - i], (y[0:n - 2 * i] + y[2 * i:n]) / 2)
    return y


def csr(spectra):
    values = np.concatenate(spectra).astype(np.float32)
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in spectra])]).astype(np.uint64)
    return values, offsets


@needs("denoise")
@needs_pywt
def test_wavelet_denoise_equals_pywavelets():
    rng = np.random.default_rng(3)
    checked = 0
    for n in LENGTHS:
        x = spectrum(rng, n)
        for k, wavelet in enumerate(WAVELETS):
            mode = "soft" if k % 2 == 0 else "hard"
            level = 0 if k % 3 else 2
            got = lc.wavelet_denoise(x, wavelet=wavelet, mode=mode, level=level or None)
            assert got.dtype == np.float32 and got.shape == x.shape
            assert_close(got, wavelet_ref(x, wavelet, mode, None, level), (n, wavelet, mode))
            checked += 1
        got = lc.wavelet_denoise(x, wavelet="db4", threshold=25.0)  # fixed threshold
        assert_close(got, wavelet_ref(x, "db4", "soft", 25.0), (n, "fixed"))
    assert checked == len(LENGTHS) * len(WAVELETS)


@needs("denoise")
def test_savgol_equals_scipy_interp():
    rng = np.random.default_rng(4)
    for n in LENGTHS:
        x = spectrum(rng, n)
        for window, order in ((11, 4), (5, 2), (7, 3), (1, 0)):
            got = lc.savgol(x, window=window, polyorder=order)
            if n < window:
                np.testing.assert_array_equal(got, x)  # documented: short spectra are copied
            else:
                ref = scipy_signal.savgol_filter(x.astype(np.float64), window, order,
                                                 mode="interp")
                assert_close(got, ref, (n, window, order))


@needs("denoise")
def test_snip_and_noise_level_equal_numpy_references():
    rng = np.random.default_rng(5)
    for n in LENGTHS:
        x = spectrum(rng, n)
        for it, dec in ((100, True), (7, False), (0, True)):
            base = lc.snip_baseline(x, iterations=it, decreasing=dec)
            assert_close(base, snip_ref(x, it, dec), (n, it, dec))
            assert_close(lc.snip_remove(x, iterations=it, decreasing=dec),
                         x.astype(np.float64) - snip_ref(x, it, dec), (n, it, "remove"))
        xd = x.astype(np.float64)
        assert lc.noise_level(x, method="median") == pytest.approx(np.median(xd), rel=1e-12)
        mad = 1.4826 * np.median(np.abs(xd - np.median(xd)))
        assert lc.noise_level(x) == pytest.approx(mad, rel=1e-12, abs=1e-300)


@needs("denoise")
@needs_pywt
def test_zengeza_equals_snip_then_pywavelets_then_clamp():
    rng = np.random.default_rng(6)
    for n in LENGTHS:
        x = spectrum(rng, n)
        y = x.astype(np.float64) - snip_ref(x, 100, True)
        ref = np.maximum(wavelet_ref(y, "db4"), 0.0)
        assert_close(lc.zengeza(x), ref, n)
        ref8 = np.maximum(wavelet_ref(x.astype(np.float64), "sym8", "hard"), 0.0)
        assert_close(lc.zengeza(x, iterations=0, wavelet="sym8", mode="hard"), ref8, (n, "nosnip"))


@needs("denoise")
@needs_pywt
def test_csr_in_place_out_and_sub_ranges():
    rng = np.random.default_rng(8)
    spectra = [spectrum(rng, n) for n in LENGTHS]
    values, offsets = csr(spectra)
    got = lc.wavelet_denoise(values, offsets, wavelet="db2")
    for i, s in enumerate(spectra):
        a, b = int(offsets[i]), int(offsets[i + 1])
        assert_close(got[a:b], wavelet_ref(s, "db2"), i)
    # in place: the caller's array is overwritten, nothing allocated for the result
    work = values.copy()
    res = lc.wavelet_denoise(work, offsets, wavelet="db2", inplace=True)
    assert res is work
    np.testing.assert_array_equal(work, got)
    # out=: a caller array
    out = np.full_like(values, -1.0)
    assert lc.savgol(values, offsets, out=out) is out
    np.testing.assert_array_equal(out, lc.savgol(values, offsets))
    # a sub-range of spectra: the points outside keep their input values
    sub = lc.wavelet_denoise(values, offsets[3:7], wavelet="db2")  # spectra 3..5
    a, b = int(offsets[3]), int(offsets[6])
    np.testing.assert_array_equal(sub[a:b], got[a:b])
    np.testing.assert_array_equal(sub[:a], values[:a])
    np.testing.assert_array_equal(sub[b:], values[b:])
    # float64 input is converted once; in place refuses it
    np.testing.assert_array_equal(lc.savgol(values.astype(np.float64), offsets),
                                  lc.savgol(values, offsets))
    with pytest.raises(ValueError, match="inplace"):
        lc.savgol(values.astype(np.float64), offsets, inplace=True)
    noise = lc.noise_level(values, offsets)
    assert noise.shape == (len(spectra),)
    assert noise[5] == lc.noise_level(spectra[5])


@needs("denoise")
def test_denoise_batch_equals_per_spectrum_calls(sim_file):
    with lc.open(sim_file) as r:
        batch = next(iter(r))
    profile = [i for i in range(len(batch)) if batch.ms_level[i] == 1 and
               batch.representation[i] != 2]
    centroid = [i for i in range(len(batch)) if batch.representation[i] == 2]
    assert profile and centroid
    for method, fn, kw in (("zengeza", lc.zengeza, {}), ("wavelet", lc.wavelet_denoise, {}),
                           ("savgol", lc.savgol, {"window": 7, "polyorder": 2}),
                           ("snip", lc.snip_remove, {"iterations": 20})):
        out = lc.denoise_batch(batch, method=method, ms_levels=(1,), **kw)
        assert len(out) == len(batch) and out.n_points == batch.n_points
        np.testing.assert_array_equal(out.mz, batch.mz)
        # the per-spectrum wrappers on the batch's arrays give the same values
        expect = fn(batch, **kw)
        off = batch.offsets.tolist()
        for i in profile:
            np.testing.assert_array_equal(out.intensity[off[i]:off[i + 1]],
                                          expect[off[i]:off[i + 1]], err_msg=method)
            assert out.processed[i] == 1
        for i in centroid:
            np.testing.assert_array_equal(out.intensity[off[i]:off[i + 1]],
                                          batch.intensity[off[i]:off[i + 1]])
    # a Spectrum works too, and the input batch was never modified
    s = batch[profile[0]]
    np.testing.assert_array_equal(lc.zengeza(s), lc.zengeza(s.intensity))


@needs("denoise")
def test_denoise_errors_carry_the_c_message(sim_file):
    x = np.ones(64, np.float32)
    cases = [(lambda: lc.savgol(x, window=4), "lv_savgol", "window 4 is not odd"),
             (lambda: lc.savgol(x, window=5, polyorder=5), "lv_savgol", "polyorder 5"),
             (lambda: lc.wavelet_denoise(x, level=40), "lv_wavelet_denoise", "level 40"),
             (lambda: lc.wavelet_denoise(x, threshold=float("nan")), "lv_wavelet_denoise",
              "threshold is NaN"),
             (lambda: lc.zengeza(x, iterations=2 ** 31), "lv_zengeza", "exceed 2^30"),
             (lambda: lc.snip_baseline(x, iterations=2 ** 31), "lv_snip_baseline", "2^30"),
             (lambda: lc.snip_remove(x, iterations=2 ** 31), "lv_snip_remove", "2^30")]
    for call, fn, text in cases:
        with pytest.raises(lc.LavoisierError) as e:
            call()
        assert e.value.function == fn and e.value.name == "LV_ERR_INVALID_ARGUMENT"
        assert text in e.value.message, e.value.message
    p = _lib.NoiseParams()
    _lib.lv_noise_params_init(p)
    p.method = 7
    with pytest.raises(lc.LavoisierError, match="method 7"):
        _lib.lv_noise_level(lc.default_context().ptr, p, 0, None, None, None)
    with lc.open(sim_file) as r:
        batch = next(iter(r))
    d = _lib.DenoiseParams()
    _lib.lv_denoise_params_init(d)
    d.method = 9
    with pytest.raises(lc.LavoisierError) as e:
        _lib.lv_denoise_batch(lc.default_context().ptr, d, batch.ptr,
                              ctypes.byref(ctypes.c_void_p()))
    assert e.value.function == "lv_denoise_batch" and "method 9" in e.value.message
    with pytest.raises(ValueError, match="method"):
        lc.denoise_batch(batch, method="median")
